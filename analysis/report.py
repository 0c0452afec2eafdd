"""The main job: flag a file, run the notebooks on it with papermill, render code-free HTML pages around an
index, and write the workbooks."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import papermill
from nbconvert import HTMLExporter
from traitlets.config import Config

from . import config, fonts, province_view, report_pages
from .contract import LoadError
from .export import write_outputs, written_whole
from .funds import LedgerError, load_ledger
from .load import load_applications
from .matching import possible_duplicates
from .register import forget_run, recording
from .register.store import is_postgres, shown, without_password
from .rules import flag_loaded
from .workbook import write_workbook

WORKBOOK = "cases.xlsx"
MASKED_WORKBOOK = "cases-masked.xlsx"
HEADLINE = "headline.xlsx"
FILES = [
    (
        WORKBOOK,
        (
            "案件工作簿，含<b>完整证件号码和姓名</b>，仅供经办人员 the case workbook with <b>full ID numbers and "
            "names</b>: for caseworkers only, never forwarded"
        ),
    ),
    (MASKED_WORKBOOK, "脱敏的案件工作簿，可转发 the same workbook masked, to forward"),
    (HEADLINE, "按省份、按年份的问题数 flags by province and by year, for reporting upwards"),
    ("flags.csv", "每条申请每类问题一行（人员编号已脱敏） one row per application and flag, person keys masked"),
    (
        "possible_duplicates.csv",
        "疑似同一人的号码，每对一行（已脱敏），不是问题标记 pairs of numbers that may be one person, masked; not flags",
    ),
    ("summary.json", "汇总数字 the counts, for scripts"),
]
REPORT_NOTEBOOKS = [
    "01-load-and-validate",
    "02-duplicate-cards",
    "03-cross-province-conflicts",
    "04-article-64-funds",
    "05-possible-duplicates",
]
FUNDS_NOTEBOOK = "04-article-64-funds"
REGISTER_NOTEBOOK = "06-since-last-run"  # rendered when the run is recorded in a register
PROVINCE_NOTEBOOKS = ["02-duplicate-cards", "03-cross-province-conflicts"]


def run_notebook(name: str, out_dir: Path, parameters: dict) -> nbformat.NotebookNode:
    """Execute notebooks/NAME.ipynb with papermill (working directory notebooks/) into out_dir; return it."""
    executed = out_dir / f"{name}.ipynb"
    papermill.execute_notebook(
        str(config.NOTEBOOKS_DIR / f"{name}.ipynb"),
        str(executed),
        parameters=parameters,
        cwd=str(config.NOTEBOOKS_DIR),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        # Kernel and client on one machine, encrypted: ipykernel otherwise warns of plain-text TCP on every start.
        config=Config({"KernelManager": {"transport_encryption": "auto"}}),
        # The kernel's own log stays quiet: jupyter_client interrupts every kernel as it stops it, and a kernel still
        # busy then logs "ERROR | KeyboardInterrupt caught in kernel" to the person waiting (a busy machine). A cell
        # that fails still fails the report, through papermill.
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )
    return nbformat.read(executed, as_version=4)


def render(nb: nbformat.NotebookNode) -> str:
    """A notebook as a code-free, self-contained HTML page (no empty sections)."""
    exporter = HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(Path(__file__).parent / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(report_pages.drop_empty_sections(nb))
    return body


def _parameters(
    name: str, source: Path, ledger: Path | None, province: str | None, fund_years: tuple = (None, None)
) -> dict:
    """The parameters a report notebook is run with (fund_years: notebook 04's FUND_YEAR and PROVINCE_YEAR)."""
    if name == FUNDS_NOTEBOOK:
        return {
            "LEDGER": str(ledger.resolve()) if ledger else None,
            "FUND_YEAR": fund_years[0],
            "PROVINCE_YEAR": fund_years[1],
        }
    parameters = {"INPUT": str(source.resolve())}
    if name in PROVINCE_NOTEBOOKS:
        parameters["PROVINCE"] = province
    return parameters


def _recording(register: str | Path | None, source: Path, rows_read: int, flags: pd.DataFrame, show: bool):
    """The run recorded in the register (a context, committed at its end), or nothing without one."""
    if not register:
        return contextlib.nullcontext(None)
    _step(f"登记 recording the run in {shown(register)} …", show)
    return recording(register, source, rows_read, flags)


@contextlib.contextmanager
def _password_in_environment(register: str | Path):
    """The register for notebook 06 without a password in its parameters (they are kept in the executed
    notebook): a URL's password goes to the kernel through PGPASSWORD."""
    url, password = without_password(register)
    saved = os.environ.get("PGPASSWORD")
    if password is not None:
        os.environ["PGPASSWORD"] = password
    try:
        yield url if is_postgres(url) else str(Path(url).resolve())
    finally:
        if password is not None:
            if saved is None:
                os.environ.pop("PGPASSWORD", None)
            else:
                os.environ["PGPASSWORD"] = saved


def _step(text: str, show: bool) -> None:
    """One progress line on stderr (for a person at a terminal; quiet otherwise)."""
    if show:
        print(text, file=sys.stderr, flush=True)


def build_report(
    input_path: str | Path,
    out_dir: str | Path,
    ledger: str | Path | None = None,
    progress: bool | None = None,
    province: str | None = None,
    register: str | Path | None = None,
    fund_year: int | None = None,
    province_year: int | None = None,
) -> Path:
    """Flag the input and render every report notebook on it into out_dir; return index.html.

    Everything is written into a staging folder first and moved into out_dir only when all of it
    succeeded, so a failure leaves no half-written report. `progress`: a line per step on stderr
    (default: when stderr is a terminal). `province`: one province's view in notebooks 02-03.
    `register`: record the run in the case register (a DuckDB file or a postgresql:// URL) and add notebook 06;
    a failure takes the run back out of the register. `fund_year`, `province_year`: the years notebook 04 shows
    (default: chosen from the ledger).
    """
    show = sys.stderr.isatty() if progress is None else progress
    try:
        province_view.province_code(province)  # a province that is none is refused before anything is done
    except ValueError as exc:
        raise LoadError(str(exc)) from None
    source = config.resolve_input(input_path)
    _step(f"读取 reading {source.name} …", show)
    loaded = load_applications(source)  # fails fast, before anything is written
    ledger_path = None
    if ledger is not None:
        ledger_path = config.resolve_input(ledger)
        try:
            load_ledger(ledger_path)  # a bad ledger is refused before anything is written
        except LedgerError as exc:
            raise LoadError(str(exc)) from None
    _step(f"检查 flagging {loaded.report.rows_read:,} rows …", show)
    flags = flag_loaded(loaded)
    out_dir = Path(out_dir)
    recorded = None
    names = REPORT_NOTEBOOKS + ([REGISTER_NOTEBOOK] if register else [])
    try:
        with written_whole(out_dir) as stage:  # every file moved into out_dir only when all of it succeeded
            pairs = possible_duplicates(loaded.frame)
            notebooks = {}
            with _recording(register, source, loaded.report.rows_read, flags, show) as recorded:
                summary = write_outputs(stage, loaded.report, flags, pairs, recorded)
                _step(f"工作簿 writing {WORKBOOK} and {MASKED_WORKBOOK} …", show)
                write_workbook(stage / WORKBOOK, loaded.frame, flags, pairs=pairs, recorded=recorded)
                write_workbook(stage / MASKED_WORKBOOK, loaded.frame, flags, True, pairs, recorded)
                with pd.ExcelWriter(stage / HEADLINE) as book:
                    for sheet, table in report_pages.headline_tables(loaded.frame, flags).items():
                        table.to_excel(book, sheet_name=sheet)
                for i, name in enumerate(REPORT_NOTEBOOKS, start=1):
                    _step(f"笔记本 notebook {i}/{len(names)}: {name} …", show)
                    parameters = _parameters(name, source, ledger_path, province, (fund_year, province_year))
                    notebooks[f"{name}.html"] = run_notebook(name, stage, parameters)
            if register:  # notebook 06 reads the register: only once the run is committed
                _step(f"笔记本 notebook {len(names)}/{len(names)}: {REGISTER_NOTEBOOK} …", show)
                with _password_in_environment(register) as url:
                    notebooks[f"{REGISTER_NOTEBOOK}.html"] = run_notebook(REGISTER_NOTEBOOK, stage, {"REGISTER": url})
            pages = [(file, report_pages.notebook_title(nb)) for file, nb in notebooks.items()]
            bodies = {
                file: report_pages.with_navigation(render(nb), title, report_pages.navigation(pages, file))
                for (file, title), nb in zip(pages, notebooks.values(), strict=True)
            }
            applied = loaded.frame["applied_on"].dropna()
            period = (f"{applied.min():%Y-%m-%d}", f"{applied.max():%Y-%m-%d}") if len(applied) else ("—", "—")
            bodies["index.html"] = report_pages.index_page(summary, pages, FILES, period, f"{date.today():%Y-%m-%d}")
            style = fonts.font_style(list(bodies.values()))  # Chinese text readable without system CJK fonts
            for page, body in bodies.items():
                (stage / page).write_text(fonts.embed(body, style), encoding="utf-8")
    except BaseException:
        if recorded is not None and recorded.recorded:
            forget_run(register, recorded.run_id)  # the register as it was: no report, no recorded run
        raise
    _step(f"完成 done: {out_dir / 'index.html'}", show)
    return out_dir / "index.html"
