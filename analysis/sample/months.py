"""Three monthly exports of one synthetic population for the case register, with data corrections between them
that plant every register state, and the state each register case must take in each run.

Each export holds every application up to its export date, cancellations recorded up to then. A flag depends only on
earlier applications, so cutting at the export date keeps each remaining row's flags; the corrections are planted on
persons with a live first card A and one flagged second application B: B made in one of the months (new), withdrawn
from an export (gone) and restored, or made again while A is live (back), A's cancellation back-filled to before B
(gone) and taken back (back). The expected flags and states come from what was planted, not from the rules or the
register: a register case (person, flag) is present in a month when the month's expected flags hold that flag of
that person, and its state follows from the months it is present in.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..contract import PERSON_FLAGS
from ..values import parse_dates
from .forms import date_text

PERSONS = 3000  # the months' population: small, as notebook 06 flags all three months each time it runs
# the export dates, a month apart; each month holds a planted application made on its export day
EXPORTS = [np.datetime64("2026-04-30"), np.datetime64("2026-05-31"), np.datetime64("2026-06-30")]
BEFORE = np.datetime64("2026-03-31")  # the first export's month starts after this day
FILES = [f"{str(day)[:7]}.csv" for day in EXPORTS]
EXPECTED_REGISTER = "expected_register.csv"
REGISTER_COLUMNS = ["run", "file", "anchor_application_id", "flag", "state", "planted"]
PER_ROLE = 3  # persons each correction is planted on
AGAIN_IDS = 600000001  # application numbers of the applications made again (no other part of the sample uses them)
NAT = np.datetime64("NaT", "D")


class Role(NamedTuple):
    """What is planted on a person with a live first card A and a flagged second application B (exports 0-2)."""

    planted: str  # as expected_register.csv says it
    moved_to: int = -1  # the export in whose month B was made (-1: B keeps its date, before the first month)
    withdrawn: tuple[int, ...] = ()  # the exports B is left out of: withdrawn or voided
    backfilled: tuple[int, ...] = ()  # the exports in which A's cancellation is back-filled to before B
    again: int = -1  # the export in whose month the person applies again, B's row copied, while A is live


ROLES = [
    Role("second application made in 2026-04", moved_to=0),
    Role("second application made in 2026-05", moved_to=1),
    Role("second application made in 2026-06", moved_to=2),
    Role("second application made in 2026-05, withdrawn in 2026-06", moved_to=1, withdrawn=(2,)),
    Role("second application withdrawn in 2026-05, restored in 2026-06", withdrawn=(1,)),
    Role("second application withdrawn in 2026-05 for good", withdrawn=(1, 2)),
    Role("second application withdrawn in 2026-05, applied again in 2026-06", withdrawn=(1, 2), again=2),
    Role("second application withdrawn in 2026-06", withdrawn=(2,)),
    Role("first card's cancellation back-filled to before the second application in 2026-05", backfilled=(1, 2)),
    Role("first card's cancellation back-filled in 2026-05, taken back in 2026-06", backfilled=(1,)),
    Role("first card's cancellation back-filled to before the second application in 2026-06", backfilled=(2,)),
]


class Months(NamedTuple):
    """The exports (file name -> applications, contract columns, text), each one's expected flags, and the expected
    register state of every case in every run (REGISTER_COLUMNS)."""

    exports: dict[str, pd.DataFrame]
    flags: dict[str, pd.DataFrame]
    register: pd.DataFrame


def _days(text: pd.Series) -> np.ndarray:
    """Dates in the export forms as datetime64[D]; NaT for an empty cell or one that is no date."""
    return parse_dates(text.reset_index(drop=True))[0].to_numpy().astype("datetime64[D]")


def _persons(flags: pd.DataFrame) -> pd.Series:
    """A person number for every application a person-level flag names (flagged or conflicts_with): a flagged
    application and the one it conflicts with are one person's, so linked applications share the smallest number."""
    person = flags[flags["flag"].isin(PERSON_FLAGS)]
    n = len(person)
    codes, ids = pd.factorize(pd.concat([person["application_id"], person["conflicts_with"]], ignore_index=True))
    first, second = codes[:n], codes[n:]
    label = np.arange(len(ids))
    while True:  # each pass carries the smallest number one link further
        low = np.minimum(label[first], label[second])
        spread = label.copy()
        np.minimum.at(spread, first, low)
        np.minimum.at(spread, second, low)
        if (spread == label).all():
            return pd.Series(label, index=ids)
        label = spread


