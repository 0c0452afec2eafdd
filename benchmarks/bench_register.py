"""Time what recording a run in the case register adds to `flag` (target: at most 20% of flag's time).

    .venv/bin/python benchmarks/bench_register.py FILE [--previous OTHER] [--rounds 3] [--keep DIR]

`flag FILE` alone and `flag FILE --register DB` run in turn, each in a fresh process, the order swapped every
round (drift and a busy neighbour hit both); seconds are wall time, peak MiB the process's maximum resident
memory (wait4). DB is, each round, a fresh copy of a register that already holds one run of OTHER when
--previous is given (the run then finds its open, gone and back cases against a previous run, as in the monthly
routine), or a new register. FILE: e.g. the benchmark's 10M-row Parquet file (bench_engines.py --keep DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_flag import timed_run

TIME_LIMIT = 1.2  # recording the run's cases adds at most 20% to flag's time
MODES = ["flag", "flag --register"]


def _flag(path: Path, out: Path, register: Path | None = None) -> list[str]:
    argv = [sys.executable, "-m", "analysis", "flag", str(path), "--out", str(out)]
    return argv + (["--register", str(register)] if register else [])


def _base_register(folder: Path, previous: Path | None) -> Path | None:
    """A register holding one run of `previous` (None without one); the key file beside it."""
    if previous is None:
        return None
    base = folder / "base.duckdb"
    if not base.exists():
        seconds, _, code = timed_run(_flag(previous, folder / "out-base", base))
        if code != 0:
            sys.exit(f"flag {previous} --register failed (exit code {code})")
        print(f"  the previous run ({previous.name}) recorded in {seconds:.1f} s", flush=True)
    return base


def _fresh_copy(base: Path | None, folder: Path, r: int) -> Path:
    """This round's register: a copy of the base register and its key, or a path where a new one is made."""
    db = folder / f"round-{r}.duckdb"
    for path in (db, Path(f"{db}.key"), Path(f"{db}.wal")):
        path.unlink(missing_ok=True)
    if base is not None:
        shutil.copyfile(base, db)
        shutil.copyfile(f"{base}.key", f"{db}.key")
        os.chmod(f"{db}.key", 0o600)
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, help="the applications to flag (the 10M-row benchmark Parquet file)")
    parser.add_argument("--previous", type=Path, help="a file whose run the register holds before each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="a folder for the outputs and registers (default: temporary)")
    args = parser.parse_args()
    os.environ.pop("ANALYSIS_REGISTER_KEY", None)  # the registers here keep their key in a file beside them
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-register-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {args.file.name}")
    base = _base_register(folder, args.previous)
    runs: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    print(f"  {'round':<7} {'flag s':>8} {'flag MiB':>9} {'+register s':>12} {'+register MiB':>14}", flush=True)
    for r in range(args.rounds):
        for mode in MODES if r % 2 == 0 else MODES[::-1]:
            register = _fresh_copy(base, folder, r) if mode != "flag" else None
            seconds, peak, code = timed_run(_flag(args.file, folder / f"out-{r}-{len(mode)}", register))
            if code != 0:
                print(f"  {mode} failed (exit code {code})")
                return 1
            runs[mode].append((seconds, peak))
        (fs, fp), (rs, rp) = runs["flag"][-1], runs["flag --register"][-1]
        print(f"  {r + 1:<7} {fs:>8.1f} {fp:>9,.0f} {rs:>12.1f} {rp:>14,.0f}", flush=True)
    (fs, fp), (rs, rp) = ([statistics.median(v[i] for v in runs[m]) for i in (0, 1)] for m in MODES)
    print(f"  {'median':<7} {fs:>8.1f} {fp:>9,.0f} {rs:>12.1f} {rp:>14,.0f}")
    summary = json.loads((folder / f"out-{args.rounds - 1}-{len(MODES[1])}" / "summary.json").read_text())
    print(f"  register states of the last round: {summary['register']}")
    met = rs / fs <= TIME_LIMIT
    print(
        f"  with/without: time x{rs / fs:.2f} (recording adds {rs / fs - 1:.0%}; target at most "
        f"{TIME_LIMIT - 1:.0%}); peak {rp - fp:+,.0f} MiB. target {'met' if met else 'NOT met'}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
