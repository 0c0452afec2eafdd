"""The published-figure source files, what each is worth, and where the reference table built from them lives."""

from __future__ import annotations

from typing import NamedTuple

from ..config import REFERENCE_DIR

REFERENCE_TABLE = REFERENCE_DIR / "fund_figures.csv"


class Source(NamedTuple):
    """How one source file's rows enter the reference table."""

    quality: str  # official (a yearbook table) or secondary (a press report or repost)
    release: str  # release of rows whose file has no release column; "" when it has one
    rank: int  # when one key is published in two files, the lower rank wins in published_ledger()


# Every file under data/reference/sources/ the table is built from; this order is the table's row order.
# Ranks: official yearbook tables first, then the health-security series (it states its release and balance
# measure), then press reports of the communiqués.
SOURCES: dict[str, Source] = {
    "national_fund_series.csv": Source("official", "yearbook", 0),
    "province_fund_2008.csv": Source("official", "yearbook", 0),
    "province_fund_2010.csv": Source("official", "yearbook", 0),
    "province_fund_2011.csv": Source("official", "yearbook", 0),
    "communique_figures_secondary.csv": Source("secondary", "communique", 2),
    "medical_nhsa_series.csv": Source("secondary", "", 1),
}
