"""The case register on a real PostgreSQL server (started by the test from the installed binaries): the same
states as on DuckDB, two runs at once, a wrong or missing key, and no personal data stored."""

from __future__ import annotations

import pytest

from analysis import privacy
from analysis.register import KEY_ENV

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

KEY = "the team's register key, kept in the password safe"


@pytest.fixture
def months(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return write_months(tmp_path / "months")


def test_three_months_give_every_state(months, tmp_path, postgres_url):
    for run, source in enumerate(months, start=1):
        code, _, err = flag_into(source, tmp_path / f"out{run}", postgres_url)
        assert code == 0, err
        assert states(postgres_url, run) == EXPECTED[run]
        assert summary_register(tmp_path / f"out{run}")["new"] == list(EXPECTED[run].values()).count("new")
    code, out, _ = flag_into(months[2], tmp_path / "again", postgres_url)
    assert code == 0 and "recorded before (run 3)" in out
    text = text_of(dump(postgres_url))
    assert privacy.find_full_ids(text) == [] and not any(n in text or m in text for n, m in NAMES.items())


def test_two_runs_at_once_wait_for_each_other(months, tmp_path, postgres_url):
    two_runs_at_once(months, tmp_path, postgres_url)  # the key reaches the processes through the environment


def test_a_wrong_or_missing_key_is_refused(months, tmp_path, postgres_url, monkeypatch):
    assert flag_into(months[0], tmp_path / "a", postgres_url)[0] == 0
    before = dump(postgres_url)
    monkeypatch.setenv(KEY_ENV, "another key")
    code, _, err = flag_into(months[1], tmp_path / "b", postgres_url)
    assert code == 2 and "was written under another key" in err and err.count("\n") == 1
    monkeypatch.delenv(KEY_ENV)
    code, _, err = flag_into(months[1], tmp_path / "c", postgres_url)
    assert code == 2 and "needs its key in the environment variable ANALYSIS_REGISTER_KEY" in err
    assert dump(postgres_url) == before


def test_a_server_that_does_not_answer_is_one_line(months, tmp_path):
    code, _, err = flag_into(months[0], tmp_path / "a", "postgresql://analyst:secret@127.0.0.1:9/none")
    assert code == 2 and err.count("\n") == 1
    assert "cannot open the register postgresql://analyst:***@127.0.0.1:9/none" in err and "secret" not in err
    assert not (tmp_path / "a").exists()


def test_notebook_06_reads_a_postgresql_register(months, tmp_path, postgres_url):
    from analysis.register import history

    for run, source in enumerate(months, start=1):
        assert flag_into(source, tmp_path / f"out{run}", postgres_url)[0] == 0
    runs = history.runs(postgres_url)
    assert runs[["new", "open", "gone", "back"]].values.tolist() == [[4, 0, 0, 0], [1, 2, 2, 0], [0, 2, 1, 1]]
    cases = history.open_cases(postgres_url)
    assert history.oldest_open(cases).index.tolist() == ["K000002", "K000003", "K000005"]
    assert history.age_table(cases)["案件数 cases"].sum() == 3
    assert "The latest (run 3, `2026-03.csv`): **0** new cases" in history.in_words(runs).data
