"""Recording a run in the register: its cases (person, flag) numbered for good, and each case's state."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..contract import PERSON_FLAGS
from ..rules import flag_counts
from .keys import file_sha256, person_hashes
from .store import Connection, transaction

STATES = ["new", "open", "gone", "back"]
CASE_COLUMNS = ["person_key", "flag", "register_case", "state", "first_seen", "status", "note"]


@dataclass
class Recorded:
    """What a run did to the register: its run, whether it was recorded now (False: the same file was recorded
    before, nothing changed), cases per state, and the cases of that run for the workbook (CASE_COLUMNS;
    person_key is None for a gone case: the register cannot say who it was)."""

    run_id: int
    recorded: bool
    counts: dict[str, int]
    cases: pd.DataFrame = field(repr=False)


def case_number(numbers: pd.Series) -> pd.Series:
    """`K000001` for register case 1."""
    return "K" + numbers.astype("int64").astype("str").str.zfill(6)


def seen_cases(flags: pd.DataFrame) -> pd.DataFrame:
    """This run's register cases: distinct (person_key, flag) of the person-level flags, in order of first row."""
    person = flags[flags["flag"].isin(PERSON_FLAGS) & flags["person_key"].notna()]
    first = person.groupby(["person_key", "flag"], sort=False)["row"].min().reset_index(name="ord")
    return first.sort_values(["ord", "flag"], kind="stable", ignore_index=True)


def _record(connection: Connection, run_id: int, seen: pd.DataFrame) -> None:
    """Number the new cases and give every case its state in this run (docs/data-contract.md)."""
    previous = run_id - 1
    connection.temporary("seen", seen, {"person_hash": "TEXT", "flag": "TEXT", "ord": "BIGINT"})
    last_case = connection.value("SELECT coalesce(max(register_case), 0) FROM cases")
    connection.rows(
        """INSERT INTO cases (register_case, person_hash, flag, first_run)
        SELECT ? + row_number() OVER (ORDER BY s.ord, s.flag), s.person_hash, s.flag, ?
        FROM seen s LEFT JOIN cases c ON c.person_hash = s.person_hash AND c.flag = s.flag
        WHERE c.register_case IS NULL""",
        (last_case, run_id),
    )
    connection.rows(
        """INSERT INTO states (run_id, register_case, state)
        SELECT ?, c.register_case,
            CASE WHEN c.first_run = ? THEN 'new' WHEN p.register_case IS NOT NULL THEN 'open' ELSE 'back' END
        FROM seen s JOIN cases c ON c.person_hash = s.person_hash AND c.flag = s.flag
        LEFT JOIN (SELECT register_case FROM states WHERE run_id = ? AND state <> 'gone') p
            ON p.register_case = c.register_case""",
        (run_id, run_id, previous),
    )
    connection.rows(
        """INSERT INTO states (run_id, register_case, state)
        SELECT ?, p.register_case, 'gone' FROM states p
        WHERE p.run_id = ? AND p.state <> 'gone'
            AND NOT EXISTS (SELECT 1 FROM states t WHERE t.run_id = ? AND t.register_case = p.register_case)""",
        (run_id, previous, run_id),
    )


def run_cases(connection: Connection, run_id: int, hashes: dict[str, str]) -> pd.DataFrame:
    """The cases of one run with their state, first sighting and last caseworker status (CASE_COLUMNS)."""
    table = connection.frame(
        """SELECT c.person_hash, c.flag, c.register_case, s.state, r.recorded_at AS first_seen,
            st.status, st.note
        FROM states s JOIN cases c ON c.register_case = s.register_case
        JOIN runs r ON r.run_id = c.first_run
        LEFT JOIN (
            SELECT x.register_case, x.status, x.note FROM statuses x
            JOIN (SELECT register_case, max(import_id) AS last FROM statuses GROUP BY register_case) m
                ON m.register_case = x.register_case AND m.last = x.import_id
        ) st ON st.register_case = c.register_case
        WHERE s.run_id = ?
        ORDER BY c.register_case""",
        (run_id,),
    )
    table["person_key"] = table.pop("person_hash").map(hashes)
    table["register_case"] = case_number(table["register_case"])
    table["first_seen"] = pd.to_datetime(table["first_seen"]).dt.normalize()
    return table[CASE_COLUMNS]


@contextlib.contextmanager
def recording(
    db: str | Path,
    source: str | Path,
    rows_read: int,
    flags: pd.DataFrame,
    wait: float | None = None,
    recorded_at: datetime | None = None,
) -> Iterator[Recorded]:
    """Record a run of `source` (its flags) in the register `db`, in one transaction that commits when the block
    ends and is rolled back when it raises: write the run's outputs inside the block. The same file (SHA-256) as
    a recorded run is not recorded again; the block then sees that run. `recorded_at`: the run's time (default
    now; the sample's months take their export dates)."""
    digest = file_sha256(source)
    seen = seen_cases(flags)
    with transaction(db, wait) as connection:
        seen["person_hash"] = person_hashes(seen["person_key"], connection.key)
        hashes = dict(zip(seen["person_hash"], seen["person_key"], strict=True))
        earlier = connection.value("SELECT run_id FROM runs WHERE file_sha256 = ?", (digest,))
        if earlier is None:
            run_id = int(connection.value("SELECT coalesce(max(run_id), 0) + 1 FROM runs"))
            _record(connection, run_id, seen)
            connection.rows(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    (recorded_at or datetime.now()).replace(microsecond=0),
                    Path(source).name,
                    digest,
                    rows_read,
                    json.dumps(flag_counts(flags)),
                ),
            )
        else:
            run_id = int(earlier)
        cases = run_cases(connection, run_id, hashes)
        found = cases["state"].value_counts()
        counts = {state: int(found.get(state, 0)) for state in STATES}
        yield Recorded(run_id, earlier is None, counts, cases)


def forget_run(db: str | Path, run_id: int) -> None:
    """Take back a committed run when what followed it failed (the report's notebook 06 reads the register only
    once the run is committed): the register as it was before, provided no later run came since."""
    with transaction(db) as connection:
        if connection.value("SELECT max(run_id) FROM runs") != run_id:
            return
        connection.rows("DELETE FROM states WHERE run_id = ?", (run_id,))
        connection.rows("DELETE FROM cases WHERE first_run = ?", (run_id,))
        connection.rows("DELETE FROM runs WHERE run_id = ?", (run_id,))
