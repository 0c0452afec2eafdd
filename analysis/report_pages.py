"""The report's pages around the notebooks: the index (run date, data period, headline figures, a chart, what to
do next, file-level notes), a title and navigation on every page, and no empty sections."""

from __future__ import annotations

import base64
import html
import io
import re

import matplotlib.pyplot as plt
import nbformat
import pandas as pd

from . import charts, labels, provinces
from .contract import FLAGS

STYLE = (
    "<style>body{max-width:60em;margin:2em auto;line-height:1.5}"
    "td,th{padding:.2em .8em}td+td{text-align:right}table{border-collapse:collapse}"
    "tr:nth-child(even){background:#f3f6f9}.note{background:#fff4e5;border-left:4px solid #e08a00;padding:.4em .8em;"
    "margin:.4em 0}</style>"
)
NAV_STYLE = (
    "<style>nav.report{font-size:.9em;padding:.5em 1em;border-bottom:1px solid #ccc;"
    "margin-bottom:1em}nav.report a{margin-right:1.2em}</style>"
)
NEXT_STEPS = [
    (
        "打开 cases.xlsx 的「待办清单」，按省份、城市分给各经办单位；★ 标出需核查注销的有效卡。",
        (
            "Open the working list in cases.xlsx and hand each unit its province's and city's rows; ★ marks the live "
            "cards to check and cancel."
        ),
    ),
    (
        "核实「疑似同一人」表中的成对号码（见 05）：询问本人或公安机关哪个号码现行有效，在「核查结论」中记下。",
        (
            "Check the pairs in the sheet 'Possible duplicates' (page 05): ask the person or the public-security "
            "bureau which number is current, and write it in the decision column."
        ),
    ),
    (
        "不可用的行（见 01）请在业务系统中更正后重新导出。",
        "Correct the unusable rows (page 01) in the source system and export again.",
    ),
    (
        "需要转发时，用脱敏的 cases-masked.xlsx；cases.xlsx 含完整证件号码，只留经办人员使用。",
        "Forward cases-masked.xlsx when needed; cases.xlsx holds full ID numbers and stays with caseworkers.",
    ),
    (
        "向上级报送用 headline.xlsx（按省份、按年份的问题数，不含个人信息）。",
        "Report upwards with headline.xlsx (flags by province and by year, no personal data).",
    ),
]


def notebook_title(nb: nbformat.NotebookNode) -> str:
    """The text of a notebook's first heading (its title)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (m := re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)):
            return m.group(1).strip()
    return "Notebook"


def drop_empty_sections(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without heading-only sections that show nothing once code is hidden (e.g. 'Set-up')."""
    keep, cells = [], nb.cells
    for i, cell in enumerate(cells):
        heading_only = cell.cell_type == "markdown" and re.fullmatch(r"\s*#{2,}[^\n]*\s*", cell.source)
        if heading_only:
            section = []
            for later in cells[i + 1 :]:
                if later.cell_type == "markdown" and later.source.lstrip().startswith("#"):
                    break
                section.append(later)
            shows = any(c.cell_type == "markdown" or c.get("outputs") for c in section)
            if not shows:
                continue
        keep.append(cell)
    nb.cells = keep
    return nb


def navigation(pages: list[tuple[str, str]], current: str) -> str:
    """A bar linking the index and every page, the current one in bold, and the next page."""
    links = ['<a href="index.html">首页 Index</a>'] + [
        f"<b>{html.escape(title)}</b>" if file == current else f'<a href="{file}">{html.escape(title)}</a>'
        for file, title in pages
    ]
    files = [file for file, _ in pages]
    if current in files and files.index(current) + 1 < len(pages):
        following = pages[files.index(current) + 1]
        links.append(f'<a href="{following[0]}">下一页 Next: {html.escape(following[1])} →</a>')
    return '<nav class="report">' + " ".join(links) + "</nav>"


