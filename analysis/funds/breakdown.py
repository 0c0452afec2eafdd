"""Breakdowns of a checked ledger by fund, accounting group, province and year; a missing figure stays missing."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from .ledger import check_ledger
from .model import (
    FUND_CODES,
    FUNDS,
    GROUPS,
    MATERNITY_IN_MEDICAL_FROM,
    MEASURES,
    SCHEMES,
    WHOLE_FUND,
    scheme_ancestors,
)
from .sources import RELEASE_RANK, RELEASES

OUTSIDE_TOTALS = set(SCHEMES.loc[~SCHEMES["in_totals"], "code"])
MARKS = dict(zip(RELEASES["code"], RELEASES["mark"], strict=True))


def _flag_any(df: pd.DataFrame, flag: pd.Series, by: list[str]) -> pd.Series:
    """Per row: does any row of its group (by) have flag set."""
    return flag.groupby([df[c] for c in by], sort=False).transform("any")


def _in_use(ledger: pd.DataFrame) -> pd.DataFrame:
    """Rows that enter totals per year/province/fund: no scheme inside another present, no transfer."""
    # An `all` row alone where there is one; never a part added to the whole it lies inside (model.SCHEMES "inside").
    rows = ledger[~ledger["scheme"].isin(OUTSIDE_TOTALS)]
    ancestors = scheme_ancestors()
    own = pd.unique(rows.loc[~rows["scheme"].isin(SCHEMES["code"]), "scheme"])  # a ledger's own schemes: in `all`
    ancestors = pd.concat([ancestors, pd.DataFrame({"scheme": own, "ancestor": "all"})], ignore_index=True)
    key = ["year", "province", "fund"]
    pairs = rows[[*key, "scheme"]].assign(_pos=np.arange(len(rows))).merge(ancestors, on="scheme")
    present = rows[[*key, "scheme"]].rename(columns={"scheme": "ancestor"}).drop_duplicates()
    inside = pairs.merge(present, on=[*key, "ancestor"])["_pos"].unique()
    return rows[~np.isin(np.arange(len(rows)), inside)]


def rows_in_totals(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger rows behind fund totals: national rows; provinces only in a year without any national row."""
    # A fund with provincial rows only, in a year with national rows, has no national figure: a few provinces are
    # never passed off as the country.
    rows = _in_use(check_ledger(ledger))
    national = rows["province"].eq("")
    return rows[national | ~_flag_any(rows, national, ["year"])]


