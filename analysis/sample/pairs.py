"""Planted possible duplicates (docs/data-contract.md, "Possible duplicates"): the same person under two numbers for
every reason (a mistyped number, a changed number, a renewed permanent-residence card) and decoys the contract does
not pair (namesakes, a number two characters off, a typo on a row with another name, ...), with the pairs expected,
built from what was planted.

Nothing planted here can pair with the rest of the sample. The citizens here have county codes the background never
draws and were born in years it never draws (1930-1944, 2007-2011), so their numbers differ from every other in two
parts and in more than one character (the typos here touch characters 11-18 only); the foreigners here were born
before 1950, the background's foreigners after, and bear names no one else bears. Inside the planted set each group
has names of its own, so only what is planted pairs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..ids import check_characters
from .forms import date_text, documents, province_text
from .other_types import COUNTRIES, WORDS
from .people import make_ids, pick
from .tables import (
    COMMON,
    COUNTIES_HERE,
    DOTTED,
    GIVEN,
    INITIALED,
    LATIN,
    MIGRANT_DESTINATIONS,
    NAMESAKES,
    PINYIN,
    REGION_CHANGES,
    SURNAMES,
)

PERSONS_PER_SET = 4000  # one set of planted pairs and decoys per this many persons; at least one, at most MAX_SETS
MAX_SETS = 4
REASONS = ["id_typo", "changed_number", "renewed_permit"]
PAIR_COLUMNS = ["reason", "application_ids_a", "application_ids_b", "overlapping", "planted"]
DECOY_COLUMNS = ["kind", "application_ids_a", "application_ids_b", "not_a_pair_because"]
DECOYS = {
    "common_name_same_day": "names differ (same surname, same county, same birth date, another sequence)",
    "namesake_other_birth_and_sequence": "birth date and sequence differ: two parts, not one",
    "namesake_other_county_and_birth": "region and birth date differ: two parts, not one",
    "two_characters_off": "two characters changed: not one edit",
    "typo_other_name": "one swap away, but the invalid row's name is another",
    "dropped_digit": "the invalid number has 17 characters, not 18",
    "permit_other_birth": "older and 2023 forms of the same name, country and province, another birth date",
    "permit_other_province": "older and 2023 forms of the same name, country and birth date, another province",
}

CITIZEN_BIRTHS = [("1930-01-01", "1944-06-30"), ("2007-01-01", "2011-06-30")]  # room for a corrected birth date
FOREIGN_BIRTHS = ("1935-01-01", "1949-12-31")
FIRST_DAY = np.datetime64("2013-01-01")
NEW_PR_FORM = np.datetime64("2023-12-01")  # the 2023 permanent-residence card was issued from then on
NAT = np.datetime64("NaT", "D")
# the surnames of the fixed names (tables.PINYIN, COMMON, NAMESAKES) left out: a drawn name is none of them
DRAWN_SURNAMES = [s for s in SURNAMES if s not in "王李张刘陈杨"]


class Planted(NamedTuple):
    """The planted applications (contract columns, text), their expected flags, the expected pairs and the decoys."""

    applications: pd.DataFrame
    flags: list[tuple[str, str, str]]
    pairs: pd.DataFrame
    decoys: pd.DataFrame


def _day(rng: np.random.Generator, start: object, end: object) -> np.datetime64:
    """A day drawn evenly from start..end (start when end is earlier)."""
    start, end = np.datetime64(start, "D"), np.datetime64(end, "D")
    return start + np.timedelta64(int(rng.integers(0, max(int((end - start).astype(int)), 0) + 1)), "D")


def _gap(rng: np.random.Generator, low: int, high: int) -> np.timedelta64:
    return np.timedelta64(int(rng.integers(low, high + 1)), "D")


def _key(region: str, birth: np.datetime64, seq: int) -> str:
    """An 18-character citizen number with its check character."""
    return make_ids(np.array([region], dtype=object), np.array([birth], dtype="datetime64[D]"), np.array([seq]))[0]


def _check_fits(number: str) -> bool:
    """The check character of an 18-character number fits its first 17 digits."""
    return check_characters(pd.Series([number[:17]], dtype="str")).view("S1").astype(str)[0] == number[17]


class _Plant:
    """Planted applications (one dict each, by row number), and the pairs and decoys between them."""

    def __init__(self, rng: np.random.Generator, export: np.datetime64, names: list[str]) -> None:
        self.rng, self.export, self.names = rng, export, names
        self.rows: list[dict] = []
        self.pairs: list[tuple[str, list[int], list[int], str]] = []
        self.decoys: list[tuple[str, list[int], list[int]]] = []

    def name(self) -> str:
        """A drawn name no other planted group bears."""
        return self.names.pop()

    def citizen(self, region: str | None = None) -> tuple[str, np.datetime64, int]:
        """County, birth date and sequence of a planted citizen (the county drawn when not given)."""
        rng = self.rng
        region = region or list(COUNTIES_HERE)[rng.integers(len(COUNTIES_HERE))]
        return region, _day(rng, *CITIZEN_BIRTHS[rng.integers(2)]), int(rng.integers(0, 1000))

    def apply(self, number: str, name: str, province: str, applied: np.datetime64, cancelled=NAT, **more) -> int:
        """One application (more: its person key `key` and `owner`, `city`, `country`): its row number."""
        row = {"number": number, "name": name, "province": province, "applied": applied, "cancelled": cancelled}
        self.rows.append({"key": None, "owner": -1, "city": COUNTIES_HERE.get(number[:6], ""), "country": None, **row})
        self.rows[-1].update(more)
        return len(self.rows) - 1

    def person(self, number: str, name: str, dates: list, **more) -> list[int]:
        """A citizen's applications under one valid number, the province the number's."""
        owner = len(self.rows)
        return [self.apply(number, name, number[:2], d, c, key=number, owner=owner, **more) for d, c in dates]

    def foreigner(self, number: str, name: str, province: str, dates: list, alpha3: str) -> list[int]:
        """A foreign permanent resident's applications under one valid number (2023 or older form)."""
        key, owner = number if len(number) == 18 else f"foreign_pr:{number}", len(self.rows)
        more = {"key": key, "owner": owner, "city": "", "country": alpha3}
        return [self.apply(number, name, province, d, c, **more) for d, c in dates]

    def chain(self, apps: int, live: bool) -> tuple[list[list], np.datetime64]:
        """Dates of `apps` applications, each cancelled before the next (lawful), and the day of one more application
        later: the last card still live on that day when `live`, else cancelled on or before it."""
        rng = self.rng
        day = _day(rng, FIRST_DAY, self.export - np.timedelta64(1200, "D"))
        dates = []
        for _ in range(apps):
            end = day + _gap(rng, 100, 500)
            dates.append([day, end])
            day = end + _gap(rng, 0, 60)
        if live:
            dates[-1][1] = NAT
            return dates, dates[-1][0] + _gap(rng, 30, 400)
        return dates, dates[-1][1] + _gap(rng, 0, 100)

    def single(self) -> list[list]:
        """The dates of one application, never cancelled."""
        return [[_day(self.rng, FIRST_DAY, self.export), NAT]]

    def permits(self, live: bool) -> tuple[list[list], list[list]]:
        """Dates of an older-form card (applied for by mid-2023) and of a 2023-form one: the older card still live
        then when `live`, else cancelled up to a month before."""
        rng = self.rng
        new = _day(rng, NEW_PR_FORM, self.export)
        old = _day(rng, "2015-01-01", "2023-06-30")
        return [[old, NAT if live else new - _gap(rng, 0, 30)]], [[new, NAT]]


