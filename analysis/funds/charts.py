"""Figures of Article 64 fund breakdowns; they draw what they are handed and mark every gap as a gap."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import StrMethodFormatter

from ..charts import use_cjk_style
from .model import (
    ACCOUNTING_EVENTS,
    FUND_CODES,
    FUNDS,
    GROUPS,
    MATERNITY_IN_MEDICAL_FROM,
    MEASURE_LABELS,
    MEASURES,
    SCHEMES,
    UNIT_LABEL,
    WHOLE_FUND,
)
from .sources import RELEASES

COLORS = {"revenue": "#4C72B0", "expenditure": "#DD8452", "balance": "#55A868"}
GAP_COLOR = "#9a9a9a"
NO_FIGURE = "无公布数据\nno published figure"
IN_MEDICAL = f"{MATERNITY_IN_MEDICAL_FROM}年起含在医疗保险中\ninside medical from {MATERNITY_IN_MEDICAL_FROM}"
# The bundled CJK font has no bold face: asking for bold makes matplotlib log a findfont warning (stderr).
TITLE = {"fontsize": 13, "fontweight": "normal"}
SCHEME_NAMES = SCHEMES.set_index("code")
SCHEME_COLORS = {  # the charted schemes (SCHEMES["charted"])
    "all": "#4C72B0",
    "employee": "#DD8452",
    "enterprise_employee": "#C44E52",
    "civil_service": "#8172B3",
    "urban_rural_resident": "#55A868",
    "urban_employee_and_resident": "#937860",
}
OTHER_COLORS = ["#17becf", "#bcbd22", "#7f7f7f", "#e377c2"]  # a ledger's own schemes
# One marker shape per release letter (RELEASES["mark"]); filled: official copy, hollow: secondary.
RELEASE_MARKERS = {"F": "D", "Y": "s", "C": "o", "R": "P", "P": "h", "E": "v", "U": "X", "L": "o"}
# A letter's legend text: the release's name, or what the releases sharing the letter have in common.
RELEASE_NAMES = {
    **{r.mark: f"{r.name_zh} {r.name_en}" for r in RELEASES.drop_duplicates("mark").itertuples()},
    "C": "统计公报 communiqué or bulletin",
    "R": "部门报告 ministry report or statement",
}


def _scheme_name(code: str) -> str:
    """A scheme's Chinese and English name (its code where the table does not know it)."""
    if code not in SCHEME_NAMES.index:
        return code
    return f"{SCHEME_NAMES.loc[code, 'name_zh']} {SCHEME_NAMES.loc[code, 'name_en']}"


def _scheme_text(schemes: object) -> str:
    """Readable note on which schemes a figure covers ('' when it is the whole fund)."""
    if not isinstance(schemes, str) or schemes == "all":
        return ""
    codes = schemes.split("+")
    zh = " + ".join(SCHEME_NAMES["name_zh"].get(c, c) for c in codes)
    en = " + ".join(SCHEME_NAMES["name_en"].get(c, c) for c in codes)
    return f"{zh} {en}" if schemes in WHOLE_FUND else f"仅 {zh} {en} only"


def _amount_format(values: pd.Series) -> str:
    """Bar-label format: whole numbers for large amounts, one decimal for small ones."""
    top = values.abs().max()
    return "{:,.0f}" if pd.notna(top) and top >= 100 else "{:,.1f}"


