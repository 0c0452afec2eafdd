"""Time `python -m analysis flag` end to end on generated records; print records per second and peak memory.

    .venv/bin/python benchmarks/bench_flag.py [--rows 1000000 10000000] [--format parquet|csv] [--keep DIR]

Records come from the sample generator (same templates and planted faults as data/sample), written once
per size into a temporary folder (or --keep DIR, reused when present). Each `flag` run is a fresh process;
its peak resident memory comes from the operating system (wait4 rusage). No assertions: figures only.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(rows: int, path: Path, fmt: str) -> float:
    """Write about `rows` generated applications to path; return seconds taken."""
    from analysis.sample import generate as make

    start = time.perf_counter()
    frame, _ = make(persons=max(1, int(rows / 1.109)), seed=1)
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8")
    return time.perf_counter() - start


def timed_run(argv: list[str]) -> tuple[float, float, int]:
    """Run a command; return (wall seconds, peak RSS in MiB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.stdout.close()
    proc.stderr.close()
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def count_rows(path: Path, fmt: str) -> int:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with path.open("rb") as fh:
        return sum(1 for _ in fh) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the generated files in")
    parser.add_argument("--write", nargs=2, metavar=("ROWS", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        generate(int(args.write[0]), Path(args.write[1]), args.format)
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}"
    )
    print(f"{'rows':>12} {'generate s':>11} {'flag s':>8} {'rows/s':>12} {'peak MiB':>9}")
    for rows in args.rows:
        path = folder / f"applications-{rows}.{args.format}"
        made = float("nan")
        if not path.exists():  # in a child: the parent's peak memory would show in every wait4 figure
            made, _, _ = timed_run([sys.executable, __file__, "--write", str(rows), str(path), "--format", args.format])
        n = count_rows(path, args.format)
        out = folder / f"out-{rows}"
        seconds, peak, code = timed_run([sys.executable, "-m", "analysis", "flag", str(path), "--out", str(out)])
        if code != 0:
            print(f"{n:>12,} flag failed with exit code {code}")
            continue
        print(f"{n:>12,} {made:>11.1f} {seconds:>8.1f} {n / seconds:>12,.0f} {peak:>9,.0f}", flush=True)


if __name__ == "__main__":
    main()
