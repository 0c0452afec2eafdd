"""Command line: `python -m analysis flag INPUT --out DIR`, `sample`, `report`.

Each command imports what it needs when it runs: pandas, Dask and papermill take seconds to import, and
`--help` or a one-line error should not wait for them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config


def _flag(args: argparse.Namespace) -> int:
    from ._fast.memory import release_memory
    from .contract import LoadError
    from .export import write_outputs
    from .load import load_applications
    from .rules import flag_loaded

    if args.engine == "dask" or args.scheduler:
        if args.workbook:
            raise LoadError("--workbook is written by the pandas engine only; run without --engine dask for it")
        from .engines.dask import flag_with_dask

        result = flag_with_dask(args.input, args.out, scheduler=args.scheduler)
        _print_summary(result, args.out)
        return 0
    from tqdm.auto import tqdm

    with tqdm(total=3, desc="flag", unit="step", file=sys.stderr, disable=not sys.stderr.isatty(), leave=False) as bar:
        loaded = load_applications(args.input, display=bool(args.workbook))  # the workbook shows names
        bar.update()
        flags = flag_loaded(loaded)
        bar.update()
        if not args.workbook:  # the records are done with: free them before the flags are written
            loaded.frame = None
            release_memory()
        result = write_outputs(args.out, loaded.report, flags)
        bar.update()
    if args.workbook:
        from .workbook import write_workbook

        write_workbook(args.workbook, loaded.frame, flags, masked=args.mask_workbook)
    _print_summary(result, args.out)
    return 0


def _print_summary(result: dict, out: str) -> None:
    from .contract import FLAGS

    counts = ", ".join(f"{k} {result[k]}" for k in FLAGS)
    print(f"{result['rows_read']} rows read, {result['rows_clean']} clean; {counts}; {result['cases']} cases -> {out}")


def _sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    paths = write_sample(args.out, seed=args.seed, persons=args.persons)
    for p in paths:
        print(config.display_path(p))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import build_report

    build_report(args.input, args.out, ledger=args.ledger)
    print(f"report written: {Path(args.out) / 'index.html'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command; user errors become one line on stderr and exit 2."""
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("flag", help="flag applications in a CSV/.xlsx/Parquet file")
    p.add_argument("input", help="application records (.csv, .xlsx, .parquet)")
    p.add_argument("--out", required=True, help="output folder for flags.csv and summary.json")
    p.add_argument("--workbook", metavar="FILE.xlsx", help="also write the case workbook (full ID numbers)")
    p.add_argument("--mask-workbook", action="store_true", help="mask ID numbers and names in the workbook too")
    p.add_argument(
        "--engine",
        choices=["pandas", "dask"],
        default="pandas",
        help="pandas (one machine, default) or dask (partitioned Parquet, a local or remote cluster)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(implies --engine dask; default: a local cluster of 2 workers)",
    )
    p.set_defaults(run=_flag)

    p = sub.add_parser("sample", help="write the seeded synthetic sample and its expected flags")
    p.add_argument("--out", default=str(config.SAMPLE_DIR), help="output folder (default: data/sample)")
    p.add_argument("--seed", type=int, default=config.SAMPLE_SEED)
    p.add_argument(
        "--persons",
        type=int,
        default=config.SAMPLE_PERSONS,
        help=f"background persons (default {config.SAMPLE_PERSONS})",
    )
    p.set_defaults(run=_sample)

    p = sub.add_parser("report", help="run the notebooks on a file and render HTML reports")
    p.add_argument("input", nargs="?", default=str(config.SAMPLE_APPLICATIONS))
    p.add_argument("--out", default=str(config.REPORTS_DIR))
    p.add_argument(
        "--ledger",
        metavar="FILE",
        help="a fund ledger (.csv/.xlsx) for notebook 04; default: the bundled published figures",
    )
    p.set_defaults(run=_report)

    args = parser.parse_args(argv)
    if getattr(args, "mask_workbook", False) and not args.workbook:
        parser.error("--mask-workbook needs --workbook FILE.xlsx")
    book = Path(args.workbook) if getattr(args, "workbook", None) else None
    if book and (book.suffix.lower() != ".xlsx" or book.is_dir()):
        parser.error(f"--workbook needs a file name ending in .xlsx, got '{args.workbook}'")
    if getattr(args, "persons", 1) < 1:
        parser.error("--persons must be at least 1")
    from .contract import LoadError

    def say(message: str) -> None:
        print("error: " + " ".join(str(message).splitlines()), file=sys.stderr)  # always one line

    try:
        if book and book.exists():
            book.open("r+b").close()  # a workbook open in Excel fails here, before anything is written
        return args.run(args)
    except LoadError as exc:
        say(str(exc))
        return 2
    except OSError as exc:
        say(f"{exc.filename}: {exc.strerror or exc}" if exc.filename else f"{exc.strerror or exc}")
        return 2
    except Exception as exc:  # a bug, not the user's doing: one line and exit 3; ANALYSIS_DEBUG=1 shows the traceback
        if os.environ.get("ANALYSIS_DEBUG"):
            raise
        if hasattr(exc, "ename"):  # papermill: a report notebook raised; name the error inside it
            what = f"a report notebook failed on this file ({exc.ename}: {str(exc.evalue)[:200]})"
        else:
            what = f"unexpected {type(exc).__name__} ({str(exc)[:200]})"
        say(f"{what}; this is a bug in the tool, please report it (run again with ANALYSIS_DEBUG=1 for the details)")
        return 3


if __name__ == "__main__":
    sys.exit(main())
