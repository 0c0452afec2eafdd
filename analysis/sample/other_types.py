"""Card holders who are not mainland citizens (docs/data-contract.md, "Card holders who are not mainland
citizens"): a small share of persons holding a Hong Kong, Macao or Taiwan residence permit, a foreign permanent
residence card (2023 and older forms), a passport, a foreign social security number or a travel permit, in the
Chinese forms exports write their id_type and nationality; their templates (one card, a duplicate, a cross-province
conflict, a lawful transfer) and faults, with the flags each must get."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ids import check_characters
from .forms import date_text, documents, names, province_text
from .people import pick, random_days
from .tables import MIGRANT_DESTINATIONS

SHARE = 0.015  # of persons

# id_type as exports write it (the contract's Chinese values)
WORDS = {
    "citizen": "居民身份证",
    "hmt_permit": "港澳台居民居住证",
    "foreign_pr": "外国人永久居留身份证",
    "passport": "护照",
    "foreign_ssn": "外国人社会保障号码",
    "travel_permit": "港澳居民来往内地通行证",
}
KINDS = {"hmt_permit": 0.45, "foreign_pr": 0.15, "passport": 0.2, "foreign_ssn": 0.05, "travel_permit": 0.15}
TEMPLATES = {"single": 0.82, "duplicate": 0.06, "cross": 0.06, "lawful_transfer": 0.06}
# faults, each with the type it is planted on and the flag it must get
FAULTS = {
    "permit check character": ("hmt_permit", "invalid_id"),
    "unknown country code": ("foreign_pr", "invalid_id"),
    "passport without id_type": ("passport", "invalid_id"),
    "unknown id_type": ("passport", "invalid_record"),
    "9 number typed citizen": ("foreign_pr", "invalid_id"),
}
FAULT_SHARE = 0.08  # of single applications of a type that has faults
# every sample holds each of these persons whatever its size: (type, template, fault)
ALWAYS = [
    ("hmt_permit", "duplicate", None),
    ("passport", "cross", None),
    ("foreign_pr", "single", None),
    ("foreign_ssn", "single", None),
    ("travel_permit", "lawful_transfer", None),
    *[(kind, "single", fault) for fault, (kind, _) in FAULTS.items()],
]
# (ISO 3166-1 numeric, alpha-3, Chinese name, English name)
COUNTRIES = [
    ("410", "KOR", "韩国", "Korea, Republic of"),
    ("392", "JPN", "日本", "Japan"),
    ("840", "USA", "美国", "United States"),
    ("276", "DEU", "德国", "Germany"),
    ("250", "FRA", "法国", "France"),
    ("826", "GBR", "英国", "United Kingdom"),
    ("643", "RUS", "俄罗斯", "Russian Federation"),
    ("398", "KAZ", "哈萨克斯坦", "Kazakhstan"),
    ("704", "VNM", "越南", "Viet Nam"),
    ("702", "SGP", "新加坡", "Singapore"),
    ("124", "CAN", "加拿大", "Canada"),
    ("036", "AUS", "澳大利亚", "Australia"),
]
LATIN = ["KIM MINJUN", "SATO YUKI", "SMITH JOHN", "MULLER ANNA", "MARTIN LEA", "IVANOV ILYA", "NGUYEN AN", "TAN WEI"]
NAT = np.datetime64("NaT", "D")


def _with_check(body: pd.Series) -> pd.Series:
    return body + pd.Series(check_characters(body).view("S1").astype(str), index=body.index, dtype="str")


def _digits(rng: np.random.Generator, n: int, width: int) -> pd.Series:
    return pd.Series(rng.integers(0, 10**width, size=n), dtype="int64").astype("str").str.zfill(width)


def plan(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """One row per person: type, template, fault (the ALWAYS persons first, then drawn ones)."""
    m = max(0, n - len(ALWAYS))
    kind = pick(rng, KINDS, m).astype(object)
    template = pick(rng, TEMPLATES, m).astype(object)
    fault = np.full(m, None, dtype=object)
    for name, (on, _) in FAULTS.items():
        here = (kind == on) & (template == "single") & (rng.random(m) < FAULT_SHARE / 2) & (fault == None)  # noqa: E711
        fault[here] = name
    fixed = pd.DataFrame(ALWAYS, columns=["kind", "template", "fault"])
    drawn = pd.DataFrame({"kind": kind, "template": template, "fault": fault})
    return pd.concat([fixed, drawn], ignore_index=True).astype(object)


def numbers(rng: np.random.Generator, people: pd.DataFrame, home: np.ndarray) -> pd.DataFrame:
    """Each person's number, id_type and nationality cells, and person key (None for a faulted number)."""
    n = len(people)
    kind = people["kind"].to_numpy()
    country = rng.integers(0, len(COUNTRIES), size=n)
    numeric, alpha3, zh, en = (np.array([c[i] for c in COUNTRIES], dtype=object)[country] for i in range(4))
    birth = pd.Series(random_days(rng, np.datetime64("1950-01-01"), np.datetime64("2004-12-31"), n))
    ymd = birth.dt.strftime("%Y%m%d").astype("str")
    seq = _digits(rng, n, 3)
    hmt = pd.Series(np.array(["810000", "820000", "830000"], dtype=object)[rng.choice(3, size=n, p=[0.6, 0.15, 0.25])])
    hmt[0] = "810000"  # ALWAYS[0]: a Hong Kong permit holder applying twice in one province
    number = pd.Series("", index=range(n), dtype="str")
    at = kind == "hmt_permit"
    number[at] = _with_check(hmt + ymd + seq)[at]
    fault = people["fault"].to_numpy()
    new_pr = (rng.random(n) < 0.7) | np.isin(fault, ["unknown country code", "9 number typed citizen"])
    at = (kind == "foreign_pr") & new_pr
    number[at] = _with_check("9" + pd.Series(home, dtype="str") + pd.Series(numeric, dtype="str") + ymd + seq)[at]
    at = (kind == "foreign_pr") & ~new_pr
    number[at] = (pd.Series(alpha3, dtype="str") + _digits(rng, n, 4) + ymd.str.slice(2) + _digits(rng, n, 2))[at]
    at = kind == "passport"
    letters = pd.Series(np.array(list("CEGKPS"), dtype=object)[rng.integers(0, 6, size=n)], dtype="str")
    number[at] = (letters + _digits(rng, n, 8))[at]
    at = kind == "foreign_ssn"
    number[at] = ("F" + pd.Series(home, dtype="str") + _digits(rng, n, 12))[at]
    at = kind == "travel_permit"
    hm = pd.Series(np.where(rng.random(n) < 0.8, "H", "M"), dtype="str")
    number[at] = (hm + _digits(rng, n, 8))[at]

    id_type = pd.Series([WORDS[k] for k in kind], dtype="str")
    inferable = np.isin(kind, ["hmt_permit", "foreign_pr"]) & (rng.random(n) < 0.15)
    id_type[inferable] = ""  # the number says its type
    foreign = np.isin(kind, ["foreign_pr", "passport", "foreign_ssn"])
    form = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])
    nationality = np.where(form == 0, zh, np.where(form == 1, alpha3, en))
    nationality = np.where(foreign, nationality, np.where(kind == "hmt_permit", "中国", ""))
    nationality[(kind == "passport") & (rng.random(n) < 0.1)] = ""  # a passport key without a country
    key = number.copy()
    at = ~np.isin(kind, ["hmt_permit"]) & ~((kind == "foreign_pr") & new_pr)
    key[at] = (pd.Series(kind, dtype="str") + ":" + number)[at]
    at = (kind == "passport") & (nationality != "")
    key[at] = ("passport:" + pd.Series(alpha3, dtype="str") + ":" + number)[at]

    at = fault == "permit check character"
    number[at] = number[at].str.slice(0, 17) + number[at].str.slice(17).map(lambda c: "1" if c == "0" else "0")
    at = fault == "unknown country code"
    number[at] = _with_check(number[at].str.slice(0, 3) + "999" + number[at].str.slice(6, 17))
    id_type[fault == "passport without id_type"] = ""
    at = fault == "unknown id_type"  # its number is not checked
    id_type[at], number[at] = "军官证", ("军字第" + _digits(rng, n, 7) + "号")[at]
    id_type[fault == "9 number typed citizen"] = WORDS["citizen"]
    key[pd.notna(fault)] = None
    return pd.DataFrame({"id_number": number, "id_type": id_type, "nationality": nationality, "key": key})


