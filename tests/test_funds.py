"""Article 64 model, fund ledgers and their breakdowns, the published reference table, and how the package hangs
together."""

from __future__ import annotations

import ast
import importlib
import math
import re
from graphlib import TopologicalSorter
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from analysis import funds
from analysis.config import FUND_SOURCES_DIR, NOTEBOOKS_DIR, PROJ_ROOT
from analysis.funds import LedgerError, build_reference

# Article 64 of the Social Insurance Law as amended on 2018-12-29, quoted independently of the package.
LAW = (
    "社会保险基金包括基本养老保险基金、基本医疗保险基金、工伤保险基金、失业保险基金和生育保险基金。"
    "除基本医疗保险基金与生育保险基金合并建账及核算外，其他各项社会保险基金按照社会保险险种分别建账，分账核算。"
    "社会保险基金执行国家统一的会计制度。社会保险基金专款专用，任何组织和个人不得侵占或者挪用。"
    "基本养老保险基金逐步实行全国统筹，其他社会保险基金逐步实行省级统筹，具体时间、步骤由国务院规定。"
)
HEADER = "year,province,fund,scheme,revenue,expenditure,balance\n"


def _by_name() -> pd.DataFrame:
    return funds.FUNDS.set_index("name_zh")


# ---------------------------------------------------------------- the law


def test_five_funds_are_the_ones_the_law_lists_in_its_order():
    listed = re.match(r"社会保险基金包括(.+?)。", LAW).group(1)
    names = re.split(r"、|和", listed)
    assert list(funds.FUNDS["name_zh"]) == names
    assert funds.FUNDS["code"].is_unique and len(funds.FUNDS) == 5


def test_accounting_groups_follow_the_law():
    a, b = re.search(r"除(.+?)与(.+?)合并建账及核算外", LAW).groups()
    table = _by_name()
    assert table.loc[a, "accounting_group"] == table.loc[b, "accounting_group"]
    others = table.drop(index=[a, b])
    # "其他各项...分别建账": every other fund has a group of its own
    assert others["accounting_group"].is_unique
    assert not others["accounting_group"].isin([table.loc[a, "accounting_group"]]).any()
    assert funds.FUNDS["accounting_group"].nunique() == len(funds.FUNDS) - 1
    assert set(funds.GROUPS["code"]) == set(funds.FUNDS["accounting_group"])


def test_pooling_levels_follow_the_law():
    national = re.search(r"。([^。，]+?)逐步实行全国统筹", LAW).group(1)
    assert "其他社会保险基金逐步实行省级统筹" in LAW
    table = _by_name()
    assert table.loc[national, "pooling_level"] == "national"
    assert (table.drop(index=national)["pooling_level"] == "provincial").all()


def test_package_quotes_the_same_text():
    assert funds.ARTICLE_64_ZH == LAW


# ---------------------------------------------------------------- breakdowns on a hand-made ledger

# 2015: pension has an 'all' row and its parts (use 'all'); medical only parts (sum them); work injury only
# provinces (sum them); unemployment national and provinces (use national); maternity one national row.
ROWS = [
    (2014, "", "pension", "all", 80, 60, 200),
    (2014, "", "medical", "employee", 50, 40, 90),
    (2014, "", "maternity", "all", 10, 8, 12),
    (2015, "", "pension", "all", 100, 70, 230),
    (2015, "", "pension", "employee", 70, 50, 180),
    (2015, "", "pension", "urban_rural_resident", 30, 20, 50),
    (2015, "", "medical", "employee", 40, 30, 100),
    (2015, "", "medical", "urban_rural_resident", 20, 15, 25),
    (2015, "广东", "work_injury", "all", 5, 3, 11),
    (2015, "江苏", "work_injury", "all", 7, 4, 13),
    (2015, "浙江", "work_injury", "all", 2, 1, 4),
    (2015, "", "unemployment", "all", 10, 6, 30),
    (2015, "广东", "unemployment", "all", 6, 4, 18),
    (2015, "江苏", "unemployment", "all", 4, 2, 12),
    (2015, "", "maternity", "all", 8, 7, 10),
]
# What each fund's 2015 figure should be, worked out by hand from ROWS.
EXPECTED_2015 = {
    "pension": (100, 70, 230),
    "medical": (40 + 20, 30 + 15, 100 + 25),
    "work_injury": (5 + 7 + 2, 3 + 4 + 1, 11 + 13 + 4),
    "unemployment": (10, 6, 30),
    "maternity": (8, 7, 10),
}


