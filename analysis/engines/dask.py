"""The rules of docs/data-contract.md on Dask: partitioned Parquet (or CSV) in, the same flags and summary out.

Each input partition is normalized once, by the pandas path's own functions: its row flags (rules.row_flags)
stay where they are, and only the columns the overlap rules read of its usable rows (person number, province,
the two dates, row, application id) are shuffled on the person; rules.overlap_flags runs per person partition.
Two things are global: where each partition starts in the file (so `row` is the file row, header = 1: Parquet
metadata says it, a CSV is counted in a first pass) and the application ids that more than one row uses
anywhere in the input (found from hashes the partitions give, then marked on their rows). The client writes
every output file, so workers need to read the input but never to write into the output folder. See
docs/large-data.md."""

from __future__ import annotations

import codecs
import contextlib
import importlib.util
import logging
import math
import operator
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd
import pyarrow as pa
from dask.utils import parse_bytes
from distributed import Client, LocalCluster, progress
from distributed.utils import is_kernel
from IPython.display import display
from tqdm import tqdm

from .. import config, export, matching
from .._fast.csv import header_line
from ..cases import CaseNumbers
from ..contract import FLAGS, FileFacts, LoadError, LoadReport
from ..contract import load_report as contract_load_report
from .dask_input import (
    ROWS_PER_PARTITION,
    Input,
    first_pass,
    read_input,
    readable,
    repeated_digests,
    shared_ids,
    starts_of,
)
from .dask_pairs import find_pairs
from .dask_parts import FLAGS_META, input_part, output_files, output_part, overlap_part, row_part

LOCAL_WORKERS = 2
CONNECT_TIMEOUT = "15s"
SETTINGS = {
    "dataframe.convert-string": False,  # text as the pandas path holds it
    # a local cluster's scheduler hands a worker its next partition only when it is free: with Dask's 1.1 each
    # worker queues one more, and at the end of a pass one worker runs two while the other waits
    "distributed.scheduler.worker-saturation": 1.0,
    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes glibc's mmap threshold: every array
    # above 128 KiB is then fresh pages from the system, faulted in again for each partition (a fifth of the
    # run on this machine, measured). Without it glibc reuses freed arrays; the engine trims after each input
    # partition itself (release_memory).
    "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1},
}


class ClusterError(LoadError):
    """The Dask cluster cannot be used; a LoadError, so the command line prints one line and exits 2."""


# ---------------------------------------------------------------- cluster


