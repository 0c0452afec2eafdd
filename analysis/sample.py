"""Seeded synthetic application records with planted cases whose flags are known in advance.

Every name and ID number here is synthetic. Persons follow templates (one live card, a lawful
re-application or transfer, a duplicate card, a cross-province conflict, ...), and some rows get
planted faults (bad IDs, unusable records, missing documents). The expected flags come from the
templates and faults, not from the rules, so tests can hold the rules to them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import config, provinces
from .ids import check_characters
from .records import HEADER_ALIASES
from .sample_tables import COUNTIES, GIVEN, MIGRANT_DESTINATIONS, MIGRANT_ORIGINS, POPULATION, SPECIAL_CATEGORIES, SURNAMES

COLUMNS = list(HEADER_ALIASES)
CHINESE_HEADERS = {c: HEADER_ALIASES[c][1] for c in COLUMNS}
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


def _pick(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    keys = np.array(list(weights))
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def make_ids(region: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-character ID numbers from region codes, birth dates (datetime64[D]) and 3-digit sequences."""
    ymd = pd.Series(pd.to_datetime(birth).strftime("%Y%m%d"), dtype="str")
    body = pd.Series(region, dtype="str") + ymd + pd.Series(seq, dtype="int64").astype("str").str.zfill(3)
    return (body + pd.Series(check_characters(body).view("S1").astype(str), dtype="str")).to_numpy(dtype=object)


def _random_days(rng: np.random.Generator, start: np.datetime64, end: np.datetime64, size: int) -> np.ndarray:
    return start + rng.integers(0, int((end - start).astype(int)) + 1, size=size).astype("timedelta64[D]")


def _people(rng: np.random.Generator, n: int, reserved: set[str]) -> pd.DataFrame:
    """n persons with unique valid ID numbers (birth 1945-2006), not clashing with `reserved`."""
    draw = int(n * 1.05) + 10
    birth_prov = _pick(rng, POPULATION, draw)
    county_lists = {p: np.array(COUNTIES[p][1]) for p in COUNTIES}
    region = np.empty(draw, dtype=object)
    for p, counties in county_lists.items():
        here = birth_prov == p
        region[here] = counties[rng.integers(0, len(counties), size=here.sum())]
    birth = _random_days(rng, np.datetime64("1945-01-01"), np.datetime64("2006-12-31"), draw)
    keys = make_ids(region, birth, rng.integers(0, 1000, size=draw))
    frame = pd.DataFrame({"key": keys, "birth_province": birth_prov, "birth": birth})
    frame = frame[~frame["key"].isin(reserved)].drop_duplicates("key").head(n).reset_index(drop=True)
    if len(frame) < n:
        raise RuntimeError("could not draw enough distinct ID numbers")
    return frame


def _other_province(rng: np.random.Generator, current: np.ndarray) -> np.ndarray:
    other = _pick(rng, POPULATION, len(current))
    clash = other == current
    while clash.any():
        other[clash] = _pick(rng, POPULATION, int(clash.sum()))
        clash = other == current
    return other


def _template_rows(rng: np.random.Generator, people: pd.DataFrame) -> pd.DataFrame:
    """Applications of every person per template, with expected person-level flags."""
    n = len(people)
    probs = np.array([p or 0.0 for _, p, _ in TEMPLATES])
    probs[0] = 1.0 - probs.sum()
    template = rng.choice(len(TEMPLATES), size=n, p=probs)
    home = np.where(rng.random(n) < 0.75, people["birth_province"].to_numpy(), _pick(rng, POPULATION, n))
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
        d[0] = _random_days(rng, FIRST_DAY, np.datetime64("2021-12-31"), m)
        gap = rng.integers(1, 900, size=m).astype("timedelta64[D]")
        if name == "single":
            d[0] = _random_days(rng, FIRST_DAY, LAST_DAY, m)
            later = rng.random(m) < 0.1
            c[0] = np.where(later, d[0] + rng.integers(30, 2000, size=m).astype("timedelta64[D]"), NAT)
        elif name in ("lawful_reapply", "lawful_transfer"):
            c[0] = d[0] + rng.integers(100, 1500, size=m).astype("timedelta64[D]")
            d[1] = c[0] + np.where(rng.random(m) < 0.3, 0, rng.integers(1, 90, size=m)).astype("timedelta64[D]")
            if name == "lawful_transfer":
                prov[1] = _other_province(rng, prov[0])
        elif name in ("duplicate", "cross"):
            d[1] = d[0] + gap
            still = rng.random(m) < 0.3
            c[0] = np.where(still, d[1] + rng.integers(1, 500, size=m).astype("timedelta64[D]"), NAT)
            if name == "cross":
                prov[0] = _pick(rng, MIGRANT_ORIGINS, m)
                prov[1] = _pick(rng, MIGRANT_DESTINATIONS, m)
                prov[1] = np.where(prov[1] == prov[0], _other_province(rng, prov[0]), prov[1])
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
            prov[1] = _other_province(rng, prov[0])
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


