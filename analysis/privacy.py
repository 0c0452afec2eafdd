"""Masking of personal data for everything a notebook displays or a report contains."""

from __future__ import annotations

import re

import pandas as pd

ID_COLUMNS = ("id_number", "person_key")
NAME_COLUMNS = ("name",)
_FULL_ID = re.compile(
    r"(?<![0-9])[1-8][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9])"
)


def mask_ids(values: pd.Series) -> pd.Series:
    """`110105********002X`: the region code and the last four characters stay, the birth date and more go."""
    text = values.astype("str")
    length = text.str.len()
    long_enough = (length >= 12).fillna(False).astype(bool)
    stars = length.fillna(0).astype("int64").clip(lower=0) - 10
    masked = text.str.slice(0, 6) + stars.clip(lower=1).map(lambda k: "*" * k).astype("str") + text.str.slice(-4)
    short = text.str.replace(r"[0-9A-Za-z０-９]", "*", regex=True)
    return masked.where(long_enough, short).where(text.notna())


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
    """Every full-looking 18-character ID number in a text (to prove reports and outputs leak none)."""
    return _FULL_ID.findall(text)