def _candidates(apps: pd.DataFrame, flags: pd.DataFrame, applied: np.ndarray) -> pd.DataFrame:
    """Persons of two applications: A never cancelled and B flagged (a duplicate card or a conflict) with A, B made
    after A and before the first month, neither with another flag; the row numbers of A and B, and B's flag."""
    person = flags[flags["flag"].isin(PERSON_FLAGS)]
    label = _persons(flags)
    size = label.value_counts()
    once = ~apps["application_id"].duplicated(keep=False).to_numpy()
    row = pd.Series(np.flatnonzero(once), index=apps["application_id"].to_numpy()[once])
    a, b = row[person["conflicts_with"]].to_numpy(), row[person["application_id"]].to_numpy()
    ok = size.reindex(label[person["application_id"]].to_numpy()).to_numpy() == 2
    ok &= flags["application_id"].value_counts().reindex(person["application_id"]).to_numpy() == 1
    ok &= ~person["conflicts_with"].isin(flags["application_id"]).to_numpy()
    ok &= (apps["cancelled_on"].to_numpy()[a] == "") & (applied[a] < applied[b]) & (applied[b] <= BEFORE)
    return pd.DataFrame({"a": a[ok], "b": b[ok], "flag": person["flag"].to_numpy()[ok]})


def _in_month(rng: np.random.Generator, export: np.ndarray, on_export_day: np.ndarray) -> np.ndarray:
    """A day in the month of each export (after the export before it, up to it); the export day where asked."""
    end = np.array(EXPORTS)[export]
    start = np.array([BEFORE, *EXPORTS[:-1]])[export]
    day = start + rng.integers(1, (end - start).astype("int64") + 1).astype("timedelta64[D]")
    return np.where(on_export_day, end, day)


def _states(present: np.ndarray) -> np.ndarray:
    """Each case's state in each run from the runs it is present in (cases x runs); "" for none."""
    none = np.zeros((len(present), 1), dtype=bool)
    previous = np.hstack([none, present[:, :-1]])
    before = np.hstack([none, np.logical_or.accumulate(present, axis=1)[:, :-1]])
    conditions = [present & ~before, present & previous, present, previous]
    return np.select(conditions, ["new", "open", "back", "gone"], "")


