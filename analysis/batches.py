"""Large Parquet files normalized a batch of row groups at a time, so only the rules' columns of all rows
are ever held at once."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from ._fast.hashing import MANY_WIDTHS, text_digests
from ._fast.memory import release_memory
from .contract import FileFacts, LoadError
from .ids import assign_other_ids
from .matching import for_rules
from .normalize import mark_shared_ids, normalize
from .read import map_headers, parquet_frame, parquet_problem, parquet_schema

BATCH_ROWS = 1_000_000  # Parquet rows normalized at a time: small enough that both threads stay busy to the end
THREADS = 2  # batches normalized at once (numpy and Arrow release the GIL)


def _batches(sizes: list[int]) -> list[list[int]]:
    """Row groups (their sizes in rows, in file order) in batches of whole groups, about BATCH_ROWS rows each.

    A batch closes once it reaches BATCH_ROWS, or before a group that would take it past one and a half times
    that: batches of even size keep both threads busy to the end. (Groups of 1,048,576 and 951,424 rows, as
    pyarrow writes them, had made batches of one and two million: one thread then waited 0.8 s of a 4 s load.)"""
    batches, groups, size = [], [], 0
    for i, rows in enumerate(sizes):
        if groups and size + rows > BATCH_ROWS * 3 // 2:
            batches.append(groups)
            groups, size = [], 0
        groups.append(i)
        size += rows
        if size >= BATCH_ROWS:
            batches.append(groups)
            groups, size = [], 0
    return [*batches, groups] if groups else batches


class _Stacked:
    """The numpy columns (numbers, dates, yes/no, categorical codes) of all batches, each batch's values written
    into its own rows of one array per column as soon as it is normalized, and dropped from the batch: joining
    the batches afterwards would hold them twice (3.7 GB more at the peak on 100 million rows). Text columns
    stay in the batches: joining Arrow text is free (the chunks are kept)."""

    def __init__(self, rows: int):
        self.rows = rows
        self.arrays: dict[str, np.ndarray] = {}
        self.categories: dict[str, pd.CategoricalDtype] = {}
        self.order: list[str] = []
        self.lock = threading.Lock()

    def put(self, frame: pd.DataFrame, start: int) -> pd.DataFrame:
        """Store the numpy columns of the batch whose first row is `start`; the batch without them."""
        stored = []
        for column in frame.columns:
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                data = values.cat.codes.to_numpy()
            elif isinstance(values.dtype, np.dtype):
                data = values.to_numpy()
            else:
                continue
            with self.lock:  # the first batch done makes the arrays (np.empty: no memory until written)
                if not self.order:
                    self.order = list(frame.columns)
                if column not in self.arrays:
                    self.arrays[column] = np.empty(self.rows, dtype=data.dtype)
                    if isinstance(values.dtype, pd.CategoricalDtype):
                        self.categories[column] = values.dtype
            np.copyto(self.arrays[column][start : start + len(frame)], data, casting="safe")
            stored.append(column)
        return frame.drop(columns=stored)

    def frame(self, texts: list[pd.DataFrame]) -> pd.DataFrame:
        """The whole file: the stored columns and the batches' text columns (in file order), in column order."""
        columns = {}
        for column in self.order:
            if column in self.categories:
                columns[column] = pd.Categorical.from_codes(self.arrays.pop(column), dtype=self.categories[column])
            elif column in self.arrays:
                columns[column] = self.arrays.pop(column)
            else:
                columns[column] = pd.concat([t.pop(column) for t in texts], ignore_index=True).array
        return pd.DataFrame(columns, copy=False)


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
        group_sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.metadata.num_row_groups)]
        batches = _batches(group_sizes)
        sizes = [sum(group_sizes[i] for i in groups) for groups in batches]
        firsts = np.cumsum([2, *sizes]).tolist()  # file row of each batch's first row (header = row 1)

        stacked = _Stacked(firsts[-1] - 2)
        # the application ids' hashes, each batch's on its thread, for mark_shared_ids (None: free text)
        digests: tuple[np.ndarray, np.ndarray] | None = (
            np.empty(firsts[-1] - 2, dtype=np.uint64),
            np.empty(firsts[-1] - 2, dtype=bool),
        )

        def one(job: tuple[list[int], int]) -> tuple[pd.DataFrame, FileFacts]:
            nonlocal digests
            groups, row = job  # each thread reads through a file object of its own
            # decoded on this thread: the other batch's thread keeps the other core busy (Arrow's pool of a thread
            # per core put four busy threads on two cores; alternated: clean 10M 5.82 -> 5.70 s, messy 6.06 -> 5.98 s)
            own_file = pq.ParquetFile(path)
            raw = parquet_frame(own_file.read_row_groups(groups, columns=list(columns.values()), use_threads=False))
            raw = raw.rename(columns={header: column for column, header in columns.items()})
            facts = FileFacts()
            normalized = normalize(raw, "parquet", first_row=row, facts=facts, keys=False).pipe(for_rules)
            hashed = text_digests(normalized["application_id"], max_widths=MANY_WIDTHS)
            if hashed is None:
                digests = None
            elif digests is not None:
                for whole, part in zip(digests, hashed, strict=True):
                    whole[row - 2 : row - 2 + len(normalized)] = part
            return stacked.put(normalized, row - 2), facts

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
    frame = stacked.frame(frames) if stacked.order else frames[0]
    del frames
    release_memory()
    # each batch numbered its own `<id_type>:<number>` keys: number them over the whole file
    frame["person_id"] = assign_other_ids(frame["other_key"], frame["person_id"].to_numpy())
    mark_shared_ids(frame, digests=digests if stacked.order else None)
    del digests
    release_memory()  # (its hashes and sorts: 2 GB on 100M rows, else kept by the C heap through the rules)
    return frame, columns, ignored, firsts[-1] - 2, facts
