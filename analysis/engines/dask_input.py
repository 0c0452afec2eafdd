"""The Dask engine's input: partitions of raw cells read as the pandas engine reads them, and what is global about
them: where each partition starts in the file (a CSV's partitions counted in a first pass) and the application
ids several rows use (from 64-bit hashes grouped across partitions, the repeated ones told apart as text)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._fast.hashing import text_digests
from .._fast.memory import release_memory
from .._fast.sets import repeated
from ..contract import CSV_SUFFIXES, EXCEL_SUFFIXES, PARQUET_SUFFIXES, LoadError
from ..read import map_headers, parquet_frame, parquet_problem, parquet_schema, sniff_encoding
from ..values import as_text
from .dask_exchange import Stored, column

if TYPE_CHECKING:
    import dask.dataframe as dd

ROWS_PER_PARTITION = 1_000_000  # input partitions: whole row groups, about this many rows each
SLICE_ROWS = 250_000  # rows normalized at a time within a partition: a worker holds a quarter of the temporaries
CSV_BLOCKSIZE = "64MiB"


def _natural_key(path: Path) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.as_posix())]


@dataclass(frozen=True)
class RowGroups:
    """One Parquet partition: row groups of a file and the columns to read (contract column -> header). A plain
    object, not a delayed read: the task that normalizes it reads it, so no worker holds a partition's raw
    cells twice."""

    file: str
    groups: list[int]
    columns: dict[str, str]

    def table(self) -> pa.Table:
        table = pq.ParquetFile(self.file).read_row_groups(self.groups, columns=list(self.columns.values()))
        back = {h: c for c, h in self.columns.items()}
        return table.rename_columns([back[name] for name in table.column_names])


def raw_frames(part: RowGroups | pd.DataFrame, rows: int = SLICE_ROWS) -> Iterator[pd.DataFrame]:
    """A partition's raw cells (text as the pandas path reads it) `rows` at a time (at least one frame)."""
    whole = part.table() if isinstance(part, RowGroups) else part
    n = whole.num_rows if isinstance(whole, pa.Table) else len(whole)
    for start in range(0, n, rows) if n else [0]:
        if isinstance(whole, pa.Table):
            yield parquet_frame(whole.slice(start, rows))
        else:
            yield plain_strings(whole.iloc[start : start + rows])


def raw_frame(part: RowGroups | pd.DataFrame) -> pd.DataFrame:
    """A partition's raw cells, all at once."""
    return next(raw_frames(part, rows=1 << 62))


def plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as pandas' default `str` dtype (NaN for missing), as the pandas path reads them."""
    fix = {c: "str" for c, t in frame.dtypes.items() if isinstance(t, pd.StringDtype) and t != "str"}
    return frame.astype(fix) if fix else frame


class Input:
    """The input as partitions of raw cells (contract column names), read the way the pandas engine reads
    them: `parts(columns)` gives one per partition (RowGroups, or a delayed frame of a CSV's block), always
    the same partitions, so a pass that reads one column lines up with a pass that reads them all.
    `lengths`: rows per partition when the files say so (Parquet metadata), else None (a CSV is counted)."""

    def __init__(self, source: str, file_format: str, encoding: str | None, meta: pd.DataFrame):
        self.source, self.file_format, self.encoding, self.meta = source, file_format, encoding, meta
        self.lengths: list[int] | None = None
        self.columns: dict[str, str] = {}  # contract column -> header
        self.ignored: list[str] = []
        self.csv: dd.DataFrame | None = None
        self.parquet: list[tuple[str, list[int]]] = []

    def empty(self) -> pd.DataFrame:
        """A partition without rows."""
        return self.meta[list(self.columns.values())].rename(columns={h: c for c, h in self.columns.items()})

    def parts(self, columns: list[str] | None = None) -> list[Any]:
        """The partitions (only `columns` of them: None for all the contract's columns)."""
        wanted = {c: h for c, h in self.columns.items() if columns is None or c in columns}
        if self.csv is not None:
            return self.csv[list(wanted.values())].rename(columns={h: c for c, h in wanted.items()}).to_delayed()
        return [RowGroups(file, groups, wanted) for file, groups in self.parquet]


def _parquet_input(files: list[Path], source: str) -> Input:
    """Parquet files in partitions of whole row groups, about ROWS_PER_PARTITION rows each."""
    schema = parquet_schema(files[0])
    found = Input(source, "parquet", None, pd.DataFrame({n: pd.Series(dtype=object) for n in schema.names}))
    lengths = []
    for file in files:
        try:
            metadata = pq.ParquetFile(file).metadata
        except Exception as exc:  # noqa: BLE001 (pyarrow raises many kinds for broken files)
            raise parquet_problem(file, exc) from None
        groups, size, last = [], 0, metadata.num_row_groups - 1
        for i in range(last + 1):
            groups.append(i)
            size += metadata.row_group(i).num_rows
            # a group that would make the partition half as large again starts the next one (951K and 1M-row
            # groups: not a partition of 2M beside ones of 1M, which the others would wait for)
            if (
                i == last
                or size >= ROWS_PER_PARTITION
                or size + metadata.row_group(i + 1).num_rows > 1.5 * ROWS_PER_PARTITION
            ):
                found.parquet.append((str(file), groups))
                lengths.append(size)
                groups, size = [], 0
    if not found.parquet:  # no row groups at all: one empty partition, so every pass has something to read
        found.parquet.append((str(files[0]), []))
        lengths.append(0)
    found.lengths = lengths
    return found


