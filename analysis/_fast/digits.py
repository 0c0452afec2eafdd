"""ID-number byte matrices (one row of ASCII bytes per number) checked and read as numbers, many at a time."""

from __future__ import annotations

import numpy as np

_ZERO, _X = ord("0"), ord("X")
_NIBBLES = np.uint64(0xF0F0F0F0F0F0F0F0)
_THREES = np.uint64(0x3030303030303030)
_SIXES = np.uint64(0x0606060606060606)
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]  # GB 11643 / ISO 7064 MOD 11-2


def digits18(m: np.ndarray) -> np.ndarray:
    """Rows of an (n, 18) byte matrix that are 17 digits and a digit or X.
    Plain form: `((m[:, :17] - 48) <= 9).all(axis=1) & (((m[:, 17] - 48) <= 9) | (m[:, 17] == 88))`."""
    m = np.ascontiguousarray(m)
    if len(m) == 0:
        return np.zeros(0, dtype=bool)
    last = m[:, 17]
    return _first_17_digits(m, _words(m)) & (((last - np.uint8(_ZERO)) <= 9) | (last == _X))


def _words(m: np.ndarray) -> np.ndarray:
    """The first 16 bytes of each row of a contiguous byte matrix as two 8-byte words (unaligned views, no copy)."""
    return np.ndarray((len(m), 2), dtype=np.uint64, buffer=m, strides=(m.shape[1], 8))


