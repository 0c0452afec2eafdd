"""The rules of docs/data-contract.md on Dask: partitioned Parquet (or CSV) in, the same flags and summary out.

Two things are global and come first, from the application_id column alone: where each partition starts
in the file (so `row` is the file row, header = 1; Parquet metadata says it) and the ids that more than one
row uses anywhere in the input. Then each input partition is normalized once, by the pandas path's own
functions: its row flags (rules.row_flags) stay where they are, and only the columns the overlap rules read
of its usable rows (person number, province, the two dates, row, application id) are shuffled on the person;
rules.overlap_flags runs per person partition. The client writes every output file, so workers need to read
the input but never to write into the output folder. See docs/large-data.md."""

from __future__ import annotations

import codecs
import contextlib
import importlib.util
import io
import logging
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from distributed import Client, LocalCluster, progress
from distributed.utils import is_kernel
from IPython.display import display
from tqdm import tqdm

from .. import config, export, matching, rules
from .._fast.arrow import arrow_of, as_str, null_text, rows
from .._fast.csv import header_line, rows_bytes
from .._fast.memory import release_memory
from ..cases import case_number_text
from ..contract import FLAG_COLUMNS, FLAGS, UNUSABLE_FLAGS, FileFacts, LoadError, LoadReport
from ..contract import load_report as contract_load_report
from ..ids import OTHER_IDS, assign_other_ids
from ..matching import for_rules
from ..normalize import mark_shared_ids, normalize
from ..provinces import CODE_CATEGORIES
from .dask_input import ROWS_PER_PARTITION, Input, first_pass, raw_frames, read_input, readable
from .dask_pairs import find_pairs

LOCAL_WORKERS = 2
CONNECT_TIMEOUT = "15s"
SHARD = "_shard"
SETTINGS = {
    "dataframe.convert-string": False,  # text as the pandas path holds it
    # a local cluster's workers take the client's settings: the shuffle buffers at most this much of the data
    # it sends out (Dask's 1 GiB would be most of a worker's memory on ten million rows)
    "distributed.p2p.comm.buffer": "100 MiB",
    # a local cluster's scheduler hands a worker its next partition only when it is free: with Dask's 1.1 each
    # worker queues one more, and at the end of a pass one worker runs two while the other waits
    "distributed.scheduler.worker-saturation": 1.0,
}
FLAGS_META = pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "str") for c in FLAG_COLUMNS})


class ClusterError(LoadError):
    """The Dask cluster cannot be used; a LoadError, so the command line prints one line and exits 2."""


# ---------------------------------------------------------------- per partition


_NO_DAY = np.iinfo(np.int32).min  # a missing date among days as int32


def _days(values: pd.Series) -> np.ndarray:
    """Dates as int32 days since 1970 (_NO_DAY for none): half the bytes of datetime64 on the way."""
    days = values.to_numpy(dtype="datetime64[D]")
    return np.where(np.isnat(days), _NO_DAY, days.astype(np.int64)).astype(np.int32)


def _dates(days: np.ndarray) -> np.ndarray:
    """_days back to datetime64[s] (NaT for none), as normalize gives them."""
    return np.where(days == _NO_DAY, np.datetime64("NaT"), days.astype("datetime64[D]")).astype("datetime64[s]")


def _shuffled_columns(records: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """What the overlap rules read of the rows at `at` (matching.for_rules' frame), about 40 bytes a row: a shard
    key, the person number, or a hash of the key where it is not an 18-character number (those keep their
    text in other_key; numbered again per person partition), dates as days, the province as its code."""
    out = rows(records, at, ["other_key", "application_id", "row"])
    shard = records["person_id"].to_numpy()[at]
    other = shard >= OTHER_IDS
    if other.any():
        shard[other] = pd.util.hash_pandas_object(out["other_key"][other], index=False).to_numpy().view(np.int64)
    out.insert(0, SHARD, shard)
    out["applied_on"] = _days(records["applied_on"].iloc[at])
    out["cancelled_on"] = _days(records["cancelled_on"].iloc[at])
    out["province"] = records["province_code"].cat.codes.to_numpy()[at]  # int8 codes of CODE_CATEGORIES
    return out


def _by_person(usable: pd.DataFrame, buckets: int) -> list[pd.DataFrame]:
    """The rows in `buckets` pieces by shard key: every application of a person is in the same piece number of
    every input partition. Each piece is a copy of its own rows (a slice would carry its parent to the
    worker that takes it)."""
    bucket = usable[SHARD].to_numpy().view(np.uint64) % np.uint64(buckets)
    order = np.argsort(bucket, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(bucket.astype(np.int64), minlength=buckets))]
    return [rows(usable, order[bounds[b] : bounds[b + 1]]) for b in range(buckets)]


