"""Values in the forms real exports write them: mixed date forms, province names and codes, yes/no words,
Chinese names, and the document columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import provinces
from .tables import COUNTIES, GIVEN, SPECIAL_CATEGORIES, SURNAMES


def date_text(rng: np.random.Generator, dates: pd.Series) -> pd.Series:
    """Dates in the mixed forms real exports have: 2023-05-01, 2023/5/1, 20230501, 2023年5月1日."""
    d = pd.to_datetime(dates)
    y, m, day = (
        d.dt.year.astype("Int64").astype("str"),
        d.dt.month.astype("Int64").astype("str"),
        d.dt.day.astype("Int64").astype("str"),
    )
    forms = [
        d.dt.strftime("%Y-%m-%d").astype("str"),
        y + "/" + m + "/" + day,
        d.dt.strftime("%Y%m%d").astype("str"),
        y + "年" + m + "月" + day + "日",
    ]
    choice = rng.choice(4, size=len(d), p=[0.4, 0.25, 0.15, 0.2])
    out = pd.Series(pd.NA, index=dates.index, dtype="str")
    for i, form in enumerate(forms):
        out[choice == i] = form[choice == i]
    return out


def _place_forms(rng: np.random.Generator, codes: pd.Series) -> list[pd.Series]:
    """The insured place instead of the province, as some exports write it: city code (440300), county code
    (440303), four-digit city code (4403), 广东省深圳市, 广东深圳, 粤, and the city name alone (深圳市) where it
    belongs to one province only (else the short name). Municipalities name a district instead of the city."""
    county_lists = {p: np.array(v[1], dtype=object) for p, v in COUNTIES.items()}
    county = pd.Series("", index=codes.index, dtype=object)
    for p, counties in county_lists.items():
        here = (codes == p).to_numpy()
        county[here] = counties[rng.integers(0, len(counties), size=int(here.sum()))]
    county = county.astype("str")
    names = provinces.divisions()

    def city_of(place: str) -> str:
        city = names.get(place[:4] + "00", ["市辖区"])[0]
        return names.get(place, [""])[0] if city == "市辖区" else city

    city = county.map(city_of).astype("str")
    one_province = (city.map(provinces.place_names()).fillna("") == codes).to_numpy(dtype=bool)
    alone = city.where(one_province, codes.map(provinces.SHORT_NAME))
    abbreviation = {code: a for a, code in reversed(list(provinces.ABBREVIATIONS.items()))}
    return [
        county.str.slice(0, 4) + "00",
        county,
        county.str.slice(0, 4),
        codes.map(provinces.FULL_NAME) + city,
        codes.map(provinces.SHORT_NAME) + city.str.removesuffix("市"),
        codes.map(abbreviation),
        alone,
    ]


def province_text(rng: np.random.Generator, codes: pd.Series) -> pd.Series:
    """Province as exports write it: short or full Chinese name, 2- or 6-digit code, English name; now and then
    the insured place instead (see _place_forms)."""
    table = provinces.PROVINCES.set_index("code")
    forms = [
        codes.map(table["short_zh"]),
        codes.map(table["name_zh"]),
        codes,
        codes + "0000",
        codes.map(table["name_en"]),
        *_place_forms(rng, codes),
    ]
    choice = rng.choice(len(forms), size=len(codes), p=[0.37, 0.19, 0.14, 0.09, 0.14] + [0.01] * 7)
    out = pd.Series(pd.NA, index=codes.index, dtype="str")
    for i, form in enumerate(forms):
        out[choice == i] = form[choice == i].astype("str")
    return out


def _bool_text(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """Yes/no in the words exports use; 有/无 and √/× now and then."""
    yes = np.array(["是", "1", "Y", "true", "yes", "TRUE", "有", "√"], dtype=object)
    no = np.array(["否", "0", "N", "false", "no", "", "无", "×"], dtype=object)
    pick = rng.choice(len(yes), size=len(values), p=[0.16] * 6 + [0.025, 0.015])
    return np.where(values, yes[pick], no[pick])


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), size=n)]
    given = np.array(GIVEN, dtype=object)
    first = given[rng.integers(0, len(given), size=n)]
    second = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), size=n)], "")
    return surname + first + second


def documents(rng: np.random.Generator, rows: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(rows)
    second_gen = rng.random(n) < 0.92
    register = ~second_gen | (rng.random(n) < 0.2)
    id_copy = np.ones(n, dtype=bool)
    special = rng.random(n) < 0.04
    category = np.where(special, np.array(SPECIAL_CATEGORIES, dtype=object)[rng.integers(0, 5, size=n)], "")
    special_docs = special.copy()
    fault = rows["document_fault"].fillna("").to_numpy()
    id_copy[fault == "no ID copy"] = False
    both = fault == "no second-gen ID and no register copy"
    second_gen[both] = False
    register[both] = False
    missing = fault == "special category without documents"
    category[missing] = np.array(SPECIAL_CATEGORIES, dtype=object)[rng.integers(0, 5, size=int(missing.sum()))]
    special_docs[missing] = False
    return {
        "has_second_gen_id": _bool_text(rng, second_gen),
        "id_copy": _bool_text(rng, id_copy),
        "household_register_copy": _bool_text(rng, register),
        "special_category": category,
        "special_documents": _bool_text(rng, special_docs),
    }
