"""The Dask engine on a 2-worker LocalCluster gives exactly the pandas path's flags.csv and summary."""

from __future__ import annotations

import codecs
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.__main__ import MANIFEST, main
from analysis._fast import memory
from analysis._fast.hashing import text_digests
from analysis.contract import LoadError
from analysis.engines import dask as dask_engine
from analysis.engines import dask_input, dask_output
from analysis.engines.dask import ClusterError, flag_with_dask
from analysis.engines.dask_parts import _dates, _days, ids_with_digests, shared_counts
from analysis.id_types import TYPES
from analysis.sample import CHINESE_HEADERS, generate

from .helpers import P1, P2, P3, as_set

KEYS = ["application_id", "flag", "conflicts_with", "row", "province_code", "detail"]


@pytest.fixture(scope="module")
def scheduler():
    """Address of a LocalCluster started as flag_with_dask starts one (2 workers, 1 thread each)."""
    with dask_engine._connect(None) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        yield client.scheduler.address


def test_local_workers_use_their_memory_settings(scheduler):
    """memory.use_worker_pool, whether the workers were forked from a process using jemalloc or spawned: Arrow
    allocates through the C library on one thread of its own; glibc takes its thresholds in each (Linux)."""
    from distributed import Client

    with Client(scheduler) as client:
        pools = client.run(lambda: pa.default_memory_pool().backend_name)
        threads = client.run(pa.cpu_count)
        settings = client.run(memory.use_worker_pool)
    assert sorted(pools.values()) == ["system", "system"] and list(threads.values()) == [1, 1]
    linux = sys.platform.startswith("linux")
    assert list(settings.values()) == [{"arrow_pool": "system", "arrow_threads": 1, "glibc_thresholds": linux}] * 2


@pytest.fixture(scope="module")
def applications(tmp_path_factory) -> tuple[pd.DataFrame, str]:
    """Generated applications, with one application_id shared by rows at the start and the end of the file."""
    frame, _ = generate(persons=3000, seed=20261205)
    unique = frame.index[~frame["application_id"].duplicated(keep=False)]
    first, second, last = unique[0], unique[1], unique[-1]
    shared = frame.loc[first, "application_id"]
    frame.loc[[second, last], "application_id"] = shared
    frame.loc[last, "applied_on"] = ""
    return frame, shared


def pandas_flag(path: Path, out: Path) -> tuple[pd.DataFrame, dict]:
    assert main(["flag", str(path), "--out", str(out)]) == 0
    return read_outputs(out)


def read_outputs(out: Path) -> tuple[pd.DataFrame, dict]:
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return flags, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def same_as_pandas(single: Path, parts: Path, tmp_path: Path, scheduler: str, partitions: int):
    """The Dask engine on `parts` and the pandas engine on `single` (the same rows): flags.csv byte for byte and
    summary.json (but its source) alike; the Dask engine's (flags, summary)."""
    _, expected_summary = pandas_flag(single, tmp_path / "pandas")
    flag_with_dask(parts, tmp_path / "dask", scheduler=scheduler, partitions=partitions)
    flags, summary = read_outputs(tmp_path / "dask")
    assert (tmp_path / "dask" / "flags.csv").read_bytes() == (tmp_path / "pandas" / "flags.csv").read_bytes()
    assert {k: v for k, v in summary.items() if k != "source"} == {
        k: v for k, v in expected_summary.items() if k != "source"
    }
    return flags, summary