def _changed(rng: np.random.Generator, key: str) -> tuple[str, str]:
    """key with one of characters 11-18 typed as another digit, and what was planted."""
    p = int(rng.integers(10, 18))
    digit = str(int(rng.integers(0, 10)) if key[p] == "X" else (int(key[p]) + int(rng.integers(1, 10))) % 10)
    return key[:p] + digit + key[p + 1 :], f"character {p + 1}"


def _swapped(rng: np.random.Generator, key: str) -> tuple[str, str]:
    """key with two adjacent different digits among characters 11-17 swapped, and what was planted."""
    places = [p for p in range(10, 16) if key[p] != key[p + 1]]
    if not places:
        return _changed(rng, key)
    p = places[int(rng.integers(len(places)))]
    return key[:p] + key[p + 1] + key[p] + key[p + 2 :], f"characters {p + 1} and {p + 2}"


def _two_off(rng: np.random.Generator, key: str) -> str:
    """key with two characters among 11-17, not side by side, typed as other digits, the check no longer fitting."""
    i = int(rng.integers(10, 15))
    j = int(rng.integers(i + 2, 17))
    first = key[:i] + str((int(key[i]) + int(rng.integers(1, 10))) % 10) + key[i + 1 :]
    for step in range(1, 10):  # of the nine other digits at j, at most one makes the check fit again
        number = first[:j] + str((int(key[j]) + step) % 10) + first[j + 1 :]
        if not _check_fits(number):
            return number
    raise AssertionError("unreachable: the check character fits one digit at a place only")


