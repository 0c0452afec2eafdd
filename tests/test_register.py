"""The case register on DuckDB (docs/data-contract.md, "The case register"): states over three monthly exports,
a repeated file, a killed run, two runs at once, keys, the status round trip, and no personal data stored."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
import time

import openpyxl
import pytest

from analysis import privacy
from analysis.register import KEY_ENV, key_file, statuses

from .helpers import P1, run_cli
from .registers import (
    EXPECTED,
    NAMES,
    dump,
    flag_into,
    states,
    summary_register,
    text_of,
    two_runs_at_once,
    write_months,
)


@pytest.fixture
def months(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    return write_months(tmp_path / "months")


def one_line_error(err: str, english: str) -> None:
    assert err.count("\n") == 1 and err.startswith("错误："), err
    assert english in err.split(" | ")[1], err


def test_three_months_give_every_state(months, tmp_path):
    db = str(tmp_path / "register.duckdb")
    for run, source in enumerate(months, start=1):
        code, out, err = flag_into(source, tmp_path / f"out{run}", db)
        assert code == 0, err
        assert states(db, run) == EXPECTED[run]
        counts = {s: list(EXPECTED[run].values()).count(s) for s in ["new", "open", "gone", "back"]}
        assert summary_register(tmp_path / f"out{run}") == counts
        assert f"run {run} recorded" in out


def test_the_same_file_twice_is_recorded_once(months, tmp_path):
    db = str(tmp_path / "register.duckdb")
    assert flag_into(months[0], tmp_path / "a", db)[0] == 0
    before = dump(db)
    code, out, _ = flag_into(months[0], tmp_path / "b", db)
    assert code == 0 and "recorded before (run 1)" in out and "已记录过同一文件" in out
    assert dump(db) == before
    assert summary_register(tmp_path / "b") == {"new": 4, "open": 0, "gone": 0, "back": 0}


def test_the_register_holds_no_id_number_and_no_name(months, tmp_path):
    db = str(tmp_path / "register.duckdb")
    for run, source in enumerate(months, start=1):
        assert flag_into(source, tmp_path / f"out{run}", db)[0] == 0
    text = text_of(dump(db))
    for number, name in NAMES.items():
        assert number not in text and number[:6] + number[8:17] not in text and name not in text
    assert privacy.find_full_ids(text) == []
    hashes = dump(db)["cases"]
    assert all(len(row.split("'")[1]) == 64 for row in hashes)  # HMAC-SHA256 in hex stands for the person


def test_a_new_key_file_is_readable_by_its_owner_only(months, tmp_path):
    db = tmp_path / "register.duckdb"
    assert flag_into(months[0], tmp_path / "out", str(db))[0] == 0
    mode = stat.S_IMODE(key_file(db).stat().st_mode)
    assert mode == 0o600


def test_another_key_is_refused_and_nothing_changes(months, tmp_path, monkeypatch):
    db = str(tmp_path / "register.duckdb")
    assert flag_into(months[0], tmp_path / "a", db)[0] == 0
    before = dump(db)
    monkeypatch.setenv(KEY_ENV, "not the register's key")
    code, _, err = flag_into(months[1], tmp_path / "b", db)
    assert code == 2
    one_line_error(err, "was written under another key")
    assert dump(db) == before and not (tmp_path / "b").exists()


def test_a_missing_key_file_is_refused(months, tmp_path):
    db = tmp_path / "register.duckdb"
    assert flag_into(months[0], tmp_path / "a", str(db))[0] == 0
    key_file(db).unlink()
    code, _, err = flag_into(months[1], tmp_path / "b", str(db))
    assert code == 2
    one_line_error(err, "register.duckdb.key is missing")


def test_a_failed_first_run_leaves_no_register(months, tmp_path):
    db = tmp_path / "register.duckdb"
    blocked = tmp_path / "out"
    blocked.write_text("a file where the output folder should be")
    code, _, err = flag_into(months[0], blocked, str(db))
    assert code == 2, err
    assert not db.exists() and not key_file(db).exists()


KILLED = textwrap.dedent(
    """
    import os, sys
    import analysis.register.runs as runs
    recorded = runs._record
    def killed(*args):
        recorded(*args)
        os._exit(9)  # the process dies half-way through the run's transaction
    runs._record = killed
    from analysis.__main__ import main
    main(sys.argv[1:])
    """
)


def test_a_run_killed_half_way_leaves_the_register_as_it_was(months, tmp_path):
    db = str(tmp_path / "register.duckdb")
    assert flag_into(months[0], tmp_path / "a", db)[0] == 0
    before = dump(db)
    argv = ["flag", str(months[1]), "--out", str(tmp_path / "b"), "--register", db]
    done = subprocess.run(
        [sys.executable, "-c", KILLED, *argv], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 9, done.stderr
    assert dump(db) == before
    assert flag_into(months[1], tmp_path / "c", db)[0] == 0  # and the next run records as if nothing happened
    assert states(db, 2) == EXPECTED[2]


def test_two_runs_at_once_both_recorded_one_after_the_other(months, tmp_path):
    two_runs_at_once(months, tmp_path, str(tmp_path / "register.duckdb"))


HOLD = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def test_a_run_waits_for_the_register_then_gives_up_in_one_line(months, tmp_path, monkeypatch):
    db = str(tmp_path / "register.duckdb")
    assert flag_into(months[0], tmp_path / "a", db)[0] == 0
    holder = subprocess.Popen([sys.executable, "-c", HOLD, db, "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr("analysis.register.store.WAIT_SECONDS", 1.0)
        started = time.monotonic()
        code, _, err = flag_into(months[1], tmp_path / "b", db)
        assert code == 2 and time.monotonic() - started >= 1.0
        one_line_error(err, "is in use by another run (waited 1 s)")
        assert not (tmp_path / "b").exists()
    finally:
        holder.kill()
        holder.wait()
    assert flag_into(months[1], tmp_path / "c", db)[0] == 0


def _fill(book, edits: dict[str, tuple[str | None, str | None]]) -> None:
    """Set (status, note) of register cases in the workbook's register sheet, as a caseworker in Excel would."""
    wb = openpyxl.load_workbook(book)
    ws = wb[statuses.SHEET]
    header = [c.value for c in ws[1]]
    at = {title: header.index(title) + 1 for _, title in statuses.COLUMNS}
    for row in range(2, ws.max_row + 1):
        case = ws.cell(row, at["登记编号 register_case"]).value
        if case in edits:
            ws.cell(row, at["处理状态 status"]).value, ws.cell(row, at["备注 note"]).value = edits[case]
    wb.save(book)