def test_parquet_parts_give_the_pandas_results(scheduler, applications, tmp_path, monkeypatch, capsys):
    frame, shared = applications
    table = pa.Table.from_pandas(frame, preserve_index=False)
    single = tmp_path / "applications.parquet"
    pq.write_table(table, single, row_group_size=700)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, len(frame), 1000)):  # part-3 sorts after part-2, not after part-10
        pq.write_table(table.slice(start, 1000), parts / f"part-{i}.parquet", row_group_size=300)
    expected, expected_summary = pandas_flag(single, tmp_path / "pandas")
    capsys.readouterr()

    result = flag_with_dask(parts, tmp_path / "dask", scheduler=scheduler, partitions=3, progress=True)
    captured = capsys.readouterr()
    flags, summary = read_outputs(tmp_path / "dask")

    assert as_set(flags, KEYS) == as_set(expected, KEYS)
    assert (tmp_path / "dask" / "flags.csv").read_bytes() == (tmp_path / "pandas" / "flags.csv").read_bytes()
    assert (tmp_path / "dask" / "flags.csv").read_bytes().count(codecs.BOM_UTF8) == 1  # once, before the header
    pairs = (tmp_path / "dask" / "possible_duplicates.csv").read_bytes()
    assert pairs == (tmp_path / "pandas" / "possible_duplicates.csv").read_bytes()
    assert pairs.count(b"\n") > 1  # the generator plants possible duplicates of every reason
    assert result == summary
    assert {k: v for k, v in summary.items() if k != "source"} == {
        k: v for k, v in expected_summary.items() if k != "source"
    }
    assert summary["rows_read"] == len(frame) and summary["duplicate_card"] > 0

    # The shared id spans partitions: all three rows carry the file-wide count, reasons in the pandas order.
    details = flags.loc[(flags["application_id"] == shared) & (flags["flag"] == "invalid_record"), "detail"]
    assert sorted(details) == [f"application_id '{shared}' is used by 3 rows"] * 2 + [
        f"application_id '{shared}' is used by 3 rows; applied_on is empty"
    ]

    # Parts are row ranges: read in name order they are flags.csv.
    part_files = sorted((tmp_path / "dask" / "flags").glob("part-*.parquet"))
    assert 2 <= len(part_files) <= len(list(parts.iterdir()))  # one per input part that has flags
    joined = pd.concat([pd.read_parquet(p) for p in part_files], ignore_index=True)
    assert joined["row"].tolist() == flags["row"].astype(int).tolist()
    assert joined["application_id"].tolist() == flags["application_id"].tolist()

    assert captured.out == ""  # progress goes to stderr: stdout keeps the command's one-line summary
    assert "100% Completed" in captured.err and "写出 writing flags" in captured.err


@pytest.mark.parametrize("route", ["staged", "staged, copied by Python", "bytes"])
def test_output_files_reach_the_output_folder_either_way(scheduler, applications, tmp_path, monkeypatch, route):
    """Workers that can write into the command's staging folder (a folder of this machine) write their output
    files there and the command moves them in (flags.csv's lines copied by the kernel, or by Python where it
    cannot), and hand their pieces, hashes and flags to the next stage through it; a cluster of other machines sends
    the bytes. Either way: the pandas engine's flags.csv, the parts
    in order, and no staging folder left."""
    frame, _ = applications
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp_path / "a.parquet")
    pandas_flag(tmp_path / "a.parquet", tmp_path / "pandas")
    path = tmp_path / "parts"  # (input parts: an output part each)
    path.mkdir()
    for i, start in enumerate(range(0, len(frame), 2500)):
        pq.write_table(table.slice(start, 2500), path / f"part-{i}.parquet")
    appended, staging = [], []
    append, seen = dask_output._append_file, dask_engine.staging_seen
    monkeypatch.setattr(dask_output, "_append_file", lambda fh, p: appended.append(p) or append(fh, p))
    monkeypatch.setattr(
        dask_engine,
        "staging_seen",
        lambda client, folder: staging.append(folder) or (route != "bytes" and seen(client, folder)),
    )
    if route.endswith("by Python"):
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    handed, write = [], dask_engine.write_flags  # (the files the stages handed on, when the flags are written)
    monkeypatch.setattr(
        dask_engine,
        "write_flags",
        lambda *args: handed.extend(sorted(p.name for p in Path(staging[0]).glob("*.arrow"))) or write(*args),
    )

    flag_with_dask(path, tmp_path / "dask", scheduler=scheduler, partitions=3)

    assert (tmp_path / "dask" / "flags.csv").read_bytes() == (tmp_path / "pandas" / "flags.csv").read_bytes()
    flags, _ = read_outputs(tmp_path / "dask")
    part_files = sorted((tmp_path / "dask" / "flags").glob("part-*.parquet"))
    joined = pd.concat([pd.read_parquet(p) for p in part_files], ignore_index=True)
    assert joined["row"].tolist() == flags["row"].astype(int).tolist() and len(part_files) >= 2
    assert len(appended) == (0 if route == "bytes" else len(part_files))
    assert not any(p.exists() for p in appended) and not Path(staging[0]).exists()
    # the input partitions' pieces and the person partitions' flags went through the staging folder too, or
    # through Dask's memory
    inputs = range(len(list(path.iterdir())))
    stored = [f"flags-{k:05d}.arrow" for k in range(3)] + [
        f"{kind}-{i:05d}.arrow" for kind in ("hashes", "pieces") for i in inputs
    ]
    assert handed == ([] if route == "bytes" else stored)