def _first_17_digits(m: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Rows whose first 17 bytes are digits: the first 16 as _words, all at once (SWAR): every byte is 0x30-0x39
    exactly when its high nibble is 3, and still is after adding 6 (0x3A+6 carries to 4); the 17th alone."""
    ok = ((words & _NIBBLES) == _THREES) & (((words + _SIXES) & _NIBBLES) == _THREES)
    return ok[:, 0] & ok[:, 1] & ((m[:, 16] - np.uint8(_ZERO)) <= 9)


_EIGHT_ZEROS = np.uint64(0x3030303030303030)
_LOW_BYTES = np.uint64(0x00FF00FF00FF00FF)
_LOW_PAIRS = np.uint64(0x0000FFFF0000FFFF)
_LOW_HALF = np.uint64(0xFFFFFFFF)


def leading_numbers(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of an (n, 17 or more) byte matrix whose first 17 bytes are digits, and the number of those 17 digits
    (meaningless where they are not digits). Plain form: `((m[:, :17] - 48) <= 9).all(axis=1)` and
    `int(bytes(row[:17]))`; by SWAR, as digits18 and body_numbers read them, no text."""
    m = np.ascontiguousarray(m)
    if len(m) == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    words = _words(m)
    last = (m[:, 16] - np.uint8(_ZERO)).astype(np.int64)
    with np.errstate(over="ignore"):
        high, low = _pairs(words[:, 0] - _EIGHT_ZEROS), _pairs(words[:, 1] - _EIGHT_ZEROS)
    return _first_17_digits(m, words), _number(high, low, last)


def _number(high: np.ndarray, low: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The 17-digit number of characters 1-8 and 9-16 as _pairs' words and the 17th digit."""
    return (_eight_digits(high) * 100_000_000 + _eight_digits(low)) * 10 + last


def _pairs(digits: np.ndarray) -> np.ndarray:
    """Words of 8 digit values (first digit in the lowest byte) as four two-digit numbers in 16-bit lanes."""
    return (digits * np.uint64(10) + (digits >> np.uint64(8))) & _LOW_BYTES


def _eight_digits(pairs: np.ndarray) -> np.ndarray:
    """_pairs' words as the numbers of their eight digits, by SWAR: pairs, then fours combined in place."""
    w = (pairs * np.uint64(100) + (pairs >> np.uint64(16))) & _LOW_PAIRS
    return ((w * np.uint64(10_000) + (w >> np.uint64(32))) & _LOW_HALF).astype(np.int64)


def _lane(pairs: np.ndarray, k: int) -> np.ndarray:
    """The two-digit number in 16-bit lane k of _pairs' words."""
    return ((pairs >> np.uint64(16 * k)) & np.uint64(0xFFFF)).astype(np.int64)


def _lanes(weights: list[int]) -> np.uint64:
    """The multiplier that sums four 16-bit lanes, each times its weight, into the top lane (see _weighted)."""
    return np.uint64(sum(w << (16 * (3 - k)) for k, w in enumerate(weights)))


# per word of eight digits: the weights of its even and of its odd digits
_WORD_WEIGHTS = [(_lanes(_WEIGHTS[at : at + 8 : 2]), _lanes(_WEIGHTS[at + 1 : at + 8 : 2])) for at in (0, 8)]


def _weighted(digits: np.ndarray, even: np.uint64, odd: np.uint64) -> np.ndarray:
    """The weighted sum of the 8 digits of each word (digit values in its bytes), by SWAR: even and odd digits
    spread into four 16-bit lanes each, and one multiplication sums each set, weighted, into the top lane (a
    lane holds at most 4 x 10 x 9 = 360: no lane carries into the next)."""
    top = np.uint64(48)
    return (((digits & _LOW_BYTES) * even) >> top) + ((((digits >> np.uint64(8)) & _LOW_BYTES) * odd) >> top)


def body_numbers(body: np.ndarray) -> dict[str, np.ndarray]:
    """An (n, 17) digit-byte matrix (or the first 17 columns of a wider one) as int64 numbers: weighted (the MOD
    11-2 sum), number (the 17 digits), prefix (first two digits), year, month, day (of birth). Plain form:
    `(body - 48) @ weights` for the sum and `int(text[a:b])` slices for the rest. Read as two words of eight
    digits and the last digit (SWAR, no pass per column, no division); rows that are not digits give numbers
    that mean nothing, and never an error."""
    m = np.ascontiguousarray(body)
    n = len(m)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return dict.fromkeys(["weighted", "number", "prefix", "year", "month", "day"], empty)
    if m.shape[1] < 17:
        raise ValueError("body_numbers takes 17 characters per row")
    words = _words(m)
    last = (m[:, 16] - np.uint8(_ZERO)).astype(np.int64)
    with np.errstate(over="ignore"):
        first, second = words[:, 0] - _EIGHT_ZEROS, words[:, 1] - _EIGHT_ZEROS
        weighted = (_weighted(first, *_WORD_WEIGHTS[0]) + _weighted(second, *_WORD_WEIGHTS[1])).astype(np.int64)
        high, low = _pairs(first), _pairs(second)  # characters 1-8 and 9-16 as two-digit numbers
    weighted += last * _WEIGHTS[16]
    return {
        "weighted": weighted,
        "number": _number(high, low, last),
        "prefix": _lane(high, 0),
        "year": _lane(high, 3) * 100 + _lane(low, 0),
        "month": _lane(low, 1),
        "day": _lane(low, 2),
    }


_LANE_7BITS = np.uint64(0x0000007F0000007F)
_LANE_4BITS = np.uint64(0x000F000F000F000F)


def _digit_words(numbers: np.ndarray) -> np.ndarray:
    """Numbers below 10**8 as uint64 words of their eight digit values (0-9 per byte, the first digit in the
    lowest byte), by SWAR: split into halves of four digits in 32-bit lanes, each into pairs in 16-bit lanes,
    each pair into its two digits; the divisions by 100 and 10 are multiply-shifts exact in this range."""
    n = numbers.astype(np.uint64)
    first = n // np.uint64(10_000)
    x = first | ((n - first * np.uint64(10_000)) << np.uint64(32))
    high = ((x * np.uint64(10_486)) >> np.uint64(20)) & _LANE_7BITS  # x // 100 per lane (x < 10,000)
    y = high | ((x - high * np.uint64(100)) << np.uint64(16))
    tens = ((y * np.uint64(103)) >> np.uint64(10)) & _LANE_4BITS  # y // 10 per lane (y < 100)
    return tens | ((y - tens * np.uint64(10)) << np.uint64(8))


def body_text(bodies: np.ndarray, check_chars: np.ndarray) -> np.ndarray:
    """17-digit numbers (0 <= body < 10**17) as an (n, 18) byte matrix: their digits and their MOD 11-2 check
    character (`check_chars[weighted sum % 11]`). Plain form: `f"{b:017d}"` and the weighted sum per body;
    here two words of eight digits and the last digit (SWAR)."""
    body = np.asarray(bodies, dtype=np.int64)
    n = len(body)
    out = np.empty((n, 18), dtype=np.uint8)
    if n == 0:
        return out
    first = _digit_words(body // 1_000_000_000)  # digits 1-8
    second = _digit_words(body // 10 % 100_000_000)  # digits 9-16
    last = body % 10
    words = _words(out)  # (writable: views of out)
    words[:, 0] = first + _EIGHT_ZEROS
    words[:, 1] = second + _EIGHT_ZEROS
    out[:, 16] = last + _ZERO
    weighted = _weighted(first, *_WORD_WEIGHTS[0]) + _weighted(second, *_WORD_WEIGHTS[1])
    out[:, 17] = check_chars[(weighted.astype(np.int64) + last * _WEIGHTS[16]) % 11]
    return out