def plant_months(applications: pd.DataFrame, flags: pd.DataFrame, seed: int) -> Months:
    """The three exports of a generated population (its applications and expected flags), the corrections planted,
    with their expected flags and the expected register."""
    rng = np.random.default_rng(seed + 1)  # a stream of its own: the population stays as generated
    apps = applications.reset_index(drop=True).copy()
    applied, cancelled = _days(apps["applied_on"]), _days(apps["cancelled_on"])
    if (applied > EXPORTS[-1]).any():
        raise RuntimeError("the population holds applications after the last export")
    found = _candidates(apps, flags, applied)
    roles = np.repeat(np.arange(len(ROLES)), PER_ROLE)
    if len(found) < len(roles):
        raise RuntimeError(f"{len(found)} persons to plant the corrections on, {len(roles)} needed")
    chosen = found.iloc[rng.permutation(len(found))[: len(roles)]].reset_index(drop=True)
    a, b = chosen["a"].to_numpy(), chosen["b"].to_numpy()
    moved_to, again = (np.array([getattr(r, name) for r in ROLES])[roles] for name in ("moved_to", "again"))
    withdrawn, backfilled = (
        np.array([[m in getattr(r, name) for m in range(len(EXPORTS))] for r in ROLES])[roles]
        for name in ("withdrawn", "backfilled")
    )

    moved = moved_to >= 0
    first_of_role = np.arange(len(roles)) % PER_ROLE == 0  # lands on the export day: each month ends on its date
    applied[b[moved]] = _in_month(rng, moved_to[moved], first_of_role[moved])
    apps.loc[b[moved], "applied_on"] = date_text(rng, pd.Series(applied[b[moved]])).to_numpy()
    filled = backfilled.any(axis=1)
    gap = (applied[b[filled]] - applied[a[filled]]).astype("int64")
    backfill = np.full(len(apps), "", dtype=object)  # after A's date, on or before B's: B becomes lawful
    days = applied[a[filled]] + rng.integers(1, gap + 1).astype("timedelta64[D]")
    backfill[a[filled]] = date_text(rng, pd.Series(days)).to_numpy()

    redo = again >= 0
    made_again = apps.iloc[b[redo]].copy()
    made_again["application_id"] = "SQ" + pd.Series(np.arange(redo.sum()) + AGAIN_IDS).astype("str").to_numpy()
    again_days = _in_month(rng, again[redo], np.zeros(redo.sum(), dtype=bool))
    made_again["applied_on"] = date_text(rng, pd.Series(again_days)).to_numpy()
    made_again["cancelled_on"] = ""
    more = pd.DataFrame(
        {
            "application_id": made_again["application_id"].to_numpy(),
            "flag": chosen["flag"].to_numpy()[redo],
            "conflicts_with": apps["application_id"].to_numpy()[a[redo]],
        }
    )
    all_flags = pd.concat([flags, more], ignore_index=True)

    # the applications made again go in at random places, the others keeping their order
    n, k = len(apps), len(made_again)
    order = np.argsort(np.concatenate([np.arange(n), rng.random(k) * n]), kind="stable")
    full = pd.concat([apps, made_again], ignore_index=True).iloc[order].reset_index(drop=True)
    applied = np.concatenate([applied, again_days])[order]
    cancelled = np.concatenate([cancelled, np.full(k, NAT)])[order]
    left_out = np.zeros((n + k, len(EXPORTS)), dtype=bool)
    left_out[b] = withdrawn
    back_filled = np.zeros((n + k, len(EXPORTS)), dtype=bool)
    back_filled[a] = backfilled
    left_out, back_filled, backfill = left_out[order], back_filled[order], np.append(backfill, [""] * k)[order]

    exports, expected = {}, {}
    shared = full["application_id"][full["application_id"].duplicated()].unique()
    lawful = apps["application_id"].to_numpy()[b]  # B is no flag where A's cancellation is back-filled
    for m, (name, export) in enumerate(zip(FILES, EXPORTS, strict=True)):
        held = ~(applied > export) & ~left_out[:, m]  # undated rows are in every export
        month = full[held].copy()
        text = np.where(cancelled > export, "", full["cancelled_on"].to_numpy())  # cancelled after the export
        month["cancelled_on"] = np.where(back_filled[:, m], backfill, text)[held]
        exports[name] = month.reset_index(drop=True)
        ids = month["application_id"]
        month_flags = all_flags[all_flags["application_id"].isin(ids)]
        drop = month_flags["application_id"].isin(lawful[backfilled[:, m]]) & month_flags["flag"].isin(PERSON_FLAGS)
        # an application number shared by two rows is invalid_record only while both rows are in the export
        alone = ids.value_counts().reindex(month_flags["application_id"]).to_numpy() < 2
        drop |= month_flags["application_id"].isin(shared) & alone & (month_flags["flag"] == "invalid_record")
        month_flags = month_flags[~drop].sort_values(["application_id", "flag"], kind="stable")
        expected[name] = month_flags.reset_index(drop=True)
    planted = pd.Series([ROLES[r].planted for r in roles], index=apps["application_id"].to_numpy()[a])
    return Months(exports, expected, _register(expected, all_flags, full, applied, planted))


def _register(
    expected: dict[str, pd.DataFrame], all_flags: pd.DataFrame, full: pd.DataFrame, applied: np.ndarray, planted
) -> pd.DataFrame:
    """The expected register: each case (person, flag) present in the months whose expected flags hold it, its
    state in each run from that, and the person named by their first application (the anchor)."""
    label = _persons(all_flags)
    person = [f[f["flag"].isin(PERSON_FLAGS)] for f in expected.values()]
    seen = pd.concat(
        [
            pd.DataFrame({"person": label[f["application_id"]].to_numpy(), "flag": f["flag"].to_numpy(), "run": m})
            for m, f in enumerate(person)
        ],
        ignore_index=True,
    )
    present = pd.crosstab([seen["person"], seen["flag"]], seen["run"]).reindex(columns=range(len(EXPORTS)))
    states = _states(present.fillna(0).to_numpy() > 0)
    once = ~full["application_id"].duplicated(keep=False).to_numpy()
    day = pd.Series(applied[once], index=full["application_id"].to_numpy()[once])
    first = pd.DataFrame({"id": label.index, "person": label.to_numpy(), "day": day[label.index].to_numpy()})
    anchor = first.sort_values(["day", "id"]).drop_duplicates("person").set_index("person")["id"]
    cases = present.index.to_frame(index=False)
    cases["anchor_application_id"] = anchor[cases["person"]].to_numpy()
    cases["planted"] = planted.reindex(cases["anchor_application_id"]).fillna("").to_numpy()
    runs = [cases.assign(run=m + 1, file=FILES[m], state=states[:, m])[states[:, m] != ""] for m in range(len(EXPORTS))]
    table = pd.concat(runs, ignore_index=True)[REGISTER_COLUMNS]
    return table.sort_values(["run", "anchor_application_id", "flag"], kind="stable", ignore_index=True)
