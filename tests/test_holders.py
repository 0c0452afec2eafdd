"""Notebook 01's tables of who holds the cards, on a small hand-made file whose answers can be read off the page."""

import pytest

from analysis import validation
from analysis.load import load_applications

ROWS = (
    "申请编号,证件号码,证件类型,国籍,参保省份,申领日期\n"
    "A1,E12345678,护照,DEU,广东,2023-01-01\n"
    "A2,E12345678,护照,德国,北京,2023-02-01\n"
    "A3,810000199408230021,港澳台居民居住证,,广东,2023-01-01\n"
    "A4,11010519491231002X,,,广东,2023-01-01\n"
    "A5,ABC,军官证,,广东,2023-01-01\n"
)


@pytest.fixture
def frame(tmp_path):
    path = tmp_path / "holders.csv"
    path.write_text(ROWS, encoding="gb18030")
    return load_applications(path).frame


def test_applications_by_document_type(frame):
    table = validation.holders_by_type(frame)
    assert table["申请 applications"].to_dict() == {
        "护照 passport": "2",
        "港澳台居民居住证 hmt_permit": "1",
        "居民身份证 citizen": "1",
        "未知类型 unknown type": "1",
    }
    assert table.loc["未知类型 unknown type", "可用 usable"] == "0"


def test_foreign_holders_by_nationality_in_chinese_and_english(frame):
    table = validation.foreign_holders(frame)
    assert table.loc["德国 Germany DEU", "申请 applications"] == 2  # 'DEU' and '德国' are one country
    assert table.loc["德国 Germany DEU", "人 persons"] == 1
    assert table.loc["德国 Germany DEU", "证件类型 document type"] == "护照 passport"


def test_unusable_rows_of_other_holders_are_masked_with_their_reason(frame):
    table = validation.unusable_by_type(frame)
    assert table["证件类型 document type"].tolist() == ["未知类型 unknown type"]
    assert table["reason"].tolist() == ["id_type '军官证' is not a known document type"]
    assert table["证件号码 id_number"].tolist() == ["***"]


def test_reasons_are_shown_in_full_in_notebook_tables(frame):
    """Notebooks never cut a reason at pandas' 50 characters (three different reasons looked the same)."""
    import pandas as pd

    validation.setup_display()
    html = validation.unusable_by_type(frame)._repr_html_()
    assert "is not a known document type" in html
    long = pd.DataFrame({"reason": ["x" * 120]})
    assert "x" * 120 in long._repr_html_()
    assert pd.get_option("display.max_colwidth") is None


def test_text_about_the_synthetic_sample_only_for_the_sample(tmp_path):
    from analysis import config

    assert "合成的示例数据" in validation.data_note(None).data
    assert "合成的示例数据" in validation.data_note(str(config.SAMPLE_APPLICATIONS)).data
    own = tmp_path / "own.csv"
    own.write_text(ROWS, encoding="gb18030")
    note = validation.data_note(str(own)).data
    assert "合成" not in note and "synthetic" not in note and "own.csv" in note
