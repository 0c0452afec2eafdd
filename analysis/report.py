"""The main job: flag a file, run the notebooks on it with papermill, render code-free HTML reports."""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from pathlib import Path

from tqdm.auto import tqdm

from . import config, fonts
from .contract import FLAGS, LoadError
from .export import write_outputs
from .load import load_applications
from .rules import flag_loaded
from .workbook import write_workbook

WORKBOOK = "cases.xlsx"
REPORT_NOTEBOOKS = ["01-load-and-validate", "02-duplicate-cards", "03-cross-province-conflicts", "04-article-64-funds"]
FUNDS_NOTEBOOK = "04-article-64-funds"


def run_notebook(name: str, out_dir: Path, parameters: dict) -> str:
    """Execute notebooks/NAME.ipynb with papermill (working directory notebooks/) into out_dir; return its HTML."""
    import nbformat  # the notebook stack takes seconds to import: only when a report is made
    import papermill
    from nbconvert import HTMLExporter

    executed = out_dir / f"{name}.ipynb"
    papermill.execute_notebook(
        str(config.NOTEBOOKS_DIR / f"{name}.ipynb"),
        str(executed),
        parameters=parameters,
        cwd=str(config.NOTEBOOKS_DIR),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
    )
    exporter = HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(Path(__file__).parent / "templates")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    return body


def _index_page(summary: dict, pages: list[Path]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{summary[k]:,}</td></tr>"
        for k in ["rows_read", "rows_unusable", "rows_clean", *FLAGS, "cases"]
    )
    links = "".join(f'<li><a href="{p.name}">{html.escape(p.stem)}</a></li>' for p in pages)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Card application checks</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto}}
td{{padding:.2em 1em}}td+td{{text-align:right}}</style>
</head><body>
<h1>Card application checks 社保卡申领核查</h1>
<p>Source: {html.escape(summary["source"])} ({html.escape(summary["format"])}).
ID numbers in these pages are masked.</p>
<table>{rows}</table>
<h2>Reports</h2><ul>{links}
<li><a href="flags.csv">flags.csv</a> (one row per application and flag; person keys masked)</li>
<li><a href="summary.json">summary.json</a></li>
<li><a href="{WORKBOOK}">{WORKBOOK}</a>: the case workbook for caseworkers. It holds <b>full ID numbers and names</b>:
do not forward it or attach it to reports.</li></ul>
</body></html>
"""


def build_report(input_path: str | Path, out_dir: str | Path, ledger: str | Path | None = None) -> Path:
    """Flag the input and render every report notebook on it into out_dir; return index.html.

    Everything is written into a staging folder first and moved into out_dir only when all of it
    succeeded, so a failure leaves no half-written report.
    """
    source = config.resolve_input(input_path)
    loaded = load_applications(source)  # fails fast, before anything is written
    ledger_path = None
    if ledger is not None:
        from .funds import LedgerError, load_ledger  # pandera, for the ledger: only when a ledger is given

        ledger_path = config.resolve_input(ledger)
        try:
            load_ledger(ledger_path)  # a bad ledger is refused before anything is written
        except LedgerError as exc:
            raise LoadError(str(exc)) from None
    flags = flag_loaded(loaded)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".report-", dir=out_dir.parent))
    try:
        summary = write_outputs(stage, loaded.report, flags)
        write_workbook(stage / WORKBOOK, loaded.frame, flags)
        bodies = {}
        for name in tqdm(REPORT_NOTEBOOKS, desc="notebooks", unit="nb", disable=None):
            parameters = (
                {"LEDGER": str(ledger_path.resolve()) if ledger_path else None}
                if name == FUNDS_NOTEBOOK
                else {"INPUT": str(source.resolve())}
            )
            bodies[f"{name}.html"] = run_notebook(name, stage, parameters)
        bodies["index.html"] = _index_page(summary, [Path(n) for n in bodies])
        style = fonts.font_style(list(bodies.values()))  # Chinese text readable without system CJK fonts
        for page, body in bodies.items():
            (stage / page).write_text(fonts.embed(body, style), encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        for item in stage.iterdir():
            os.replace(item, out_dir / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return out_dir / "index.html"
