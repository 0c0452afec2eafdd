"""What the register tests share: three monthly exports with a known state for every case, and readers of a
register's tables (DuckDB or PostgreSQL) that need no key."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.register.store import reading

from .helpers import P1, P3, app, id_number, make_rows, run_cli, write

Q2 = id_number("410105", "19750304", "031")
Q4 = id_number("320106", "19880808", "045")
Q5 = id_number("310104", "19920412", "062")
Q6 = id_number("440305", "19990101", "013")
NAMES = {P1: "王一鸣", Q2: "李二娜", P3: "张三丰", Q4: "孙四海", Q5: "赵五月", Q6: "钱六一"}


def _apps(*rows: tuple) -> list[dict]:
    return [app(i, n, p, d, c, name=NAMES[n]) for i, n, p, d, c in rows]


def month_rows(month: int) -> list[dict]:
    """The export of month 1, 2 or 3 (docs/data-contract.md, "The case register"):
    run 1: K000001 P1 duplicate, K000002 Q2 cross-province, K000003 P3 duplicate, K000004 Q5 duplicate: all new;
    run 2: P1, P3 open; Q2 gone (its first card now shows a cancellation); Q5 gone; K000005 Q4 duplicate new;
    run 3: P1 gone (first card cancelled); Q2 back (the cancellation was a mistake, removed); P3, Q4 open;
    Q5, gone before the previous run and still absent, takes no state."""
    q2_cancelled = "2020-02-01" if month == 2 else ""
    p1_cancelled = "2020-12-31" if month == 3 else ""
    q5_cancelled = "" if month == 1 else "2020-06-01"
    rows = [
        ("A1", P1, "11", "2020-01-01", p1_cancelled),
        ("A2", P1, "11", "2021-01-01", ""),
        ("B1", Q2, "41", "2020-01-01", q2_cancelled),
        ("B2", Q2, "44", "2020-03-01", ""),
        ("C1", P3, "11", "2020-02-01", ""),
        ("C2", P3, "11", "2020-05-01", ""),
        ("E1", Q5, "31", "2020-01-01", q5_cancelled),
        ("E2", Q5, "31", "2020-07-01", ""),
        ("F1", Q6, "44", "2019-01-01", ""),
    ]
    if month >= 2:
        rows += [
            ("D1", Q4, "32", "2021-01-01", ""),
            ("D2", Q4, "32", "2022-01-01", ""),
        ]
    return _apps(*rows)


EXPECTED = {
    1: {"K000001": "new", "K000002": "new", "K000003": "new", "K000004": "new"},
    2: {"K000001": "open", "K000002": "gone", "K000003": "open", "K000004": "gone", "K000005": "new"},
    3: {"K000001": "gone", "K000002": "back", "K000003": "open", "K000005": "open"},
}


def write_months(folder: Path) -> list[Path]:
    """The three monthly exports as CSV files in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    return [write(make_rows(month_rows(m)), folder / f"2026-0{m}.csv") for m in (1, 2, 3)]


def flag_into(source: Path, out: Path, db: str, *more: object) -> tuple[int, str, str]:
    """`flag SOURCE --out OUT --register DB` in-process."""
    return run_cli("flag", source, "--out", out, "--register", db, *more)


def summary_register(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))["register"]


def states(db: str, run_id: int) -> dict[str, str]:
    """register case -> state in one run."""
    with reading(db) as connection:
        rows = connection.rows("SELECT register_case, state FROM states WHERE run_id = ?", (run_id,))
    return {f"K{case:06d}": state for case, state in rows}


def dump(db: str) -> dict[str, list]:
    """Every table of the register, sorted rows: to compare before and after, and to scan for personal data."""
    with reading(db) as connection:
        names = [
            n
            for (n,) in connection.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema IN ('main', 'public')"
            )
        ]
        return {n: sorted(map(repr, connection.rows(f"SELECT * FROM {n}"))) for n in sorted(names)}


def text_of(tables: dict[str, list]) -> str:
    return "\n".join(f"{name} {rows}" for name, rows in tables.items())


def frame_of(db: str, sql: str) -> pd.DataFrame:
    with reading(db) as connection:
        return connection.frame(sql)


def two_runs_at_once(months: list[Path], tmp_path: Path, db: str) -> None:
    """Two `flag --register DB` processes started together on the first two months: both succeed, one after the
    other, and whichever came first saw an empty register."""
    import subprocess
    import sys

    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "analysis", "flag", str(s), "--out", str(tmp_path / s.stem), "--register", db],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in months[:2]
    ]
    results = [r.communicate(timeout=180) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    recorded = frame_of(db, "SELECT run_id, file_name FROM runs ORDER BY run_id")
    assert recorded["run_id"].tolist() == [1, 2]
    assert sorted(recorded["file_name"]) == ["2026-01.csv", "2026-02.csv"]
    assert set(states(db, 1).values()) == {"new"}


def new_database(server: str, name: str) -> str:
    """A fresh, empty database on the test PostgreSQL server: its URL."""
    import psycopg

    name = "reg_" + "".join(c if c.isalnum() else "_" for c in name.lower())[:50]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
