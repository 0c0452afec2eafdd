"""The sample's monthly exports (data/sample/months): flagged in order into one case register, every case takes
exactly the state planted for it and every state occurs in runs 2 and 3; each month gets exactly its expected flags
and holds its applications up to its export date; the committed files are what the generator writes; notebook 06's
sample register is dated by the exports and holds caseworkers' statuses."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest

from analysis import config, labels
from analysis.contract import PERSON_FLAGS
from analysis.load import load_applications
from analysis.register import KEY_ENV, STATES, history, statuses
from analysis.register.store import reading
from analysis.sample import SEED, generate_months, write_months
from analysis.sample.months import EXPECTED_REGISTER, EXPORTS, FILES

from .helpers import as_set, run_cli
from .registers import new_database

KEY = ["anchor_application_id", "flag"]


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return read(config.SAMPLE_MONTHS_DIR / EXPECTED_REGISTER).astype({"run": "int64"})


@pytest.fixture(scope="module")
def months():
    return generate_months(SEED)


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def runs(request, tmp_path_factory) -> list[tuple[pd.DataFrame, pd.DataFrame, dict]]:
    """The committed months flagged in order into one new register (a DuckDB file, or a database on the test
    PostgreSQL server), with the case workbook: per run flags.csv, the workbook's register sheet (column names)
    and summary.json."""
    folder = tmp_path_factory.mktemp("months")
    db = folder / "register.duckdb"
    found = []
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(KEY_ENV, raising=False)  # the DuckDB register makes a key file of its own
        if request.param == "postgresql":
            db = new_database(request.getfixturevalue("postgres_server"), "sample_months")
            patch.setenv(KEY_ENV, "the sample months' key")
        for run, name in enumerate(FILES, start=1):
            out = folder / f"run{run}"
            month = config.SAMPLE_MONTHS_DIR / name
            code, _, err = run_cli("flag", month, "--out", out, "--register", db, "--workbook", "cases.xlsx")
            assert code == 0, err
            sheet = pd.read_excel(out / "cases.xlsx", sheet_name=statuses.SHEET, dtype=str)
            sheet = sheet.rename(columns={title: column for column, title in statuses.COLUMNS})
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            found.append((read(out / "flags.csv"), sheet, summary))
    return found


def states_by_anchor(runs, expected: pd.DataFrame) -> pd.DataFrame:
    """Every run's register states by (anchor, flag). A case seen in a run is named through its case number there
    (register sheet) and the applications flags.csv lists under that number: the one among them that anchors a case
    of that flag; a gone case (the sheet cannot say who) by its register number, named in an earlier run."""
    flag_of = {labels.flag_label(f): f for f in PERSON_FLAGS}
    state_of = {label: state for state, label in statuses.STATE_LABELS.items()}
    anchors = expected[KEY].drop_duplicates()
    named = pd.DataFrame(columns=["register_case", *KEY])
    found = []
    for run, (flags, sheet, _) in enumerate(runs, start=1):
        sheet = sheet.assign(flag=sheet["flag"].map(flag_of), state=sheet["state"].map(state_of))
        listed = pd.concat(
            [
                flags[["case_id", column]].set_axis(["case_id", "anchor_application_id"], axis=1)
                for column in ["application_id", "conflicts_with"]
            ]
        ).drop_duplicates()
        seen = sheet[sheet["state"] != "gone"].merge(listed, on="case_id").merge(anchors, on=KEY)
        assert seen["register_case"].is_unique and len(seen) == (sheet["state"] != "gone").sum(), run
        named = pd.concat([named, seen[["register_case", *KEY]]]).drop_duplicates()
        assert named["register_case"].is_unique, "a register case changed person or flag"
        states = sheet[["register_case", "state"]].merge(named, on="register_case", how="left")
        assert states["anchor_application_id"].notna().all(), run
        found.append(states.assign(run=run))
    return pd.concat(found, ignore_index=True)


def test_the_register_gives_every_case_its_planted_state_in_every_run(runs, expected):
    got = states_by_anchor(runs, expected)[["run", *KEY, "state"]]
    got = got.sort_values(["run", *KEY], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected[["run", *KEY, "state"]], check_dtype=False)
    for run, (_, _, summary) in enumerate(runs, start=1):
        counts = expected.loc[expected["run"] == run, "state"].value_counts()
        assert summary["register"] == {state: int(counts.get(state, 0)) for state in STATES}


def test_every_state_is_planted_in_runs_2_and_3(expected):
    by_run = expected.groupby("run")["state"].agg(set)
    assert by_run[1] == {"new"} and by_run[2] == {"new", "open", "gone"} and by_run[3] == set(STATES)
    counts = expected.groupby(["run", "state"]).size()
    assert counts[(2, "new")] >= 3 and counts[(2, "gone")] >= 3 and counts[(3, "back")] >= 3
    run2, run3 = (expected[expected["run"] == r].set_index(KEY)["state"] for r in (2, 3))
    still_absent = run2[(run2 == "gone") & ~run2.index.isin(run3.index)]
    assert len(still_absent) >= 3  # gone before the previous run and still absent: no state in run 3
    planted = expected[expected["planted"] != ""]
    assert planted.groupby(KEY).ngroups == 33 and set(planted["flag"]) == set(PERSON_FLAGS)
    assert (
        set(expected["file"]) == set(FILES)
        and (expected["file"] == expected["run"].map(dict(enumerate(FILES, 1)))).all()
    )


def test_each_month_gets_exactly_its_expected_flags(runs, months):
    for name, (flags, _, _) in zip(FILES, runs, strict=True):
        assert as_set(flags) == as_set(months.flags[name]), name


def test_each_month_holds_its_applications_up_to_its_export_date(runs):
    held = []
    for name, export, (_, _, summary) in zip(FILES, EXPORTS, runs, strict=True):
        frame = load_applications(config.SAMPLE_MONTHS_DIR / name).frame
        assert str(export).startswith(name.removesuffix(".csv")) and 3000 < summary["rows_read"] < 5000
        assert frame["applied_on"].max() == pd.Timestamp(export)
        assert not (frame["cancelled_on"] > pd.Timestamp(export)).any()  # a later cancellation is not known yet
        held.append(set(frame["application_id"]))
    for before, after in itertools.pairwise(held):
        assert 0 < len(before - after) <= 12  # only withdrawn applications leave
    assert [pd.Timestamp(e).month for e in EXPORTS] == [4, 5, 6]


def test_committed_months_are_what_the_generator_writes(tmp_path):
    written = write_months(tmp_path)
    assert [p.name for p in written] == [*FILES, EXPECTED_REGISTER]
    for path in written:
        assert path.read_bytes() == (config.SAMPLE_MONTHS_DIR / path.name).read_bytes(), path.name
    assert sorted(p.name for p in config.SAMPLE_MONTHS_DIR.iterdir()) == sorted(p.name for p in written)


def test_the_sample_register_is_dated_by_the_exports_and_holds_statuses(tmp_path, expected):
    db = history.sample_register(tmp_path)
    table = history.runs(db)
    assert table["recorded_at"].tolist() == [pd.Timestamp(e) for e in EXPORTS]
    assert table["file_name"].tolist() == FILES
    counts = expected.groupby(["run", "state"]).size().unstack(fill_value=0).reindex(columns=STATES, fill_value=0)
    assert (table.set_index("run_id")[STATES].to_numpy() == counts.to_numpy()).all()
    with reading(db) as connection:
        stored = connection.frame("SELECT status, count(*) AS n FROM statuses GROUP BY status")
    assert set(stored["status"]) == {"已联系", "已注销", "无需处理"} and stored["n"].sum() > 20
    shown = history.status_table(history.open_cases(db))
    assert shown.loc[history.NO_STATUS, "案件数 cases"] < shown["案件数 cases"].sum()
