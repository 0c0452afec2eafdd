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
# provinces, in a year with national rows (no national figure); unemployment national and provinces (use
# national); maternity one national row. 2013: provinces only (summed, and said so).
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
    (2013, "广东", "pension", "all", 9, 8, 30),
    (2013, "江苏", "pension", "all", 6, 5, 20),
]
# What each fund's 2015 figure should be, worked out by hand from ROWS.
EXPECTED_2015 = {
    "pension": (100, 70, 230),
    "medical": (40 + 20, 30 + 15, 100 + 25),
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
    # three provinces' work injury are no national figure in a year with national rows
    assert (2015, "work_injury") not in fb.index
    assert fb.loc[(2015, "unemployment"), "basis"] == "national"
    # a year of provinces only is their sum, and says so
    assert tuple(fb.loc[(2013, "pension"), funds.MEASURES]) == pytest.approx((15, 13, 50))
    assert fb.loc[(2013, "pension"), "basis"] == "sum of provinces"
    assert fb.loc[(2013, "pension"), "n_provinces"] == 2
    assert fb.loc[(2015, "medical"), "schemes"] == "employee+urban_rural_resident"
    assert fb.loc[(2015, "medical"), "whole"]  # employees and residents make the whole fund
    assert fb.loc[(2015, "pension"), "schemes"] == "all"
    assert not fb.loc[(2014, "medical"), "whole"]


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
    assert totals.loc[2015, "n_funds"] == 4 and totals.loc[2015, "funds_missing"] == "work_injury"
    assert set(totals.loc[2014, "funds_missing"].split("+")) == {"work_injury", "unemployment"}
    assert not totals["all_five"].any()


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
    assert len(gb.loc[2015]) == 3  # no work-injury account: its provinces are no national figure
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
    assert funds.province_coverage(ledger, None).empty


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
    with pytest.raises(LedgerError, match=r"^data/reference/fund_figures\.csv: .*repeated"):
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
    assert table["release"].isin(funds.RELEASES["code"]).all() and table["release"].ne("").all()
    # a file's own quality column is kept row by row; a file without one gives every row its quality
    for file, source in funds.SOURCES.items():
        rows = table[table["source_file"].eq(file)]
        raw = pd.read_csv(FUND_SOURCES_DIR / file, dtype=str, keep_default_na=False)
        expected = raw["source_quality"] if not source.quality else pd.Series(source.quality, index=raw.index)
        assert list(rows["source_quality"]) == list(expected), file


def test_every_bundled_figure_from_2011_on_carries_its_source(table):
    ledger = funds.published_ledger()
    recent = ledger[ledger["year"].between(2011, 2024)]
    assert len(recent) > 100
    assert recent["source"].str.match(r"https?://\S+( ; https?://\S+)*$").all()
    assert recent["release"].ne("").all() and recent["source_quality"].isin(["official", "secondary"]).all()
    # and the figures are those of the source file's row it names, cell for cell
    for file, rows in recent.groupby("source_file"):
        raw = pd.read_csv(FUND_SOURCES_DIR / file, dtype=str, keep_default_na=False)
        published = raw.loc[rows["source_row"] - 2, ["revenue", "expenditure", "year_end_balance"]]
        published = published.replace("", None).apply(pd.to_numeric).astype(float).to_numpy()
        ours = rows[["revenue", "expenditure", "balance"]].to_numpy(dtype=float)
        assert ((ours == published) | (pd.isna(ours) & pd.isna(published))).all(), file


def test_published_ledger_keeps_one_row_per_key_by_the_precedence_rule(table):
    ledger = funds.published_ledger()
    assert not ledger.duplicated(funds.LEDGER_KEY).any()
    assert set(ledger.loc[ledger["year"].eq(2015), "fund"]) == set(funds.FUND_CODES)
    rows = funds.reference_rows()
    fund_rows = rows[rows["fund"].isin(funds.FUND_CODES)]
    assert len(ledger) == len(fund_rows.drop_duplicates(funds.LEDGER_KEY))  # every key once, nothing made up
    assert set(ledger["row"]) <= set(fund_rows["row"])
    # no kept row has a rival the rule ranks higher
    rank = funds.sources.RELEASE_RANK
    rivals = fund_rows.merge(ledger[[*funds.LEDGER_KEY, "release", "source_quality"]], on=funds.LEDGER_KEY)
    better = rivals["release_x"].map(rank) < rivals["release_y"].map(rank)
    same = rivals["release_x"].map(rank) == rivals["release_y"].map(rank)
    better |= same & rivals["source_quality_x"].eq("official") & rivals["source_quality_y"].eq("secondary")
    assert not better.any()
    # the cases the shared README names: the later release wins
    kept = ledger.set_index(funds.LEDGER_KEY)
    assert kept.loc[(2022, "", "medical", "all"), ["revenue", "release"]].tolist() == [30922.17, "bulletin"]
    assert kept.loc[(2015, "", "pension", "all"), ["revenue", "release"]].tolist() == [32195, "communique"]
    assert kept.loc[(2012, "", "medical", "employee"), ["revenue", "release"]].tolist() == [5909, "final_accounts"]
    # one scheme under two codes is one key: MOHRSS 城镇职工 pension 2021 (urban_employee) and the older file's
    # `employee` row, of which the rule keeps the one with the balance
    assert kept.loc[(2021, "", "pension", "employee"), "balance"] == 52574
    assert "urban_employee" not in set(ledger["scheme"])


def test_releases_of_2022_labelled_wrongly_in_their_files_are_the_express_report(table):
    fixed = table[table["source_note"].str.contains(r"\[release: express; the source file says", regex=True)]
    assert set(zip(fixed["source_file"], fixed["source_row"], strict=True)) == set(funds.sources.RELEASE_CORRECTIONS)
    express = table[table["source_file"].eq("communique_figures_2012_2024.csv") & table["release"].eq("express")]
    same = fixed.merge(express, on=["year", "fund", "scheme", "revenue", "expenditure"])
    assert len(same) == len(fixed) == 6  # the express report's own figures, in both files


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
        columns = pd.read_csv(FUND_SOURCES_DIR / file, nrows=0).columns
        # a file says its quality and release row by row, or the list says them for the whole file
        assert (source.quality in ("official", "secondary")) != ("source_quality" in columns), file
        assert bool(source.release) != ("release" in columns), file


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
    "releases": {"model", "ledger", "sources"},
    "breakdown": {"model", "ledger", "sources"},
    "prose": {"model", "breakdown", "sources"},
    "charts": {"model", "sources"},
    "notebook": {"model", "ledger", "prose"},
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


# ---------------------------------------------------------------- the gaps data/README.md lists are the data's

MISSING_WORDS = {
    "balance": "no balance",
    "expenditure+balance": "revenue only",
    "revenue+balance": "expenditure only",
    "revenue": "no revenue",
    "expenditure": "no expenditure",
}


def test_readme_lists_what_is_published_and_missing_per_year_and_fund_2011_2024():
    breakdown = funds.fund_breakdown(funds.published_ledger())
    grid = funds.availability(breakdown).set_axis(list(funds.FUND_CODES))
    figures = breakdown.set_index(["year", "fund"])
    lines = []
    for year in range(2011, 2025):
        cells = []
        for fund in funds.FUND_CODES:
            cell = grid.loc[fund, year]
            if (year, fund) in figures.index:
                gone = "+".join(m for m in funds.MEASURES if pd.isna(figures.loc[(year, fund), m]))
                cell += f" ({MISSING_WORDS[gone]})" if gone else ""
            cells.append(cell)
        lines.append(f"| {year} | " + " | ".join(cells) + " |")
    readme = (PROJ_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert "\n".join(lines) in readme


# ---------------------------------------------------------------- schemes, the 2019 merger, the years shown


def _ledger(rows: list[tuple], columns: str = "year,province,fund,scheme,revenue,expenditure,balance") -> pd.DataFrame:
    return funds.validate_ledger(pd.DataFrame(rows, columns=columns.split(",")).astype(str), "hand.csv")


def test_a_scheme_inside_another_present_is_never_added_to_it():
    ledger = _ledger(
        [
            (2016, "", "pension", "urban_employee", 100, 90, 300),  # 城镇职工, written as the newer files do
            (2016, "", "pension", "企业职工", 80, 70, 250),  # inside urban employees
            (2016, "", "pension", "城乡居民", 20, 10, 50),
            (2016, "", "medical", "employee", 50, 40, 60),
            (2016, "", "medical", "employee_pooled", 30, 25, 40),  # parts of the employee figure
            (2016, "", "medical", "employee_personal_account", 20, 15, 20),
            (2016, "", "work_injury", "my_scheme_a", 3, 2, 1),  # a ledger's own schemes: parts, summed
            (2016, "", "work_injury", "my_scheme_b", 4, 3, 2),
        ]
    )
    fb = funds.fund_breakdown(ledger).set_index("fund")
    assert tuple(fb.loc["pension", funds.MEASURES]) == (120, 100, 350)
    assert fb.loc["pension", "schemes"] == "employee+urban_rural_resident" and fb.loc["pension", "whole"]
    assert tuple(fb.loc["medical", funds.MEASURES]) == (50, 40, 60) and fb.loc["medical", "schemes"] == "employee"
    assert not fb.loc["medical", "whole"]
    assert tuple(fb.loc["work_injury", funds.MEASURES]) == (7, 5, 3)
    # the series keeps every scheme as published, each its own line
    series = funds.scheme_series(ledger)
    assert len(series[series["fund"].eq("pension")]) == 3
    assert series.loc[series["scheme"].eq("enterprise_employee"), "revenue"].item() == 80


def test_transfers_beside_a_fund_never_enter_its_total():
    ledger = _ledger(
        [
            (2020, "上海", "pension", "enterprise_employee", 10, 9, ""),
            (2020, "上海", "pension", "central_adjustment_transfer", 5, 6, ""),
            (2020, "上海", "medical", "all", 4, 3, ""),
        ]
    )
    assert funds.province_breakdown(ledger, 2020).set_index("fund").loc["pension", "revenue"] == 10
    assert funds.fund_breakdown(ledger).set_index("fund").loc["pension", "revenue"] == 10  # no national row
    assert "central_adjustment_transfer" not in set(funds.scheme_series(ledger)["scheme"])


FOUR = [("pension", 60, 50, 70), ("medical", 30, 25, 40), ("work_injury", 1, 1, 2), ("unemployment", 2, 2, 4)]


def test_maternity_is_inside_medical_from_2019():
    rows = [(year, "", fund, "", *figures) for year in (2018, 2019) for fund, *figures in FOUR]
    ledger = _ledger(rows)
    totals = funds.year_totals(funds.fund_breakdown(ledger)).set_index("year")
    assert totals.loc[2018, "funds_missing"] == "maternity" and not totals.loc[2018, "all_five"]
    assert totals.loc[2019, "funds_missing"] == "" and totals.loc[2019, "all_five"]
    assert totals.loc[2019, "maternity_in_medical"] and not totals.loc[2018, "maternity_in_medical"]
    groups = funds.group_breakdown(ledger).set_index(["year", "accounting_group"])
    assert groups.loc[(2019, "medical_maternity"), "complete"]
    assert not groups.loc[(2018, "medical_maternity"), "complete"]
    grid = funds.availability(funds.fund_breakdown(ledger))
    assert list(grid.loc["生育保险基金 maternity"]) == ["—", "⊂"]
    fig = funds.charts.funds_side_by_side(funds.fund_breakdown(ledger), 2019)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum("inside medical from 2019" in t for t in texts) == 1
    assert not [t for t in texts if "no published figure" in t]  # maternity is no gap there
    plt.close("all")


def test_years_shown_are_chosen_from_the_ledger():
    rows = [(2023, "", fund, "", *figures) for fund, *figures in [*FOUR, ("maternity", 1, 1, 1)]]
    rows += [(2024, "", fund, "", *figures) for fund, *figures in FOUR]  # maternity inside medical
    rows += [(2025, "", "pension", "", 70, 60, 80), (2023, "广东", "pension", "", 6, 5, 7)]
    rows += [(2024, "广东", "pension", "", 7, 6, 8)]
    ledger = _ledger(rows)
    assert funds.chosen_years(ledger) == funds.Years(2024, 2024, "all_five", "latest")
    assert funds.chosen_years(ledger, 2015, 2008) == funds.Years(2015, 2008, "given", "given")
    national = ledger[ledger["province"].eq("")]
    assert funds.chosen_years(national) == funds.Years(2024, None, "all_five", "none")
    # no year with all five: the latest with the most funds
    some = _ledger(
        [(2030, "", "pension", "", 1, 1, 1), (2031, "", "medical", "", 1, 1, 1)]
        + [(2029, "", fund, "", *figures) for fund, *figures in FOUR[:3]]
    )
    assert funds.chosen_years(some) == funds.Years(2029, None, "most_funds", "none")


# ---------------------------------------------------------------- the precedence rule and its disagreements

RELEASE_ROWS = "year,province,fund,scheme,revenue,expenditure,balance,source,source_quality,release,row"


def _releases(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=RELEASE_ROWS.split(","))
    return frame.assign(balance=frame["balance"].astype(float))


def test_the_later_release_wins_then_the_official_copy_then_more_figures():
    rows = _releases(
        [
            (2020, "", "medical", "all", 100.0, 90.0, None, "e", "official", "express", 2),
            (2020, "", "medical", "all", 101.0, 91.0, None, "c", "secondary", "communique", 3),
            (2020, "", "medical", "all", 102.0, 92.0, None, "f", "secondary", "final_accounts", 4),
            (2021, "", "medical", "all", 200.0, 190.0, None, "s", "secondary", "bulletin", 5),
            (2021, "", "medical", "all", 201.0, 191.0, None, "o", "official", "bulletin", 6),
            (2022, "", "medical", "all", 300.0, 290.0, None, "a", "secondary", "communique", 7),
            (2022, "", "medical", "all", 300.0, 290.0, 50.0, "b", "secondary", "communique", 8),
            (2023, "", "medical", "all", 400.0, 390.0, None, "u", "secondary", "unknown", 9),
            (2023, "", "medical", "all", 401.0, 391.0, None, "x", "secondary", "express", 10),
        ]
    )
    kept, aside = funds.apply_precedence(rows, funds.LEDGER_KEY, funds.MEASURES)
    assert list(kept["source"]) == ["f", "o", "b", "x"]
    assert sorted(aside["source"]) == ["a", "c", "e", "s", "u"]


def test_disagreements_are_figures_both_give_that_differ_copies_counted_once():
    rows = _releases(
        [
            (2022, "", "medical", "all", 309.0, 246.0, 426.0, "bulletin.cn", "secondary", "bulletin", 2),
            (2022, "", "medical", "all", 307.0, 244.0, 425.0, "express-a.cn", "secondary", "express", 3),
            (2022, "", "medical", "all", 307.0, 244.0, 425.0, "express-b.cn", "secondary", "express", 4),
            (2019, "", "pension", "all", 570.0, 523.0, None, "communique.cn", "secondary", "communique", 5),
            (2019, "", "pension", "all", 570.0, 523.0, 628.0, "press.cn", "secondary", "mohrss_report", 6),
        ]
    )
    table = funds.releases.disagreements(rows)
    assert len(table) == 1  # 2019: the press figure only adds a balance the communiqué lacks: no disagreement
    row = table.iloc[0]
    assert (row["kept_source"], row["set_aside_source"], row["copies"]) == ("bulletin.cn", "express-a.cn", 2)
    assert (row["kept_revenue"], row["set_aside_revenue"], row["differs"]) == (309, 307, "revenue+expenditure+balance")
    # an analyst's ledger has one row per key: nothing was set aside
    assert funds.release_disagreements("my-ledger.csv").empty


def test_bundled_disagreements_are_real_and_settled_as_the_ledger_holds_them():
    table = funds.release_disagreements()
    assert 10 <= len(table) <= 30  # a small table
    ledger = funds.published_ledger().set_index(funds.LEDGER_KEY)
    for row in table[table["fund"].ne("all_funds")].itertuples():
        kept = ledger.loc[(row.year, row.province, row.fund, row.scheme)]
        assert kept["row"] == row.kept_row and kept["release"] == row.kept_release
        assert any(getattr(row, f"kept_{m}") != getattr(row, f"set_aside_{m}") for m in row.differs.split("+"))
    express = table[table["year"].eq(2022) & table["scheme"].eq("all")].iloc[0]
    assert (express["kept_release"], express["set_aside_release"], express["copies"]) == ("bulletin", "express", 3)
    markdown = funds.disagreement_table(table)
    assert markdown.count("\n") == len(table) + 1
    assert "[g-medon.com](http://g-medon.com/Item/23926.aspx)" in markdown


# ---------------------------------------------------------------- reading paragraphs come from the ledger in use

# National rows only, 2023-2025: all five funds in 2023, four in 2024 (maternity inside medical), pension in 2025.
NATIONAL = [
    (2023, "pension", 7000, 6400, 8000),
    (2023, "medical", 3300, 2800, 4200),
    (2023, "work_injury", 110, 120, 150),
    (2023, "unemployment", 140, 130, 330),
    (2023, "maternity", 50, 40, 60),
    (2024, "pension", 7500, 6900, 8600),
    (2024, "medical", 3500, 3000, 4700),
    (2024, "work_injury", 120, 125, 145),
    (2024, "unemployment", 150, 140, 340),
    (2025, "pension", 8000, 7400, 9200),
]


@pytest.fixture
def national() -> pd.DataFrame:
    return _ledger([(y, "", f, "", r, e, b) for y, f, r, e, b in NATIONAL])


def test_readings_carry_the_ledgers_own_figures(national):
    breakdown = funds.fund_breakdown(national)
    years = funds.chosen_years(national)
    assert years == funds.Years(2024, None, "all_five", "none")
    # by hand, 2024: revenue 7500 + 3500 + 120 + 150 = 11270, expenditure 6900 + 3000 + 125 + 140 = 10165;
    # pension 7500 / 11270 = 66.5%, work injury 120 / 11270 = 1.1% and it paid out more than it took in
    text = funds.five_funds_reading(breakdown, years.fund)
    for part in ["11,270 亿元", "10,165", "66.5%", "1.1%", "工伤保险基金（120 / 125）", "maternity is inside medical"]:
        assert part in text, part
    assert "2019 年起" not in funds.groups_reading(funds.group_breakdown(national), 2024)  # no law-history aside
    assert "maternity is inside the medical figure" in funds.groups_reading(funds.group_breakdown(national), 2024)
    summary = funds.summary_reading(national, breakdown, years, funds.release_disagreements("own.csv"))
    assert "11,270" in summary and "Years with all five funds: 2023–2024" in summary
    assert "No provincial figures in the ledger" in summary
    series = funds.series_reading(breakdown, funds.scheme_series(national))
    assert "The ledger covers 2023–2025" in series and "Pension: figures 2023–2025; no year missing." in series
    assert "Maternity: figures 2023; none 2025; inside medical 2024." in series  # 2025 has no medical figure
    overview = funds.ledger_overview(national, "/elsewhere/ledgers/my ledger.csv", years)  # no absolute path shown
    assert "Ledger: my ledger.csv" in overview and "10 行 rows" in overview
    assert "the latest year with all five funds" in overview


def test_what_the_ledger_lacks_is_said_not_failed(national):
    breakdown = funds.fund_breakdown(national)
    text = funds.five_funds_reading(breakdown, 2015)
    assert "no fund figures for 2015" in text and "2023–2025" in text
    assert "No provincial figures" not in text
    assert "This ledger holds no provincial figures: nothing to show here." in funds.provinces_reading(national, None)
    assert "holds no provincial figures: nothing" in funds.provinces_reading(national, 2008)  # none at all
    some = _ledger([*[(y, "", f, "", r, e, b) for y, f, r, e, b in NATIONAL], (2024, "广东", "pension", "", 9, 8, 7)])
    assert "no provincial figures for 2008 (years with figures: 2024)" in funds.provinces_reading(some, 2008)
    summary = funds.summary_reading(some, breakdown, funds.chosen_years(some, None, 2008), pd.DataFrame())
    assert "No provincial figures for 2008 in the ledger." in summary
    assert funds.province_coverage(national, None).empty
    assert "own ledger" not in funds.disagreements_reading(funds.release_disagreements("own.csv"), "own.csv")
    assert "no release had to be set aside" in funds.disagreements_reading(pd.DataFrame(), "own.csv")
    for fig in (
        funds.charts.funds_side_by_side(breakdown, 2015),
        funds.charts.groups_side_by_side(funds.group_breakdown(national), None),
        funds.charts.province_panels(funds.province_breakdown(national), None),
    ):
        assert fig.axes[0].texts and "No " in fig.axes[0].texts[0].get_text()
    plt.close("all")


def test_the_series_draws_one_line_per_scheme_and_marks_the_accounting_changes():
    ledger = funds.published_ledger()
    series = funds.scheme_series(ledger)
    fig = funds.charts.fund_series(series, measures=("revenue",))
    pension = fig.axes[0]
    drawn = series[series["fund"].eq("pension") & series["revenue"].notna()]
    charted = drawn[drawn["scheme"].map(funds.SCHEMES.set_index("code")["charted"])]
    lines = [line for line in pension.get_lines() if line.get_linestyle() == "-" and len(line.get_xdata()) > 2]
    assert len(lines) == charted["scheme"].nunique() == 4  # all schemes, urban and enterprise employees, residents
    dashed = {int(line.get_xdata()[0]) for line in pension.get_lines() if line.get_linestyle() == "--"}
    assert dashed == {2018, 2022}
    medical = fig.axes[1]
    assert {int(line.get_xdata()[0]) for line in medical.get_lines() if line.get_linestyle() == "--"} == {2019}
    plt.close("all")


def test_sources_show_as_links(national):
    rows = funds.rows_in_totals(funds.published_ledger())
    table = funds.source_table(rows[rows["year"].eq(2011)])
    assert "[jjckb.cn](http://www.jjckb.cn/2012-12/18/content_419026.htm)<br>[g-medon.com]" in table
    assert table._repr_markdown_() == str(table)
    own = funds.source_table(funds.rows_in_totals(national))
    assert "| hand.csv |" in own  # an own ledger's source is its file name, shown as text
