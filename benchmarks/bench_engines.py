"""Time `python -m analysis flag` against DuckDB SQL (one statement, and the same SQL in stages) and a Polars
query of the same rules, on one file; or `flag` with and without possible duplicates (--matching).

    .venv/bin/python benchmarks/bench_engines.py [--rows 1000000 10000000] [--keep DIR] [--names] [--clean]
        [--engine-rounds 3]
    .venv/bin/python benchmarks/bench_engines.py --rows 100000000 --only flag --keep DIR
    .venv/bin/python benchmarks/bench_engines.py --matching --rows 10000000 [--rounds 3] [--keep DIR]

The file (bench_file.py): generated applications (analysis.sample: same templates and planted faults as
data/sample, citizens only), written in chunks as one Parquet file with the columns application_id, id_number
(raw text, with the generator's messy forms: legacy 15-digit, full-width, spaces, lower-case x, and planted bad
IDs), province (the two-digit code; a planted unknown province keeps its text), applied_on and cancelled_on
(Parquet DATE: a typed export, so the engines compare rules rather than date-text parsing; a planted
date that is no date is null). No document columns, so document completeness is not checked.

With --clean the same engines run on engines-clean-ROWS.parquet too, after the messy file, and both are
reported: clean numbers only (bench_file.clean_chunk). application_id is A and 10 digits in random order,
id_number always a plain 18-character citizen number with a right check character, province a two-digit
code, applied_on and cancelled_on Parquet dates; 85% of persons apply once, 12% twice, 3% three to five times
(a third of the repeats in another province, half of a repeating person's applications cancelled). No row is
invalid: what it measures is the cost of the rules and of reading and writing, not of cleaning.

With --names (and for --matching) the file is engines-names-ROWS.parquet: a name column as well (the
generator's names: 100 surnames and 60 given characters, so namesakes are common), and about one planted
pair of each reason of docs/data-contract.md, "Possible duplicates", per 10,000 persons, listed in
engines-names-ROWS.planted.csv: id_typo (an extra application of a person, same name, the number with one
character changed or two adjacent ones swapped), changed_number (a new person of the same name whose number
differs in region, birth date or sequence, a third each) and renewed_permit (two new persons: an older
foreign_pr number and the 2023 one of the same country, province and birth date, a Latin name; no id_type
column, the numbers say their type). DuckDB and Polars ignore the names; they check citizen numbers only, so
the comparison leaves out the planted foreign_pr applications.

Each engine runs in a fresh process, one after the other; seconds are wall time, peak MiB the process's
maximum resident memory from the operating system (wait4). `dask` (not run by default) is a process tree:
its peak is the largest sum of the tree's resident memory, sampled every 0.1 s. Then the outputs are
compared as multisets of (application_id, flag, conflicts_with): mismatches are printed, not asserted.
DuckDB and Polars are benchmark dependencies only (benchmarks/requirements.lock).

--matching (bench_pairs.py) runs `flag` on the names file with possible duplicates and without them, in
turn, --rounds times each: seconds, peak MiB, the possible_duplicates call's own seconds and how much it
raised the process's peak; medians and their ratio against the target (at most 50% more time, no higher
peak); then per reason the planted pairs found and the other pairs found.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

import bench_pairs
from bench_file import (
    CHECK_CHARS,
    WEIGHTS,
    clean_path,
    count_rows,
    planted_path,
    write_applications,
    write_clean_applications,
)
from bench_flag import timed_run

ENGINES = ["flag", "duckdb", "duckdb-staged", "polars", "dask"]
DEFAULT_ENGINES = ["flag", "duckdb", "duckdb-staged", "polars"]
WIDE = "０１２３４５６７８９Ｘｘ"
NARROW = "0123456789Xx"


def _province_codes() -> tuple[list[str], list[str]]:
    """(province codes a record may carry, two-digit prefixes an ID number may start with)."""
    from analysis import provinces

    return sorted(provinces.PROVINCES["code"]), sorted(provinces.ID_PREFIXES)


# ---------------------------------------------------------------- DuckDB


def duckdb_flags_sql(path: Path, out_csv: Path) -> str:
    """The contract's rules (documents aside) as one DuckDB statement writing the flags as CSV."""
    codes, prefixes = _province_codes()
    quoted = lambda values: ", ".join(f"'{v}'" for v in values)  # noqa: E731
    # Digit i of the 17-digit body, weighted: integer arithmetic on the body as a number is much faster
    # than 17 substrings.
    checksum = " + ".join(f"(n // {10 ** (16 - i)}) % 10 * {w}" for i, w in enumerate(WEIGHTS))
    normalized = (
        rf"upper(regexp_replace(translate(id_number, '{WIDE}', '{NARROW}'), '[\s\x{{3000}}\x{{A0}}]', '', 'g'))"
    )
    return rf"""
COPY (
WITH raw AS (
    SELECT
        nullif(trim(application_id), '') AS app,
        -- most numbers are already clean: normalize (full-width, spaces anywhere, upper case) only the others
        CASE WHEN regexp_full_match(id_number, '[0-9]{{17}}[0-9X]') THEN id_number ELSE {normalized} END AS t,
        nullif(trim(province), '') AS prov,
        applied_on,
        cancelled_on
    FROM read_parquet('{path}')
),
shaped AS (
    SELECT *,
        CASE WHEN regexp_full_match(t, '[0-9]{{17}}[0-9X]') THEN substr(t, 1, 17)
             WHEN regexp_full_match(t, '[0-9]{{15}}') THEN substr(t, 1, 6) || '19' || substr(t, 7, 9)
        END AS body
    FROM raw
),
keyed AS (
    SELECT *, body || substr('{CHECK_CHARS}', 1 + ({checksum}) % 11, 1) AS key
    FROM (SELECT *, CAST(body AS BIGINT) AS n FROM shaped)
),
dated AS (
    SELECT *, CAST(try_strptime(substr(key, 7, 8), '%Y%m%d') AS DATE) AS birth FROM keyed
),
shared AS (
    SELECT app FROM raw WHERE app IS NOT NULL GROUP BY app HAVING count(*) > 1
),
checked AS (
    SELECT app, applied_on, cancelled_on,
        CASE WHEN prov IN ({quoted(codes)}) THEN prov END AS prov,
        coalesce(
            key IS NULL
            OR (length(t) = 18 AND substr(t, 18, 1) <> substr(key, 18, 1))
            OR substr(key, 1, 2) NOT IN ({quoted(prefixes)})
            OR birth IS NULL
            OR birth < DATE '1900-01-01'
            OR coalesce(birth > applied_on, false),
            true) AS bad_id,
        app IS NULL
            OR app IN (SELECT app FROM shared)
            OR applied_on IS NULL
            OR coalesce(cancelled_on < applied_on, false)
            OR prov IS NULL
            OR prov NOT IN ({quoted(codes)}) AS bad_record,
        key
    FROM dated
),
usable AS (
    SELECT app, key, prov, applied_on, cancelled_on FROM checked WHERE NOT bad_id AND NOT bad_record
),
pairs AS (  -- a is earlier than b in the contract's order (applied_on, application_id), and live at b
    SELECT b.app AS b_app, a.app AS a_app, struct_pack(applied_on := a.applied_on, app := a.app) AS a_order,
        a.prov = b.prov AS same
    FROM usable b JOIN usable a ON a.key = b.key
    WHERE (a.applied_on < b.applied_on OR (a.applied_on = b.applied_on AND a.app < b.app))
        AND (a.cancelled_on IS NULL OR b.applied_on < a.cancelled_on)
),
conflicts AS (  -- the earliest such a, in another province and in the same one
    SELECT b_app,
        arg_min(a_app, a_order) FILTER (WHERE NOT same) AS other_app,
        arg_min(a_app, a_order) FILTER (WHERE same) AS same_app
    FROM pairs GROUP BY b_app
)
SELECT app AS application_id, 'invalid_record' AS flag, CASE WHEN NOT bad_id THEN key END AS person_key,
       prov AS province_code, NULL AS conflicts_with
FROM checked WHERE bad_record
UNION ALL
SELECT app, 'invalid_id', NULL, prov, NULL FROM checked WHERE bad_id
UNION ALL
SELECT o.b_app,
       CASE WHEN o.other_app IS NOT NULL THEN 'cross_province_conflict' ELSE 'duplicate_card' END,
       u.key, u.prov, coalesce(o.other_app, o.same_app)
FROM conflicts o JOIN usable u ON u.app = o.b_app
) TO '{out_csv}' (HEADER, DELIMITER ',')
"""


