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
    Plain form: `((m[:, :17] - 48) <= 9).all(axis=1) & (((m[:, 17] - 48) <= 9) | (m[:, 17] == 88))`.

    The first 16 bytes of a row are read as two 8-byte words and checked all at once (SWAR): every byte
    is 0x30-0x39 exactly when its high nibble is 3, and still is after adding 6 (0x3A+6 carries to 4)."""
    m = np.ascontiguousarray(m)
    if len(m) == 0:
        return np.zeros(0, dtype=bool)
    words = np.ndarray((len(m), 2), dtype=np.uint64, buffer=m, strides=(18, 8))  # unaligned views, no copy
    ok = ((words & _NIBBLES) == _THREES) & (((words + _SIXES) & _NIBBLES) == _THREES)
    last = m[:, 17]
    zero = np.uint8(_ZERO)
    return ok[:, 0] & ok[:, 1] & ((m[:, 16] - zero) <= 9) & (((last - zero) <= 9) | (last == _X))


# Digits of a 17-digit body times these columns give, in one float32 matrix product: the MOD 11-2
# weighted sum, the body as a number in three parts of at most 7 digits, the province prefix and the
# birth year, month and day. Every partial sum stays below 2**24, so float32 is exact.
_PARTS = ["weighted", "top", "middle", "bottom", "prefix", "year", "month", "day"]
_MIX = np.zeros((17, len(_PARTS)), dtype=np.float32)
_MIX[:, 0] = _WEIGHTS
_MIX[:3, 1] = [100, 10, 1]
_MIX[3:10, 2] = 10.0 ** np.arange(6, -1, -1)
_MIX[10:, 3] = 10.0 ** np.arange(6, -1, -1)
_MIX[:2, 4] = [10, 1]
_MIX[6:10, 5] = [1000, 100, 10, 1]
_MIX[10:12, 6] = [10, 1]
_MIX[12:14, 7] = [10, 1]


def body_numbers(body: np.ndarray) -> dict[str, np.ndarray]:
    """An (n, 17) digit-byte matrix as int64 numbers: weighted (the MOD 11-2 sum), number (the 17 digits),
    prefix (first two digits), year, month, day (of birth). Plain form: `(body - 48) @ weights` for the
    sum and `int(text[a:b])` slices for the rest; one float32 product computes them all at once."""
    parts = (body - np.uint8(_ZERO)).astype(np.float32) @ _MIX
    out = {name: parts[:, i].astype(np.int64) for i, name in enumerate(_PARTS)}
    out["number"] = (out.pop("top") * 10_000_000 + out.pop("middle")) * 10_000_000 + out.pop("bottom")
    return out
