"""Breakdowns of a checked ledger by fund, accounting group, province and year; a missing figure stays missing."""

from __future__ import annotations

import pandas as pd

from .ledger import check_ledger
from .model import FUND_CODES, FUNDS, GROUPS, MEASURES


def _flag_any(df: pd.DataFrame, flag: pd.Series, by: list[str]) -> pd.Series:
    """Per row: does any row of its group (by) have flag set."""
    return flag.groupby([df[c] for c in by], sort=False).transform("any")


def _in_use(ledger: pd.DataFrame) -> pd.DataFrame:
    """Rows that enter totals: the 'all' scheme row where there is one (else each scheme), per year/province/fund."""
    is_all = ledger["scheme"].eq("all")
    return ledger[is_all | ~_flag_any(ledger, is_all, ["year", "province", "fund"])]


def rows_in_totals(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger rows behind fund totals: the national row where there is one, else the provinces' rows."""
    rows = _in_use(check_ledger(ledger))
    national = rows["province"].eq("")
    return rows[national | ~_flag_any(rows, national, ["year", "fund"])]


def _strict_sum(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum the measures per group; a measure missing in any row leaves the group's total missing (a gap)."""
    sums = rows.groupby(by, sort=False)[MEASURES].sum()
    gaps = rows[by].join(rows[MEASURES].isna()).groupby(by, sort=False)[MEASURES].any()
    return sums.mask(gaps)


def _joined(rows: pd.DataFrame, by: list[str], col: str) -> pd.Series:
    """Distinct values of col per group, sorted and joined with '+'."""
    return rows.groupby(by, sort=False)[col].agg(lambda s: "+".join(sorted(set(s))))


def _add_shares(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """share_<measure>_pct: each row's part of its group's total, missing when any part is missing."""
    out = df.copy()
    for m in MEASURES:
        total = df.groupby(by, sort=False)[m].transform("sum")
        total = total.mask(_flag_any(df, df[m].isna(), by) | total.eq(0))
        out[f"share_{m}_pct"] = df[m] / total * 100
    return out


def _add_yoy(df: pd.DataFrame, keys: list[str], same: list[str]) -> pd.DataFrame:
    """yoy_<measure>_pct against the previous calendar year only, and only when the coverage columns match."""
    prev = df[[*keys, "year", *same, *MEASURES]].assign(year=df["year"] + 1)
    merged = df.merge(prev, on=[*keys, "year"], how="left", suffixes=("", "_prev"))
    comparable = pd.concat([merged[c].eq(merged[f"{c}_prev"]) for c in same], axis=1).all(axis=1)
    out = df.copy()
    for m in MEASURES:
        before = merged[f"{m}_prev"].where(comparable & merged[f"{m}_prev"].gt(0))
        out[f"yoy_{m}_pct"] = (merged[m] / before * 100 - 100).to_numpy()
    return out


def _fund_order(codes: pd.Series) -> pd.Series:
    """Position of each fund code in the law's list."""
    return codes.map({c: i for i, c in enumerate(FUND_CODES)})


def fund_breakdown(ledger: pd.DataFrame) -> pd.DataFrame:
    """Per year and fund: revenue, expenditure and balance (亿元), shares of the year's total, year-over-year change."""
    rows = rows_in_totals(ledger)
    by = ["year", "fund"]
    out = _strict_sum(rows, by)
    out["schemes"] = _joined(rows, by, "scheme")
    out["n_provinces"] = rows.loc[rows["province"].ne("")].groupby(by)["province"].nunique()
    out["source_quality"] = _joined(rows, by, "source_quality")
    out["n_rows"] = rows.groupby(by, sort=False).size()
    out = out.reset_index().fillna({"n_provinces": 0}).astype({"n_provinces": "int64"})
    out["basis"] = out["n_provinces"].map(lambda n: "national" if n == 0 else "sum of provinces")
    names = FUNDS[["code", "name_zh", "short_en", "accounting_group"]].rename(columns={"code": "fund"})
    out = out.merge(names, on="fund")
    out = out.sort_values(["year", "fund"], key=lambda s: _fund_order(s) if s.name == "fund" else s, ignore_index=True)
    out = _add_yoy(_add_shares(out, ["year"]), ["fund"], ["schemes", "basis"])
    first = ["year", "fund", "name_zh", "short_en", "accounting_group", *MEASURES]
    return out[first + [c for c in out.columns if c not in first]]


def group_breakdown(ledger: pd.DataFrame) -> pd.DataFrame:
    """Per year and Article 64 accounting group: the funds present summed, which are missing, shares and change."""
    funds = fund_breakdown(ledger)
    by = ["year", "accounting_group"]
    out = _strict_sum(funds, by)
    out["funds_present"] = funds.groupby(by, sort=False)["fund"].agg("+".join)
    out["source_quality"] = _joined(funds, by, "source_quality")
    partial = funds[funds["schemes"].ne("all")]
    out["partial_schemes"] = (
        (partial["fund"] + ": " + partial["schemes"]).groupby([partial[c] for c in by]).agg(", ".join)
    )
    out = out.reset_index().fillna({"partial_schemes": ""})
    members = FUNDS.groupby("accounting_group")["code"].agg(list)
    present = out["funds_present"].str.split("+")
    out["funds_missing"] = [
        "+".join(c for c in members[g] if c not in p) for g, p in zip(out["accounting_group"], present, strict=True)
    ]
    out["complete"] = out["funds_missing"].eq("")
    out = out.merge(GROUPS.rename(columns={"code": "accounting_group"}), on="accounting_group")
    order = {g: i for i, g in enumerate(GROUPS["code"])}
    out = out.sort_values(
        ["year", "accounting_group"], key=lambda s: s.map(order) if s.name != "year" else s, ignore_index=True
    )
    out = _add_yoy(_add_shares(out, ["year"]), ["accounting_group"], ["funds_present"])
    first = ["year", "accounting_group", "name_zh", "name_en", *MEASURES]
    return out[first + [c for c in out.columns if c not in first]]


def province_breakdown(ledger: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Per year, province and fund: the provinces' figures, each province's share of their sum, and change."""
    rows = _in_use(check_ledger(ledger))
    rows = rows[rows["province"].ne("")]
    order = {p: i for i, p in enumerate(pd.unique(rows["province"]))}
    by = ["year", "province", "fund"]
    out = _strict_sum(rows, by)
    out["schemes"] = _joined(rows, by, "scheme")
    out["source_quality"] = _joined(rows, by, "source_quality")
    out = out.reset_index()
    out = out.sort_values(
        ["year", "fund", "province"],
        ignore_index=True,
        key=lambda s: _fund_order(s) if s.name == "fund" else s.map(order) if s.name == "province" else s,
    )
    out = _add_yoy(_add_shares(out, ["year", "fund"]), ["province", "fund"], ["schemes"])
    return out if year is None else out[out["year"].eq(year)].reset_index(drop=True)


def province_coverage(ledger: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per fund in a year: how many provinces have figures, which are missing, their sum against the national row."""
    provinces = province_breakdown(ledger, year)
    everyone = list(pd.unique(provinces["province"]))
    national = _in_use(check_ledger(ledger))
    national = national[national["year"].eq(year) & national["province"].eq("")]
    national_revenue = _strict_sum(national, ["fund"])["revenue"]
    records = []
    for code in FUND_CODES:
        have = set(provinces.loc[provinces["fund"].eq(code), "province"])
        missing = [p for p in everyone if p not in have]
        records.append(
            {
                "fund": code,
                "n_provinces": len(have),
                "missing_provinces": "all (no provincial figures)" if not have else ", ".join(missing),
                "provinces_revenue": provinces.loc[provinces["fund"].eq(code), "revenue"].sum(min_count=1),
                "national_revenue": national_revenue.get(code, float("nan")),
            }
        )
    out = pd.DataFrame(records)
    out["difference"] = out["national_revenue"] - out["provinces_revenue"]
    return out.merge(FUNDS[["code", "name_zh"]].rename(columns={"code": "fund"}), on="fund")[
        ["fund", "name_zh", "n_provinces", "missing_provinces", "provinces_revenue", "national_revenue", "difference"]
    ]


def year_totals(breakdown: pd.DataFrame) -> pd.DataFrame:
    """Per year: the funds' totals (missing if any fund's figure is missing), how many funds, and which are absent."""
    out = _strict_sum(breakdown, ["year"])
    out["n_funds"] = breakdown.groupby("year")["fund"].nunique()
    present = breakdown.groupby("year")["fund"].agg(set)
    out["funds_missing"] = present.map(lambda p: "+".join(c for c in FUND_CODES if c not in p))
    return out.reset_index().sort_values("year", ignore_index=True)


def availability(breakdown: pd.DataFrame) -> pd.DataFrame:
    """Fund x year grid of what the ledger holds: O official, S secondary, L own ledger, * partial schemes, — none."""
    years = list(range(breakdown["year"].min(), breakdown["year"].max() + 1)) if len(breakdown) else []
    mark = breakdown["source_quality"].str.replace("official", "O").str.replace("secondary", "S").str.replace(
        "own ledger", "L"
    ) + breakdown["schemes"].ne("all").map({True: "*", False: ""})
    grid = breakdown.assign(mark=mark).pivot(index="fund", columns="year", values="mark")
    grid = grid.reindex(index=list(FUND_CODES), columns=years)
    grid = grid.astype(object).where(grid.notna(), "—")
    grid.index = FUNDS["name_zh"] + " " + FUNDS["code"]
    grid.index.name = "基金 fund"
    grid.columns.name = "年份 year"
    return grid
