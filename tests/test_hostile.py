"""Hostile and broken input files, tried as a new user would: no traceback, every row accounted for.

Three properties, on random records and random corruptions (hypothesis):

- an accepted file accounts for every row: `rows_read` is the number of data rows a person counts, and
  flags.csv holds exactly the flags a literal reading of the contract gives (so no row is lost or invented);
- a corrupted file either is accepted (exit 0, every row accounted for) or is refused with exactly one
  line on stderr (Chinese first, then the English after " | error: ") and exit 2, and nothing written;
- the flags do not depend on the order of the rows.

Then hostile files one by one (empty, cut short, stray quotes, other encodings, number cells, damaged workbooks
and Parquet files, ...), with the outcome each must have. Small examples and modest example counts keep the
whole file well under a minute on a 2-core machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.contract import FALSE_WORDS, HEADER_ALIASES, TRUE_WORDS, TYPE_COLUMNS
from analysis.load import load_applications
from analysis.rules import flag_applications

from .helpers import CHINESE, as_set, id_number, literal_flags, run_cli

COLUMNS = [c for c in HEADER_ALIASES if c not in TYPE_COLUMNS]  # citizens; other types: test_id_types.py
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
csv.field_size_limit(1 << 30)  # the reference reader must take the huge cells the loader takes


# ---------------------------------------------------------------- ID numbers, built here (not by the code under test)


def wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


PEOPLE = [
    ("110105", "19491231", "002"),
    ("440106", "19800229", "123"),
    ("610113", "19900101", "456"),
    ("150102", "19750615", "781"),
]
KEYS = [id_number(*p) for p in PEOPLE]
# (the number as an export writes it, the person key it must give); the last form has a wrong check character
ID_FORMS: list[tuple[str, str | None]] = []
for (region, birth, seq), k in zip(PEOPLE, KEYS, strict=True):
    ID_FORMS += [
        (k, k),
        (region + birth[2:] + seq, k),
        (f"{k[:6]} {k[6:14]} {k[14:]}", k),
        (wide(k), k),
        (k.lower(), k),
        (k[:17] + ("0" if k[17] != "0" else "1"), None),
    ]
# invalid_id, every one; the number born in 2099 only against a known application date (none: no date check)
BORN_2099 = id_number("110105", "20990101", "001")
BAD_IDS = [
    "",
    "1.10105E+17",
    KEYS[0] + ".0",
    "abc",
    KEYS[0][:17],
    "99" + KEYS[0][2:16] + "0X",
    id_number("110105", "18991231", "001"),
    BORN_2099,
    "=" + KEYS[0],
    "9" * 40,
]
PROVINCES = {
    "44": "44",
    "440000": "44",
    "广东": "44",
    "广东省": "44",
    "Guangdong": "44",
    "陕西": "61",
    "Shaanxi": "61",
    "Shanxi": "14",
    "山西": "14",
    "Nei Mongol": "15",
    "44.0": "44",
}
BAD_PROVINCES = ["", "火星", "Atlantis", "99"]
DAYS = [dt.date(2019, 1, 1), dt.date(2020, 3, 1), dt.date(2020, 3, 2), dt.date(2021, 6, 30)]
DATE_FORMS = [
    "{:%Y-%m-%d}",
    "{d.year}/{d.month}/{d.day}",
    "{:%Y%m%d}",
    "{d.year}年{d.month}月{d.day}日",
    "{:%Y-%m-%d} 00:00:00",
]
BAD_DATES = ["2023-02-30", "下周", "5/1/2023", "2023-13-01"]
APP_IDS = ["A1", "A2", "A3", "B1", "B2", "C1", "=1+2", "+1", "-1", "@SUM(A1)", "A,1", 'A"1', "编号1", "001"]
BOOLS = sorted(TRUE_WORDS | FALSE_WORDS | {"maybe", "是的"})
NAMES = ["张三", "欧阳修文", "", '=HYPERLINK("http://x")', "O'Brien", "a,b", 'say "hi"', "🙂"]


def date_text(day: dt.date, form: str) -> str:
    return form.format(day, d=day)


@st.composite
def records(draw, max_rows: int = 8) -> list[dict]:
    """Rows of text as an export holds them, with the truth each row must come out with."""
    rows = []
    for _ in range(draw(st.integers(1, max_rows))):
        id_text, person = draw(st.sampled_from(ID_FORMS + [(b, None) for b in BAD_IDS]))
        applied = draw(st.sampled_from(DAYS + [None] * 1 + BAD_DATES[:1]))
        cancelled = draw(st.sampled_from([None] * 4 + DAYS + BAD_DATES[1:2]))
        province = draw(st.sampled_from(list(PROVINCES) + BAD_PROVINCES))
        row = {
            "application_id": draw(st.sampled_from([*APP_IDS, " A1 ", ""])),
            "id_number": id_text,
            "name": draw(st.sampled_from(NAMES)),
            "province": province,
            "city": "",
            "applied_on": applied
            if isinstance(applied, str)
            else (date_text(applied, draw(st.sampled_from(DATE_FORMS))) if applied else ""),
            "cancelled_on": cancelled
            if isinstance(cancelled, str)
            else (date_text(cancelled, draw(st.sampled_from(DATE_FORMS))) if cancelled else ""),
            "has_second_gen_id": draw(st.sampled_from(BOOLS)),
            "id_copy": draw(st.sampled_from(["是", "1", "yes", "否", ""])),
            "household_register_copy": draw(st.sampled_from(BOOLS)),
            "special_category": draw(st.sampled_from(["", "", "残疾人"])),
            "special_documents": draw(st.sampled_from(["是", "否"])),
        }
        truth = {
            "person": person,
            "province": PROVINCES.get(province),
            "applied": applied if isinstance(applied, dt.date) else None,
            "cancelled": cancelled if isinstance(cancelled, dt.date) else None,
        }
        rows.append({"values": row, "truth": truth})
    return rows


DOCUMENTS = ["has_second_gen_id", "id_copy", "household_register_copy", "special_documents"]


def plain(rows: list[dict]) -> list[dict]:
    """The records as `literal_flags` takes them: each row's truth, and its document words read as yes or no."""
    out = []
    for r in rows:
        v, t = r["values"], r["truth"]
        person = t["person"]
        if v["id_number"] == BORN_2099 and not t["applied"]:
            person = BORN_2099  # a birth date in the future is checked only against a known application date
        out.append(
            {
                "application_id": v["application_id"].strip(),
                "person_key": person,
                "province_code": t["province"],
                "applied_on": t["applied"].isoformat() if t["applied"] else v["applied_on"],  # else "" or not a date
                "cancelled_on": t["cancelled"].isoformat() if t["cancelled"] else v["cancelled_on"],
                "special_category": v["special_category"],
                **{c: v[c].strip().lower() in TRUE_WORDS for c in DOCUMENTS},
            }
        )
    return out


