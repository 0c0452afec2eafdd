"""Hand-made persons for the contract's corner cases, with their expected flags."""

from __future__ import annotations

import numpy as np

from .people import make_ids
from .tables import GIVEN, SURNAMES


def _key(region: str, birth: str, seq: int) -> str:
    return make_ids(np.array([region], dtype=object), np.array([birth], dtype="datetime64[D]"), np.array([seq]))[0]


def hand_made_cases() -> tuple[list[dict], list[tuple[str, str, str]]]:
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
                "application_id": app,
                "id_number": idn,
                "name": SURNAMES[i] + GIVEN[i],
                "province": prov,
                "city": "",
                "applied_on": applied,
                "cancelled_on": cancelled,
                "has_second_gen_id": "是",
                "id_copy": "否" if app == "SQ900000022" else "是",
                "household_register_copy": "否",
                "special_category": "",
                "special_documents": "",
            }
        )
    return records, expected
