"""Article 64 of the Social Insurance Law: the five funds, ledgers of fund figures, and their breakdowns."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.config import display_path, resolve_input

ARTICLE_64_ZH = (
    "社会保险基金包括基本养老保险基金、基本医疗保险基金、工伤保险基金、失业保险基金和生育保险基金。"
    "除基本医疗保险基金与生育保险基金合并建账及核算外，其他各项社会保险基金按照社会保险险种分别建账，分账核算。"
    "社会保险基金执行国家统一的会计制度。社会保险基金专款专用，任何组织和个人不得侵占或者挪用。"
    "基本养老保险基金逐步实行全国统筹，其他社会保险基金逐步实行省级统筹，具体时间、步骤由国务院规定。"
)
ARTICLE_64_EN = (
    "Social insurance funds comprise the basic pension, basic medical, work-injury, unemployment and maternity "
    "insurance funds. Except that the basic medical and maternity insurance funds are kept in one account, each "
    "fund is kept in its own account. The funds follow the national unified accounting system, are earmarked for "
    "their purpose, and no organisation or person may occupy or divert them. The basic pension fund moves step by "
    "step to national pooling, the other funds to provincial pooling, on a timetable set by the State Council."
)

# Order of the law's own list. Accounting group and pooling level as Article 64 (2018 text) states them.
FUNDS = pd.DataFrame(
    [
        ("pension", "基本养老保险基金", "basic pension insurance fund", "Pension", "pension", "national"),
        ("medical", "基本医疗保险基金", "basic medical insurance fund", "Medical", "medical_maternity", "provincial"),
        ("work_injury", "工伤保险基金", "work-injury insurance fund", "Work injury", "work_injury", "provincial"),
        ("unemployment", "失业保险基金", "unemployment insurance fund", "Unemployment", "unemployment", "provincial"),
        ("maternity", "生育保险基金", "maternity insurance fund", "Maternity", "medical_maternity", "provincial"),
    ],
    columns=["code", "name_zh", "name_en", "short_en", "accounting_group", "pooling_level"],
)
FUND_CODES: tuple[str, ...] = tuple(FUNDS["code"])

GROUPS = pd.DataFrame(
    [
        ("pension", "基本养老保险基金（单独建账）", "pension (own account)"),
        ("medical_maternity", "基本医疗与生育保险基金（合并建账）", "medical + maternity (one account)"),
        ("work_injury", "工伤保险基金（单独建账）", "work injury (own account)"),
        ("unemployment", "失业保险基金（单独建账）", "unemployment (own account)"),
    ],
    columns=["code", "name_zh", "name_en"],
)
POOLING_LEVELS = {"national": "全国统筹 national pooling", "provincial": "省级统筹 provincial pooling"}

MEASURES = ["revenue", "expenditure", "balance"]
MEASURE_LABELS = {"revenue": "收入 Revenue", "expenditure": "支出 Expenditure", "balance": "年末累计结余 Year-end balance"}
UNIT_LABEL = "亿元 (100 million yuan)"
LEDGER_KEY = ["year", "province", "fund", "scheme"]

HEADERS = {
    "year": ["year", "年度", "年份", "年"],
    "province": ["province", "省份", "省", "地区", "省份名称"],
    "fund": ["fund", "基金", "险种", "基金名称", "fund_code"],
    "scheme": ["scheme", "制度", "类别", "险种类别"],
    "revenue": ["revenue", "收入", "基金收入", "income"],
    "expenditure": ["expenditure", "支出", "基金支出", "spending"],
    "balance": ["balance", "year_end_balance", "结余", "累计结余", "年末累计结余", "年末滚存结余"],
    "unit": ["unit", "单位"],
    "source": ["source", "source_url", "来源", "数据来源"],
    "source_quality": ["source_quality", "来源质量"],
}
REQUIRED = ["year", "fund", "revenue", "expenditure", "balance"]
_HEADER_ALIAS = {alias: col for col, aliases in HEADERS.items() for alias in aliases}

_FUND_ALIAS = {
    **{c: c for c in FUND_CODES},
    **dict(zip(FUNDS["name_zh"], FUNDS["code"])),
    **dict(zip(FUNDS["name_en"].str.replace(r"[\s\-]+", "_", regex=True), FUNDS["code"])),
    "养老": "pension", "养老保险": "pension", "基本养老保险": "pension", "old_age": "pension",
    "医疗": "medical", "医疗保险": "medical", "基本医疗保险": "medical", "health": "medical",
    "工伤": "work_injury", "工伤保险": "work_injury", "work_injury_insurance": "work_injury",
    "失业": "unemployment", "失业保险": "unemployment",
    "生育": "maternity", "生育保险": "maternity",
}
_SCHEME_ALIAS = {"": "all", "合计": "all", "全部": "all", "城镇职工": "employee", "职工": "employee",
                 "城乡居民": "urban_rural_resident", "居民": "urban_rural_resident"}
_NATIONAL = {"", "全国", "national", "total", "合计"}
# divisor that turns an amount in this unit into 亿元 (100 million yuan)
UNITS = {"亿元": 1, "100 million yuan": 1, "万元": 10_000, "10 000 yuan": 10_000, "10000 yuan": 10_000,
         "元": 100_000_000, "yuan": 100_000_000}


class LedgerError(ValueError):
    """A ledger that cannot be used; the message says what, where (file, column, rows) and what to do."""


_amount = pa.Column(float, pa.Check.ge(0), nullable=True)
LEDGER_SCHEMA = pa.DataFrameSchema(
    {
        "year": pa.Column("int64", pa.Check.in_range(1949, 2100)),
        "province": pa.Column(str),
        "fund": pa.Column(str, pa.Check.isin(FUND_CODES)),
        "scheme": pa.Column(str, pa.Check.str_length(min_value=1)),
        "revenue": _amount,
        "expenditure": _amount,
        "balance": _amount,
        "source": pa.Column(str),
        "source_quality": pa.Column(str),
        "row": pa.Column("int64"),
    },
    unique=LEDGER_KEY,
    strict=False,
)


def _rows(mask: pd.Series, values: pd.Series | None = None, limit: int = 8) -> str:
    """'rows 3, 7 (...)': file row numbers (header = row 1) where mask is true, with the offending values."""
    hit = mask[mask].index
    shown = [f"{i + 2} ({values[i]!r})" if values is not None else str(i + 2) for i in hit[:limit]]
    more = f" and {len(hit) - limit} more" if len(hit) > limit else ""
    return ("row " if len(hit) == 1 else "rows ") + ", ".join(shown) + more


def _header_key(header: object) -> tuple[str, str]:
    """Normalized header and the unit written in brackets after it, e.g. '收入（万元）' -> ('收入', '万元')."""
    text = str(header).strip()
    m = re.fullmatch(r"(.*?)\s*[(（]\s*(.+?)\s*[)）]", text)
    name, unit = (m.group(1), m.group(2)) if m else (text, "")
    return re.sub(r"[\s\-]+", "_", name.casefold()), unit.casefold()


def _read_table(path: Path, name: str) -> pd.DataFrame:
    """A CSV (UTF-8, UTF-8 with BOM or GB18030) or .xlsx file as text cells."""
    if not path.is_file():
        raise LedgerError(f"{name}: file not found; give the path to a CSV or .xlsx ledger")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise LedgerError(f"{name}: not UTF-8 or GB18030 text; save the CSV as UTF-8")
        try:
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise LedgerError(f"{name}: not a readable CSV ({str(exc).strip().splitlines()[0]})") from None
    if suffix in (".xlsx", ".xlsm"):
        try:
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
            raise LedgerError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    raise LedgerError(f"{name}: unsupported file type '{suffix or '(none)'}'; save the ledger as .csv or .xlsx")


def _standard_columns(df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Rename accepted headers to the ledger's columns; the unit divisor each amount header carries."""
    found = [str(c).strip() for c in df.columns]
    keys = [_header_key(c) for c in df.columns]
    mapping = {c: _HEADER_ALIAS.get(k) for c, (k, _) in zip(df.columns, keys)}
    problems = []
    targets = pd.Series([v for v in mapping.values()], dtype=object)
    for col in targets[targets.notna() & targets.duplicated()].unique():
        both = [h for h, v in zip(found, mapping.values()) if v == col]
        problems.append(f"headers {', '.join(map(repr, both))} all mean column '{col}'; keep one")
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        accepted = "; ".join(f"{c}: {'/'.join(HEADERS[c])}" for c in missing)
        problems.append(f"missing column(s) {', '.join(missing)} (found headers: {', '.join(found)}; accepted: {accepted})")
    divisors = {}
    for c, (key, unit) in zip(df.columns, keys):
        if unit and mapping[c] in MEASURES:
            if unit not in UNITS:
                problems.append(f"unknown unit '{unit}' in header '{c}'; use one of {', '.join(UNITS)}")
            else:
                divisors[mapping[c]] = UNITS[unit]
    if divisors and "unit" in mapping.values():
        problems.append("units given both in headers and in a unit column; keep one")
    if problems:
        raise LedgerError(f"{name}: " + "; ".join(problems))
    renamed = df.rename(columns={c: v for c, v in mapping.items() if v}).loc[:, [v for v in mapping.values() if v]]
    return renamed, divisors