# ---------------------------------------------------------------- writing files as exports do


def write_csv(
    rows: list[dict], path: Path, encoding: str = "utf-8", newline: str = "\n", chinese: bool = False
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow([CHINESE[c] if chinese else c for c in COLUMNS])
    writer.writerows([[r["values"][c] for c in COLUMNS] for r in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(rows: list[dict], path: Path, chinese: bool = False, numbers: bool = False) -> Path:
    """Text cells stay text (a value starting with '=' is no formula); digit IDs as number cells if asked."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([CHINESE[c] if chinese else c for c in COLUMNS])
    for i, r in enumerate(rows, start=2):
        for j, c in enumerate(COLUMNS, start=1):
            value = r["values"][c]
            cell = ws.cell(row=i, column=j)
            if numbers and c == "id_number" and value.isascii() and value.isdigit() and len(value) == 15:
                cell.value = int(value)  # a legacy number in a number cell is exact
            elif value:
                cell.value = value
                cell.data_type = "s"
    wb.save(path)
    return path


def write_parquet(rows: list[dict], path: Path) -> Path:
    pd.DataFrame([r["values"] for r in rows], columns=COLUMNS).astype("str").to_parquet(path, index=False)
    return path


WRITERS = {
    "csv": lambda rows, p: write_csv(rows, p.with_suffix(".csv")),
    "csv-bom-crlf-chinese": lambda rows, p: write_csv(rows, p.with_suffix(".csv"), "utf-8-sig", "\r\n", True),
    "csv-gb18030-chinese": lambda rows, p: write_csv(rows, p.with_suffix(".csv"), "gb18030", chinese=True),
    "xlsx": lambda rows, p: write_xlsx(rows, p.with_suffix(".xlsx")),
    "xlsx-numbers-chinese": lambda rows, p: write_xlsx(rows, p.with_suffix(".xlsx"), chinese=True, numbers=True),
    "parquet": lambda rows, p: write_parquet(rows, p.with_suffix(".parquet")),
}


def read_flags(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def english(stdout: str) -> str:
    """The English half of a line the command prints (Chinese first, then ' | ', then the English)."""
    return stdout.split(" | ", 1)[1]


def assert_accounted_for(out: Path, rows_read: int) -> dict:
    """summary.json and flags.csv agree: every row counted once, clean or flagged; flags point at real rows."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    flags = read_flags(out)
    assert summary["rows_read"] == rows_read
    assert summary["rows_clean"] + summary["rows_flagged"] == rows_read
    flagged_rows = set(flags["row"].astype(int))
    assert len(flagged_rows) == summary["rows_flagged"]
    assert flagged_rows <= set(range(2, rows_read + 2))
    assert not flags["detail"].str.startswith(FORMULA_START).any()
    return summary


def assert_refused(code: int, stdout: str, stderr: str, out: Path) -> str:
    assert code == 2, (code, stderr)
    assert stderr.count("\n") == 1 and stderr.startswith("错误：") and " | error: " in stderr, stderr
    assert "Traceback" not in stderr
    assert not out.exists()  # nothing written
    return stderr


# ---------------------------------------------------------------- properties


@settings(max_examples=30, **SETTINGS)
@given(rows=records(), kind=st.sampled_from(sorted(WRITERS)))
def test_an_accepted_file_accounts_for_every_row_as_the_contract_says(rows, kind):
    with tempfile.TemporaryDirectory() as tmp:
        path = WRITERS[kind](rows, Path(tmp) / "applications")
        out = Path(tmp) / "out"
        code, stdout, stderr = run_cli("flag", path, "--out", out)
        assert (code, stderr) == (0, "")
        assert english(stdout).startswith(f"{len(rows)} rows read")
        assert_accounted_for(out, len(rows))
        flags = read_flags(out)
        got = Counter(
            zip(flags["row"].astype(int), flags["application_id"], flags["flag"], flags["conflicts_with"], strict=True)
        )
        assert got == literal_flags(plain(rows))
        # flags.csv keeps application_id verbatim (docs/errors.md): it is the join key back to the source
        assert set(flags["application_id"]) <= {r["values"]["application_id"].strip() for r in rows}


@settings(max_examples=20, **SETTINGS)
@given(rows=records(max_rows=10), data=st.data())
def test_flags_do_not_depend_on_the_order_of_the_rows(rows, data):
    order = data.draw(st.permutations(range(len(rows))))
    shuffled = [rows[i] for i in order]
    kind = data.draw(st.sampled_from(["csv", "csv-gb18030-chinese", "xlsx"]))

    def flag_set(some_rows: list[dict], tmp: str, name: str) -> Counter:
        loaded = load_applications(WRITERS[kind](some_rows, Path(tmp) / name))
        flags = flag_applications(loaded.frame, check_documents=loaded.report.documents_checked)
        assert loaded.report.rows_read == len(some_rows)
        return as_set(flags, ["application_id", "flag", "person_key", "province_code", "conflicts_with", "detail"])

    with tempfile.TemporaryDirectory() as tmp:
        assert flag_set(rows, tmp, "a") == flag_set(shuffled, tmp, "b")


# ---------------------------------------------------------------- random corruptions


def person_count(data: bytes, encoding: str | None) -> int | None:
    """Data rows as a person counts them: records after the header, blank lines not counted."""
    try:
        text = data.decode("utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding)
    except (UnicodeDecodeError, TypeError, LookupError):
        return None
    lines = [r for r in csv.reader(io.StringIO(text, newline="")) if r and not (len(r) == 1 and not r[0].strip(" \t"))]
    return max(len(lines) - 1, 0)  # blank lines (before the header too) are not rows; the first line is the header


CORRUPTIONS = [
    "truncate",
    "stray_quote",
    "nul",
    "reencode",
    "random_bytes",
    "repeat_header",
    "same_header",
    "huge_cell",
    "more_fields",
    "fewer_fields",
    "extra_column",
    "blank_lines",
    "line_endings",
    "bom",
    "number_ids",
    "empty",
    "header_only",
]


@st.composite
def corrupted(draw) -> tuple[str, bytes, list[str]]:
    rows = draw(records(max_rows=5))
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows([COLUMNS] + [[r["values"][c] for c in COLUMNS] for r in rows])
    text = buffer.getvalue()
    data = text.encode("utf-8")
    done = []
    for what in draw(st.lists(st.sampled_from(CORRUPTIONS), min_size=1, max_size=3)):
        done.append(what)
        lines = data.split(b"\n")
        if what == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        elif what == "stray_quote":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + b'"' + data[at:]
        elif what == "nul":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + b"\x00" * draw(st.integers(1, 3)) + data[at:]
        elif what == "reencode":
            enc = draw(
                st.sampled_from(
                    ["latin-1", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "big5", "shift_jis", "gb18030"]
                )
            )
            data = data.decode("utf-8", "replace").encode(enc, "replace")
        elif what == "random_bytes":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at + draw(st.integers(0, 20)) :]
        elif what == "repeat_header":
            at = draw(st.integers(1, len(lines)))
            data = b"\n".join([*lines[:at], lines[0], *lines[at:]])
        elif what == "same_header":
            heads = lines[0].split(b",")
            i, j = draw(st.integers(0, len(heads) - 1)), draw(st.integers(0, len(heads) - 1))
            heads[i] = heads[j]
            data = b"\n".join([b",".join(heads), *lines[1:]])
        elif what == "huge_cell":
            at = draw(st.integers(0, len(data)))
            # a 150 kB cell, or many fields (not 50,000 doubled headers: pandas renames those in quadratic time)
            piece, times = draw(st.sampled_from([("9", 150_000), ("中", 50_000), ("x,", 300)]))
            data = data[:at] + piece.encode() * times + data[at:]
        elif what in ("more_fields", "fewer_fields") and len(lines) > 1:
            at = draw(st.integers(1, len(lines) - 1))
            lines[at] = lines[at] + b",extra" if what == "more_fields" else lines[at].rsplit(b",", 1)[0]
            data = b"\n".join(lines)
        elif what == "extra_column":
            body = [line + b",x" for line in lines[1:] if line]
            data = b"\n".join([lines[0] + b",\xe5\xa4\x87\xe6\xb3\xa8", *body]) + b"\n"
        elif what == "blank_lines":
            at = draw(st.integers(0, len(lines)))
            data = b"\n".join([*lines[:at], draw(st.sampled_from([b"", b"   ", b"\t"])), *lines[at:]])
        elif what == "line_endings":
            data = data.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r"])))
        elif what == "bom":
            data = b"\xef\xbb\xbf" + data
        elif what == "number_ids":
            data = data.replace(
                KEYS[0].encode(),
                draw(st.sampled_from([b"1.10105E+17", b"1.1010519491231E+17", b"110105194912310021.0"])),
            )
        elif what == "empty":
            data = b""
        elif what == "header_only":
            data = lines[0] + b"\n"
    return draw(st.sampled_from([".csv", ".csv", ".csv", ".xlsx", ".parquet", ".txt"])), data, done


@settings(max_examples=50, **SETTINGS)
@given(case=corrupted())
def test_a_corrupted_file_is_accepted_whole_or_refused_in_one_line(case):
    suffix, data, done = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        path.write_bytes(data)
        out = Path(tmp) / "out"
        code, stdout, stderr = run_cli("flag", path, "--out", out)
        if code == 0:
            assert stderr == ""
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            assert_accounted_for(out, summary["rows_read"])
            assert summary["rows_read"] == len(load_applications(path).frame)
            if suffix != ".xlsx" and suffix != ".parquet":
                counted = person_count(data, summary["encoding"])
                assert counted is None or counted == summary["rows_read"], (done, counted)
        else:
            assert_refused(code, stdout, stderr, out)


@settings(max_examples=15, **SETTINGS)
@given(
    rows=records(max_rows=5),
    cut=st.floats(0, 1),
    flip=st.binary(min_size=1, max_size=8),
    kind=st.sampled_from(["xlsx", "parquet"]),
)
def test_a_damaged_workbook_or_parquet_file_is_refused_in_one_line_or_read_whole(rows, cut, flip, kind):
    with tempfile.TemporaryDirectory() as tmp:
        path = WRITERS[kind](rows, Path(tmp) / "applications")
        data = path.read_bytes()
        at = int(cut * len(data))
        path.write_bytes(data[:at] + flip + data[at + len(flip) :] if cut < 0.5 else data[:at])
        out = Path(tmp) / "out"
        code, stdout, stderr = run_cli("flag", path, "--out", out)
        if code == 0:
            assert_accounted_for(out, json.loads((out / "summary.json").read_text())["rows_read"])
        else:
            assert_refused(code, stdout, stderr, out)


# ---------------------------------------------------------------- hostile files, one by one

HEADER = "application_id,id_number,province,applied_on\n"
ROW = f"A1,{KEYS[0]},44,2023-05-01\n"
ROW2 = f"A2,{KEYS[1]},广东,2023/5/1\n"


def xlsx_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, values in sheets:
        ws = wb.create_sheet(title)
        for row in values:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def damaged_text_parquet() -> bytes:
    """A Parquet file whose text bytes were damaged on disk: Parquet keeps no check of them, the reader must."""
    data = parquet_bytes_plain(
        pa.table({"application_id": ["A1"], "id_number": [KEYS[0]], "province": ["广东"], "applied_on": ["2023-05-01"]})
    )
    assert data.count("广东".encode()) == 1
    return data.replace("广东".encode(), b"\x80" + "广东".encode()[1:])  # the data page: no other copy


def parquet_bytes_plain(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="none", use_dictionary=False, write_statistics=False, store_schema=False)
    return buffer.getvalue()


H = ["application_id", "id_number", "province", "applied_on"]
# name, file contents, then rows_read (accepted) or a piece of the one-line message (refused)
CASES = [
    ("empty.csv", b"", "the file is empty (0 bytes)"),
    ("blank-lines-only.csv", b"\n \n\r\n", "the file is empty (no header row)"),
    ("header-only.csv", HEADER.encode(), 0),
    ("header-only-no-newline.csv", HEADER.strip().encode(), 0),
    ("latin1.csv", (HEADER + ROW.replace("A1", "Zürich-1")).encode("latin-1"), 1),  # decodes as GB18030: kept
    ("utf16.csv", (HEADER + ROW).encode("utf-16"), "UTF-16"),
    ("utf16-no-bom.csv", (HEADER + ROW).encode("utf-16-le"), "UTF-16"),
    ("random.csv", bytes(range(256)) * 8, "neither UTF-8 nor GB18030"),
    ("cut-in-a-row.csv", (HEADER + ROW + ROW2).encode()[:-5], 2),
    (
        "cut-in-a-character.csv",
        ("申请编号,身份证号码,省份,申领日期\nA1," + KEYS[0] + ",广东").encode()[:-1],
        "ends in the middle of a character",
    ),
    (
        "unclosed-quote.csv",
        (HEADER + 'A1,"' + KEYS[0] + ",44,2023-05-01\n" + ROW2).encode(),
        'a quote (") opened on line 2 is never closed',
    ),
    (
        "quote-swallows-rows.csv",
        (
            "application_id,id_number,name,province,applied_on\n"
            f'A1,{KEYS[0]},"张三,44,2023-05-01\nA2,{KEYS[1]},李四",44,2023-05-01\n'
        ).encode(),
        "row 2: the name value runs over several lines",
    ),
    ("quote-inside-a-value.csv", (HEADER + f'A1,{KEYS[0]},4"4,2023-05-01\n').encode(), 1),
    (
        "quoted-line-break-elsewhere.csv",
        (f'application_id,id_number,province,applied_on,备注\nA1,{KEYS[0]},44,2023-05-01,"两行\n备注"\n').encode(),
        1,
    ),
    ("repeated-header.csv", (HEADER + ROW + HEADER + ROW2).encode(), 3),
    (
        "repeated-header-name.csv",
        (f"application_id,id_number,id_number,province,applied_on\nA1,{KEYS[0]},{KEYS[1]},44,2023-05-01\n").encode(),
        "the header 'id_number' appears more than once",
    ),
    (
        "two-aliases.csv",
        ("application_id,身份证号码,社会保障号码,province,applied_on\nA1,1,2,44,2023-05-01\n").encode(),
        "both mean id_number",
    ),
    (
        "repeated-unknown-header.csv",
        (f"application_id,id_number,province,applied_on,x,x,,\nA1,{KEYS[0]},44,2023-05-01,1,2,3,4\n").encode(),
        1,
    ),
    ("huge-cell.csv", (HEADER + "A1," + "9" * 1_000_000 + ",44,2023-05-01\n" + ROW2).encode(), 2),
    (
        "huge-chinese-cell.csv",
        (f"application_id,id_number,name,province,applied_on\nA1,{KEYS[0]},{'张' * 1_000_000},44,2023-05-01\n").encode(
            "gb18030"
        ),
        1,
    ),
    ("nul-bytes.csv", (HEADER + ROW.replace("A1", "A\x001") + "\x00\n" + ROW2).encode(), 3),
    (
        "nul-in-header.csv",
        ("applica\x00tion_id,id_number,province,applied_on\n" + ROW).encode(),
        r"headers found: applica\x00tion_id",
    ),
    (
        "mixed-dates.csv",
        (
            HEADER
            + "".join(
                f"A{i},{KEYS[i % 4]},44,{d}\n"
                for i, d in enumerate(
                    [
                        "2023-05-01",
                        "2023/5/1",
                        "20230501",
                        "2023年5月1日",
                        "2023-05-01 00:00:00",
                        "5/1/2023",
                        "45047",
                        "",
                    ]
                )
            )
        ).encode(),
        8,
    ),
    ("scientific-id.csv", (HEADER + "A1,1.10105E+17,44,2023-05-01\n").encode(), 1),
    ("extra-columns.csv", ("x," + HEADER.strip() + ",备注,\n" + "1," + ROW.strip() + ",note,\n").encode(), 1),
    (
        "more-fields-first-row.csv",
        (HEADER + ROW.strip() + ",extra,more\n" + ROW2).encode(),
        "the first data row has more fields than the header row",
    ),
    (
        "trailing-commas-first-row.csv",
        (HEADER + ROW.strip() + ",,\n" + ROW2).encode(),
        "the first data row has more fields than the header row",
    ),
    (
        "more-fields-later.csv",
        (HEADER + ROW + ROW2.strip() + ",extra\n").encode(),
        "line 3 has 5 fields but the header row has 4",
    ),
    ("fewer-fields.csv", (HEADER + "A1," + KEYS[0] + "\n" + ROW2).encode(), 2),
    (
        "bom-chinese-crlf.csv",
        ("\ufeff申请编号,身份证号码,省份,申领日期\r\nA1," + KEYS[0] + ",广东,2023年5月1日\r\n").encode("utf-8"),
        1,
    ),
    ("cr-only.csv", (HEADER + ROW + ROW2).replace("\n", "\r").encode(), 2),
    ("semicolons.csv", (HEADER + ROW).replace(",", ";").encode(), "separated by ';'"),
    ("title-row.csv", ("2026年11月社保卡申领明细,,,\n" + HEADER + ROW).encode("gb18030"), "the header row is row 2"),
    ("csv-named.xlsx", (HEADER + ROW).encode(), "it is text (a CSV file named .xlsx?)"),
    ("zero.xlsx", b"", "the file is empty (0 bytes)"),
    ("zero.parquet", b"", "the file is empty (0 bytes)"),
    ("not-a-zip.xlsx", b"PK\x03\x04 broken", "not a readable .xlsx workbook"),
    ("ole.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old .xls workbook or a password-protected"),
    (
        "several-sheets.xlsx",
        xlsx_bytes(
            [("1月", [H, ["A1", KEYS[0], "44", "2023-05-01"]]), ("2月", [H, ["A2", KEYS[1], "44", "2023-06-01"]])]
        ),
        1,
    ),
    (
        "first-sheet-empty.xlsx",
        xlsx_bytes([("封面", []), ("数据", [H, ["A1", KEYS[0], "44", "2023-05-01"]])]),
        "the first sheet ('封面') is empty",
    ),
    ("header-only.xlsx", xlsx_bytes([("S", [H])]), 0),
    (
        "number-cells.xlsx",
        xlsx_bytes(
            [
                (
                    "S",
                    [
                        H,
                        ["A1", int(KEYS[1]), 44, 45047],
                        ["A2", 110105491231002, 44.0, dt.datetime(2023, 5, 1)],
                        ["A3", 1.10105e17, "44", 20230501],
                        [1, None, None, None],
                        [None] * 4,
                        ["A5", "x", "44", "2023-05-01"],
                    ],
                )
            ]
        ),
        6,
    ),
    ("formula-cells.xlsx", xlsx_bytes([("S", [H, ["=1+1", "=A1", "44", "=TODAY()"]])]), 1),
    ("huge-cell.xlsx", xlsx_bytes([("S", [H, ["A1", "9" * 32_767, "44", "2023-05-01"]])]), 1),
    ("ragged.xlsx", xlsx_bytes([("S", [H, ["A1", KEYS[0], "44", "2023-05-01", "extra", "more"], ["A2"]])]), 2),
    (
        "title-row.xlsx",
        xlsx_bytes([("S", [["社保卡申领明细"], H, ["A1", KEYS[0], "44", "2023-05-01"]])]),
        "the header row is row 2",
    ),
    (
        "int-columns.parquet",
        parquet_bytes(
            pa.table(
                {
                    "application_id": [1, 2],
                    "id_number": [int(KEYS[1]), 110105491231002],
                    "province": [44, 61],
                    "applied_on": [20230501, 20230502],
                }
            )
        ),
        2,
    ),
    (
        "float-columns.parquet",
        parquet_bytes(
            pa.table(
                {
                    "application_id": [1.0, 2.5],
                    "id_number": [1.1e17, None],
                    "province": [44.0, None],
                    "applied_on": ["2023-05-01", None],
                }
            )
        ),
        2,
    ),
    (
        "bytes-and-lists.parquet",
        parquet_bytes(
            pa.table(
                {
                    "application_id": pa.array([b"A1", b"\xff"]),
                    "id_number": pa.array([[KEYS[0]], None], pa.list_(pa.string())),
                    "province": ["44", "44"],
                    "applied_on": ["2023-05-01"] * 2,
                }
            )
        ),
        2,
    ),
    ("null-columns.parquet", parquet_bytes(pa.table({c: pa.nulls(3) for c in H})), 3),
    (
        "doubled-name.parquet",
        parquet_bytes(pa.Table.from_arrays([pa.array(["A1"])] * 5, names=[*H, "province"])),
        "column 'province' appears more than once",
    ),
    ("garbage.parquet", b"PAR1 this is not parquet PAR1", "not a readable Parquet file"),
    ("damaged-text.parquet", damaged_text_parquet(), "not a readable Parquet file (ArrowInvalid: Invalid UTF8"),
]


@pytest.mark.parametrize("name, data, outcome", CASES, ids=[c[0] for c in CASES])
def test_hostile_file(tmp_path, name, data, outcome):
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("flag", path, "--out", out)
    if isinstance(outcome, int):
        assert (code, stderr) == (0, ""), stderr
        assert_accounted_for(out, outcome)
        assert english(stdout).startswith(f"{outcome} rows read")
    else:
        assert outcome in assert_refused(code, stdout, stderr, out)


def test_what_the_hostile_files_come_out_as(tmp_path):
    """A few accepted hostile files in detail: numbers for IDs are invalid, never guessed; notes say what was
    skipped."""
    cases = {name: data for name, data, _ in CASES}
    paths = {}
    for name in [
        "number-cells.xlsx",
        "several-sheets.xlsx",
        "int-columns.parquet",
        "float-columns.parquet",
        "scientific-id.csv",
        "mixed-dates.csv",
        "nul-bytes.csv",
    ]:
        paths[name] = tmp_path / name
        paths[name].write_bytes(cases[name])
    f = load_applications(paths["number-cells.xlsx"]).frame
    assert pd.isna(f["person_key"].iloc[0]) and pd.isna(f["person_key"].iloc[2])  # NA, never guessed
    assert "stored as a number" in f["id_problem"].iloc[0] and "stored as a number" in f["id_problem"].iloc[2]
    assert f["person_key"].iloc[1] == id_number("110105", "19491231", "002")  # 15 digits in a number cell are exact
    assert f["applied_on"].dt.strftime("%Y-%m-%d").iloc[:3].tolist() == ["2023-05-01"] * 3
    assert load_applications(paths["several-sheets.xlsx"]).report.notes == [
        "the workbook has 2 sheets; only the first ('1月') was read",
        "no document columns in the file: document completeness was not checked",
    ]
    f = load_applications(paths["int-columns.parquet"]).frame
    assert f["person_key"].tolist() == [KEYS[1], id_number("110105", "19491231", "002")]  # Parquet integers are exact
    f = load_applications(paths["float-columns.parquet"]).frame
    assert "decimal number" in f["id_problem"].iloc[0]
    assert "scientific notation" in load_applications(paths["scientific-id.csv"]).frame["id_problem"].iloc[0]
    f = load_applications(paths["mixed-dates.csv"]).frame
    assert f["applied_on"].notna().tolist() == [True] * 5 + [False] * 3
    f = load_applications(paths["nul-bytes.csv"]).frame
    assert f["application_id"].tolist() == ["A\x001", "\x00", "A2"]


def test_flags_csv_keeps_formula_like_text_verbatim_and_the_workbook_holds_no_formula(tmp_path):
    """docs/errors.md: flags.csv is data for tools; only application_id and conflicts_with can start like a formula."""
    text = (
        HEADER
        + f"=1+2,{KEYS[0]},44,2020-01-01\n"
        + f"@SUM(A1),{KEYS[0]},44,2021-01-01\n"
        + f"-3,{KEYS[1]},44,2021-01-01\n"
        + f"+4,{KEYS[1]},61,2022-01-01\n"
    )
    path = tmp_path / "formulas.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, _, stderr = run_cli("flag", path, "--out", out, "--workbook", out / "cases.xlsx")
    assert (code, stderr) == (0, "")
    raw = (out / "flags.csv").read_text(encoding="utf-8-sig")
    assert "\n@SUM(A1),duplicate_card," in raw and ",=1+2," in raw  # verbatim: no apostrophe, no quotes
    assert "\n+4,cross_province_conflict," in raw and ",-3," in raw
    flags = read_flags(out)
    assert not flags["detail"].str.startswith(FORMULA_START).any()
    assert flags["detail"].str.match(r"^[a-zA-Z]").all()
    wb = openpyxl.load_workbook(out / "cases.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert {"=1+2", "@SUM(A1)", "-3", "+4"} <= {c.value for c in cells}


@pytest.mark.parametrize("data", [HEADER, HEADER + ROW], ids=["header-only", "one-clean-row"])
def test_the_report_tables_survive_a_file_without_cases(tmp_path, data):
    """What notebooks 02 and 03 show, on files an analyst may well run `report` on."""
    from analysis import cases

    path = tmp_path / "a.csv"
    path.write_text(data, encoding="utf-8")
    loaded = load_applications(path)
    flags = flag_applications(loaded.frame, check_documents=loaded.report.documents_checked)
    for flag in ["duplicate_card", "cross_province_conflict"]:
        assert len(cases.masked_cases(cases.case_table(loaded.frame, flags, flag))) == 0


def test_a_hostile_file_from_a_real_shell_gives_one_line_and_exit_2(tmp_path):
    """The same as a new user sees it: a separate process, nothing but one line on stderr."""
    path = tmp_path / "导出.csv"
    path.write_bytes((HEADER + 'A1,"' + KEYS[0] + ",44,2023-05-01\n").encode())
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "flag", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert (
        run.stderr
        == '错误：导出.csv：第 2 行开始的引号（"）没有闭合；请删除多余的引号，或给整个值加上引号，然后重试 | '
        'error: 导出.csv: a quote (") opened on line 2 is never closed; remove the stray quote '
        "or quote the whole value, then try again\n"
    )
    assert run.stdout == ""