ID_FAULTS = [
    "check character does not match",
    "birth date not a calendar date",
    "birth date before 1900",
    "birth date after application",
    "unknown province prefix",
    "scientific notation",
    "empty",
    "17 characters",
    "letter inside",
]
RECORD_FAULTS = [
    "applied_on empty",
    "applied_on not a calendar date",
    "applied_on not a date",
    "cancelled before applied",
    "unknown province",
    "province empty",
    "cancelled_on not a date",
]
DOCUMENT_FAULTS = ["no ID copy", "no second-gen ID and no register copy", "special category without documents"]


def _replace_birth(keys: pd.Series, birth_text: pd.Series | str) -> pd.Series:
    body = keys.str.slice(0, 6) + birth_text + keys.str.slice(14, 17)
    return body + pd.Series(check_characters(body).view("S1").astype(str), index=keys.index, dtype="str")


def _plant_faults(rng: np.random.Generator, rows: pd.DataFrame) -> pd.DataFrame:
    """Faults on some single-application persons: the flags they must get are recorded."""
    n = len(rows)
    u = np.where(rows["template"].to_numpy() == "single", rng.random(n), 1.0)
    rows["id_fault"] = pd.Series(pd.NA, index=rows.index, dtype="str")
    rows["record_fault"] = pd.Series(pd.NA, index=rows.index, dtype="str")
    rows["document_fault"] = pd.Series(pd.NA, index=rows.index, dtype="str")
    pick = lambda names, mask: np.array(names, dtype=object)[rng.integers(0, len(names), size=int(mask.sum()))]  # noqa: E731
    id_mask = u < 0.004
    rec_mask = (u >= 0.004) & (u < 0.008)
    shared_mask = (u >= 0.008) & (u < 0.009)
    doc_mask = (u >= 0.009) & (u < 0.039)
    rows.loc[id_mask, "id_fault"] = pick(ID_FAULTS, id_mask)
    rows.loc[rec_mask, "record_fault"] = pick(RECORD_FAULTS, rec_mask)
    shared = np.flatnonzero(shared_mask)
    shared = shared[: len(shared) // 2 * 2]
    rows.loc[shared, "record_fault"] = "application_id shared"
    rows["share_with"] = -1
    rows.loc[shared[1::2], "share_with"] = shared[0::2]
    rows.loc[doc_mask, "document_fault"] = pick(DOCUMENT_FAULTS, doc_mask)
    return rows


def _id_text(rng: np.random.Generator, rows: pd.DataFrame, people: pd.DataFrame) -> pd.Series:
    """The ID number as an export would show it: faults planted, legacy, full-width, spaces, lower-case x."""
    key = pd.Series(people["key"].to_numpy()[rows["person"].to_numpy()], index=rows.index, dtype="str")
    birth_year = key.str.slice(6, 10).astype("int64")
    text = key.copy()
    n = len(rows)
    r = rng.random(n)
    legacy = (birth_year < 2000).to_numpy() & (r < 0.04)
    text[legacy] = key[legacy].str.slice(0, 6) + key[legacy].str.slice(8, 17)
    full = (r >= 0.04) & (r < 0.05)
    spaced = (r >= 0.05) & (r < 0.08)
    lower = (r >= 0.08) & (r < 0.4)
    text[spaced] = text[spaced].str.slice(0, 6) + " " + text[spaced].str.slice(6, 14) + " " + text[spaced].str.slice(14)
    text[lower] = text[lower].str.lower()
    wide = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
    text[full] = [t.translate(wide) for t in text[full]]

    f = rows["id_fault"]
    applied = pd.to_datetime(rows["applied"])

    def at(name: str) -> pd.Series:
        return (f == name).fillna(False).astype(bool)

    m = at("check character does not match")
    last = key[m].str.slice(17)
    text[m] = key[m].str.slice(0, 17) + last.map(lambda c: "0" if c != "0" else "1").astype("str")
    m = at("birth date not a calendar date")
    text[m] = _replace_birth(key[m], key[m].str.slice(6, 10) + "0230")
    m = at("birth date before 1900")
    text[m] = _replace_birth(key[m], "1899" + key[m].str.slice(10, 14))
    m = at("birth date after application")
    text[m] = _replace_birth(key[m], (applied[m] + pd.Timedelta(days=200)).dt.strftime("%Y%m%d").astype("str"))
    m = at("unknown province prefix")
    body = "99" + key[m].str.slice(2, 17)
    text[m] = body + pd.Series(check_characters(body).view("S1").astype(str), index=body.index, dtype="str")
    m = at("scientific notation")
    text[m] = key[m].str.slice(0, 1) + "." + key[m].str.slice(1, 6) + "E+17"
    text[at("empty")] = ""
    m = at("17 characters")
    text[m] = key[m].str.slice(0, 17)
    m = at("letter inside")
    text[m] = key[m].str.slice(0, 10) + "A" + key[m].str.slice(11)
    return text


def _date_text(rng: np.random.Generator, dates: pd.Series) -> pd.Series:
    """Dates in the mixed forms real exports have: 2023-05-01, 2023/5/1, 20230501, 2023年5月1日."""
    d = pd.to_datetime(dates)
    y, m, day = (d.dt.year.astype("Int64").astype("str"), d.dt.month.astype("Int64").astype("str"),
                 d.dt.day.astype("Int64").astype("str"))
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


def _province_text(rng: np.random.Generator, codes: pd.Series) -> pd.Series:
    """Province as exports write it: short or full Chinese name, 2- or 6-digit code, English name."""
    table = provinces.PROVINCES.set_index("code")
    forms = [
        codes.map(table["short_zh"]),
        codes.map(table["name_zh"]),
        codes,
        codes + "0000",
        codes.map(table["name_en"]),
    ]
    choice = rng.choice(5, size=len(codes), p=[0.4, 0.2, 0.15, 0.1, 0.15])
    out = pd.Series(pd.NA, index=codes.index, dtype="str")
    for i, form in enumerate(forms):
        out[choice == i] = form[choice == i].astype("str")
    return out


def _bool_text(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    yes = np.array(["是", "1", "Y", "true", "yes", "TRUE"], dtype=object)
    no = np.array(["否", "0", "N", "false", "no", ""], dtype=object)
    pick = rng.integers(0, 6, size=len(values))
    return np.where(values, yes[pick], no[pick])


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), size=n)]
    given = np.array(GIVEN, dtype=object)
    first = given[rng.integers(0, len(given), size=n)]
    second = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), size=n)], "")
    return surname + first + second


