"""Provinces: every accepted form maps to the two-digit GB/T 2260 code."""

import pandas as pd
import pytest

from analysis.provinces import PROVINCES, label, province_codes


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
    ],
)
def test_accepted_forms(value, code):
    assert province_codes(pd.Series([value], dtype="str")).iloc[0] == code


@pytest.mark.parametrize("value", ["火星", "Atlantis", "99", "广东X", "", None, "4"])
def test_unknown_values_are_missing(value):
    assert pd.isna(province_codes(pd.Series([value], dtype="str")).iloc[0])


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
