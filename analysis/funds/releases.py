"""When releases disagree: the published figures the precedence rule sets aside where they differ from the kept ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .ledger import reference_rows
from .model import LEDGER_KEY, MEASURES
from .sources import REFERENCE_TABLE, apply_precedence

SIDE = ["release", "source_quality", "source", "row"]
COLUMNS = [
    *LEDGER_KEY,
    *[f"kept_{c}" for c in SIDE],
    *[f"set_aside_{c}" for c in SIDE],
    "copies",
    *[f"{side}_{m}" for m in MEASURES for side in ("kept", "set_aside")],
    "differs",
]


def disagreements(rows: pd.DataFrame) -> pd.DataFrame:
    """Per key and distinct set-aside figures: kept and set-aside rows side by side where their figures differ."""
    # `differs` names the measures both give that differ; rows that agree, or fill only what the other lacks, are
    # no disagreement.
    kept, aside = apply_precedence(rows, LEDGER_KEY, MEASURES)
    # copies of one set-aside figure (the same release reposted in two files) are one disagreement
    aside = aside.assign(**{f"_{m}": aside[m].astype(str) for m in MEASURES})
    same = [*LEDGER_KEY, "release", *[f"_{m}" for m in MEASURES]]
    copies = aside.groupby(same, sort=False, dropna=False)["row"].transform("size")
    aside = aside.assign(copies=copies).drop_duplicates(same).drop(columns=[f"_{m}" for m in MEASURES])
    pairs = kept.merge(aside, on=LEDGER_KEY, suffixes=("_kept", "_set_aside"))
    both = {m: pairs[f"{m}_kept"].notna() & pairs[f"{m}_set_aside"].notna() for m in MEASURES}
    differ = pd.DataFrame({m: both[m] & pairs[f"{m}_kept"].ne(pairs[f"{m}_set_aside"]) for m in MEASURES})
    named = sum((differ[m].map({True: f"{m}+", False: ""}) for m in MEASURES), start=pd.Series("", index=pairs.index))
    pairs["differs"] = named.str.rstrip("+")
    pairs = pairs[differ.any(axis=1)]
    renamed = {f"{c}_{side}": f"{side}_{c}" for c in [*SIDE, *MEASURES] for side in ("kept", "set_aside")}
    out = pairs.rename(columns=renamed)
    return out[COLUMNS].sort_values([*LEDGER_KEY, "set_aside_row"], ignore_index=True)


def release_disagreements(source: str | Path | None = None, table: str | Path = REFERENCE_TABLE) -> pd.DataFrame:
    """The disagreements between releases of the published figures; none for an analyst's ledger."""
    # An analyst's ledger (source given) holds one row per key, so nothing is set aside there.
    if source is not None and str(source).strip() != "":
        return pd.DataFrame(columns=COLUMNS)
    return disagreements(reference_rows(table))