def other_holders(
    rng: np.random.Generator, n: int, export: np.datetime64
) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """Applications of n card holders who are not mainland citizens, all on or before the export date, and the
    flags they must get."""
    people = plan(rng, n)
    m = len(people)
    home = pick(rng, MIGRANT_DESTINATIONS, m)
    ids = numbers(rng, people, home)
    for _ in range(20):  # at a million rows some drawn numbers meet: draw those persons' numbers again
        clash = (ids["key"].notna() & ids["key"].duplicated(keep="first")).to_numpy()
        if not clash.any():
            break
        again = numbers(rng, people[clash].reset_index(drop=True), home[clash])
        ids.loc[clash, list(again.columns)] = again.to_numpy()
    else:
        raise RuntimeError("two synthetic card holders share a person key")
    latin = np.array(LATIN, dtype=object)[rng.integers(0, len(LATIN), size=m)]
    person_name = np.where(people["kind"].isin(["hmt_permit", "travel_permit"]), names(rng, m), latin)
    first = random_days(rng, np.datetime64("2015-01-01"), export - np.timedelta64(1000, "D"), m)
    rows = []
    for i, person in people.iterrows():
        t = person["template"]
        if t == "single":
            day = random_days(rng, np.datetime64("2015-01-01"), export, 1)[0]
            end = day + np.timedelta64(int(rng.integers(30, 2000)), "D") if rng.random() < 0.1 else NAT
            steps = [(home[i], day, end)]
        elif t == "lawful_transfer":
            end = first[i] + np.timedelta64(int(rng.integers(100, 900)), "D")
            again = end + np.timedelta64(int(rng.integers(0, 90)), "D")
            other = pick(rng, {k: v for k, v in MIGRANT_DESTINATIONS.items() if k != home[i]}, 1)[0]
            steps = [(home[i], first[i], end), (other, again, NAT)]
        else:  # duplicate or cross: the first card is live when the second is applied for
            again = first[i] + np.timedelta64(int(rng.integers(1, 900)), "D")
            end = again + np.timedelta64(int(rng.integers(1, 500)), "D") if rng.random() < 0.3 else NAT
            other = home[i]
            if t == "cross":
                other = pick(rng, {k: v for k, v in MIGRANT_DESTINATIONS.items() if k != home[i]}, 1)[0]
            steps = [(home[i], first[i], end), (other, again, NAT)]
        for step, (province, day, end) in enumerate(steps):
            rows.append((i, step, t, province, day, end if end <= export else NAT))
    rows = pd.DataFrame(rows, columns=["person", "step", "template", "province_code", "applied", "cancelled"])
    app_id = "SQ" + pd.Series(rng.permutation(len(rows)) + 700000001).astype("str")
    person = rows["person"].to_numpy()
    special = np.where(people["kind"].isin(["hmt_permit", "travel_permit"]), "港澳台居民", "外籍人员")[person]
    docs = documents(rng, pd.DataFrame({"document_fault": pd.Series(pd.NA, index=rows.index, dtype="str")}))
    out = pd.DataFrame(
        {
            "application_id": app_id,
            "id_number": ids["id_number"].to_numpy()[person],
            "name": person_name[person],
            "province": province_text(rng, rows["province_code"].astype("str")),
            "city": "",
            "applied_on": date_text(rng, rows["applied"]),
            "cancelled_on": date_text(rng, rows["cancelled"]).fillna(""),
            **docs,
            "special_category": special,
            "special_documents": "是",
            "id_type": ids["id_type"].to_numpy()[person],
            "nationality": ids["nationality"].to_numpy()[person],
        }
    )
    expected = []
    for fault_name, (_, flag) in FAULTS.items():
        expected += [(a, flag, "") for a in app_id[people["fault"].to_numpy()[person] == fault_name]]
    second = (rows["step"] == 1).to_numpy()
    for t, flag in [("duplicate", "duplicate_card"), ("cross", "cross_province_conflict")]:
        at = np.flatnonzero(second & (rows["template"] == t).to_numpy())
        expected += [(app_id[j], flag, app_id[j - 1]) for j in at]  # step 0 is the row before
    return out, expected
