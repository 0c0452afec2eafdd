"""Command line: `python -m analysis flag INPUT --out DIR`, `sample`, `report`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import config


def _flag(args: argparse.Namespace) -> int:
    from .export import write_outputs
    from .records import load_applications
    from .rules import flag_applications

    records = load_applications(args.input)
    flags = flag_applications(records.frame, check_documents=records.report.documents_checked)
    result = write_outputs(args.out, records.report, flags)
    if args.workbook:
        from .workbook import write_workbook

        write_workbook(args.workbook, records.frame, flags, masked=args.mask_workbook)
    counts = ", ".join(f"{k} {result[k]}" for k in ("invalid_record", "invalid_id", "duplicate_card",
                                                    "cross_province_conflict", "incomplete_documents"))
    print(f"{result['rows_read']} rows read, {result['rows_clean']} clean; {counts}; {result['cases']} cases -> {args.out}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    paths = write_sample(args.out, seed=args.seed, persons=args.persons)
    for p in paths:
        print(config.display_path(p))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import build_report

    build_report(args.input, args.out)
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
    p.set_defaults(run=_flag)

    p = sub.add_parser("sample", help="write the seeded synthetic sample and its expected flags")
    p.add_argument("--out", default=str(config.SAMPLE_DIR), help="output folder (default: data/sample)")
    p.add_argument("--seed", type=int, default=20261127)
    p.add_argument("--persons", type=int, default=18000, help="background persons (default 18000)")
    p.set_defaults(run=_sample)

    p = sub.add_parser("report", help="run the notebooks on a file and render HTML reports")
    p.add_argument("input", nargs="?", default=str(config.SAMPLE_APPLICATIONS))
    p.add_argument("--out", default=str(config.REPORTS_DIR))
    p.set_defaults(run=_report)

    args = parser.parse_args(argv)
    from .records import LoadError

    try:
        return args.run(args)
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
