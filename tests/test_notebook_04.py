"""Notebook 04: its stored outputs are complete, and it runs through papermill on an analyst's own ledger."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from analysis import funds
from analysis.__main__ import main
from analysis.config import NOTEBOOKS_DIR
from analysis.report import FUNDS_NOTEBOOK, _parameters, render

NOTEBOOK = NOTEBOOKS_DIR / "04-article-64-funds.ipynb"

# A small ledger an analyst might keep: national rows for both years, provinces for work injury in 2015.
ROWS = [
    (2014, "", "pension", 300, 250, 900),
    (2014, "", "medical", 120, 100, 200),
    (2014, "", "work_injury", 9, 6, 20),
    (2014, "", "unemployment", 14, 7, 40),
    (2014, "", "maternity", 6, 5, 8),
    (2015, "", "pension", 330, 280, 950),
    (2015, "", "medical", 130, 110, 220),
    (2015, "", "work_injury", 10, 7, 23),
    (2015, "", "unemployment", 15, 8, 47),
    (2015, "", "maternity", 7, 5, 10),
    (2015, "广东", "work_injury", 6, 4, 15),
    (2015, "江苏", "work_injury", 4, 3, 8),
]


def _code_cells(nb: nbformat.NotebookNode) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _text(cell) -> str:
    return "\n".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def _run(tmp_path: Path, ledger: Path, **params) -> nbformat.NotebookNode:
    out = tmp_path / "04-out.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters={"LEDGER": str(ledger), **params},
        cwd=str(NOTEBOOKS_DIR),
        kernel_name="python3",
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def test_stored_outputs_are_complete():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = _code_cells(nb)
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "run all cells in order, then commit"
    assert len(code) <= 15
    assert "parameters" in code[0].metadata.get("tags", [])
    assert not any("def " in c.source or c.source.rstrip().endswith(";") for c in code)
    for cell in code[2:]:  # after the parameters and imports cells every cell shows something
        assert cell.outputs, cell.source
        assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"], cell.source
        if "plt.show()" in cell.source:
            assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.source
    lines = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    headings = [re.sub(r"^## [^\x00-\x7f]+ ", "## ", line) for line in lines if line.startswith("## ")]  # 概览 Overview
    for name in ("Overview", "Inputs", "Set-up", "Summary", "What to do next", "Sources"):
        assert f"## {name}" in headings


def test_imports_the_funds_package_and_calls_only_what_it_offers():
    code = "\n".join(c.source for c in _code_cells(nbformat.read(NOTEBOOK, as_version=4)))
    imports = [line for line in code.splitlines() if line.startswith(("import ", "from "))]
    assert [line for line in imports if "analysis" in line] == ["from analysis import funds"]
    called = set(re.findall(r"\bfunds\.(\w+(?:\.\w+)?)", code))
    assert {"charts.funds_side_by_side", "open_ledger", "fund_breakdown", "chosen_years"} <= called
    assert {"release_disagreements", "disagreement_table", "source_table", "charts.fund_series"} <= called
    for dotted in called:
        obj = funds
        for name in dotted.split("."):
            assert hasattr(obj, name), f"funds.{dotted}"
            obj = getattr(obj, name)


def test_runs_on_an_own_ledger_and_shows_its_totals(tmp_path):
    ledger = tmp_path / "my-fund-ledger.csv"
    frame = pd.DataFrame(ROWS, columns=["year", "province", "fund", "revenue", "expenditure", "balance"])
    frame.to_csv(ledger, index=False, encoding="utf-8")
    nb = _run(tmp_path, ledger, FUND_YEAR=2015, PROVINCE_YEAR=2015)

    # by hand: the 2015 national rows (the provinces' work-injury rows are already inside the national one)
    national_2015 = [r for r in ROWS if r[0] == 2015 and r[1] == ""]
    measures = ["revenue", "expenditure", "balance"]
    expected = {m: float(sum(r[3 + i] for r in national_2015)) for i, m in enumerate(measures)}
    totals = next(c for c in _code_cells(nb) if "summary-totals" in c.metadata.get("tags", []))
    shown = _text(totals)
    for value in expected.values():
        assert f"{value:.1f}" in shown, (value, shown)
    assert "2015" in shown

    code = _code_cells(nb)
    assert "Ledger: my-fund-ledger.csv" in _text(next(c for c in code if "open_ledger" in c.source))
    assert not [o for c in code for o in c.outputs if o.get("name") == "stderr" or o.output_type == "error"]
    charts = [c for c in code if "plt.show()" in c.source]
    assert charts and all(any("image/png" in o.get("data", {}) for o in c.outputs) for c in charts)
    coverage = _text(next(c for c in code if "province_coverage" in c.source))
    assert "广东" not in coverage.split("work_injury")[1].splitlines()[0]  # no work-injury province missing


def test_a_bad_ledger_stops_with_one_line(tmp_path):
    ledger = tmp_path / "bad.xlsx"
    frame = pd.DataFrame(ROWS, columns=["year", "province", "fund", "revenue", "expenditure", "balance"])
    frame.loc[2, "fund"] = "housing"
    frame.to_excel(ledger, index=False)
    with pytest.raises(pm.PapermillExecutionError) as err:
        _run(tmp_path, ledger)
    assert err.value.ename == "LedgerError"
    assert "bad.xlsx: column 'fund': unknown fund in row 4 ('housing')" in err.value.evalue
    assert len(err.value.traceback) == 1  # the message alone, no stack


def test_prose_quotes_no_figure_of_its_own():
    """Figures in the page's words come from the ledger in use: the Markdown cells hold none but years."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    numbers = re.findall(r"(?<![\w.-])\d[\d,.]*\d%?|(?<![\w.-])\d%?", text)
    figures = [n for n in numbers if not re.fullmatch(r"(19|20)\d\d|\d{1,2}|1\d\d", n)]  # years, sections, GB codes
    assert figures == []