def _old_pr(rng: np.random.Generator, alpha3: str, province: str, birth: np.datetime64) -> str:
    """An older-form permanent-residence number: alpha-3, province, two digits, YYMMDD, two digits."""
    yymmdd = str(birth).replace("-", "")[2:]
    return f"{alpha3}{province}{int(rng.integers(0, 100)):02d}{yymmdd}{int(rng.integers(0, 100)):02d}"


def _new_pr(rng: np.random.Generator, alpha3: str, province: str, birth: np.datetime64) -> str:
    """A 2023-form permanent-residence number: 9, province, ISO numeric country, birth date, sequence, check."""
    numeric = next(c[0] for c in COUNTRIES if c[1] == alpha3)
    return _key(f"9{province}{numeric}", birth, int(rng.integers(0, 1000)))


def _province(rng: np.random.Generator, but: str = "") -> str:
    """Where a foreigner lives: weighted like the background's foreigners, `but` left out."""
    return pick(rng, {k: w for k, w in MIGRANT_DESTINATIONS.items() if k != but}, 1)[0]


def _typos(p: _Plant, r: int) -> None:
    """id_typo: a person's number mistyped on one more application (one character changed, or two swapped), the
    name on it as the person's, with a space inside, or in pinyin."""
    for i, kind in enumerate(["changed", "swapped", "pinyin"]):
        name = PINYIN[r][0] if kind == "pinyin" else p.name()
        key = _key(*p.citizen())
        dates, later = p.chain(2 if kind == "swapped" else 1, live=(r + i) % 2 == 0)
        person = p.person(key, name, dates)
        typo, planted = (_swapped if kind == "swapped" or (kind == "pinyin" and r % 2) else _changed)(p.rng, key)
        written = {"changed": name, "swapped": f"{name[0]} {name[1:]}", "pinyin": PINYIN[r][1]}[kind]
        p.pairs.append(("id_typo", person, [p.apply(typo, written, key[:2], later)], planted))


def _changed_numbers(p: _Plant, r: int) -> None:
    """changed_number: one person under two valid numbers differing in one part: a county that became a district
    or city (former code, then current), a corrected birth date, a corrected sequence (the sex digit)."""
    rng = p.rng
    for i, part in enumerate(["region", "birth", "sequence"]):
        name, city = p.name(), {}
        if part == "region":
            former, current, town = REGION_CHANGES[r % len(REGION_CHANGES)]
            region, birth, seq = p.citizen(former)
            second, city = (current, birth, seq), {"city": town}
        elif part == "birth":
            region, birth, seq = p.citizen()
            second = (region, birth + _gap(rng, 1, 180), seq)  # the birth windows leave room for this
        else:
            region, birth, seq = p.citizen()
            second = (region, birth, seq + 1 if seq < 999 else seq - 1)
        dates, later = p.chain(1, live=(r + i) % 2 == 0)
        first = p.person(_key(region, birth, seq), name, dates, **city)
        p.pairs.append(("changed_number", first, p.person(_key(*second), name, [[later, NAT]], **city), part))


def _renewals(p: _Plant, r: int) -> None:
    """renewed_permit: a foreign permanent resident's older-form number and the 2023 form that replaced it (same
    country, province and birth date), the name written alike but for its dots or case."""
    variants = [
        (DOTTED[2 * r], lambda name: name.replace("·", "•")),
        (LATIN[2 * r], str.upper),
        (INITIALED[r], lambda name: name.replace(".", "")),
    ]
    for i, ((name, alpha3), renamed) in enumerate(variants):
        province, birth = _province(p.rng), _day(p.rng, *FOREIGN_BIRTHS)
        old, new = p.permits(live=(r + i) % 2 == 0)
        a = p.foreigner(_old_pr(p.rng, alpha3, province, birth), name, province, old, alpha3)
        b = p.foreigner(_new_pr(p.rng, alpha3, province, birth), renamed(name), province, new, alpha3)
        p.pairs.append(("renewed_permit", a, b, f"{alpha3} {province}"))


