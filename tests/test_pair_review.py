"""Possible duplicates for reviewers: notebook 05's tables (masked) and the workbook's review sheet, by hand."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from analysis import pair_review, privacy
from analysis.load import load_applications
from analysis.matching import possible_duplicates
from analysis.rules import flag_applications
from analysis.workbook import REVIEW_SHEET, write_workbook

from .helpers import app, id_number

A = id_number("110105", "19800101", "123")  # 张伟, Beijing Chaoyang
B = id_number("110105", "19800201", "123")  # the same 张伟 after his birth date was corrected
C = id_number("440305", "19900512", "456")  # 王芳, Shenzhen
D = id_number("440305", "19900512", "789")  # 王芳 under a new sequence code, after her first card was cancelled
NAMESAKE = id_number("440305", "19900512", "111")  # 王芳华: same county and day, another given name: no pair
TYPO = A[:15] + A[16] + A[15] + A[17:]  # A with characters 16 and 17 swapped: fails the check character


@pytest.fixture
def loaded(write_records):
    rows = [
        app("1", A, "北京", "2015-01-01", name="张伟"),
        app("2", B, "北京", "2018-03-01", name="张伟"),
        app("3", TYPO, "北京", "2019-05-01", name="Zhang Wei"),
        app("4", C, "广东", "2016-01-01", "2017-01-01", name="王芳"),
        app("5", D, "广东", "2020-01-01", name="王芳"),
        app("6", NAMESAKE, "广东", "2020-02-01", name="王芳华"),
    ]
    return load_applications(write_records(rows))


@pytest.fixture
def pairs(loaded):
    return possible_duplicates(loaded.frame)


def test_the_hand_made_pairs(pairs):
    assert pairs[["pair_id", "reason", "application_ids_a", "application_ids_b", "overlapping"]].values.tolist() == [
        ["P000001", "id_typo", "1", "3", "true"],  # A live since 2015 when the typo applied in 2019
        ["P000002", "changed_number", "1", "2", "true"],
        ["P000003", "changed_number", "4", "5", "false"],  # C cancelled in 2017, D applied in 2020
    ]


def test_overview_counts_pairs_and_overlapping_per_reason(pairs, loaded):
    table = pair_review.overview(pairs)
    assert table.loc["号码录入错误 number mistyped"].tolist() == [1, 1]
    assert table.loc["号码变更 number changed"].tolist() == [2, 1]
    assert table.loc["永久居留证换版 permit renewed"].tolist() == [0, 0]
    assert table.loc["合计 total"].tolist() == [3, 2]
    words = pair_review.in_words(pairs, loaded.report.rows_read).data
    assert "**3**" in words and "**2**" in words and "6 rows read" in words


def test_largest_groups_join_pairs_that_share_a_number(pairs):
    table = pair_review.largest_groups(pairs, at_least=2)
    assert table["号码数 numbers"].tolist() == [3, 2]  # A-typo and A-B share A; C-D alone
    assert table["对数 pairs"].tolist() == [2, 1]
    assert table.iloc[0]["原因 reasons"] == "号码录入错误、号码变更"
    assert table["重叠 overlapping"].tolist() == ["是 yes", "否 no"]
    assert privacy.find_full_ids(table.to_string()) == []
    assert pair_review.largest_groups(pairs)["号码数 numbers"].tolist() == [3]  # by default three numbers or more
    words = pair_review.groups_in_words(pairs).data
    assert "3 pairs link up into 2 groups; 1 of them link three numbers or more (the largest: 3)" in words


def test_groups_follow_chains():
    chain = pd.DataFrame(
        {"person_key_a": ["a", "b", "x", "d"], "person_key_b": ["b", "c", "y", "c"], "pair_id": list("1234")}
    )
    assert pair_review._groups(chain).tolist() == [0, 0, 1, 0]


def test_the_list_is_masked_with_overlapping_pairs_first(pairs):
    table = pair_review.masked_pairs(pairs)
    assert table.index.tolist() == ["P000001", "P000002", "P000003"]
    assert table["号码 A"].iloc[0] == privacy.mask_ids(pd.Series([A])).iloc[0]
    assert privacy.find_full_ids(table.to_string()) == []
    assert pair_review.masked_pairs(pairs, limit=1).index.tolist() == ["P000001"]


def test_example_timelines_hold_both_sides_masked(pairs, loaded):
    apps = pair_review.example_timelines(loaded.frame, pairs, count=2)
    assert apps["application_id"].tolist() == ["1", "3", "1", "2"]
    assert apps["flags"].tolist() == ["side_a", "side_b", "side_a", "side_b"]
    assert apps["person"].iloc[1].startswith("P000001 B 110105")
    assert privacy.find_full_ids(apps.to_string()) == []


def test_the_review_sheet_has_both_sides_full_numbers_and_an_empty_decision(pairs, loaded):
    sheet = pair_review.review_sheet(loaded.frame, pairs)
    assert list(sheet.columns) == [c for c, *_ in pair_review.REVIEW_COLUMNS]
    assert sheet[["pair_id", "side", "application_id"]].values.tolist() == [
        ["P000001", "A", "1"],
        ["P000001", "B", "3"],
        ["P000002", "A", "1"],
        ["P000002", "B", "2"],
        ["P000003", "A", "4"],
        ["P000003", "B", "5"],
    ]
    assert sheet["id_number"].tolist()[:2] == [A, TYPO]
    assert sheet["name"].tolist()[:2] == ["张伟", "Zhang Wei"]
    assert sheet["card"].tolist()[-2:] == ["已注销 cancelled", "有效 live"]
    assert (sheet["decision"] == "").all() and (sheet["note"] == "").all()
    masked = pair_review.review_sheet(loaded.frame, pairs, masked=True)
    assert privacy.find_full_ids(masked.to_string()) == []
    assert masked["name"].iloc[0] == "张*"


def test_no_pairs_give_empty_tables(loaded):
    none = possible_duplicates(loaded.frame.iloc[:0])
    assert pair_review.overview(none).loc["合计 total"].tolist() == [0, 0]
    assert pair_review.largest_groups(none).empty
    assert pair_review.review_sheet(loaded.frame, none).empty
    assert pair_review.example_timelines(loaded.frame, none).empty
    assert "No possible duplicates" in pair_review.in_words(none, 0).data
    assert pair_review.headline(none).loc["最大一组的对数 pairs in the largest group"].iloc[0] == "—"


def test_the_workbook_has_a_review_sheet(pairs, loaded, tmp_path):
    flags = flag_applications(loaded.frame)
    path = write_workbook(tmp_path / "w.xlsx", loaded.frame, flags, pairs=pairs)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[2] == REVIEW_SHEET
    ws = wb[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["疑似编号 pair", "原因 reason", "号码 side"] and header[-2:] == [
        "核查结论 decision",
        "备注 note",
    ]
    assert ws.max_row == 1 + 6
    number = ws.cell(3, header.index("证件号码 ID number") + 1)
    assert number.value == TYPO and number.data_type == "s"
    assert ws.cell(2, 1).fill.fgColor.rgb != ws.cell(4, 1).fill.fgColor.rgb  # pairs' blocks stand apart
    about = " ".join(str(c.value) for row in wb["说明 About"].iter_rows() for c in row if c.value)
    assert "3 pairs" in about and "核查结论 decision" in about
    masked = openpyxl.load_workbook(write_workbook(tmp_path / "m.xlsx", loaded.frame, flags, True, pairs))
    text = " ".join(str(c.value) for row in masked[REVIEW_SHEET].iter_rows() for c in row if c.value)
    assert privacy.find_full_ids(text) == [] and "张*" in text