def with_navigation(page: str, title: str, bar: str) -> str:
    """A rendered notebook page with its own title and the navigation bar at the top of its body."""
    page = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", page, count=1, flags=re.DOTALL)
    page = page.replace("</head>", NAV_STYLE + "</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, page, count=1)


def _chart(summary: dict) -> str:
    """A small bar chart of the rows per flag, as an inline PNG."""
    charts.use_cjk_style()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    shown = [f for f in FLAGS if summary[f] is not None]  # documents not checked: no bar, not a zero
    names = [labels.flag_label(f) for f in shown]
    values = [summary[f] for f in shown]
    ax.barh(names[::-1], values[::-1], color="#3b6ea5")
    for y, v in enumerate(values[::-1]):
        ax.text(v, y, f" {v:,}", va="center", fontsize=9)
    ax.set_xlabel("申请数 applications")
    ax.set_title("各类问题 Flags")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def index_page(
    summary: dict, pages: list[tuple[str, str]], files: list[tuple[str, str]], period: tuple[str, str], run_date: str
) -> str:
    """The report's first page: what ran on what, the figures that matter, what to do next, and every page."""
    read = max(summary["rows_read"], 1)
    figures = [
        (labels.SUMMARY_ZH[k], k.replace("_", " "), summary[k]) for k in ["rows_read", "rows_unusable", "rows_clean"]
    ]
    figures += [(labels.FLAG_ZH[f], labels.FLAG_EN[f], summary[f]) for f in FLAGS]
    rows = "".join(
        f"<tr><td>{zh} {en}</td><td>{'未检查 not checked' if k_unchecked else f'{v:,}'}</td>"
        f"<td>{'' if k_unchecked else f'{v / read:.1%}'}</td></tr>"
        for zh, en, v, k_unchecked in (
            (zh, en, v, en == labels.FLAG_EN["incomplete_documents"] and not summary["documents_checked"])
            for zh, en, v in figures
        )
    )
    rows += f"<tr><td>{labels.SUMMARY_ZH['cases']} cases (persons)</td><td>{summary['cases']:,}</td><td></td></tr>"
    if "possible_duplicates" in summary:  # pairs for a person to review, not flags: no share of rows
        pairs = sum(summary["possible_duplicates"].values())
        rows += (
            f"<tr><td>{labels.SUMMARY_ZH['possible_duplicates']} possible duplicates (pairs, not flags)</td>"
            f"<td>{pairs:,}</td><td></td></tr>"
        )
    if "register" in summary:  # register cases of this run per state (docs/register.md)
        states = " · ".join(f"{zh} {summary['register'][k]:,}" for k, zh in labels.REGISTER_STATES.items())
        rows += f"<tr><td>登记簿 register cases</td><td colspan=2>{states}</td></tr>"
    notes = "".join(f'<div class="note">{html.escape(labels.note_zh(n))}</div>' for n in summary.get("notes", []))
    steps = "".join(f"<li>{html.escape(zh)}<br><small>{html.escape(en)}</small></li>" for zh, en in NEXT_STEPS)
    page_links = "".join(f'<li><a href="{f}">{html.escape(t)}</a></li>' for f, t in pages)
    file_links = "".join(f'<li><a href="{f}">{f}</a>: {what}</li>' for f, what in files)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>社保卡申领核查 Card application checks</title>{STYLE}{NAV_STYLE}
</head>
<body>{navigation(pages, "index.html")}
<h1>社保卡申领核查 Card application checks</h1>
<p>运行日期 Run date: {html.escape(run_date)} · 文件 File: {html.escape(summary["source"])}
({html.escape(summary["format"])}{", " + html.escape(summary["encoding"]) if summary.get("encoding") else ""})
· 申领期间 Applications from {html.escape(period[0])} to {html.escape(period[1])}.
本报告中的证件号码和姓名均已脱敏 ID numbers and names in these pages are masked.</p>
{notes}
<h2>主要数字 Headline figures</h2>
<table><tr><th></th><th>行 rows</th><th>占比 share</th></tr>{rows}</table>
<p><img alt="各类问题 Flags" src="data:image/png;base64,{_chart(summary)}"></p>
<h2>下一步 What to do next</h2><ol>{steps}</ol>
<h2>报告各页 Pages</h2><ol>{page_links}</ol>
<h2>文件 Files</h2><ul>{file_links}</ul>
</body></html>
"""


def headline_tables(records: pd.DataFrame, flags: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Flagged applications by flag × province and by flag × year of application, for reporting upwards."""
    named = flags.assign(flag=flags["flag"].map(labels.flag_label))
    order = [labels.flag_label(f) for f in FLAGS]
    by_province = pd.crosstab(named["province_code"].fillna("—"), named["flag"]).reindex(columns=order, fill_value=0)
    by_province.insert(0, "省份 province", by_province.index.map(lambda c: provinces.SHORT_NAME.get(c, "—")))
    by_province.index.name = "省份代码 province code"
    year = named["row"].map(records.set_index("row")["applied_on"]).dt.year
    by_year = pd.crosstab(year.fillna(0).astype("int64"), named["flag"]).reindex(columns=order, fill_value=0)
    by_year.index = by_year.index.map(lambda y: str(y) if y else "—")
    by_year.index.name = "申领年份 year"
    return {"按省份 by province": by_province, "按年份 by year": by_year}
