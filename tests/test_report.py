"""The main job end to end: a GB18030 export with Chinese headers in, masked offline HTML and a workbook out."""

import json
import os
import re
import shutil

import openpyxl
import pandas as pd
import pytest

from analysis.__main__ import main
from analysis.privacy import find_full_ids
from analysis.report import REPORT_NOTEBOOKS
from analysis.sample import generate

from .helpers import write


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    frame, expected = generate(persons=800, seed=11)
    source = write(frame, tmp / "导出.csv", "gb18030", chinese=True)
    out = tmp / "out"
    assert main(["report", str(source), "--out", str(out)]) == 0
    return out, frame, expected


def test_pages_and_files(report):
    out, _, _ = report
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "flags.csv", "summary.json", "cases.xlsx"} <= names
    assert {f"{n}.html" for n in REPORT_NOTEBOOKS} <= names
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".report-")]  # staging removed


def test_counts_in_index_match_flags_csv(report):
    out, frame, _ = report
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows_read"] == len(frame)
    index = (out / "index.html").read_text(encoding="utf-8")
    for flag, n in flags["flag"].value_counts().items():
        assert summary[flag] == n
        assert f"<td>{flag}</td><td>{n:,}</td>" in index
    assert f"<td>rows_read</td><td>{len(frame):,}</td>" in index


def test_flags_match_the_planted_answers(report):
    out, _, expected = report
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False)
    got = sorted(map(tuple, flags[["application_id", "flag", "conflicts_with"]].to_numpy().tolist()))
    assert got == sorted(map(tuple, expected.fillna("").to_numpy().tolist()))


def test_pages_are_masked_offline_and_show_charts(report):
    out, _, _ = report
    for name in ["index.html", *(f"{n}.html" for n in REPORT_NOTEBOOKS)]:
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
    assert "full citizen ID numbers" in wb.worksheets[0]["A2"].value
    ids = [c.value for c in wb["duplicate_card"]["D"]][1:]
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
        hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
        links = [href for href in hrefs if href.endswith(".html")]
        assert len(links) == len(REPORT_NOTEBOOKS)
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