@pytest.fixture
def ledger() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=["year", "province", "fund", "scheme", "revenue", "expenditure", "balance"])
    return funds.validate_ledger(frame.astype(str), "hand.csv")


def test_fund_breakdown_matches_hand_totals(ledger):
    fb = funds.fund_breakdown(ledger).set_index(["year", "fund"])
    for code, figures in EXPECTED_2015.items():
        assert tuple(fb.loc[(2015, code), funds.MEASURES]) == pytest.approx(figures), code
    assert fb.loc[(2015, "work_injury"), "basis"] == "sum of provinces"
    assert fb.loc[(2015, "work_injury"), "n_provinces"] == 3
    assert fb.loc[(2015, "unemployment"), "basis"] == "national"
    assert fb.loc[(2015, "medical"), "schemes"] == "employee+urban_rural_resident"
    assert fb.loc[(2015, "pension"), "schemes"] == "all"


def test_shares_are_parts_of_the_year_total(ledger):
    fb = funds.fund_breakdown(ledger).set_index(["year", "fund"])
    total = sum(f[0] for f in EXPECTED_2015.values())
    for code, figures in EXPECTED_2015.items():
        assert fb.loc[(2015, code), "share_revenue_pct"] == pytest.approx(figures[0] / total * 100)
    assert fb.loc[2015, "share_balance_pct"].sum() == pytest.approx(100)


def test_year_totals_match_hand_totals(ledger):
    totals = funds.year_totals(funds.fund_breakdown(ledger)).set_index("year")
    for i, m in enumerate(funds.MEASURES):
        assert totals.loc[2015, m] == pytest.approx(sum(f[i] for f in EXPECTED_2015.values()))
    assert totals.loc[2015, "n_funds"] == 5 and totals.loc[2015, "funds_missing"] == ""
    assert set(totals.loc[2014, "funds_missing"].split("+")) == {"work_injury", "unemployment"}


def test_year_over_year_change_only_on_like_for_like(ledger):
    fb = funds.fund_breakdown(ledger).set_index(["year", "fund"])
    assert fb.loc[(2015, "pension"), "yoy_revenue_pct"] == pytest.approx((100 / 80 - 1) * 100)
    assert fb.loc[(2015, "maternity"), "yoy_balance_pct"] == pytest.approx((10 / 12 - 1) * 100)
    # 2014 medical covers the employee scheme only, 2015 both schemes: no change is computed
    assert math.isnan(fb.loc[(2015, "medical"), "yoy_revenue_pct"])
    assert math.isnan(fb.loc[(2014, "pension"), "yoy_revenue_pct"])


def test_year_over_year_never_spans_a_gap():
    frame = pd.DataFrame(
        {
            "year": ["2013", "2015"],
            "fund": ["pension"] * 2,
            "revenue": ["10", "20"],
            "expenditure": ["5", "6"],
            "balance": ["1", "2"],
        }
    )
    fb = funds.fund_breakdown(funds.validate_ledger(frame))
    assert fb["yoy_revenue_pct"].isna().all()


def test_group_breakdown_sums_medical_and_maternity(ledger):
    gb = funds.group_breakdown(ledger).set_index(["year", "accounting_group"])
    row = gb.loc[(2015, "medical_maternity")]
    assert row["revenue"] == pytest.approx(EXPECTED_2015["medical"][0] + EXPECTED_2015["maternity"][0])
    assert row["complete"] and row["funds_present"] == "medical+maternity"
    assert gb.loc[(2015, "pension"), "revenue"] == pytest.approx(EXPECTED_2015["pension"][0])
    total = sum(f[0] for f in EXPECTED_2015.values())
    assert gb.loc[2015, "revenue"].sum() == pytest.approx(total)
    assert row["share_revenue_pct"] == pytest.approx(row["revenue"] / total * 100)
    assert len(gb.loc[2015]) == 4
    # 2014 holds both members too; 2015 vs 2014 medical+maternity: (60+8)/(50+10)
    assert row["yoy_revenue_pct"] == pytest.approx((68 / 60 - 1) * 100)


