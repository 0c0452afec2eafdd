"""Possible duplicates (docs/data-contract.md, "Possible duplicates"): each reason and its decoys, by hand."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.matching import COLUMNS, REASONS, counts, for_csv, possible_duplicates
from analysis.names import normalize_name
from analysis.normalize import mark_shared_ids, normalize

from .helpers import app, check_character, id_number, make_rows, run_cli, write

A = id_number("110105", "19800101", "123")  # 张伟, Beijing Chaoyang


def _pr(body: str) -> str:
    return body + check_character(body)


PR_NEW = _pr("944276" + "19850304" + "123")  # 2023 form: Guangdong, Germany (276), born 1985-03-04
PR_OLD = "DEU" + "44" + "0" + "1" + "850304" + "00"  # older form: alpha-3, province 4-5, YYMMDD at 8-13


def pairs_of(rows: list[dict]) -> pd.DataFrame:
    records = normalize(make_rows(rows), "csv")
    mark_shared_ids(records)
    return possible_duplicates(records)


def simple(pairs: pd.DataFrame) -> list[tuple]:
    return [tuple(r) for r in pairs[["reason", "person_key_a", "person_key_b", "application_ids_a"]].to_numpy()]


def test_names_compare_after_nfkc_spaces_dots_and_case():
    assert normalize_name(" 阿依古丽·买买提 ") == normalize_name("阿依古丽•买买提") == "阿依古丽买买提"
    assert normalize_name("Ｊｏｈｎ　Ｓｍｉｔｈ") == normalize_name("john.smith") == "johnsmith"
    assert normalize_name(None) == ""


def test_a_common_name_born_the_same_day_in_the_same_county_is_no_pair():
    other = id_number("110105", "19800101", "456")
    rows = [app("1", A, "11", "2020-01-01", name="张伟"), app("2", other, "11", "2021-01-01", name="张伟华")]
    assert pairs_of(rows).empty


def test_the_same_name_with_another_birth_date_is_a_changed_number():
    other = id_number("110105", "19800110", "123")
    rows = [
        app("2", other, "11", "2021-01-01", name="张伟"),
        app("1", A, "11", "2020-01-01", "2020-06-01", name="张伟"),
        app("3", A, "11", "2022-01-01", name="张伟"),
    ]
    pairs = pairs_of(rows)
    assert list(pairs.columns) == COLUMNS
    assert pairs.to_dict("records") == [
        {
            "pair_id": "P000001",
            "reason": "changed_number",
            "person_key_a": A,
            "person_key_b": other,
            "application_ids_a": "1 3",
            "application_ids_b": "2",
            "overlapping": "true",  # 2 is live (never cancelled) when 3 applied
            "detail": "出生日期不同 birth date differs (characters 7-14)",
        }
    ]


def test_overlapping_looks_both_ways_and_is_false_when_no_card_was_live():
    other = id_number("110105", "19800110", "123")
    rows = [
        app("1", A, "11", "2020-01-01", "2020-06-01", name="张伟"),
        app("2", other, "11", "2020-06-01", name="张伟"),  # applied the day 1 was cancelled: lawful
    ]
    assert pairs_of(rows)["overlapping"].tolist() == ["false"]
    rows[0]["cancelled_on"] = "2020-06-02"
    assert pairs_of(rows)["overlapping"].tolist() == ["true"]


def test_two_parts_changed_is_no_pair():
    rows = [
        app("1", A, "11", "2020-01-01", name="张伟"),
        app("2", id_number("110106", "19800110", "123"), "11", "2021-01-01", name="张伟"),
    ]
    assert pairs_of(rows).empty


def test_swapped_adjacent_digits_are_an_id_typo():
    typo = A[:8] + A[9] + A[8] + A[10:]  # 19800101 -> 19801001? digits 9 and 10 swapped
    assert typo != A
    rows = [app("1", A, "11", "2020-01-01", name="张伟"), app("2", typo, "11", "2020-03-01", name="张伟")]
    pairs = pairs_of(rows)
    assert simple(pairs) == [("id_typo", A, typo, "1")]
    assert pairs["application_ids_b"].tolist() == ["2"]
    assert pairs["detail"].tolist() == ["第9、10位字符互换 characters 9 and 10 swapped"]
    assert pairs["overlapping"].tolist() == ["true"]


def test_one_changed_character_is_an_id_typo_and_two_are_not():
    one = A[:16] + str((int(A[16]) + 1) % 10) + A[17]
    two = A[:15] + str((int(A[15]) + 1) % 10) + str((int(A[16]) + 1) % 10) + A[17]
    rows = [app("1", A, "11", "2020-01-01", name="张伟"), app("2", one, "11", "2020-03-01", name="张伟")]
    assert simple(pairs_of(rows)) == [("id_typo", A, one, "1")]
    rows[1]["id_number"] = two
    assert pairs_of(rows).empty


def test_a_typo_on_a_row_with_another_name_is_no_pair():
    typo = A[:8] + A[9] + A[8] + A[10:]
    rows = [app("1", A, "11", "2020-01-01", name="张伟"), app("2", typo, "11", "2020-03-01", name="李娜")]
    assert pairs_of(rows).empty


def test_a_typo_row_that_is_also_an_invalid_record_takes_no_part():
    typo = A[:8] + A[9] + A[8] + A[10:]
    rows = [app("1", A, "11", "2020-01-01", name="张伟"), app("2", typo, "", "2020-03-01", name="张伟")]
    assert pairs_of(rows).empty


def test_a_name_in_pinyin_matches_its_characters_and_two_homophones_do_not():
    other = id_number("110105", "19800110", "123")
    rows = [app("1", A, "11", "2020-01-01", name="张三"), app("2", other, "11", "2021-01-01", name="Zhang San")]
    assert simple(pairs_of(rows)) == [("changed_number", A, other, "1")]
    rows[1]["name"] = "章三"  # the same pinyin, other characters
    assert pairs_of(rows).empty
    rows[1]["name"] = ""
    assert pairs_of(rows).empty


def test_an_older_permanent_residence_number_renewed_in_the_2023_form():
    rows = [
        app("1", PR_OLD, "44", "2019-01-01", "2023-06-01", name="Hans Müller", id_type="foreign_pr"),
        app("2", PR_NEW, "44", "2023-06-01", name="hans müller", id_type="外国人永久居留身份证"),
    ]
    pairs = pairs_of(rows)
    assert simple(pairs) == [("renewed_permit", PR_NEW, "foreign_pr:" + PR_OLD, "2")]
    assert pairs["overlapping"].tolist() == ["false"]
    rows[1]["id_number"] = _pr("944276" + "19850305" + "123")  # another birth date
    assert pairs_of(rows).empty


def test_counts_list_every_reason_and_keys_are_masked():
    other = id_number("110105", "19800110", "123")
    pairs = pairs_of([app("1", A, "11", "2020-01-01", name="张伟"), app("2", other, "11", "2021-01-01", name="张伟")])
    assert counts(pairs) == {"id_typo": 0, "changed_number": 1, "renewed_permit": 0}
    assert list(counts(pairs)) == REASONS
    masked = for_csv(pairs)
    assert masked["person_key_a"].tolist() == [A[:6] + "********" + A[-4:]]


PEOPLE = [
    app("1", A, "11", "2020-01-01", "2020-05-01", name="张伟"),
    app("2", id_number("110105", "19800110", "123"), "11", "2020-03-01", name="Zhang Wei"),
    app("3", A[:8] + A[9] + A[8] + A[10:], "11", "2021-01-01", name="张 伟"),
    app("4", id_number("110105", "19800101", "456"), "11", "2021-01-01", name="张伟华"),
    app("5", id_number("110105", "19800101", "124"), "11", "2022-01-01", "2022-02-01", name="张伟"),
    app("6", A, "11", "2022-01-15", name="张伟"),
    app("7", PR_OLD, "44", "2019-01-01", name="Hans Müller", id_type="foreign_pr"),
    app("8", PR_NEW, "44", "2023-06-01", name="hans müller", id_type="foreign_pr"),
]


@settings(max_examples=12, deadline=None)
@given(st.permutations(PEOPLE))
def test_the_same_pairs_whatever_the_order_of_the_rows(rows):
    found = pairs_of(rows)
    expected = pairs_of(PEOPLE)
    pd.testing.assert_frame_equal(found, expected)
    assert counts(expected) == {"id_typo": 1, "changed_number": 2, "renewed_permit": 1}


@settings(max_examples=10, deadline=None)
@given(st.booleans(), st.sampled_from(["changed_number", "id_typo"]))
def test_a_pair_found_from_one_side_is_found_from_the_other(swap, reason):
    second = id_number("110105", "19800110", "123") if reason == "changed_number" else A[:8] + A[9] + A[8] + A[10:]
    one, two = app("1", A, "11", "2020-01-01", name="张伟"), app("2", second, "11", "2020-03-01", name="张伟")
    if swap:  # the other application first in the file, and the earlier in time
        one, two = {**two, "applied_on": "2019-01-01"}, one
    assert pairs_of([one, two])["reason"].tolist() == [reason]


SWAP = "第9、10位字符互换 characters 9 and 10 swapped"
BIRTH = "出生日期不同 birth date differs (characters 7-14)"


def test_flag_writes_possible_duplicates_from_a_gb18030_csv_with_chinese_headers(tmp_path):
    other = id_number("110105", "19800110", "123")
    typo = A[:8] + A[9] + A[8] + A[10:]
    rows = [
        app("A1", A, "11", "2020-01-01", name="张伟"),
        app("A2", other, "11", "2021-01-01", name="张伟"),
        app("A3", typo, "11", "2021-02-01", name="张伟"),
    ]
    path = write(make_rows(rows), tmp_path / "申领.csv", kind="gb18030", chinese=True)
    code, _, err = run_cli("flag", path, "--out", tmp_path / "out")
    assert code == 0, err
    raw = (tmp_path / "out" / "possible_duplicates.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    masked = A[:6] + "********" + A[-4:]
    assert raw.decode("utf-8-sig").splitlines() == [
        ",".join(COLUMNS),
        f"P000001,id_typo,{masked},{typo[:6]}********{typo[-4:]},A1,A3,true,{SWAP}",
        f"P000002,changed_number,{masked},{other[:6]}********{other[-4:]},A1,A2,true,{BIRTH}",
    ]
    import json

    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["possible_duplicates"] == {"id_typo": 1, "changed_number": 1, "renewed_permit": 0}


def test_an_invalid_number_one_edit_from_two_keys_lists_its_application_once_in_each_pair():
    """Two persons of the same name whose keys are each one edit from one invalid number: two pairs, each with
    side b the one invalid application, listed once."""
    body = A[:17]
    other = id_number("110105", "19800101", "124")  # differs from A in character 17 and the check character
    invalid = body[:16] + other[16] + A[17]  # character 17 from `other`, check character from A: neither fits
    assert invalid not in (A, other)
    rows = [
        app("1", A, "11", "2020-01-01", name="张伟"),
        app("2", other, "11", "2020-02-01", name="张伟"),
        app("3", invalid, "11", "2021-01-01", name="张伟"),
    ]
    typos = pairs_of(rows).query("reason == 'id_typo'")
    assert sorted(typos["person_key_a"]) == sorted([A, other])
    assert typos["application_ids_b"].tolist() == ["3", "3"]
