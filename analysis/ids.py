"""Citizen ID numbers (GB 11643-1999): normalization, 15 -> 18 upgrade and validation, vectorized.

python-stdnum (`stdnum.cn.ric`) is the reference for the check character and the birth date;
the tests prove this vectorized version agrees with it. The county part of the region code is
deliberately not checked (docs/data-contract.md, "ID numbers").

Speed: every check works on a fixed-width byte matrix (one row per number) in numpy (analysis._fast);
regular expressions and per-value Python run only for the rare values that are not already plain ASCII.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._fast.arrow import (
    arrow_of,
    as_str,
    coded_text,
    fixed_width,
    fixed_width_text,
    is_arrow_text,
    null_text,
    pieces,
    take,
    text_array,
)
from ._fast.digits import body_numbers, body_text, digits18
from ._fast.text import any_byte, byte_table
from .provinces import ID_PREFIXES

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list(b"10X98765432"), dtype=np.uint8)
EARLIEST_BIRTH = np.datetime64("1900-01-01", "D")
_PREFIXES = np.array(sorted(int(p) for p in ID_PREFIXES))
_ZERO = ord("0")
_NINETEEN = np.array(list(b"19"), dtype=np.uint8)  # the century an upgraded 15-digit number gains

# Reason codes: 0 = no problem; later checks in validate_ids override earlier ones (most basic wins).
FINE, CHECK, FUTURE, OLD, DATE, PREFIX = range(6)
EMPTY_CODE = 6  # "ID number is empty"
SHAPE = 7  # code SHAPE + k: "not an ID number: ... got k characters"
REASONS = np.array(
    [
        None,
        "check character does not match (ISO 7064 MOD 11-2)",
        "birth date in the ID number is after the application date",
        "birth date in the ID number is before 1900-01-01",
        "birth date in the ID number (characters 7-14) is not a calendar date",
        "first two digits are not a province-level code of GB/T 2260",
    ],
    dtype=object,
)
EMPTY = "ID number is empty"


# white space other than " " (a non-ASCII character may be a Unicode space)
_OTHER_SPACE = byte_table(b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f", non_ascii=True)


def normalize_text(values: pd.Series) -> pd.Series:
    """Full-width to half-width, spaces removed anywhere, upper case; missing stays missing."""
    arr = text_array(values)
    wide = pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))
    if pc.any(wide).as_py():  # rare: only these values go through Python
        narrow = [unicodedata.normalize("NFKC", v) for v in pc.filter(arr, wide).to_pylist()]
        arr = pc.replace_with_mask(arr, wide, pa.array(narrow, type=arr.type))
    arr = pc.utf8_upper(pc.replace_substring(arr, " ", ""))
    # other white space: looked for (regex) only in values with such a byte
    maybe = np.flatnonzero(any_byte(pd.Series(as_str(arr)), _OTHER_SPACE))
    if len(maybe):
        other_space = np.zeros(len(arr), dtype=bool)
        other_space[maybe] = pc.fill_null(pc.match_substring_regex(arr.take(pa.array(maybe)), r"\s"), False).to_numpy(
            zero_copy_only=False
        )
        if other_space.any():
            arr = pc.if_else(pa.array(other_space), pc.replace_substring_regex(arr, r"\s+", ""), arr)
    return pd.Series(as_str(arr), index=values.index)


def check_characters(bodies: pd.Series | np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check character (uint8) for 17-digit strings or a (n, 17) digit-byte matrix."""
    if isinstance(bodies, np.ndarray):
        digits = bodies.astype(np.int64) - _ZERO
    else:
        if len(bodies) == 0:
            return np.empty(0, dtype=np.uint8)
        raw = np.array(list("".join(bodies.tolist()).encode("ascii")), dtype=np.int64)
        digits = raw.reshape(-1, 17) - _ZERO
    return CHECK_CHARS[(digits @ WEIGHTS) % 11]


CHUNK = 1 << 20  # rows per step: temporaries stay a few tens of MiB whatever the file size
_IS_PREFIX = np.zeros(100, dtype=bool)
_IS_PREFIX[_PREFIXES] = True


def _shape_message(chars: int) -> str:
    return (
        "not an ID number: expected 18 characters (17 digits and a check digit or X) or 15 digits, "
        f"got {chars} characters"
    )


