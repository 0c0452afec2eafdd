"""Synthetic persons and their applications, one template each (one live card, a lawful re-application or
transfer, a duplicate card, a cross-province conflict, ...), with the person-level flags each must get."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ids import check_characters
from .tables import COUNTIES, MIGRANT_DESTINATIONS, MIGRANT_ORIGINS, POPULATION

# person templates: (name, probability, number of applications)

TEMPLATES = [
    ("single", None, 1),
    ("lawful_reapply", 0.04, 2),
    ("lawful_transfer", 0.03, 2),
    ("duplicate", 0.012, 2),
    ("cross", 0.02, 2),
    ("duplicate_triple", 0.002, 3),
    ("same_day", 0.002, 2),
    ("cross_and_back", 0.001, 3),
]


FIRST_DAY = np.datetime64("2012-01-01")


LAST_DAY = np.datetime64("2026-06-30")


NAT = np.datetime64("NaT", "D")


def pick(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    keys = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def make_ids(region: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-character ID numbers from region codes, birth dates (datetime64[D]) and 3-digit sequences."""
    ymd = pd.Series(pd.to_datetime(birth).strftime("%Y%m%d"), dtype="str")
    body = pd.Series(region, dtype="str") + ymd + pd.Series(seq, dtype="int64").astype("str").str.zfill(3)
    return (body + pd.Series(check_characters(body).view("S1").astype(str), dtype="str")).to_numpy(dtype=object)


def random_days(rng: np.random.Generator, start: np.datetime64, end: np.datetime64, size: int) -> np.ndarray:
    return start + rng.integers(0, int((end - start).astype(int)) + 1, size=size).astype("timedelta64[D]")


def draw_people(rng: np.random.Generator, n: int, reserved: set[str]) -> pd.DataFrame:
    """n persons with unique valid ID numbers (birth 1945-2006), not clashing with `reserved`."""
    draw = int(n * 1.05) + 10
    birth_prov = pick(rng, POPULATION, draw)
    county_lists = {p: np.array(COUNTIES[p][1]) for p in COUNTIES}
    region = np.empty(draw, dtype=object)
    for p, counties in county_lists.items():
        here = birth_prov == p
        region[here] = counties[rng.integers(0, len(counties), size=here.sum())]
    birth = random_days(rng, np.datetime64("1945-01-01"), np.datetime64("2006-12-31"), draw)
    keys = make_ids(region, birth, rng.integers(0, 1000, size=draw))
    frame = pd.DataFrame({"key": keys, "birth_province": birth_prov, "birth": birth})
    frame = frame[~frame["key"].isin(reserved)].drop_duplicates("key").head(n).reset_index(drop=True)
    if len(frame) < n:
        raise RuntimeError("could not draw enough distinct ID numbers")
    return frame


def other_province(rng: np.random.Generator, current: np.ndarray) -> np.ndarray:
    other = pick(rng, POPULATION, len(current))
    clash = other == current
    while clash.any():
        other[clash] = pick(rng, POPULATION, int(clash.sum()))
        clash = other == current
    return other


def template_rows(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    """Applications of every person per template, with expected person-level flags."""
    n = len(people)
    probs = np.array([p or 0.0 for _, p, _ in TEMPLATES])
    probs[0] = 1.0 - probs.sum()
    template = rng.choice(len(TEMPLATES), size=n, p=probs)
    home = np.where(rng.random(n) < 0.75, people["birth_province"].to_numpy(), pick(rng, POPULATION, n))
    parts = []
    for t, (name, _, k) in enumerate(TEMPLATES):
        idx = np.flatnonzero(template == t)
        m = len(idx)
        if m == 0:
            continue
        prov = np.tile(home[idx], (k, 1))
        d = np.empty((k, m), dtype="datetime64[D]")
        c = np.full((k, m), NAT)
        flag = np.full((k, m), "", dtype=object)
        conflicts = np.full((k, m), -1)
        d[0] = random_days(rng, FIRST_DAY, np.datetime64("2021-12-31"), m)
        gap = rng.integers(1, 900, size=m).astype("timedelta64[D]")
        if name == "single":
            d[0] = random_days(rng, FIRST_DAY, LAST_DAY, m)
            later = rng.random(m) < 0.1
            c[0] = np.where(later, d[0] + rng.integers(30, 2000, size=m).astype("timedelta64[D]"), NAT)
        elif name in ("lawful_reapply", "lawful_transfer"):
            c[0] = d[0] + rng.integers(100, 1500, size=m).astype("timedelta64[D]")
            d[1] = c[0] + np.where(rng.random(m) < 0.3, 0, rng.integers(1, 90, size=m)).astype("timedelta64[D]")
            if name == "lawful_transfer":
                prov[1] = other_province(rng, prov[0])
        elif name in ("duplicate", "cross"):
            d[1] = d[0] + gap
            still = rng.random(m) < 0.3
            c[0] = np.where(still, d[1] + rng.integers(1, 500, size=m).astype("timedelta64[D]"), NAT)
            if name == "cross":
                prov[0] = pick(rng, MIGRANT_ORIGINS, m)
                prov[1] = pick(rng, MIGRANT_DESTINATIONS, m)
                prov[1] = np.where(prov[1] == prov[0], other_province(rng, prov[0]), prov[1])
                flag[1] = "cross_province_conflict"
            else:
                flag[1] = "duplicate_card"
            conflicts[1] = 0
        elif name == "duplicate_triple":
            d[1] = d[0] + rng.integers(1, 400, size=m).astype("timedelta64[D]")
            d[2] = d[1] + rng.integers(1, 400, size=m).astype("timedelta64[D]")
            flag[1:] = "duplicate_card"
            conflicts[1:] = 0
        elif name == "same_day":
            d[1] = d[0]
            flag[1] = "duplicate_card"
            conflicts[1] = 0
        elif name == "cross_and_back":
            prov[1] = other_province(rng, prov[0])
            d[1] = d[0] + gap
            d[2] = d[1] + rng.integers(1, 400, size=m).astype("timedelta64[D]")
            flag[1:] = "cross_province_conflict"
            conflicts[1] = 0
            conflicts[2] = 1
        parts.append(
            pd.DataFrame(
                {
                    "person": np.repeat(idx[None, :], k, axis=0).ravel(),
                    "step": np.repeat(np.arange(k)[:, None], m, axis=1).ravel(),
                    "template": name,
                    "province_code": prov.ravel(),
                    "applied": d.ravel(),
                    "cancelled": c.ravel(),
                    "expect_flag": flag.ravel(),
                    "expect_conflict_step": conflicts.ravel(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