def _decoys(p: _Plant, r: int) -> None:
    """Look-alikes the contract does not pair (DECOYS says why for each)."""
    rng = p.rng
    region, birth, seq = p.citizen()
    one, other = COMMON[r]
    a = p.person(_key(region, birth, seq), one, p.single())
    b = p.person(_key(region, birth, (seq + int(rng.integers(1, 1000))) % 1000), other, p.single())
    p.decoys.append(("common_name_same_day", a, b))

    # three namesakes: two in one county (another birth date and sequence), one elsewhere (another birth date)
    region, birth, seq = p.citizen()
    name, births = NAMESAKES[r], [birth]
    while len(births) < 3:
        day = p.citizen(region)[1]
        births += [day] if day not in births else []
    elsewhere = [c for c in COUNTIES_HERE if c != region][rng.integers(len(COUNTIES_HERE) - 1)]
    a = p.person(_key(region, births[0], seq), name, p.single())
    b = p.person(_key(region, births[1], (seq + int(rng.integers(1, 1000))) % 1000), name, p.single())
    c = p.person(_key(elsewhere, births[2], seq), name, p.single())
    p.decoys += [("namesake_other_birth_and_sequence", a, b), ("namesake_other_county_and_birth", a, c)]

    for kind in ["two_characters_off", "typo_other_name", "dropped_digit"]:
        name = p.name()
        key = _key(*p.citizen())
        dates, later = p.chain(1, live=True)
        person = p.person(key, name, dates)
        if kind == "two_characters_off":
            number = _two_off(rng, key)
        elif kind == "typo_other_name":
            number, name = _swapped(rng, key)[0], p.name()
        else:
            at = int(rng.integers(10, 17))
            number = key[:at] + key[at + 1 :]
        p.decoys.append((kind, person, [p.apply(number, name, key[:2], later)]))

    name, alpha3 = LATIN[2 * r + 1]
    province, births = _province(rng), []
    while len(births) < 2:
        day = _day(rng, *FOREIGN_BIRTHS)
        births += [day] if day not in births else []
    old, new = p.permits(live=False)
    a = p.foreigner(_old_pr(rng, alpha3, province, births[0]), name, province, old, alpha3)
    b = p.foreigner(_new_pr(rng, alpha3, province, births[1]), name, province, new, alpha3)
    p.decoys.append(("permit_other_birth", a, b))

    name, alpha3 = DOTTED[2 * r + 1]
    province, birth = _province(rng), _day(rng, *FOREIGN_BIRTHS)
    moved = _province(rng, but=province)
    old, new = p.permits(live=False)
    a = p.foreigner(_old_pr(rng, alpha3, province, birth), name, province, old, alpha3)
    b = p.foreigner(_new_pr(rng, alpha3, moved, birth), name, moved, new, alpha3)
    p.decoys.append(("permit_other_province", a, b))