@contextlib.contextmanager
def _connect(scheduler: str | None, worker_memory: str | None = None) -> Iterator[Any]:
    """A client of a new local cluster (scheduler None; `worker_memory` each, default Dask's share) or of the
    scheduler at `scheduler`."""
    if scheduler is None:
        with (
            LocalCluster(
                n_workers=LOCAL_WORKERS,
                threads_per_worker=1,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
                memory_limit=worker_memory or "auto",
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


# ---------------------------------------------------------------- the command


def _write_flags(client: Any, parts: list[Any], header: pd.DataFrame, out_dir: Path, show: bool) -> tuple[int, int]:
    """flags/part-NNNNN.parquet (row ranges, in order) and the same rows as one flags.csv, from the futures of
    output_files in file order; returns (parts written, rows flagged: a row's flags are all in one part)."""
    parts_dir = out_dir / "flags"
    parts_dir.mkdir(parents=True, exist_ok=True)
    for old in parts_dir.glob("part-*.parquet"):
        old.unlink()
    written = flagged = 0
    with (out_dir / export.FLAGS_CSV).open("wb") as fh:
        fh.write(codecs.BOM_UTF8 + header_line(header.columns))  # (export.FLAGS_CSV_ENCODING: UTF-8 with a BOM)
        for future in tqdm(parts, desc="写出 writing flags", unit="part", file=sys.stderr, disable=not show):
            lines, parquet, rows_flagged = future.result()
            future.release()
            if parquet:
                (parts_dir / f"part-{written:05d}.parquet").write_bytes(parquet)
                fh.write(lines)
                written += 1
                flagged += rows_flagged
    return written, flagged


def _flag_partitions(
    client: Any, found: Input, starts: list[int], shared: pd.Series | None, partitions: int | None, show: bool
) -> tuple[list[Any], list[list[Any]], list[dict], pd.Series]:
    """Each input partition normalized once, its usable rows' rule columns cut into pieces by person; each person
    partition (one piece of every input partition) through the overlap rules. `shared`: the application ids
    several rows use, when a first pass found them (a CSV), else None: they are found from the hashes the input
    partitions give, and marked afterwards (row_part, overlap_part). Returns futures, held on the workers: the
    row flags per input partition, the overlap flags per (person partition, input partition); the tallies
    (facts, counts, case keys) of every partition; and the shared ids."""
    check_documents = contract_load_report("", "", None, 0, found.columns, []).documents_checked
    n_in = len(starts) - 1
    n_person = partitions or max(1, math.ceil(starts[-1] / ROWS_PER_PARTITION))
    id_buckets = n_in if shared is None else 0
    one = dask.delayed(input_part, nout=4, pure=False)  # (a key from the path alone would outlive a rewritten file)
    inputs = [
        one(part, 2 + start, found.file_format, check_documents, n_person, id_buckets)
        for part, start in zip(found.parts(), starts[:-1], strict=True)
    ]
    repeats = [dask.delayed(repeated_digests, pure=True)(*[p[3][b] for p in inputs]) for b in range(id_buckets)]
    held = [p[0] for p in inputs] + [p[1][k] for p in inputs for k in range(n_person)]
    with readable(found):
        futures = client.compute(held + [p[2] for p in inputs] + repeats)
        _show(futures, show)
        facts = client.gather(futures[len(held) : len(held) + n_in])
        repeated = client.gather(futures[len(held) + n_in :])
    del futures[len(held) :]
    if shared is None:
        shared = shared_ids(_compute, client, found, repeated, show)
    shared_later = client.scatter(shared, broadcast=True)
    row_flags = [client.submit(row_part, f, shared_later, pure=False) for f in futures[:n_in]]
    pieces = futures[n_in:]
    firsts = np.asarray(starts[:-1], dtype=np.int64) + 2
    overlaps = [
        client.submit(overlap_part, firsts, shared_later, *pieces[k::n_person], pure=False) for k in range(n_person)
    ]
    del futures, pieces
    _show(row_flags + overlaps, show)
    tallies = client.gather([client.submit(operator.itemgetter(1), f) for f in row_flags + overlaps])
    row_flags = [client.submit(operator.itemgetter(0), f) for f in row_flags]
    over = [[client.submit(_flags_of, o, i) for i in range(n_in)] for o in overlaps]
    return row_flags, over, [{"facts": f} for f in facts] + tallies, shared


def _flags_of(overlaps: tuple[list[pd.DataFrame], dict], i: int) -> pd.DataFrame:
    """A person partition's overlap flags of input partition i (overlap_part's result)."""
    return overlaps[0][i]


def _totals(report: LoadReport, tallies: list[dict]) -> tuple[dict, CaseNumbers]:
    """The summary (export.summary's keys; rows flagged and clean are counted when the flags are written) and
    the numbering of the cases of every partition."""
    result = export.summary(report, FLAGS_META)
    keys = [*FLAGS, "rows_unusable"]
    for key in keys:
        if result[key] is not None:  # (null: documents not checked)
            result[key] = sum(t["counts"][key] for t in tallies)
    case_keys = CaseNumbers(pa.chunked_array([pa.array(t["keys"], pa.large_string()) for t in tallies]))
    result["cases"] = len(case_keys)
    return result, case_keys


def flag_with_dask(
    input_path: str | Path,
    out_dir: str | Path,
    scheduler: str | None = None,
    partitions: int | None = None,
    progress: bool | None = None,
    worker_memory: str | None = None,
) -> dict:
    """Flag a Parquet file, folder of Parquet parts or CSV on Dask; write flags.csv, flags/ and summary.json.

    `scheduler`: a Dask scheduler address, or None for a local cluster of LOCAL_WORKERS processes for this
    run, each with `worker_memory` (e.g. "6GB"; default: Dask's share of this machine's memory), above which
    a worker spills to disk. `partitions`: person partitions (default: about ROWS_PER_PARTITION input rows
    each). `progress`: progress bars on stderr (default: when stderr is a terminal). Returns the summary.
    """
    if partitions is not None and partitions < 1:
        raise ValueError("partitions must be at least 1")
    if worker_memory is not None:
        if scheduler is not None:
            raise ClusterError(
                "--worker-memory sets the workers of a local cluster; an existing cluster's workers set their "
                "own (dask worker ADDRESS --memory-limit 6GB)"
            )
        try:
            parse_bytes(worker_memory)
        except (ValueError, TypeError):
            raise ClusterError(f"--worker-memory '{worker_memory}' is not a size; write it as 6GB or 6000MB") from None
    show = sys.stderr.isatty() if progress is None else progress
    path = config.resolve_input(input_path)
    source = config.display_path(path)
    out_dir = Path(out_dir)
    with dask.config.set(SETTINGS):
        found = read_input(path.resolve(), source)
        with _connect(scheduler, worker_memory) as client:
            # Parquet says where each partition starts; a CSV is read once for it (and for the shared ids)
            if found.lengths:
                starts, shared = starts_of(found.lengths), None
            else:
                starts, shared = first_pass(_compute, client, found, show)
            row_flags, overlaps, tallies, shared = _flag_partitions(client, found, starts, shared, partitions, show)
            facts = FileFacts()
            for tally in tallies[: len(row_flags)]:
                facts.merge(tally["facts"])
            tallies = tallies[len(row_flags) :]
            report = contract_load_report(
                source, found.file_format, found.encoding, starts[-1], found.columns, found.ignored, facts=facts
            )
            result, case_keys = _totals(report, tallies)
            keys_later = client.scatter(case_keys, broadcast=True)
            outputs = [
                client.submit(output_files, flags, keys_later, *[o[i] for o in overlaps], pure=False)
                for i, flags in enumerate(row_flags)
            ]
            del row_flags, overlaps  # (the output parts hold them now)
            out_dir.mkdir(parents=True, exist_ok=True)
            header = output_part(FLAGS_META, case_keys)
            _, flagged = _write_flags(client, outputs, header, out_dir, show)
            result["rows_flagged"], result["rows_clean"] = flagged, report.rows_read - flagged
            pairs = find_pairs(_compute, client, found, starts, dask.delayed(shared, pure=True), show)

    export.write_pairs(out_dir, pairs)
    result["possible_duplicates"] = matching.counts(pairs)
    result = {key: result[key] for key in export.summary(report, FLAGS_META, pairs)}  # the pandas engine's order
    export.write_summary(out_dir, result)
    return result
