"""The rules of docs/data-contract.md on Dask: partitioned Parquet (or CSV) in, the same flags and summary out.

Each input partition is normalized once, by the pandas path's own functions: its row flags (rules.row_flags)
stay where they are, and only the columns the overlap rules read of its usable rows (person number, province,
the two dates, row, application id) are shuffled on the person; rules.overlap_flags runs per person partition.
Two things are global: where each partition starts in the file (so `row` is the file row, header = 1: Parquet
metadata says it, a CSV is counted in a first pass) and the application ids that more than one row uses
anywhere in the input (found from hashes the partitions give, then marked on their rows). The client writes
every output file, so workers need to read the input but never to write into the output folder: workers that
can write into a staging folder of the client's machine (a local cluster's) leave their output files there for
it and hand their partitions from stage to stage through it (dask_exchange); others send the bytes and hand the
partitions on in Dask's memory. See docs/large-data.md."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pyarrow as pa
from dask.utils import parse_bytes
from distributed import Client, LocalCluster, progress
from distributed.utils import is_kernel

from .. import config, export, matching
from .._fast.memory import use_worker_pool
from ..cases import CaseNumbers
from ..contract import FLAGS, FileFacts, LoadError, LoadReport
from ..contract import load_report as contract_load_report
from .dask_exchange import Stored, disk_room, flags_file, pieces_file
from .dask_input import (
    ROWS_PER_PARTITION,
    Input,
    candidates,
    first_pass,
    read_input,
    readable,
    repeated_digests,
    starts_of,
)
from .dask_output import staging_seen, write_flags
from .dask_pairs import find_pairs
from .dask_parts import (
    FLAGS_META,
    ids_with_digests,
    input_part,
    output_files,
    output_part,
    overlap_part,
    row_part,
    shared_counts,
)

LOCAL_WORKERS = 2
HASHES_PER_GROUP = 1_000_000  # application id hashes sorted by one task of the shared-id step (8 MB)
CONNECT_TIMEOUT = "15s"
SETTINGS = {
    "dataframe.convert-string": False,  # text as the pandas path holds it
    # a local cluster's scheduler hands a worker its next partition only when it is free: with Dask's 1.1 each
    # worker queues one more, and at the end of a pass one worker runs two while the other waits
    "distributed.scheduler.worker-saturation": 1.0,
    # the workers' statistical profiler (the dashboard's Profile page) takes each task thread's stack every 10 ms:
    # a run without it took 14.0 s instead of 15.3 s on 10M rows, alternated
    "distributed.worker.profile.enabled": False,
    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes glibc's mmap threshold: every array
    # above 128 KiB is then fresh pages from the system, faulted in again for each partition (a fifth of the
    # run on this machine, measured). Without it glibc reuses freed arrays (memory.use_worker_pool).
    "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1},
}


def _start_method() -> str:
    """How a local cluster starts its workers: forked from this process on Linux, so they begin with its modules
    imported (pandas, pyarrow, this package); spawned (a fresh interpreter) in a notebook's kernel, whose threads
    and sockets a fork would copy, and on other systems. Workers ready in 0.16 s instead of 0.53 s, closed in
    0.02 s instead of 0.21 s, their first task 0.36 s shorter (no imports); at 10M rows, alternated, 12.0 s
    instead of 13.3 s in all (both with the same Arrow pool in the workers, _connect sets it)."""
    return "fork" if sys.platform.startswith("linux") and not is_kernel() else "spawn"


class ClusterError(LoadError):
    """The Dask cluster cannot be used; a LoadError, so the command line prints one line and exits 2."""


# ---------------------------------------------------------------- cluster


@contextlib.contextmanager
def _connect(scheduler: str | None, worker_memory: str | None = None) -> Iterator[Any]:
    """A client of a new local cluster (scheduler None; `worker_memory` each, default Dask's share) or of the
    scheduler at `scheduler`."""
    if scheduler is None:
        with (
            # the scheduler's and workers' folders (and what they spill) in one of the run's own, removed at the end:
            # by default Dask leaves a dask-scratch-space folder in the temporary folder
            tempfile.TemporaryDirectory(prefix="analysis-dask-") as scratch,
            dask.config.set(
                {"distributed.worker.multiprocessing-method": _start_method(), "temporary-directory": scratch}
            ),
            LocalCluster(
                n_workers=LOCAL_WORKERS,
                threads_per_worker=1,
                dashboard_address=":0",
                # a task's failure reaches the command, which says it in one line: not the worker's traceback too
                silence_logs=logging.ERROR if os.environ.get("ANALYSIS_DEBUG") else logging.CRITICAL,
                memory_limit=worker_memory or "auto",
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(use_worker_pool)  # (not what a forked worker inherits: memory.use_worker_pool says why)
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
        from IPython.display import display  # (here: a notebook has it imported; the command line need not)

        display(progress(collection, notebook=True))
    else:
        with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the command's one-line summary
            progress(collection)


def _compute(client: Any, collections: list, show: bool) -> list:
    futures = client.compute(collections)
    _show(futures, show)
    return client.gather(futures)


# ---------------------------------------------------------------- the command


@dataclass
class _Work:
    """The engine's work, submitted at once as futures chained on futures, so that no stage waits for the client:
    the facts of every input partition (the load report's notes), the flag counts of every part, the output
    files' content per input partition (output_files), the number of cases, and the application ids several rows
    use. (Futures, not one delayed graph: with 100 x 100 partitions, building the delayed graph merged the graph
    of every piece into every later call, minutes of the client's time.)"""

    facts: list[Any]
    counts: list[Any]
    outputs: list[Any]
    cases: Any
    shared: Any


def _submit(
    client: Any,
    found: Input,
    starts: list[int],
    maybe_shared: np.ndarray | None,
    partitions: int | None,
    staging: str | None = None,
) -> _Work:
    """Each input partition normalized once, its usable rows' rule columns cut into pieces by person; each person
    partition (one piece of every input partition) through the overlap rules; then, with case numbers over the
    whole input, each input partition's flags as the output files' bytes. Application ids several rows use are
    found from 64-bit hashes: the repeated ones (`maybe_shared`, when a first pass found them: a CSV; else the
    input partitions give the hashes) are told apart as text among each partition's rows (ids_with_digests), and
    their rows marked afterwards (row_part, overlap_part). `staging`: a folder the workers write their output
    files into (output_files) and hand the pieces, hash groups and flags on through (dask_exchange), else they
    send the bytes and hand them on in Dask's memory."""
    check_documents = contract_load_report("", "", None, 0, found.columns, []).documents_checked
    n_in = len(starts) - 1
    n_person = partitions or max(1, math.ceil(starts[-1] / ROWS_PER_PARTITION))
    workers = sorted(client.scheduler_info()["workers"])
    # groups of hashes, each a task of repeated_digests reading a batch of every input partition: every worker
    # busy, each task about HASHES_PER_GROUP hashes (sorting 5M took a worker 0.13-0.18 s, 1M 9-13 ms)
    id_buckets = max(len(workers), math.ceil(starts[-1] / HASHES_PER_GROUP)) if maybe_shared is None else 0
    parts = found.parts()
    if found.csv is not None:  # (a CSV's blocks are delayed reads)
        parts = client.compute(parts)
    # Tasks are submitted in bulk (client.map: one message for many): a submit apiece took the client 0.4 ms
    # each, and 100 x 100 partitions need tens of thousands. Keys from the path alone would outlive a rewritten
    # file: the input tasks' keys are their own (pure=False).
    inputs = client.map(
        input_part,
        parts,
        [2 + start for start in starts[:-1]],
        [found.file_format] * n_in,
        [check_documents] * n_in,
        [n_person] * n_in,
        [id_buckets] * n_in,
        [staging] * n_in,
        list(range(n_in)),
        pure=False,
    )
    row_flags = client.map(_item, inputs, [0] * n_in)
    pieces = _handed(client, inputs, 1, n_person, pieces_file, staging)  # pieces[i][k]: input i's for person part k
    facts = client.map(_item, inputs, [2] * n_in)
    known = client.map(_item, inputs, [4] * n_in)  # (their ids' hashes in row order)
    if staging is None:  # (the hashes' groups: group b of every input partition for repeated_digests b)
        digests = client.map(
            _item,
            [p for p in inputs for _ in range(id_buckets)],
            [3] * n_in * id_buckets,
            list(range(id_buckets)) * n_in,
        )
        groups = [(digests[b::id_buckets], None) for b in range(id_buckets)]
    else:  # (where each input partition stored its groups: one small item each, the task takes group b)
        digests = client.map(_item, inputs, [3] * n_in) if id_buckets else []
        groups = [(digests, b) for b in range(id_buckets)]
    del inputs, parts  # (the results are held item by item, each released as soon as it is used)
    if maybe_shared is None:
        repeats = [client.submit(repeated_digests, *found, group=b) for found, b in groups]
        maybe_shared = client.submit(candidates, *repeats)
    ids = [
        client.submit(ids_with_digests, maybe_shared, known[i], 2 + starts[i], row_flags[i], *pieces[i])
        for i in range(n_in)
    ]
    shared = client.submit(shared_counts, *ids)
    rows_of = client.map(row_part, row_flags, [shared] * n_in)
    firsts = np.asarray(starts[:-1], dtype=np.int64) + 2
    overlaps = [
        client.submit(
            overlap_part, firsts, shared, *[p[k] for p in pieces], folder=staging, name=k, **_turn(workers, k)
        )
        for k in range(n_person)
    ]
    tallies = rows_of + overlaps
    numbering = client.submit(_numbering, *client.map(_item, tallies, [2] * len(tallies)))
    split = _handed(client, overlaps, 0, n_in, flags_file, staging)  # split[k][i]: person part k's for input i
    own = client.map(_item, rows_of, [0] * n_in)
    outputs = [
        client.submit(
            output_files,
            own[i],
            numbering,
            *[s[i] for s in split],
            folder=staging,
            name=f"{i:05d}",
            **_turn(workers, i),
        )
        for i in range(n_in)
    ]
    counts = client.map(_item, tallies, [1] * len(tallies))
    return _Work(facts, counts, outputs, client.submit(len, numbering), shared)


def _handed(
    client: Any, tasks: list[Any], item: int, count: int, file: Callable[[str, int], str], staging: str | None
) -> list[list[Any]]:
    """The frames each of `tasks` hands to the next stage, `count` each: [t][j] is frame j of task t's result
    item `item` (an _item future), or with a staging folder, batch j of the file `file(staging, t)` it stored
    (dask_exchange: a reference the client makes itself; the next stage waits for the file through its other
    arguments, which wait for every task of this stage)."""
    if staging is not None:
        return [[Stored(file(staging, t), j) for j in range(count)] for t in range(len(tasks))]
    items = client.map(
        _item, [t for t in tasks for _ in range(count)], [item] * len(tasks) * count, list(range(count)) * len(tasks)
    )
    return [items[t * count : (t + 1) * count] for t in range(len(tasks))]


def _turn(workers: list[str], k: int) -> dict:
    """client.submit's arguments sending a task to worker k (modulo their number) when it is there. The overlap
    and output parts all become ready at once and take about as long each: the scheduler, placing them as they
    become ready, was seen to give one of two workers six and the other four, and the other then waits."""
    return {"workers": [workers[k % len(workers)]], "allow_other_workers": True} if workers else {}


def _item(result: tuple, *path: int) -> Any:
    """An item of a task's result: result[i], or result[i][k] (input_part's pieces and hashes, overlap_part's
    flags per input partition)."""
    for i in path:
        result = result[i]
    return result


def _numbering(*parts: CaseNumbers) -> CaseNumbers:
    """The numbering of the cases of every part (each part numbered its own on its worker: their merge is a
    sort of the distinct numbers, 73 ms -> about 10 ms at 10M rows, while both workers wait for it)."""
    return CaseNumbers.merged(list(parts))


def _totals(report: LoadReport, counts: list[dict], cases: int) -> dict:
    """The summary (export.summary's keys; rows flagged and clean are counted when the flags are written)."""
    result = export.summary(report, FLAGS_META)
    for key in [*FLAGS, "rows_unusable"]:
        if result[key] is not None:  # (null: documents not checked)
            result[key] = sum(c[key] for c in counts)
    result["cases"] = cases
    return result


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
    # every output file written into a folder beside out_dir and moved in at the end: a failed run leaves none
    with dask.config.set(SETTINGS), export.written_whole(out_dir) as written:
        found = read_input(path.resolve(), source)
        with _connect(scheduler, worker_memory) as client:
            # Parquet says where each partition starts; a CSV is read once for it (and for the shared ids)
            if found.lengths:
                starts, maybe_shared = starts_of(found.lengths), None
            else:
                starts, maybe_shared = first_pass(_compute, client, found, show)
            with readable(found), tempfile.TemporaryDirectory(prefix="analysis-flags-") as staging, disk_room(staging):
                seen = staging_seen(client, staging)
                work = _submit(client, found, starts, maybe_shared, partitions, staging if seen else None)
                _show(work.outputs, show)
                facts = FileFacts()
                for part_facts in client.gather(work.facts):
                    facts.merge(part_facts)
                report = contract_load_report(
                    source, found.file_format, found.encoding, starts[-1], found.columns, found.ignored, facts=facts
                )
                result = _totals(report, client.gather(work.counts), work.cases.result())
                outputs, shared = work.outputs, work.shared
                del work
                header = output_part(FLAGS_META, CaseNumbers(pa.array([], pa.large_string())))
                _, flagged = write_flags(client, outputs, header, written, show)
            result["rows_flagged"], result["rows_clean"] = flagged, report.rows_read - flagged
            pairs = find_pairs(_compute, client, found, starts, shared, show)

        export.write_pairs(written, pairs)
        result["possible_duplicates"] = matching.counts(pairs)
        result = {key: result[key] for key in export.summary(report, FLAGS_META, pairs)}  # the pandas engine's order
        export.write_summary(written, result)
    return result
