"""Command line: `python -m analysis flag INPUT --out DIR`, `report`, `sample`, `clean --out DIR`.

Each command imports what it needs when it runs: pandas, Dask and papermill take seconds to import, and
`--help` or a one-line error should not wait for them. Every line a person reads is Chinese first, then
English (analysis/messages.py). `flag` and `report` list the files they wrote into --out in a manifest
there (MANIFEST); `clean` removes exactly those, and nothing an analyst put into the folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
from pathlib import Path, PurePosixPath

from . import config, messages, outcomes

MANIFEST = ".analysis-files.json"  # in --out: the files flag/report wrote there, for `clean`


class Refused(Exception):
    """A refusal of `clean` (which runs without pandas, so without contract.LoadError): one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with its one-line errors Chinese first (the usage line stays as argparse prints it)."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, messages.error_line(message, prefix=f"{self.prog}: error: ") + "\n")


def _step(text: str, show: bool) -> None:
    """One progress line on stderr, for a person at a terminal (quiet otherwise: stderr stays empty)."""
    if show:
        print(text, file=sys.stderr, flush=True)


def _flag(args: argparse.Namespace) -> int:
    from ._fast.memory import release_memory, use_memory_settings_for_large_runs
    from .contract import FLAGS, LoadError
    from .export import whole, write_outputs, written_whole
    from .load import load_applications
    from .matching import possible_duplicates
    from .rules import flag_loaded

    show = sys.stderr.isatty()
    if args.dask:
        if args.workbook:
            raise LoadError("--workbook is written by the pandas engine only; run without --engine dask for it")
        if args.register:
            raise LoadError("--register is recorded by the pandas engine only; run without --engine dask for it")
        from .engines.dask import flag_with_dask

        result = flag_with_dask(
            args.input, args.out, scheduler=args.scheduler, progress=show, worker_memory=args.worker_memory
        )
        print(outcomes.flag_summary(result, FLAGS, args.out))
        return 0
    use_memory_settings_for_large_runs()  # (this engine's: Dask's workers keep their own, see engines.dask)
    _step(f"读取 reading {Path(args.input).name} …", show)
    loaded = load_applications(args.input, display=bool(args.workbook))  # the workbook shows names
    _step(f"检查 flagging {loaded.report.rows_read:,} rows …", show)
    flags = flag_loaded(loaded)
    pairs = possible_duplicates(loaded.frame)
    if not args.workbook:  # the records are done with: free them before the flags are written
        loaded.frame = None
        release_memory()
    # one transaction with the outputs, each written whole and moved into --out once all are
    with _recording(args, loaded.report.rows_read, flags, show) as recorded, written_whole(args.out) as written:
        _step(f"写出 writing flags.csv, possible_duplicates.csv, summary.json ({len(flags):,} flags) …", show)
        result = write_outputs(written, loaded.report, flags, pairs, recorded)
        if args.workbook:
            from .workbook import write_workbook

            _step(f"工作簿 writing {args.workbook} …", show)
            with whole(args.workbook) as book:
                write_workbook(book, loaded.frame, flags, args.mask_workbook, pairs, recorded)
    print(outcomes.flag_summary(result, FLAGS, args.out))
    if recorded is not None:
        print(outcomes.register_line(recorded, args.register))
    return 0


def _recording(args: argparse.Namespace, rows_read: int, flags, show: bool):
    """The run recorded in --register (a context: committed with the outputs), or nothing without it."""
    if not args.register:
        return contextlib.nullcontext(None)
    from .register import recording

    _step(f"登记 recording the run in {args.register} …", show)
    return recording(args.register, args.input, rows_read, flags)


def _register(args: argparse.Namespace) -> int:
    """`register import WORKBOOK --register DB`: store the caseworkers' statuses and notes."""
    from .register import import_statuses

    stored = import_statuses(args.book, args.register)
    print(outcomes.statuses_stored(stored, args.book, args.register))
    return 0


def _sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    paths = write_sample(args.out, seed=args.seed, persons=args.persons)
    for p in paths:
        print(config.display_path(p))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import build_report

    build_report(
        args.input,
        args.out,
        ledger=args.ledger,
        province=args.province,
        register=args.register,
        fund_year=args.fund_year,
        province_year=args.province_year,
    )
    print(outcomes.report_written(Path(args.out) / "index.html"))
    return 0