def validate_ledger(df: pd.DataFrame, name: str = "ledger") -> pd.DataFrame:
    """Check and normalize a ledger frame of text cells; raise LedgerError naming the rows that are wrong."""
    df, divisors = _standard_columns(df.reset_index(drop=True), name)
    if df.empty:
        raise LedgerError(f"{name}: no data rows below the header")
    text = df.astype(object).where(df.notna(), "").astype(str).apply(lambda s: s.str.strip())
    problems = []

    year = pd.to_numeric(text["year"], errors="coerce")
    bad = year.isna() | (year % 1 != 0) | ~year.between(1949, 2100)
    if bad.any():
        problems.append(f"column 'year': not a year in {_rows(bad, text['year'])}")

    fund = text["fund"].str.casefold().str.replace(r"[\s\-]+", "_", regex=True).map(_FUND_ALIAS)
    bad = fund.isna()
    if bad.any():
        problems.append(f"column 'fund': unknown fund in {_rows(bad, text['fund'])}; "
                        f"use one of {', '.join(FUND_CODES)} or {', '.join(FUNDS['name_zh'])}")

    divisor = pd.Series(1.0, index=df.index)
    if "unit" in text:
        unit = text["unit"].str.casefold().replace("", "亿元")
        bad = ~unit.isin(list(UNITS))
        if bad.any():
            problems.append(f"column 'unit': unknown unit in {_rows(bad, text['unit'])}; use one of {', '.join(UNITS)}")
        divisor = unit.map(UNITS).astype(float)

    amounts = {}
    for m in MEASURES:
        cell = text[m].str.replace(r"[,，\s]", "", regex=True)
        value = pd.to_numeric(cell, errors="coerce")
        bad = value.isna() & cell.ne("")
        if bad.any():
            problems.append(f"column '{m}': not a number in {_rows(bad, text[m])}")
        negative = value < 0
        if negative.any():
            problems.append(f"column '{m}': negative amount in {_rows(negative, text[m])}; fund figures are not below zero")
        amounts[m] = value / divisor / divisors.get(m, 1)

    province = text["province"] if "province" in text else pd.Series("", index=df.index)
    province = province.mask(province.str.casefold().isin(_NATIONAL), "")
    scheme = text["scheme"].str.casefold() if "scheme" in text else pd.Series("", index=df.index)
    scheme = scheme.replace(_SCHEME_ALIAS)  # a small vocabulary; other schemes are kept as written

    ledger = pd.DataFrame(
        {
            "year": year.fillna(0).astype("int64"),
            "province": province.astype(str),
            "fund": fund.fillna("").astype(str),
            "scheme": scheme.astype(str),
            **amounts,
            "source": text["source"].replace("", name) if "source" in text else name,
            "source_quality": text["source_quality"].replace("", "own ledger") if "source_quality" in text else "own ledger",
            "row": df.index.to_series().add(2).astype("int64"),
        }
    )
    repeated = ledger.duplicated(LEDGER_KEY, keep=False) & ~ledger["fund"].eq("")
    if repeated.any():
        problems.append(f"repeated (year, province, fund, scheme) in {_rows(repeated)}; keep one row per key")
    if problems:
        raise LedgerError(f"{name}: " + "; ".join(problems))
    return check_ledger(ledger, name)