def run_duckdb(path: Path, out_dir: Path) -> None:
    """Run duckdb_flags_sql, writing out_dir/flags.csv."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(duckdb_flags_sql(path, out_dir / "flags.csv"))


def duckdb_staged_statements(path: Path, out_csv: Path) -> list[str]:
    """The same query in stages: each stage a table, so DuckDB can free what the next stage no longer needs
    (the leaner way to write it). Cut out of duckdb_flags_sql, so both run exactly the same SQL."""
    sql = duckdb_flags_sql(path, out_csv)
    body = sql[sql.index("WITH raw AS (") : sql.rindex(") TO '")]
    head, rest = body.split(",\nusable AS (", 1)
    usable, rest = rest.split("),\npairs AS (", 1)
    pairs, rest = rest.split("),\nconflicts AS (", 1)
    conflicts, final = rest.split("\n)\nSELECT app AS application_id", 1)
    return [
        f"CREATE TEMP TABLE checked AS {head}\nSELECT * FROM checked",
        f"CREATE TEMP TABLE usable AS {usable.strip()}",
        f"CREATE TEMP TABLE conflicts AS WITH pairs AS ({pairs}) {conflicts.strip()}",
        f"COPY (SELECT app AS application_id{final}) TO '{out_csv}' (HEADER, DELIMITER ',')",
    ]


def run_duckdb_staged(path: Path, out_dir: Path) -> None:
    """Run duckdb_staged_statements one after the other, writing out_dir/flags.csv."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for statement in duckdb_staged_statements(path, out_dir / "flags.csv"):
        con.execute(statement)


