"""Card holders who are not mainland citizens (docs/data-contract.md, "Card holders who are not mainland citizens"):
the document type of a row (its `id_type` cell, or inferred from the number), the checks of each type, the person
keys, and nationalities read through pycountry.

Citizen numbers stay with analysis.ids (vectorized); the rows here are the rare ones, checked one at a time.
python-stdnum's verdict is not used for any of these types.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pycountry

from ._fast.arrow import as_str, coded_text, replaced
from .ids import OTHER_IDS, REASONS, normalize_text
from .provinces import ID_PREFIXES

TYPES = ["citizen", "hmt_permit", "foreign_pr", "passport", "foreign_ssn", "travel_permit"]
UNKNOWN = "unknown"  # summary.json's id_types count for rows whose id_type value the contract does not hold
_VALUES = {
    "citizen": ["citizen", "居民身份证", "身份证", "公民身份号码", "户口簿"],
    "hmt_permit": ["hmt_permit", "港澳台居民居住证", "港澳居民居住证", "台湾居民居住证"],
    "foreign_pr": ["foreign_pr", "外国人永久居留身份证", "外国人永久居留证", "永居证"],
    "passport": ["passport", "护照"],
    "foreign_ssn": ["foreign_ssn", "外国人社会保障号码"],
    "travel_permit": ["travel_permit", "港澳居民来往内地通行证", "回乡证", "台湾居民来往大陆通行证", "台胞证"],
}
VALUES = {value.casefold(): kind for kind, values in _VALUES.items() for value in values}
HMT_PREFIXES = ("810000", "820000", "830000")
_FR_PROVINCES = {p for p in ID_PREFIXES if p != "83"}  # province-level codes of the 2023 foreign_pr form
_CHECK = "10X98765432"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_KEYED_BY_NUMBER = {"citizen", "hmt_permit"}  # their 18 characters are the person key (2023 foreign_pr too)

_ID18 = re.compile(r"\d{17}[0-9X]")
_OLD_PR = re.compile(r"[A-Z]{3}\d{12}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_SSN = re.compile(r"[A-Z0-9]{1,20}")
_TRAVEL = re.compile(r"[HM]\d{8}|[HM]\d{10}|\d{8}|\d{10}|[A-Z]\d{7}")

# reasons (docs/errors.md, "Notes on an accepted file"); the citizen reasons of analysis.ids are reused
NEEDS_ID_TYPE = "a passport number needs an id_type column"
FORM = {
    "hmt_permit": "a hmt_permit number is 18 characters beginning 810000, 820000 or 830000",
    "foreign_pr": (
        "a foreign_pr number is 18 characters (9, 16 digits and a check character) or 3 letters and 12 digits"
    ),
    "passport": "a passport number is 5 to 20 letters and digits",
    "foreign_ssn": "a foreign_ssn number is 1 to 20 letters and digits",
    "travel_permit": "a travel_permit number is H or M and 8 or 10 digits, 8 or 10 digits, or a letter and 7 digits",
}
PR_PROVINCE = "characters 2-3 of a foreign_pr number are not a province-level code"
PR_COUNTRY = "characters 4-6 of a foreign_pr number are not an ISO 3166-1 numeric country code"
PR_LETTERS = "the letters of a foreign_pr number are not an ISO 3166-1 alpha-3 country code"
PR_OLD_DATE = "characters 8-13 of a foreign_pr number are not a date (YYMMDD)"
CHECK, FUTURE, OLD, DATE = REASONS[1], REASONS[2], REASONS[3], REASONS[4]


def looks_like_message(kind: str) -> str:
    return f"the number looks like a {kind} number"


def _key_text(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).casefold()


def read_types(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The id_type of each cell (NA where empty) and which cells hold a value the contract does not have
    (those are NA too). Case-insensitive, white space ignored; each distinct value is looked up once."""
    codes, uniques = pd.factorize(values.astype("str"), use_na_sentinel=True)
    kinds = np.array([VALUES.get(_key_text(u)) if _key_text(u) else "" for u in uniques] + [""], dtype=object)
    found = kinds[codes]  # (code -1: the last, empty)
    unknown = found == None  # noqa: E711 (elementwise)
    out = pd.Series(np.where((found == "") | unknown, None, found), index=values.index, dtype="str")
    return out, np.asarray(unknown, dtype=bool)


