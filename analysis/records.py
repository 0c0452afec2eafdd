"""Read application records (CSV in any common encoding, .xlsx, Parquet) and normalize them to the contract.

Loading knows nothing of rules: it maps headers, reads everything as text, normalizes IDs,
provinces, dates and booleans, and notes per row what makes it unusable.
"""

from __future__ import annotations

import datetime as dt
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, provinces
from .ids import validate_ids

REQUIRED = ["application_id", "id_number", "province", "applied_on"]
OPTIONAL = ["name", "city", "cancelled_on"]
DOCUMENT_COLUMNS = [
    "has_second_gen_id",
    "id_copy",
    "household_register_copy",
    "special_category",
    "special_documents",
]
BOOLEAN_COLUMNS = ["has_second_gen_id", "id_copy", "household_register_copy", "special_documents"]
HEADER_ALIASES: dict[str, list[str]] = {
    "application_id": ["application_id", "申请编号"],
    "id_number": ["id_number", "身份证号码", "公民身份号码", "社会保障号码"],
    "name": ["name", "姓名"],
    "province": ["province", "省份", "参保省份"],
    "city": ["city", "城市", "参保城市"],
    "applied_on": ["applied_on", "申领日期", "申请日期"],
    "cancelled_on": ["cancelled_on", "注销日期"],
    "has_second_gen_id": ["has_second_gen_id", "持有二代身份证"],
    "id_copy": ["id_copy", "身份证复印件"],
    "household_register_copy": ["household_register_copy", "户口簿复印件"],
    "special_category": ["special_category", "特殊人群类别"],
    "special_documents": ["special_documents", "特殊证明材料"],
}
_ALIAS_TO_COLUMN = {alias.casefold(): col for col, aliases in HEADER_ALIASES.items() for alias in aliases}

TRUE_WORDS = {"true", "yes", "y", "1", "是", "t", "1.0"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "f", "0.0", ""}

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

# Excel keeps 15 significant digits: a longer number in a number cell has lost digits.
EXCEL_DIGITS = 15


class LoadError(Exception):
    """A file that cannot be read as application records; the message is one line for the user."""


@dataclass
class LoadReport:
    """What the loader saw: source, format, rows, columns, and the rows it found unusable."""

    source: str
    file_format: str
    encoding: str | None
    rows_read: int
    columns: dict[str, str]
    absent_optional: list[str]
    documents_checked: bool
    ignored_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.file_format,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "columns": self.columns,
            "absent_optional_columns": self.absent_optional,
            "documents_checked": self.documents_checked,
            "ignored_headers": self.ignored_headers,
            "notes": self.notes,
        }


@dataclass
class Records:
    """Normalized application records (one row per input row, in file order) and the load report."""

    frame: pd.DataFrame
    report: LoadReport


# ---------------------------------------------------------------- reading


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(f"{path.name}: the file is UTF-16 ('Unicode text'); save it from Excel as 'CSV UTF-8' or CSV")
    encodings = ["utf-8-sig", "gb18030"]
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    last_error: Exception | None = None
    for enc in encodings:
        try:
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, na_filter=False, encoding=enc, sep=sep, engine="c"
            )
            if enc == "utf-8-sig":
                enc = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
            return frame, enc
        except UnicodeDecodeError as exc:
            last_error = exc
        except pd.errors.EmptyDataError:
            raise LoadError(f"{path.name}: the file is empty (no header row)") from None
        except pd.errors.ParserError as exc:
            raise LoadError(f"{path.name}: not a readable CSV table ({str(exc).strip().splitlines()[-1]})") from None
    raise LoadError(f"{path.name}: text is neither UTF-8 nor GB18030/GBK ({last_error.reason})")


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        return pd.read_excel(path, dtype=object, engine="openpyxl", sheet_name=0)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise LoadError(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})".splitlines()[0]) from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise LoadError(f"{path.name}: not a readable Parquet file ({type(exc).__name__}: {exc})".splitlines()[0]) from None


def read_table(path: str | Path) -> tuple[pd.DataFrame, str, str | None]:
    """Read a file into a raw frame: (frame, format, encoding). Raises LoadError with one line."""
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    if path.is_dir():
        raise LoadError(f"{path}: is a folder, expected a .csv, .xlsx or .parquet file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame, enc = _read_csv(path)
        return frame, "csv", enc
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path), "xlsx", None
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path), "parquet", None
    if suffix == ".xls":
        raise LoadError(f"{path.name}: old .xls workbooks are not read; save it as .xlsx or CSV")
    raise LoadError(f"{path.name}: unknown file type '{suffix}'; expected .csv, .xlsx or .parquet")