def _empty(fig: Figure, ax: plt.Axes, message: str) -> Figure:
    """A figure that says there is nothing to draw instead of drawing nothing."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color=GAP_COLOR, transform=ax.transAxes)
    return fig


def _source_note(table: pd.DataFrame) -> str:
    """Footnote naming the quality of the sources behind the drawn figures."""
    qualities = sorted(set("+".join(table["source_quality"].dropna()).split("+")) - {""})
    return "来源质量 Source quality: " + (", ".join(qualities) or "n/a") + " (rows listed under Sources)"


def _grouped_bars(ax: plt.Axes, table: pd.DataFrame, labels: list[str], skip: set[int] = frozenset()) -> None:
    """Revenue, expenditure and balance side by side per row; a gap label per missing figure."""
    # A skipped row (maternity inside medical) gets one label saying so instead.
    x = np.arange(len(table))
    width = 0.27
    fmt = _amount_format(table[MEASURES].stack())
    top = table[MEASURES].max().max()
    top = 1.0 if pd.isna(top) or top == 0 else top
    for i, m in enumerate(MEASURES):
        pos = x + (i - 1) * width
        present = table[m].notna().to_numpy()
        bars = ax.bar(pos[present], table[m].to_numpy()[present], width, color=COLORS[m], label=MEASURE_LABELS[m])
        ax.bar_label(bars, fmt=fmt, fontsize=8, padding=2)
        for i_row in np.flatnonzero(~present):
            if i_row not in skip:
                ax.text(
                    pos[i_row],
                    top * 0.02,
                    NO_FIGURE,
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=8.5,
                    color=GAP_COLOR,
                )
    for i_row in skip:
        ax.text(x[i_row], top * 0.02, IN_MEDICAL, rotation=90, ha="center", va="bottom", fontsize=8.5, color=GAP_COLOR)
    ax.set_xticks(x, labels)
    ax.set_ylim(0, top * 1.12)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel(f"金额 Amount, {UNIT_LABEL}")
    ax.grid(axis="x", visible=False)


def _no_year(fig: Figure, ax: plt.Axes, year: int | None, what: str) -> Figure:
    """The figure for a year the ledger has nothing for (or no year at all)."""
    if year is None:
        return _empty(fig, ax, f"台账中没有{what[0]} No {what[1]} in this ledger")
    return _empty(fig, ax, f"{year}年没有{what[0]} No {what[1]} for {year} in this ledger")


def funds_side_by_side(breakdown: pd.DataFrame, year: int | None) -> Figure:
    """The five Article 64 funds of one year side by side (from fund_breakdown); absent figures marked."""
    # From 2019 maternity is marked as inside medical, not as a gap.
    use_cjk_style()
    fig, ax = plt.subplots(figsize=(11, 6))
    table = breakdown[breakdown["year"].eq(year)].set_index("fund").reindex(list(FUND_CODES))
    if table["revenue"].isna().all() and table["expenditure"].isna().all():
        return _no_year(fig, ax, year, ("基金数据", "fund figures"))
    merged = year >= MATERNITY_IN_MEDICAL_FROM and pd.notna(table.loc["medical", "schemes"])
    merged = merged and pd.isna(table.loc["maternity", "schemes"])
    labels = []
    for code, row in FUNDS.set_index("code").iterrows():
        note = _scheme_text(table.loc[code, "schemes"])
        labels.append(f"{row['name_zh']}\n{row['short_en']}" + (f"\n({note})" if note else ""))
    _grouped_bars(ax, table, labels, skip={FUND_CODES.index("maternity")} if merged else set())
    ax.set_title(f"{year}年五项社会保险基金  The five Article 64 funds, {year}", **TITLE)
    ax.legend(loc="upper right", frameon=False)
    fig.text(0.01, 0.01, _source_note(table), fontsize=8, color="dimgray")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def groups_side_by_side(groups: pd.DataFrame, year: int | None) -> Figure:
    """Article 64's accounting groups of one year (from group_breakdown); an incomplete group says what it lacks."""
    use_cjk_style()
    fig, ax = plt.subplots(figsize=(11, 6))
    table = groups[groups["year"].eq(year)].set_index("accounting_group").reindex(list(GROUPS["code"]))
    if table["revenue"].isna().all() and table["expenditure"].isna().all():
        return _no_year(fig, ax, year, ("基金数据", "fund figures"))
    merged = table["maternity_in_medical"].astype("boolean").fillna(False)
    labels = []
    for code, row in GROUPS.set_index("code").iterrows():
        missing = table.loc[code, "funds_missing"]
        note = f"\n(缺 lacks: {missing})" if isinstance(missing, str) and missing else ""
        partial = table.loc[code, "partial_schemes"]
        note += f"\n(部分口径 partial: {partial})" if isinstance(partial, str) and partial else ""
        note += "\n(生育含在医疗中 maternity inside medical)" if merged[code] else ""
        labels.append(f"{row['name_zh']}\n{row['name_en']}{note}")
    _grouped_bars(ax, table, labels)
    ax.set_title(f"{year}年按第六十四条建账分组  Article 64 accounting groups, {year}", **TITLE)
    ax.legend(loc="upper right", frameon=False)
    fig.text(0.01, 0.01, _source_note(table.dropna(subset=["source_quality"])), fontsize=8, color="dimgray")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def _scheme_colors(schemes: list[str]) -> dict[str, str]:
    """A colour per scheme: the table's own, then a few more for a ledger's own schemes."""
    own = [c for c in schemes if c not in SCHEME_COLORS]
    return {**SCHEME_COLORS, **{c: OTHER_COLORS[i % len(OTHER_COLORS)] for i, c in enumerate(own)}}


