"""Masking of personal data for everything a notebook displays or a report contains."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._fast.arrow import as_str

ID_COLUMNS = ("id_number", "person_key")
NAME_COLUMNS = ("name",)
_FULL_ID = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9])"
)


def mask_ids(values: pd.Series) -> pd.Series:
    """`110105********002X`: the region code and the last four characters stay, the birth date and more go."""
    arr = pa.array(values.astype("str").array)
    length = pc.utf8_length(arr)
    stars = pc.binary_repeat(pa.scalar("*", arr.type), pc.max_element_wise(pc.subtract(length, 10), 1))
    masked = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(arr, 0, 6), stars, pc.utf8_slice_codeunits(arr, -4), pa.scalar("", arr.type)
    )
    long_enough = pc.greater_equal(length, 12)
    if not pc.all(long_enough).as_py():  # short values: every digit and letter starred
        masked = pc.if_else(long_enough, masked, pc.replace_substring_regex(arr, "[0-9A-Za-z０-９]", "*"))
    typed = pc.fill_null(pc.match_substring(arr, ":"), False)
    if pc.any(typed).as_py():  # `<id_type>:[<alpha-3>:]<number>`: all up to the last ':' and the last 4 stay
        masked = pc.if_else(typed, _mask_typed(arr), masked)
    return pd.Series(as_str(masked), index=values.index, name=values.name)


def _mask_typed(arr: pa.Array) -> pa.Array:
    """`passport:DEU:*****5678`; a number of 4 characters or fewer is starred whole."""
    empty = pa.scalar("", arr.type)
    head = pc.replace_substring_regex(arr, r"^(.*:)[^:]*$", r"\1")
    number = pc.replace_substring_regex(arr, r"^.*:", "")
    n = pc.utf8_length(number)
    stars = pc.binary_repeat(pa.scalar("*", arr.type), pc.max_element_wise(pc.subtract(n, 4), 1))
    tail = pc.binary_join_element_wise(stars, pc.utf8_slice_codeunits(number, -4), empty)
    short = pc.binary_repeat(pa.scalar("*", arr.type), pc.max_element_wise(n, 1))
    body = pc.if_else(pc.greater(n, 4), tail, short)
    return pc.binary_join_element_wise(head, body, empty)


def mask_names(values: pd.Series) -> pd.Series:
    """Keep the first character (the surname, usually) and star the rest: `张*`, `欧阳**`→`欧**`."""
    text = values.astype("str")
    rest = text.str.len().fillna(0).astype("int64").clip(lower=1) - 1
    return (text.str.slice(0, 1) + rest.map(lambda k: "*" * max(k, 1)).astype("str")).where(text.notna())


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with ID-number, person-key and name columns masked, ready to display."""
    out = frame.copy()
    for column in out.columns:
        if column in ID_COLUMNS or column.endswith("person_key"):
            out[column] = mask_ids(out[column])
        elif column in NAME_COLUMNS:
            out[column] = mask_names(out[column])
    return out


def find_full_ids(text: str) -> list[str]:
    """Every full-looking 18-character number in a text, citizen or permit or 2023 permanent residence (to prove
    reports and outputs leak none)."""
    return _FULL_ID.findall(text)