def map_headers(raw: pd.DataFrame, source: str) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Rename aliased headers to contract names; error on missing required or doubled columns."""
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in raw.columns:
        key = str(header).replace("\ufeff", "").strip().casefold()
        column = _ALIAS_TO_COLUMN.get(key)
        if column is None:
            ignored.append(str(header))
            continue
        if column in mapping.values():
            first = next(h for h, c in mapping.items() if c == column)
            raise LoadError(f"{source}: columns '{first}' and '{header}' both mean {column}; keep one of them")
        mapping[str(header)] = column
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        found = ", ".join(str(h) for h in raw.columns) or "(none)"
        raise LoadError(f"{source}: missing required column(s) {', '.join(missing)}; headers found: {found}")
    frame = raw.loc[:, list(mapping)].copy()
    frame.columns = [mapping[h] for h in mapping]
    return frame, {mapping[h]: h for h in mapping}, ignored


# ---------------------------------------------------------------- values


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def as_text(values: pd.Series) -> pd.Series:
    """Any column as `str`: numbers written without a trailing .0, missing as NA, text stripped."""
    if values.dtype == "str":
        return values.str.strip().replace("", pd.NA)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype("str")

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (dt.datetime, dt.date)):
            return v.strftime("%Y-%m-%d")
        return str(v)

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = np.array([one(u) for u in uniques] + [None], dtype=object)
    return pd.Series(text[codes], index=values.index, dtype="str").str.strip().replace("", pd.NA)


def id_text(values: pd.Series, numbers_exact: bool) -> tuple[pd.Series, pd.Series]:
    """ID column as text (as given, for display) plus a problem for cells whose digits may be lost."""
    problem = pd.Series(pd.NA, index=values.index, dtype="str")
    if values.dtype == "str":
        text = values
    elif pd.api.types.is_float_dtype(values):
        problem[values.notna()] = "ID number arrived as a decimal number (digits lost): export the column as text"
        return as_text(values), problem
    else:
        obj = values.astype(object)
        is_num = obj.map(_is_number).astype(bool)
        text = as_text(values)
        if is_num.any():
            nums = obj[is_num]
            is_float = nums.map(lambda v: isinstance(v, float) and not float(v).is_integer()).astype(bool)
            digits = text[is_num].str.len()
            lost = is_float | ((digits > EXCEL_DIGITS) & (not numbers_exact))
            idx = nums.index[lost.to_numpy()]
            problem[idx] = "ID number was stored as a number in the spreadsheet (digits lost): store the column as text"
    sci = text.str.fullmatch(r"\s*\d+(\.\d+)?[eE][+-]?\d+\s*").fillna(False).astype(bool)
    problem[sci] = "ID number is in scientific notation (digits lost in a spreadsheet): export the column as text"
    return text, problem


_DATE_PATTERN = (
    r"^(?:(?P<y1>\d{4})\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})(?:\.0+)?)$"
)


def parse_dates(values: pd.Series, excel_serials: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse the contract's date forms: (dates at day resolution, mask of non-empty cells that are no date)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        return dates.dt.floor("D").astype("datetime64[s]"), pd.Series(False, index=values.index)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniq = pd.Series(uniques, dtype=object) if not isinstance(uniques, pd.Index) else uniques.to_series(index=None)
    uniq = pd.Series(uniq.to_numpy(dtype=object))
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[s]")
    is_dt = uniq.map(lambda v: isinstance(v, (dt.datetime, dt.date))).astype(bool)
    if is_dt.any():
        parsed[is_dt] = pd.to_datetime(uniq[is_dt].map(lambda v: v.strftime("%Y-%m-%d"))).astype("datetime64[s]")
    if excel_serials:
        serial = uniq.map(lambda v: _is_number(v) and not (1e7 <= v < 1e8) and 0 < v < 2958466).astype(bool)
        if serial.any():
            parsed[serial] = (
                pd.Timestamp("1899-12-30") + pd.to_timedelta(uniq[serial].astype(float).astype(int), unit="D")
            ).astype("datetime64[s]")
    rest = ~is_dt & parsed.isna()
    text = as_text(uniq[rest])
    parts = text.str.extract(_DATE_PATTERN)
    year = parts["y1"].fillna(parts["y2"])
    month = parts["m1"].fillna(parts["m2"])
    day = parts["d1"].fillna(parts["d2"])
    ymd = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    parsed[rest] = pd.to_datetime(ymd, format="%Y-%m-%d", errors="coerce").astype("datetime64[s]")
    taken = np.append(parsed.to_numpy(), np.datetime64("NaT", "s"))[codes]
    dates = pd.Series(taken, index=values.index, dtype="datetime64[s]")
    present = np.append(as_text(uniq).notna().to_numpy(), False)[codes]
    return dates, pd.Series(present, index=values.index) & dates.isna()


def parse_booleans(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse true/false, yes/no, y/n, 1/0, 是/否 (empty = false): (booleans, mask of unrecognised values)."""
    text = as_text(values).fillna("").str.lower()
    codes, uniques = pd.factorize(text)
    truth = np.array([u in TRUE_WORDS for u in uniques] + [False])
    known = np.array([u in TRUE_WORDS or u in FALSE_WORDS for u in uniques] + [True])
    return (
        pd.Series(truth[codes], index=values.index, dtype=bool),
        pd.Series(~known[codes], index=values.index, dtype=bool),
    )


# ---------------------------------------------------------------- normalize