# ---------------------------------------------------------------- Polars


def polars_flags_query(path: Path):
    """The contract's rules (documents aside) as one lazy Polars query: application_id, flag, ..., conflicts_with."""
    import polars as pl

    codes, prefixes = _province_codes()
    c = pl.col
    text = c("id_number").str.replace_many(list(WIDE), list(NARROW)).str.replace_all(r"\s", "").str.to_uppercase()
    t = c("t")
    body = (
        pl.when(t.str.contains(r"^[0-9]{17}[0-9X]$"))
        .then(t.str.slice(0, 17))
        .when(t.str.contains(r"^[0-9]{15}$"))
        .then(t.str.slice(0, 6) + "19" + t.str.slice(6, 9))
    )
    number = c("body").cast(pl.Int64)  # 17 digits fit; digit i by integer arithmetic, faster than 17 slices
    checksum = pl.sum_horizontal([(number // 10 ** (16 - i)) % 10 * w for i, w in enumerate(WEIGHTS)])
    check = (checksum % 11).replace_strict(list(range(11)), list(CHECK_CHARS), return_dtype=pl.String)
    app = c("application_id").str.strip_chars()
    app = pl.when(app != "").then(app)
    prov = c("province").str.strip_chars()

    checked = (
        pl.scan_parquet(path)
        .select(app.alias("app"), text.alias("t"), prov.alias("prov_text"), "applied_on", "cancelled_on")
        .with_columns(body.alias("body"))
        .with_columns((c("body") + check).alias("key"))
        # strict=False: a birth date that is no date (19670230) is null, and the rules make it invalid_id
        .with_columns(c("key").str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias("birth"))
        .with_columns(
            pl.when(c("prov_text").is_in(codes)).then(c("prov_text")).alias("prov"),
            (
                c("key").is_null()
                | ((c("t").str.len_chars() == 18) & (c("t").str.slice(17, 1) != c("key").str.slice(17, 1)))
                | ~c("key").str.slice(0, 2).is_in(prefixes)
                | c("birth").is_null()
                | (c("birth") < pl.date(1900, 1, 1))
                | (c("birth") > c("applied_on")).fill_null(False)
            )
            .fill_null(True)
            .alias("bad_id"),
            (
                c("app").is_null()
                | (pl.len().over("app") > 1) & c("app").is_not_null()
                | c("applied_on").is_null()
                | (c("cancelled_on") < c("applied_on")).fill_null(False)
                | ~c("prov_text").is_in(codes).fill_null(False)
            ).alias("bad_record"),
        )
    )
    usable = checked.filter(~c("bad_id") & ~c("bad_record")).select("app", "key", "prov", "applied_on", "cancelled_on")
    # a is earlier than b in the contract's order (applied_on, application_id), and live at b.
    pairs = (
        usable.join(usable, on="key", suffix="_a")
        .filter(
            ((c("applied_on_a") < c("applied_on")) | ((c("applied_on_a") == c("applied_on")) & (c("app_a") < c("app"))))
            & (c("cancelled_on_a").is_null() | (c("applied_on") < c("cancelled_on_a")))
        )
        .sort("applied_on_a", "app_a")
    )
    # The earliest such a (rows keep their order within a group), in another province and in the same one.
    overlaps = pairs.group_by("app").agg(
        c("app_a").filter(c("prov_a") != c("prov")).first().alias("other_app"),
        c("app_a").filter(c("prov_a") == c("prov")).first().alias("same_app"),
        c("key").first(),
        c("prov").first(),
    )
    none = pl.lit(None, dtype=pl.String)
    return pl.concat(
        [
            checked.filter("bad_record").select(
                c("app").alias("application_id"),
                pl.lit("invalid_record").alias("flag"),
                pl.when(~c("bad_id")).then(c("key")).alias("person_key"),
                c("prov").alias("province_code"),
                none.alias("conflicts_with"),
            ),
            checked.filter("bad_id").select(
                c("app").alias("application_id"),
                pl.lit("invalid_id").alias("flag"),
                none.alias("person_key"),
                c("prov").alias("province_code"),
                none.alias("conflicts_with"),
            ),
            overlaps.select(
                c("app").alias("application_id"),
                pl.when(c("other_app").is_not_null())
                .then(pl.lit("cross_province_conflict"))
                .otherwise(pl.lit("duplicate_card"))
                .alias("flag"),
                c("key").alias("person_key"),
                c("prov").alias("province_code"),
                pl.coalesce("other_app", "same_app").alias("conflicts_with"),
            ),
        ]
    )


def run_polars(path: Path, out_dir: Path) -> None:
    """Run polars_flags_query, writing out_dir/flags.csv."""
    polars_flags_query(path).sink_csv(out_dir / "flags.csv")


def run_dask(path: Path, out_dir: Path) -> None:
    """analysis.engines.dask.flag_with_dask on a local cluster (workers' memory limit: $BENCH_WORKER_MEMORY, set
    by --worker-memory)."""
    from analysis.engines.dask import flag_with_dask

    flag_with_dask(path, out_dir, progress=False, worker_memory=os.environ.get("BENCH_WORKER_MEMORY") or None)


RUNNERS = {"duckdb": run_duckdb, "duckdb-staged": run_duckdb_staged, "polars": run_polars, "dask": run_dask}


# ---------------------------------------------------------------- runs and checks


def timed_tree_run(argv: list[str]) -> tuple[float, float, int]:
    """Run a command that starts child processes: (wall seconds, the largest peak of any one process of the
    tree in MiB, exit code); the tree's summed peak is printed on stderr. Resident memory sampled every 0.1 s."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, peaks = 0, {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        rss = p.memory_info().rss
                        total += rss
                        peaks[p.pid] = max(peaks.get(p.pid, 0), rss)
            except psutil.Error:
                break
            peak = max(peak, total)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    largest = sorted(peaks.values(), reverse=True)
    print(
        f"  (dask: all processes together {peak / 2**20:,.0f} MiB at the peak; the largest ones "
        + ", ".join(f"{v / 2**20:,.0f}" for v in largest[:3])
        + " MiB)",
        file=sys.stderr,
        flush=True,
    )
    return time.perf_counter() - start, (largest[0] if largest else 0) / 2**20, code


def run_engine(engine: str, path: Path, out_dir: Path) -> tuple[float, float, int]:
    """Run one engine in a fresh process writing out_dir/flags.csv; return (seconds, peak MiB, exit code)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "flags.csv").unlink(missing_ok=True)
    (out_dir / "error.txt").unlink(missing_ok=True)
    if engine == "flag":
        return timed_run([sys.executable, "-m", "analysis", "flag", str(path), "--out", str(out_dir)])
    argv = [sys.executable, str(Path(__file__).resolve()), "--run-engine", engine, str(path), str(out_dir)]
    return (timed_tree_run if engine == "dask" else timed_run)(argv)


def flag_multiset(out_dir: Path):
    """(application_id, flag, conflicts_with) -> count, from out_dir/flags.csv."""
    import pandas as pd

    frame = pd.read_csv(
        out_dir / "flags.csv",
        usecols=["application_id", "flag", "conflicts_with"],
        encoding="utf-8-sig",  # flag's flags.csv starts with a byte-order mark; DuckDB's and Polars' do not
        dtype=str,
        keep_default_na=False,
        na_filter=False,
    )
    return frame.value_counts().rename("n")


def mismatches(left, right) -> int:
    """Rows in one multiset and not the other (counted with multiplicity)."""
    import pandas as pd

    joined = pd.concat([left.rename("n_l"), right.rename("n_r")], axis=1).fillna(0)
    return int((joined["n_l"] - joined["n_r"]).abs().sum())


def _child(engine: str, path: Path, out_dir: Path) -> int:
    try:
        RUNNERS[engine](path, out_dir)
    except Exception:
        (out_dir / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        return 1
    return 0


def _prepare(rows: int, path: Path, names: bool) -> int:
    """Write the file unless it exists with `rows` rows (run in a child process, see main)."""
    if path.name.startswith("engines-clean-"):
        if not path.exists() or count_rows(path) != rows:
            write_clean_applications(rows, path)
        return 0
    if not path.exists() or count_rows(path) != rows or (names and not planted_path(path).exists()):
        write_applications(rows, path, names=names)
    return 0


def _compare(outs: list[Path], planted: Path | None) -> int:
    """Print the mismatches of every output against the first (run in a child process, see main)."""
    import pandas as pd

    left_out = set()
    if planted:  # `flag` reads a foreign_pr number by its form; the SQL and Polars rules check citizen numbers only
        permits = pd.read_csv(planted, dtype=str).query("reason == 'renewed_permit'")
        left_out = set(permits["application_id_a"]) | set(permits["application_id_b"])
        print(f"  leaving out the {len(left_out):,} planted foreign_pr applications (invalid_id to DuckDB and Polars)")

    def flags(out: Path):
        found = flag_multiset(out)
        return found[~found.index.get_level_values("application_id").isin(left_out)]

    ref = flags(outs[0])
    engine = lambda out: out.name[len("out-") :].rsplit("-", 1)[0].removesuffix("-clean")  # noqa: E731  (out-ENGINE[-clean]-ROWS)
    for out in outs[1:]:
        print(
            f"  {engine(out)} vs {engine(outs[0])}: {mismatches(ref, flags(out))} mismatched "
            f"(application_id, flag, conflicts_with) of {int(ref.sum()):,} flags",
            flush=True,
        )
    return 0


def _self(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=DEFAULT_ENGINES)
    parser.add_argument("--only", choices=ENGINES, help="run this one engine (e.g. --only flag for the 100M run)")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the generated files and outputs in")
    parser.add_argument("--names", action="store_true", help="the file with names and planted possible duplicates")
    parser.add_argument("--clean", action="store_true", help="the clean-number file as well, after the messy one")
    parser.add_argument("--clean-only", action="store_true", help="the clean-number file only")
    parser.add_argument(
        "--matching", action="store_true", help="flag with and without possible duplicates on the file with names"
    )
    parser.add_argument("--rounds", type=int, default=3, help="--matching: runs of each (default 3)")
    parser.add_argument("--worker-memory", help="dask: each local worker's memory limit, e.g. 6GB (default Dask's)")
    parser.add_argument(
        "--engine-rounds", type=int, default=1, help="runs of each engine, alternated, and their medians (default 1)"
    )
    parser.add_argument("--run-engine", nargs=3, metavar=("ENGINE", "FILE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--run-flag", nargs=3, metavar=("MODE", "FILE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", nargs=2, metavar=("ROWS", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--compare", nargs="+", type=Path, metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--planted", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pairs", nargs=2, type=Path, metavar=("OUT", "PLANTED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_memory:  # (the engine runs in a child process: it reads the limit from its environment)
        os.environ["BENCH_WORKER_MEMORY"] = args.worker_memory
    if args.run_engine:
        engine, file, out = args.run_engine
        return _child(engine, Path(file), Path(out))
    if args.run_flag:
        return bench_pairs.flag_child(args.run_flag[0], Path(args.run_flag[1]), Path(args.run_flag[2]))
    if args.prepare:
        return _prepare(int(args.prepare[0]), Path(args.prepare[1]), args.names)
    if args.compare:
        return _compare(args.compare, args.planted)
    if args.pairs:
        return bench_pairs.found_vs_planted(*args.pairs)

    # This process stays small (no pandas, no Arrow): a child's peak from wait4 includes the
    # high-water mark of the process that started it, so generating or comparing here would
    # inflate every figure. Generating and comparing run in child processes of their own.
    engines = [args.only] if args.only else args.engines
    names = args.names or args.matching
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-engines-"))
    folder.mkdir(parents=True, exist_ok=True)
    outs = folder / "names" if names else folder  # outputs of the two files apart
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}"
    )
    print(f"files and outputs in {folder}")
    print(f"{'engine':<13} {'rows':>13} {'seconds':>9} {'peak MiB':>10}", flush=True)
    kinds = ["clean"] if args.clean_only else ["messy", "clean"] if args.clean else ["messy"]
    if names and kinds != ["messy"]:
        parser.error("--clean and --clean-only: not with --names or --matching (the clean file has no names)")
    results: dict[tuple[str, int], dict[str, tuple[float, float]]] = {}
    for rows, kind in [(rows, kind) for rows in args.rows for kind in kinds]:
        clean = kind == "clean"
        path = clean_path(rows, folder) if clean else folder / f"engines-{'names-' if names else ''}{rows}.parquet"
        existed = path.exists()
        prepare = _self("--prepare", str(rows), str(path), *(["--names"] if names else []))
        seconds, peak, code = timed_run(prepare)
        if code != 0:
            print(f"{'(file)':<13} {rows:>13,} failed (exit code {code}); to see why, run: {' '.join(prepare)}")
            return 1
        if len(kinds) > 1 or clean:
            print(f"{kind} file: {path.name}", flush=True)
        if not existed or seconds > 5:  # written (or rewritten: wrong size)
            print(f"{'(write)':<13} {rows:>13,} {seconds:>9.1f} {peak:>10,.0f}", flush=True)
        if args.matching:
            print(f"flag with and without possible duplicates, {rows:,} rows:", flush=True)
            if bench_pairs.run(path, planted_path(path), outs, args.rounds, _self, rows):
                return 1
            continue
        done, figures = [], {}
        for round_ in range(1 if args.matching else args.engine_rounds):  # alternated: noise spreads over all
            for engine in engines:
                if engine in figures and figures[engine] is None:
                    continue  # failed once
                out = outs / f"out-{engine}-{'clean-' if clean else ''}{rows}"
                seconds, peak, code = run_engine(engine, path, out)
                if code != 0:
                    error = out / "error.txt"
                    why = error.read_text(encoding="utf-8").strip().splitlines()[-1] if error.exists() else ""
                    print(f"{engine:<13} {rows:>13,} failed (exit code {code}) {why}", flush=True)
                    figures[engine] = None
                    continue
                label = f"{engine}{f' #{round_ + 1}' if args.engine_rounds > 1 else ''}"
                print(f"{label:<13} {rows:>13,} {seconds:>9.1f} {peak:>10,.0f}", flush=True)
                figures.setdefault(engine, []).append((seconds, peak))
                if round_ == 0:
                    done.append(out)
        medians = {
            engine: tuple(statistics.median(v) for v in zip(*runs, strict=True))
            for engine, runs in figures.items()
            if runs
        }
        if args.engine_rounds > 1:
            print(f"medians of {args.engine_rounds} ({kind} file, {rows:,} rows):", flush=True)
            for engine, (seconds, peak) in medians.items():
                print(f"{engine:<13} {rows:>13,} {seconds:>9.1f} {peak:>10,.0f}", flush=True)
        results[kind, rows] = medians
        print_targets(medians, kind, rows)
        if len(done) > 1:
            planted = ["--planted", str(planted_path(path))] if names else []
            subprocess.run(_self("--compare", *map(str, done), *planted), check=False)
    print_scaling(results)
    return 0


# The targets of the engines (README, "Large files"): flag against its peers in one side-by-side run, the
# 100M-row peak, and how time grows from 1M to 10M rows.
FASTEST_PEER = 0.7  # flag's seconds at most this times the fastest peer's
LEANEST_PEER = 1.0  # flag's peak at most the leanest peer's
PEAK_100M_MIB = 12 * 1024  # flag's peak on 100M rows
DASK_TIME = 1.3  # the Dask engine's seconds at most this times flag's (2 local workers)
DASK_PEAK = 0.5  # the Dask engine's largest process's peak at most this times flag's peak
SCALING = 10  # flag's seconds on 10M rows at most this times its seconds on 1M


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_targets(medians: dict[str, tuple[float, float]], kind: str, rows: int) -> None:
    """flag against the fastest and the leanest peer (DuckDB and Polars), and the 100M-row peak."""
    if "flag" not in medians:
        return
    seconds, peak = medians["flag"]
    peers = {e: v for e, v in medians.items() if e in ("duckdb", "duckdb-staged", "polars")}
    if peers:
        fastest = min(peers, key=lambda e: peers[e][0])
        leanest = min(peers, key=lambda e: peers[e][1])
        time_ratio, peak_ratio = seconds / peers[fastest][0], peak / peers[leanest][1]
        print(
            f"  target, {kind} file: flag {time_ratio:.2f}x the time of the fastest peer ({fastest}; at most "
            f"{FASTEST_PEER}x): {_verdict(time_ratio <= FASTEST_PEER)}; {peak_ratio:.2f}x the peak of the leanest "
            f"({leanest}; at most {LEANEST_PEER}x): {_verdict(peak_ratio <= LEANEST_PEER)}",
            flush=True,
        )
    if "dask" in medians:
        dask_seconds, dask_peak = medians["dask"]
        print(
            f"  target, {kind} file: dask {dask_seconds / seconds:.2f}x the time of flag (at most {DASK_TIME}x): "
            f"{_verdict(dask_seconds <= DASK_TIME * seconds)}; its largest process {dask_peak / peak:.2f}x flag's "
            f"peak (at most {DASK_PEAK}x): {_verdict(dask_peak <= DASK_PEAK * peak)}",
            flush=True,
        )
    if rows >= 100_000_000:
        print(
            f"  target, {kind} file: flag's peak {peak:,.0f} MiB on {rows:,} rows (at most {PEAK_100M_MIB:,}): "
            f"{_verdict(peak <= PEAK_100M_MIB)}",
            flush=True,
        )


def print_scaling(results: dict[tuple[str, int], dict[str, tuple[float, float]]]) -> None:
    """flag's time on 10M rows against 1M rows, per file kind measured at both."""
    for kind in sorted({k for k, _ in results}):
        small, large = results.get((kind, 1_000_000), {}), results.get((kind, 10_000_000), {})
        if "flag" in small and "flag" in large:
            ratio = large["flag"][0] / small["flag"][0]
            print(
                f"  target, {kind} file: flag {ratio:.1f}x the time from 1M to 10M rows (at most {SCALING}x): "
                f"{_verdict(ratio <= SCALING)}",
                flush=True,
            )


if __name__ == "__main__":
    sys.exit(main())