def test_staging_folder_is_removed_when_a_run_fails(scheduler, applications, tmp_path, monkeypatch):
    frame, _ = applications
    path = tmp_path / "a.parquet"
    frame.head(300).to_parquet(path, index=False)
    staging, seen = [], dask_engine.staging_seen
    monkeypatch.setattr(
        dask_engine, "staging_seen", lambda client, folder: staging.append(folder) or seen(client, folder)
    )

    def disk_full(client, parts, *rest):
        assert all(part.result()[1] for part in parts)  # each part staged its files (they have flags)
        staged = [p.suffix for p in Path(staging[0]).iterdir()]
        assert staged.count(".csv") == staged.count(".parquet") == len(parts)
        assert staged.count(".arrow") == 3  # the input partition's pieces and hashes, the person partition's flags
        raise OSError("No space left on device")

    monkeypatch.setattr(dask_engine, "write_flags", disk_full)
    with pytest.raises(OSError, match="No space left"):
        flag_with_dask(path, tmp_path / "out", scheduler=scheduler)
    assert not Path(staging[0]).exists()


def test_gb18030_csv_in_blocks_gives_the_pandas_results(scheduler, applications, tmp_path, monkeypatch):
    frame, _ = applications
    path = tmp_path / "申请.csv"
    frame.rename(columns=CHINESE_HEADERS).to_csv(path, index=False, encoding="gb18030")
    expected, expected_summary = pandas_flag(path, tmp_path / "pandas")
    monkeypatch.setattr(dask_input, "CSV_BLOCKSIZE", 40_000)  # several partitions from one file

    flag_with_dask(path, tmp_path / "dask", scheduler=scheduler)
    flags, summary = read_outputs(tmp_path / "dask")

    assert path.stat().st_size > 4 * 40_000
    assert as_set(flags, KEYS) == as_set(expected, KEYS)
    assert (tmp_path / "dask" / "flags.csv").read_bytes() == (tmp_path / "pandas" / "flags.csv").read_bytes()
    assert summary == expected_summary
    assert summary["encoding"] == "gb18030" and summary["format"] == "csv"


