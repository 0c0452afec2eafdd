"""The main job end to end: a GB18030 export with Chinese headers in, masked offline HTML and a workbook out."""

import json
import os
import re
import shutil

import openpyxl
import pandas as pd
import pytest

from analysis import labels
from analysis.__main__ import main
from analysis.load import load_applications
from analysis.privacy import find_full_ids
from analysis.report import REGISTER_NOTEBOOK, REPORT_NOTEBOOKS, build_report
from analysis.sample import generate

from .helpers import write

PAGES = [*REPORT_NOTEBOOKS, REGISTER_NOTEBOOK]  # the session's report records its run in a register


@pytest.fixture
def report(sample_report):
    _, out, frame, expected = sample_report
    return out, frame, expected


def test_pages_and_files(report):
    out, _, _ = report
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "flags.csv", "summary.json", "cases.xlsx", "cases-masked.xlsx", "headline.xlsx"} <= names
    assert {f"{n}.html" for n in PAGES} <= names
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".analysis-")]  # staging removed


def test_counts_in_index_match_flags_csv(report):
    out, frame, _ = report
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows_read"] == len(frame)
    index = (out / "index.html").read_text(encoding="utf-8")
    for flag, n in flags["flag"].value_counts().items():
        assert summary[flag] == n
        assert f"<td>{labels.FLAG_ZH[flag]} {labels.FLAG_EN[flag]}</td><td>{n:,}</td>" in index
    assert f"<td>读取的行 rows read</td><td>{len(frame):,}</td>" in index
    # one definition of a case: the index, summary.json, flags.csv and the workbook's cases sheet agree
    assert f"<td>案件（人） cases (persons)</td><td>{summary['cases']:,}</td>" in index
    assert flags.loc[flags["case_id"] != "", "case_id"].nunique() == summary["cases"]
    assert openpyxl.load_workbook(out / "cases.xlsx")["案件 Cases"].max_row == 1 + summary["cases"]


def test_index_says_when_what_and_what_next(report):
    out, _, _ = report
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(r"运行日期 Run date: \d{4}-\d{2}-\d{2}", index)
    applied = load_applications(out.parent / "导出.csv").frame["applied_on"]
    assert "申领期间" in index and "下一步 What to do next" in index and "data:image/png;base64" in index
    for name in ["cases.xlsx", "cases-masked.xlsx", "headline.xlsx", "flags.csv", "summary.json"]:
        assert f'href="{name}"' in index
    assert applied.max().strftime("%Y-%m-%d") in index  # the data period's end, the export's date


def test_every_page_is_titled_and_linked_to_the_index_and_the_next_page(report):
    out, _, _ = report
    files = [f"{n}.html" for n in PAGES]
    for i, name in enumerate(files):
        page = (out / name).read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", page).group(1)
        assert title.startswith(name[:2] + " · ") and title != "Notebook"
        nav = re.search(r'<nav class="report">(.*?)</nav>', page).group(1)
        assert 'href="index.html"' in nav
        if i + 1 < len(files):
            assert f'href="{files[i + 1]}">下一页 Next' in nav
        assert "Set-up</h2>" not in page  # a heading with nothing under it once code is hidden
        assert ">NaN<" not in page and ">nan<" not in page


def test_headline_tables_and_masked_workbook(report):
    out, _, _ = report
    book = openpyxl.load_workbook(out / "headline.xlsx")
    assert book.sheetnames == ["按省份 by province", "按年份 by year"]
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False)
    by_year = pd.read_excel(out / "headline.xlsx", sheet_name="按年份 by year", index_col=0)
    assert int(by_year.to_numpy().sum()) == len(flags)
    masked = openpyxl.load_workbook(out / "cases-masked.xlsx")
    text = " ".join(str(c.value) for ws in masked for row in ws.iter_rows() for c in row if c.value is not None)
    assert find_full_ids(text) == [] and "已脱敏" in text


def test_progress_lines_and_no_kernel_warning_on_stderr(report):
    """A line per step for the person waiting; the kernels' plain-TCP warning never reaches them."""
    out, _, _ = report
    err = (out.parent / "stderr.txt").read_text(encoding="utf-8")
    assert "without encryption" not in err and "Traceback" not in err
    steps = [line for line in err.splitlines() if line.strip()]
    assert steps[0].startswith("读取 reading 导出.csv")
    assert sum("笔记本 notebook" in line for line in steps) == len(PAGES)
    assert steps[-1].startswith("完成 done: ")


def test_a_province_gets_its_own_view(report):
    """report --province: inflows and outflows of cross-province conflicts, and cases by city, for that province."""
    out, _, _ = report
    conflicts = (out / "03-cross-province-conflicts.html").read_text(encoding="utf-8")
    assert "对方省份 other province" in conflicts and "流入 in (card live there)" in conflicts
    assert "城市 city" in conflicts and "未设置 <code>PROVINCE</code>" not in conflicts
    assert "城市 city" in (out / "02-duplicate-cards.html").read_text(encoding="utf-8")


def test_flags_match_the_planted_answers(report):
    out, _, expected = report
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False)
    got = sorted(map(tuple, flags[["application_id", "flag", "conflicts_with"]].to_numpy().tolist()))
    assert got == sorted(map(tuple, expected.fillna("").to_numpy().tolist()))


