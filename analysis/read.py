"""Read a file of applications (CSV in any common encoding, .xlsx, Parquet) into raw cells and map its headers
to the contract's columns. One reader per format, each turning its library's errors into one line."""

from __future__ import annotations

import codecs
import re
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .contract import CSV_SUFFIXES, EXCEL_SUFFIXES, HEADER_ALIASES, PARQUET_SUFFIXES, REQUIRED, LoadError

SCAN_BYTES = 1 << 20  # bytes read at a time when a whole file is scanned
_ALIAS_TO_COLUMN = {alias.casefold(): col for col, aliases in HEADER_ALIASES.items() for alias in aliases}


def _decodes(path: Path, encoding: str) -> tuple[bool, bool, str]:
    """(the whole file decodes, it fails only because it ends inside a character, the decoder's reason)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while block := fh.read(SCAN_BYTES):
                decoder.decode(block)
    except UnicodeDecodeError as exc:
        return False, False, exc.reason
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return False, True, exc.reason
    return True, False, ""


def sniff_encoding(path: Path, source: str) -> str:
    """The text encoding of a CSV file: 'utf-8-sig' (with BOM), 'utf-8' or 'gb18030' (which reads GBK too).

    UTF-8 when the whole file decodes as UTF-8, else GB18030; raises LoadError (one line) for UTF-16, for
    a file cut off inside a character, and for text that is neither.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
    # UTF-16 without a BOM: every other byte of ASCII text is zero
    utf16 = len(head) == 4 and ((head[0] and not head[1] and not head[3]) or (not head[0] and head[1] and not head[2]))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16:
        raise LoadError(f"{source}: the file is UTF-16 ('Unicode text'); save it from Excel as 'CSV UTF-8' or CSV")
    reason = ""
    for encoding in ("utf-8", "gb18030"):
        whole, cut_off, reason = _decodes(path, encoding)
        if whole:
            return "utf-8-sig" if encoding == "utf-8" and head.startswith(codecs.BOM_UTF8) else encoding
        if cut_off:
            raise LoadError(
                f"{source}: the file ends in the middle of a character, so it was cut off "
                "(an interrupted copy or download?); copy or export it again"
            )
    raise LoadError(
        f"{source}: text is neither UTF-8 nor GB18030/GBK ({reason}); save it from Excel as 'CSV UTF-8', or as .xlsx"
    )


def _csv_problem(exc: Exception) -> str:
    """A pandas CSV parser error as a line a user can act on."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    if m := re.search(r"EOF inside string starting at row (\d+)", text):
        return (
            f'a quote (") opened on line {int(m.group(1)) + 1} is never closed; remove the stray quote '
            "or quote the whole value, then try again"
        )
    if m := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        return (
            f"line {m.group(2)} has {m.group(3)} fields but the header row has {m.group(1)} (a comma inside "
            "a value that is not in quotes?); fix that line or export the file again"
        )
    if "Length of header or names does not match" in text:
        return (
            "the first data row has more fields than the header row (a comma inside a value that is not "
            "in quotes, or a missing header?); fix that row or export the file again"
        )
    return f"not a readable CSV table ({text}); export it again as CSV UTF-8"


def line_breaks(path: Path) -> int:
    """Line breaks in a text file (LF, CRLF or CR alone), counted at memory speed."""
    lf = cr = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(SCAN_BYTES), b""):
            lf, cr = lf + chunk.count(b"\n"), cr + chunk.count(b"\r")
    return max(lf, cr)


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    """A CSV (or tab-separated) file as text cells, and its encoding."""
    encoding = sniff_encoding(path, path.name)
    try:
        with warnings.catch_warnings():
            # A first data row longer than the header: pandas would drop its extra fields with a warning.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding=encoding,
                engine="c",
                sep="\t" if path.suffix.lower() == ".tsv" else ",",
                index_col=False,  # never take a column as the index when a row has more fields than the header
            )
    except pd.errors.EmptyDataError:
        raise LoadError(f"{path.name}: the file is empty (no header row)") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise LoadError(f"{path.name}: {_csv_problem(exc)}") from None
    return frame, encoding


def _read_excel(path: Path) -> pd.DataFrame:
    """The first sheet of a workbook as cells (the sheet names kept in attrs)."""
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            # Empty cells are missing; text such as 'N/A' or 'NULL' is kept as written, as in a CSV file.
            frame = pd.read_excel(book, dtype=object, sheet_name=0, keep_default_na=False, na_values=[""])
            sheets = list(book.sheet_names)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        with path.open("rb") as fh:
            head = fh.read(512)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise LoadError(
                f"{path.name}: not a readable .xlsx workbook: it is an old .xls workbook or a "
                "password-protected one; save it as .xlsx without a password, or as CSV UTF-8"
            ) from None
        if head and not head.startswith(b"PK") and b"\x00" not in head:
            raise LoadError(
                f"{path.name}: not a readable .xlsx workbook: it is text (a CSV file named .xlsx?); rename it to .csv"
            ) from None
        raise LoadError(
            f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc}".splitlines()[0]
            + "); open it in Excel and save it again as .xlsx"
        ) from None
    if frame.columns.empty:
        raise LoadError(
            f"{path.name}: the first sheet ('{sheets[0]}') is empty; the applications must be on the "
            "first sheet, with the header row first"
        )
    frame.attrs["sheets"] = sheets  # load_applications notes the sheets that were not read
    return frame


def parquet_frame(table: pa.Table) -> pd.DataFrame:
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
                lambda v: None if v is None else str(v.tolist() if hasattr(v, "tolist") else v), na_action="ignore"
            )
    return frame


def parquet_problem(path: Path, exc: Exception) -> LoadError:
    """A Parquet reader's error as a line a user can act on."""
    return LoadError(
        f"{path.name}: not a readable Parquet file ({type(exc).__name__}: {exc}".splitlines()[0]
        + "); write it again, or export the data as CSV UTF-8 or .xlsx"
    )


def parquet_schema(path: Path) -> pa.Schema:
    """The schema of a Parquet file; LoadError when it is unreadable or names a column twice."""
    try:
        schema = pq.read_schema(path)
    except Exception as exc:
        raise parquet_problem(path, exc) from None
    names = list(schema.names)
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise LoadError(f"{path.name}: column '{doubled[0]}' appears more than once; keep one of them")
    return schema


def _read_parquet(path: Path) -> pd.DataFrame:
    parquet_schema(path)
    try:
        return parquet_frame(pq.read_table(path))
    except Exception as exc:
        raise parquet_problem(path, exc) from None


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
            raise LoadError(
                f"{source}: the header '{shown(base.group(1))}' appears more than once; keep one of those columns"
            )
        if column is None:
            ignored.append(str(header))
            continue
        if column in mapping.values():
            first = next(h for h, c in mapping.items() if c == column)
            raise LoadError(
                f"{source}: columns '{shown(first)}' and '{shown(header)}' both mean {column}; keep one of them"
            )
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