def infer(number: str) -> str:
    """The type a number without id_type is checked as (number normalized)."""
    if _ID18.fullmatch(number):
        if number.startswith("9"):
            return "foreign_pr"
        if number.startswith(HMT_PREFIXES):
            return "hmt_permit"
    elif _OLD_PR.fullmatch(number):
        return "foreign_pr"
    return "citizen"


def looks_like(number: str) -> str | None:
    """The type a number's form suggests, or None (used to name it when a stated type does not fit)."""
    kind = infer(number)
    if kind != "citizen":
        return kind
    if _ID18.fullmatch(number) or (len(number) == 15 and number.isdigit()):
        return "citizen"
    if _TRAVEL.fullmatch(number) and number[0] in "HM":
        return "travel_permit"
    if _PASSPORT.fullmatch(number) and re.search(r"[A-Z]", number):
        return "passport"
    return None


def _check_ok(number: str) -> bool:
    return _CHECK[sum(int(c) * w for c, w in zip(number[:17], _WEIGHTS, strict=True)) % 11] == number[17]


def _birth(text: str, applied: dt.date | None) -> str | None:
    """The citizen rules for a birth date YYYYMMDD: a calendar date, not before 1900, not after applied."""
    try:
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return DATE
    if day < dt.date(1900, 1, 1):
        return OLD
    if applied is not None and day > applied:
        return FUTURE
    return None


def _old_pr_date(text: str, applied: dt.date | None) -> str | None:
    """YYMMDD: 20YY when that is not after the application date, else 19YY."""
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    for century in (2000, 1900):
        try:
            day = dt.date(century + yy, mm, dd)
        except ValueError:
            return PR_OLD_DATE
        if applied is None or day <= applied or century == 1900:
            return None
    return None


def check(kind: str, number: str, applied: dt.date | None) -> list[str]:
    """Why `number` (normalized) fails the checks of `kind` (not citizen); empty when it passes."""
    if kind == "hmt_permit":
        if not (_ID18.fullmatch(number) and number.startswith(HMT_PREFIXES)):
            return [FORM[kind]]
        problems = [p for p in [_birth(number[6:14], applied)] if p]
        return problems or ([] if _check_ok(number) else [CHECK])
    if kind == "foreign_pr":
        if _ID18.fullmatch(number) and number[0] == "9":
            problems = []
            if number[1:3] not in _FR_PROVINCES:
                problems.append(PR_PROVINCE)
            if number[3:6] not in countries()["numeric"]:
                problems.append(PR_COUNTRY)
            problems += [p for p in [_birth(number[6:14], applied)] if p]
            return problems or ([] if _check_ok(number) else [CHECK])
        if _OLD_PR.fullmatch(number):
            problems = [] if number[:3] in countries()["alpha_3"] else [PR_LETTERS]
            return problems + [p for p in [_old_pr_date(number[7:13], applied)] if p]
        return [FORM[kind]]
    pattern = {"passport": _PASSPORT, "foreign_ssn": _SSN, "travel_permit": _TRAVEL}[kind]
    return [] if pattern.fullmatch(number) else [FORM[kind]]


def person_key(kind: str, number: str, alpha3: str | None) -> str:
    """The person key of a number that passed the checks of its type."""
    if kind in _KEYED_BY_NUMBER or (kind == "foreign_pr" and len(number) == 18):
        return number
    if kind == "passport" and alpha3:
        return f"passport:{alpha3}:{number}"
    return f"{kind}:{number}"


# Short Chinese names exports use where pycountry's zh_CN has the long form (checked in tests/test_id_types.py).
CHINESE_SHORT = {
    "韩国": "KOR",
    "朝鲜": "PRK",
    "伊朗": "IRN",
    "老挝": "LAO",
    "叙利亚": "SYR",
    "玻利维亚": "BOL",
    "委内瑞拉": "VEN",
    "摩尔多瓦": "MDA",
}


@functools.cache
def _chinese() -> Callable[[str], str] | None:
    """pycountry's zh_CN translation of country names, or None when it ships none."""
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"]).gettext
    except OSError:
        return None


