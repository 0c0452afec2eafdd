"""Notebook-only helpers: bilingual breakdown tables, source tables with links, a bad ledger shown in one line."""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
from IPython import get_ipython

from .ledger import LedgerError
from .model import MEASURES
from .prose import RELEASE_ZH, SCHEME_ZH, ZH, Prose, yi_text

READABLE = {
    "year": "年份 year",
    "fund": "基金 fund",
    "name_zh": "名称 name",
    "short_en": "name (en)",
    "accounting_group": "建账 account",
    "name_en": "name (en)",
    "province": "省份 province",
    "revenue": "收入 revenue",
    "expenditure": "支出 expenditure",
    "balance": "结余 balance",
    "share_revenue_pct": "收入占比 rev. share %",
    "share_expenditure_pct": "支出占比 exp. share %",
    "share_balance_pct": "结余占比 bal. share %",
    "yoy_revenue_pct": "收入同比 rev. YoY %",
    "yoy_expenditure_pct": "支出同比 exp. YoY %",
    "yoy_balance_pct": "结余同比 bal. YoY %",
    "schemes": "制度 schemes",
    "scheme": "制度 scheme",
    "n_funds": "基金数 funds",
    "funds_missing": "缺 missing",
    "funds_present": "含 funds",
    "partial_schemes": "部分口径 partial",
    "complete": "齐全 complete",
    "n_provinces": "省数 provinces",
    "missing_provinces": "缺省份 missing provinces",
    "basis": "口径 basis",
    "provinces_revenue": "分省合计收入 provinces' revenue",
    "national_revenue": "全国收入 national revenue",
    "difference": "差额 difference",
    "source_quality": "来源质量 quality",
    "source": "来源 source",
    "row": "行 row",
    "pooling_level": "统筹层次 pooling",
    "releases": "发布 releases",
    "release": "发布 release",
    "marks": "标记 marks",
    "whole": "全部制度 whole fund",
    "maternity_in_medical": "生育含在医疗中 maternity in medical",
    "all_five": "五项齐全 all five",
    "comparable": "口径相同 comparable",
    "n_rows": "行数 rows",
    "funds": "基金 funds",
    "event_zh": "事件 event",
    "event_en": "event (en)",
    "effect_zh": "对数字的影响 effect on the figures",
    "effect_en": "effect (en)",
}


def readable(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A table for people: chosen columns, amounts to 4 decimals, percentages to 1, bilingual headers, "—" where
    a figure is missing (never NaN), and the first column as the row labels (no 0, 1, 2 ... index)."""
    out = frame[columns] if columns else frame
    pct = [c for c in out.columns if c.endswith("_pct")]
    amounts = [c for c in out.columns if c in MEASURES or c.endswith("_revenue") or c == "difference"]
    out = out.round({**dict.fromkeys(pct, 1), **dict.fromkeys(amounts, 4)})
    out = out.astype(object).where(out.notna(), "—").rename(columns=READABLE)
    return out.set_index(out.columns[0])


def _brief(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython custom-exception handler: show the exception's one-line message instead of its traceback."""
    # Uses IPython's private InteractiveShell._showtraceback (there is no public way to show a chosen traceback):
    # IPython 9 ignores what a custom handler returns, so the handler shows the line itself. Recheck on upgrades.
    shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])
    return []


def show_ledger_errors_briefly() -> None:
    """In a notebook, show a LedgerError as its one-line message instead of a traceback; outside IPython, nothing."""
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((LedgerError,), _brief)


def _links(cell: str) -> str:
    """Every URL of a source cell (several are separated by ' ; ') as a Markdown link named by its host."""
    parts = []
    for part in str(cell).split(" ; "):
        host = urlsplit(part).netloc.removeprefix("www.")
        parts.append(f"[{host}]({part})" if part.startswith(("http://", "https://")) and host else _cell(part))
    return "<br>".join(parts)


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown_table(header: list[str], rows: list[list[str]]) -> Prose:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return Prose("\n".join(lines))


def _amount(x: float) -> str:
    return "—" if pd.isna(x) else yi_text(x)


def _release(code: str) -> str:
    return " + ".join(f"{RELEASE_ZH.get(c, c)} {c or 'own ledger'}" for c in str(code).split("+"))


def source_table(rows: pd.DataFrame) -> Prose:
    """Ledger rows with their sources as clickable links (a Markdown table: links in the notebook and the report)."""
    if rows.empty:
        return Prose("（没有数字 no figures）")
    header = ["年份 year", "省份 province", "基金 fund", "制度 scheme", "收入 revenue", "支出 expenditure"]
    header += ["结余 balance", "发布 release", "来源质量 quality", "来源 source", "行 row"]
    body = [
        [
            str(r.year),
            _cell(r.province or "全国 national"),
            f"{ZH.get(r.fund, r.fund)} {r.fund}",
            _cell(f"{SCHEME_ZH.get(r.scheme, r.scheme)} {r.scheme}"),
            _amount(r.revenue),
            _amount(r.expenditure),
            _amount(r.balance),
            _release(r.release),
            _cell(r.source_quality),
            _links(r.source),
            str(r.row),
        ]
        for r in rows.itertuples()
    ]
    return _markdown_table(header, body)


def disagreement_table(table: pd.DataFrame) -> Prose:
    """The releases that disagree, kept and set aside side by side with their sources as links (Markdown)."""
    if table.empty:
        return Prose("（没有分歧 no disagreements）")
    header = ["年份 year", "基金 fund", "制度 scheme", "采用 kept", "未采用 set aside", "差异 differences"]
    body = []
    for r in table.itertuples():
        kept = f"{_release(r.kept_release)}（{_links(r.kept_source)}，行 row {r.kept_row}）"
        copies = f"，{r.copies} 份 copies" if r.copies > 1 else ""
        aside = f"{_release(r.set_aside_release)}（{_links(r.set_aside_source)}，行 row {r.set_aside_row}{copies}）"
        differs = []
        for m in r.differs.split("+"):
            a, b = getattr(r, f"kept_{m}"), getattr(r, f"set_aside_{m}")
            differs.append(f"{READABLE[m]} {yi_text(a)} / {yi_text(b)} ({(b / a - 1) * 100:+.2f}%)")
        fund = "各项基金合计 all funds" if r.fund == "all_funds" else f"{ZH.get(r.fund, r.fund)} {r.fund}"
        body.append(
            [
                str(r.year),
                fund,
                _cell(f"{SCHEME_ZH.get(r.scheme, r.scheme)} {r.scheme}"),
                kept,
                aside,
                "<br>".join(differs),
            ]
        )
    return _markdown_table(header, body)
