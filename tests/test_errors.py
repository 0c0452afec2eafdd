"""Every error of docs/errors.md: the message as documented, Chinese first, one line, the documented exit code,
nothing written.

One test per row of the tables in docs/errors.md, in the same order. Each test names its row by the English message
exactly as the docs write it (`documented("…")`) and checks the actual line against the row's Chinese and English,
and `test_every_documented_message_is_tested` checks that every row of the docs is named by a test, so the two
cannot drift apart. `test_every_documented_message_has_its_chinese` holds analysis/messages.py to the Chinese the
docs write, for every row (the Dask engine's too).
"""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis import messages
from analysis.__main__ import MANIFEST, main

from .helpers import P1, run_cli

DOCS = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
DOCS_ALL = DOCS.read_text(encoding="utf-8")
DOC_TEXT = DOCS_ALL.split("## With `--engine dask`")[0]  # the tables this file tests row by row
HEADER = "application_id,id_number,province,applied_on\n"
ROW = f"A1,{P1},44,2023-05-01\n"


def message_rows(text: str) -> dict[str, str]:
    """English message -> its Chinese, from every table of docs/errors.md whose first column is the message."""
    rows, in_table = {}, False
    for line in text.splitlines():
        if line.startswith("| message"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and line.startswith("| `"):
            cells = re.split(r"(?<!\\)\|", line)
            english, chinese = (re.findall(r"`([^`]*)`", cell) for cell in cells[1:3])
            assert len(english) == len(chinese), line
            rows.update(zip(english, chinese, strict=True))
    return rows


ROWS = message_rows(DOCS_ALL)


def as_regex(text: str) -> str:
    """A documented message as a regex: {placeholders} and … match any text (or none)."""
    parts = re.split(r"(\{[^}]*\}|…)", text)
    return "".join(".*" if p.startswith("{") or p == "…" else re.escape(p) for p in parts)


def documented(message: str) -> str:
    """A row of docs/errors.md as the regex of the whole line: its Chinese, ' | ', its English message."""
    assert f"| `{message}` |" in DOCS_ALL, f"not in docs/errors.md: {message}"
    return as_regex(ROWS[message]) + re.escape(messages.SEPARATOR) + as_regex(message)


def refused(path: Path, pattern: str, tmp_path: Path, exact: str | None = None) -> str:
    """`flag` on path: exit 2, one line matching the documented pattern (its English part equal to `exact`),
    nothing written."""
    out = tmp_path / "out"
    code, _, err = run_cli("flag", path, "--out", out)
    assert code == 2, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert re.fullmatch(pattern, err.rstrip("\n")), err
    assert err.startswith(messages.ZH_ERROR), err
    if exact is not None:
        assert err.endswith(f" | error: {exact}\n"), err
    assert not out.exists()
    return err


def usage_error(pattern: str, *args) -> str:
    """argparse: exit 2, the usage line(s), then one line matching the documented pattern."""
    code, _, err = run_cli(*args)
    assert code == 2
    assert err.startswith("usage: ")
    last = err.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(pattern, last), err
    return last


def file(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# ---------------------------------------------------------------- the file cannot be opened


def test_no_such_file(tmp_path):
    err = refused(
        tmp_path / "nope.csv",
        documented("error: {path}: no such file"),
        tmp_path,
        f"{tmp_path / 'nope.csv'}: no such file",
    )
    path = tmp_path / "nope.csv"
    assert err == f"错误：{path}：没有这个文件 | error: {path}: no such file\n"


def test_a_folder(tmp_path):
    (tmp_path / "exports").mkdir()
    refused(
        tmp_path / "exports",
        documented("error: {path}: is a folder, expected a .csv, .xlsx or .parquet file"),
        tmp_path,
        f"{tmp_path / 'exports'}: is a folder, expected a .csv, .xlsx or .parquet file",
    )


@pytest.mark.parametrize("name, suffix", [("notes.docx", ".docx"), ("applications", "")])
def test_unknown_file_type(tmp_path, name, suffix):
    refused(
        file(tmp_path, name, HEADER + ROW),
        documented("error: {file}: unknown file type '{suffix}'; expected .csv, .xlsx or .parquet"),
        tmp_path,
        f"{name}: unknown file type '{suffix}'; expected .csv, .xlsx or .parquet",
    )


def test_old_xls(tmp_path):
    refused(
        file(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        documented("error: {file}: old .xls workbooks are not read; save it as .xlsx or CSV"),
        tmp_path,
        "old.xls: old .xls workbooks are not read; save it as .xlsx or CSV",
    )


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx", "empty.parquet"])
def test_zero_bytes(tmp_path, name):
    refused(
        file(tmp_path, name, b""),
        documented("error: {file}: the file is empty (0 bytes); copy or export it again"),
        tmp_path,
        f"{name}: the file is empty (0 bytes); copy or export it again",
    )


def test_system_refuses(tmp_path):
    source = file(tmp_path, "a.csv", HEADER + ROW)
    taken = file(tmp_path, "taken", "a file where --out wants a folder")
    code, _, err = run_cli("flag", source, "--out", taken)
    assert code == 2
    assert re.fullmatch(documented("error: {path}: {system reason}"), err.rstrip("\n"))
    assert err == f"错误：{taken}：系统拒绝读写（已有同名的文件） | error: {taken}: File exists\n"


# ---------------------------------------------------------------- CSV


def test_no_header_row(tmp_path):
    refused(
        file(tmp_path, "blank.csv", b"\xef\xbb\xbf\n  \r\n"),
        documented("error: {file}: the file is empty (no header row)"),
        tmp_path,
        "blank.csv: the file is empty (no header row)",
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16(tmp_path, encoding):
    refused(
        file(tmp_path, "unicode.csv", (HEADER + ROW).encode(encoding)),
        documented("error: {file}: the file is UTF-16 ('Unicode text'); save it from Excel as 'CSV UTF-8' or CSV"),
        tmp_path,
        "unicode.csv: the file is UTF-16 ('Unicode text'); save it from Excel as 'CSV UTF-8' or CSV",
    )


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_cut_off_in_a_character(tmp_path, encoding):
    data = ("申请编号,身份证号码,省份,申领日期\nA1," + P1 + ",广东,2023年5月1日").encode(encoding)[:-1]
    refused(
        file(tmp_path, "cut.csv", data),
        documented(
            "error: {file}: the file ends in the middle of a character, so it was cut off (an "
            "interrupted copy or download?); copy or export it again"
        ),
        tmp_path,
    )


def test_neither_utf8_nor_gb18030(tmp_path):
    refused(
        file(tmp_path, "big5.csv", bytes(range(256)) * 4),
        documented(
            "error: {file}: text is neither UTF-8 nor GB18030/GBK ({reason}); save it from Excel as "
            "'CSV UTF-8', or as .xlsx"
        ),
        tmp_path,
        "big5.csv: text is neither UTF-8 nor GB18030/GBK (illegal multibyte sequence); save it from Excel as "
        "'CSV UTF-8', or as .xlsx",
    )


def test_quote_never_closed(tmp_path):
    err = refused(
        file(tmp_path, "q.csv", HEADER + ROW + f'A2,"{P1},44,2023-05-01\nA3,{P1},44,2023-05-01\n'),
        documented(
            'error: {file}: a quote (") opened on line {n} is never closed; remove the stray quote '
            "or quote the whole value, then try again"
        ),
        tmp_path,
    )
    assert "on line 3 " in err


def test_value_over_several_lines(tmp_path):
    data = (
        "application_id,id_number,name,province,applied_on\n"
        + f"A1,{P1},张三,44,2023-05-01\n"
        + f'A2,{P1},"李四,44,2023-05-01\nA3,{P1},王五",44,2023-05-01\n'
    )
    err = refused(
        file(tmp_path, "swallowed.csv", data),
        documented(
            'error: {source}: row {n}: the {column} value runs over several lines, so a quote (") '
            "there is probably unbalanced and the rows after it have run together; remove the "
            "stray quote or export the file again"
        ),
        tmp_path,
    )
    assert (
        err.startswith("错误：swallowed.csv：第 3 行：name 的值")
        and " | error: swallowed.csv: row 3: the name value" in err
    )


def test_more_fields_than_headers(tmp_path):
    err = refused(
        file(tmp_path, "wide.csv", HEADER + ROW + ROW + "A3,1,2,3,4,5\n"),
        documented(
            "error: {file}: line {n} has {k} fields but the header row has {m} (a comma inside a "
            "value that is not in quotes?); fix that line or export the file again"
        ),
        tmp_path,
    )
    assert "line 4 has 6 fields but the header row has 4" in err


def test_first_data_row_has_more_fields_than_headers(tmp_path):
    refused(
        file(tmp_path, "wide.csv", HEADER + "A1,李,四," + P1 + ",44,2023-05-01\n" + ROW),
        documented(
            "error: {file}: the first data row has more fields than the header row (a comma inside a "
            "value that is not in quotes, or a missing header?); fix that row or export the file again"
        ),
        tmp_path,
    )


def test_other_csv_parser_failure(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise pd.errors.ParserError(
            "Error tokenizing data. C error: Buffer overflow caught - possible malformed input file.\n"
        )

    monkeypatch.setattr(pd, "read_csv", broken)
    refused(
        file(tmp_path, "odd.csv", HEADER + ROW),
        documented("error: {file}: not a readable CSV table ({detail}); export it again as CSV UTF-8"),
        tmp_path,
        "odd.csv: not a readable CSV table (Error tokenizing data. C error: Buffer overflow caught - possible "
        "malformed input file.); export it again as CSV UTF-8",
    )


# ---------------------------------------------------------------- workbooks


def test_xls_or_password_protected_named_xlsx(tmp_path):
    refused(
        file(tmp_path, "locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
        documented(
            "error: {file}: not a readable .xlsx workbook: it is an old .xls workbook or a "
            "password-protected one; save it as .xlsx without a password, or as CSV UTF-8"
        ),
        tmp_path,
    )


def test_text_named_xlsx(tmp_path):
    refused(
        file(tmp_path, "export.xlsx", HEADER + ROW),
        documented(
            "error: {file}: not a readable .xlsx workbook: it is text (a CSV file named .xlsx?); rename it to .csv"
        ),
        tmp_path,
    )


def test_damaged_workbook(tmp_path):
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    refused(
        path,
        documented(
            "error: {file}: not a readable .xlsx workbook ({error}); open it in Excel and save it again as .xlsx"
        ),
        tmp_path,
    )


def test_first_sheet_empty(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    data = wb.create_sheet("数据")
    data.append(HEADER.strip().split(","))
    data.append(ROW.strip().split(","))
    wb.save(tmp_path / "cover.xlsx")
    err = refused(
        tmp_path / "cover.xlsx",
        documented(
            "error: {file}: the first sheet ('{sheet}') is empty; the applications must be on the first "
            "sheet, with the header row first"
        ),
        tmp_path,
        "cover.xlsx: the first sheet ('封面') is empty; the applications must be on the first sheet, with the "
        "header row first",
    )
    assert err.startswith("错误：cover.xlsx：第一个工作表（“封面”）是空的；")


# ---------------------------------------------------------------- Parquet


def test_unreadable_parquet(tmp_path):
    refused(
        file(tmp_path, "broken.parquet", b"PAR1 nonsense"),
        documented(
            "error: {file}: not a readable Parquet file ({error}); write it again, or export the data as "
            "CSV UTF-8 or .xlsx"
        ),
        tmp_path,
    )


def test_parquet_column_twice(tmp_path):
    pq.write_table(
        pa.Table.from_arrays([pa.array(["x"])] * 5, names=[*HEADER.strip().split(","), "province"]),
        tmp_path / "twice.parquet",
    )
    refused(
        tmp_path / "twice.parquet",
        documented("error: {file}: column '{name}' appears more than once; keep one of them"),
        tmp_path,
        "twice.parquet: column 'province' appears more than once; keep one of them",
    )


# ---------------------------------------------------------------- headers


def test_missing_required_columns(tmp_path):
    refused(
        file(tmp_path, "a.csv", "申请编号,姓名,日期\nA1,张三,2023-05-01\n"),
        documented("error: {source}: missing required column(s) {columns}; headers found: {headers}"),
        tmp_path,
        "a.csv: missing required column(s) id_number, province, applied_on; headers found: 申请编号, 姓名, 日期",
    )


def test_missing_columns_because_of_a_title_row(tmp_path):
    refused(
        file(tmp_path, "titled.csv", "2026年11月申领明细,,,\n" + HEADER + ROW),
        documented("… headers found: {headers} (the header row is row {n}: delete the rows above it)"),
        tmp_path,
        "titled.csv: missing required column(s) application_id, id_number, province, applied_on; "
        "headers found: 2026年11月申领明细, Unnamed: 1, Unnamed: 2, Unnamed: 3 (the header row is row 2: delete "
        "the rows above it)",
    )


def test_missing_columns_because_of_another_separator(tmp_path):
    refused(
        file(tmp_path, "semi.csv", (HEADER + ROW).replace(",", ";")),
        documented(
            "… headers found: {headers} (the columns are separated by '{sep}', not commas: "
            "save the file as CSV with commas)"
        ),
        tmp_path,
        "semi.csv: missing required column(s) application_id, id_number, province, applied_on; headers found: "
        "application_id;id_number;province;applie… (the columns are separated by ';', not commas: save the file "
        "as CSV with commas)",
    )


def test_two_aliases_of_one_column(tmp_path):
    refused(
        file(tmp_path, "a.csv", "申请编号,身份证号码,社会保障号码,省份,申领日期\nA1,x,y,44,2023-05-01\n"),
        documented("error: {source}: columns '{first}' and '{second}' both mean {column}; keep one of them"),
        tmp_path,
        "a.csv: columns '身份证号码' and '社会保障号码' both mean id_number; keep one of them",
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_same_header_twice(tmp_path, kind):
    frame = pd.DataFrame(
        [["A1", P1, "张三", "李四", "44", "2023-05-01"]],
        columns=["application_id", "id_number", "姓名", "姓名", "province", "applied_on"],
    )
    path = tmp_path / f"twice.{kind}"
    frame.to_csv(path, index=False) if kind == "csv" else frame.to_excel(path, index=False)
    refused(
        path,
        documented("error: {source}: the header '{header}' appears more than once; keep one of those columns"),
        tmp_path,
        f"twice.{kind}: the header '姓名' appears more than once; keep one of those columns",
    )


# ---------------------------------------------------------------- the command line


def test_missing_arguments():
    usage_error(
        documented("python -m analysis flag: error: the following arguments are required: input, --out"), "flag"
    )


def test_unknown_command():
    usage_error(documented("python -m analysis: error: argument command: invalid choice: '{word}' …"), "flags", "a.csv")


def test_unknown_option(tmp_path):
    last = usage_error(
        documented("python -m analysis: error: unrecognized arguments: {arguments}"),
        "flag",
        "a.csv",
        "--out",
        tmp_path / "o",
        "--masked",
    )
    assert last.endswith(": --masked")


def test_report_with_a_province_that_is_none(tmp_path):
    source = file(tmp_path, "a.csv", HEADER + ROW)
    code, _, err = run_cli("report", source, "--out", tmp_path / "out", "--province", "火星")
    assert code == 2 and err.count("\n") == 1
    assert re.fullmatch(
        documented(
            "error: the province '{value}' for the provincial view is not a province (use a code like 44, or a "
            "name like 广东)"
        ),
        err.rstrip("\n"),
    )
    assert not (tmp_path / "out").exists()


def test_mask_workbook_without_workbook(tmp_path):
    usage_error(
        documented("python -m analysis: error: --mask-workbook needs --workbook FILE.xlsx"),
        "flag",
        "a.csv",
        "--out",
        tmp_path / "o",
        "--mask-workbook",
    )
    assert not (tmp_path / "o").exists()


def test_workbook_outside_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = file(tmp_path, "a.csv", HEADER + ROW)
    last = usage_error(
        documented(
            "python -m analysis: error: --workbook '{value}' would be written outside --out; a relative path is "
            "taken from the --out folder: leave out '..', or give an absolute path"
        ),
        "flag",
        source,
        "--out",
        "out",
        "--workbook",
        "../cases.xlsx",
    )
    assert "“../cases.xlsx”" in last and "'../cases.xlsx'" in last
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "cases.xlsx").exists()


@pytest.mark.parametrize("value", ["cases.csv", "."])
def test_workbook_not_xlsx(tmp_path, value):
    last = usage_error(
        documented("python -m analysis: error: --workbook needs a file name ending in .xlsx, got '{value}'"),
        "flag",
        "a.csv",
        "--out",
        tmp_path / "o",
        "--workbook",
        value,
    )
    assert last.endswith(f"got '{value}'")


def test_not_a_whole_number():
    usage_error(
        documented("python -m analysis sample: error: argument --persons: invalid int value: '{value}'"),
        "sample",
        "--persons",
        "many",
    )


def test_persons_below_one(tmp_path):
    usage_error(
        documented("python -m analysis: error: --persons must be at least 1"),
        "sample",
        "--persons",
        "0",
        "--out",
        tmp_path / "s",
    )
    assert not (tmp_path / "s").exists()


# ---------------------------------------------------------------- cleaning up


def test_damaged_list_of_written_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "flags.csv").write_text("written by the tool, once\n", encoding="utf-8")
    (out / MANIFEST).write_text('{"files": {"flags.csv": [12', encoding="utf-8")  # cut off
    code, stdout, err = run_cli("clean", "--out", out)
    assert (code, stdout) == (2, "")
    assert re.fullmatch(
        documented(
            "error: {path}: the list of files the tool wrote is damaged; nothing was removed (delete the files "
            "you do not need yourself)"
        ),
        err.rstrip("\n"),
    )
    assert err.count("\n") == 1 and f"error: {out / MANIFEST}: the list" in err
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "flags.csv"]  # nothing removed


# ---------------------------------------------------------------- bugs


def test_unexpected_error_is_one_line_and_exit_3(tmp_path, monkeypatch):
    import analysis.rules

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(analysis.rules, "flag_applications", broken)
    code, _, err = run_cli("flag", file(tmp_path, "a.csv", HEADER + ROW), "--out", tmp_path / "out")
    assert code == 3
    assert re.fullmatch(
        documented(
            "error: unexpected {Error} ({detail}); this is a bug in the tool, please report it "
            "(run again with ANALYSIS_DEBUG=1 for the details)"
        ),
        err.rstrip("\n"),
    )
    assert err == (
        "错误：意外的 RuntimeError（boom second line）；这是本工具的缺陷，请报告"
        "（设 ANALYSIS_DEBUG=1 再运行可看到详情）"
        " | error: unexpected RuntimeError (boom second line); this is a bug in the tool, please report it "
        "(run again with ANALYSIS_DEBUG=1 for the details)\n"
    )
    monkeypatch.setenv("ANALYSIS_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["flag", str(tmp_path / "a.csv"), "--out", str(tmp_path / "out")])


def test_report_notebook_failure_is_one_line_and_exit_3(tmp_path, monkeypatch):
    from papermill.exceptions import PapermillExecutionError

    import analysis.report

    def broken(*args, **kwargs):
        raise PapermillExecutionError(
            7,
            7,
            "cases.masked_cases(case_list)",
            "AttributeError",
            "Can only use .dt accessor with datetimelike values",
            [],
        )

    monkeypatch.setattr(analysis.report, "build_report", broken)
    code, _, err = run_cli("report", file(tmp_path, "a.csv", HEADER + ROW), "--out", tmp_path / "out")
    assert code == 3
    assert re.fullmatch(
        documented(
            "error: a report notebook failed on this file ({Error}: {detail}); this is a bug "
            "in the tool, please report it (…)"
        ),
        err.rstrip("\n"),
    )
    assert err.endswith(
        " | error: a report notebook failed on this file (AttributeError: Can only use .dt accessor with "
        "datetimelike values); this is a bug in the tool, please report it (run again with "
        "ANALYSIS_DEBUG=1 for the details)\n"
    )


def test_workbook_with_the_dask_engine(tmp_path):
    """The one message of the Dask section raised before the engine starts (the others: tests/test_dask_engine.py)."""
    code, _, err = run_cli(
        "flag",
        file(tmp_path, "a.parquet", b"PAR1"),
        "--out",
        tmp_path / "out",
        "--engine",
        "dask",
        "--workbook",
        tmp_path / "cases.xlsx",
    )
    assert code == 2
    assert re.fullmatch(
        documented("error: --workbook is written by the pandas engine only; run without --engine dask for it"),
        err.rstrip("\n"),
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "cases.xlsx").exists()


# ---------------------------------------------------------------- the docs and the tests in step


def test_every_documented_message_is_tested():
    """Every message in the tables of docs/errors.md is named by a `documented(...)` call in this file, and back."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    named = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "documented"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    in_docs = {line.split("`")[1] for line in DOC_TEXT.splitlines() if line.startswith("| `")}
    assert len(in_docs) >= 30
    assert in_docs <= named, in_docs - named


# The values each placeholder stands for when a documented message is made real; the system's reason in Chinese.
SAMPLES = {
    "path": "申领 导出/2026年11月 申领.xlsx",
    "file": "2026年11月 申领.csv",
    "source": "导出/申领.csv",
    "suffix": ".docx",
    "reason": "illegal multibyte sequence",
    "system reason": "Permission denied",
    "n": "5",
    "k": "6",
    "m": "4",
    "column": "applied_on",
    "detail": "Error tokenizing data. C error: EOF",
    "error": "BadZipFile: File is not a zip file",
    "sheet": "封面",
    "name": "province",
    "columns": "id_number, applied_on",
    "headers": "申请编号, 姓名, 日期 (1)",
    "sep": ";",
    "first": "身份证号码",
    "second": "社会保障号码",
    "header": "姓名",
    "word": "flags",
    "arguments": "--masked",
    "value": "../cases.xlsx",
    "Error": "RuntimeError",
    "encoding": "gb18030",
    "address": "tcp://10.0.0.5:8786",
    "workers": "tcp://10.0.0.6:40111, tcp://10.0.0.7:40222",
    "db": "登记簿/cases.duckdb",
    "cell": "I5",
    "case": "K000007",
}
SAMPLES_ZH = {"system reason": "没有权限"}
# The rows the docs shorten with …: the whole message each stands for.
WHOLE = {
    "… headers found: {headers} (the header row is row {n}: delete the rows above it)": (
        "error: {source}: missing required column(s) {columns}; headers found: {headers} (the header row is row "
        "{n}: delete the rows above it)"
    ),
    "… headers found: {headers} (the columns are separated by '{sep}', not commas: save the file as CSV with commas)": (
        "error: {source}: missing required column(s) {columns}; headers found: {headers} (the columns are "
        "separated by '{sep}', not commas: save the file as CSV with commas)"
    ),
    "python -m analysis: error: argument command: invalid choice: '{word}' …": (
        "python -m analysis: error: argument command: invalid choice: '{word}' (choose from 'flag', 'sample', "
        "'report', 'clean')"
    ),
    "error: a report notebook failed on this file ({Error}: {detail}); this is a bug in the tool, please report it "
    "(…)": (
        "error: a report notebook failed on this file ({Error}: {detail}); this is a bug in the tool, please "
        "report it (run again with ANALYSIS_DEBUG=1 for the details)"
    ),
    "… not readable ({error})": "error: {source}: not readable ({error})",
}


def fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}]*)\}", lambda m: values[m.group(1)], text)


def test_every_documented_message_has_its_chinese():
    """analysis/messages.py gives each message of docs/errors.md (all tables) the Chinese the docs write, with the
    message's values carried over."""
    assert len(ROWS) >= 50
    assert {m for m in ROWS if "…" in m} == set(WHOLE)
    for english, chinese in ROWS.items():
        whole = fill(WHOLE.get(english, english), SAMPLES)
        prefix, body = re.fullmatch(r"(error: |python -m analysis(?: \w+)?: error: )(.+)", whole).groups()
        got = messages.chinese(body)
        assert got is not None, f"no Chinese for: {english}"
        assert chinese.startswith(("错误：", "…")), chinese
        values = {k: SAMPLES_ZH.get(k, v) for k, v in SAMPLES.items()}
        expected = "".join(
            ".*" if part == "…" else re.escape(values[part[1:-1]] if part.startswith("{") else part)
            for part in re.split(r"(\{[^}]*\}|…)", chinese.removeprefix("错误："))
        )
        assert re.fullmatch(expected, got), (english, got)
        line = messages.error_line(body, prefix=prefix)
        assert line == f"错误：{got} | {whole}" and "\n" not in line


def test_a_message_the_catalogue_does_not_know_prints_in_english(tmp_path, monkeypatch):
    import analysis.load
    from analysis.contract import LoadError

    def refuse(*args, **kwargs):
        raise LoadError("a.csv: a message written after the catalogue\nin two lines")

    monkeypatch.setattr(analysis.load, "load_applications", refuse)
    code, _, err = run_cli("flag", file(tmp_path, "a.csv", HEADER + ROW), "--out", tmp_path / "out")
    assert (code, err) == (2, "error: a.csv: a message written after the catalogue in two lines\n")
    assert messages.chinese("a.csv: no such file; and a clause added later") == "a.csv：没有这个文件"


def test_the_docs_example_line_is_what_the_command_prints(tmp_path):
    path = file(tmp_path, "导出.csv", HEADER + 'A1,"' + P1 + ",44,2023-05-01\n")
    code, _, err = run_cli("flag", path, "--out", tmp_path / "out")
    assert code == 2
    assert f"\n{err}```" in DOCS_ALL
