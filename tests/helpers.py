"""What the tests share: hand-made people and files, the command line in-process, and the flag rules read literally.

A plain module, imported as `from .helpers import ...`; the pytest fixtures are built on it and import from here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.__main__ import main
from analysis.contract import HEADER_ALIASES

# ---------------------------------------------------------------- people: ID numbers built here, not by the code

P1 = "11010519491231002X"
P1_WIDE = "１１０１０５１９４９１２３１００２ｘ"  # P1 in full-width characters, lower-case x
P2_LEGACY, P2 = "130503670401001", "130503196704010016"  # one person: the 15-digit number and its 18-digit form
P3 = "110111198012010078"


def check_character(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def id_number(region: str, birth: str, seq: str) -> str:
    """An 18-character ID number with a matching check character: region (6), birth date YYYYMMDD, sequence (3)."""
    return region + birth + seq + check_character(region + birth + seq)


# ---------------------------------------------------------------- rows and files as an analyst's export holds them

BASE = {
    "name": "张三",
    "city": "",
    "cancelled_on": "",
    "has_second_gen_id": "是",
    "id_copy": "是",
    "household_register_copy": "否",
    "special_category": "",
    "special_documents": "",
}
CHINESE = {c: aliases[1] for c, aliases in HEADER_ALIASES.items()}


def app(app_id: str, number: str, province: str, applied: str, cancelled: str = "", **more) -> dict:
    """One application as a row of text; `more` sets any other column (name, documents, ...)."""
    return {
        "application_id": app_id,
        "id_number": number,
        "province": province,
        "applied_on": applied,
        "cancelled_on": cancelled,
        **more,
    }


def make_rows(rows: list[dict]) -> pd.DataFrame:
    """Rows with the contract's English columns; omitted optional values take harmless defaults."""
    frame = pd.DataFrame([{**BASE, **r} for r in rows])
    return frame[[c for c in HEADER_ALIASES if c in frame.columns]]


def write(frame: pd.DataFrame, path: Path, kind: str = "csv", chinese: bool = False) -> Path:
    """Write a frame as an analyst's export would be: csv (utf-8), gb18030, utf-8-sig, xlsx or parquet."""
    if chinese:
        frame = frame.rename(columns=CHINESE)
    if kind == "csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    elif kind in ("gb18030", "utf-8-sig"):
        frame.to_csv(path, index=False, encoding=kind)
    elif kind == "xlsx":
        frame.to_excel(path, index=False)
    elif kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        raise ValueError(kind)
    return path


# ---------------------------------------------------------------- the command line and its outputs


def run_cli(*args: object) -> tuple[int, str, str]:
    """`python -m analysis ARGS` in-process: (exit code, stdout, stderr). Arguments may be paths."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: a usage mistake
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def as_set(flags: pd.DataFrame, columns: Sequence[str] = ("application_id", "flag", "conflicts_with")) -> Counter:
    """A flags table as a multiset of rows of text (missing values as ""): equal whatever the order of the rows."""
    return Counter(map(tuple, flags[list(columns)].fillna("").astype(str).to_numpy().tolist()))


# ---------------------------------------------------------------- the flag rules, read literally


def _day(text: str) -> dt.date | None:
    """A YYYY-MM-DD calendar date, or None for anything else (empty, or not a date)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def literal_flags(rows: list[dict], check_documents: bool = True) -> Counter:
    """The flags of docs/data-contract.md, read literally row by row and pair by pair: slow and plainly right.

    Each row is a plain dict of what one application says, already read (each test converts its own rows):
    `application_id` (text, stripped), `person_key` (the normalized 18-character number; None when the ID number
    is invalid), `province_code` (None when the province is not recognized), `applied_on` and `cancelled_on`
    ("YYYY-MM-DD"; "" when empty; any other text is not a date) and, when documents are checked, `id_copy`,
    `has_second_gen_id`, `household_register_copy`, `special_documents` (booleans) and `special_category` (text).
    Returns a Counter of (row, application_id, flag, conflicts_with), `row` as a spreadsheet shows it (header = 1)
    and conflicts_with "" for the flags of one row.
    """
    ids = [r["application_id"] for r in rows]
    applied = [_day(r["applied_on"]) for r in rows]
    cancelled = [_day(r["cancelled_on"]) for r in rows]
    out: Counter = Counter()
    usable = []
    for i, r in enumerate(rows):
        invalid_record = (
            not ids[i]  # empty application_id
            or ids.count(ids[i]) > 1  # application_id shared by several rows
            or applied[i] is None  # applied_on empty or not a date
            or (r["cancelled_on"] != "" and cancelled[i] is None)  # cancelled_on given but not a date
            or r["province_code"] is None  # province not recognized
            or (applied[i] is not None and cancelled[i] is not None and cancelled[i] < applied[i])
        )
        invalid_id = r["person_key"] is None
        if invalid_record:
            out[(i + 2, ids[i], "invalid_record", "")] += 1
        if invalid_id:
            out[(i + 2, ids[i], "invalid_id", "")] += 1
        if check_documents and (
            not r["id_copy"]
            or (not r["has_second_gen_id"] and not r["household_register_copy"])
            or (r["special_category"] and not r["special_documents"])
        ):
            out[(i + 2, ids[i], "incomplete_documents", "")] += 1
        if not invalid_record and not invalid_id:  # the two row flags make a row unusable for matching
            usable.append(i)

    def order(i: int) -> tuple[dt.date, str]:  # application order: date applied, then application_id
        return applied[i], ids[i]

    for b in usable:
        # every earlier application of the same person still live on the day b was applied for
        live = sorted(
            (
                a
                for a in usable
                if rows[a]["person_key"] == rows[b]["person_key"]
                and order(a) < order(b)
                and (cancelled[a] is None or applied[b] < cancelled[a])
            ),
            key=order,
        )
        other = [a for a in live if rows[a]["province_code"] != rows[b]["province_code"]]
        same = [a for a in live if rows[a]["province_code"] == rows[b]["province_code"]]
        if other:  # a live card in another province wins, and the earliest one is named
            out[(b + 2, ids[b], "cross_province_conflict", ids[other[0]])] += 1
        elif same:
            out[(b + 2, ids[b], "duplicate_card", ids[same[0]])] += 1
    return out