def test_pages_are_masked_offline_and_show_charts(report):
    out, _, _ = report
    for name in ["index.html", *(f"{n}.html" for n in PAGES)]:
        page = (out / name).read_text(encoding="utf-8")
        assert find_full_ids(page) == [], name
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", page), name
        assert "/tmp/" not in page and "Traceback" not in page
        if name != "index.html":
            assert page.count("data:image/png;base64") >= 1, name
        assert "@font-face" in page  # Chinese text readable without system fonts


def test_workbook_has_full_numbers_and_says_so(report):
    out, _, _ = report
    wb = openpyxl.load_workbook(out / "cases.xlsx")
    assert "full citizen ID numbers" in wb.worksheets[0]["B1"].value
    sheet = wb["重复持卡 duplicate_card"]
    column = [c.value for c in sheet[1]].index("证件号码 id_number")
    ids = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert ids and all(len(v) >= 15 for v in ids)


def test_bad_input_leaves_no_output(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("申请编号,姓名\nA1,张三\n", encoding="gb18030")
    out = tmp_path / "out"
    assert main(["report", str(bad), "--out", str(out)]) == 2
    assert "missing required column(s) id_number, province, applied_on" in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"), reason="no chromium here (.ci/run installs it)")
def test_report_in_a_real_browser(report):
    from playwright.sync_api import sync_playwright

    out, _, _ = report
    problems, remote = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        page.on(
            "console",
            lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        page.goto((out / "index.html").as_uri())
        assert "Card application checks" in page.title()
        hrefs = page.eval_on_selector_all("ol a", "els => els.map(e => e.href)")
        links = [href for href in hrefs if href.endswith(".html")]
        assert len(links) == len(PAGES)
        for href in links:
            response = page.goto(href)
            assert response is None or response.ok, href
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
            assert images and all(done and width > 100 for done, width in images), href
            page.evaluate("document.fonts.ready")
            faces = page.evaluate("[...document.fonts].map(f => [f.family, f.status])")
            assert ['"Report CJK"', "loaded"] in faces or ["Report CJK", "loaded"] in faces, (href, faces)
        browser.close()
    assert problems == []
    assert remote == []


def test_bad_ledger_is_refused_before_anything_is_written(tmp_path, capsys):
    source = tmp_path / "a.csv"
    source.write_text(
        "application_id,id_number,province,applied_on\nA1,11010519491231002X,44,2023-05-01\n", encoding="utf-8"
    )
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("year,fund,revenue,expenditure,year_end_balance\n2024,pension,-1,80,300\n", encoding="utf-8")
    assert main(["report", str(source), "--out", str(tmp_path / "out"), "--ledger", str(ledger)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "negative amount" in err
    assert not (tmp_path / "out").exists()


def test_the_run_is_recorded_in_the_register_and_page_06_shows_it(report):
    out, _, _ = report
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False)
    person_level = flags[flags["flag"].isin(["duplicate_card", "cross_province_conflict"])]
    assert summary["register"] == {
        "new": len(person_level.drop_duplicates(["case_id", "flag"])),
        "open": 0,
        "gone": 0,
        "back": 0,
    }
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"新 new {summary['register']['new']:,}" in index
    page = (out / f"{REGISTER_NOTEBOOK}.html").read_text(encoding="utf-8")
    assert "登记簿共记录 1 次运行" in page and "导出.csv" in page
    sheet = openpyxl.load_workbook(out / "cases.xlsx")["登记 Register cases"]
    assert sheet.max_row == 1 + summary["register"]["new"]


def test_a_report_that_fails_after_recording_takes_the_run_back(tmp_path, monkeypatch):
    """Notebook 06 reads the register once the run is committed; when anything after that fails, the register is
    as it was before (here: empty of runs) and no report is written."""
    import duckdb
    import nbformat

    from analysis import report as report_module

    monkeypatch.delenv("ANALYSIS_REGISTER_KEY", raising=False)
    frame, _ = generate(persons=200, seed=3)
    source = write(frame, tmp_path / "a.csv")
    db = tmp_path / "register.duckdb"

    def fake_notebook(name, out_dir, parameters):
        if name == REGISTER_NOTEBOOK:
            raise RuntimeError("notebook 06 failed")
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name[:2]} · page")])

    monkeypatch.setattr(report_module, "run_notebook", fake_notebook)
    with pytest.raises(RuntimeError, match="notebook 06 failed"):
        build_report(source, tmp_path / "out", register=db)
    assert not (tmp_path / "out").exists()
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM runs").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_possible_duplicates_of_a_gb18030_export_reach_the_csv_page_05_and_the_workbook(report):
    out, _, _ = report
    pairs = pd.read_csv(out / "possible_duplicates.csv", dtype=str, encoding="utf-8-sig")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(pairs["reason"]) == {"id_typo", "changed_number", "renewed_permit"}  # the generator plants each
    assert summary["possible_duplicates"] == pairs["reason"].value_counts().to_dict()
    page = (out / "05-possible-duplicates.html").read_text(encoding="utf-8")
    assert f"有 <strong>{len(pairs)}</strong> 对号码可能属于同一人" in page
    review = openpyxl.load_workbook(out / "cases.xlsx")["疑似同一人 Possible duplicates"]
    assert {r[0] for r in review.iter_rows(min_row=2, values_only=True)} == set(pairs["pair_id"])
