"""Flags: each situation of the contract built by hand, plus a literal reading of the contract as a reference."""

from collections import Counter

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import overlaps
from analysis.contract import FLAG_COLUMNS
from analysis.load import load_applications
from analysis.rules import flag_applications
from analysis.sample import generate

from .helpers import P1, P1_WIDE, P2, P2_LEGACY, P3, app, as_set, literal_flags, write


def flags_of(write_records, rows, kind="csv"):
    loaded = load_applications(write_records(rows, kind=kind, chinese=kind != "csv"))
    return set(as_set(flag_applications(loaded.frame, check_documents=loaded.report.documents_checked)))


KINDS = ["csv", "gb18030", "xlsx"]


@pytest.mark.parametrize("kind", KINDS)
def test_second_live_card_in_the_same_province_is_a_duplicate(write_records, kind):
    rows = [app("A", P1, "广东", "2020-01-01"), app("B", P1, "广东省", "2021-01-01")]
    assert flags_of(write_records, rows, kind) == {("B", "duplicate_card", "A")}


@pytest.mark.parametrize("kind", KINDS)
def test_live_card_in_another_province_is_a_cross_province_conflict(write_records, kind):
    rows = [app("A", P1, "河南", "2020-01-01"), app("B", P1, "Guangdong", "2021-01-01")]
    assert flags_of(write_records, rows, kind) == {("B", "cross_province_conflict", "A")}


@pytest.mark.parametrize("kind", KINDS)
def test_same_day_applications_are_ordered_by_application_id(write_records, kind):
    rows = [app("Z9", P1, "44", "2021-03-03"), app("A1", P1, "44", "2021/3/3")]
    assert flags_of(write_records, rows, kind) == {("Z9", "duplicate_card", "A1")}


@pytest.mark.parametrize("kind", KINDS)
def test_cancelled_on_the_day_of_the_next_application_is_lawful(write_records, kind):
    rows = [app("A", P1, "浙江", "2015-01-10", "2020-08-08"), app("B", P1, "江苏", "2020-08-08")]
    assert flags_of(write_records, rows, kind) == set()


def test_cancelled_the_day_after_the_next_application_is_a_conflict(write_records):
    rows = [app("A", P1, "浙江", "2015-01-10", "2020-08-09"), app("B", P1, "江苏", "2020-08-08")]
    assert flags_of(write_records, rows) == {("B", "cross_province_conflict", "A")}


