"""Provinces: every accepted form maps to the two-digit GB/T 2260 code."""

import pandas as pd
import pytest

from analysis import provinces
from analysis.provinces import ABBREVIATIONS, PROVINCES, label, place_names, province_codes


@pytest.mark.parametrize(
    "value, code",
    [
        ("44", "44"),
        ("440000", "44"),
        ("广东", "44"),
        ("广东省", "44"),
        ("Guangdong", "44"),
        (" guangdong province ", "44"),
        ("广西", "45"),
        ("广西壮族自治区", "45"),
        ("Inner Mongolia", "15"),
        ("Nei Mongol", "15"),
        ("内蒙古", "15"),
        ("Tibet", "54"),
        ("Xizang", "54"),
        ("Shanxi", "14"),
        ("山西", "14"),
        ("Shaanxi", "61"),
        ("陕西省", "61"),
        ("北京市", "11"),
        ("Hong Kong", "81"),
        ("澳门", "82"),
        ("44.0", "44"),  # a code that passed through a spreadsheet number cell
        # the insured place instead of the province: a city or county code, its first two digits
        ("4403", "44"),
        ("440300", "44"),
        ("440305", "44"),
        ("440300.0", "44"),
        ("6101", "61"),
        ("110105", "11"),
        # a name that begins with a province's full or short name
        ("广东省深圳市", "44"),
        ("广东深圳", "44"),
        ("广东 深圳", "44"),
        ("北京市朝阳区", "11"),
        ("广西壮族自治区南宁市", "45"),
        ("内蒙古呼和浩特", "15"),
        ("陕西西安", "61"),
        ("山西太原", "14"),
        ("广东X", "44"),  # only the beginning is read
        # one-character abbreviations, both of the provinces that have two
        ("粤", "44"),
        ("京", "11"),
        ("蒙", "15"),
        ("川", "51"),
        ("蜀", "51"),
        ("贵", "52"),
        ("黔", "52"),
        ("陕", "61"),
        ("秦", "61"),
        ("晋", "14"),
        ("港", "81"),
        # a city or county name alone, of one province only
        ("深圳市", "44"),
        ("浦东新区", "31"),
        ("石家庄市", "13"),
        ("乌鲁木齐市", "65"),
        # names of places that begin like another province's name: the place wins
        ("河北区", "12"),  # a district of Tianjin, not Hebei
        ("海南藏族自治州", "63"),  # a prefecture of Qinghai, not Hainan
        ("河南蒙古族自治县", "63"),  # a county of Qinghai, not Henan
    ],
)
def test_accepted_forms(value, code):
    assert province_codes(pd.Series([value], dtype="str")).iloc[0] == code


@pytest.mark.parametrize(
    "value",
    [
        "火星",
        "Atlantis",
        "99",
        "",
        None,
        "4",
        "440",  # neither a province code nor a city or county code
        "44030",
        "4403000",
        "9901",  # a city code whose first two digits are no province
        "990100",
        "830000",  # 83 starts ID numbers of Taiwan residents, but is no province
        "朝阳区",  # a district of Beijing and of Changchun: which one is not known
        "市辖区",  # in every province
        "崇文区",  # a former district of Beijing (to 2010): only names in use count
        "粤B",  # an abbreviation only alone
        "深圳",  # a city name only as GB/T 2260 writes it
    ],
)
def test_unknown_values_are_missing(value):
    assert pd.isna(province_codes(pd.Series([value], dtype="str")).iloc[0])


def test_place_names_come_from_stdnum_and_belong_to_one_province():
    names = place_names()
    assert names["深圳市"] == "44" and names["浦东新区"] == "31" and names["河北区"] == "12"
    assert "朝阳区" not in names and "市辖区" not in names and "崇文区" not in names
    assert len(names) > 3000
    assert set(names.values()) <= set(PROVINCES["code"])
    assert provinces.divisions()["440300"] == ["深圳市"]


def test_abbreviations_cover_every_province_level_division():
    assert set(ABBREVIATIONS.values()) == set(PROVINCES["code"])
    assert all(len(a) == 1 for a in ABBREVIATIONS)


def test_each_distinct_value_is_looked_up_once(monkeypatch):
    """Matching stays vectorized: one look-up per distinct value, however many rows hold it."""
    seen = []
    lookup = provinces._lookup_one
    monkeypatch.setattr(provinces, "_lookup_one", lambda v: seen.append(v) or lookup(v))
    values = pd.Series(["广东省深圳市", "深圳市", "粤", "440300", "朝阳区"] * 20_000, dtype="str")
    codes = province_codes(values)
    assert sorted(seen) == sorted(["广东省深圳市", "深圳市", "粤", "440300", "朝阳区"])
    assert codes.iloc[:5].tolist()[:4] == ["44"] * 4 and pd.isna(codes.iloc[4])
    assert codes.notna().sum() == 80_000


def test_read_provinces_gives_codes_text_or_categorical_and_place_forms_once():
    """One encoding for the codes and the load report's place forms: the same codes as province_codes (or, for the
    flag command's frame, as code_categorical of them), and the cells per place form as value_counts counts them."""
    from analysis.provinces import code_categorical, read_provinces

    values = pd.Series(["广东", "深圳市", None, "粤", "深圳市", "火星", "44", "440300", "Guangdong"], dtype="str")
    codes, places = read_provinces(values)
    assert codes.tolist()[:2] == ["44", "44"] and pd.isna(codes.iloc[2]) and pd.isna(codes.iloc[5])
    assert places == {"深圳市": 2, "粤": 1, "440300": 1}
    as_categories, same = read_provinces(values, categorical=True)
    pd.testing.assert_series_equal(as_categories, code_categorical(codes))
    assert same == places and code_categorical(as_categories) is as_categories


def test_table_has_the_34_province_level_divisions():
    assert len(PROVINCES) == 34
    assert PROVINCES["code"].is_unique
    assert set(PROVINCES["code"]) >= {"11", "15", "31", "44", "54", "61", "65", "71", "81", "82"}


def test_every_name_in_the_table_maps_back_to_its_code():
    for column in ["name_zh", "short_zh", "name_en", "code"]:
        assert (province_codes(PROVINCES[column].astype("str")) == PROVINCES["code"]).all(), column


def test_label():
    assert label("44") == "广东"
    assert label("61", english=True) == "陕西 Shaanxi"


def test_code_categorical_is_astype_of_the_code_categories():
    """The flag command's province_code: the same categorical as the plain astype, missing values included."""
    from analysis.provinces import CODE_CATEGORIES, code_categorical

    codes = pd.Series(["44", None, "11", "44", "82", None], dtype="str", name="province_code")
    got = code_categorical(codes)
    pd.testing.assert_series_equal(got, codes.astype(CODE_CATEGORIES))
    assert got.cat.codes.tolist() == [CODE_CATEGORIES.categories.get_loc("44"), -1, 0, got.cat.codes[0], 33, -1]
    pd.testing.assert_series_equal(got.astype("str"), codes)
    assert code_categorical(pd.Series([], dtype="str")).tolist() == []