def _register_rows(book) -> dict[str, dict]:
    ws = openpyxl.load_workbook(book)[statuses.SHEET]
    header = [c.value for c in ws[1]]
    return {r[0].value: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2)}


def test_statuses_go_round_trip_through_a_real_workbook(months, tmp_path):
    db = str(tmp_path / "register.duckdb")
    assert flag_into(months[0], tmp_path / "a", db, "--workbook", "cases.xlsx")[0] == 0
    book = tmp_path / "a" / "cases.xlsx"
    rows = _register_rows(book)
    assert set(rows) == set(EXPECTED[1]) and rows["K000001"]["人员编号 person_key"].value == P1
    _fill(book, {"K000001": ("已联系", '=HYPERLINK("http://x","电话")'), "K000002": ("已注销", f"本人确认 {P1}")})
    code, out, err = run_cli("register", "import", book, "--register", db)
    assert code == 0, err
    assert "stored 2 cases' status and note" in out
    assert "nothing stored" in run_cli("register", "import", book, "--register", db)[1]

    assert flag_into(months[1], tmp_path / "b", db, "--workbook", "cases.xlsx")[0] == 0
    rows = _register_rows(tmp_path / "b" / "cases.xlsx")
    assert rows["K000001"]["处理状态 status"].value == "已联系"
    note = rows["K000001"]["备注 note"]
    assert note.value == '=HYPERLINK("http://x","电话")' and note.data_type == "s"  # text, never a formula
    assert rows["K000002"]["状态 state"].value == "已消失 gone" and rows["K000002"]["处理状态 status"].value == "已注销"
    assert rows["K000002"]["人员编号 person_key"].value is None  # a gone case: the register cannot say who
    assert rows["K000002"]["备注 note"].value == "本人确认 110105********002X"  # a number typed in a note: masked
    assert P1 not in text_of(dump(db))


def test_a_status_outside_the_list_names_its_cell_and_stores_nothing(months, tmp_path):
    db = str(tmp_path / "register.duckdb")
    assert flag_into(months[0], tmp_path / "a", db, "--workbook", "cases.xlsx")[0] == 0
    book = tmp_path / "a" / "cases.xlsx"
    _fill(book, {"K000001": ("已联系", None), "K000003": ("done", None)})
    before = dump(db)
    code, _, err = run_cli("register", "import", book, "--register", db)
    assert code == 2
    one_line_error(err, "cell I4: status 'done' is not one of 待核查 to check")
    assert dump(db) == before


