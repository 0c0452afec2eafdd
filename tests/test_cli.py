"""The command line: outputs as the contract says, one-line errors, exit codes."""

import json
import subprocess
import sys

import pandas as pd

from analysis.__main__ import main

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


def test_flag_overwrites_previous_outputs(write_records, tmp_path):
    out = tmp_path / "out"
    main(["flag", str(write_records(ROWS)), "--out", str(out)])
    main(["flag", str(write_records(ROWS[:1], name="one.csv")), "--out", str(out)])
    assert json.loads((out / "summary.json").read_text())["rows_read"] == 1
    assert len(pd.read_csv(out / "flags.csv")) == 0


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
