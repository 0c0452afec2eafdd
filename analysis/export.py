"""Outputs of the flag command: flags.csv, possible_duplicates.csv and summary.json."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pandas as pd

from . import matching, privacy, rules
from ._fast.csv import THREADS as CSV_THREADS
from ._fast.csv import write_csv
from ._fast.sets import count_distinct
from .cases import CaseNumbers, case_ids
from .contract import UNUSABLE_FLAGS, LoadReport

FLAGS_CSV = "flags.csv"
# UTF-8 with a byte-order mark: Excel on a Chinese Windows machine reads a CSV without one as GBK (garbled);
# pandas, Python's csv with "utf-8-sig" and database loaders read it either way. Both engines write it so.
FLAGS_CSV_ENCODING = "utf-8-sig"
SUMMARY_JSON = "summary.json"
POSSIBLE_DUPLICATES_CSV = "possible_duplicates.csv"  # pairs for a person to review, never flags


def summary(
    report: LoadReport,
    flags: pd.DataFrame,
    pairs: pd.DataFrame | None = None,
    register: dict | None = None,
    cases: int | None = None,
) -> dict:
    """Counts an analyst reads first: rows read, clean and flagged rows, a count per flag, cases, (given the
    pairs) possible duplicates per reason, and (given a register's run) register cases per state. `cases`: the
    flags' count of cases when known already (len of their CaseNumbers)."""
    counts = rules.flag_counts(flags)
    flagged_rows = count_distinct(flags["row"].to_numpy())
    unusable = (
        count_distinct(flags.loc[flags["flag"].isin(UNUSABLE_FLAGS), "row"].to_numpy())
        if any(counts[flag] for flag in UNUSABLE_FLAGS)
        else 0
    )
    return {
        "rows_read": report.rows_read,
        "rows_clean": report.rows_read - flagged_rows,
        "rows_flagged": flagged_rows,
        "rows_unusable": unusable,
        **counts,
        # not checked (no document columns) is not zero incomplete: null, as the index says "not checked"
        **({} if report.documents_checked else {"incomplete_documents": None}),
        "cases": len(rules.cases(flags)) if cases is None else cases,
        **({} if pairs is None else {"possible_duplicates": matching.counts(pairs)}),
        **({} if register is None else {"register": register}),
        "documents_checked": report.documents_checked,
        "source": report.source,
        "format": report.file_format,
        "encoding": report.encoding,
        "absent_optional_columns": report.absent_optional,
        "notes": report.notes,
        "id_types": report.id_types,  # rows per id_type (docs/data-contract.md)
    }


def write_summary(out_dir: str | Path, result: dict) -> Path:
    """Write summary.json (UTF-8, Chinese as written, indented) into out_dir."""
    path = Path(out_dir) / SUMMARY_JSON
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def flags_for_csv(flags: pd.DataFrame, numbering: CaseNumbers | None = None) -> pd.DataFrame:
    """flags.csv content: person keys masked (application_id is the join key back to the source). `numbering`:
    the cases of a larger input (the Dask engine's parts); default: those of these flags."""
    out = pd.DataFrame({column: flags[column] for column in flags.columns}, index=flags.index, copy=False)
    out.insert(out.columns.get_loc("person_key"), "case_id", case_ids(flags, numbering))
    out["person_key"] = privacy.mask_ids(out["person_key"])
    return out


def write_pairs(out_dir: str | Path, pairs: pd.DataFrame) -> Path:
    """Write possible_duplicates.csv (keys masked; UTF-8 with a byte-order mark, as flags.csv) into out_dir."""
    path = Path(out_dir) / POSSIBLE_DUPLICATES_CSV
    write_csv(matching.for_csv(pairs), path, encoding=FLAGS_CSV_ENCODING)
    return path


def write_outputs(
    out_dir: str | Path, report: LoadReport, flags: pd.DataFrame, pairs: pd.DataFrame, recorded=None
) -> dict:
    """Write flags.csv, possible_duplicates.csv (`pairs`: matching.possible_duplicates) and summary.json into
    out_dir (created, files overwritten); return the summary. `recorded`: the run in a register
    (register.Recorded), whose counts per state summary.json gains."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # case numbers over all flags, then masking and numbering a piece at a time on the writing threads
    numbering = CaseNumbers.on_threads(flags["person_key"], CSV_THREADS)
    prepare = partial(flags_for_csv, numbering=numbering)
    write_csv(flags, out_dir / FLAGS_CSV, encoding=FLAGS_CSV_ENCODING, prepare=prepare)
    write_pairs(out_dir, pairs)
    result = summary(report, flags, pairs, None if recorded is None else recorded.counts, cases=len(numbering))
    write_summary(out_dir, result)
    return result


@contextlib.contextmanager
def whole(path: str | Path) -> Iterator[Path]:
    """Where to write the file `path` so that it is there whole or not at all (a task run again replaces it):
    a `.partial` name beside it, renamed once written, removed if the writing fails."""
    target = Path(path)
    partial_file = target.with_name(f"{target.name}.partial")
    try:
        yield partial_file
        partial_file.replace(target)
    except BaseException:
        partial_file.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def written_whole(out_dir: str | Path) -> Iterator[Path]:
    """A folder beside `out_dir` to write a run's output files into: moved into `out_dir` (made) once the block
    succeeds, removed if it fails, so that a failed run leaves no half-written file, and no `out_dir` where there
    was none. A folder among them (the Dask engine's flags/) replaces the one of its name."""
    out_dir = Path(out_dir)
    existed = out_dir.exists()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".analysis-", dir=out_dir.parent))
    try:
        yield stage
        out_dir.mkdir(exist_ok=True)
        for item in sorted(stage.iterdir()):
            target = out_dir / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                # (removed, then renamed: replacing a file by rename or by truncation makes ext4 write it out at
                # once, 70-100 ms for a 200 MB flags.csv on this machine kind)
                target.unlink()
            os.replace(item, target)
    except BaseException:
        if not existed and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # (a workbook written into it made it)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
