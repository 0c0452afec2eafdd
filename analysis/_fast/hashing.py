"""Which values of a large text column occur more than once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from .arrow import fixed_width, pieces, take
from .text import PIECE

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_BITMAP_BITS = 24  # a bitmap of 2**24 hash bits: 16 MiB, and nearly every unique row ruled out by one look-up
MANY_WIDTHS = 64  # free text of many lengths: grouping by length stops paying


def duplicated_mask(values: pd.Series, digests: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Per row: its text is not missing and occurs in more than one row (exact). `digests`: the values'
    text_digests (hash, present) when computed already (the flag command hashes each batch on its thread).
    Plain form: `(values.notna() & values.duplicated(keep=False)).to_numpy()`, a hash table over every
    string, which is slow on ten million (random memory access).

    Instead: a 64-bit hash per value from its bytes (numpy, a piece at a time, grouped by length), one sort
    of the hashes, and an exact comparison of the few rows whose hash is not unique.
    """
    n = len(values)
    found = text_digests(values, max_widths=MANY_WIDTHS) if digests is None else digests
    if found is None:
        return (values.notna() & values.duplicated(keep=False)).to_numpy(dtype=bool)
    digest, present = found
    ordered = np.sort(digest[present] if not present.all() else digest)
    twice = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    out = np.zeros(n, dtype=bool)
    if len(twice) == 0:
        return out
    # Rows whose hash is one of `twice`: a bitmap of the hashes' low bits rules out nearly every row at
    # the cost of one look-up; binary search settles the rest.
    low = np.uint64((1 << _BITMAP_BITS) - 1)
    bits = np.zeros(1 << _BITMAP_BITS, dtype=bool)
    bits[(twice & low).astype(np.int64)] = True
    candidates = []
    for start in range(0, n, PIECE):
        part = digest[start : start + PIECE]
        maybe = np.flatnonzero(bits[(part & low).astype(np.int64)] & present[start : start + len(part)])
        pos = np.minimum(np.searchsorted(twice, part[maybe]), len(twice) - 1)
        candidates.append(start + maybe[twice[pos] == part[maybe]])
    candidates = np.concatenate(candidates)
    out[candidates] = take(values, candidates).duplicated(keep=False).to_numpy(dtype=bool)
    return out


def text_digests(values: pd.Series, max_widths: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(a 64-bit hash of each text's bytes, whether the text is present): numpy, a piece at a time, grouped by
    length. Equal texts have equal hashes; different ones almost never do (compare texts to be sure). None when
    a piece has texts of more than `max_widths` lengths (free text: grouping by length stops paying)."""
    n = len(values)
    digest = np.zeros(n, dtype=np.uint64)
    present = np.zeros(n, dtype=bool)
    with np.errstate(over="ignore"):
        for start, arr in pieces(values.astype("str"), PIECE):
            length = pc.fill_null(pc.binary_length(arr), -1).to_numpy(zero_copy_only=False)
            present[start : start + len(arr)] = length >= 0
            widths = np.flatnonzero(np.bincount(length[length >= 0])) if (length >= 0).any() else []
            if max_widths is not None and len(widths) > max_widths:
                return None
            for width in widths:
                rows = np.flatnonzero(length == width)
                padded = np.zeros((len(rows), -(-int(width) // 8) * 8 or 8), dtype=np.uint8)
                if width:
                    padded[:, :width] = fixed_width(arr, rows, int(width))
                words = padded.view(np.uint64)
                h = np.full(len(rows), np.uint64(width) * _MULTIPLIER, dtype=np.uint64)
                for i in range(words.shape[1]):
                    h = (h ^ words[:, i]) * _MULTIPLIER
                    h ^= h >> np.uint64(31)
                digest[start + rows] = h
    return digest, present