def _input_part(
    part: Any, first_row: int, shared: pd.Series, file_format: str, check_documents: bool, buckets: int
) -> tuple[pd.DataFrame, list[pd.DataFrame], dict]:
    """One input partition (Input.parts) normalized once, SLICE_ROWS at a time: (its row flags; the overlap rules'
    columns of its usable rows in `buckets` pieces by person; its facts, flag counts and case keys). Only usable
    rows can overlap (rules.find_overlaps), so the others never leave the partition."""
    facts, flags, usable = FileFacts(), [], []
    for raw in raw_frames(part):
        records = for_rules(normalize(raw, file_format, first_row=first_row, facts=facts))
        first_row += len(raw)
        del raw
        mark_shared_ids(records, counts=shared)
        flags.append(_conform(rules.row_flags(records, check_documents), FLAGS_META))
        at = np.flatnonzero((records["record_problem"].isna() & records["id_problem"].isna()).to_numpy())
        usable.append(_shuffled_columns(records, at))
        del records
    pieces = _by_person(_joined(usable), buckets)
    del usable
    flags = _joined(flags)
    release_memory()  # (a long-lived worker: normalizing's freed temporaries back to the system between parts)
    return flags, pieces, {"facts": facts, **_tally(flags)}


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _conform(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Columns and dtypes of `meta` (an empty partition must look like a full one)."""
    return frame[list(meta.columns)].astype(meta.dtypes.to_dict())


def _tally(flags: pd.DataFrame) -> dict:
    """Flags per kind and unusable rows (they add up over partitions: a row's unusable flags are all found in its
    input partition), and the distinct person keys of cases (a person's flags may lie in several)."""
    counts = rules.flag_counts(flags)
    counts["rows_unusable"] = int(flags.loc[flags["flag"].isin(UNUSABLE_FLAGS), "row"].nunique())
    return {"counts": counts, "keys": flags["person_key"].dropna().unique()}


def _overlap_part(firsts: np.ndarray, *pieces: pd.DataFrame) -> tuple[list[pd.DataFrame], dict]:
    """rules.overlap_flags on one person partition (its piece of every input partition): (its flags split by the
    input partition their row is in, `firsts` being each one's first file row; their tally)."""
    part = pd.concat(pieces, ignore_index=True)
    del pieces
    part = rows(part, np.argsort(part["row"].to_numpy(), kind="stable"))  # file order, as the pandas path has it
    records = pd.DataFrame(
        {
            # input partitions numbered their `<id_type>:<number>` keys each: number them over this partition's
            "person_id": assign_other_ids(
                part["other_key"], np.where(part["other_key"].isna().to_numpy(), part[SHARD].to_numpy(), OTHER_IDS)
            ),
            "other_key": part["other_key"],
            "application_id": part["application_id"],
            "province_code": pd.Categorical.from_codes(part["province"].to_numpy(), dtype=CODE_CATEGORIES),
            "applied_on": _dates(part["applied_on"].to_numpy()),
            "cancelled_on": _dates(part["cancelled_on"].to_numpy()),
            "row": part["row"],
            "record_problem": null_text(part.index),  # (usable rows: none)
            "id_problem": null_text(part.index),
        }
    )
    del part
    flags = _conform(rules.overlap_flags(records), FLAGS_META)
    del records
    bounds = np.r_[np.searchsorted(flags["row"].to_numpy(), firsts), len(flags)]
    split = [rows(flags, np.arange(bounds[i], bounds[i + 1])) for i in range(len(firsts))]
    release_memory()
    return split, _tally(flags)


class _CaseKeys:
    """The person keys of all cases, sorted in code-point order (as cases.case_ids orders them over one frame):
    the 18-character numbers first, as the integers of their first 17 digits (a binary search, not a hash
    table of a million texts per part), then the other keys (`<id_type>:<number>`, led by a letter), as text."""

    def __init__(self, keys: pa.Array):
        number = self._numbered(keys)
        self.bodies = np.sort(pc.cast(pc.utf8_slice_codeunits(keys.filter(number), 0, 17), pa.int64()).to_numpy())
        others = keys.filter(pc.invert(number))
        self.others = pc.take(others, pc.array_sort_indices(others))

    def __len__(self) -> int:
        return len(self.bodies) + len(self.others)

    @staticmethod
    def _numbered(keys: pa.Array) -> pa.Array:
        body = pc.utf8_slice_codeunits(keys, 0, 17)
        return pc.fill_null(pc.and_(pc.equal(pc.binary_length(keys), 18), pc.ascii_is_decimal(body)), False)

    def numbers(self, keys: pd.Series) -> np.ndarray:
        """Each key's case number (its place among the sorted keys, from 1), 0 where the key is missing."""
        arr = arrow_of(keys.astype("str")).combine_chunks().cast(pa.large_string())
        numbered = self._numbered(arr).to_numpy(zero_copy_only=False)
        out = np.zeros(len(arr), dtype=np.int64)
        if numbered.any():
            body = pc.cast(pc.utf8_slice_codeunits(arr.filter(pa.array(numbered)), 0, 17), pa.int64()).to_numpy()
            out[numbered] = np.searchsorted(self.bodies, body) + 1
        other = ~numbered & arr.is_valid().to_numpy(zero_copy_only=False)
        if other.any():
            place = pc.index_in(arr.filter(pa.array(other)), value_set=self.others).to_numpy(zero_copy_only=False)
            out[other] = len(self.bodies) + place + 1
        return out


def _output_part(row_flags: pd.DataFrame, case_keys: _CaseKeys, *overlaps: pd.DataFrame) -> pd.DataFrame:
    """One input partition's flags.csv rows: its row flags and overlap flags ordered by row, then flag
    (rules.flag_applications' order), with case numbers over the whole input: a key's place among the sorted
    `case_keys`, as cases.case_ids numbers them over one frame (export.flags_for_csv)."""
    flags = pd.concat([row_flags, *overlaps], ignore_index=True)
    rank = pd.Categorical(flags["flag"], categories=FLAGS).codes.astype("int64")
    flags = rows(flags, np.argsort(flags["row"].to_numpy() * len(FLAGS) + rank, kind="stable"))
    number = case_keys.numbers(flags["person_key"])
    return export.flags_for_csv(flags, pd.Series(as_str(case_number_text(number)), index=flags.index))


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


def _output_files(row_flags: pd.DataFrame, case_keys: _CaseKeys, *overlaps: pd.DataFrame) -> tuple[bytes, bytes, int]:
    """_output_part as the bytes of its flags.csv lines and of its Parquet part, and its rows flagged: the worker
    builds the files' content, the machine running the command only writes it (workers never write into the
    output folder)."""
    part = _output_part(row_flags, case_keys, *overlaps)
    if not len(part):
        return b"", b"", 0
    parquet = io.BytesIO()
    part.to_parquet(parquet, index=False)
    return rows_bytes(part), parquet.getvalue(), int(part["row"].nunique())


def _write_flags(client: Any, parts: list[Any], header: pd.DataFrame, out_dir: Path, show: bool) -> tuple[int, int]:
    """flags/part-NNNNN.parquet (row ranges, in order) and the same rows as one flags.csv, from the futures of
    _output_files in file order; returns (parts written, rows flagged: a row's flags are all in one part)."""
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
    client: Any, found: Input, starts: list[int], shared: pd.Series, partitions: int | None, show: bool
) -> tuple[list[Any], list[list[Any]], list[dict]]:
    """Each input partition normalized once, its usable rows' rule columns cut into pieces by person; each person
    partition (one piece of every input partition) through the overlap rules. Returns futures, held on the
    workers: the row flags per input partition, the overlap flags per (person partition, input partition); and
    the tallies (facts, counts, case keys) of every partition."""
    check_documents = contract_load_report("", "", None, 0, found.columns, []).documents_checked
    n_in = len(starts) - 1
    n_person = partitions or max(1, math.ceil(starts[-1] / ROWS_PER_PARTITION))
    later = dask.delayed(shared, pure=True)
    one = dask.delayed(_input_part, nout=3, pure=True)
    inputs = [
        one(part, 2 + start, later, found.file_format, check_documents, n_person)
        for part, start in zip(found.parts(), starts[:-1], strict=True)
    ]
    firsts = np.asarray(starts[:-1], dtype=np.int64) + 2
    by_person = dask.delayed(_overlap_part, nout=2, pure=True)
    overlaps = [by_person(firsts, *[p[1][k] for p in inputs]) for k in range(n_person)]
    wanted = [p[0] for p in inputs] + [o[0][i] for o in overlaps for i in range(n_in)]
    tallies = [p[2] for p in inputs] + [o[1] for o in overlaps]
    with readable(found):
        futures = client.compute(wanted + tallies)
        _show(futures, show)
        tallies = client.gather(futures[len(wanted) :])
    row_flags = futures[:n_in]
    over = futures[n_in : len(wanted)]
    return row_flags, [over[k * n_in : (k + 1) * n_in] for k in range(n_person)], tallies


def _totals(report: LoadReport, tallies: list[dict]) -> tuple[dict, _CaseKeys]:
    """The summary (export.summary's keys; rows flagged and clean are counted when the flags are written) and
    the sorted person keys of cases."""
    result = export.summary(report, FLAGS_META)
    keys = [*FLAGS, "rows_unusable"]
    for key in keys:
        if result[key] is not None:  # (null: documents not checked)
            result[key] = sum(t["counts"][key] for t in tallies)
    keys = pc.unique(pa.chunked_array([pa.array(t["keys"], pa.large_string()) for t in tallies], pa.large_string()))
    case_keys = _CaseKeys(keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys)
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
    show = sys.stderr.isatty() if progress is None else progress
    path = config.resolve_input(input_path)
    source = config.display_path(path)
    out_dir = Path(out_dir)
    with dask.config.set(SETTINGS):
        found = read_input(path.resolve(), source)
        with _connect(scheduler, worker_memory) as client:
            starts, shared = first_pass(_compute, client, found, show)
            row_flags, overlaps, tallies = _flag_partitions(client, found, starts, shared, partitions, show)
            facts = FileFacts()
            for tally in tallies[: len(row_flags)]:
                facts.merge(tally["facts"])
            report = contract_load_report(
                source, found.file_format, found.encoding, starts[-1], found.columns, found.ignored, facts=facts
            )
            result, case_keys = _totals(report, tallies)
            keys_later = client.scatter(case_keys, broadcast=True)
            outputs = [
                client.submit(_output_files, flags, keys_later, *[o[i] for o in overlaps], pure=False)
                for i, flags in enumerate(row_flags)
            ]
            del row_flags, overlaps  # (the output parts hold them now)
            out_dir.mkdir(parents=True, exist_ok=True)
            header = _output_part(FLAGS_META, case_keys)
            _, flagged = _write_flags(client, outputs, header, out_dir, show)
            result["rows_flagged"], result["rows_clean"] = flagged, report.rows_read - flagged
            pairs = find_pairs(_compute, client, found, starts, dask.delayed(shared, pure=True), show)

    export.write_pairs(out_dir, pairs)
    result["possible_duplicates"] = matching.counts(pairs)
    result = {key: result[key] for key in export.summary(report, FLAGS_META, pairs)}  # the pandas engine's order
    export.write_summary(out_dir, result)
    return result