def _documents(rng: np.random.Generator, rows: pd.DataFrame) -> dict[str, np.ndarray]:
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


def _record_faults(rng: np.random.Generator, rows: pd.DataFrame, out: pd.DataFrame) -> None:
    f = rows["record_fault"]

    def at(name: str) -> pd.Series:
        return (f == name).fillna(False).astype(bool)

    applied = pd.to_datetime(rows["applied"])
    out.loc[at("applied_on empty"), "applied_on"] = ""
    m = at("applied_on not a calendar date")
    out.loc[m, "applied_on"] = applied[m].dt.year.astype("str") + "-02-30"
    out.loc[at("applied_on not a date"), "applied_on"] = "待定"
    m = at("cancelled before applied")
    out.loc[m, "cancelled_on"] = (applied[m] - pd.Timedelta(days=45)).dt.strftime("%Y-%m-%d").astype("str")
    m = at("unknown province")
    out.loc[m, "province"] = np.array(["火星", "Atlantis", "99", "广东X"], dtype=object)[rng.integers(0, 4, size=int(m.sum()))]
    out.loc[at("province empty"), "province"] = ""
    out.loc[at("cancelled_on not a date"), "cancelled_on"] = "已注销"
    share = rows["share_with"].to_numpy()
    takers = np.flatnonzero(share >= 0)
    out.loc[takers, "application_id"] = out["application_id"].to_numpy()[share[takers]]


def _key(region: str, birth: str, seq: int) -> str:
    return make_ids(np.array([region], dtype=object), np.array([birth], dtype="datetime64[D]"), np.array([seq]))[0]


