"""The command line: outputs as the contract says, one-line errors, exit codes; Chinese first; progress on a
terminal; flags.csv with a byte-order mark; where the workbook goes; what `make clean` removes; make with any path."""

import codecs
import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.__main__ import MANIFEST, main

from .helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent

ROWS = [
    {"application_id": "A", "id_number": "11010519491231002X", "province": "河南", "applied_on": "2020-01-01"},
    {"application_id": "B", "id_number": "11010519491231002X", "province": "广东", "applied_on": "2021-01-01"},
    {
        "application_id": "C",
        "id_number": "110105194912310021",
        "province": "广东",
        "applied_on": "2021-01-01",
        "id_copy": "否",
    },
]


def test_flag_writes_flags_and_summary(write_records, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["flag", str(write_records(ROWS, kind="gb18030", chinese=True)), "--out", str(out)]) == 0
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False)
    for column in ["application_id", "flag", "person_key", "province_code", "conflicts_with", "detail"]:
        assert column in flags.columns
    assert set(zip(flags["application_id"], flags["flag"], strict=True)) == {
        ("B", "cross_province_conflict"),
        ("C", "invalid_id"),
        ("C", "incomplete_documents"),
    }
    assert flags.loc[flags["flag"] == "cross_province_conflict", "conflicts_with"].item() == "A"
    assert flags.loc[flags["flag"] == "invalid_id", "person_key"].item() == ""
    assert flags["person_key"].str.contains(r"\*{8}").sum() == 1  # person keys are masked in the csv
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows_read"] == 3
    assert summary["cross_province_conflict"] == 1 and summary["invalid_id"] == 1 and summary["duplicate_card"] == 0
    assert summary["rows_clean"] == 1 and summary["cases"] == 1 and summary["rows_unusable"] == 1
    assert "3 rows read" in capsys.readouterr().out