@functools.cache
def countries() -> dict:
    """pycountry's countries: {"numeric": codes, "alpha_3": codes, "names": any form (casefolded) -> alpha-3,
    "numeric_to_alpha_3": numeric code -> alpha-3}."""
    zh = _chinese()  # None: the short table alone
    names: dict[str, str] = {}
    for c in pycountry.countries:
        forms = [c.alpha_3, c.alpha_2, c.numeric, str(int(c.numeric)), c.name]
        forms += [getattr(c, a) for a in ("official_name", "common_name") if hasattr(c, a)]
        if zh is not None:
            forms += [zh(c.name)] + ([zh(c.official_name)] if hasattr(c, "official_name") else [])
        for form in forms:
            names.setdefault(_key_text(form), c.alpha_3)
    for name, alpha3 in CHINESE_SHORT.items():
        names.setdefault(_key_text(name), alpha3)
    return {
        "numeric": {c.numeric for c in pycountry.countries},
        "alpha_3": {c.alpha_3 for c in pycountry.countries},
        "names": names,
        "numeric_to_alpha_3": {c.numeric: c.alpha_3 for c in pycountry.countries},
    }


@functools.cache
def country_names() -> dict[str, tuple[str, str]]:
    """ISO alpha-3 -> (Chinese name, English name), from pycountry and its zh_CN translation."""
    zh = _chinese() or str
    short = {alpha3: name for name, alpha3 in CHINESE_SHORT.items()}
    names = {}
    for c in pycountry.countries:
        english = getattr(c, "common_name", c.name)
        names[c.alpha_3] = (short.get(c.alpha_3, zh(c.name)), english)
    return names


def nationalities(values: pd.Series) -> tuple[pd.Series, dict[str, int]]:
    """ISO alpha-3 per cell (NA where empty or not recognised) and the unrecognised values with their cells."""
    codes, uniques = pd.factorize(values.astype("str"), use_na_sentinel=True)
    names = countries()["names"]
    found = [names.get(_key_text(u)) for u in uniques]
    alpha3 = np.array([*found, None], dtype=object)[codes]
    unknown: dict[str, int] = {}
    for u, n in zip(uniques, np.bincount(codes[codes >= 0], minlength=len(uniques)).tolist(), strict=True):
        if _key_text(u) and names.get(_key_text(u)) is None:
            unknown[str(u)[:40]] = unknown.get(str(u)[:40], 0) + n
    return pd.Series(alpha3, index=values.index, dtype="str"), unknown


