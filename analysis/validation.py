"""Tables of notebook 01: what was read, which rows are unusable and why, applications per province, flags at a
glance. Small, labelled, and masked (no full ID numbers or names)."""

from __future__ import annotations

import pandas as pd

from . import privacy, provinces
from .contract import FLAGS, LoadReport

# Values inside a reason ('火星', dates) vary per row; the kind of reason does not.
_VALUE_IN_REASON = r"'[^']*'|\d{4}-\d{2}-\d{2}|\b\d+ rows\b"


def load_summary(report: LoadReport, frame: pd.DataFrame) -> pd.DataFrame:
    """The load report as a two-column table an analyst reads top to bottom."""
    unusable = frame["record_problem"].notna() | frame["id_problem"].notna()
    rows = [
        ("file", report.source),
        ("format", report.file_format + (f" ({report.encoding})" if report.encoding else "")),
        ("rows read", f"{report.rows_read:,}"),
        ("usable rows", f"{int((~unusable).sum()):,}"),
        ("unusable rows", f"{int(unusable.sum()):,} ({unusable.mean():.1%})" if len(frame) else "0"),
        ("columns found", ", ".join(f"{c} ← {h}" for c, h in report.columns.items())),
        ("optional columns absent", ", ".join(report.absent_optional) or "none"),
        ("document completeness", "checked" if report.documents_checked else "not checked (no document columns)"),
        ("headers ignored", ", ".join(report.ignored_headers) or "none"),
    ]
    rows += [("note", note) for note in report.notes]
    return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")


def reason_kind(reasons: pd.Series) -> pd.Series:
    """A reason with its row-specific values replaced by '…', so equal kinds count together."""
    return reasons.str.replace(_VALUE_IN_REASON, "…", regex=True)


def problems_by_reason(flags: pd.DataFrame, flag_names: list[str]) -> pd.DataFrame:
    """Rows per (flag, reason kind); a row with several reasons counts once under each."""
    chosen = flags[flags["flag"].isin(flag_names)]
    parts = chosen.assign(reason=chosen["detail"].str.replace(r" \(.*\)$", "", regex=True).str.split("; ")).explode(
        "reason"
    )
    parts["reason"] = reason_kind(parts["reason"])
    table = parts.groupby(["flag", "reason"], sort=False).size().rename("rows").reset_index()
    return table.sort_values(["flag", "rows"], ascending=[True, False]).reset_index(drop=True)


def unusable_rows(frame: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The first unusable rows, masked, with the reasons that make them unusable."""
    bad = frame[frame["record_problem"].notna() | frame["id_problem"].notna()]
    shown = bad.head(limit)
    table = pd.DataFrame(
        {
            "row": shown["row"],
            "application_id": shown["application_id"],
            "id_number": privacy.mask_ids(shown["id_number"]),
            "name": privacy.mask_names(shown["name"]),
            "province": shown["province"],
            "applied_on": shown["applied_on"].dt.strftime("%Y-%m-%d"),
            "reason": shown["id_problem"]
            .fillna("")
            .str.cat(shown["record_problem"].fillna(""), sep="; ")
            .str.strip("; "),
        }
    )
    return table.set_index("row")


def province_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Usable applications per province (two-digit code, Chinese and English names), most first."""
    usable = frame[frame["record_problem"].isna() & frame["id_problem"].isna()]
    counts = usable["province_code"].value_counts().rename("applications")
    table = provinces.PROVINCES.set_index("code").join(counts, how="inner")
    table = table[["short_zh", "name_en", "applications"]].rename(
        columns={"short_zh": "province", "name_en": "english"}
    )
    table.index.name = "code"
    return table.sort_values("applications", ascending=False)


def flag_overview(flags: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Rows read, and rows per flag with their share of all rows: the figures that matter."""
    total = max(report.rows_read, 1)
    per_flag = flags.groupby("flag")["row"].nunique().reindex(FLAGS, fill_value=0)
    rows = [("rows read", report.rows_read), ("rows with no flag", report.rows_read - flags["row"].nunique())]
    rows += [(flag, int(n)) for flag, n in per_flag.items()]
    table = pd.DataFrame(rows, columns=["", "rows"]).set_index("")
    table["share"] = (table["rows"] / total).map("{:.1%}".format)
    return table
