"""The main job: flag a file, run the notebooks on it with papermill, render code-free HTML reports."""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from pathlib import Path

from tqdm.auto import tqdm

from . import config
from .export import write_outputs
from .records import load_applications
from .rules import FLAGS, flag_applications

REPORT_NOTEBOOKS = ["01-load-and-validate"]


def run_notebook(name: str, out_dir: Path, parameters: dict) -> Path:
    """Execute notebooks/NAME.ipynb with papermill (working directory notebooks/) into out_dir; return the HTML."""
    import nbformat
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
    page = out_dir / f"{name}.html"
    page.write_text(body, encoding="utf-8")
    return page


def _index_page(summary: dict, pages: list[Path]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{summary[k]:,}</td></tr>" for k in ["rows_read", "rows_clean", *FLAGS, "cases"]
    )
    links = "".join(f'<li><a href="{p.name}">{html.escape(p.stem)}</a></li>' for p in pages)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Card application checks</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto}}td{{padding:.2em 1em}}td+td{{text-align:right}}</style>
</head><body>
<h1>Card application checks 社保卡申领核查</h1>
<p>Source: {html.escape(summary['source'])} ({html.escape(summary['format'])}). ID numbers in these pages are masked.</p>
<table>{rows}</table>
<h2>Reports</h2><ul>{links}<li><a href="flags.csv">flags.csv</a></li><li><a href="summary.json">summary.json</a></li></ul>
</body></html>
"""


def build_report(input_path: str | Path, out_dir: str | Path) -> Path:
    """Flag the input and render every report notebook on it into out_dir; return index.html.

    Everything is written into a staging folder first and moved into out_dir only when all of it
    succeeded, so a failure leaves no half-written report.
    """
    source = config.resolve_input(input_path)
    loaded = load_applications(source)  # fails fast, before anything is written
    flags = flag_applications(loaded.frame, check_documents=loaded.report.documents_checked)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".report-", dir=out_dir.parent))
    try:
        summary = write_outputs(stage, loaded.report, flags)
        pages = []
        for name in tqdm(REPORT_NOTEBOOKS, desc="notebooks", unit="nb", disable=None):
            pages.append(run_notebook(name, stage, {"INPUT": str(source.resolve())}))
        (stage / "index.html").write_text(_index_page(summary, pages), encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        for item in stage.iterdir():
            os.replace(item, out_dir / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return out_dir / "index.html"
