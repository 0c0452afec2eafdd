"""Notebook-only helpers: breakdown tables with bilingual headers, and a bad ledger shown as one line."""

from __future__ import annotations

import pandas as pd
from IPython import get_ipython

from .ledger import LedgerError
from .model import MEASURES

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
