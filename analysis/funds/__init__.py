"""Article 64 funds: the law's model, fund ledgers, their breakdowns and charts, and the published figures."""

from . import charts
from .breakdown import (
    availability,
    fund_breakdown,
    group_breakdown,
    province_breakdown,
    province_coverage,
    rows_in_totals,
    year_totals,
)
from .ledger import (
    HEADERS,
    LEDGER_SCHEMA,
    UNITS,
    LedgerError,
    check_ledger,
    load_ledger,
    open_ledger,
    published_ledger,
    read_reference_table,
    validate_ledger,
)
from .model import (
    ARTICLE_64_EN,
    ARTICLE_64_ZH,
    FUND_CODES,
    FUNDS,
    GROUPS,
    LEDGER_KEY,
    MEASURE_LABELS,
    MEASURES,
    POOLING_LEVELS,
    UNIT_LABEL,
)
from .notebook import READABLE, readable, show_ledger_errors_briefly
from .sources import REFERENCE_TABLE, SOURCES

__all__ = [
    "ARTICLE_64_EN",
    "ARTICLE_64_ZH",
    "FUNDS",
    "FUND_CODES",
    "GROUPS",
    "HEADERS",
    "LEDGER_KEY",
    "LEDGER_SCHEMA",
    "MEASURES",
    "MEASURE_LABELS",
    "POOLING_LEVELS",
    "READABLE",
    "REFERENCE_TABLE",
    "SOURCES",
    "UNITS",
    "UNIT_LABEL",
    "LedgerError",
    "availability",
    "charts",
    "check_ledger",
    "fund_breakdown",
    "group_breakdown",
    "load_ledger",
    "open_ledger",
    "province_breakdown",
    "province_coverage",
    "published_ledger",
    "read_reference_table",
    "readable",
    "rows_in_totals",
    "show_ledger_errors_briefly",
    "validate_ledger",
    "year_totals",
]