def check_ledger(ledger: pd.DataFrame, name: str = "ledger") -> pd.DataFrame:
    """Validate a normalized ledger against LEDGER_SCHEMA; raise LedgerError on any failure."""
    try:
        return LEDGER_SCHEMA.validate(ledger, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        parts = cases.groupby("column", dropna=False)["check"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
        raise LedgerError(f"{name}: not a fund ledger: " + "; ".join(f"{c}: {v}" for c, v in parts.items())) from None


def load_ledger(path: str | Path) -> pd.DataFrame:
    """Read a fund ledger from CSV or .xlsx and return it checked and normalized (amounts in 亿元)."""
    path = Path(path)
    name = display_path(path)
    return validate_ledger(_read_table(path, name), name)


def open_ledger(source: str | Path | None = None) -> pd.DataFrame:
    """The analyst's ledger at a path (resolved against the project root too), or the published figures for None."""
    if source is None or str(source).strip() == "":
        from analysis.funds_reference import published_ledger

        return published_ledger()
    return load_ledger(resolve_input(source))


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
    prev = df[keys + ["year"] + same + MEASURES].assign(year=df["year"] + 1)
    merged = df.merge(prev, on=keys + ["year"], how="left", suffixes=("", "_prev"))
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
    out = out.merge(FUNDS[["code", "name_zh", "short_en", "accounting_group"]].rename(columns={"code": "fund"}), on="fund")
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
    out["partial_schemes"] = (partial["fund"] + ": " + partial["schemes"]).groupby(
        [partial[c] for c in by]).agg(", ".join)
    out = out.reset_index().fillna({"partial_schemes": ""})
    members = FUNDS.groupby("accounting_group")["code"].agg(list)
    present = out["funds_present"].str.split("+")
    out["funds_missing"] = [
        "+".join(c for c in members[g] if c not in p) for g, p in zip(out["accounting_group"], present)
    ]
    out["complete"] = out["funds_missing"].eq("")
    out = out.merge(GROUPS.rename(columns={"code": "accounting_group"}), on="accounting_group")
    order = {g: i for i, g in enumerate(GROUPS["code"])}
    out = out.sort_values(["year", "accounting_group"], key=lambda s: s.map(order) if s.name != "year" else s,
                          ignore_index=True)
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
    out = out.sort_values(["year", "fund", "province"], ignore_index=True,
                          key=lambda s: _fund_order(s) if s.name == "fund" else s.map(order) if s.name == "province" else s)
    out = _add_yoy(_add_shares(out, ["year", "fund"]), ["province", "fund"], ["schemes"])
    return out if year is None else out[out["year"].eq(year)].reset_index(drop=True)


def province_coverage(ledger: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per fund in a year: how many provinces have figures, which are missing, and their sum against the national row."""
    provinces = province_breakdown(ledger, year)
    everyone = list(pd.unique(provinces["province"]))
    national = _in_use(check_ledger(ledger))
    national = national[national["year"].eq(year) & national["province"].eq("")]
    national_revenue = _strict_sum(national, ["fund"])["revenue"]
    records = []
    for code in FUND_CODES:
        have = set(provinces.loc[provinces["fund"].eq(code), "province"])
        missing = [p for p in everyone if p not in have]
        records.append({
            "fund": code,
            "n_provinces": len(have),
            "missing_provinces": "all (no provincial figures)" if not have else ", ".join(missing),
            "provinces_revenue": provinces.loc[provinces["fund"].eq(code), "revenue"].sum(min_count=1),
            "national_revenue": national_revenue.get(code, float("nan")),
        })
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
    mark = (breakdown["source_quality"].str.replace("official", "O").str.replace("secondary", "S")
            .str.replace("own ledger", "L") + breakdown["schemes"].ne("all").map({True: "*", False: ""}))
    grid = breakdown.assign(mark=mark).pivot(index="fund", columns="year", values="mark")
    grid = grid.reindex(index=list(FUND_CODES), columns=years)
    grid = grid.astype(object).where(grid.notna(), "—")
    grid.index = FUNDS["name_zh"] + " " + FUNDS["code"]
    grid.index.name = "基金 fund"
    grid.columns.name = "年份 year"
    return grid


READABLE = {
    "year": "年份 year", "fund": "基金 fund", "name_zh": "名称 name", "short_en": "name (en)",
    "accounting_group": "建账 account", "name_en": "name (en)", "province": "省份 province",
    "revenue": "收入 revenue", "expenditure": "支出 expenditure", "balance": "结余 balance",
    "share_revenue_pct": "收入占比 rev. share %", "share_expenditure_pct": "支出占比 exp. share %",
    "share_balance_pct": "结余占比 bal. share %", "yoy_revenue_pct": "收入同比 rev. YoY %",
    "yoy_expenditure_pct": "支出同比 exp. YoY %", "yoy_balance_pct": "结余同比 bal. YoY %",
    "schemes": "制度 schemes", "scheme": "制度 scheme", "n_funds": "基金数 funds", "funds_missing": "缺 missing",
    "funds_present": "含 funds", "partial_schemes": "部分口径 partial", "complete": "齐全 complete",
    "n_provinces": "省数 provinces", "missing_provinces": "缺省份 missing provinces", "basis": "口径 basis",
    "provinces_revenue": "分省合计收入 provinces' revenue", "national_revenue": "全国收入 national revenue",
    "difference": "差额 difference", "source_quality": "来源质量 quality", "source": "来源 source",
    "row": "行 row", "pooling_level": "统筹层次 pooling",
}


def readable(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A table for people: chosen columns, amounts to 4 decimals, percentages to 1, bilingual headers."""
    out = frame[columns] if columns else frame
    pct = [c for c in out.columns if c.endswith("_pct")]
    amounts = [c for c in out.columns if c in MEASURES or c.endswith("_revenue") or c == "difference"]
    out = out.round({**{c: 1 for c in pct}, **{c: 4 for c in amounts}})
    return out.rename(columns=READABLE).reset_index(drop=True)


def show_ledger_errors_briefly() -> None:
    """In a notebook, show a LedgerError as its one-line message instead of a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:  # not in IPython: nothing to change
        return
    shell = get_ipython()
    if shell is None:
        return

    def brief(shell, etype, value, tb, tb_offset=None) -> list[str]:
        # IPython 9 ignores what a custom handler returns, so the handler shows the line itself
        shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])
        return []

    shell.set_custom_exc((LedgerError,), brief)
