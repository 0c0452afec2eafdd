"""The published-figure source files, their releases and quality, and the one precedence rule between them."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from ..config import REFERENCE_DIR

REFERENCE_TABLE = REFERENCE_DIR / "fund_figures.csv"


class Source(NamedTuple):
    """How one source file's rows enter the reference table."""

    quality: str  # official (a yearbook table) or secondary (a press report or repost); "" = the file says per row
    release: str  # the release of every row; "" = the file says per row (its `release` column)


# Every file under data/reference/sources/ the table is built from; this order is the table's row order.
SOURCES: dict[str, Source] = {
    "national_fund_series.csv": Source("official", "yearbook"),
    "province_fund_2008.csv": Source("official", "yearbook"),
    "province_fund_2010.csv": Source("official", "yearbook"),
    "province_fund_2011.csv": Source("official", "yearbook"),
    "communique_figures_secondary.csv": Source("secondary", "communique"),
    "medical_nhsa_series.csv": Source("secondary", ""),
    "national_fund_final_accounts.csv": Source("", ""),
    "communique_figures_2012_2024.csv": Source("", ""),
    "province_fund_2015_2021.csv": Source("", ""),
}

# Rows whose file names the wrong release (or none): (file, line) -> the release they are. The 2022 medical rows
# of these two files carry the figures, date and page of the NHSA 2022 express report (统计快报, 2023-03-09),
# which communique_figures_2012_2024.csv lists as such beside the later bulletin.
EXPRESS_2022 = "the NHSA 2022 express report (统计快报, 2023-03-09): same figures, date and page"
RELEASE_CORRECTIONS: dict[tuple[str, int], tuple[str, str]] = {
    ("medical_nhsa_series.csv", 8): ("express", EXPRESS_2022),
    ("medical_nhsa_series.csv", 9): ("express", EXPRESS_2022),
    ("medical_nhsa_series.csv", 10): ("express", EXPRESS_2022),
    ("communique_figures_secondary.csv", 10): ("express", EXPRESS_2022),
    ("communique_figures_secondary.csv", 11): ("express", EXPRESS_2022),
    ("communique_figures_secondary.csv", 12): ("express", EXPRESS_2022),
}

# The precedence rule, best first: final accounts over yearbook tables over communiqués and bulletins over the
# ministry's reports over express reports; within one release an official copy over a secondary one. A figure
# is revised from the early express report to the communiqué and settled in the final accounts, so the later,
# more final release wins. `mark` is the release's letter in the availability grid and the series chart.
RELEASES = pd.DataFrame(
    [
        ("final_accounts", 0, "F", "决算", "final accounts (Ministry of Finance)"),
        ("yearbook", 1, "Y", "统计年鉴", "statistical yearbook"),
        ("communique", 2, "C", "统计公报", "statistical communiqué (MOHRSS)"),
        ("bulletin", 2, "C", "统计公报", "statistical bulletin (NHSA)"),
        ("mohrss_annual_report", 3, "R", "年度报告", "annual report (MOHRSS)"),
        ("provincial_finance_table", 3, "P", "省财政表", "provincial finance table"),
        ("mohrss_report", 4, "R", "部门通报", "ministry statement or press figures"),
        ("express", 5, "E", "统计快报", "express report"),
        ("unknown", 6, "U", "发布不明", "release not known"),
        ("", 7, "L", "自有台账", "own ledger"),
    ],
    columns=["code", "rank", "mark", "name_zh", "name_en"],
)
RELEASE_RANK = dict(zip(RELEASES["code"], RELEASES["rank"], strict=True))
QUALITY_RANK = {"official": 0, "secondary": 1}


def precedence_order(rows: pd.DataFrame, key: list[str], amounts: list[str]) -> pd.DataFrame:
    """rows sorted per key best first: release, then quality, then more figures given, then the table's order."""
    order = pd.DataFrame(
        {
            "release_rank": rows["release"].map(RELEASE_RANK).fillna(len(RELEASES)),
            "quality_rank": rows["source_quality"].map(QUALITY_RANK).fillna(len(QUALITY_RANK)),
            "blank_figures": rows[amounts].isna().sum(axis=1),
            "position": range(len(rows)),
        },
        index=rows.index,
    )
    by = [*key, "release_rank", "quality_rank", "blank_figures", "position"]
    return rows.join(order).sort_values(by, kind="stable").drop(columns=list(order.columns))


def apply_precedence(rows: pd.DataFrame, key: list[str], amounts: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept, set aside): one row per key by the precedence rule, and every other row, both in the input's order."""
    ordered = precedence_order(rows, key, amounts)
    best = ~ordered.duplicated(key)
    return rows.loc[ordered.index[best]].sort_index(), rows.loc[ordered.index[~best]].sort_index()