def test_the_report_page_shows_sources_as_links():
    page = render(nbformat.read(NOTEBOOK, as_version=4))
    links = re.findall(r'<a href="(https?://[^"]+)"', page)
    assert len(links) >= 20
    ledger = funds.published_ledger()
    shown = funds.rows_shown(ledger, funds.chosen_years(ledger))
    for url in shown["source"].str.split(" ; ").explode():
        assert html.escape(url) in page or url in page, url


def test_report_options_reach_notebook_04(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr("analysis.report.build_report", lambda *args, **kwargs: seen.update(kwargs))
    assert main(["report", "a.csv", "--out", str(tmp_path), "--fund-year", "2021", "--province-year", "2020"]) == 0
    assert (seen["fund_year"], seen["province_year"]) == (2021, 2020)
    parameters = _parameters(FUNDS_NOTEBOOK, tmp_path, None, None, (2021, 2020))
    assert parameters == {"LEDGER": None, "FUND_YEAR": 2021, "PROVINCE_YEAR": 2020}


# National rows only, three years; figures chosen unlike any bundled one.
THREE_YEARS = """年度,基金,收入,支出,年末累计结余
2022,养老,7123,6417,8231
2022,医疗,3317,2871,4213
2022,工伤,113,127,153
2022,失业,141,133,337
2022,生育,53,41,67
2023,养老,7517,6911,8637
2023,医疗,3519,3013,4719
2023,工伤,121,129,147
2023,失业,151,143,347
2024,养老,8011,7413,9217
"""


def _page_text(path: Path) -> str:
    page = re.sub(
        r"<style.*?</style>|data:[a-z/+-]+;base64,[A-Za-z0-9+/=]+",
        "",
        path.read_text(encoding="utf-8"),
        flags=re.DOTALL,
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_report_on_a_national_only_ledger_shows_its_figures_and_none_of_the_bundled(tmp_path, monkeypatch):
    """`report INPUT --ledger L` renders 04 on L (the other pages are the session report's to test: left out here,
    they would add half a minute)."""
    monkeypatch.setattr("analysis.report.REPORT_NOTEBOOKS", ["04-article-64-funds"])
    source = tmp_path / "a.csv"
    source.write_text(
        "application_id,id_number,province,applied_on\nA1,11010519491231002X,44,2023-05-01\n", encoding="utf-8"
    )
    ledger = tmp_path / "三年 台账.csv"
    ledger.write_text(THREE_YEARS, encoding="utf-8")
    assert main(["report", str(source), "--out", str(tmp_path / "out"), "--ledger", str(ledger)]) == 0
    text = _page_text(tmp_path / "out" / "04-article-64-funds.html")

    # by hand: 2023 is the latest year with all five funds (maternity inside medical from 2019);
    # revenue 7517 + 3519 + 121 + 151 = 11308, expenditure 6911 + 3013 + 129 + 143 = 10196;
    # pension 7517 / 11308 = 66.5% of revenue, work injury 121 / 11308 = 1.1%, and it paid out more (129)
    assert "Ledger: 三年 台账.csv" in text and "Shown: the funds in 2023 (the latest year with all five funds)" in text
    for part in ["11,308 亿元", "10,196", "66.5%", "1.1%", "work injury (121 / 129)", "7517.0", "11308.0"]:
        assert part in text, part
    assert "This ledger holds no provincial figures: nothing to show here." in text
    assert "no release had to be set aside" in text

    bundled = funds.published_ledger()
    figures = pd.concat([bundled[m] for m in funds.MEASURES]).dropna()
    figures = figures[figures >= 100].unique()
    leaked = [f for f in figures if funds.prose.yi_text(f) in text or f"{f:.1f}" in text]
    assert leaked == []
    hosts = bundled["source"].str.extract(r"https?://([^/]+)")[0].dropna().unique()
    assert [h for h in hosts if h in text] == []