def read_input(path: Path, source: str) -> Input:
    """The input's partitions (no cell read yet) and its headers mapped to the contract's columns."""
    if not path.exists():
        raise LoadError(f"{source}: no such file or folder")
    suffix = path.suffix.lower()
    if path.is_dir():
        files = sorted(
            (
                p
                for p in path.rglob("*")
                if p.suffix.lower() in PARQUET_SUFFIXES and p.is_file() and not p.name.startswith((".", "_"))
            ),
            key=_natural_key,
        )
        if not files:
            raise LoadError(
                f"{source}: the folder holds no .parquet files (the Dask engine reads a folder of Parquet parts)"
            )
        found = _parquet_input(files, source)
    elif suffix in PARQUET_SUFFIXES:
        found = _parquet_input([path], source)
    elif suffix in CSV_SUFFIXES:
        encoding = sniff_encoding(path, source)
        import dask.dataframe as dd  # (here: it takes a quarter of a second to import, on every worker too)

        try:
            frame = dd.read_csv(
                str(path),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding=encoding,
                sep="\t" if suffix == ".tsv" else ",",
                blocksize=CSV_BLOCKSIZE,
            )
        except pd.errors.EmptyDataError:
            raise LoadError(f"{source}: the file is empty (no header row)") from None
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise LoadError(f"{source}: not a readable CSV table ({exc})".splitlines()[0]) from None
        found = Input(source, "csv", encoding, frame._meta)
        found.csv = frame
    elif suffix in EXCEL_SUFFIXES or suffix == ".xls":
        raise LoadError(
            f"{source}: workbooks are read by the pandas engine only; run without --engine dask, "
            "or save the sheet as CSV or Parquet"
        )
    else:
        raise LoadError(
            f"{source}: unknown file type '{suffix}'; the Dask engine reads .parquet files, folders of them, and .csv"
        )
    _, found.columns, found.ignored = map_headers(found.meta, source)
    return found


@contextlib.contextmanager
def readable(found: Input) -> Iterator[None]:
    """Cells that cannot be read, met by a worker, as the one-line LoadError the pandas engine gives."""
    try:
        yield
    except UnicodeDecodeError:
        raise LoadError(f"{found.source}: text is neither UTF-8 nor GB18030/GBK ({found.encoding} failed)") from None
    except (pa.ArrowException, pd.errors.ParserError) as exc:
        raise LoadError(f"{found.source}: not readable ({type(exc).__name__}: {exc})".splitlines()[0]) from None


def _application_ids(part: RowGroups | pd.DataFrame) -> pd.Series:
    """application_id as normalize reads it (text, stripped, empty = NA)."""
    return as_text(raw_frame(part)["application_id"])


def id_digests(ids: pd.Series, buckets: int) -> list[np.ndarray]:
    """The 64-bit hashes of application ids (as normalize reads them; none for empty ones) in `buckets` groups by
    hash: the same id falls in the same group in every partition."""
    digest, present = text_digests(ids)
    return in_groups(digest[present], buckets)


def in_groups(digest: np.ndarray, buckets: int) -> list[np.ndarray]:
    """Hashes in `buckets` groups, each sorted: group b holds those from b/buckets to (b + 1)/buckets of their
    range. (numpy sorts 64-bit numbers with SIMD: 7-10 ms a million, against 22 ms to group them by a computed
    bucket.)"""
    digest = np.sort(digest)
    starts = np.array([(b << 64) // buckets for b in range(1, buckets)], dtype=np.uint64)
    bounds = np.r_[0, np.searchsorted(digest, starts), len(digest)]
    return [digest[bounds[b] : bounds[b + 1]] for b in range(buckets)]


def _id_digests(part: RowGroups | pd.DataFrame, buckets: int) -> tuple[int, list[np.ndarray]]:
    """(rows, the hashes of the partition's application ids in `buckets` groups: id_digests)."""
    ids = _application_ids(part)
    grouped = id_digests(ids, buckets)
    rows = len(ids)
    del ids
    release_memory()  # (a long-lived worker: this pass's temporaries back to the system before normalizing)
    return rows, grouped


def repeated_digests(*parts: np.ndarray | Stored | list[Stored], group: int | None = None) -> np.ndarray:
    """The hashes that occur more than once in these parts (one group of every partition, or where it is
    stored; with `group`, each part is a partition's list of them and group `group` of each is taken),
    sorted."""
    if group is not None:
        parts = tuple(part[group] for part in parts)
    return repeated(np.concatenate([p if isinstance(p, np.ndarray) else column(p, "hash") for p in parts]))


def candidates(*repeats: np.ndarray) -> np.ndarray:
    """The repeated hashes of every group (repeated_digests), sorted: the application ids with these hashes may be
    used by several rows (dask_parts.ids_with_digests tells them apart)."""
    return np.sort(np.concatenate([*repeats, np.zeros(0, np.uint64)]))


def first_pass(compute: Any, client: Any, found: Input, show: bool) -> tuple[list[int], np.ndarray]:
    """For an input whose partitions' lengths are not known in advance (a CSV), the application_id column alone:
    each partition's first row offset and the hashes of the ids that may be used by several rows (candidates).
    Hashes are grouped by value across partitions (a shuffle of 8 bytes a row, not of the text). `compute`: how
    the engine computes (with its progress bars)."""
    parts = found.parts(["application_id"])
    buckets = len(parts)
    digests = [dask.delayed(_id_digests, nout=2, pure=False)(part, buckets) for part in parts]
    per_bucket = [dask.delayed(repeated_digests, pure=True)(*[d[1][b] for d in digests]) for b in range(buckets)]
    with readable(found):
        lengths, repeats = compute(client, [[d[0] for d in digests], per_bucket], show)
    return starts_of(lengths), candidates(*repeats)


def starts_of(lengths: list[int]) -> list[int]:
    """Each partition's first row offset (0 for the first), and the number of rows after them all."""
    return np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))]).astype(int).tolist()
