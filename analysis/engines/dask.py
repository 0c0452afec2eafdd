"""The rules of docs/data-contract.md on Dask: partitioned Parquet (or CSV) in, the same flags and summary out.

Every rule is a property of one person's applications, so once the records are shuffled on the
person key, the very functions of the pandas path (normalize.normalize, rules.flag_applications)
run per partition. Two things are global and are computed first, in one pass over the
application ids: where each partition starts in the file (so `row` is the file row, header = 1)
and the application ids that more than one row uses anywhere in the input. The client writes
every output file, so workers need to read the input but never to write into the output folder.
See docs/large-data.md.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
from distributed import Client, LocalCluster, progress, wait
from distributed.utils import is_kernel
from IPython.display import display
from tqdm import tqdm

from .. import config, export, matching, rules
from .._fast.arrow import as_str
from ..cases import case_number_text
from ..contract import (
    CSV_SUFFIXES,
    DISPLAY_ONLY,
    EXCEL_SUFFIXES,
    FLAG_COLUMNS,
    FLAGS,
    PARQUET_SUFFIXES,
    FileFacts,
    LoadError,
    LoadReport,
)
from ..contract import load_report as contract_load_report
from ..ids import OTHER_IDS, assign_other_ids
from ..normalize import mark_shared_ids, normalize, part_facts
from ..read import map_headers, sniff_encoding
from ..values import as_text
from .dask_pairs import find_pairs
from .dask_pairs import plain_strings as _plain_strings

LOCAL_WORKERS = 2
CONNECT_TIMEOUT = "15s"
ROWS_PER_PARTITION = 1_000_000  # person-key partitions: about this many input rows each, by default
FLAGS_PER_PART = 500_000  # flags per output part (parts are row ranges)
CSV_BLOCKSIZE = "64MiB"
SHARD = "_shard"
ORDER = "_order"
FLAGS_META = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "str") for c in FLAG_COLUMNS})
# Partitions' counts are added up; a zero report that checks documents counts them (the total says if it may).
_ZERO_REPORT = contract_load_report("", "", None, 0, {"id_copy": "id_copy"}, [])


class ClusterError(LoadError):
    """The Dask cluster cannot be used; a LoadError, so the command line prints one line and exits 2."""


# ---------------------------------------------------------------- input


def _natural_key(path: Path) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.as_posix())]


def _read_input(path: Path, source: str) -> tuple[dd.DataFrame, str, str | None]:
    """The input as a lazy Dask frame of raw cells: (frame, format, encoding)."""
    if not path.exists():
        raise LoadError(f"{source}: no such file or folder")
    suffix = path.suffix.lower()
    if path.is_dir():
        parts = sorted(
            (
                p
                for p in path.rglob("*")
                if p.suffix.lower() in PARQUET_SUFFIXES and p.is_file() and not p.name.startswith((".", "_"))
            ),
            key=_natural_key,
        )
        if not parts:
            raise LoadError(
                f"{source}: the folder holds no .parquet files (the Dask engine reads a folder of Parquet parts)"
            )
        target: str | list[str] = [str(p) for p in parts]
    elif suffix in PARQUET_SUFFIXES:
        target = str(path)
    elif suffix in CSV_SUFFIXES:
        encoding = sniff_encoding(path, source)
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
        return frame, "csv", encoding
    elif suffix in EXCEL_SUFFIXES or suffix == ".xls":
        raise LoadError(
            f"{source}: workbooks are read by the pandas engine only; run without --engine dask, "
            "or save the sheet as CSV or Parquet"
        )
    else:
        raise LoadError(
            f"{source}: unknown file type '{suffix}'; the Dask engine reads .parquet files, folders of them, and .csv"
        )
    try:
        return dd.read_parquet(target, index=False), "parquet", None
    except Exception as exc:  # pyarrow and fsspec raise many kinds for broken files
        raise LoadError(
            f"{source}: not a readable Parquet file ({type(exc).__name__}: {exc})".splitlines()[0]
        ) from None


# ---------------------------------------------------------------- per partition


def _application_ids(raw: pd.DataFrame) -> pd.Series:
    """application_id as normalize reads it (text, stripped, empty = NA)."""
    return as_text(_plain_strings(raw)["application_id"])


def _length(values: pd.Series) -> pd.Series:
    return pd.Series([len(values)], dtype="int64")


def _facts(raw: pd.DataFrame, file_format: str) -> pd.DataFrame:
    """The partition's FileFacts (ID numbers, yes/no values, late cancellations), added up on the client."""
    return pd.DataFrame({"facts": pd.Series([part_facts(_plain_strings(raw), file_format)], dtype=object)})


