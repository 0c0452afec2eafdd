"""Large Parquet files normalized a batch of row groups at a time, so only the rules' columns of all rows
are ever held at once."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from ._fast.memory import release_memory
from .contract import FileFacts, LoadError
from .ids import assign_other_ids
from .matching import for_rules
from .normalize import mark_shared_ids, normalize
from .read import map_headers, parquet_frame, parquet_problem, parquet_schema

BATCH_ROWS = 1_000_000  # Parquet rows normalized at a time: small enough that both threads stay busy to the end
THREADS = 2  # batches normalized at once (numpy and Arrow release the GIL)


def _batches(parquet: pq.ParquetFile) -> list[list[int]]:
    """Row groups in batches of whole groups, about BATCH_ROWS rows each."""
    batches, groups, size = [], [], 0
    last = parquet.metadata.num_row_groups - 1
    for i in range(last + 1):
        groups.append(i)
        size += parquet.metadata.row_group(i).num_rows
        if size >= BATCH_ROWS or i == last:
            batches.append(groups)
            groups, size = [], 0
    return batches


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """`pd.concat(frames, ignore_index=True)`, a column at a time, each batch's column dropped from its batch once
    joined: the numpy columns are held about once at the peak, not twice (3.6 GB less on 100 million rows)."""
    if len(frames) == 1:
        return frames[0]
    joined = {}
    for column in list(frames[0].columns):
        joined[column] = pd.concat([frame.pop(column) for frame in frames], ignore_index=True)
    return pd.DataFrame(joined, copy=False)


def normalize_parquet_in_batches(
    path: Path, source: str
) -> tuple[pd.DataFrame, dict[str, str], list[str], int, FileFacts]:
    """A Parquet file normalized without the DISPLAY_ONLY columns: (frame, columns, ignored headers, rows read,
    the facts of the whole file for the load report's notes).

    Normalizing needs several times a batch's size in temporaries; doing it per batch keeps that at one
    batch's worth whatever the file's size. Shared application ids are a property of the whole file: they
    are marked once all batches are in, exactly as for a file normalized whole.
    """
    schema = parquet_schema(path)
    empty = pd.DataFrame({name: pd.Series(dtype=object) for name in schema.names})
    contract_columns, columns, ignored = map_headers(empty, source)
    try:
        parquet = pq.ParquetFile(path)
        batches = _batches(parquet)
        sizes = [sum(parquet.metadata.row_group(i).num_rows for i in groups) for groups in batches]
        firsts = np.cumsum([2, *sizes]).tolist()  # file row of each batch's first row (header = row 1)

        def one(job: tuple[list[int], int]) -> tuple[pd.DataFrame, FileFacts]:
            groups, row = job  # each thread reads through a file object of its own
            raw = parquet_frame(pq.ParquetFile(path).read_row_groups(groups, columns=list(columns.values())))
            raw = raw.rename(columns={header: column for column, header in columns.items()})
            facts = FileFacts()
            return normalize(raw, "parquet", first_row=row, facts=facts).pipe(for_rules), facts

        show = len(batches) >= 2 and sys.stderr.isatty()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            parts = list(
                tqdm(
                    pool.map(one, zip(batches, firsts[:-1], strict=True)),
                    total=len(batches),
                    desc="normalizing",
                    unit="batch",
                    file=sys.stderr,
                    leave=False,
                    disable=not show,
                )
            )
    except LoadError:
        raise
    except Exception as exc:
        raise parquet_problem(path, exc) from None
    if not parts:
        parts = [(normalize(contract_columns, "parquet").pipe(for_rules), FileFacts())]
    facts = FileFacts()
    for _, part_facts in parts:
        facts.merge(part_facts)
    frames = [frame for frame, _ in parts]
    del parts
    frame = _joined(frames)
    del frames
    release_memory()
    # each batch numbered its own `<id_type>:<number>` keys: number them over the whole file
    frame["person_id"] = assign_other_ids(frame["other_key"], frame["person_id"].to_numpy())
    mark_shared_ids(frame)
    return frame, columns, ignored, firsts[-1] - 2, facts
