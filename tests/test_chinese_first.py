"""Everything a person reads comes Chinese first: row reasons, file notes, notebook headings."""

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis import config, labels
from analysis.contract import FLAGS
from analysis.load import load_applications
from analysis.rules import flag_loaded

CJK = re.compile(r"[\u4e00-\u9fff]")
NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_every_reason_of_the_sample_has_its_chinese():
    """The sample plants every kind of problem: each reason, split at '; ', translates to Chinese."""
    flags = flag_loaded(load_applications(config.SAMPLE_APPLICATIONS))
    details = flags["detail"].dropna()
    assert set(flags["flag"]) == set(FLAGS)
    zh = labels.reason_zh(details)
    for en, chinese in zip(details, zh, strict=True):
        for part in chinese.split("；"):
            assert CJK.search(part), (en, part)


def test_a_reason_keeps_its_values_in_chinese():
    details = pd.Series(
        [
            "applied_on '待定' is not a date; province '火星' is not a known province",
            "card application SQ1 of 2020-01-01 in 广东 44 is still live (cancelled 2021-01-01)",
            "no copy of the ID card (id_copy value 'maybe' not understood, read as no)",
            None,
        ],
        dtype="str",
    )
    assert labels.reason_zh(details).tolist()[:3] == [
        "申领日期 '待定' 不是日期；省份 '火星' 无法识别",
        "广东（44）2020-01-01 的申请 SQ1 所办的卡仍有效（2021-01-01 注销）",
        "缺身份证复印件（身份证复印件 id_copy 的值 'maybe' 无法识别，按“否”处理）",
    ]
    assert pd.isna(labels.reason_zh(details).iloc[3])


def test_every_flag_and_summary_figure_has_a_chinese_label():
    assert set(labels.FLAG_ZH) == set(FLAGS) == set(labels.FLAG_EN)
    assert all(CJK.search(labels.flag_label(f)) for f in FLAGS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_title_and_headings_are_chinese_first(path):
    nb = nbformat.read(path, as_version=4)
    lines = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    headings = [line for line in lines if re.match(r"^#{1,2} ", line)]
    for heading in headings:
        text = re.sub(r"^#{1,2} (\d{2} · |\d+\. )?", "", heading)
        assert CJK.match(text), heading


def test_the_index_shows_file_level_notes_chinese_first():
    from analysis import report_pages

    warning = (
        "WARNING: 9 of 10 ID numbers arrived as spreadsheet numbers with digits lost (flagged invalid_id, matched "
        "with nothing): store the ID column as text (in Excel, format it as Text before the numbers go in) and "
        "export the file again"
    )
    counts = {"rows_read": 10, "rows_unusable": 9, "rows_clean": 1, "cases": 0, **dict.fromkeys(FLAGS, 0)}
    summary = {**counts, "documents_checked": False, "source": "a.xlsx", "format": "xlsx", "encoding": None}
    summary.update(incomplete_documents=None, notes=[warning])
    page = report_pages.index_page(summary, [], [], ("2020-01-01", "2020-12-31"), "2026-11-30")
    note = re.search(r'<div class="note">(.*?)</div>', page).group(1)
    assert note.startswith("警告：10 个证件号码中有 9 个以表格数字形式读入") and "WARNING: 9 of 10" in note
    assert "<td>材料不全 incomplete documents</td><td>未检查 not checked</td>" in page