@pytest.mark.parametrize("kind", KINDS)
def test_chain_with_an_earlier_card_cancelled_between_two_later_applications(write_records, kind):
    rows = [
        app("A", P1, "四川", "2014-02-01", "2019-06-30"),
        app("B", P1, "四川", "2018-03-01", "2022-01-01"),  # A live -> duplicate of A
        app("C", P1, "广东", "2020-05-05"),  # A cancelled, B live in 四川 -> cross with B
        app("D", P1, "广东", "2023-01-01"),  # B cancelled, C live in 广东 -> duplicate of C
    ]
    assert flags_of(write_records, rows, kind) == {
        ("B", "duplicate_card", "A"),
        ("C", "cross_province_conflict", "B"),
        ("D", "duplicate_card", "C"),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_legacy_number_matches_its_18_digit_form(write_records, kind):
    rows = [app("A", P2_LEGACY, "河北", "2010-05-20"), app("B", P2, "河北", "2018-09-01")]
    assert flags_of(write_records, rows, kind) == {("B", "duplicate_card", "A")}


@pytest.mark.parametrize("kind", KINDS)
def test_full_width_number_matches_its_plain_form(write_records, kind):
    rows = [app("A", P1_WIDE, "北京", "2016-03-01"), app("B", P1, "上海", "2019-07-15")]
    assert flags_of(write_records, rows, kind) == {("B", "cross_province_conflict", "A")}


def test_cross_province_wins_and_names_the_earliest_in_the_other_province(write_records):
    rows = [
        app("A", P1, "河南", "2016-01-01"),
        app("B", P1, "广东", "2017-01-01"),
        app("C", P1, "广东", "2018-01-01"),
        app("D", P1, "河南", "2019-01-01"),
    ]
    assert flags_of(write_records, rows) == {
        ("B", "cross_province_conflict", "A"),
        ("C", "cross_province_conflict", "A"),
        ("D", "cross_province_conflict", "B"),
    }


def test_duplicate_names_the_earliest_live_card_not_the_latest(write_records):
    rows = [app("A", P1, "44", "2016-01-01"), app("B", P1, "44", "2017-01-01"), app("C", P1, "44", "2018-01-01")]
    assert flags_of(write_records, rows) == {("B", "duplicate_card", "A"), ("C", "duplicate_card", "A")}


def test_a_cancelled_card_does_not_make_later_ones_conflict(write_records):
    rows = [app("A", P1, "44", "2016-01-01", "2016-06-01"), app("B", P1, "11", "2017-01-01")]
    assert flags_of(write_records, rows) == set()


def test_unusable_rows_take_no_part_in_matching(write_records):
    rows = [
        app("A", P1, "火星", "2016-01-01"),  # invalid_record
        app("B", P1, "湖北", "2017-01-01"),
        app("C", "11010519491231002", "湖北", "2016-01-01"),  # invalid_id (17 characters)
        app("D", P3, "湖北", "2017-01-01", "2016-01-01"),  # cancelled before applied
        app("E", P3, "湖北", "2018-01-01"),
    ]
    assert flags_of(write_records, rows) == {
        ("A", "invalid_record", ""),
        ("C", "invalid_id", ""),
        ("D", "invalid_record", ""),
    }


def test_different_people_never_match(write_records):
    rows = [app("A", P1, "44", "2016-01-01"), app("B", P3, "44", "2017-01-01")]
    assert flags_of(write_records, rows) == set()


def test_shared_application_id_flags_every_row_and_both_take_no_part(write_records):
    rows = [app("A", P1, "44", "2016-01-01"), app("A", P1, "44", "2017-01-01")]
    assert flags_of(write_records, rows) == {("A", "invalid_record", "")}
    loaded = load_applications(write_records(rows))
    assert (flag_applications(loaded.frame)["flag"] == "invalid_record").sum() == 2


@pytest.mark.parametrize(
    "docs, expected",
    [
        ({"id_copy": "是", "has_second_gen_id": "是"}, False),
        ({"id_copy": "否", "has_second_gen_id": "是"}, True),
        ({"id_copy": "", "has_second_gen_id": "是"}, True),  # empty counts as false
        ({"id_copy": "Y", "has_second_gen_id": "N", "household_register_copy": "N"}, True),
        ({"id_copy": "Y", "has_second_gen_id": "N", "household_register_copy": "yes"}, False),
        ({"id_copy": "1", "has_second_gen_id": "1", "special_category": "残疾人", "special_documents": "0"}, True),
        ({"id_copy": "1", "has_second_gen_id": "1", "special_category": "残疾人", "special_documents": "1"}, False),
    ],
)
def test_incomplete_documents(write_records, docs, expected):
    got = flags_of(write_records, [app("A", P1, "44", "2020-01-01", **docs)])
    assert (("A", "incomplete_documents", "") in got) == expected


def test_documents_not_checked_when_no_document_column(tmp_path):
    path = tmp_path / "a.csv"
    pd.DataFrame([app("A", P1, "44", "2020-01-01")]).to_csv(path, index=False)
    loaded = load_applications(path)
    assert flag_applications(loaded.frame, check_documents=loaded.report.documents_checked).empty


def test_flag_table_shape_and_detail(write_records):
    rows = [app("A", P1, "河南", "2020-01-01"), app("B", P1, "广东", "2021-01-01", id_copy="否")]
    loaded = load_applications(write_records(rows))
    flags = flag_applications(loaded.frame)
    assert list(flags.columns) == FLAG_COLUMNS
    cross = flags[flags["flag"] == "cross_province_conflict"].iloc[0]
    assert cross["person_key"] == P1 and cross["province_code"] == "44" and cross["row"] == 3
    assert cross["detail"] == "card application A of 2020-01-01 in 河南 41 is still live (never cancelled)"
    docs = flags[flags["flag"] == "incomplete_documents"].iloc[0]
    assert docs["detail"] == "no copy of the ID card"


def test_persons_checked_in_groups_on_two_threads_give_the_same_flags(tmp_path, monkeypatch):
    """Large files' persons are checked in groups, two groups at a time (overlaps.person_groups): the flags are
    those of all persons checked at once, in the same order."""
    frame, _ = generate(persons=800, seed=5)
    records = load_applications(write(frame, tmp_path / "a.csv", "csv", chinese=False)).frame
    assert overlaps.person_groups(records, overlaps.THREADS) == 1  # a small file: all at once, on one thread
    whole = flag_applications(records)
    found = whole["flag"].isin(["duplicate_card", "cross_province_conflict"])
    assert found.sum() > 50 and whole["flag"].nunique() >= 4  # flags of every kind to compare
    monkeypatch.setattr(overlaps, "THREAD_ROWS", 1)
    assert overlaps.person_groups(records, 2) == 4
    pd.testing.assert_frame_equal(flag_applications(records), whole)
    monkeypatch.setattr(overlaps, "GROUP_ROWS", 300)  # memory's groups too: rounds of two groups, all on threads
    assert overlaps.person_groups(records, 2) == 2 * -(-len(records) // 300)
    pd.testing.assert_frame_equal(flag_applications(records), whole)


# ------------------------------------------------------------------ the literal reading as a reference

KEY_OF = {P1: P1, P1_WIDE: P1, P2: P2, P2_LEGACY: P2, P3: P3}  # each form of a number and its person key


def plain(row: dict) -> dict:
    """A row of this test as `literal_flags` takes it: every number valid, every province a code, ISO dates."""
    return {
        "application_id": row["application_id"],
        "person_key": KEY_OF[row["id_number"]],
        "province_code": row["province"],
        "applied_on": row["applied_on"],
        "cancelled_on": row["cancelled_on"],
    }


people = st.sampled_from([P1, P2, P3, P2_LEGACY, P1_WIDE])
one_app = st.tuples(
    people,
    st.sampled_from(["11", "44", "61"]),
    st.integers(0, 30),
    st.one_of(st.none(), st.integers(0, 40)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(one_app, min_size=1, max_size=25))
def test_vectorized_rules_agree_with_the_literal_reading(tmp_path_factory, apps):
    day = pd.Timestamp("2020-01-01")
    rows = []
    for i, (person, prov, start, length) in enumerate(apps):
        applied = day + pd.Timedelta(days=start)
        cancelled = "" if length is None else (applied + pd.Timedelta(days=length)).strftime("%Y-%m-%d")
        rows.append(app(f"X{(i * 7) % 12:02d}-{i}", person, prov, applied.strftime("%Y-%m-%d"), cancelled))
    path = tmp_path_factory.mktemp("h") / "a.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    flags = flag_applications(load_applications(path).frame, check_documents=False)
    got = Counter(
        zip(
            flags["row"].tolist(),
            flags["application_id"],
            flags["flag"],
            flags["conflicts_with"].fillna(""),
            strict=True,
        )
    )
    assert got == literal_flags([plain(r) for r in rows], check_documents=False)
    # the order of rows in the file does not matter
    shuffled = path.with_name("b.csv")
    pd.DataFrame(rows).iloc[::-1].to_csv(shuffled, index=False)
    again = flag_applications(load_applications(shuffled).frame, check_documents=False)
    assert as_set(again) == as_set(flags)