def test_group_missing_a_member_says_so():
    frame = pd.DataFrame(
        {"year": ["2008"], "fund": ["medical"], "revenue": ["3"], "expenditure": ["2"], "balance": ["4"]}
    )
    row = funds.group_breakdown(funds.validate_ledger(frame)).iloc[0]
    assert not row["complete"] and row["funds_missing"] == "maternity"


def test_province_breakdown_and_shares(ledger):
    pb = funds.province_breakdown(ledger, 2015).set_index(["province", "fund"])
    assert pb.loc[("江苏", "work_injury"), "revenue"] == 7
    assert pb.loc[("江苏", "work_injury"), "share_revenue_pct"] == pytest.approx(7 / (5 + 7 + 2) * 100)
    assert pb.loc[("广东", "unemployment"), "share_balance_pct"] == pytest.approx(18 / (18 + 12) * 100)
    assert len(pb) == 5


def test_province_coverage_names_missing_provinces(ledger):
    cov = funds.province_coverage(ledger, 2015).set_index("fund")
    assert cov.loc["unemployment", "missing_provinces"] == "浙江"
    assert cov.loc["work_injury", "missing_provinces"] == ""
    assert cov.loc["unemployment", "difference"] == pytest.approx(10 - (6 + 4))
    assert cov.loc["maternity", "n_provinces"] == 0


def test_a_missing_figure_stays_missing_in_sums():
    frame = pd.DataFrame(
        {
            "year": ["2015"] * 2,
            "province": ["广东", "江苏"],
            "fund": ["work_injury"] * 2,
            "revenue": ["5", "7"],
            "expenditure": ["3", "4"],
            "balance": ["11", ""],
        }
    )
    fb = funds.fund_breakdown(funds.validate_ledger(frame)).iloc[0]
    assert fb["revenue"] == 12 and math.isnan(fb["balance"])


# ---------------------------------------------------------------- bad ledgers