def _strict_sum(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum the measures per group; a measure missing in any row leaves the group's total missing (a gap)."""
    sums = rows.groupby(by, sort=False)[MEASURES].sum()
    gaps = rows[by].join(rows[MEASURES].isna()).groupby(by, sort=False)[MEASURES].any()
    return sums.mask(gaps)


def _joined(rows: pd.DataFrame, by: list[str], col: str) -> pd.Series:
    """Distinct values of col per group, sorted and joined with '+'."""
    return rows.groupby(by, sort=False)[col].agg(lambda s: "+".join(sorted(set(s))))


def _marks(rows: pd.DataFrame, by: list[str]) -> pd.Series:
    """Per group: the letters of the releases behind it, best first; lower case for a secondary copy."""
    letter = rows["release"].map(MARKS).fillna(MARKS["unknown"])
    letter = letter.where(~rows["source_quality"].eq("secondary"), letter.str.lower())
    ranked = rows[by].assign(_mark=letter, _rank=rows["release"].map(RELEASE_RANK).fillna(len(RELEASES)))
    ranked = ranked.sort_values("_rank", kind="stable").drop_duplicates([*by, "_mark"])
    return ranked.groupby(by, sort=False)["_mark"].agg("".join)


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
    out["releases"] = _joined(rows, by, "release")
    out["marks"] = _marks(rows, by)
    out["n_rows"] = rows.groupby(by, sort=False).size()
    out = out.reset_index().fillna({"n_provinces": 0}).astype({"n_provinces": "int64"})
    out["basis"] = out["n_provinces"].eq(0).map({True: "national", False: "sum of provinces"})
    out["whole"] = out["schemes"].isin(WHOLE_FUND)
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
    members = out[by].merge(FUNDS[["accounting_group", "code"]].rename(columns={"code": "fund"}), on="accounting_group")
    missing = _missing(funds, members)
    out = out.merge(missing.groupby(by)["fund"].agg("+".join).rename("funds_missing"), on=by, how="left")
    out["funds_missing"] = out["funds_missing"].fillna("")
    out["complete"] = out["funds_missing"].eq("")
    merged = maternity_in_medical(funds)
    out["maternity_in_medical"] = out["accounting_group"].eq("medical_maternity") & out["year"].map(merged).fillna(
        False
    ).astype(bool)
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


def province_coverage(ledger: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Per fund in a year: provinces with figures, those missing, their sum against the national row."""
    # `comparable` where both cover the same schemes; the difference only then (left unassigned). No year: no rows.
    columns = ["fund", "name_zh", "n_provinces", "missing_provinces", "provinces_revenue", "national_revenue"]
    columns += ["difference", "comparable"]
    if year is None:
        return pd.DataFrame(columns=columns)
    provinces = province_breakdown(ledger, year)
    national = _in_use(check_ledger(ledger))
    national = national[national["year"].eq(year) & national["province"].eq("")]
    nation = _strict_sum(national, ["fund"])
    nation["schemes"] = _joined(national, ["fund"], "scheme")
    everyone = pd.unique(provinces["province"])
    grid = pd.MultiIndex.from_product([FUND_CODES, everyone], names=["fund", "province"]).to_frame(index=False)
    have = grid.merge(provinces[["fund", "province"]], how="left", indicator=True)["_merge"].eq("both")
    missing = grid[~have.to_numpy()].groupby("fund")["province"].agg(", ".join)
    by_fund = provinces.groupby("fund")
    out = pd.DataFrame({"fund": list(FUND_CODES)}).set_index("fund")
    out["n_provinces"] = by_fund["province"].nunique().reindex(out.index).fillna(0).astype("int64")
    out["missing_provinces"] = missing.reindex(out.index).fillna("")
    out.loc[out["n_provinces"].eq(0), "missing_provinces"] = "all (no provincial figures)"
    out["provinces_revenue"] = by_fund["revenue"].sum(min_count=1).reindex(out.index)
    out["national_revenue"] = nation["revenue"].reindex(out.index)
    provincial_schemes = by_fund["schemes"].agg(lambda s: "+".join(sorted(set(s))))
    out["comparable"] = provincial_schemes.reindex(out.index).eq(nation["schemes"].reindex(out.index))
    # left unassigned, and only between figures of the same schemes
    out["difference"] = (out["national_revenue"] - out["provinces_revenue"]).where(out["comparable"])
    out = out.reset_index().merge(FUNDS[["code", "name_zh"]].rename(columns={"code": "fund"}), on="fund")
    return out[columns]


def maternity_in_medical(breakdown: pd.DataFrame) -> pd.Series:
    """Per year of a fund breakdown: is maternity inside the medical figure (from 2019, medical there, no maternity)."""
    present = breakdown.groupby(["year", "fund"]).size().unstack().reindex(columns=list(FUND_CODES)).notna()
    merged = present["medical"] & ~present["maternity"] & (present.index >= MATERNITY_IN_MEDICAL_FROM)
    return merged.rename("maternity_in_medical")


def _missing(breakdown: pd.DataFrame, wanted: pd.DataFrame) -> pd.DataFrame:
    """The (year, fund) rows of wanted that the breakdown lacks; maternity is not lacking where it is inside medical."""
    have = wanted.merge(breakdown[["year", "fund"]], on=["year", "fund"], how="left", indicator=True)
    merged = have["year"].map(maternity_in_medical(breakdown)).fillna(False).astype(bool) & have["fund"].eq("maternity")
    return wanted[(have["_merge"].eq("left_only") & ~merged).to_numpy()]


def year_totals(breakdown: pd.DataFrame) -> pd.DataFrame:
    """Per year: the funds' totals (a gap where any fund lacks a figure), the funds absent, all five or not."""
    # Maternity is not absent where it is inside medical (from 2019).
    out = _strict_sum(breakdown, ["year"])
    out["n_funds"] = breakdown.groupby("year")["fund"].nunique()
    wanted = pd.MultiIndex.from_product([out.index, FUND_CODES], names=["year", "fund"]).to_frame(index=False)
    missing = _missing(breakdown, wanted).groupby("year", sort=False)["fund"].agg("+".join)
    out["funds_missing"] = missing.reindex(out.index).fillna("")
    out["maternity_in_medical"] = maternity_in_medical(breakdown).reindex(out.index).fillna(False).astype(bool)
    out["all_five"] = out["funds_missing"].eq("")
    return out.reset_index().sort_values("year", ignore_index=True)


class Years(NamedTuple):
    """The years notebook 04 shows, and how each was found."""

    fund: int | None  # the year of the side-by-side and accounting-group views
    province: int | None  # the year of the provincial view
    fund_how: str  # given, all_five (the latest with all five funds), most_funds (none has all five), none
    province_how: str  # given, latest (the latest with provincial rows), none


def chosen_years(ledger: pd.DataFrame, fund_year: int | None = None, province_year: int | None = None) -> Years:
    """The years to show: those given, else chosen from the ledger (see Years); None where it has nothing."""
    # Funds: the latest year with all five, else the year with the most funds (latest first). Provinces: the latest
    # year with provincial rows.
    totals = year_totals(fund_breakdown(ledger))
    if fund_year is not None:
        fund, fund_how = int(fund_year), "given"
    elif totals.empty:
        fund, fund_how = None, "none"
    elif totals["all_five"].any():
        fund, fund_how = int(totals.loc[totals["all_five"], "year"].max()), "all_five"
    else:
        most = totals.sort_values(["n_funds", "year"]).iloc[-1]
        fund, fund_how = int(most["year"]), "most_funds"
    provincial = ledger.loc[ledger["province"].ne("") & ~ledger["scheme"].isin(OUTSIDE_TOTALS), "year"]
    if province_year is not None:
        province, province_how = int(province_year), "given"
    elif provincial.empty:
        province, province_how = None, "none"
    else:
        province, province_how = int(provincial.max()), "latest"
    return Years(fund, province, fund_how, province_how)


def scheme_series(ledger: pd.DataFrame) -> pd.DataFrame:
    """Per year, fund and scheme: the figures as published, never one scheme added to another, with releases."""
    # National rows; in a year without any, the provinces summed.
    rows = check_ledger(ledger)
    rows = rows[~rows["scheme"].isin(OUTSIDE_TOTALS)]
    national = rows["province"].eq("")
    rows = rows[national | ~_flag_any(rows, national, ["year"])]
    by = ["year", "fund", "scheme"]
    out = _strict_sum(rows, by)
    out["releases"] = _joined(rows, by, "release")
    out["source_quality"] = _joined(rows, by, "source_quality")
    out["marks"] = _marks(rows, by)
    out = out.reset_index()
    order = {c: i for i, c in enumerate(SCHEMES["code"])}
    out["_scheme"] = out["scheme"].map(order).fillna(len(order))
    out = out.sort_values(
        ["fund", "_scheme", "scheme", "year"], key=lambda s: _fund_order(s) if s.name == "fund" else s
    )
    return out.drop(columns="_scheme").reset_index(drop=True)


def availability(breakdown: pd.DataFrame) -> pd.DataFrame:
    """Fund x year grid: release letters (lower case: secondary), * partial, ⊂ inside medical, — none."""
    years = list(range(breakdown["year"].min(), breakdown["year"].max() + 1)) if len(breakdown) else []
    mark = breakdown["marks"] + (~breakdown["whole"]).map({True: "*", False: ""})
    grid = breakdown.assign(mark=mark).pivot(index="fund", columns="year", values="mark")
    grid = grid.reindex(index=list(FUND_CODES), columns=years)
    merged = maternity_in_medical(breakdown).reindex(years).fillna(False).astype(bool)
    grid.loc["maternity"] = grid.loc["maternity"].where(~merged.to_numpy(), "⊂")
    grid = grid.astype(object).where(grid.notna(), "—")
    grid.index = FUNDS["name_zh"] + " " + FUNDS["code"]
    grid.index.name = "基金 fund"
    grid.columns.name = "年份 year"
    return grid


def rows_shown(ledger: pd.DataFrame, years: Years) -> pd.DataFrame:
    """The ledger rows behind what notebook 04 shows for its years: the fund totals and the provincial figures."""
    totals = rows_in_totals(ledger)
    provincial = _in_use(check_ledger(ledger))
    shown = pd.concat(
        [
            totals[totals["year"].eq(years.fund)],
            provincial[provincial["year"].eq(years.province) & provincial["province"].ne("")],
        ]
    )
    return shown[~shown.index.duplicated()].sort_values(["year", "row"])