def _events(ax: plt.Axes, code: str, years: np.ndarray, labelled: bool) -> list[int]:
    """Dashed lines at the accounting events that change this fund's figures (within the years shown)."""
    shown = []
    for event in ACCOUNTING_EVENTS.itertuples():
        if code in event.funds.split() and years[0] <= event.year <= years[-1]:
            ax.axvline(event.year, color="dimgray", ls="--", lw=1)
            if labelled:  # stacked one below the other, on the side of the line with more room
                right = event.year > (years[0] + years[-1]) / 2
                label = f" {event.year} {event.short_zh} \n {event.short_en} "
                ax.text(
                    event.year,
                    0.98 - 0.17 * len(shown),
                    label,
                    transform=ax.get_xaxis_transform(),
                    va="top",
                    ha="right" if right else "left",
                    fontsize=8,
                    color="dimgray",
                )
            shown.append(event.year)
    return shown


def fund_series(series: pd.DataFrame, measures: tuple[str, ...] = ("revenue", "expenditure")) -> Figure:
    """A panel per fund and measure over the years (from scheme_series): one line per scheme, releases marked."""
    # Never one scheme joined to another; filled marker: official copy; years without any figure shaded, never
    # bridged; dashed lines where Article 64's accounting changed.
    use_cjk_style()
    if series.empty:
        fig, ax = plt.subplots(figsize=(11, 4))
        return _empty(fig, ax, "没有基金数据 No fund figures in this ledger")
    years = np.arange(series["year"].min(), series["year"].max() + 1)
    charted = series[series["scheme"].map(SCHEME_NAMES["charted"]).fillna(True).astype(bool)]
    colors = _scheme_colors(list(pd.unique(charted["scheme"])))
    fig, axes = plt.subplots(
        len(FUND_CODES), len(measures), figsize=(6 * len(measures), 14), sharex=True, squeeze=False
    )
    drawn_schemes, drawn_marks, events = set(), set(), set()
    medical_years = series.loc[series["fund"].eq("medical"), "year"].to_numpy()
    for row_axes, (code, fund) in zip(axes, FUNDS.set_index("code").iterrows(), strict=True):
        rows = charted[charted["fund"].eq(code)]
        for j, (ax, m) in enumerate(zip(row_axes, measures, strict=True)):
            have = rows.dropna(subset=[m])
            gaps = years[~np.isin(years, have["year"])]
            if code == "maternity":  # from 2019 maternity is inside the medical figure: no gap where there is one
                gaps = gaps[(gaps < MATERNITY_IN_MEDICAL_FROM) | ~np.isin(gaps, medical_years)]
            for y in gaps:
                ax.axvspan(y - 0.5, y + 0.5, color=GAP_COLOR, alpha=0.18, lw=0)
            for scheme, part in have.groupby("scheme", sort=False):
                line = part.set_index("year")[m].reindex(years)  # NaN years break the line: no bridging
                ax.plot(years, line, color=colors[scheme], lw=1.5)
                drawn_schemes.add(scheme)
                first = part["marks"].str[0]
                for mark, pts in part.groupby(first):
                    official = mark.isupper()
                    ax.plot(
                        pts["year"],
                        pts[m],
                        ls="none",
                        marker=RELEASE_MARKERS.get(mark.upper(), "o"),
                        ms=6,
                        color=colors[scheme],
                        markerfacecolor=colors[scheme] if official else "white",
                    )
                    drawn_marks.add(mark)
            if have.empty:
                ax.text(0.5, 0.5, NO_FIGURE.replace("\n", " "), transform=ax.transAxes, ha="center", color=GAP_COLOR)
            shown = _events(ax, code, years, labelled=j == 0)
            events |= set(shown)
            ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
            top = have[m].max() if len(have) else 1.0
            ax.set_ylim(0, top * (1.1 + 0.2 * len(shown)))  # room for the event labels above the lines
            ax.grid(axis="x", visible=False)
            title = f"{fund['name_zh']}  {fund['short_en']}" + (f" · {MEASURE_LABELS[m]}" if len(measures) > 1 else "")
            ax.set_title(title, loc="left", fontsize=11, fontweight="normal")
    for ax in axes[-1]:
        ax.set_xticks(years, [str(y) for y in years], rotation=90)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.set_xlabel("年份 Year")
    fig.supylabel(f"金额 Amount, {UNIT_LABEL}")
    handles = [Line2D([], [], color=colors[s], lw=1.5, label=_scheme_name(s)) for s in colors if s in drawn_schemes]
    letters = sorted({m.upper() for m in drawn_marks}, key=list(RELEASE_MARKERS).index)
    handles += [
        Line2D([], [], ls="none", marker=RELEASE_MARKERS[k], color="black", label=RELEASE_NAMES[k]) for k in letters
    ]
    handles += [
        Line2D([], [], ls="none", marker="o", color="black", label="实心 官方原表 filled: official copy"),
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            color="black",
            markerfacecolor="white",
            label="空心 二手转载 hollow: secondary",
        ),
        Patch(color=GAP_COLOR, alpha=0.3, label="无公布数据 no published figure"),
    ]
    if events:
        handles.append(
            Line2D([], [], color="dimgray", ls="--", lw=1, label="第六十四条建账的变化 Article 64 accounting change")
        )
    fig.legend(handles=handles, loc="upper center", ncol=3, frameon=False, fontsize=8.5, bbox_to_anchor=(0.5, 0.975))
    fig.suptitle(
        f"各项基金历年收支，每个制度一条线  Revenue and expenditure, one line per scheme, {years[0]}–{years[-1]}",
        y=0.998,
        va="top",
        fontsize=13,
        fontweight="normal",
    )
    top = 0.975 - 0.0125 * (len(handles) // 3 + 1)
    fig.text(
        0.01,
        0.003,
        _source_note(charted) + "; 细分项（个人账户、新农合等）只列在表中 sub-schemes only in the tables",
        fontsize=8,
        color="dimgray",
    )
    fig.tight_layout(rect=(0, 0.01, 1, top))
    return fig


def province_panels(provinces: pd.DataFrame, year: int | None, measure: str = "revenue") -> Figure:
    """One panel per fund with provincial figures in a year (from province_breakdown); missing provinces marked."""
    use_cjk_style()
    table = provinces[provinces["year"].eq(year)]
    codes = [c for c in FUND_CODES if c in set(table["fund"])]
    if not codes:
        fig, ax = plt.subplots(figsize=(11, 4))
        return _no_year(fig, ax, year, ("分省数据", "provincial figures"))
    order = list(pd.unique(table["province"]))
    fig, axes = plt.subplots(1, len(codes), figsize=(3.4 * len(codes) + 1.6, 0.3 * len(order) + 2.4), sharey=True)
    axes = np.atleast_1d(axes)
    y = np.arange(len(order))
    for ax, code in zip(axes, codes, strict=True):
        rows = table[table["fund"].eq(code)].set_index("province").reindex(order)
        values = rows[measure]
        present = values.notna().to_numpy()
        bars = ax.barh(y[present], values.to_numpy()[present], color=COLORS[measure], height=0.7)
        ax.bar_label(bars, fmt=_amount_format(values), fontsize=7, padding=2)
        for yy in y[~present]:
            ax.axhspan(yy - 0.5, yy + 0.5, color=GAP_COLOR, alpha=0.18, lw=0)
            ax.text(0, yy, " 无数据 no figure", va="center", fontsize=8, color="dimgray")
        fund = FUNDS.set_index("code").loc[code]
        partial = ~rows["schemes"].dropna().isin(WHOLE_FUND)
        note = "部分省份仅含部分制度（见表）\nsome provinces: part of the schemes (see table)" if partial.any() else ""
        title = f"{fund['name_zh']}\n{fund['short_en']}" + (f"\n{note}" if note else "")
        ax.set_title(title, fontsize=10, fontweight="normal")
        ax.set_xlim(0, np.nanmax(values.to_numpy(dtype=float)) * 1.25)
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_xlabel(f"{MEASURE_LABELS[measure]}\n{UNIT_LABEL}", fontsize=9)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(y, order, fontsize=8.5)
    axes[0].set_ylim(len(order) - 0.5, -0.5)
    fig.suptitle(
        f"{year}年分省基金{MEASURE_LABELS[measure].split()[0]}  {MEASURE_LABELS[measure].split(' ', 1)[1]} "
        f"by province, {year}",
        fontsize=13,
        fontweight="normal",
    )
    fig.text(0.01, 0.005, _source_note(table), fontsize=8, color="dimgray")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return fig