def _chinese_names(rng: np.random.Generator, n: int) -> list[str]:
    """n different names (half of two characters, half of three) from the sample's surnames, but those of the fixed
    names above, and given names."""
    s, g = len(DRAWN_SURNAMES), len(GIVEN)
    two = rng.choice(s * g, size=n // 2, replace=False)
    three = rng.choice(s * g * g, size=n - n // 2, replace=False)
    names = [DRAWN_SURNAMES[k // g] + GIVEN[k % g] for k in two.tolist()]
    names += [DRAWN_SURNAMES[k // (g * g)] + GIVEN[k // g % g] + GIVEN[k % g] for k in three.tolist()]
    return [names[i] for i in rng.permutation(n)]


def _overlapping(applied: np.ndarray, cancelled: np.ndarray, ids: np.ndarray, a: list[int], b: list[int]) -> bool:
    """Some application of one side was live when one of the other side was applied for, either way round:
    A.applied_on <= B.applied_on < A.cancelled_on, A the earlier in application order."""
    for i in a:
        for j in b:
            first, second = sorted((i, j), key=lambda k: (applied[k], ids[k]))
            if np.isnat(cancelled[first]) or applied[second] < cancelled[first]:
                return True
    return False


def _finish(p: _Plant) -> Planted:
    """The planted rows in the contract's columns as exports write them, their flags, pairs and decoys."""
    rng, rows = p.rng, pd.DataFrame(p.rows)
    owners = rows.dropna(subset=["key"]).groupby("key")["owner"].nunique()
    if (owners > 1).any():
        raise RuntimeError("two planted persons share a person key")
    n = len(rows)
    ids = ("SQ" + pd.Series(rng.permutation(n) + 800000001).astype("str")).to_numpy()
    applied = rows["applied"].to_numpy(dtype="datetime64[D]")
    cancelled = rows["cancelled"].to_numpy(dtype="datetime64[D]")
    foreign = rows["country"].notna().to_numpy()
    table = pd.DataFrame(COUNTRIES, columns=["numeric", "alpha3", "zh", "en"]).set_index("alpha3")
    form = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])  # as the other foreigners': Chinese name, alpha-3, English name
    alpha3 = rows["country"].fillna("")
    nationality = np.select([form == 0, form == 1], [alpha3.map(table["zh"]), alpha3], alpha3.map(table["en"]))
    nationality = np.where(foreign, nationality, "")
    docs = documents(rng, pd.DataFrame({"document_fault": pd.Series(pd.NA, index=rows.index, dtype="str")}))
    docs["special_category"] = np.where(foreign, "外籍人员", docs["special_category"])
    docs["special_documents"] = np.where(foreign, "是", docs["special_documents"])
    typed = rng.random(n) < np.where(foreign, 0.85, 0.9)  # the others empty: the number says its type
    applications = pd.DataFrame(
        {
            "application_id": ids,
            "id_number": rows["number"],
            "name": rows["name"],
            "province": province_text(rng, rows["province"].astype("str")),
            "city": rows["city"].where(rng.random(n) < 0.8, ""),
            "applied_on": date_text(rng, pd.Series(applied)),
            "cancelled_on": date_text(rng, pd.Series(cancelled)).fillna(""),
            **docs,
            "id_type": np.where(typed, np.where(foreign, WORDS["foreign_pr"], WORDS["citizen"]), ""),
            "nationality": nationality,
        }
    )
    flags = [(i, "invalid_id", "") for i in ids[rows["key"].isna().to_numpy()]]

    def listed(side: list[int]) -> str:  # a side's applications in application order
        return " ".join(ids[i] for i in sorted(side, key=lambda k: (applied[k], ids[k])))

    keys = rows["key"].to_numpy()
    pairs = []
    for reason, a, b, planted in p.pairs:
        if reason != "id_typo" and keys[b[0]] < keys[a[0]]:  # side a: the smaller key, as text
            a, b = b, a
        live = _overlapping(applied, cancelled, ids, a, b)
        pairs.append((reason, listed(a), listed(b), "true" if live else "false", planted))
    pairs = pd.DataFrame(pairs, columns=PAIR_COLUMNS)
    pairs = pairs.sort_values(["reason", "application_ids_a", "application_ids_b"], key=_reason_order)
    decoys = pd.DataFrame(
        [(kind, listed(a), listed(b), DECOYS[kind]) for kind, a, b in p.decoys], columns=DECOY_COLUMNS
    )
    return Planted(applications, flags, pairs.reset_index(drop=True), decoys)


def _reason_order(column: pd.Series) -> pd.Series:
    return column.map(REASONS.index) if column.name == "reason" else column


def plant_pairs(rng: np.random.Generator, persons: int, export: np.datetime64) -> Planted:
    """Sets of planted pairs (three per reason each) and decoys, one set per PERSONS_PER_SET persons (1 to
    MAX_SETS), every application on or before the export date."""
    sets = int(np.clip(persons // PERSONS_PER_SET, 1, MAX_SETS))
    p = _Plant(rng, export, _chinese_names(rng, 9 * sets))
    for r in range(sets):
        _typos(p, r)
        _changed_numbers(p, r)
        _renewals(p, r)
        _decoys(p, r)
    return _finish(p)