def _write(tmp_path, body: str, name: str = "ledger.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(body, encoding=encoding)
    return path


def test_unknown_fund_names_the_rows(tmp_path):
    body = "2015,,pension,,1,1,1\n2015,,housing,,1,1,1\n2015,,养老,employee,1,1,1\n2015,,x,,1,1,1\n"
    path = _write(tmp_path, HEADER + body)
    expected = r"ledger\.csv: column 'fund': unknown fund in rows 3 \('housing'\), 5 \('x'\)"
    with pytest.raises(LedgerError, match=expected):
        funds.load_ledger(path)


def test_negative_amount_names_the_rows_and_column(tmp_path):
    path = _write(tmp_path, HEADER + "2015,,pension,,1,1,1\n2015,,medical,,1,-2,1\n")
    with pytest.raises(LedgerError, match=r"column 'expenditure': negative amount in row 3 \('-2'\)"):
        funds.load_ledger(path)


def test_repeated_key_names_every_row(tmp_path):
    body = "2015,广东,pension,,1,1,1\n2015,江苏,pension,,1,1,1\n2015,广东,养老保险,all,2,2,2\n"
    path = _write(tmp_path, HEADER + body)
    with pytest.raises(LedgerError, match=r"repeated \(year, province, fund, scheme\) in rows 2, 4"):
        funds.load_ledger(path)


def test_missing_column_names_it_and_the_headers_found(tmp_path):
    path = _write(tmp_path, "年度,基金,收入,支出\n2015,pension,1,1\n")
    with pytest.raises(LedgerError, match=r"missing column\(s\) balance \(found headers: 年度, 基金, 收入, 支出"):
        funds.load_ledger(path)


def test_not_a_number_and_bad_year_are_named(tmp_path):
    path = _write(tmp_path, HEADER + "2015,,pension,,abc,1,1\n二〇一五,,medical,,1,1,1\n")
    with pytest.raises(LedgerError) as err:
        funds.load_ledger(path)
    message = str(err.value)
    assert "column 'revenue': not a number in row 2 ('abc')" in message
    assert "column 'year': not a year in row 3 ('二〇一五')" in message
    assert "\n" not in message


def test_unreadable_files_get_one_line(tmp_path):
    with pytest.raises(LedgerError, match=r"missing\.csv: file not found"):
        funds.load_ledger(tmp_path / "missing.csv")
    with pytest.raises(LedgerError, match=r"^ledger\.csv: the file is UTF-16") as err:
        funds.load_ledger(_write(tmp_path, HEADER + "2015,,pension,,1,1,1\n", encoding="utf-16"))
    assert "\n" not in str(err.value)
    cut = tmp_path / "cut.csv"
    cut.write_bytes((HEADER + "2015,,养老,,1,1,1\n2015,,").encode() + "医".encode()[:2])
    with pytest.raises(LedgerError, match=r"^cut\.csv: the file ends in the middle of a character"):
        funds.load_ledger(cut)
    with pytest.raises(LedgerError, match=r"unsupported file type '\.txt'"):
        funds.load_ledger(_write(tmp_path, HEADER, "ledger.txt"))
    with pytest.raises(LedgerError, match=r"not a readable \.xlsx"):
        funds.load_ledger(_write(tmp_path, "not a workbook", "ledger.xlsx"))


def test_breakdown_refuses_an_unchecked_frame():
    with pytest.raises(LedgerError, match="not a fund ledger"):
        funds.fund_breakdown(pd.DataFrame({"year": [2015], "fund": ["pension"]}))


# ---------------------------------------------------------------- file formats


def test_gb18030_csv_with_chinese_headers_and_units(tmp_path):
    body = (
        "年度,省份,险种,收入（万元）,支出（万元）,年末累计结余（万元）\n"
        "2015,全国,基本养老保险基金,1000000,500000,\n2015,广东,工伤,20000,10000,30000\n"
    )
    path = _write(tmp_path, body, encoding="gb18030")
    ledger = funds.load_ledger(path)
    assert list(ledger["fund"]) == ["pension", "work_injury"]
    assert list(ledger["province"]) == ["", "广东"]
    assert ledger.loc[0, "revenue"] == pytest.approx(100) and math.isnan(ledger.loc[0, "balance"])
    assert ledger.loc[1, "balance"] == pytest.approx(3)
    assert (ledger["source"] == "ledger.csv").all()


def test_utf8_bom_csv(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + HEADER + "2015,,失业保险基金,,1,2,3\n").encode("utf-8"))
    assert funds.load_ledger(path).loc[0, "fund"] == "unemployment"


def test_xlsx_ledger(tmp_path):
    path = tmp_path / "ledger.xlsx"
    frame = pd.DataFrame(ROWS, columns=["year", "province", "fund", "scheme", "revenue", "expenditure", "balance"])
    frame.assign(revenue=frame["revenue"].astype(float)).to_excel(path, index=False)
    fb = funds.fund_breakdown(funds.load_ledger(path)).set_index(["year", "fund"])
    assert fb.loc[(2015, "medical"), "revenue"] == pytest.approx(EXPECTED_2015["medical"][0])


def test_open_ledger_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, HEADER + "2015,,pension,,1,1,1\n", "mine.csv")
    assert funds.open_ledger("mine.csv").loc[0, "fund"] == "pension"
    assert set(funds.open_ledger(None)["fund"]) == set(funds.FUND_CODES)
    # a project-relative path works from any directory; the tidy reference table is no ledger (provinces
    # are in province_code, so its provincial rows repeat the national key)
    with pytest.raises(LedgerError, match=r"^data/reference/fund_figures\.csv: repeated"):
        funds.open_ledger("data/reference/fund_figures.csv")


# ---------------------------------------------------------------- the reference table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return funds.read_reference_table()