def test_shared_ids_found_while_normalizing_mark_every_kind_of_row(scheduler, tmp_path):
    """On Parquet the engine finds shared application ids from the hashes the input partitions give, and marks
    their rows afterwards: usable rows (they leave the overlap rules), rows with an invalid ID only (a new
    invalid_record flag) and rows with a record problem already (the shared id comes first), as the pandas
    engine marks them."""
    yes, no = "是", "否"
    rows = pd.DataFrame(
        [  # application_id, id_number, province, applied_on, id_copy
            ("S", P3, "北京", "2020-01-01", yes),  # usable but shared: no live card for the next row
            ("B", P3, "北京", "2021-01-01", yes),
            ("C1", P2, "河北", "2018-01-01", yes),
            ("S", "12345", "北京", "2020-02-01", yes),  # invalid ID and shared
            ("S", P1, "北京", "not a date", yes),  # a record problem and shared
            ("T", P1, "北京", "2019-05-01", no),  # shared, documents incomplete
            ("T", P1, "上海", "2019-06-01", yes),  # shared: no conflict with the row above
            ("C2", P2, "河北", "2019-01-01", yes),  # duplicate_card against C1: the rules still run
        ],
        columns=["application_id", "id_number", "province", "applied_on", "id_copy"],
    ).assign(has_second_gen_id=yes)
    parts = tmp_path / "parts"
    parts.mkdir()
    rows.iloc[:3].to_parquet(parts / "part-0.parquet", index=False)
    rows.iloc[3:].to_parquet(parts / "part-1.parquet", index=False)
    single = tmp_path / "applications.parquet"
    rows.to_parquet(single, index=False)
    flags, summary = same_as_pandas(single, parts, tmp_path, scheduler, partitions=2)
    not_an_id = (
        "not an ID number: expected 18 characters (17 digits and a check digit or X) or 15 digits, got 5 characters"
    )
    three, two = "application_id 'S' is used by 3 rows", "application_id 'T' is used by 2 rows"
    assert list(zip(flags["row"].astype(int), flags["flag"], flags["detail"].str.split(";").str[0], strict=True)) == [
        (2, "invalid_record", three),
        (5, "invalid_record", three),
        (5, "invalid_id", not_an_id),
        (6, "invalid_record", three),
        (7, "invalid_record", two),
        (7, "incomplete_documents", "no copy of the ID card"),
        (8, "invalid_record", two),
        (9, "duplicate_card", "card application C1 of 2018-01-01 in 河北 13 is still live (never cancelled)"),
    ]
    assert flags["detail"][3] == three + "; applied_on 'not a date' is not a date"
    assert flags["conflicts_with"][7] == "C1" and summary["rows_unusable"] == 5


def test_clean_file_writes_headers_only_and_overwrites_old_parts(scheduler, tmp_path):
    rows = pd.DataFrame(
        {
            "application_id": ["A", "B"],
            "id_number": ["11010519491231002X", "110111198012010078"],
            "province": ["北京", "Beijing"],
            "applied_on": ["2020-01-01", "2021-01-01"],
        }
    )
    path = tmp_path / "clean.parquet"
    rows.to_parquet(path, index=False)
    out = tmp_path / "dask"
    (out / "flags").mkdir(parents=True)
    (out / "flags" / "part-00007.parquet").write_bytes(b"stale")
    expected, expected_summary = pandas_flag(path, tmp_path / "pandas")

    result = flag_with_dask(path, out, scheduler=scheduler)

    assert (out / "flags.csv").read_bytes() == (tmp_path / "pandas" / "flags.csv").read_bytes()
    assert (out / "flags.csv").read_bytes().startswith(codecs.BOM_UTF8 + b"application_id,")
    assert list(expected.columns) == list(read_outputs(out)[0].columns) and expected.empty
    assert result == expected_summary and result["rows_clean"] == 2
    assert list((out / "flags").iterdir()) == []


