"""No full ID number leaves the tool except in the case workbook: committed notebooks, a fresh report, displays.

Two scanners: `privacy.find_full_ids` (anything that looks like an 18-character ID number), and a stricter
one that knows the input: every ID number of the source file, normalized (spaces, full-width, 15-digit legacy
forms), must not appear in any output. The case workbook is the one allowed exception, and it must hold full
numbers, which proves the scanners find them; with `--mask-workbook` it must not.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import cases, config, explore, privacy, validation
from analysis.contract import FLAGS
from analysis.load import load_applications
from analysis.rules import flag_applications

from .helpers import check_character, run_cli

ALLOWED = {"cases.xlsx"}  # the case workbook for caseworkers: full numbers by design
_CANDIDATE = re.compile(r"[0-9０-９][0-9０-９XxＸｘ \u3000]{13,24}[0-9０-９XxＸｘ]")


def normalize(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()


def known_numbers(id_numbers: pd.Series) -> set[str]:
    """The source's ID numbers in every form they could be shown in: normalized, 15-digit and 18-digit forms."""
    known = {normalize(v) for v in id_numbers.dropna().astype(str) if len(normalize(v)) >= 15}
    legacy = {k[:6] + k[8:17] for k in known if len(k) == 18 and k[6:8] == "19" and k[:17].isdigit()}
    upgraded = {
        k[:6] + "19" + k[6:] + check_character(k[:6] + "19" + k[6:]) for k in known if len(k) == 15 and k.isdigit()
    }
    return known | legacy | upgraded


def leaks(text: str, known: set[str]) -> list[str]:
    """Full ID numbers in a text: anything that looks like one, and any number of the source in any form."""
    found = privacy.find_full_ids(text)
    found += [m for m in (normalize(c) for c in _CANDIDATE.findall(text)) if m in known or m[:18] in known]
    return found


def workbook_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)


# ---------------------------------------------------------------- the scanners themselves


def test_the_scanner_finds_every_form_of_a_known_number():
    known = known_numbers(pd.Series(["11010519491231002X", "130503670401001", "440106 19800229 1238"]))
    for shown in [
        "11010519491231002X",
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105 19491231 002X",
        "130503670401001",
        "130503196704010016",
        "44010619800229 1238",
    ]:
        assert leaks(f"<td>{shown}</td>", known), shown
    for shown in ["110105********002X", "130503*****1001", "C000012", "2023-05-01", "SQ100016153"]:
        assert leaks(f"<td>{shown}</td>", known) == [], shown


# ---------------------------------------------------------------- committed notebooks


NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.fixture(scope="module")
def sample_numbers() -> set[str]:
    """Every ID number of the bundled sample, on which the committed notebooks ran."""
    frame = pd.read_csv(config.SAMPLE_APPLICATIONS, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return known_numbers(frame["身份证号码"])


def test_there_are_notebooks_to_scan():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_holds_no_full_id_number(notebook, sample_numbers):
    """The whole file: sources, outputs, and widget state in the metadata."""
    text = notebook.read_text(encoding="utf-8")
    assert leaks(text, sample_numbers) == []


# ---------------------------------------------------------------- a freshly generated report


@pytest.fixture
def fresh(sample_report):
    source, out, frame, _ = sample_report
    return source, out, known_numbers(frame["id_number"])


def test_fresh_report_holds_no_full_id_number_outside_the_case_workbook(fresh):
    _, out, known = fresh
    scanned = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.name in ALLOWED:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert leaks(text, known) == [], path.name
        scanned.append(path.name)
    assert {
        "index.html",
        "flags.csv",
        "summary.json",
        "01-load-and-validate.html",
        "02-duplicate-cards.html",
        "03-cross-province-conflicts.html",
        "05-possible-duplicates.html",
        "06-since-last-run.html",
        "possible_duplicates.csv",
    } <= set(scanned)


def test_flags_csv_and_summary_json_are_masked(fresh):
    _, out, known = fresh
    flags = pd.read_csv(out / "flags.csv", dtype=str, keep_default_na=False)
    # 18 characters: the first 6 and last 4 shown; other keys: up to their last ':' and their last 4 characters
    masked = r"(\d{6}\*{8}[\dX]{4}|[a-z_]+:(?:[A-Z]{3}:)?\*+[0-9A-Z]{0,4})?"
    assert flags["person_key"].str.fullmatch(masked).all(), flags.loc[~flags["person_key"].str.fullmatch(masked)]
    for name in ["flags.csv", "possible_duplicates.csv", "summary.json"]:
        assert leaks((out / name).read_text(encoding="utf-8"), known) == [], name


def test_the_case_workbook_holds_full_numbers_so_the_scanner_is_proven(fresh):
    _, out, known = fresh
    text = workbook_text(out / "cases.xlsx")
    assert privacy.find_full_ids(text)
    assert leaks(text, known)


def test_masked_case_workbook_holds_none(fresh, tmp_path):
    source, _, known = fresh
    code, _, err = run_cli("flag", source, "--out", tmp_path, "--workbook", tmp_path / "full.xlsx")
    assert code == 0, err
    assert leaks(workbook_text(tmp_path / "full.xlsx"), known)
    code, _, err = run_cli("flag", source, "--out", tmp_path, "--workbook", tmp_path / "masked.xlsx", "--mask-workbook")
    assert code == 0, err
    text = workbook_text(tmp_path / "masked.xlsx")
    assert leaks(text, known) == []
    assert re.search(r"\d{6}\*{8}[\dX]{4}", text)


# ---------------------------------------------------------------- every display helper the notebooks call


def _texts(value) -> list[str]:
    """What a display shows: a frame's HTML and plain text, a widget tree's values and option labels."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return [value.to_html(), value.to_string()]
    if hasattr(value, "children"):
        return [t for child in value.children for t in _texts(child)]
    shown = [str(getattr(value, "value", "")) if not isinstance(getattr(value, "value", ""), bytes) else ""]
    shown += [str(o) for o in getattr(value, "options", ())]
    return shown


def test_every_display_helper_masks(fresh):
    source, _, known = fresh
    loaded = load_applications(source)
    records, report = loaded.frame, loaded.report
    flags = flag_applications(records, check_documents=report.documents_checked)
    everything = len(records)
    shown = {
        "validation.load_summary": validation.load_summary(report, records),
        "validation.flag_overview": validation.flag_overview(flags, report),
        "validation.problems_by_reason": validation.problems_by_reason(flags, FLAGS),
        "validation.unusable_rows": validation.unusable_rows(records, limit=everything),
        "validation.province_counts": validation.province_counts(records),
        "cases.origin_destination": cases.origin_destination(records, flags),
        "cases.top_flows": cases.top_flows(cases.origin_destination(records, flags)),
        "explore.case_explorer": explore.case_explorer(
            records, flags, ["duplicate_card", "cross_province_conflict"], limit=everything
        ),
    }
    for flag in ["duplicate_card", "cross_province_conflict"]:
        shown |= {
            f"cases.masked_cases {flag}": cases.masked_cases(cases.case_table(records, flags, flag), limit=everything),
            f"cases.example_timelines {flag}": cases.example_timelines(records, flags, flag, persons=everything),
            f"cases.headline {flag}": cases.headline(records, flags, flag),
            f"cases.overview {flag}": cases.overview(flags, flag, report.rows_read),
            f"cases.by_province {flag}": cases.by_province(flags, flag),
            f"cases.by_year {flag}": cases.by_year(records, flags, flag),
        }
    assert len(validation.unusable_rows(records, limit=everything)) > 0  # the scan sees real ID text
    for helper, value in shown.items():
        for text in _texts(value):
            assert leaks(text, known) == [], helper
        if isinstance(value, pd.DataFrame) and "name" in value.columns:
            names = value["name"].dropna()
            assert names.str.fullmatch(r".\*+").all(), helper


def test_the_register_holds_no_id_number(fresh):
    """Every table of the case register the report recorded its run in: keyed hashes, never a number."""
    import duckdb

    _, out, known = fresh
    with duckdb.connect(str(out.parent / "register.duckdb"), read_only=True) as connection:
        tables = [t for (t,) in connection.execute("SHOW TABLES").fetchall()]
        text = "\n".join(str(connection.execute(f"SELECT * FROM {t}").fetchall()) for t in tables)
    assert "cases" in tables and len(text) > 1000
    assert leaks(text, known) == []