def test_every_reference_row_has_a_source(table):
    assert table["source_url"].str.match(r"https?://").all()
    assert table["source_quality"].isin(["official", "secondary"]).all()
    assert table["unit"].eq("100 million yuan").all()
    assert not table.duplicated(["source_file", "source_row"]).any()
    secondary = table["source_file"].isin(["communique_figures_secondary.csv", "medical_nhsa_series.csv"])
    assert (table.loc[secondary, "source_quality"] == "secondary").all()
    assert (table.loc[~secondary, "source_quality"] == "official").all()


def test_published_ledger_has_one_row_per_key_and_all_five_funds_in_2015(table):
    ledger = funds.published_ledger()
    assert not ledger.duplicated(funds.LEDGER_KEY).any()
    assert set(ledger.loc[ledger["year"].eq(2015), "fund"]) == set(funds.FUND_CODES)
    # a key published twice must carry the same figures, or the choice between them would matter
    key = ["year", "province_code", "fund", "scheme"]
    twice = table[table.duplicated(key, keep=False)]
    amounts = ["revenue", "expenditure", "year_end_balance"]
    assert (twice.groupby(key)[amounts].nunique(dropna=False) == 1).all().all()  # noqa: PD101 (NaN counts)
    assert len(ledger) == len(table.drop_duplicates(key))


def test_nothing_interpolated_row_counts_and_figures_match_the_source_files(table):
    counts = table["source_file"].value_counts()
    for file in funds.SOURCES:
        source = pd.read_csv(FUND_SOURCES_DIR / file, dtype=str, keep_default_na=False)
        assert counts[file] == len(source), file
        # and the figures are the published digits, cell for cell
        ours = table[table["source_file"].eq(file)].sort_values("source_row")
        for col in ("revenue", "expenditure", "year_end_balance"):
            published = pd.to_numeric(source[col].replace("", None)).astype(float)
            assert ours[col].reset_index(drop=True).equals(published.reset_index(drop=True)), (file, col)


def test_committed_table_is_what_the_builder_makes_from_the_sources_in_the_repo(tmp_path):
    out = build_reference.write_reference_table(out=tmp_path / "fund_figures.csv")
    assert out.read_bytes() == funds.REFERENCE_TABLE.read_bytes()


def test_every_source_file_is_in_the_repo_listed_once_and_described():
    on_disk = sorted(p.name for p in FUND_SOURCES_DIR.glob("*.csv"))
    assert on_disk == sorted(funds.SOURCES)
    readme = (FUND_SOURCES_DIR / "README.md").read_text(encoding="utf-8")
    for file, source in funds.SOURCES.items():
        assert file in readme, file
        assert source.quality in ("official", "secondary") and source.rank >= 0, file


# ---------------------------------------------------------------- more ledger shapes


def test_unit_column_converts_to_yi_yuan(tmp_path):
    body = 'year,fund,revenue,expenditure,balance,unit\n2015,pension,10000,5000,,万元\n2015,medical,"1,200",3,4,\n'
    ledger = funds.load_ledger(_write(tmp_path, body))
    assert list(ledger["revenue"]) == pytest.approx([1.0, 1200.0])
    body = "year,fund,revenue,expenditure,balance,unit\n2015,pension,1,1,1,千元\n"
    with pytest.raises(LedgerError, match=r"column 'unit': unknown unit in row 2 \('千元'\)"):
        funds.load_ledger(_write(tmp_path, body))


def test_two_headers_for_one_column_and_empty_ledgers(tmp_path):
    with pytest.raises(LedgerError, match=r"headers '收入', 'revenue' all mean column 'revenue'"):
        funds.load_ledger(_write(tmp_path, "year,fund,收入,revenue,expenditure,balance\n2015,pension,1,1,1,1\n"))
    with pytest.raises(LedgerError, match="no data rows"):
        funds.load_ledger(_write(tmp_path, HEADER))


# ---------------------------------------------------------------- charts show gaps as gaps


