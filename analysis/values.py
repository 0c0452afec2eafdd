"""Cell values to the contract's forms: text, ID-number text, dates and yes/no, each column at once."""

from __future__ import annotations

import datetime as dt
import numbers
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._fast.arrow import arrow_of, as_str, constant_text, is_arrow_text, null_text, replaced, take
from ._fast.text import SPACE_AT_EDGE, any_byte, byte_lengths, byte_table, edge_bytes
from .contract import FALSE_WORDS, TRUE_WORDS

# Excel keeps 15 significant digits: a longer number in a number cell has lost digits.
EXCEL_DIGITS = 15
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's date serials (its 1900 leap-year bug included)
EXCEL_LAST_SERIAL = 2958466  # 9999-12-31
_DATE_PATTERN = (
    r"^(?:(?P<y1>\d{4})\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})(?:\.0+)?)$"
)
_SCIENTIFIC = r"^\s*\d+(\.\d+)?[eE][+-]?\d+\s*$"
DECIMAL_ID = "ID number arrived as a decimal number (digits lost): export the column as text"
NUMBER_ID = "ID number was stored as a number in the spreadsheet (digits lost): store the column as text"
SCIENTIFIC_ID = "ID number is in scientific notation (digits lost in a spreadsheet): export the column as text"


def is_number(value: object) -> bool:
    """A number cell (not a yes/no cell)."""
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques as an object array); code -1 for missing. Arrow's hashing for text columns."""
    if values.dtype == "str" and is_arrow_text(values):
        encoded = pc.dictionary_encode(arrow_of(values)).combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        codes = (
            np.where(np.isnan(codes), -1, codes).astype(np.int64) if codes.dtype.kind == "f" else codes.astype(np.int64)
        )
        return codes, np.array(encoded.dictionary.to_pylist(), dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _cell_text(v: object) -> object:
    """One distinct cell value as text: whole floats without .0, dates as YYYY-MM-DD, missing as None."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.strftime("%Y-%m-%d")
    return str(v)


# a character str.strip() removes (str.isspace(): ideographic and no-break spaces too), for Arrow's RE2, whose \s
# is ASCII only: checked against isspace over every code point
_SPACE = r"[\t-\r\x{1c}-\x{20}\x{85}\p{Z}]"
_SPACE_AT_AN_EDGE = f"^{_SPACE}|{_SPACE}$"


def _stripped(values: pd.Series) -> tuple[np.ndarray, pa.Array | None, np.ndarray]:
    """For an Arrow text column: (the rows str.strip() may change, their stripped text or None when it changes
    none of them, each row's byte length once stripped, -1 where missing). Most exports are clean: look first
    (at the first and last bytes), and trim only the rows with a space-like byte at an edge (no other row can
    change)."""
    length = byte_lengths(values)
    at = np.flatnonzero(edge_bytes(values, SPACE_AT_EDGE))
    edged = arrow_of(take(values, at)) if len(at) else None
    if edged is None or not pc.any(pc.match_substring_regex(edged, _SPACE_AT_AN_EDGE)).as_py():
        return at, None, length
    trimmed = pc.utf8_trim_whitespace(edged)
    length[at] = pc.binary_length(trimmed).to_numpy(zero_copy_only=False)
    return at, trimmed, length


def as_text(values: pd.Series) -> pd.Series:
    """Any column as `str`: numbers written without a trailing .0, missing as NA, text stripped."""
    if values.dtype == "str" and is_arrow_text(values):
        at, trimmed, length = _stripped(values)
        arr = arrow_of(values if trimmed is None else replaced(values, at, trimmed))  # (only the chunks with `at`)
        empty = length == 0
        if empty.any():
            arr = pc.if_else(pa.array(empty), pa.scalar(None, arr.type), arr)
        return pd.Series(as_str(arr), index=values.index)
    if values.dtype == "str":
        return values.str.strip().replace("", pd.NA)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype("str")
    codes, uniques = factorize(values)
    text = np.array([_cell_text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(text[codes], index=values.index, dtype="str").str.strip().replace("", pd.NA)


def text_count(values: pd.Series) -> int:
    """Cells with text: `as_text(values).notna().sum()`, without building the text on the Arrow path."""
    if values.dtype == "str" and is_arrow_text(values):
        return int(np.count_nonzero(_stripped(values)[2] > 0))
    return int(as_text(values).notna().sum())


def kept_digits(value: object) -> object:
    """A number cell with more than 15 digits as the digits it really kept, '?' for the others (docs/data-contract.md,
    decision 8): 1.1010519491231e17 (Excel kept 110105194912310) -> '11010519491231????'. Its other digits are
    artefacts of the binary number (…0000, …0016), which nothing must show, masked or not. Other cells: as text."""
    if not is_number(value) or (isinstance(value, float) and not (np.isfinite(value) and value.is_integer())):
        return _cell_text(value)
    number = Decimal(repr(float(value))) if isinstance(value, (float, np.floating)) else Decimal(int(value))
    _, digits, exponent = number.as_tuple()
    width = len(digits) + exponent  # digits before the decimal point (the value is whole)
    if width <= EXCEL_DIGITS:
        return _cell_text(value)
    kept = "".join(map(str, digits)).rstrip("0")[:EXCEL_DIGITS]  # trailing zeros may be artefacts too
    return kept + "?" * (width - len(kept))


def id_text(values: pd.Series, numbers_exact: bool) -> tuple[pd.Series, pd.Series]:
    """ID column as text (as given, for display) plus a problem for cells whose digits may be lost. A number
    cell with lost digits shows only the digits it kept (`kept_digits`)."""
    problem = null_text(values.index)
    if values.dtype == "str":
        text = values
    elif pd.api.types.is_float_dtype(values):
        problem[values.notna()] = DECIMAL_ID
        codes, uniques = factorize(values)
        shown = np.array([kept_digits(u) for u in uniques] + [None], dtype=object)
        return pd.Series(shown[codes], index=values.index, dtype="str"), problem
    else:
        obj = values.astype(object)
        is_num = obj.map(is_number).astype(bool)
        text = as_text(values)
        if is_num.any():
            nums = obj[is_num]
            is_float = nums.map(lambda v: isinstance(v, float) and not float(v).is_integer()).astype(bool)
            digits = text[is_num].str.len()
            lost = is_float | ((digits > EXCEL_DIGITS) & (not numbers_exact))
            at = nums.index[lost.to_numpy()]
            problem[at] = NUMBER_ID
            text[at] = nums[lost.to_numpy()].map(kept_digits).astype("str")
    if text.dtype == "str" and is_arrow_text(text):  # only values that are not all digits can hold an E
        other = np.flatnonzero(~pc.fill_null(pc.ascii_is_decimal(arrow_of(text)), True).to_numpy(zero_copy_only=False))
        maybe = np.zeros(len(text), dtype=bool)
        if len(other):
            maybe[other] = any_byte(take(text, other), byte_table(b"eE"))
        maybe = pd.Series(maybe, index=text.index)
    else:
        maybe = text.str.contains("E", regex=False).fillna(False) | text.str.contains("e", regex=False).fillna(False)
    sci = pd.Series(False, index=text.index)
    if maybe.any():
        at = np.flatnonzero(maybe.to_numpy(dtype=bool))
        found = pc.match_substring_regex(arrow_of(take(text, at).astype("str")), _SCIENTIFIC)
        sci.iloc[at] = pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    if problem.isna().all():  # built by Arrow: setting values in a ten-million-row text column copies it
        problem = constant_text(sci.to_numpy(dtype=bool), SCIENTIFIC_ID, text.index)
    else:
        problem[sci] = SCIENTIFIC_ID
    return text, problem


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
        # an eight-digit number is a YYYYMMDD date, not a serial
        serial = uniq.map(lambda v: is_number(v) and not (1e7 <= v < 1e8) and 0 < v < EXCEL_LAST_SERIAL).astype(bool)
        if serial.any():
            days = pd.to_timedelta(uniq[serial].astype(float).astype(int), unit="D")
            parsed[serial] = (EXCEL_EPOCH + days).astype("datetime64[s]")
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
    """Parse the contract's yes/no words (empty = false): (booleans, mask of unrecognised values)."""
    truth, unknown, _ = read_booleans(values)
    return truth, unknown


def read_booleans(values: pd.Series) -> tuple[pd.Series, pd.Series, dict[str, int]]:
    """parse_booleans, and the values not understood with their number of cells (for the load report)."""
    codes, uniques = factorize(values)
    text = as_text(pd.Series(uniques, dtype=object)).fillna("")
    words = text.str.lower().tolist()
    truth = np.array([u in TRUE_WORDS for u in words] + [False])
    known = np.array([u in TRUE_WORDS or u in FALSE_WORDS for u in words] + [True])
    counts = np.bincount(codes[codes >= 0], minlength=len(words)) if len(words) else np.zeros(0, dtype=np.int64)
    unknown_words: dict[str, int] = {}
    for at in np.flatnonzero(~known[:-1]):  # distinct values of the same text (1 and '1' in a workbook) add up
        unknown_words[text.iloc[at]] = unknown_words.get(text.iloc[at], 0) + int(counts[at])
    return (
        pd.Series(truth[codes], index=values.index, dtype=bool),
        pd.Series(~known[codes], index=values.index, dtype=bool),
        unknown_words,
    )
