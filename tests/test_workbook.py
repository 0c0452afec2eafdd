"""The case workbook: sheets, text ID numbers, frozen headers and filters, and never a formula."""

import zipfile

import openpyxl
import pytest

from analysis import labels
from analysis.contract import FLAGS
from analysis.load import load_applications
from analysis.rules import flag_applications
from analysis.workbook import write_workbook

from .helpers import P1, P2, P3, app

HOSTILE = ['=HYPERLINK("http://x","click")', "+1+2", "-3", "@SUM(A1)"]


@pytest.fixture
def workbook(write_records, tmp_path):
    rows = [
        app("A", P1, "河南", "2019-01-01"),
        app("B", P1, "广东", "2020-03-01", name=HOSTILE[1]),
        app(HOSTILE[2], P3, "广东", "2020-01-01", special_category=HOSTILE[3]),
        app("D", "11010519491231002", "广东", "2020-01-01", name=HOSTILE[0]),
    ]
    loaded = load_applications(write_records(rows))
    flags = flag_applications(loaded.frame)

    def build(masked=False):
        return write_workbook(tmp_path / ("m.xlsx" if masked else "w.xlsx"), loaded.frame, flags, masked=masked)

    return build


def test_sheets_and_layout(workbook):
    wb = openpyxl.load_workbook(workbook())
    flag_sheets = [f"{labels.FLAG_ZH[f]} {f}" for f in FLAGS]
    assert wb.sheetnames == [
        "说明 About",
        "待办清单 Working list",
        "疑似同一人 Possible duplicates",
        *flag_sheets,
        "案件 Cases",
    ]
    about = " ".join(str(c.value) for row in wb["说明 About"].iter_rows() for c in row if c.value)
    assert "仅供经办人员" in about and "full citizen ID numbers" in about
    assert "处理结果 outcome" in about and "★" in about  # every column of the working list is explained
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
    cross = wb["跨省冲突 cross_province_conflict"]
    header = [c.value for c in cross[1]]
    row = dict(zip(header, [c.value for c in cross[2]], strict=True))
    assert row["申请编号 application_id"] == "B" and row["冲突的申请 conflicts_with"] == "A"
    assert row["证件号码 id_number"] == P1 and cross.cell(2, header.index("证件号码 id_number") + 1).data_type == "s"
    assert row["申领日期 applied_on"].strftime("%Y-%m-%d") == "2020-03-01"
    assert row["原因 reason"].startswith("河南（41）2019-01-01 的申请 A 所办的卡仍有效")
    assert wb["案件 Cases"].max_row == 1 + 2  # P1 (cross) and P3 (incomplete documents)


def test_working_list_has_one_block_per_person_with_the_live_cards_marked(write_records, tmp_path):
    """Every application of each person with a duplicate or cross-province card, in order, grouped and sorted
    by the province and city of the flagged application; live cards of a person holding two marked."""
    rows = [
        app("A", P1, "河南", "2019-01-01", city="郑州市"),
        app("B", P1, "广东", "2020-03-01", city="深圳市"),  # cross with A, both live at the export date
        app("C", P2, "北京", "2019-05-05", "2020-02-01", city="北京市"),
        app("D", P2, "北京", "2020-01-06", city="北京市"),  # duplicate of C; C cancelled since: one live card
    ]
    loaded = load_applications(write_records(rows))
    flags = flag_applications(loaded.frame)
    path = write_workbook(tmp_path / "w.xlsx", loaded.frame, flags)
    ws = openpyxl.load_workbook(path)["待办清单 Working list"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["案件编号 case", "省份 province", "城市 city"]
    assert header[-2:] == ["处理结果 outcome", "备注 note"]
    table = [dict(zip(header, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=2)]
    assert [r["申请编号 application"] for r in table] == ["C", "D", "A", "B"]  # 11 北京 before 44 广东
    assert [r["省份 province"] for r in table] == ["11 北京", "11 北京", "41 河南", "44 广东"]
    assert [r["需处理 act on"] or "" for r in table] == ["", "", "★ 需处理 act on", "★ 需处理 act on"]
    assert [r["卡状态 card"] for r in table] == ["已注销 cancelled", "有效 live", "有效 live", "有效 live"]
    assert table[3]["问题类型 flag"] == "跨省冲突 cross-province conflict"
    assert table[3]["原因 reason"] == "河南（41）2019-01-01 的申请 A 所办的卡仍有效（未注销）"
    assert table[3]["证件号码 ID number"] == P1  # full numbers for caseworkers
    assert {r["处理结果 outcome"] for r in table} == {None}  # empty for the caseworker to fill in


def test_text_that_looks_like_a_formula_stays_text(workbook):
    path = workbook()
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    wb = openpyxl.load_workbook(path)
    values = {c.value for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "s"}
    for text in HOSTILE:
        assert text in values or any(text in str(v) for v in values), text
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)


def test_masked_workbook_has_no_full_numbers(workbook):
    from analysis.privacy import find_full_ids

    wb = openpyxl.load_workbook(workbook(masked=True))
    text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    assert find_full_ids(text) == []
    assert "110105********002X" in text
