"""Published fund figures: build the tidy reference table from the shared source CSVs, and read it back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.config import PROJ_ROOT, REFERENCE_DIR, display_path

REFERENCE_TABLE = REFERENCE_DIR / "fund_figures.csv"
SHARED_REFERENCE_DIR = PROJ_ROOT.parent / "shared" / "reference-data"

# file -> (quality, default release). Order here is the row order of the tidy table.
SOURCE_FILES: dict[str, tuple[str, str]] = {
    "national_fund_series.csv": ("official", "yearbook"),
    "province_fund_2008.csv": ("official", "yearbook"),
    "province_fund_2010.csv": ("official", "yearbook"),
    "province_fund_2011.csv": ("official", "yearbook"),
    "communique_figures_secondary.csv": ("secondary", "communique"),
    "medical_nhsa_series.csv": ("secondary", ""),
}

COLUMNS = [
    "year", "province_code", "province_name_zh", "province_name_en", "fund", "scheme",
    "revenue", "expenditure", "year_end_balance", "balance_measure", "unit", "release",
    "source_quality", "source_file", "source_row", "source_url", "source_note",
]

# GB/T 2260 province-level codes of the 31 mainland provinces, with their short Chinese names.
PROVINCE_NAMES_ZH = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏",
    "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西",
    "46": "海南", "50": "重庆", "51": "四川", "52": "贵州", "53": "云南",
    "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
}


def _read_source(path: Path) -> pd.DataFrame:
    """One shared CSV as text cells (digits kept exactly as published), with its file line numbers."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return df.assign(source_row=(df.index + 2).astype(str))  # line 1 is the header


def _tidy(df: pd.DataFrame, file: str, national_notes: pd.DataFrame) -> pd.DataFrame:
    """Put one source file into the tidy columns."""
    quality, release = SOURCE_FILES[file]
    out = df.copy()
    if "year" not in out:  # province_fund_YYYY.csv carries its year in the file name
        out["year"] = file.removesuffix(".csv").rsplit("_", 1)[1]
    if "province_code" not in out:
        out["province_code"] = ""
        out["province_name_en"] = ""
    out["province_name_zh"] = out["province_code"].map(PROVINCE_NAMES_ZH).fillna("")
    if "release" not in out:
        out["release"] = release
    out["source_quality"] = quality
    out["source_file"] = file
    if "source_table" in out:
        out["source_note"] = out["source_table"]
    elif "note" in out:
        out["source_note"] = out["note"]
    else:  # provincial rows come from the same by-region table as the national total
        keyed = out.merge(national_notes, on=["year", "fund", "source_url"], how="left")
        out["source_note"] = ("By-region row of: " + keyed["national_note"].fillna("")).to_numpy()
    if "balance_measure" not in out:
        has_balance = out["year_end_balance"].str.strip() != ""
        measure = out["fund"].map({"work_injury": "incl_reserves"}).fillna("total")
        out["balance_measure"] = measure.where(has_balance, "")
    return out[COLUMNS]


def build_reference_table(shared_dir: str | Path = SHARED_REFERENCE_DIR) -> pd.DataFrame:
    """The tidy table of published fund figures: every source row once, as published, with its source."""
    shared_dir = Path(shared_dir)
    frames = {file: _read_source(shared_dir / file) for file in SOURCE_FILES}
    national = frames["national_fund_series.csv"]
    national_notes = national[["year", "fund", "source_url", "source_table"]].rename(
        columns={"source_table": "national_note"}
    )
    parts = [_tidy(df, file, national_notes) for file, df in frames.items()]
    return pd.concat(parts, ignore_index=True)


def write_reference_table(shared_dir: str | Path = SHARED_REFERENCE_DIR, out: Path = REFERENCE_TABLE) -> Path:
    """Regenerate data/reference/fund_figures.csv from the shared source CSVs."""
    build_reference_table(shared_dir).to_csv(out, index=False, encoding="utf-8", lineterminator="\n")
    return out


def read_reference_table(path: str | Path = REFERENCE_TABLE) -> pd.DataFrame:
    """The committed reference table, amounts as floats (empty = not published) and codes as text."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    amounts = ["revenue", "expenditure", "year_end_balance"]
    df[amounts] = df[amounts].apply(pd.to_numeric)
    df["year"] = df["year"].astype("int64")
    df["source_row"] = df["source_row"].astype("int64")
    return df


# When one (year, province, fund, scheme) is published in two files, the lower rank wins: official yearbook
# tables first, then the health-security series (it states its release and balance measure), then press reports.
SOURCE_RANK = {
    "national_fund_series.csv": 0, "province_fund_2008.csv": 0, "province_fund_2010.csv": 0,
    "province_fund_2011.csv": 0, "medical_nhsa_series.csv": 1, "communique_figures_secondary.csv": 2,
}


def published_ledger(path: str | Path = REFERENCE_TABLE) -> pd.DataFrame:
    """The reference table as a fund ledger: one row per key (see SOURCE_RANK), each row keeping its source."""
    from analysis.funds import check_ledger

    t = read_reference_table(path)
    province = (t["province_name_zh"] + " " + t["province_name_en"]).where(t["province_code"].ne(""), "")
    ledger = pd.DataFrame(
        {
            "year": t["year"],
            "province": province,
            "fund": t["fund"],
            "scheme": t["scheme"],
            "revenue": t["revenue"],
            "expenditure": t["expenditure"],
            "balance": t["year_end_balance"],
            "source": t["source_url"],
            "source_quality": t["source_quality"],
            "row": t.index.to_series() + 2,  # line in fund_figures.csv (line 1 is the header)
            "source_file": t["source_file"],
            "source_row": t["source_row"],
            "balance_measure": t["balance_measure"],
            "release": t["release"],
        }
    )
    rank = ledger["source_file"].map(SOURCE_RANK)
    ledger = ledger.assign(_rank=rank).sort_values(["_rank", "row"], kind="stable")
    ledger = ledger.drop_duplicates(["year", "province", "fund", "scheme"]).sort_values("row")
    return check_ledger(ledger.drop(columns="_rank").reset_index(drop=True), display_path(path))


if __name__ == "__main__":
    print(write_reference_table().relative_to(PROJ_ROOT))