def _bodies(arr: pa.Array) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]], np.ndarray]:
    """Shape one slice of raw ID text: ([(rows, their (k, 18) byte matrix: 17-digit body and the given
    check character, rows of it that are ID-shaped or None for all, legacy: upgraded 15-digit numbers
    whose check character is still to compute), ...], problem code per row (EMPTY/SHAPE codes, 0 elsewhere)).

    Plain 18-character numbers (nearly all) are read straight from Arrow's buffers; only the rest is
    normalized (full-width, spaces, lower-case x) and looked at again.
    """
    n = len(arr)
    length = pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)
    code = np.zeros(n, dtype=np.int32)
    rows18 = np.flatnonzero(length == 18)
    m18 = fixed_width(arr, rows18, 18)
    plain = digits18(m18)
    rest = np.ones(n, dtype=bool)
    rest[rows18[plain]] = False
    parts = [(rows18, m18, None if plain.all() else plain, False)]  # views of Arrow's data: no copies
    if rest.any():
        others = np.flatnonzero(rest)
        text = text_array(normalize_text(pd.Series(as_str(pc.take(arr, pa.array(others))))))
        length = pc.fill_null(pc.binary_length(text), 0).to_numpy(zero_copy_only=False)
        code[others[length == 0]] = EMPTY_CODE
        at18, at15 = np.flatnonzero(length == 18), np.flatnonzero(length == 15)
        m = fixed_width(text, at18, 18)
        ok18 = digits18(m)
        parts.append((others[at18[ok18]], np.ascontiguousarray(m[ok18]), None, False))
        m = fixed_width(text, at15, 15)
        ok15 = ((m - np.uint8(_ZERO)) <= 9).all(axis=1)
        legacy = np.zeros((int(ok15.sum()), 18), dtype=np.uint8)  # body: region, "19", the rest; check: later
        legacy[:, :6], legacy[:, 6:8], legacy[:, 8:17] = m[ok15, :6], _NINETEEN, m[ok15, 6:]
        parts.append((others[at15[ok15]], legacy, None, True))
        shaped = np.zeros(len(others), dtype=bool)
        shaped[at18[ok18]] = True
        shaped[at15[ok15]] = True
        bad = ~shaped & (length != 0)
        if bad.any():
            chars = pc.utf8_length(pc.filter(text, pa.array(bad))).to_numpy(zero_copy_only=False)
            code[others[bad]] = SHAPE + chars
    return parts, code


