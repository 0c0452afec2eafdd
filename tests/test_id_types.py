"""Card holders who are not mainland citizens (docs/data-contract.md): types, checks, keys, nationalities, and the
rules, masking and summary applied to their keys."""

import json
import re

import pandas as pd
import pytest

from analysis import id_types, labels
from analysis.contract import FileFacts, normalized_schema
from analysis.export import summary
from analysis.ids import OTHER_IDS
from analysis.load import load_applications
from analysis.normalize import normalize
from analysis.privacy import mask_ids
from analysis.rules import flag_applications

from .helpers import P1, app, as_set, run_cli

HK, TW = "810000199408230021", "830000199201300022"  # Hong Kong and Taiwan residence permits
PR_2023, PR_OLD = "911398199012310021", "KAZ110090123105"  # foreign permanent residence: 2023 and older forms
PASSPORT = "E12345678"


def normalized(rows: list[dict]) -> tuple[pd.DataFrame, FileFacts]:
    raw = pd.DataFrame([{"province": "44", "applied_on": "2023-05-01", **r} for r in rows])
    raw["application_id"] = [str(i) for i in range(len(raw))]
    facts = FileFacts()
    out = normalize(raw, "csv", facts=facts)
    normalized_schema().validate(out)
    return out, facts


def one(number: str, id_type: str | None = None, nationality: str | None = None) -> pd.Series:
    row = {"id_number": number, "id_type": id_type}
    if nationality is not None:
        row["nationality"] = nationality
    return normalized([row])[0].iloc[0]


@pytest.mark.parametrize(
    "number, id_type, kind, key",
    [
        (HK, None, "hmt_permit", HK),
        (HK, "港澳台居民居住证", "hmt_permit", HK),
        (TW, " 台湾居民居住证 ", "hmt_permit", TW),
        (PR_2023, None, "foreign_pr", PR_2023),
        (PR_2023, "外国人永久居留身份证", "foreign_pr", PR_2023),
        (PR_OLD, None, "foreign_pr", "foreign_pr:" + PR_OLD),
        (PR_OLD.lower(), "永居证", "foreign_pr", "foreign_pr:" + PR_OLD),
        (PASSPORT, "护照", "passport", "passport:" + PASSPORT),
        (PASSPORT, "PassPort", "passport", "passport:" + PASSPORT),
        ("ab 12", "外国人社会保障号码", "foreign_ssn", "foreign_ssn:AB12"),
        ("H12345678", "回乡证", "travel_permit", "travel_permit:H12345678"),
        ("12345678", "台胞证", "travel_permit", "travel_permit:12345678"),
        ("A1234567", "台湾居民来往大陆通行证", "travel_permit", "travel_permit:A1234567"),
        (P1, "居民身份证", "citizen", P1),
        (P1, None, "citizen", P1),
        (P1, "护照", "passport", "passport:" + P1),  # a citizen number typed 护照 passes as a passport
    ],
)
def test_each_type_and_its_key(number, id_type, kind, key):
    row = one(number, id_type)
    assert (row["id_type"], row["person_key"]) == (kind, key) and pd.isna(row["id_problem"])


def test_a_passport_key_carries_its_recognised_nationality():
    for nationality in ["DEU", "de", "276", "Germany", "德国", " germany "]:
        assert one(PASSPORT, "护照", nationality)["person_key"] == "passport:DEU:" + PASSPORT
    assert one(PASSPORT, "护照", "韩国")["person_key"] == "passport:KOR:" + PASSPORT  # the short-name table
    assert one(PASSPORT, "护照", "大韩民国")["person_key"] == "passport:KOR:" + PASSPORT  # pycountry's zh_CN
    _, facts = normalized([{"id_number": PASSPORT, "id_type": "护照", "nationality": "火星"}])
    assert facts.nationalities == {"火星": 1}
    assert "nationality: 1 value not recognised as a country" in facts.notes()[0]
    assert labels.note_zh(facts.notes()[0]).startswith("国籍：有 1 个值无法识别为国家")