def test_charts_label_every_missing_figure():
    ledger = funds.open_ledger(None)
    breakdown = funds.fund_breakdown(ledger)
    fig = funds.charts.funds_side_by_side(breakdown, 2015)
    gaps = [t for t in fig.axes[0].texts if "no published figure" in t.get_text()]
    assert len(gaps) == int(breakdown.loc[breakdown["year"].eq(2015), funds.MEASURES].isna().sum().sum())
    fig = funds.charts.province_panels(funds.province_breakdown(ledger), 2008)
    coverage = funds.province_coverage(ledger, 2008)
    shown = sum(1 for ax in fig.axes for t in ax.texts if "no figure" in t.get_text())
    drawn = coverage[coverage["n_provinces"].gt(0)]
    everyone = funds.province_breakdown(ledger, 2008)["province"].nunique()
    assert shown == (everyone - drawn["n_provinces"]).sum() > 0
    assert len(fig.axes) == len(drawn)
    plt.close("all")


# ---------------------------------------------------------------- the package's modules import one way

PACKAGE = Path(funds.__file__).parent
# The sibling modules each module may import. The law's model and the source list come first; the builder of
# the reference table stands apart from ledger reading; charts and notebook helpers come last.
SIBLINGS = {
    "model": set(),
    "sources": set(),
    "ledger": {"model", "sources"},
    "breakdown": {"model", "ledger"},
    "charts": {"model"},
    "notebook": {"model", "ledger"},
    "build_reference": {"sources"},
}
# Third-party packages only one module may use: the one whose job needs them.
ONLY_IN = {"matplotlib": "charts", "IPython": "notebook"}


def _imports(module: str) -> list[ast.Import | ast.ImportFrom]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def _siblings(module: str) -> set[str]:
    found = set()
    for node in _imports(module):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
    return found


def test_every_module_has_a_place_in_the_import_order():
    assert {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"} == set(SIBLINGS)
    list(TopologicalSorter(SIBLINGS).static_order())  # raises CycleError on a circle


@pytest.mark.parametrize("module", sorted(SIBLINGS))
def test_module_imports_only_siblings_before_it(module):
    assert _siblings(module) <= SIBLINGS[module], module


@pytest.mark.parametrize("module", [*sorted(SIBLINGS), "__init__"])
def test_imports_are_relative_at_module_level_and_by_job(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    nested = [n for f in functions for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not nested, f"{module}: import inside a function or class at line {nested[0].lineno}"
    for node in _imports(module):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        for name in names:
            top = name.split(".")[0]
            assert top != "analysis", f"{module}: absolute import of {name}; import the project relatively"
            assert ONLY_IN.get(top, module) == module, f"{module} imports {top}, which only {ONLY_IN[top]} may"


def test_package_does_not_load_the_builder():
    # python -m analysis.funds.build_reference runs the package first; were the builder loaded there, it would
    # run twice over
    assert "build_reference" not in _siblings("__init__")


# ---------------------------------------------------------------- docs name only what exists

DOCS = [PROJ_ROOT / "docs" / "funds.md", PROJ_ROOT / "data" / "README.md", FUND_SOURCES_DIR / "README.md"]


def _resolves(dotted: str) -> bool:
    """Does analysis.x.y name a module, or an attribute of one."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for name in parts[i:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def _named(text: str, folder: Path) -> tuple[list[str], list[str]]:
    """Names in the funds package (analysis.funds.x, funds.x) that do not resolve, and paths that exist neither
    beside the text nor in the repo."""
    spans = re.findall(r"`([^`\n]+)`", text)
    names = [re.match(r"[\w.]+", s).group(0) for s in spans if re.match(r"analysis\.fund|funds\.", s)]
    unknown = [n for n in names if not _resolves(n if n.startswith("analysis.") else f"analysis.{n}")]
    paths = [s for s in spans if "/" in s and re.fullmatch(r"[\w.\-/]+", s) and re.search(r"[a-z]", s)]  # not 2023/5/1
    missing = [p for p in paths if not (folder / p).exists() and not (PROJ_ROOT / p).exists()]
    return unknown, missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(PROJ_ROOT).as_posix())
def test_funds_docs_name_only_code_and_files_that_exist(doc):
    text = doc.read_text(encoding="utf-8")
    assert _named(text, doc.parent) == ([], [])
    assert "../" not in text  # nothing outside the repo


def test_notebook_text_names_only_code_and_files_that_exist():
    nb = nbformat.read(NOTEBOOKS_DIR / "04-article-64-funds.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert _named(text, NOTEBOOKS_DIR) == ([], [])