def _text_or_none(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else str(value)


@dataclass(frozen=True)
class TypeColumn:
    """The id_type column as codes into a few words (-1: an unknown value), made text only where a frame keeps it
    (the flag command's frame does not: it counts the types for the load report and drops the column)."""

    codes: np.ndarray
    words: list[str]

    def text(self, index: pd.Index) -> pd.Series:
        """The column as "str", NA for an unknown value."""
        return pd.Series(as_str(coded_text(self.codes, self.words)), index=index)

    def counts(self) -> dict[str, int]:
        """Rows per id_type, unknown values counted as UNKNOWN (summary.json's id_types)."""
        rows = np.bincount(self.codes + 1, minlength=len(self.words) + 1).tolist()
        return {word: n for word, n in zip([UNKNOWN, *self.words], rows, strict=True) if n}


def _type_column(kind: np.ndarray, special: np.ndarray) -> TypeColumn:
    """The id_type column: "citizen" except at the `special` rows, as codes of the few distinct types (not a
    string per row)."""
    codes = np.zeros(len(kind), dtype=np.int64)
    words = ["citizen"]
    if len(special):
        sub, names = pd.factorize(kind[special], use_na_sentinel=True)  # None: -1
        for name in names:
            if name not in words:
                words.append(str(name))
        lookup = np.array([words.index(str(name)) for name in names] + [-1])
        codes[special] = lookup[sub]
    return TypeColumn(codes, words)


def resolve(
    ids: pd.DataFrame,
    raw_id: pd.Series,
    applied: pd.Series,
    stated: pd.Series | None,
    unknown: np.ndarray | None,
    alpha3: pd.Series | None,
    mangled: np.ndarray,
) -> TypeColumn:
    """Turn validate_ids' citizen verdict (`ids`, changed in place) into each row's type's verdict; the id_type
    per row (unknown where its value is unknown: that row gets no key and no ID problem, its number is not checked).

    Only rows stated as another type, rows that failed as citizens, and valid numbers beginning 810000/820000/830000
    are looked at again (one at a time): the plain citizen rows keep the fast path's result untouched.
    """
    n = len(ids)
    kind = np.empty(n, dtype=object)
    kind.fill("citizen")  # (np.full of an object is ten times slower)
    has = np.zeros(n, dtype=bool) if stated is None else stated.notna().to_numpy()
    if has.any():
        kind[has] = stated.to_numpy(dtype=object)[has]
    unknown = np.zeros(n, dtype=bool) if unknown is None else unknown
    person_id = ids["person_id"].to_numpy().copy()
    failed = ids["id_problem"].notna().to_numpy().copy()
    hmt = np.zeros(n, dtype=bool)
    for prefix in HMT_PREFIXES:  # (ranges of numbers: no division of every row's)
        hmt |= (person_id >= int(prefix) * 10**11) & (person_id < (int(prefix) + 1) * 10**11)
    stated_other = np.zeros(n, dtype=bool)  # stated as another type than citizen (compared only where stated)
    if has.any():
        stated_other[has] = kind[has] != "citizen"
    citizen = ~stated_other
    looked = np.flatnonzero(failed & citizen & ~mangled & ~unknown)
    if len(looked):
        # A citizen-shaped number that failed as a citizen keeps the citizen check's verdict: most invalid IDs of an
        # export are of this kind, and they need no second look (only other forms may be another type's number).
        number = normalize_text(raw_id.iloc[looked])
        shaped = number.str.fullmatch(r"\d{17}[0-9X]|\d{15}").fillna(False).to_numpy(dtype=bool)
        other = number.str.startswith(("9", *HMT_PREFIXES)).fillna(False).to_numpy(dtype=bool)
        failed[looked[shaped & ~other]] = False
    slow = ~mangled & ~unknown & (stated_other | failed | (~has & hmt))
    at = np.flatnonzero(slow)
    if not len(at) and not unknown.any():  # the plain citizen file: nothing to change
        return _type_column(kind, np.flatnonzero(has))
    keys = ids["person_key"].iloc[at].to_numpy(dtype=object).copy()
    problems = ids["id_problem"].iloc[at].to_numpy(dtype=object).copy()
    numbers = normalize_text(raw_id.iloc[at]).fillna("").tolist()
    days = applied.iloc[at].dt.date.tolist()
    nations = [None] * len(at) if alpha3 is None else alpha3.iloc[at].tolist()
    for j, (i, number, day, nation) in enumerate(zip(at, numbers, days, nations, strict=True)):
        given = kind[i] if has[i] else None
        if not number:  # empty: as the citizen check says
            continue
        t = given or infer(number)
        kind[i] = t
        if t == "citizen":  # checked as a citizen already; say what else it looks like
            if pd.notna(problems[j]):
                like = looks_like(number)
                if given is None and like in ("passport", "travel_permit"):
                    problems[j] = NEEDS_ID_TYPE
                elif given and like not in (None, "citizen"):
                    problems[j] = f"{problems[j]}; {looks_like_message(like)}"
            continue
        found = check(t, number, None if pd.isna(day) else day)
        if found:
            like = looks_like(number)
            if given and like not in (None, t):
                found.append(looks_like_message(like))
            keys[j], problems[j], person_id[i] = None, "; ".join(found), -1
        else:
            key = person_key(t, number, None if pd.isna(nation) else nation)
            keys[j], problems[j] = key, None
            person_id[i] = OTHER_IDS if ":" in key else int(key[:17])
    # Only the rows looked at again change: replaced in Arrow, not through ten million Python strings.
    lost = np.flatnonzero(unknown)
    if len(lost):
        kind[lost], person_id[lost] = None, -1
    changed = np.union1d(at, lost)
    new_keys = dict(zip(at.tolist(), keys.tolist(), strict=True))
    new_problems = dict(zip(at.tolist(), problems.tolist(), strict=True))
    for column, new in [("person_key", new_keys), ("id_problem", new_problems)]:
        before = ids[column].iloc[changed].to_numpy(dtype=object)
        after = [_text_or_none(new.get(i)) for i in changed.tolist()]
        differ = [j for j, (b, a) in enumerate(zip(before, after, strict=True)) if _text_or_none(b) != a]
        if differ:  # replacing rebuilds the column: only when a value really changes
            ids[column] = replaced(ids[column], changed[differ], [after[j] for j in differ])
    ids["person_id"] = person_id
    return _type_column(kind, np.union1d(changed, np.flatnonzero(has)))