def test_the_masked_workbook_masks_the_register_sheet(months, tmp_path):
    db = str(tmp_path / "register.duckdb")
    args = ["--workbook", "m.xlsx", "--mask-workbook"]
    assert flag_into(months[0], tmp_path / "a", db, *args)[0] == 0
    rows = _register_rows(tmp_path / "a" / "m.xlsx")
    text = " ".join(str(c.value) for r in rows.values() for c in r.values() if c.value is not None)
    assert privacy.find_full_ids(text) == [] and "王*" in text


def test_importing_into_a_register_that_does_not_exist_is_refused(tmp_path):
    book = tmp_path / "cases.xlsx"
    openpyxl.Workbook().save(book)
    code, _, err = run_cli("register", "import", book, "--register", tmp_path / "none.duckdb")
    assert code == 2
    one_line_error(err, "none.duckdb: no such register")
    assert not (tmp_path / "none.duckdb").exists()


def test_the_dask_engine_refuses_a_register(months, tmp_path):
    code, _, err = flag_into(months[0], tmp_path / "a", str(tmp_path / "r.duckdb"), "--engine", "dask")
    assert code == 2
    one_line_error(err, "--register is recorded by the pandas engine only")


def test_a_register_of_a_newer_version_or_no_register_at_all_is_refused(months, tmp_path):
    db = tmp_path / "register.duckdb"
    assert flag_into(months[0], tmp_path / "a", str(db))[0] == 0
    import duckdb

    with duckdb.connect(str(db)) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
    code, _, err = flag_into(months[1], tmp_path / "b", str(db))
    assert code == 2
    one_line_error(err, "was written by a newer version of this tool (schema 99)")
    text = tmp_path / "text.duckdb"
    text.write_text("not a database")
    key_file(text).write_text("0" * 64)
    code, _, err = flag_into(months[1], tmp_path / "c", str(text))
    assert code == 2
    one_line_error(err, "text.duckdb: not a register this tool can open")


def test_workbooks_register_import_cannot_use_are_refused_in_one_line(months, tmp_path):
    db = str(tmp_path / "register.duckdb")
    assert flag_into(months[0], tmp_path / "a", db, "--workbook", "cases.xlsx")[0] == 0
    book = tmp_path / "a" / "cases.xlsx"
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    not_a_book = tmp_path / "notes.xlsx"
    not_a_book.write_text("hello")
    wb = openpyxl.load_workbook(book)
    ws = wb[statuses.SHEET]
    ws["A3"] = "C000001"
    wb.save(tmp_path / "case-changed.xlsx")
    ws["A3"] = "K000002"
    ws["J1"] = "备注"
    wb.save(tmp_path / "column-renamed.xlsx")
    wb = openpyxl.load_workbook(book)
    wb[statuses.SHEET]["A2"] = "K000099"
    wb.save(tmp_path / "other-register.xlsx")
    for path, english in [
        (plain, "no sheet '登记 Register cases' (was it written by a run with --register?)"),
        (not_a_book, "notes.xlsx: not a workbook this tool can read"),
        (tmp_path / "case-changed.xlsx", "cell A3: 'C000001' is not a register case"),
        (tmp_path / "column-renamed.xlsx", "has no column '备注 note'"),
        (tmp_path / "other-register.xlsx", "case K000099 is not in the register"),
    ]:
        code, _, err = run_cli("register", "import", path, "--register", db)
        assert code == 2, path
        one_line_error(err, english)


def test_make_clean_never_removes_a_register_kept_in_the_output_folder(months, tmp_path):
    out = tmp_path / "reports"
    db = str(out / "register.duckdb")
    assert flag_into(months[0], out, db)[0] == 0
    code, _, _ = run_cli("clean", "--out", out)
    assert code == 0
    assert (out / "register.duckdb").is_file() and key_file(out / "register.duckdb").is_file()
    assert not (out / "flags.csv").exists()


def test_a_url_s_password_is_never_shown_nor_handed_to_a_notebook():
    from analysis.register.store import shown, without_password

    url = "postgresql://analyst:s3cr@t@db.example:5432/cases"
    assert shown(url) == "postgresql://analyst:***@db.example:5432/cases"
    assert without_password(url) == ("postgresql://analyst@db.example:5432/cases", "s3cr@t")
    assert without_password("postgresql://analyst@db.example/cases") == ("postgresql://analyst@db.example/cases", None)
    assert without_password("registers/cases.duckdb") == ("registers/cases.duckdb", None)