def _append(acc: pd.Series, mask: pd.Series, message: pd.Series | str) -> pd.Series:
    """Add `message` to the problems of rows in `mask`, joined by '; '."""
    if not mask.any():
        return acc
    msg = message if isinstance(message, str) else message[mask]
    joined = acc[mask].fillna("")
    sep = np.where(acc[mask].notna(), "; ", "")
    out = acc.copy()
    out[mask] = joined + sep + msg
    return out


def _quoted(values: pd.Series) -> pd.Series:
    return "'" + values.fillna("").str.slice(0, 40) + "'"


def normalize(raw: pd.DataFrame, file_format: str) -> tuple[pd.DataFrame, list[str]]:
    """Contract columns (already renamed) -> the normalized frame and the document columns that were absent."""
    n = len(raw)
    idx = pd.RangeIndex(n)
    raw = raw.set_axis(idx, axis=0)

    def column(name: str) -> pd.Series:
        return raw[name] if name in raw.columns else pd.Series(pd.NA, index=idx, dtype="str")

    out = pd.DataFrame({"row": np.arange(2, n + 2, dtype=np.int64)}, index=idx)
    out["application_id"] = as_text(column("application_id"))
    raw_id, id_problem_num = id_text(column("id_number"), numbers_exact=file_format == "parquet")
    out["id_number"] = raw_id
    out["name"] = as_text(column("name"))
    out["province"] = as_text(column("province"))
    out["province_code"] = provinces.province_codes(out["province"])
    out["city"] = as_text(column("city"))
    applied, applied_bad = parse_dates(column("applied_on"), excel_serials=file_format == "xlsx")
    cancelled, cancelled_bad = parse_dates(column("cancelled_on"), excel_serials=file_format == "xlsx")
    out["applied_on"] = applied
    out["cancelled_on"] = cancelled

    ids = validate_ids(raw_id.where(id_problem_num.isna()), applied)
    out["person_key"] = ids["person_key"]
    out["id_problem"] = id_problem_num.fillna(ids["id_problem"])

    problem = pd.Series(pd.NA, index=idx, dtype="str")
    app_id = out["application_id"]
    problem = _append(problem, app_id.isna(), "application_id is empty")
    shared = app_id.notna() & app_id.duplicated(keep=False)
    if shared.any():
        times = app_id[shared].map(app_id[shared].value_counts()).astype("int64")
        problem = _append(
            problem, shared, "application_id " + _quoted(app_id) + " is used by " + times.astype(str) + " rows"
        )
    applied_text = as_text(column("applied_on"))
    problem = _append(problem, applied.isna() & ~applied_bad, "applied_on is empty")
    problem = _append(problem, applied_bad, "applied_on " + _quoted(applied_text) + " is not a date")
    cancelled_text = as_text(column("cancelled_on"))
    problem = _append(problem, cancelled_bad, "cancelled_on " + _quoted(cancelled_text) + " is not a date")
    before = (cancelled < applied).fillna(False).astype(bool)
    problem = _append(
        problem,
        before,
        "cancelled_on " + cancelled.dt.strftime("%Y-%m-%d") + " is before applied_on " + applied.dt.strftime("%Y-%m-%d"),
    )
    prov_empty = out["province"].isna()
    problem = _append(problem, prov_empty, "province is empty")
    problem = _append(
        problem,
        ~prov_empty & out["province_code"].isna(),
        "province " + _quoted(out["province"]) + " is not a known province",
    )
    out["record_problem"] = problem

    absent_docs = [c for c in DOCUMENT_COLUMNS if c not in raw.columns]
    note = pd.Series(pd.NA, index=idx, dtype="str")
    for name in BOOLEAN_COLUMNS:
        values, unknown = parse_booleans(column(name))
        out[name] = values
        note = _append(note, unknown, name + " value " + _quoted(as_text(column(name))) + " not understood, read as no")
    out["special_category"] = as_text(column("special_category"))
    out["document_note"] = note
    return out, absent_docs


def load_applications(path: str | Path) -> Records:
    """Read and normalize an application file; raises LoadError with a one-line message."""
    path = config.resolve_input(path)
    raw, file_format, encoding = read_table(path)
    source = config.display_path(path)
    frame, columns, ignored = map_headers(raw, source)
    normalized, absent_docs = normalize(frame, file_format)
    documents_checked = len(absent_docs) < len(DOCUMENT_COLUMNS)
    notes = []
    if not documents_checked:
        notes.append("no document columns in the file: document completeness was not checked")
    elif absent_docs:
        notes.append("document columns absent, read as empty (no): " + ", ".join(absent_docs))
    absent_optional = [c for c in OPTIONAL + DOCUMENT_COLUMNS if c not in columns]
    report = LoadReport(
        source=source,
        file_format=file_format,
        encoding=encoding,
        rows_read=len(raw),
        columns=columns,
        absent_optional=absent_optional,
        documents_checked=documents_checked,
        ignored_headers=ignored,
        notes=notes,
    )
    return Records(normalized, report)