def _edge_cases() -> tuple[list[dict], list[tuple[str, str, str]]]:
    """Hand-made persons for the contract's corner cases, with their expected flags."""
    k3 = _key("310104", "1985-03-12", 123)
    k4 = _key("330106", "1990-07-07", 456)
    k5 = _key("510107", "1979-11-30", 789)
    k6 = _key("410102", "1988-01-15", 321)
    k7 = _key("420102", "1992-09-09", 654)
    k8 = next(k for s in range(1000) if (k := _key("430102", "1983-06-06", s)).endswith("X"))
    k9 = _key("340102", "1975-05-05", 111)
    k10 = _key("440106", "1995-12-12", 222)
    k10_bad = k10[:17] + ("0" if k10[17] != "0" else "1")
    k11a, k11b = _key("350102", "1980-01-01", 333), _key("360102", "1981-02-02", 444)
    wide = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
    rows = [
        # GB 11643 example and its full-width form: same person, same province -> duplicate card
        ("SQ900000001", "11010519491231002X", "北京", "2016-03-01", ""),
        ("SQ900000002", "11010519491231002X".translate(wide), "北京市", "2019-07-15", ""),
        # legacy 15-digit number, then its 18-digit form in another province -> cross-province conflict
        ("SQ900000003", "130503670401001", "河北", "2010-05-20", ""),
        ("SQ900000004", "130503196704010016", "Guangdong", "2018-09-01", ""),
        # same day, same province: the larger application_id comes second
        ("SQ900000006", k3, "上海", "2021-04-01", ""),
        ("SQ900000005", k3, "31", "2021/4/1", ""),
        # card cancelled on the very day of the next application: lawful
        ("SQ900000007", k4, "浙江", "2015-01-10", "2020-08-08"),
        ("SQ900000008", k4, "江苏", "2020年8月8日", ""),
        # chain: an earlier card cancelled between two later applications
        ("SQ900000009", k5, "四川", "2014-02-01", "2019-06-30"),
        ("SQ900000010", k5, "四川省", "2018-03-01", "2022-01-01"),
        ("SQ900000011", k5, "广东", "2020-05-05", ""),
        ("SQ900000012", k5, "440000", "2023-01-01", ""),
        # live cards in the same and in another province: cross-province wins, earliest other one named
        ("SQ900000013", k6, "河南", "2016-01-01", ""),
        ("SQ900000014", k6, "广东", "2017-01-01", ""),
        ("SQ900000015", k6, "广东", "2018-01-01", ""),
        # an unusable first application takes no part in matching
        ("SQ900000016", k7, "火星", "2016-01-01", ""),
        ("SQ900000017", k7, "湖北", "2017-01-01", ""),
        # spaces and a lower-case x still match the plain number
        ("SQ900000018", f"{k8[:6]} {k8[6:14]} {k8[14:].lower()}", "湖南", "2019-01-01", ""),
        ("SQ900000019", k8, "Hunan", "20190201", ""),
        # applied elsewhere one day before the old card was cancelled
        ("SQ900000020", k9, "安徽", "2015-06-01", "2021-03-01"),
        ("SQ900000021", k9, "上海", "2021-02-28", ""),
        # a wrong check character and no ID copy on one row
        ("SQ900000022", k10_bad, "广东", "2022-02-02", ""),
        # one application_id used for two different persons
        ("SQ900000023", k11a, "福建", "2019-03-03", ""),
        ("SQ900000023", k11b, "江西", "2019-04-04", ""),
    ]
    expected = [
        ("SQ900000002", "duplicate_card", "SQ900000001"),
        ("SQ900000004", "cross_province_conflict", "SQ900000003"),
        ("SQ900000006", "duplicate_card", "SQ900000005"),
        ("SQ900000010", "duplicate_card", "SQ900000009"),
        ("SQ900000011", "cross_province_conflict", "SQ900000010"),
        ("SQ900000012", "duplicate_card", "SQ900000011"),
        ("SQ900000014", "cross_province_conflict", "SQ900000013"),
        ("SQ900000015", "cross_province_conflict", "SQ900000013"),
        ("SQ900000016", "invalid_record", ""),
        ("SQ900000019", "duplicate_card", "SQ900000018"),
        ("SQ900000021", "cross_province_conflict", "SQ900000020"),
        ("SQ900000022", "invalid_id", ""),
        ("SQ900000022", "incomplete_documents", ""),
        ("SQ900000023", "invalid_record", ""),
        ("SQ900000023", "invalid_record", ""),
    ]
    records = []
    for i, (app, idn, prov, applied, cancelled) in enumerate(rows):
        records.append(
            {
                "application_id": app, "id_number": idn, "name": SURNAMES[i] + GIVEN[i], "province": prov,
                "city": "", "applied_on": applied, "cancelled_on": cancelled, "has_second_gen_id": "是",
                "id_copy": "否" if app == "SQ900000022" else "是", "household_register_copy": "否",
                "special_category": "", "special_documents": "",
            }
        )
    return records, expected


