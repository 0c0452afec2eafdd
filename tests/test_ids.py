"""ID numbers: normalization, legacy upgrade, and each reason, with python-stdnum as the reference."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from analysis.ids import check_characters, normalize_text, validate_ids


def check(values, applied=None):
    s = pd.Series(values, dtype="str")
    a = None if applied is None else pd.Series(pd.to_datetime(applied), index=s.index)
    return validate_ids(s, a)


def key_of(value, applied="2020-01-01"):
    out = check([value], [applied])
    return out["person_key"].iloc[0], out["id_problem"].iloc[0]


def test_gb11643_example_is_valid():
    key, problem = key_of("11010519491231002X")
    assert key == "11010519491231002X"
    assert pd.isna(problem)


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and X
        "１１０１０５１９４９１２３１００２ｘ",  # full-width lower-case x
        "11010519491231002x",  # lower-case x
        " 110105 19491231 002X ",  # spaces anywhere
        "110105\u300019491231\u3000002X",  # ideographic spaces
        "1101 0519 4912 3100 2X",
    ],
)
def test_normalized_forms_give_the_same_person_key(raw):
    key, problem = key_of(raw)
    assert key == "11010519491231002X"
    assert pd.isna(problem)


def test_legacy_15_digit_number_is_upgraded_to_its_18_digit_form():
    key, problem = key_of("130503670401001")
    assert key == "130503196704010016"
    assert pd.isna(problem)
    assert key_of("130503196704010016")[0] == key


def test_county_part_is_not_checked():
    # python-stdnum's validate() rejects this real number because of its county code.
    with pytest.raises(ric.ValidationError):
        ric.validate("110111198012010078")
    assert key_of("110111198012010078")[0] == "110111198012010078"


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("110105194912310021", "check character does not match"),
        ("11010519491231002", "expected 18 characters"),
        ("1101051949123100211", "got 19 characters"),
        ("11010519491A31002X", "expected 18 characters"),
        ("", "empty"),
        ("991234198001010015", "province-level code"),
        ("000000198001010015", "province-level code"),
        ("110105198002300017", "not a calendar date"),
        ("110105189912310013", "before 1900-01-01"),
        ("110105202501010015", "after the application date"),
    ],
)
def test_each_reason(raw, reason):
    key, problem = key_of(raw, applied="2020-01-01")
    assert pd.isna(key)
    assert reason in problem


def test_birth_on_the_application_day_is_fine_and_the_day_after_is_not():
    body = "11010520200101001"
    number = body + ric.calc_check_digit(body + "0")
    assert pd.isna(key_of(number, applied="2020-01-01")[1])
    assert "after the application date" in key_of(number, applied="2019-12-31")[1]


def test_taiwan_residence_permit_prefix_83_is_accepted():
    body = "83000019900101001"
    number = body + ric.calc_check_digit(body + "0")
    assert key_of(number)[0] == number


def test_missing_application_date_skips_only_the_future_birth_check():
    out = check(["11010519491231002X", "110105194912310021"], [None, None])
    assert out["person_key"].iloc[0] == "11010519491231002X"
    assert "check character" in out["id_problem"].iloc[1]


def test_normalize_text_keeps_missing_values_missing():
    out = normalize_text(pd.Series(["ａ１ x", None], dtype="str"))
    assert out.iloc[0] == "A1X"
    assert pd.isna(out.iloc[1])


bodies = st.from_regex(r"\A[1-8][0-9]{16}\Z", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(bodies, min_size=1, max_size=30))
def test_check_character_agrees_with_stdnum(values):
    ours = check_characters(pd.Series(values, dtype="str")).view("S1").astype(str).tolist()
    assert ours == [ric.calc_check_digit(v + "0") for v in values]


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["11", "44", "65", "83", "99", "10"]),
    county=st.from_regex(r"\A[0-9]{4}\Z", fullmatch=True),
    year=st.integers(1890, 2030),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    seq=st.integers(0, 999),
    corrupt=st.booleans(),
)
def test_verdict_agrees_with_stdnum_helpers(prefix, county, year, month, day, seq, corrupt):
    body = f"{prefix}{county}{year:04d}{month:02d}{day:02d}{seq:03d}"
    check_char = ric.calc_check_digit(body + "0")
    if corrupt:
        check_char = "0" if check_char != "0" else "X"
    number = body + check_char
    key, problem = key_of(number, applied="2026-11-27")
    try:
        birth = ric.get_birth_date(number)
    except ric.ValidationError:
        birth = None
    expected_valid = (
        prefix in {"11", "44", "65", "83"}
        and birth is not None
        and dt.date(1900, 1, 1) <= birth <= dt.date(2026, 11, 27)
        and ric.calc_check_digit(number) == number[-1]
    )
    assert (pd.isna(problem)) == expected_valid
    assert (key == number) if expected_valid else pd.isna(key)