def _files(folder: Path) -> dict[str, list[int]]:
    """Every file under folder, links not followed: relative POSIX path -> [size, mtime_ns] (the manifest left out)."""
    found: dict[str, list[int]] = {}
    pending = [folder]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            found[Path(entry.path).relative_to(folder).as_posix()] = [info.st_size, info.st_mtime_ns]
    found.pop(MANIFEST, None)
    return found


def _listed(folder: Path) -> dict[str, list[int]]:
    """The files the manifest in folder lists (empty when there is none); Refused when it is damaged."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not all(isinstance(k, str) and len(v) == 2 and all(type(x) is int for x in v) for k, v in files.items()):
            raise ValueError(path)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Refused(
            f"{path}: the list of files the tool wrote is damaged; nothing was removed (delete the files you do "
            "not need yourself)"
        ) from None
    return files


def _record_outputs(folder: Path, before: dict[str, list[int]], register: str | None = None) -> None:
    """Add the files a run wrote into folder (new or changed since `before`) to its manifest; never a case
    register kept inside it (`make clean` must not remove months of cases), nor its key."""
    if not folder.is_dir():
        return
    after = _files(folder)
    if register and "://" not in register:
        for suffix in ("", ".key", ".wal"):
            with contextlib.suppress(ValueError):
                after.pop(Path(register + suffix).resolve().relative_to(folder.resolve()).as_posix(), None)
    try:
        kept = {p: v for p, v in _listed(folder).items() if p in after}
    except Refused:  # a damaged manifest is replaced by what this run wrote
        kept = {}
    written = {p: v for p, v in after.items() if before.get(p) != v}
    if not written and not (folder / MANIFEST).exists():
        return  # nothing written (a refused file): nothing to list either
    listed = dict(sorted({**kept, **written}.items()))
    note = "files python -m analysis wrote here; `make clean` removes them (unless changed since) and nothing else"
    text = json.dumps({"note": note, "files": listed}, ensure_ascii=False, indent=1)
    with contextlib.suppress(OSError):  # a folder that takes no manifest: the run's outputs still stand
        (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")


def _clean(args: argparse.Namespace) -> int:
    """Remove the files flag/report wrote into --out (as listed, and unchanged since), then empty folders."""
    out = Path(args.out).expanduser()
    if not (out / MANIFEST).is_file():
        print(outcomes.nothing_to_clean(args.out, MANIFEST, out.is_dir()))
        return 0
    listed = _listed(out)
    root = out.resolve()
    removed, kept, folders = 0, [], set()
    for name, (size, mtime) in listed.items():
        parts = PurePosixPath(name).parts
        path = out.joinpath(*parts)
        if (
            not parts
            or PurePosixPath(name).is_absolute()
            or ".." in parts
            or not path.parent.resolve().is_relative_to(root)
        ):
            kept.append(name)  # never anything outside the folder, whatever the manifest says
            continue
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(info.st_mode) or [info.st_size, info.st_mtime_ns] != [size, mtime]:
            kept.append(name)  # changed since the tool wrote it: someone's work now
            continue
        path.unlink()
        removed += 1
        folders.update(p for p in path.parents if p != out and out in p.parents)
    (out / MANIFEST).unlink()
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty
    try:
        out.rmdir()
        gone = True
    except OSError:
        gone = False
    print(outcomes.cleaned(args.out, removed, sorted(kept), gone))
    return 0


def _workbook_path(parser: argparse.ArgumentParser, value: str, out: str) -> Path:
    """Where --workbook goes: an absolute path as given; a relative one inside --out (unless it already
    names a place inside --out), never outside it. The workbook holds full ID numbers."""
    book = Path(value).expanduser()
    if book.suffix.lower() != ".xlsx" or book.is_dir():
        parser.error(f"--workbook needs a file name ending in .xlsx, got '{value}'")
    if book.is_absolute():
        return book
    out_dir = Path(out).expanduser().resolve()
    if book.resolve().is_relative_to(out_dir):
        return book
    if not (out_dir / book).resolve().is_relative_to(out_dir):
        parser.error(
            f"--workbook '{value}' would be written outside --out; a relative path is taken from the --out "
            "folder: leave out '..', or give an absolute path"
        )
    return Path(out).expanduser() / book


REGISTER_HELP = (
    "the case register: a DuckDB file (created when missing, key in DB.key) or a postgresql:// URL "
    "(key in ANALYSIS_REGISTER_KEY)"
)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command; user errors become one line on stderr and exit 2."""
    parser = _Parser(prog="python -m analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("flag", help="flag applications in a CSV/.xlsx/Parquet file")
    p.add_argument("input", help="application records (.csv, .xlsx, .parquet)")
    p.add_argument("--out", required=True, help="output folder for flags.csv and summary.json")
    p.add_argument(
        "--workbook",
        metavar="FILE.xlsx",
        help="also write the case workbook (full ID numbers); a relative path is taken from --out",
    )
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
    p.add_argument(
        "--worker-memory",
        metavar="SIZE",
        help="memory limit of each local Dask worker, e.g. 6GB; above it a worker spills to disk "
        "(implies --engine dask; default: Dask's share of this machine's memory)",
    )
    p.add_argument("--register", metavar="DB", help=REGISTER_HELP)
    p.set_defaults(run=_flag)

    p = sub.add_parser(
        "sample", help="write the seeded synthetic sample, its expected flags and pairs, and the monthly exports"
    )
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
    p.add_argument(
        "--fund-year",
        type=int,
        metavar="YEAR",
        help="the year notebook 04 shows the funds of; default: the latest year with all five funds in the ledger",
    )
    p.add_argument(
        "--province-year",
        type=int,
        metavar="YEAR",
        help="the year of notebook 04's provincial view; default: the latest year with provincial rows",
    )
    p.add_argument(
        "--province",
        metavar="PROVINCE",
        help="one province's view in notebooks 02-03 (a code like 44, or a name like 广东): inflows, outflows, cities",
    )
    p.add_argument("--register", metavar="DB", help=REGISTER_HELP + "; adds notebook 06")
    p.set_defaults(run=_report)

    p = sub.add_parser("register", help="the case register: store caseworkers' statuses from a case workbook")
    what = p.add_subparsers(dest="action", required=True)
    q = what.add_parser("import", help="store the statuses and notes of a case workbook's register sheet")
    q.add_argument("book", metavar="WORKBOOK", help="the case workbook (.xlsx) written by a run with --register")
    q.add_argument("--register", metavar="DB", required=True, help=REGISTER_HELP)
    q.set_defaults(run=_register)

    p = sub.add_parser("clean", help=f"remove the files flag/report wrote into a folder (listed in its {MANIFEST})")
    p.add_argument("--out", required=True, help="the --out folder of flag or report")
    p.set_defaults(run=_clean)

    args = parser.parse_args(argv)
    if getattr(args, "mask_workbook", False) and not args.workbook:
        parser.error("--mask-workbook needs --workbook FILE.xlsx")
    book = _workbook_path(parser, args.workbook, args.out) if getattr(args, "workbook", None) else None
    if book:
        args.workbook = str(book)
    if getattr(args, "persons", 1) < 1:
        parser.error("--persons must be at least 1")
    # the flag command on the Dask engine (--engine dask, or an option only it takes)
    args.dask = args.command == "flag" and bool(args.engine == "dask" or args.scheduler or args.worker_memory)
    refused: tuple[type[Exception], ...] = (Refused,)
    if args.command != "clean":  # clean imports no pandas: `make clean` needs no .venv
        from .contract import LoadError
        from .register import RegisterError

        refused += (LoadError, RegisterError)

    def say(message: str) -> None:
        print(messages.error_line(message), file=sys.stderr)  # always one line

    if args.command in ("flag", "report", "clean"):
        args.out = str(Path(args.out).expanduser())  # a quoted ~ (make quotes every value) is the home folder too
    out = Path(args.out) if args.command in ("flag", "report") else None
    before = _files(out) if out is not None and out.is_dir() else {}
    try:
        if book and book.exists():
            book.open("r+b").close()  # a workbook open in Excel fails here, before anything is written
        return args.run(args)
    except refused as exc:
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
    finally:
        if out is not None:
            _record_outputs(out, before, getattr(args, "register", None))


if __name__ == "__main__":
    sys.exit(main())