def generate(persons: int = 18000, seed: int = 20261127) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic applications (contract column names, all text) and their expected flags."""
    rng = np.random.default_rng(seed)
    edge_rows, edge_expected = _edge_cases()
    reserved = {normalize for r in edge_rows for normalize in [str(r["id_number"])]}
    reserved |= {"11010519491231002X", "130503196704010016"}
    people = _people(rng, persons, reserved)
    rows = _plant_faults(rng, _template_rows(rng, people))
    n = len(rows)

    numbers = rng.permutation(n) + 100000001
    same_day = np.flatnonzero((rows["template"] == "same_day").to_numpy())
    if len(same_day):
        order = np.lexsort((rows["step"].to_numpy()[same_day], rows["person"].to_numpy()[same_day]))
        pairs = same_day[order].reshape(-1, 2)
        nums = np.sort(numbers[pairs], axis=1)
        numbers[pairs[:, 0]], numbers[pairs[:, 1]] = nums[:, 0], nums[:, 1]
    app_id = "SQ" + pd.Series(numbers).astype("str")

    codes = rows["province_code"].astype("str")
    city_names = codes.map({p: v[0] for p, v in COUNTIES.items()})
    out = pd.DataFrame(
        {
            "application_id": app_id,
            "id_number": _id_text(rng, rows, people),
            "name": _names(rng, len(people))[rows["person"].to_numpy()],
            "province": _province_text(rng, codes),
            "city": city_names.where(rng.random(n) < 0.8, ""),
            "applied_on": _date_text(rng, rows["applied"]),
            "cancelled_on": _date_text(rng, rows["cancelled"]).fillna(""),
            **_documents(rng, rows),
        }
    )
    _record_faults(rng, rows, out)

    step_id = pd.Series(app_id.to_numpy(), index=pd.MultiIndex.from_arrays([rows["person"], rows["step"]]))
    person_level = rows["expect_flag"] != ""
    conflict_ids = step_id.reindex(
        pd.MultiIndex.from_arrays([rows["person"][person_level], rows["expect_conflict_step"][person_level]])
    ).to_numpy()
    expected = [
        pd.DataFrame({"application_id": app_id[person_level], "flag": rows["expect_flag"][person_level],
                      "conflicts_with": conflict_ids}),
        pd.DataFrame({"application_id": out["application_id"][rows["id_fault"].notna()], "flag": "invalid_id"}),
        pd.DataFrame({"application_id": out["application_id"][rows["record_fault"].notna()], "flag": "invalid_record"}),
        pd.DataFrame({"application_id": app_id[rows["document_fault"].notna()], "flag": "incomplete_documents"}),
        pd.DataFrame(edge_expected, columns=["application_id", "flag", "conflicts_with"]),
    ]
    expected = pd.concat(expected, ignore_index=True).fillna({"conflicts_with": ""})
    expected = expected.sort_values(["application_id", "flag"], kind="stable").reset_index(drop=True)

    frame = pd.concat([out, pd.DataFrame(edge_rows)], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    return frame.astype("str").fillna(""), expected


def write_sample(out_dir: str | Path = config.SAMPLE_DIR, seed: int = 20261127, persons: int = 18000) -> list[Path]:
    """Write applications.csv (UTF-8 with BOM, Chinese headers, as Excel saves it) and expected_flags.csv."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame, expected = generate(persons=persons, seed=seed)
    apps = out_dir / "applications.csv"
    frame.rename(columns=CHINESE_HEADERS).to_csv(apps, index=False, encoding="utf-8-sig")
    exp = out_dir / "expected_flags.csv"
    expected.to_csv(exp, index=False, encoding="utf-8")
    return [apps, exp]
