"""The case workbook: sheets, text ID numbers, frozen headers and filters, and never a formula."""

import zipfile

import openpyxl
import pytest

from analysis.contract import FLAGS
from analysis.load import load_applications
from analysis.rules import flag_applications
from analysis.workbook import write_workbook

from .helpers import P1, P3, app

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
    assert wb.sheetnames == ["说明 About", *FLAGS, "cases"]
    assert "full citizen ID numbers" in wb["说明 About"]["A2"].value
    for name in [*FLAGS, "cases"]:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
    cross = wb["cross_province_conflict"]
    header = [c.value for c in cross[1]]
    row = dict(zip(header, [c.value for c in cross[2]], strict=True))
    assert row["application_id"] == "B" and row["conflicts_with"] == "A"
    assert row["id_number"] == P1 and cross.cell(2, header.index("id_number") + 1).data_type == "s"
    assert row["applied_on"].strftime("%Y-%m-%d") == "2020-03-01"
    assert wb["cases"].max_row == 1 + 2  # P1 (cross) and P3 (incomplete documents)


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