def test_the_short_chinese_names_are_pycountry_countries():
    names = id_types.countries()["names"]
    for name, alpha3 in id_types.CHINESE_SHORT.items():
        assert alpha3 in id_types.countries()["alpha_3"], name
        assert names[name] == alpha3


@pytest.mark.parametrize(
    "number, id_type, problem",
    [
        (PASSPORT, None, "a passport number needs an id_type column"),
        ("810000199408230022", None, "check character does not match (ISO 7064 MOD 11-2)"),
        ("810000209908230021", "港澳居民居住证", "birth date in the ID number is after the application date"),
        ("81000019940823002", "港澳居民居住证", id_types.FORM["hmt_permit"]),
        ("910398199012310021", None, "characters 2-3 of a foreign_pr number are not a province-level code"),
        (
            "911999199012310021",
            None,
            "characters 4-6 of a foreign_pr number are not an ISO 3166-1 numeric country code",
        ),
        ("983398199012310021", None, "characters 2-3 of a foreign_pr number are not a province-level code"),
        ("ZZZ110090123105", None, "the letters of a foreign_pr number are not an ISO 3166-1 alpha-3 country code"),
        ("KAZ110091323105", "永居证", "characters 8-13 of a foreign_pr number are not a date (YYMMDD)"),
        ("E1234", "外国人永久居留证", id_types.FORM["foreign_pr"] + "; the number looks like a passport number"),
        ("E123", "护照", id_types.FORM["passport"]),
        ("A" * 21, "foreign_ssn", id_types.FORM["foreign_ssn"]),
        ("E12345678", "回乡证", id_types.FORM["travel_permit"] + "; the number looks like a passport number"),
        (
            PR_2023,
            "居民身份证",
            "first two digits are not a province-level code of GB/T 2260; the number looks like a foreign_pr number",
        ),
        (PR_2023, "护照", None),  # 18 letters and digits: a passport's form
        (HK, "外国人永久居留身份证", id_types.FORM["foreign_pr"] + "; the number looks like a hmt_permit number"),
    ],
)
def test_each_failure_says_why(number, id_type, problem):
    row = one(number, id_type)
    if problem is None:
        assert pd.isna(row["id_problem"])
        return
    assert row["id_problem"] == problem and pd.isna(row["person_key"]) and row["person_id"] == -1
    assert all(
        re.search(r"[\u4e00-\u9fff]", part) for part in labels.reason_zh(pd.Series([problem])).iloc[0].split("；")
    )


def test_the_older_form_reads_its_date_in_the_right_century():
    assert pd.isna(one("KAZ110090123105", "永居证")["id_problem"])  # 901231: 2090 is after 2023, so 1990
    assert pd.isna(one("KAZ110010123105", "永居证")["id_problem"])  # 101231: 2010


def test_an_unknown_id_type_is_an_invalid_record_and_its_number_is_not_checked():
    row = one("not a number", "外星证")
    assert row["record_problem"] == "id_type '外星证' is not a known document type"
    assert pd.isna(row["id_problem"]) and pd.isna(row["person_key"]) and pd.isna(row["id_type"])
    assert labels.reason_zh(pd.Series([row["record_problem"]])).iloc[0] == "证件类型 '外星证' 无法识别"


def test_person_ids_are_unique_per_key_and_above_every_citizen_body():
    rows = [{"id_number": n, "id_type": t} for n, t in [(PASSPORT, "护照"), ("X1", "foreign_ssn"), (PASSPORT, "护照")]]
    frame, _ = normalized([*rows, {"id_number": PR_OLD}, {"id_number": P1}, {"id_number": PR_2023}])
    ids = frame["person_id"].tolist()
    assert ids[0] == ids[2] and len(set(ids)) == 5
    assert min(ids[:4]) >= OTHER_IDS > max(ids[4:]) >= 0