def test_missing_column_is_a_one_line_error_before_any_cluster_or_output(tmp_path):
    path = tmp_path / "a.parquet"
    pd.DataFrame({"application_id": ["A"], "province": ["44"]}).to_parquet(path)
    with pytest.raises(LoadError, match=r"missing required column\(s\) id_number, applied_on") as err:
        flag_with_dask(path, tmp_path / "out", scheduler="tcp://127.0.0.1:9")
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "name, message",
    [
        ("a.xlsx", "read by the pandas engine only"),
        ("none.parquet", "no such file or folder"),
        ("empty", "holds no .parquet files"),
    ],
)
def test_inputs_the_dask_engine_does_not_read(tmp_path, name, message):
    path = tmp_path / name
    if name == "a.xlsx":
        path.write_bytes(b"PK")
    elif name == "empty":
        path.mkdir()
    with pytest.raises(LoadError, match=message):
        flag_with_dask(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_is_a_one_line_error(applications, tmp_path, monkeypatch):
    frame, _ = applications
    path = tmp_path / "a.parquet"
    frame.head(50).to_parquet(path, index=False)
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", "1s")
    message = r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9 .*--scheduler"
    with pytest.raises(ClusterError, match=message) as err:
        flag_with_dask(path, tmp_path / "out", scheduler="tcp://127.0.0.1:9")
    assert "\n" not in str(err.value)
    assert isinstance(err.value, LoadError)  # the command line prints it as one line and exits 2
    assert not (tmp_path / "out").exists()


def test_cli_engine_dask_on_an_existing_cluster(scheduler, applications, tmp_path):
    """`flag --scheduler ADDRESS` runs on that cluster and writes what the pandas engine writes."""
    source = tmp_path / "a.parquet"
    applications[0].to_parquet(source, index=False)
    address = scheduler
    assert main(["flag", str(source), "--out", str(tmp_path / "p")]) == 0
    assert main(["flag", str(source), "--out", str(tmp_path / "d"), "--scheduler", address]) == 0
    assert (tmp_path / "p" / "flags.csv").read_bytes() == (tmp_path / "d" / "flags.csv").read_bytes()
    # `make clean` removes the Dask engine's outputs too, its flags/ parts with them
    written = json.loads((tmp_path / "d" / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert {"flags.csv", "summary.json", "flags/part-00000.parquet"} <= set(written)
    assert main(["clean", "--out", str(tmp_path / "d")]) == 0
    assert not (tmp_path / "d").exists()
    assert (
        main(
            [
                "flag",
                str(source),
                "--out",
                str(tmp_path / "w"),
                "--engine",
                "dask",
                "--workbook",
                str(tmp_path / "w.xlsx"),
            ]
        )
        == 2
    )


def test_non_citizen_card_holders_give_the_pandas_results(scheduler, tmp_path):
    """Passports, permits and the rest (docs/data-contract.md, "Card holders who are not mainland citizens"): keys
    that are not 18 characters get their person_id per partition, yet flags.csv and summary.json are the pandas
    engine's, byte for byte."""
    frame, _ = generate(persons=2000, seed=20260101)
    frame = frame.rename(columns=CHINESE_HEADERS)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    single = tmp_path / "applications.parquet"
    pq.write_table(table, single, row_group_size=500)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, len(frame), 700)):
        pq.write_table(table.slice(start, 700), parts / f"part-{i}.parquet")
    flags, summary = same_as_pandas(single, parts, tmp_path, scheduler, partitions=3)
    assert set(summary["id_types"]) == {*TYPES, "unknown"}  # the sample plants every type, and 军官证
    other = flags["person_key"].str.contains(":") & flags["flag"].isin(["duplicate_card", "cross_province_conflict"])
    assert other.any() and flags["person_key"].str.startswith("passport:").any()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--worker-memory", "lots"], "--worker-memory 'lots' is not a size; write it as 6GB or 6000MB"),
        (["--worker-memory", "6GB", "--scheduler", "tcp://127.0.0.1:9"], "an existing cluster's workers set their own"),
    ],
)
def test_worker_memory_mistakes_are_one_line_before_any_cluster(applications, tmp_path, capsys, extra, message):
    """--worker-memory (a local cluster's limit per worker, above which it spills) says what is wrong with it."""
    source = tmp_path / "a.parquet"
    applications[0].head(20).to_parquet(source, index=False)
    assert main(["flag", str(source), "--out", str(tmp_path / "out"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("错误：--worker-memory") and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_shared_ids_are_counted_as_text_once_per_row():
    """ids_with_digests gets the hashes that repeat across partitions and the hash of each row's id (input_part's,
    in row order). Two different ids of one 64-bit hash (A1 and C3 here, made to collide) are both among them;
    counted as text, one row each, neither is shared: only the texts decide. Each row counts once: an unusable
    row's id from its row flags (once, whatever flags it has), a usable row's from its piece (its
    incomplete_documents flag does not count it again); a row without an id never; an id whose hash is not
    among them is not looked at."""
    ids = pd.Series(["A1", "B7", None, "C3", "B7", "D4"], dtype="str")  # rows 2 to 7
    digest, present = text_digests(ids)
    digest[3] = digest[0]  # C3's hash made A1's
    row_flags = pd.DataFrame(
        {
            "row": [2, 2, 3],
            "application_id": ["A1", "A1", "B7"],
            "flag": ["invalid_record", "invalid_id", "incomplete_documents"],
        }
    ).astype({"application_id": "str"})
    pieces = [
        pd.DataFrame({"row": np.array(rows, np.int32), "application_id": pd.array(values, dtype="str")})
        for rows, values in (([3, 7], ["B7", "D4"]), ([5, 6], ["C3", "B7"]))
    ]
    repeated = np.sort(np.array([digest[0], digest[1]], dtype=np.uint64))

    found = ids_with_digests(repeated, (digest, present), 2, row_flags, *pieces)

    assert sorted(found) == ["A1", "B7", "B7", "C3"]
    assert shared_counts(found).to_dict() == {"B7": 2}
    # no hash repeats: nothing looked at
    assert ids_with_digests(np.zeros(0, np.uint64), (digest, present), 2, row_flags, *pieces).empty


def test_dates_cross_the_shuffle_as_days_and_come_back_the_same():
    """Dates travel between workers as int32 days: before 1970 (floored to their own day), a leap day, the last
    day of 32-bit seconds and a missing date come back as the datetime64[s] normalize gave."""
    dates = pd.Series(
        pd.to_datetime(["1969-12-31", "1900-02-28", None, "2024-02-29", "1970-01-01", "2038-01-20"]).astype(
            "datetime64[s]"
        )
    )
    days = _days(dates, np.array([0, 1, 2, 3, 4, 5, 3]))

    assert days.dtype == np.int32 and days.tolist()[:2] == [-1, -25509] and days[4] == 0
    back = _dates(days)
    assert back.dtype == np.dtype("datetime64[s]")
    assert back.tolist()[:2] == dates.tolist()[:2] and np.isnat(back[2]) and back[6] == back[3]
    assert (back[[0, 1, 3, 4, 5]] == dates.to_numpy()[[0, 1, 3, 4, 5]]).all()


def test_id_hashes_fall_in_the_same_group_in_every_partition():
    """id_digests sorts each partition's hashes into groups by value range: an id's hash is in the same group
    whichever partition it comes from, each group sorted, the missing ids left out."""
    ids = pd.Series([f"A{i:06d}" for i in range(2_000)] + [None], dtype="str")
    groups = dask_input.id_digests(ids, 7)
    other = dask_input.id_digests(ids.iloc[::-1].iloc[:1_000], 7)  # a partition of some of them, in another order

    assert len(groups) == 7 and sum(len(g) for g in groups) == 2_000
    assert all((np.diff(g.astype(np.float64)) >= 0).all() for g in groups)
    for b in range(7):
        assert set(other[b]) <= set(groups[b])
    assert sorted(np.concatenate(groups)) == sorted(text_digests(ids)[0][:2_000])


def test_a_full_disk_for_the_staging_files_is_one_line_and_leaves_nothing(applications, tmp_path):
    """A disk that fills while the workers hand their partitions on (the staging folder is in TMPDIR): the command
    prints one line saying where room is wanted and exits 2, with no worker traceback on stderr, no output folder
    and no staging folder left. (The command runs in a process of its own whose workers' store fails: its local
    cluster is forked after the patch.)"""
    import subprocess

    if dask_engine._start_method() != "fork":
        pytest.skip("spawned workers do not take the patch")
    frame, _ = applications
    path = tmp_path / "a.parquet"
    frame.head(3000).to_parquet(path, index=False)
    temp = tmp_path / "tmp"
    temp.mkdir()
    script = (
        "import errno, sys\n"
        "from analysis.engines import dask_parts\n"
        "def full(frames, target):\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "dask_parts.store = full\n"
        "from analysis.__main__ import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    command = [sys.executable, "-c", script, "flag", str(path), "--out", str(tmp_path / "out"), "--engine", "dask"]
    env = {k: v for k, v in os.environ.items() if k != "ANALYSIS_DEBUG"} | {"TMPDIR": str(temp)}

    run = subprocess.run(command, check=False, capture_output=True, text=True, env=env, timeout=120)

    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "TMPDIR" in lines[0] and str(temp) in lines[0]
    assert "Traceback" not in run.stderr and "Compute Failed" not in run.stderr
    assert not (tmp_path / "out").exists()
    assert not list(temp.glob("analysis-flags-*"))
    assert not list(temp.iterdir())  # (nor the workers' folder: Dask's dask-scratch-space before)
