"""Read application records (CSV in any common encoding, .xlsx, Parquet) and normalize them to the contract.

Loading knows nothing of rules: it maps headers, reads everything as text, normalizes IDs,
provinces, dates and booleans, and notes per row what makes it unusable.
"""

from __future__ import annotations

import datetime as dt
import numbers
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import config, frames, provinces
from .frames import as_str
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


def _csv_problem(exc: Exception) -> str:
    """A pandas CSV parser error as a line a user can act on."""
    import re

    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    if m := re.search(r"EOF inside string starting at row (\d+)", text):
        return (f"a quote (\") opened on line {int(m.group(1)) + 1} is never closed; remove the stray quote "
                "or quote the whole value, then try again")
    if m := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        return (f"line {m.group(2)} has {m.group(3)} fields but the header row has {m.group(1)} (a comma inside "
                "a value that is not in quotes?); fix that line or export the file again")
    if "Length of header or names does not match" in text:
        return ("the first data row has more fields than the header row (a comma inside a value that is not "
                "in quotes, or a missing header?); fix that row or export the file again")
    return f"not a readable CSV table ({text}); export it again as CSV UTF-8"


def _cut_off(path: Path, encoding: str) -> bool:
    """True when the file is valid in `encoding` except that it ends in the middle of a character."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(chunk)
    except UnicodeDecodeError:
        return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return True
    return False


def _line_breaks(path: Path) -> int:
    """Line breaks in a text file (LF, CRLF or CR alone), counted at memory speed."""
    lf = cr = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            lf, cr = lf + chunk.count(b"\n"), cr + chunk.count(b"\r")
    return max(lf, cr)


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    import warnings

    with path.open("rb") as fh:
        head = fh.read(4)
    utf16 = len(head) == 4 and ((head[0] and not head[1] and not head[3]) or (not head[0] and head[1] and not head[2]))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16:
        raise LoadError(f"{path.name}: the file is UTF-16 ('Unicode text'); save it from Excel as 'CSV UTF-8' or CSV")
    encodings = ["utf-8-sig", "gb18030"]
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    last_error: Exception | None = None
    for enc in encodings:
        try:
            with warnings.catch_warnings():
                # A first data row longer than the header: pandas would drop its extra fields with a warning.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    path, dtype=str, keep_default_na=False, na_filter=False, encoding=enc, sep=sep, engine="c",
                    index_col=False,  # never take a column as the index when a row has more fields than the header
                )
            if enc == "utf-8-sig":
                enc = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
            return frame, enc
        except UnicodeDecodeError as exc:
            if _cut_off(path, "utf-8" if enc == "utf-8-sig" else enc):
                raise LoadError(f"{path.name}: the file ends in the middle of a character, so it was cut off "
                                "(an interrupted copy or download?); copy or export it again") from None
            last_error = exc
        except pd.errors.EmptyDataError:
            raise LoadError(f"{path.name}: the file is empty (no header row)") from None
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            raise LoadError(f"{path.name}: {_csv_problem(exc)}") from None
    raise LoadError(f"{path.name}: text is neither UTF-8 nor GB18030/GBK ({last_error.reason}); "
                    "save it from Excel as 'CSV UTF-8', or as .xlsx")


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            frame = pd.read_excel(book, dtype=object, sheet_name=0)
            sheets = list(book.sheet_names)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        with path.open("rb") as fh:
            head = fh.read(512)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise LoadError(f"{path.name}: not a readable .xlsx workbook: it is an old .xls workbook or a "
                            "password-protected one; save it as .xlsx without a password, or as CSV UTF-8") from None
        if head and not head.startswith(b"PK") and b"\x00" not in head:
            raise LoadError(f"{path.name}: not a readable .xlsx workbook: it is text (a CSV file named .xlsx?); "
                            "rename it to .csv") from None
        raise LoadError(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc}".splitlines()[0]
                        + "); open it in Excel and save it again as .xlsx") from None
    if frame.columns.empty:
        raise LoadError(f"{path.name}: the first sheet ('{sheets[0]}') is empty; the applications must be on the "
                        "first sheet, with the header row first")
    frame.attrs["sheets"] = sheets  # load_applications notes the sheets that were not read
    return frame


def _parquet_frame(table) -> pd.DataFrame:
    """An Arrow table read from Parquet as a raw frame: typed dates as datetime64 (not millions of Python
    dates), text checked as UTF-8, bytes and nested values as text so every cell is a plain value."""
    frame = table.to_pandas(date_as_object=False)
    for f in table.schema:
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            # Parquet does not check text: damaged pages give invalid UTF-8
            for chunk in table.column(f.name).chunks:
                chunk.validate(full=True)
        elif pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type) or pa.types.is_fixed_size_binary(f.type):
            frame[f.name] = frame[f.name].map(lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
        elif pa.types.is_nested(f.type):
            frame[f.name] = frame[f.name].map(
                lambda v: None if v is None else str(v.tolist() if hasattr(v, "tolist") else v), na_action="ignore")
    return frame


def _parquet_problem(path: Path, exc: Exception) -> LoadError:
    return LoadError(f"{path.name}: not a readable Parquet file ({type(exc).__name__}: {exc}".splitlines()[0]
                     + "); write it again, or export the data as CSV UTF-8 or .xlsx")


def _parquet_schema(path: Path):
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:
        raise _parquet_problem(path, exc) from None
    names = list(schema.names)
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise LoadError(f"{path.name}: column '{doubled[0]}' appears more than once; keep one of them")
    return schema


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    _parquet_schema(path)
    try:
        return _parquet_frame(pq.read_table(path))
    except Exception as exc:
        raise _parquet_problem(path, exc) from None


def read_table(path: str | Path) -> tuple[pd.DataFrame, str, str | None]:
    """Read a file into a raw frame: (frame, format, encoding). Raises LoadError with one line."""
    path = Path(path)
    if not path.exists():
        raise LoadError(f"{path}: no such file")
    if path.is_dir():
        raise LoadError(f"{path}: is a folder, expected a .csv, .xlsx or .parquet file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES and path.stat().st_size == 0:
        raise LoadError(f"{path.name}: the file is empty (0 bytes); copy or export it again")
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
    import re

    def shown(header: object) -> str:
        """A header as one short printable line (headers may hold line breaks, NULs or a whole paragraph)."""
        text = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", str(header))
        return text if len(text) <= 40 else text[:40] + "…"

    def key(header: object) -> str:
        return str(header).replace("\ufeff", "").strip().casefold()

    headers = {str(h) for h in raw.columns}
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in raw.columns:
        column = _ALIAS_TO_COLUMN.get(key(header))
        # pandas renames a repeated header 'x' to 'x.1', 'x.2': a repeated contract header is a doubled column.
        base = re.fullmatch(r"(.+)\.\d+", str(header))
        if column is None and base and base.group(1) in headers and _ALIAS_TO_COLUMN.get(key(base.group(1))):
            raise LoadError(f"{source}: the header '{shown(base.group(1))}' appears more than once; keep one of "
                            "those columns")
        if column is None:
            ignored.append(str(header))
            continue
        if column in mapping.values():
            first = next(h for h, c in mapping.items() if c == column)
            raise LoadError(f"{source}: columns '{shown(first)}' and '{shown(header)}' both mean {column}; "
                            "keep one of them")
        mapping[str(header)] = column
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        found = ", ".join(shown(h) for h in raw.columns[:20]) or "(none)"
        if len(raw.columns) > 20:
            found += f", … ({len(raw.columns)} in all)"
        hint = ""
        for number, values in enumerate(raw.head(10).itertuples(index=False, name=None), start=2):
            if {_ALIAS_TO_COLUMN.get(key(v)) for v in values if isinstance(v, str)} >= set(REQUIRED):
                hint = f" (the header row is row {number}: delete the rows above it)"
                break
        if len(raw.columns) == 1 and not hint:
            sep = next((s for s in (";", "\t", "|") if s in str(raw.columns[0])), None)
            if sep:
                hint = f" (the columns are separated by {sep!r}, not commas: save the file as CSV with commas)"
        raise LoadError(f"{source}: missing required column(s) {', '.join(missing)}; headers found: {found}{hint}")
    frame = raw.loc[:, list(mapping)].copy()
    frame.columns = [mapping[h] for h in mapping]
    return frame, {mapping[h]: h for h in mapping}, ignored


# ---------------------------------------------------------------- values


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques as an object array); code -1 for missing. Arrow's hashing for text columns."""
    if values.dtype == "str" and hasattr(values.array, "_pa_array"):
        encoded = pc.dictionary_encode(values.array._pa_array).combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        codes = np.where(np.isnan(codes), -1, codes).astype(np.int64) if codes.dtype.kind == "f" else codes.astype(np.int64)
        return codes, np.array(encoded.dictionary.to_pylist(), dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def as_text(values: pd.Series) -> pd.Series:
    """Any column as `str`: numbers written without a trailing .0, missing as NA, text stripped."""
    if values.dtype == "str" and hasattr(values.array, "_pa_array"):
        arr = values.array._pa_array
        # Most exports are clean: look first (at the first and last bytes), copy only when there is work.
        edge = frames.edge_bytes(values, frames.SPACE_AT_EDGE)
        if edge.any() and pc.any(pc.match_substring_regex(frames.take(values, np.flatnonzero(edge)).array._pa_array,
                                                          r"^\s|\s$")).as_py():
            arr = pc.utf8_trim_whitespace(arr)
            empty = pc.equal(arr, "")
        else:
            empty = pa.array(frames.byte_lengths(values) == 0)
        if pc.any(empty).as_py():
            arr = pc.if_else(empty, pa.scalar(None, arr.type), arr)
        return pd.Series(as_str(arr), index=values.index)
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

    codes, uniques = factorize(values)
    text = np.array([one(u) for u in uniques] + [None], dtype=object)
    return pd.Series(text[codes], index=values.index, dtype="str").str.strip().replace("", pd.NA)


def id_text(values: pd.Series, numbers_exact: bool) -> tuple[pd.Series, pd.Series]:
    """ID column as text (as given, for display) plus a problem for cells whose digits may be lost."""
    problem = _null_text(values.index)
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
    if text.dtype == "str" and hasattr(text.array, "_pa_array"):  # Arrow: only values not all digits can hold an E
        other = np.flatnonzero(~pc.fill_null(pc.ascii_is_decimal(text.array._pa_array), True).to_numpy(zero_copy_only=False))
        maybe = np.zeros(len(text), dtype=bool)
        if len(other):
            maybe[other] = frames.any_byte(frames.take(text, other), frames.byte_table(b"eE"))
        maybe = pd.Series(maybe, index=text.index)
    else:
        maybe = text.str.contains("E", regex=False).fillna(False) | text.str.contains("e", regex=False).fillna(False)
    sci = pd.Series(False, index=text.index)
    if maybe.any():
        at = np.flatnonzero(maybe.to_numpy(dtype=bool))
        found = pc.match_substring_regex(pa.array(frames.take(text, at).astype("str").array),
                                         r"^\s*\d+(\.\d+)?[eE][+-]?\d+\s*$")
        sci.iloc[at] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    message = "ID number is in scientific notation (digits lost in a spreadsheet): export the column as text"
    if problem.isna().all():  # built by Arrow: setting values in a ten-million-row text column copies it
        problem = _constant_text(sci.to_numpy(dtype=bool), message, text.index)
    else:
        problem[sci] = message
    return text, problem


def _placed(mask: np.ndarray, values: pd.Series, index: pd.Index) -> pd.Series:
    """A "str" column holding `values` (one per true entry of `mask`, in order) and missing elsewhere,
    built by Arrow (setting values into a ten-million-row text column would copy it)."""
    place = np.full(len(mask), -1, dtype=np.int32)
    place[mask] = np.arange(int(mask.sum()), dtype=np.int32)
    dictionary = pa.array(values.astype("str").array).cast(pa.large_string())
    if isinstance(dictionary, pa.ChunkedArray):
        dictionary = dictionary.combine_chunks()
    arr = pa.DictionaryArray.from_arrays(pa.array(place, mask=place < 0), dictionary).cast(pa.large_string())
    return pd.Series(as_str(arr), index=index)


def _constant_text(mask: np.ndarray, message: str, index: pd.Index) -> pd.Series:
    """`message` where `mask`, missing elsewhere, as a "str" column (through a one-entry dictionary)."""
    if not mask.any():
        return _null_text(index)
    codes = pa.array(np.zeros(len(mask), dtype=np.int8), mask=~mask)
    arr = pa.DictionaryArray.from_arrays(codes, pa.array([message], pa.large_string())).cast(pa.large_string())
    return pd.Series(as_str(arr), index=index)


_DATE_PATTERN = (
    r"^(?:(?P<y1>\d{4})\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})(?:\.0+)?)$"
)


def parse_dates(values: pd.Series, excel_serials: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse the contract's date forms: (dates at day resolution, mask of non-empty cells that are no date)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        days = dates.to_numpy().astype("datetime64[D]").astype("datetime64[s]")  # numpy floors to the day
        return pd.Series(days, index=values.index), pd.Series(False, index=values.index)
    codes, uniques = factorize(values)
    uniq = pd.Series(uniques, dtype=object)
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
    codes, uniques = factorize(values)
    words = as_text(pd.Series(uniques, dtype=object)).fillna("").str.lower().tolist()
    truth = np.array([u in TRUE_WORDS for u in words] + [False])
    known = np.array([u in TRUE_WORDS or u in FALSE_WORDS for u in words] + [True])
    return (
        pd.Series(truth[codes], index=values.index, dtype=bool),
        pd.Series(~known[codes], index=values.index, dtype=bool),
    )


# ---------------------------------------------------------------- normalize


def release_memory() -> None:
    """Give freed memory back to the system between steps: Arrow's allocator and the C library's keep it
    otherwise, and on a 10-million-row file that is most of a gigabyte on top of the next step's own peak."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)  # numpy's freed arrays of a few MiB stay in the C heap until trimmed


def _libc():
    import ctypes
    import ctypes.util

    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # glibc; musl has none
    except OSError:
        return None


_LIBC = _libc()


def _null_text(index: pd.Index) -> pd.Series:
    """An all-missing "str" column (no per-row objects)."""
    return pd.Series(as_str(pa.nulls(len(index), pa.large_string())), index=index)


class _Problems:
    """Messages noted per row ('; '-joined in the order noted). Masks are kept and the text is built
    at the end for the rows that have any, so a clean million-row file builds no strings at all.

    A message is a string, or a function of the index labels of the masked rows returning one message
    per row (row-specific messages are only built for the few rows that need them).
    """

    def __init__(self, index: pd.Index):
        self.index = index
        self.notes: list[tuple[np.ndarray, object]] = []

    def add(self, mask, message) -> None:
        mask = mask.to_numpy(dtype=bool, na_value=False) if isinstance(mask, pd.Series) else np.asarray(mask, dtype=bool)
        if mask.any():
            self.notes.append((mask, message))

    def series(self) -> pd.Series:
        out = _null_text(self.index)
        if not self.notes:
            return out
        hit = np.logical_or.reduce([mask for mask, _ in self.notes])
        text = pd.Series(pd.NA, index=self.index[hit], dtype="str")
        for mask, message in self.notes:
            where = self.index[mask]
            msg = message if isinstance(message, str) else pd.Series(np.asarray(message(where)), index=where, dtype="str")
            before = text[where]
            text[where] = (before.fillna("") + np.where(before.notna(), "; ", "") + msg).to_numpy()
        return _placed(hit, text, self.index)


def _quoted(values: pd.Series) -> pd.Series:
    return "'" + values.fillna("").str.slice(0, 40) + "'"


def _shared_message(ids: pd.Series, counts: pd.Series) -> pd.Series:
    """"application_id 'X' is used by N rows" for each id, N from `counts` (id -> rows)."""
    return "application_id " + _quoted(ids) + " is used by " + ids.map(counts).astype("int64").astype(str) + " rows"


_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def repeated(values: pd.Series) -> np.ndarray:
    """Per row: its text is not missing and occurs in more than one row (exact).

    Hashing ten million strings in a hash table is slow (random memory access), so: a 64-bit hash per
    value from its bytes (numpy, a million rows at a time, grouped by length), one sort of the hashes,
    and an exact comparison of the few rows whose hash is not unique.
    """
    n = len(values)
    digest = np.zeros(n, dtype=np.uint64)
    present = np.zeros(n, dtype=bool)
    with np.errstate(over="ignore"):
        for start, arr in frames.pieces(values.astype("str"), 1 << 20):
            length = pc.fill_null(pc.binary_length(arr), -1).to_numpy(zero_copy_only=False)
            present[start:start + len(arr)] = length >= 0
            widths = np.flatnonzero(np.bincount(length[length >= 0])) if (length >= 0).any() else []
            if len(widths) > 64:  # many lengths (free text): a hash table after all
                return (values.notna() & values.duplicated(keep=False)).to_numpy(dtype=bool)
            for width in widths:
                rows = np.flatnonzero(length == width)
                padded = np.zeros((len(rows), -(-int(width) // 8) * 8 or 8), dtype=np.uint8)
                if width:
                    padded[:, :width] = frames.fixed_width(arr, rows, int(width))
                words = padded.view(np.uint64)
                h = np.full(len(rows), np.uint64(width) * _HASH_MULTIPLIER, dtype=np.uint64)
                for i in range(words.shape[1]):
                    h = (h ^ words[:, i]) * _HASH_MULTIPLIER
                    h ^= h >> np.uint64(31)
                digest[start + rows] = h
    ordered = np.sort(digest[present] if not present.all() else digest)
    twice = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    out = np.zeros(n, dtype=bool)
    if len(twice) == 0:
        return out
    # Rows whose hash is one of `twice`: a bitmap of the hashes' low bits rules out nearly every row at
    # the cost of one look-up; binary search settles the rest.
    bits = np.zeros(1 << 24, dtype=bool)
    bits[(twice & np.uint64((1 << 24) - 1)).astype(np.int64)] = True
    candidates = []
    for start in range(0, n, 1 << 20):
        part = digest[start:start + (1 << 20)]
        maybe = np.flatnonzero(bits[(part & np.uint64((1 << 24) - 1)).astype(np.int64)]
                               & present[start:start + len(part)])
        pos = np.minimum(np.searchsorted(twice, part[maybe]), len(twice) - 1)
        candidates.append(start + maybe[twice[pos] == part[maybe]])
    candidates = np.concatenate(candidates)
    out[candidates] = frames.take(values, candidates).duplicated(keep=False).to_numpy(dtype=bool)
    return out


def normalize(raw: pd.DataFrame, file_format: str, id_counts: pd.Series | None = None,
              first_row: int = 2) -> tuple[pd.DataFrame, list[str]]:
    """Contract columns (already renamed) -> the normalized frame and the document columns that were absent."""
    n = len(raw)
    idx = pd.RangeIndex(n)
    raw = raw.set_axis(idx, axis=0)

    def column(name: str) -> pd.Series:
        return raw[name] if name in raw.columns else _null_text(idx)

    def text(name: str) -> pd.Series:
        return as_text(raw[name]) if name in raw.columns else _null_text(idx)

    out = pd.DataFrame({"row": np.arange(first_row, first_row + n, dtype=np.int64)}, index=idx)
    out["application_id"] = text("application_id")
    raw_id, id_problem_num = id_text(column("id_number"), numbers_exact=file_format == "parquet")
    out["id_number"] = raw_id
    out["name"] = text("name")
    out["province"] = text("province")
    out["province_code"] = provinces.province_codes(out["province"])
    out["city"] = text("city")
    applied, applied_bad = parse_dates(column("applied_on"), excel_serials=file_format == "xlsx")
    if "cancelled_on" in raw.columns:
        cancelled, cancelled_bad = parse_dates(raw["cancelled_on"], excel_serials=file_format == "xlsx")
    else:
        cancelled, cancelled_bad = pd.Series(pd.NaT, index=idx, dtype="datetime64[s]"), np.zeros(n, dtype=bool)
    out["applied_on"] = applied
    out["cancelled_on"] = cancelled
    release_memory()

    mangled = id_problem_num.notna().to_numpy()
    ids = validate_ids(raw_id, applied, skip=mangled if mangled.any() else None)
    out["person_key"] = ids["person_key"]
    out["person_id"] = ids["person_id"]
    out["id_problem"] = ids["id_problem"]
    if mangled.any():
        first = pc.coalesce(pa.array(id_problem_num.array), pa.array(ids["id_problem"].array))
        out["id_problem"] = pd.Series(as_str(first), index=idx)

    release_memory()
    problem = _Problems(idx)
    app_id = out["application_id"]
    problem.add(app_id.isna(), "application_id is empty")
    if id_counts is None:  # one whole file
        shared = pd.Series(repeated(app_id), index=idx)
        counts = app_id[shared].value_counts()
    else:  # one part of a larger input (Dask): counts over the whole input
        counts = id_counts[id_counts > 1]
        values = pa.array(counts.index.astype("str").to_numpy(dtype=object), pa.large_string())
        found = pc.is_in(app_id.array._pa_array, value_set=values) if len(counts) else None  # Arrow: a small set
        shared = pd.Series(False if found is None else pc.fill_null(found, False).to_numpy(), index=idx)
    if shared.any():
        problem.add(shared, lambda w: _shared_message(app_id[w], counts))
    problem.add(applied.isna() & ~applied_bad, "applied_on is empty")
    problem.add(applied_bad, lambda w: "applied_on " + _quoted(as_text(column("applied_on")[w])) + " is not a date")
    problem.add(cancelled_bad, lambda w: "cancelled_on " + _quoted(as_text(column("cancelled_on")[w])) + " is not a date")
    before = (cancelled < applied).fillna(False).astype(bool)
    problem.add(
        before,
        lambda w: "cancelled_on " + cancelled[w].dt.strftime("%Y-%m-%d") + " is before applied_on "
        + applied[w].dt.strftime("%Y-%m-%d"),
    )
    prov_empty = out["province"].isna()
    problem.add(prov_empty, "province is empty")
    problem.add(~prov_empty & out["province_code"].isna(),
                lambda w: "province " + _quoted(out["province"][w]) + " is not a known province")
    out["record_problem"] = problem.series()
    release_memory()

    absent_docs = [c for c in DOCUMENT_COLUMNS if c not in raw.columns]
    note = _Problems(idx)
    for name in BOOLEAN_COLUMNS:
        if name not in raw.columns:  # absent: empty, which counts as no
            out[name] = np.zeros(n, dtype=bool)
            continue
        values, unknown = parse_booleans(raw[name])
        out[name] = values
        note.add(unknown, lambda w, name=name: name + " value " + _quoted(as_text(column(name)[w])) + " not understood, read as no")
    out["special_category"] = text("special_category")
    out["document_note"] = note.series()
    release_memory()
    return out, absent_docs


def load_applications(path: str | Path, display: bool = True) -> Records:
    """Read and normalize an application file; raises LoadError with a one-line message.

    display=False (the flag command): the rules' columns only, without DISPLAY_ONLY (raw ID text, names,
    province text, cities); a Parquet file is then normalized in batches, in a fraction of the memory.
    """
    path = config.resolve_input(path)
    source = config.display_path(path)
    if not display and path.suffix.lower() in PARQUET_SUFFIXES and path.is_file() and path.stat().st_size:
        normalized, columns, ignored, absent_docs, rows = _load_parquet_in_batches(path, source)
        return Records(normalized, _load_report(source, "parquet", None, rows, columns, ignored, absent_docs, []))
    raw, file_format, encoding = read_table(path)
    frame, columns, ignored = map_headers(raw, source)
    if file_format == "csv" and _line_breaks(path) > len(raw) + 1:
        # More line breaks than rows: blank lines, or values that hold line breaks. No contract value holds
        # one: one that does is a stray quote that has swallowed the lines (applications) after it.
        for column in frame.columns:
            broken = frame[column].str.contains(r"[\r\n]", regex=True).to_numpy(dtype=bool, na_value=False)
            if broken.any():
                raise LoadError(
                    f"{source}: row {int(broken.argmax()) + 2}: the {column} value runs over several lines, so a "
                    "quote (\") there is probably unbalanced and the rows after it have run together; remove the "
                    "stray quote or export the file again")
    normalized, absent_docs = normalize(frame, file_format)
    if not display:
        normalized = normalized.drop(columns=DISPLAY_ONLY)
    sheets = raw.attrs.get("sheets", [])
    report = _load_report(source, file_format, encoding, len(raw), columns, ignored, absent_docs, sheets)
    del raw, frame
    release_memory()
    return Records(normalized, report)


def _load_report(source: str, file_format: str, encoding: str | None, rows: int, columns: dict[str, str],
                 ignored: list[str], absent_docs: list[str], sheets: list[str]) -> LoadReport:
    documents_checked = len(absent_docs) < len(DOCUMENT_COLUMNS)
    notes = []
    if len(sheets) > 1:
        notes.append(f"the workbook has {len(sheets)} sheets; only the first ('{sheets[0]}') was read")
    if not documents_checked:
        notes.append("no document columns in the file: document completeness was not checked")
    elif absent_docs:
        notes.append("document columns absent, read as empty (no): " + ", ".join(absent_docs))
    absent_optional = [c for c in OPTIONAL + DOCUMENT_COLUMNS if c not in columns]
    return LoadReport(
        source=source,
        file_format=file_format,
        encoding=encoding,
        rows_read=rows,
        columns=columns,
        absent_optional=absent_optional,
        documents_checked=documents_checked,
        ignored_headers=ignored,
        notes=notes,
    )


BATCH_ROWS = 2_000_000  # Parquet rows normalized at a time by load_applications(..., display=False)
DISPLAY_ONLY = ["id_number", "name", "province", "city"]  # normalized columns no rule reads


def _load_parquet_in_batches(path: Path, source: str) -> tuple[pd.DataFrame, dict, list[str], list[str], int]:
    """A Parquet file normalized a batch of row groups at a time, without the DISPLAY_ONLY columns.

    Normalizing needs several times a batch's size in temporaries; doing it per batch keeps that at one
    batch's worth whatever the file's size, so only the rules' columns of all rows are held at once. Two
    batches are normalized at a time, on two threads (numpy and Arrow release the GIL). Shared application
    ids are a property of the whole file: they are marked once all batches are in (_mark_shared_ids).
    Returns (normalized frame, columns, ignored headers, absent document columns, rows read).
    """
    import pyarrow.parquet as pq

    schema = _parquet_schema(path)
    empty = pd.DataFrame({name: pd.Series(dtype=object) for name in schema.names})
    _, columns, ignored = map_headers(empty, source)
    try:
        parquet = pq.ParquetFile(path)
        groups, batches, size = [], [], 0
        for i in range(parquet.metadata.num_row_groups):  # batches of whole row groups, about BATCH_ROWS rows
            groups.append(i)
            size += parquet.metadata.row_group(i).num_rows
            if size >= BATCH_ROWS or i == parquet.metadata.num_row_groups - 1:
                batches.append(groups)
                groups, size = [], 0
        firsts = np.cumsum([2] + [sum(parquet.metadata.row_group(i).num_rows for i in g) for g in batches]).tolist()
        no_counts = pd.Series([], dtype="int64")  # shared ids are marked afterwards, over the whole file
        parts, absent_docs = [], []

        def one(job: tuple[list[int], int]) -> tuple[pd.DataFrame, list[str]]:
            groups, row = job  # each thread reads through a file object of its own
            raw = _parquet_frame(pq.ParquetFile(path).read_row_groups(groups, columns=list(columns.values())))
            raw = raw.rename(columns={header: column for column, header in columns.items()})
            part, absent = normalize(raw, "parquet", id_counts=no_counts, first_row=row)
            return part.drop(columns=DISPLAY_ONLY), absent

        from tqdm.auto import tqdm

        with ThreadPoolExecutor(max_workers=2) as pool:
            for part, absent_docs in tqdm(pool.map(one, zip(batches, firsts)), total=len(batches), desc="normalizing",
                                          unit="batch", file=sys.stderr, leave=False,
                                          disable=len(batches) < 2 or not sys.stderr.isatty()):
                parts.append(part)
    except LoadError:
        raise
    except Exception as exc:
        raise _parquet_problem(path, exc) from None
    if not parts:
        part, absent_docs = normalize(map_headers(empty, source)[0], "parquet")
        parts = [part.drop(columns=DISPLAY_ONLY)]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    del parts
    _mark_shared_ids(frame)
    release_memory()
    return frame, columns, ignored, absent_docs, firsts[-1] - 2


def _mark_shared_ids(frame: pd.DataFrame) -> None:
    """Add "application_id 'X' is used by N rows" to record_problem, over the whole file, in place.

    normalize puts that message first for such a row (its id is not empty, so "application_id is empty"
    does not come before it): adding it after the batches gives the same text as a whole-file normalize.
    """
    app = frame["application_id"]
    at = np.flatnonzero(repeated(app))
    if not len(at):
        return
    ids = frames.take(app, at)
    message = _shared_message(ids, ids.value_counts())
    before = frames.take(frame["record_problem"], at)
    text = (message + np.where(before.notna(), "; ", "") + before.fillna("")).reset_index(drop=True)
    mask = np.zeros(len(frame), dtype=bool)
    mask[at] = True
    placed = _placed(mask, text, frame.index)
    first = pc.coalesce(placed.array._pa_array, frame["record_problem"].array._pa_array)
    frame["record_problem"] = pd.Series(as_str(first), index=frame.index)


def normalized_schema():
    """The pandera schema of the normalized frame: the contract between loading and the rules."""
    import pandera.pandas as pa

    text = {"dtype": "str", "nullable": True}
    codes = sorted(provinces.CODES)
    return pa.DataFrameSchema(
        {
            "row": pa.Column("int64", pa.Check.ge(2), unique=True),
            "application_id": pa.Column(**text),
            "id_number": pa.Column(**text),
            "person_key": pa.Column("str", pa.Check.str_matches(r"^\d{17}[0-9X]$"), nullable=True),
            "person_id": pa.Column("int64", pa.Check.ge(-1)),
            "id_problem": pa.Column(**text),
            "name": pa.Column(**text),
            "province": pa.Column(**text),
            "province_code": pa.Column("str", pa.Check.isin(codes), nullable=True),
            "city": pa.Column(**text),
            "applied_on": pa.Column("datetime64[s]", nullable=True),
            "cancelled_on": pa.Column("datetime64[s]", nullable=True),
            "record_problem": pa.Column(**text),
            **{name: pa.Column(bool) for name in BOOLEAN_COLUMNS},
            "special_category": pa.Column(**text),
            "document_note": pa.Column(**text),
        },
        checks=[
            # a usable row has a person key and a province code; an unusable one says why
            pa.Check(lambda f: (f["person_key"].notna() | f["id_problem"].notna()).all(), name="key or ID problem"),
            pa.Check(lambda f: (f["province_code"].notna() | f["record_problem"].notna()).all(),
                     name="province or record problem"),
            pa.Check(lambda f: (f["applied_on"].notna() | f["record_problem"].notna()).all(),
                     name="applied_on or record problem"),
        ],
        strict=True,
        ordered=False,
    )