def test_id_types_are_counted_alike_by_normalize_and_the_first_pass():
    rows = [
        {"id_number": n, "id_type": t}
        for n, t in [(HK, None), (PR_2023, None), (PR_OLD, None), (PASSPORT, "护照"), (P1, None), ("x", "外星证")]
    ]
    raw = pd.DataFrame([{"province": "44", "applied_on": "2023-05-01", "application_id": "1", **r} for r in rows])
    facts = FileFacts()
    normalize(raw, "csv", facts=facts)
    expected = {"hmt_permit": 1, "foreign_pr": 2, "passport": 1, "citizen": 1, "unknown": 1}
    assert facts.id_types == expected


def test_rules_apply_to_every_key(write_records):
    rows = [
        app("A", PASSPORT, "河南", "2020-01-01", id_type="护照", nationality="DEU"),
        app("B", PASSPORT, "广东", "2021-01-01", id_type="护照", nationality="德国"),
        app("C", PASSPORT, "广东", "2021-01-01", id_type="护照", nationality="FRA"),  # another country's passport
        app("D", HK, "广东", "2020-01-01"),
        app("E", HK, "广东", "2021-01-01", id_type="港澳台居民居住证"),
    ]
    loaded = load_applications(write_records(rows))
    flags = flag_applications(loaded.frame, check_documents=loaded.report.documents_checked)
    assert set(as_set(flags)) == {("B", "cross_province_conflict", "A"), ("E", "duplicate_card", "D")}
    result = summary(loaded.report, flags)
    assert result["id_types"] == {"hmt_permit": 2, "passport": 3}


def test_masking_keeps_the_type_and_the_last_four():
    keys = pd.Series(["passport:DEU:" + PASSPORT, "foreign_ssn:AB12", "foreign_pr:" + PR_OLD, HK], dtype="str")
    assert mask_ids(keys).tolist() == [
        "passport:DEU:*****5678",
        "foreign_ssn:****",
        "foreign_pr:***********3105",
        "810000********0021",
    ]


def test_flags_csv_and_summary_of_a_file_with_other_types(write_records, tmp_path):
    rows = [
        app("A", PASSPORT, "河南", "2020-01-01", id_type="护照"),
        app("B", PASSPORT, "广东", "2021-01-01", id_type="护照"),
    ]
    code, _, _ = run_cli("flag", write_records(rows), "--out", tmp_path / "out")
    assert code == 0
    flags = pd.read_csv(tmp_path / "out" / "flags.csv", dtype=str)
    assert flags["person_key"].tolist() == ["passport:*****5678"]
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["id_types"] == {"passport": 2}


# ---------------------------------------------------------------- end to end: `python -m analysis flag` on a file

WITH_TYPES = [
    app("A", PASSPORT, "河南", "2020-01-01", id_type="护照", nationality="德国"),
    app("B", PASSPORT, "广东", "2021-01-01", id_type="护照", nationality="DEU"),  # A's card still live
    app("C", HK, "广东", "2020-03-01", id_type="港澳台居民居住证", nationality="中国"),
    app("D", HK, "广东省", "2021-03-01", id_type="", nationality="中国"),  # the number says hmt_permit
    app("E", PR_2023, "上海", "2021-05-01", id_type="居民身份证", nationality="哈萨克斯坦"),
    app("F", "810000199408230022", "广东", "2021-06-01", id_type="港澳台居民居住证"),
    app("G", "911999199012310021", "北京", "2021-07-01", id_type="外国人永久居留身份证", nationality="KAZ"),
    app("H", "G87654321", "浙江", "2021-08-01", id_type="", nationality="法国"),
    app("I", "军字第1234567号", "四川", "2021-09-01", id_type="军官证"),
    app("J", PR_OLD, "北京", "2021-10-01", id_type="永居证", nationality="KAZ"),
    app("K", P1, "北京", "2021-11-01", id_type="居民身份证"),
    app("L", "H12345678", "广东", "2022-01-01", id_type="港澳居民来往内地通行证"),
    app("M", "H12345678", "广东", "2022-02-01", "2022-03-01", id_type="回乡证"),  # L's card still live
]