# Day number (days since 1970-01-01) of the first of every month of the years 0-9999, and one more:
# a birth date is one look-up, its month's length the difference of two.
_MONTH_START = (np.arange(10_000 * 12 + 1) - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
_EARLIEST = int(EARLIEST_BIRTH.astype(np.int64))


def _birth_codes(year: np.ndarray, month: np.ndarray, day: np.ndarray, applied: np.ndarray | None) -> np.ndarray:
    """Problem code per birth date (characters 7-14): FINE, DATE, OLD or FUTURE."""
    month_ok = (month >= 1) & (month <= 12) & (year >= 0) & (year <= 9999)  # (not digits: any numbers)
    at = np.where(month_ok, year * 12 + month - 1, 0)
    first = _MONTH_START[at]
    real = month_ok & (day >= 1) & (day <= _MONTH_START[at + 1] - first)
    birth = first + day - 1
    code = np.full(len(year), FINE, dtype=np.int32)
    code[real & (birth < _EARLIEST)] = OLD
    if applied is not None:
        code[real & (birth > applied)] = FUTURE
    code[~real] = DATE
    return code


def _problems(code: np.ndarray, index: pd.Index) -> pd.Series:
    """Problem codes as reason text (missing for FINE)."""
    present = code != FINE
    if not present.any():
        return null_text(index)
    kinds = np.unique(code[present])
    words = [
        REASONS[k] if k < EMPTY_CODE else EMPTY if k == EMPTY_CODE else _shape_message(int(k) - SHAPE) for k in kinds
    ]
    lookup = np.zeros(int(kinds[-1]) + 1, dtype=np.int64)
    lookup[kinds] = np.arange(len(kinds))
    return pd.Series(as_str(coded_text(np.where(present, lookup[code], -1), words)), index=index)


def validate_ids(
    values: pd.Series, applied_on: pd.Series | None = None, skip: np.ndarray | None = None, keys: bool = True
) -> pd.DataFrame:
    """Normalize and check ID numbers: columns person_key (18 chars or NA), id_problem (reason or NA),
    and person_id (int64: the 17-digit body, which determines the key; -1 where invalid).

    `values` is text; a value that is not text (a number that went through a spreadsheet)
    should already carry its problem and be marked in `skip` (then it gets no key and the problem
    "empty", for the caller to replace), see normalize.py. `applied_on` bounds the birth date.
    Works through the rows CHUNK at a time, so its memory is the outputs plus one chunk's worth. keys=False:
    person_key all missing, for a caller that derives citizens' keys from person_id (key_of_body) when needed.
    """
    n = len(values)
    if not (values.dtype == "str" and is_arrow_text(values)):
        values = pd.Series(as_str(text_array(values)), index=values.index)
    applied_all = None if applied_on is None else applied_on.to_numpy()
    key_bytes = np.zeros((n, 18) if keys else (0, 18), dtype=np.uint8)
    person_id = np.full(n, -1, dtype=np.int64)
    code = np.zeros(n, dtype=np.int32)
    rows_of = key_bytes.view("V18").ravel()  # one 18-byte item per row: whole keys move in one copy each
    for start, piece in pieces(values, CHUNK):
        stop = start + len(piece)
        parts, chunk_code = _bodies(piece)
        applied_chunk = None
        if applied_all is not None:  # day numbers; no date (NaT) becomes the largest day: no birth is after it
            days = applied_all[start:stop].astype("datetime64[D]")
            applied_chunk = np.where(np.isnat(days), np.iinfo(np.int64).max, days.astype(np.int64))
        for rows, m, ok, legacy in parts:
            if len(rows) == 0:
                continue
            num = body_numbers(m)  # (its first 17 characters)
            check = CHECK_CHARS[num["weighted"] % 11]
            applied = None if applied_chunk is None else applied_chunk[rows]
            found = _birth_codes(num["year"], num["month"], num["day"], applied)
            if not legacy:
                found[(found == FINE) & (m[:, 17] != check)] = CHECK
            found[~_IS_PREFIX[np.minimum(num["prefix"], 99)]] = PREFIX  # (rows not ok hold any bytes)
            good = found == FINE
            if ok is None:
                chunk_code[rows] = found
            else:
                chunk_code[rows[ok]] = found[ok]
                good &= ok
            if legacy:
                m[:, 17] = check
            at = start + rows[good]
            if keys:
                rows_of[at] = m.view("V18").ravel()[good]  # a good 18-digit number is its own key
            person_id[at] = num["number"][good]
        code[start:stop] = chunk_code
    if skip is not None:
        person_id[skip] = -1
        code[skip] = EMPTY_CODE
    valid = person_id >= 0
    key_text = (
        pd.Series(as_str(fixed_width_text(key_bytes, valid)), index=values.index) if keys else null_text(values.index)
    )
    del key_bytes
    return pd.DataFrame(
        {
            "person_key": key_text,
            "id_problem": _problems(code, values.index),
            "person_id": person_id,
        },
        index=values.index,
        copy=False,
    )


OTHER_IDS = 10**17  # person ids of keys that are not 18 characters: above every 17-digit body


def key_of_body(person_id: np.ndarray) -> pa.Array:
    """18-character person keys from 17-digit bodies (person_id below OTHER_IDS): the body and its MOD 11-2
    check character, as validate_ids keys a valid number; null where person_id is not such a body.
    Plain form: `f"{b:017d}" + check_characters(...)` per value."""
    body = np.asarray(person_id, dtype=np.int64)
    valid = (body >= 0) & (body < OTHER_IDS)
    return fixed_width_text(body_text(np.where(valid, body, 0), CHECK_CHARS), valid)


def person_keys(records: pd.DataFrame, positions: np.ndarray) -> pd.Series:
    """The person_key of the rows at `positions`, from a frame that holds the text (`person_key`) or from the flag
    command's frame, which holds only the keys that are not 18 characters (`other_key`) and derives the rest
    from person_id (see matching.for_rules): ten million keys as text are a quarter of its memory."""
    if "person_key" in records.columns:
        return take(records["person_key"], positions)
    positions = np.asarray(positions, dtype=np.int64)
    person = records["person_id"].to_numpy()[positions]
    keys = key_of_body(person)
    if (person >= OTHER_IDS).any():  # (a file of citizens has none: nothing to take)
        keys = pc.coalesce(arrow_of(take(records["other_key"], positions)), keys)
    return pd.Series(as_str(keys), index=records.index[positions], name="person_key")


def assign_other_ids(person_key: pd.Series, person_id: np.ndarray) -> np.ndarray:
    """person_id with the keys that are not 18 characters (`<id_type>:<number>`, id OTHER_IDS or above) numbered
    OTHER_IDS + their rank among the distinct such keys of this frame: unique per key, never a citizen body."""
    other = person_id >= OTHER_IDS
    if other.any():
        person_id = person_id.copy()
        keys = person_key.to_numpy(dtype=object)[other].astype(str)
        person_id[other] = OTHER_IDS + np.unique(keys, return_inverse=True)[1]
    return person_id
