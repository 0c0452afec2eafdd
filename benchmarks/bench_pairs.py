"""`bench_engines.py --matching`: what possible duplicates add to `flag` (bench_engines.py describes the mode).

`flag` runs in a child process of this script, with matching and without: without, analysis.matching's
possible_duplicates is replaced by one that finds nothing before the command line runs (the flag command imports
it when it runs), so both runs read, normalize and flag the same file the same way. The planted pairs are then
looked up in possible_duplicates.csv by their application ids (the keys there are masked).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_file import PLANTED_COLUMNS
from bench_flag import timed_run

TIME_LIMIT = 1.5  # flag with possible duplicates takes at most 50% longer than without
MODES = ["with", "without"]


def flag_child(mode: str, path: Path, out: Path) -> int:
    """Run `python -m analysis flag path --out out` in this process, with possible duplicates or without; write
    how long the call took and the process's peak memory before and after it to note_path(out)."""
    import pandas as pd

    from analysis import __main__ as cli
    from analysis import matching

    def nothing(records: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in matching.COLUMNS})

    call = matching.possible_duplicates if mode == "with" else nothing

    def measured(records: pd.DataFrame) -> pd.DataFrame:
        before, start = _peak_mib(), time.perf_counter()
        pairs = call(records)
        note = {"seconds": time.perf_counter() - start, "peak_before": before, "peak_after": _peak_mib()}
        note_path(out).write_text(json.dumps(note), encoding="utf-8")
        return pairs

    matching.possible_duplicates = measured  # the flag command imports it when it runs
    return cli.main(["flag", str(path), "--out", str(out)])


def note_path(out: Path) -> Path:
    """Beside the output folder, not in it: the flag command lists what it wrote there."""
    return out.with_name(out.name + ".matching.json")


def _peak_mib() -> float:
    """The process's peak resident memory so far (the figure wait4 reports at its end)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def found_vs_planted(out: Path, planted_csv: Path) -> int:
    """Print, per reason, the pairs planted, how many of them possible_duplicates.csv has, and its other pairs."""
    import pandas as pd

    pairs = pd.read_csv(out / "possible_duplicates.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    planted = pd.read_csv(planted_csv, dtype=str, keep_default_na=False)[PLANTED_COLUMNS]
    sides = [
        pairs[["reason", f"application_ids_{s}"]]
        .reset_index(names="pair")
        .assign(app=lambda f, s=s: f[f"application_ids_{s}"].str.split(" "), side=s)
        .explode("app")[["pair", "reason", "side", "app"]]
        for s in "ab"
    ]
    apps = pd.concat(sides, ignore_index=True)
    planted = planted.reset_index(names="planted")
    ends = [
        planted.merge(apps, left_on=["reason", f"application_id_{s}"], right_on=["reason", "app"])
        for s in "ab"  # where each end of a planted pair shows up
    ]
    both = ends[0].merge(ends[1], on=["planted", "pair"], suffixes=("_1", "_2"))
    both = both[both["side_1"] != both["side_2"]]  # one end on each side of one pair
    planted["found"] = planted["planted"].isin(both["planted"])
    pairs["planted"] = pairs.index.isin(both["pair"])
    print(f"  {'reason':<28} {'planted':>8} {'found':>8} {'other pairs found':>18}")
    groups = [(r, planted["reason"] == r) for r in ["id_typo", "changed_number", "renewed_permit"]]
    groups[2:2] = [(f"changed_number: {p}", planted["part"] == p) for p in ["region", "birth", "sequence"]]
    for label, rows in groups:
        mine = planted[rows.to_numpy()]
        reason = label.split(":")[0]
        extra = "" if ":" in label else f"{int(((pairs['reason'] == reason) & ~pairs['planted']).sum()):>18,}"
        print(f"  {label:<28} {len(mine):>8,} {int(mine['found'].sum()):>8,} {extra}")
    missed = planted[~planted["found"]]
    if len(missed):
        print(f"  not found: {missed.head(5).to_dict('records')}")
    return 0


def run(path: Path, planted: Path, folder: Path, rounds: int, child: Callable[..., list[str]], rows: int) -> int:
    """`flag` on path with and without possible duplicates, alternating (the order swapped every round): a row
    of seconds and peak MiB per round, their medians and ratios; then the pairs found against those planted."""
    runs: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    inside: list[dict] = []  # the possible_duplicates call of each run with them
    print(
        f"  {'round':<7} {'with s':>8} {'with MiB':>9} {'without s':>10} {'without MiB':>12} "
        f"{'matching s':>11} {'peak raised by matching MiB':>28}",
        flush=True,
    )
    for r in range(rounds):
        for mode in MODES if r % 2 == 0 else MODES[::-1]:  # alternating: drift and a busy neighbour hit both
            out = folder / f"out-matching-{mode}-{rows}"
            note_path(out).unlink(missing_ok=True)
            argv = child("--run-flag", mode, str(path), str(out))
            seconds, peak, code = timed_run(argv)
            if code != 0 or not note_path(out).exists():
                print(f"  flag {mode} possible duplicates failed (exit code {code}); to see why, run: {' '.join(argv)}")
                return 1
            runs[mode].append((seconds, peak))
            if mode == "with":
                inside.append(json.loads(note_path(out).read_text(encoding="utf-8")))
        (ws, wp), (ns, np_), note = runs["with"][-1], runs["without"][-1], inside[-1]
        raised = note["peak_after"] - note["peak_before"]
        print(
            f"  {r + 1:<7} {ws:>8.1f} {wp:>9,.0f} {ns:>10.1f} {np_:>12,.0f} {note['seconds']:>11.1f} {raised:>28,.0f}",
            flush=True,
        )
    med = {m: [statistics.median(v[i] for v in runs[m]) for i in (0, 1)] for m in MODES}
    (ws, wp), (ns, np_) = med["with"], med["without"]
    raised = max(n["peak_after"] - n["peak_before"] for n in inside)
    print(
        f"  {'median':<7} {ws:>8.1f} {wp:>9,.0f} {ns:>10.1f} {np_:>12,.0f} "
        f"{statistics.median(n['seconds'] for n in inside):>11.1f}"
    )
    print(
        f"  with/without: time x{ws / ns:.2f} (possible duplicates add {ws / ns - 1:.0%}; target at most "
        f"{TIME_LIMIT - 1:.0%}); peak {wp - np_:+,.0f} MiB (medians), and the possible_duplicates call raised the "
        f"process's peak by at most {raised:,.0f} MiB (target: 0, the peak is the loading's)",
        flush=True,
    )
    code = subprocess.run(
        child("--pairs", str(folder / f"out-matching-with-{rows}"), str(planted)), check=False
    ).returncode
    met = ws / ns <= TIME_LIMIT and raised <= 0
    print(f"  target {'met' if met else 'NOT met'}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit("run bench_engines.py --matching")