def live(app_id: str, day: str, province: str) -> str:
    return f"card application {app_id} of {day} in {province} is still live (never cancelled)"


WITH_TYPES_FLAGS = {
    ("B", "cross_province_conflict", "passport:DEU:*****5678", "A", live("A", "2020-01-01", "河南 41")),
    ("D", "duplicate_card", "810000********0021", "C", live("C", "2020-03-01", "广东 44")),
    (
        "E",
        "invalid_id",
        "",
        "",
        "first two digits are not a province-level code of GB/T 2260; the number looks like a foreign_pr number",
    ),
    ("F", "invalid_id", "", "", "check character does not match (ISO 7064 MOD 11-2)"),
    ("G", "invalid_id", "", "", id_types.PR_COUNTRY),
    ("H", "invalid_id", "", "", id_types.NEEDS_ID_TYPE),
    ("I", "invalid_record", "", "", "id_type '军官证' is not a known document type"),
    ("M", "duplicate_card", "travel_permit:*****5678", "L", live("L", "2022-01-01", "广东 44")),
}
WITH_TYPES_COUNTS = {"passport": 2, "hmt_permit": 3, "citizen": 3, "foreign_pr": 2, "travel_permit": 2, "unknown": 1}
WITHOUT_TYPES = [  # no id_type column: the number says the type
    app("A", HK, "广东", "2020-01-01"),
    app("B", HK, "广东", "2021-01-01"),
    app("C", PR_2023, "北京", "2020-01-01"),
    app("D", PR_2023, "上海", "2021-01-01"),
    app("E", PR_OLD, "北京", "2021-01-01"),
    app("F", PASSPORT, "广东", "2021-01-01"),
    app("G", P1, "北京", "2021-01-01"),
]
WITHOUT_TYPES_FLAGS = {
    ("B", "duplicate_card", "810000********0021", "A", live("A", "2020-01-01", "广东 44")),
    ("D", "cross_province_conflict", "911398********0021", "C", live("C", "2020-01-01", "北京 11")),
    ("F", "invalid_id", "", "", id_types.NEEDS_ID_TYPE),
}
WITHOUT_TYPES_COUNTS = {"hmt_permit": 2, "foreign_pr": 3, "citizen": 2}


def flag_file(path, out) -> tuple[set, dict, bytes]:
    code, _, err = run_cli("flag", path, "--out", out)
    assert code == 0, err
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rows = flags[["application_id", "flag", "person_key", "conflicts_with", "detail"]].itertuples(index=False)
    return set(map(tuple, rows)), json.loads((out / "summary.json").read_text(encoding="utf-8")), flags


@pytest.mark.parametrize(
    "rows, answers, counts",
    [(WITH_TYPES, WITH_TYPES_FLAGS, WITH_TYPES_COUNTS), (WITHOUT_TYPES, WITHOUT_TYPES_FLAGS, WITHOUT_TYPES_COUNTS)],
    ids=["with id_type", "without id_type"],
)
def test_the_flag_command_gives_the_contract_answers_in_every_format(write_records, tmp_path, rows, answers, counts):
    outputs = []
    for kind in ["gb18030", "xlsx", "parquet"]:
        path = write_records(
            rows, kind, chinese=True, name=f"applications-{kind}.{'csv' if kind == 'gb18030' else kind}"
        )
        if kind == "gb18030":
            header = path.read_bytes().decode("gb18030").splitlines()[0]
            assert ("证件类型" in header and "国籍" in header) == ("id_type" in rows[0])
        found, result, flags = flag_file(path, tmp_path / kind)
        assert found == answers, kind
        assert result["id_types"] == counts, kind
        assert result["rows_read"] == len(rows)
        outputs.append(flags.drop(columns="row"))
    for other in outputs[1:]:
        pd.testing.assert_frame_equal(other, outputs[0])