def test_flag_without_register_loads_no_register_or_workbook_code(write_records, tmp_path):
    """A fresh process: `flag` alone imports of the register only what names its errors (store) and the key's
    environment variable (keys), and no openpyxl: a tenth of a second of every run."""
    path = write_records(ROWS)
    code = (
        "import sys; from analysis.__main__ import main; "
        f"assert main(['flag', {str(path)!r}, '--out', {str(tmp_path / 'out')!r}]) == 0; "
        "print(sorted(m for m in sys.modules if m.startswith(('openpyxl', 'analysis.register.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "['analysis.register.keys', 'analysis.register.store']"


def test_flag_overwrites_previous_outputs(write_records, tmp_path):
    out = tmp_path / "out"
    main(["flag", str(write_records(ROWS)), "--out", str(out)])
    main(["flag", str(write_records(ROWS[:1], name="one.csv")), "--out", str(out)])
    assert json.loads((out / "summary.json").read_text())["rows_read"] == 1
    assert len(pd.read_csv(out / "flags.csv")) == 0


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_a_run_failing_while_writing_leaves_the_last_outputs_whole(write_records, tmp_path, monkeypatch, engine):
    """A disk that fills while the outputs are written (here: summary.json, the last): one line, exit 2, and the
    previous run's files as they were, not a new flags.csv beside an old summary; into a new folder: no folder.
    Nothing of the run is left beside them (its files are written into a folder beside --out, moved in at the
    end)."""
    import errno

    from analysis import export

    out = tmp_path / "out"
    assert main(["flag", str(write_records(ROWS)), "--out", str(out), "--engine", engine]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert {"flags.csv", "summary.json", "possible_duplicates.csv"} <= set(before)

    def full(folder, result):
        (Path(folder) / export.SUMMARY_JSON).write_text("{", encoding="utf-8")  # (half written, then the error)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "write_summary", full)
    one = write_records(ROWS[:1], name="one.csv")
    for folder in [out, tmp_path / "new"]:
        code, _, err = run_cli("flag", one, "--out", folder, "--engine", engine)
        assert code == 2 and err.count("\n") == 1 and "No space left" in err and "Traceback" not in err

    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", *(p.name for p in tmp_path.glob("*.csv"))])


def test_unreadable_input_is_one_line_and_non_zero_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "flag", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert "missing required column(s) application_id, id_number, province, applied_on" in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()


def test_missing_input_file(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "analysis", "flag", str(tmp_path / "none.xlsx"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.strip().endswith("no such file")


# ---------------------------------------------------------------- Chinese first, progress, BOM


def test_the_summary_line_is_chinese_first_then_the_english_of_before(write_records, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["flag", str(write_records(ROWS)), "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    zh, en = line.rstrip("\n").split(" | ")
    assert zh == (
        f"读取 3 行，无问题 1 行；记录不可用 0，证件号码无效 1，重复持卡 0，跨省冲突 1，材料不全 1；案件 1 个 -> {out}"
    )
    assert en == (
        "3 rows read, 1 clean; invalid_record 0, invalid_id 1, duplicate_card 0, cross_province_conflict 1, "
        f"incomplete_documents 1; 1 cases -> {out}"
    )


def test_documents_not_checked_are_never_counted_as_zero(write_records, tmp_path, capsys):
    """A file without document columns: summary.json says null (not 0) and the summary line 'not checked'."""
    rows = [{k: v for k, v in row.items() if k != "id_copy"} for row in ROWS]
    out = tmp_path / "out"
    path = write_records(rows)
    frame = pd.read_csv(path, dtype=str).drop(
        columns=["has_second_gen_id", "id_copy", "household_register_copy", "special_category", "special_documents"],
        errors="ignore",
    )
    frame.to_csv(path, index=False)
    assert main(["flag", str(path), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents_checked"] is False and summary["incomplete_documents"] is None
    line = capsys.readouterr().out
    assert "材料不全 未检查" in line and "incomplete_documents not checked" in line


class Terminal(io.StringIO):
    """stderr as a person at a terminal has it."""

    def isatty(self) -> bool:
        return True


def test_progress_lines_on_a_terminal_only(write_records, tmp_path):
    source = write_records(ROWS)
    args = ["flag", str(source), "--out", str(tmp_path / "out"), "--workbook", "cases.xlsx"]
    terminal = Terminal()
    with contextlib.redirect_stderr(terminal), contextlib.redirect_stdout(io.StringIO()):
        assert main(args) == 0
    assert terminal.getvalue().splitlines() == [
        f"读取 reading {source.name} …",
        "检查 flagging 3 rows …",
        "写出 writing flags.csv, possible_duplicates.csv, summary.json (3 flags) …",
        f"工作簿 writing {tmp_path / 'out' / 'cases.xlsx'} …",
    ]
    code, _, err = run_cli(*args)  # not a terminal: nothing on stderr
    assert (code, err) == (0, "")


def test_flags_csv_has_a_byte_order_mark_and_reads_back_unchanged(write_records, tmp_path):
    out = tmp_path / "out"
    assert main(["flag", str(write_records(ROWS)), "--out", str(out)]) == 0
    data = (out / "flags.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8 + b"application_id,flag,case_id,")
    assert data.count(codecs.BOM_UTF8) == 1
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert flags.columns[0] == "application_id"
    flags.to_csv(tmp_path / "again.csv", index=False, encoding="utf-8-sig")
    assert (tmp_path / "again.csv").read_bytes() == data  # read and written again: the same bytes
    # Excel and csv readers given "utf-8-sig" see the text without the mark
    text = data.decode("utf-8-sig")
    assert text.startswith("application_id,") and "\ufeff" not in text


# ---------------------------------------------------------------- where the workbook goes, and what clean removes


@pytest.mark.parametrize("given", ["cases.xlsx", "2026年11月/案件 cases.xlsx", "out/cases.xlsx"])
def test_a_relative_workbook_lands_under_out(write_records, tmp_path, monkeypatch, given):
    source = write_records(ROWS)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("flag", source, "--out", "out", "--workbook", given)
    assert (code, err) == (0, "")
    expected = tmp_path / "out" / given.removeprefix("out/")
    assert expected.is_file()
    assert sorted(p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*.xlsx")) == ["out"]


def manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]


def test_clean_removes_what_the_tool_wrote_and_nothing_else(write_records, tmp_path):
    out = tmp_path / "申领 导出"
    out.mkdir()
    source = write_records(ROWS)
    (out / "2026年11月 申领.xlsx").write_bytes(b"the analyst's own export")
    (out / "summary.json").write_text("stale", encoding="utf-8")  # overwritten by the run: the tool's now
    assert main(["flag", str(source), "--out", str(out), "--workbook", "cases.xlsx"]) == 0
    assert sorted(manifest(out)) == ["cases.xlsx", "flags.csv", "possible_duplicates.csv", "summary.json"]
    # a second run into the same folder keeps the list whole
    assert main(["flag", str(source), "--out", str(out)]) == 0
    assert sorted(manifest(out)) == ["cases.xlsx", "flags.csv", "possible_duplicates.csv", "summary.json"]

    code, stdout, err = run_cli("clean", "--out", out)
    assert (code, err) == (0, "")
    assert stdout == (f"已删除 {out} 中本工具写出的 4 个文件 | removed 4 files the tool wrote in {out}\n")
    assert sorted(p.name for p in out.iterdir()) == ["2026年11月 申领.xlsx"]
    code, stdout, _ = run_cli("clean", "--out", out)  # nothing listed any more: nothing removed
    assert code == 0 and "nothing removed" in stdout and (out / "2026年11月 申领.xlsx").exists()


def test_clean_keeps_a_file_changed_since_and_removes_an_emptied_folder(write_records, tmp_path):
    out = tmp_path / "out"
    assert main(["flag", str(write_records(ROWS)), "--out", str(out), "--workbook", "cases.xlsx"]) == 0
    (out / "cases.xlsx").write_bytes(b"a caseworker's notes saved over the workbook")
    code, stdout, _ = run_cli("clean", "--out", out)
    assert code == 0 and "kept 1 changed since the tool wrote them: cases.xlsx" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["cases.xlsx"]

    assert main(["flag", str(write_records(ROWS)), "--out", str(tmp_path / "fresh")]) == 0
    code, stdout, _ = run_cli("clean", "--out", tmp_path / "fresh")
    assert code == 0 and stdout.endswith("and the folder, now empty\n")
    assert not (tmp_path / "fresh").exists()


def test_clean_never_leaves_the_folder_whatever_the_list_says(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "precious.csv"
    outside.write_text("x", encoding="utf-8")
    info = outside.stat()
    listed = {"../precious.csv": [info.st_size, info.st_mtime_ns], str(outside): [info.st_size, info.st_mtime_ns]}
    (out / MANIFEST).write_text(json.dumps({"files": listed}), encoding="utf-8")
    code, _, _ = run_cli("clean", "--out", out)
    assert code == 0 and outside.exists()


def test_clean_runs_without_pandas(tmp_path):
    """`make clean` works before `make install`: the clean command imports no pandas."""
    code = (
        "import sys; from analysis.__main__ import main; "
        f"main(['clean', '--out', {str(tmp_path / 'none')!r}]); assert 'pandas' not in sys.modules"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.endswith("no such folder; nothing to clean\n")


def test_a_refused_file_writes_no_list(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("flag", bad, "--out", out)[0] == 2
    assert list(out.iterdir()) == []


# ---------------------------------------------------------------- make, with spaces and Chinese in every path

MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="no make here")


def make(*args: str) -> subprocess.CompletedProcess:
    """make in the project folder; its install step skipped (-o), the running Python as PY."""
    return subprocess.run(
        [MAKE, "--no-print-directory", "-o", ".venv/.installed", f"PY={sys.executable}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@needs_make
def test_make_flag_and_clean_with_spaces_and_chinese_in_the_paths(tmp_path):
    folder = tmp_path / "申领 导出"
    folder.mkdir()
    data = folder / "2026年11月 申领.csv"
    shutil.copy(ROOT / "data" / "sample" / "applications.csv", data)
    out = tmp_path / "结果 it's" / "2026年11月"
    run = make("flag", f"DATA={data}", f"OUT={out}")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1].startswith("读取 ") and " rows read, " in run.stdout
    assert {"flags.csv", "possible_duplicates.csv", "summary.json", MANIFEST} == {p.name for p in out.iterdir()}

    (out / "notes.txt").write_text("the analyst's notes", encoding="utf-8")
    run = make("clean", f"OUT={out}")
    assert run.returncode == 0, run.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert data.exists()
    (out / "notes.txt").unlink()
    assert make("clean", f"OUT={out}").returncode == 0  # no list: nothing removed, no error
    assert out.exists()


@needs_make
@pytest.mark.parametrize("target", ["flag", "report", "clean"])
def test_make_passes_each_path_as_one_argument(tmp_path, target):
    """DATA, OUT and LEDGER reach the command line whole: spaces, Chinese, quotes, $ and ; included."""
    seen = tmp_path / "argv.json"
    shim = tmp_path / "python"
    shim.write_text(f"#!{sys.executable}\nimport json, sys\nopen({str(seen)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    shim.chmod(0o755)
    data, out, ledger = "申领 导出/2026年11月 申领.xlsx", "结果 it's/a;b `c` $HOME", "基金 台账.csv"
    run = subprocess.run(
        [MAKE, "-o", ".venv/.installed", f"PY={shim}", target, f"DATA={data}", f"OUT={out}", f"LEDGER={ledger}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    argv = json.loads(seen.read_text())
    expected = {
        "flag": ["-m", "analysis", "flag", data, "--out", out],
        "report": ["-m", "analysis", "report", data, "--out", out, "--ledger", ledger],
        "clean": ["-m", "analysis", "clean", "--out", out],
    }
    assert argv == expected[target]


@needs_make
def test_make_help_says_what_clean_removes():
    run = make("help")
    line = next(line for line in run.stdout.splitlines() if line.strip().startswith("make clean"))
    assert "only the files flag/report wrote into OUT" in line


@pytest.mark.skipif(shutil.which("git") is None, reason="no git here")
@pytest.mark.parametrize(
    "path",
    ["reports/flags.csv", "reports/2026-11/cases.xlsx", "cases.xlsx", "out dir/cases 11.xlsx", "x/cases-masked.xlsx"],
)
def test_files_with_full_id_numbers_are_git_ignored(path):
    run = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT, check=False)
    assert run.returncode == 0, f"{path} is not ignored by .gitignore"
