"""Build data/reference/fund_figures.csv from the source files in data/reference/sources/ (make reference)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import FUND_SOURCES_DIR, display_path
from ..provinces import SHORT_NAME
from .sources import REFERENCE_TABLE, RELEASE_CORRECTIONS, SOURCES

COLUMNS = [
    "year",
    "province_code",
    "province_name_zh",
    "province_name_en",
    "fund",
    "scheme",
    "revenue",
    "expenditure",
    "year_end_balance",
    "balance_measure",
    "unit",
    "release",
    "source_quality",
    "source_file",
    "source_row",
    "source_url",
    "source_note",
]


def _read_source(path: Path) -> pd.DataFrame:
    """One source CSV as text cells (digits kept exactly as published), with its file line numbers."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return df.assign(source_row=(df.index + 2).astype(str))  # line 1 is the header


def _tidy(df: pd.DataFrame, file: str, national_notes: pd.DataFrame) -> pd.DataFrame:
    """Put one source file into the tidy columns."""
    source = SOURCES[file]
    out = df.copy()
    if "year" not in out:  # province_fund_YYYY.csv carries its year in the file name
        out["year"] = file.removesuffix(".csv").rsplit("_", 1)[1]
    if "province_code" not in out:
        out["province_code"] = ""
        out["province_name_en"] = ""
    out["province_name_zh"] = out["province_code"].map(SHORT_NAME).fillna("")
    said = out["release"] if "release" in out else pd.Series("", index=out.index)  # the file's own word
    if "release" not in out:
        out["release"] = source.release
    if "source_quality" not in out:
        out["source_quality"] = source.quality
    out["source_file"] = file
    if "source_table" in out:
        out["source_note"] = out["source_table"]
    elif "note" in out:
        out["source_note"] = out["note"]
    elif "source_note" not in out:  # provincial rows come from the same by-region table as the national total
        keyed = out.merge(national_notes, on=["year", "fund", "source_url"], how="left")
        out["source_note"] = ("By-region row of: " + keyed["national_note"].fillna("")).to_numpy()
    if "balance_measure" not in out:
        has_balance = out["year_end_balance"].str.strip() != ""
        measure = out["fund"].map({"work_injury": "incl_reserve"}).fillna("total")  # the later files' word
        out["balance_measure"] = measure.where(has_balance, "")
    return _corrected(out[COLUMNS], said)


def _corrected(out: pd.DataFrame, said: pd.Series) -> pd.DataFrame:
    """The rows of RELEASE_CORRECTIONS with their release set right, and the note saying what the file said."""
    fixes = pd.DataFrame(
        [(f, str(line), release, why) for (f, line), (release, why) in RELEASE_CORRECTIONS.items()],
        columns=["source_file", "source_row", "fixed", "why"],
    )
    hit = out[["source_file", "source_row"]].merge(fixes, how="left")
    fixed = hit["fixed"].notna().to_numpy()
    said = ("'" + said + "'").where(said.ne(""), "no release").to_numpy()
    note = " [release: " + hit["fixed"] + "; the source file says " + said + "; " + hit["why"] + "]"
    out = out.copy()
    out.loc[fixed, "source_note"] = out.loc[fixed, "source_note"] + note[fixed].to_numpy()
    out.loc[fixed, "release"] = hit.loc[fixed, "fixed"].to_numpy()
    return out


def build_reference_table(sources_dir: str | Path = FUND_SOURCES_DIR) -> pd.DataFrame:
    """The tidy table of published fund figures: every source row once, as published, with its source."""
    sources_dir = Path(sources_dir)
    frames = {file: _read_source(sources_dir / file) for file in SOURCES}
    national = frames["national_fund_series.csv"]
    national_notes = national[["year", "fund", "source_url", "source_table"]].rename(
        columns={"source_table": "national_note"}
    )
    parts = [_tidy(df, file, national_notes) for file, df in frames.items()]
    return pd.concat(parts, ignore_index=True)


def write_reference_table(sources_dir: str | Path = FUND_SOURCES_DIR, out: Path = REFERENCE_TABLE) -> Path:
    """Write the tidy table (by default over data/reference/fund_figures.csv) and return its path."""
    build_reference_table(sources_dir).to_csv(out, index=False, encoding="utf-8", lineterminator="\n")
    return out


if __name__ == "__main__":
    print(display_path(write_reference_table()))
