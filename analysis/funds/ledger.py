"""Fund ledgers in: read an analyst's CSV or .xlsx ledger, or the published figures, checked and in 亿元."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..config import display_path, resolve_input
from ..contract import LoadError
from ..read import sniff_encoding
from .model import FUND_CODES, FUNDS, LEDGER_KEY, MEASURES, SCHEME_ALIASES, SCHEMES
from .sources import REFERENCE_TABLE, RELEASES, apply_precedence

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
    "release": ["release", "发布", "发布类型"],
}
REQUIRED = ["year", "fund", "revenue", "expenditure", "balance"]
_HEADER_ALIAS = {alias: col for col, aliases in HEADERS.items() for alias in aliases}

_FUND_ALIAS = {
    **{c: c for c in FUND_CODES},
    **dict(zip(FUNDS["name_zh"], FUNDS["code"], strict=True)),
    **dict(zip(FUNDS["name_en"].str.replace(r"[\s\-]+", "_", regex=True), FUNDS["code"], strict=True)),
    "养老": "pension",
    "养老保险": "pension",
    "基本养老保险": "pension",
    "old_age": "pension",
    "医疗": "medical",
    "医疗保险": "medical",
    "基本医疗保险": "medical",
    "health": "medical",
    "工伤": "work_injury",
    "工伤保险": "work_injury",
    "work_injury_insurance": "work_injury",
    "失业": "unemployment",
    "失业保险": "unemployment",
    "生育": "maternity",
    "生育保险": "maternity",
}
_SCHEME_ALIAS = {
    **SCHEME_ALIASES,
    **dict(zip(SCHEMES["name_zh"], SCHEMES["code"], strict=True)),
    "": "all",
    "合计": "all",
    "全部": "all",
    "职工": "employee",
    "居民": "urban_rural_resident",
    "新农合": "rural_ncms",
}
_RELEASE_ALIAS = {
    **dict(zip(RELEASES["name_zh"], RELEASES["code"], strict=True)),
    "统计公报": "communique",
    "快报": "express",
}
_NATIONAL = {"", "全国", "national", "total", "合计"}
# divisor that turns an amount in this unit into 亿元 (100 million yuan)
UNITS = {
    "亿元": 1,
    "100 million yuan": 1,
    "万元": 10_000,
    "10 000 yuan": 10_000,
    "10000 yuan": 10_000,
    "元": 100_000_000,
    "yuan": 100_000_000,
}


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
        "release": pa.Column(str),
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
    """A CSV (UTF-8, UTF-8 with BOM or GB18030, told apart by read.sniff_encoding) or .xlsx file as text cells."""
    if not path.is_file():
        raise LedgerError(f"{name}: file not found; give the path to a CSV or .xlsx ledger")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            encoding = sniff_encoding(path, name)
        except LoadError as exc:
            raise LedgerError(str(exc)) from None
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
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
    mapping = {c: _HEADER_ALIAS.get(k) for c, (k, _) in zip(df.columns, keys, strict=True)}
    problems = []
    targets = pd.Series(list(mapping.values()), dtype=object)
    for col in targets[targets.notna() & targets.duplicated()].unique():
        both = [h for h, v in zip(found, mapping.values(), strict=True) if v == col]
        problems.append(f"headers {', '.join(map(repr, both))} all mean column '{col}'; keep one")
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        accepted = "; ".join(f"{c}: {'/'.join(HEADERS[c])}" for c in missing)
        problems.append(
            f"missing column(s) {', '.join(missing)} (found headers: {', '.join(found)}; accepted: {accepted})"
        )
    divisors = {}
    for c, (_, unit) in zip(df.columns, keys, strict=True):
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
        problems.append(
            f"column 'fund': unknown fund in {_rows(bad, text['fund'])}; "
            f"use one of {', '.join(FUND_CODES)} or {', '.join(FUNDS['name_zh'])}"
        )

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
            problems.append(
                f"column '{m}': negative amount in {_rows(negative, text[m])}; fund figures are not below zero"
            )
        amounts[m] = value / divisor / divisors.get(m, 1)

    province = text["province"] if "province" in text else pd.Series("", index=df.index)
    province = province.mask(province.str.casefold().isin(_NATIONAL), "")
    scheme = text["scheme"].str.casefold() if "scheme" in text else pd.Series("", index=df.index)
    scheme = scheme.replace(_SCHEME_ALIAS)  # a small vocabulary; other schemes are kept as written

    quality = text["source_quality"].replace("", "own ledger") if "source_quality" in text else "own ledger"
    release = text["release"].str.casefold().replace(_RELEASE_ALIAS) if "release" in text else ""
    ledger = pd.DataFrame(
        {
            "year": year.fillna(0).astype("int64"),
            "province": province.astype(str),
            "fund": fund.fillna("").astype(str),
            "scheme": scheme.astype(str),
            **amounts,
            "source": text["source"].replace("", name) if "source" in text else name,
            "source_quality": quality,
            "release": release,
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


def read_reference_table(path: str | Path = REFERENCE_TABLE) -> pd.DataFrame:
    """The committed reference table, amounts as floats (empty = not published) and codes as text."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    amounts = ["revenue", "expenditure", "year_end_balance"]
    df[amounts] = df[amounts].apply(pd.to_numeric)
    df["year"] = df["year"].astype("int64")
    df["source_row"] = df["source_row"].astype("int64")
    return df


def reference_rows(path: str | Path = REFERENCE_TABLE) -> pd.DataFrame:
    """Every reference-table row as a ledger row, before the precedence rule, published totals too."""
    # One scheme is one code (SCHEME_ALIASES); fund `all_funds` rows are published totals across funds.
    t = read_reference_table(path)
    province = (t["province_name_zh"] + " " + t["province_name_en"]).where(t["province_code"].ne(""), "")
    return pd.DataFrame(
        {
            "year": t["year"],
            "province": province,
            "fund": t["fund"],
            "scheme": t["scheme"].replace(SCHEME_ALIASES),
            "revenue": t["revenue"],
            "expenditure": t["expenditure"],
            "balance": t["year_end_balance"],
            "source": t["source_url"],
            "source_quality": t["source_quality"],
            "release": t["release"],
            "row": t.index.to_series() + 2,  # line in fund_figures.csv (line 1 is the header)
            "source_file": t["source_file"],
            "source_row": t["source_row"],
            "balance_measure": t["balance_measure"],
        }
    )


def published_ledger(path: str | Path = REFERENCE_TABLE) -> pd.DataFrame:
    """The reference table as a fund ledger: per key the row the precedence rule keeps, with its source."""
    # Published totals across funds are left out: they are no fund.
    rows = reference_rows(path)
    kept, _ = apply_precedence(rows[rows["fund"].isin(FUND_CODES)], LEDGER_KEY, MEASURES)
    return check_ledger(kept.reset_index(drop=True), display_path(path))


def open_ledger(source: str | Path | None = None) -> pd.DataFrame:
    """The analyst's ledger at a path (resolved against the project root too), or the published figures for None."""
    if source is None or str(source).strip() == "":
        return published_ledger()
    return load_ledger(resolve_input(source))