def _normalize_part(
    raw: pd.DataFrame, starts: list[int], shared: pd.Series, file_format: str, partition_info: dict | None = None
) -> pd.DataFrame:
    """normalize on one partition, with file rows, ids shared anywhere in the input, and a shard key."""
    number = partition_info["number"] if partition_info else 0
    out = normalize(_plain_strings(raw), file_format, first_row=2 + starts[number])
    mark_shared_ids(out, counts=shared)
    out = out.drop(columns=[c for c in DISPLAY_ONLY if c in out.columns])
    # shuffled on an int64, not the key's text: the person number, a hash of other documents' keys (numbered per
    # input partition), minus the row where there is no key
    pid, has = out["person_id"].to_numpy(dtype=np.int64), out["person_key"].notna().to_numpy()
    shard, other = np.where(has, pid, -out["row"].to_numpy(dtype=np.int64)), has & ((pid < 0) | (pid >= OTHER_IDS))
    shard[other] = pd.util.hash_pandas_object(out["person_key"][other], index=False).to_numpy().view(np.int64)
    out[SHARD] = shard
    return out


def _conform(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Columns and dtypes of `meta` (an empty partition must look like a full one)."""
    return frame[list(meta.columns)].astype(meta.dtypes.to_dict())


def _flag_part(part: pd.DataFrame, check_documents: bool) -> pd.DataFrame:
    """rules.flag_applications on one person-key partition, in file-row order."""
    part = part.drop(columns=SHARD).sort_values("row", kind="stable").reset_index(drop=True)
    # input partitions numbered their `<id_type>:<number>` keys each: number them over this partition's persons
    part["person_id"] = assign_other_ids(part["person_key"], part["person_id"].to_numpy())
    return _conform(rules.flag_applications(part, check_documents=check_documents), FLAGS_META)


def _partial_summary(flags: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The summary's counts of one partition; they add up because a person's rows share a partition."""
    partial = export.summary(_ZERO_REPORT, flags)
    return pd.DataFrame({k: [int(partial[k])] for k in keys}, dtype="int64")


def _for_output(flags: pd.DataFrame, case_keys: np.ndarray) -> pd.DataFrame:
    """flags.csv rows (export.flags_for_csv) with case numbers over the whole input, and a sort key."""
    out = export.flags_for_csv(flags)
    key = flags["person_key"]
    has = key.notna().to_numpy()
    number = np.zeros(len(flags), dtype=np.int64)
    number[has] = np.searchsorted(case_keys, key[has].to_numpy(dtype=case_keys.dtype)) + 1
    out["case_id"] = pd.Series(as_str(case_number_text(number)), index=flags.index)
    rank = pd.Categorical(flags["flag"], categories=FLAGS).codes.astype("int64")
    out[ORDER] = flags["row"].to_numpy() * len(FLAGS) + rank
    return out


# ---------------------------------------------------------------- cluster


@contextlib.contextmanager
def _connect(scheduler: str | None) -> Iterator[Any]:
    """A client of a new local cluster (scheduler None) or of the scheduler at `scheduler`."""
    if scheduler is None:
        with (
            LocalCluster(
                n_workers=LOCAL_WORKERS, threads_per_worker=1, dashboard_address=":0", silence_logs=logging.ERROR
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    hint = (
        "check the address (tcp://HOST:8786) and that the scheduler runs, or leave out --scheduler for a local cluster"
    )
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({reason}); {hint}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise ClusterError(
                f"the Dask scheduler at {scheduler} has no workers; start some "
                f"(dask worker {scheduler}) or leave out --scheduler for a local cluster"
            ) from None
        found = client.run(lambda: importlib.util.find_spec("analysis") is not None)
        missing = sorted(w for w, ok in found.items() if not ok)
        if missing:
            raise ClusterError(
                f"workers {', '.join(missing)} cannot import the analysis package; install this "
                "project (pip install .) in the workers' environment"
            )
        yield client


def _show(collection: Any, show: bool) -> None:
    """Dask's progress bar for running work: a widget in a notebook, text on stderr elsewhere."""
    if not show:
        return
    if is_kernel():
        display(progress(collection, notebook=True))
    else:
        with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the command's one-line summary
            progress(collection)


def _compute(client: Any, collections: list, show: bool) -> list:
    futures = client.compute(collections)
    _show(futures, show)
    return client.gather(futures)


def _persist(client: Any, collection: dd.DataFrame, show: bool) -> dd.DataFrame:
    collection = client.persist(collection)
    _show(collection, show)
    wait(collection)
    return collection


# ---------------------------------------------------------------- the command


def _write_flags(client: Any, ordered: dd.DataFrame | None, header: pd.DataFrame, out_dir: Path, show: bool) -> int:
    """flags/part-NNNNN.parquet (row ranges, in order) and the same rows as one flags.csv; returns parts written."""
    parts_dir = out_dir / "flags"
    parts_dir.mkdir(parents=True, exist_ok=True)
    for old in parts_dir.glob("part-*.parquet"):
        old.unlink()
    written = 0
    # the codec writes the byte-order mark once, before the header: the pandas engine's bytes exactly
    with (out_dir / export.FLAGS_CSV).open("w", encoding=export.FLAGS_CSV_ENCODING, newline="") as fh:
        header.to_csv(fh, index=False)
        if ordered is None:
            return 0
        futures = client.compute(ordered.to_delayed())
        for future in tqdm(futures, desc="写出 writing flags", unit="part", file=sys.stderr, disable=not show):
            part = future.result()
            future.release()
            if len(part):
                part.to_parquet(parts_dir / f"part-{written:05d}.parquet", index=False)
                part.to_csv(fh, index=False, header=False)
                written += 1
    return written


def _first_pass(
    client: Any, raw: dd.DataFrame, source: str, file_format: str, encoding: str | None, show: bool
) -> tuple[list[int], pd.Series, FileFacts]:
    """One read of the input: each partition's first row offset, the ids used by several rows, and the file's
    facts for the load report's notes (FileFacts, as the pandas engine finds them)."""
    app = raw.map_partitions(_application_ids, meta=("application_id", "str"))
    counts = app.value_counts(split_out=True)
    lengths_of = app.map_partitions(_length, meta=(None, "int64"))
    facts_of = raw.map_partitions(_facts, file_format, meta=pd.DataFrame({"facts": pd.Series(dtype=object)}))
    try:
        lengths, shared, parts = _compute(client, [lengths_of, counts[counts > 1], facts_of], show)
    except UnicodeDecodeError:
        raise LoadError(f"{source}: text is neither UTF-8 nor GB18030/GBK ({encoding} failed)") from None
    except (pa.ArrowException, pd.errors.ParserError) as exc:
        raise LoadError(f"{source}: not readable ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    lengths = np.asarray(lengths, dtype=np.int64)
    if len(lengths) != raw.npartitions:  # both passes must see the same partitions
        raise RuntimeError(f"partition lengths ({len(lengths)}) do not match partitions ({raw.npartitions})")
    facts = FileFacts()
    for part in parts["facts"]:
        facts.merge(part)
    return np.concatenate([[0], np.cumsum(lengths)]).astype(int).tolist(), shared.astype("int64"), facts


def _flag_partitions(
    raw: dd.DataFrame, starts: list[int], shared: pd.Series, report: LoadReport, partitions: int | None
) -> dd.DataFrame:
    """Normalize per input partition, shuffle on the person key, flag per person-key partition (lazy)."""
    meta = _normalize_part(raw._meta, [0], shared.iloc[:0], report.file_format)
    normalized = raw.map_partitions(
        _normalize_part, starts, dask.delayed(shared, pure=True), report.file_format, meta=meta
    )
    n_parts = partitions or max(raw.npartitions, math.ceil(report.rows_read / ROWS_PER_PARTITION))
    return normalized.shuffle(on=SHARD, npartitions=n_parts).map_partitions(
        _flag_part, report.documents_checked, meta=FLAGS_META
    )


def _totals(client: Any, flags: dd.DataFrame, report: LoadReport, show: bool) -> tuple[dict, np.ndarray]:
    """The summary (export.summary's keys, counts added over partitions) and the sorted person keys of cases."""
    empty = export.summary(report, FLAGS_META)
    keys = [k for k, v in empty.items() if isinstance(v, int) and not isinstance(v, bool)]
    partial_meta = pd.DataFrame({k: pd.Series(dtype="int64") for k in keys})
    partial, case_keys = _compute(
        client,
        [
            flags.map_partitions(_partial_summary, keys, meta=partial_meta),
            flags.map_partitions(lambda f: f["person_key"].dropna().drop_duplicates(), meta=("person_key", "str")),
        ],
        show,
    )
    result = {**empty, **{k: int(empty[k] + partial[k].sum()) for k in keys}}
    return result, np.sort(np.asarray(case_keys, dtype=str))


def _in_row_order(flags: dd.DataFrame, case_keys: np.ndarray, rows_read: int, n_flags: int) -> dd.DataFrame:
    """flags.csv rows, range-partitioned by (row, flag): partition i holds rows before those of i + 1 (lazy)."""
    out = flags.map_partitions(_for_output, dask.delayed(case_keys, pure=True), meta=_for_output(FLAGS_META, case_keys))
    width = len(FLAGS)
    n_out = max(1, math.ceil(n_flags / FLAGS_PER_PART))
    divisions = np.unique(np.linspace(2 * width, (rows_read + 2) * width, n_out + 1).astype(np.int64))
    return out.set_index(ORDER, divisions=divisions.tolist()).reset_index(drop=True)


def flag_with_dask(
    input_path: str | Path,
    out_dir: str | Path,
    scheduler: str | None = None,
    partitions: int | None = None,
    progress: bool | None = None,
) -> dict:
    """Flag a Parquet file, folder of Parquet parts or CSV on Dask; write flags.csv, flags/ and summary.json.

    `scheduler`: a Dask scheduler address, or None for a local cluster of LOCAL_WORKERS processes for this
    run. `partitions`: person-key partitions (default: about ROWS_PER_PARTITION input rows each).
    `progress`: progress bars on stderr (default: when stderr is a terminal). Returns the summary.
    """
    if partitions is not None and partitions < 1:
        raise ValueError("partitions must be at least 1")
    show = sys.stderr.isatty() if progress is None else progress
    path = config.resolve_input(input_path)
    source = config.display_path(path)
    out_dir = Path(out_dir)
    with dask.config.set({"dataframe.convert-string": False}):
        raw, file_format, encoding = _read_input(path.resolve(), source)
        _, columns, ignored = map_headers(raw._meta, source)
        raw = raw[list(columns.values())].rename(columns={h: c for c, h in columns.items()})

        with _connect(scheduler) as client:
            starts, shared, facts = _first_pass(client, raw, source, file_format, encoding, show)
            report = contract_load_report(source, file_format, encoding, starts[-1], columns, ignored, facts=facts)
            flags = _persist(client, _flag_partitions(raw, starts, shared, report, partitions), show)
            result, case_keys = _totals(client, flags, report, show)
            n_flags = sum(result[f] or 0 for f in FLAGS)  # null: documents not checked
            ordered = None
            if n_flags:
                ordered = _persist(client, _in_row_order(flags, case_keys, report.rows_read, n_flags), show)
            out_dir.mkdir(parents=True, exist_ok=True)
            header = _for_output(FLAGS_META, case_keys).drop(columns=ORDER)
            _write_flags(client, ordered, header, out_dir, show)
            shared_later = dask.delayed(shared, pure=True)
            pairs = find_pairs(_compute, client, raw, starts, shared_later, file_format, show)

    export.write_pairs(out_dir, pairs)
    result["possible_duplicates"] = matching.counts(pairs)
    export.write_summary(out_dir, result)
    return result
