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
from .model import FUND_CODES, FUNDS, GROUPS, MEASURE_LABELS, MEASURES, UNIT_LABEL

COLORS = {"revenue": "#4C72B0", "expenditure": "#DD8452", "balance": "#55A868"}
GAP_COLOR = "#9a9a9a"
NO_FIGURE = "无公布数据\nno published figure"
SCHEME_LABELS = {
    "all": "",
    "employee": "仅城镇职工 employee scheme only",
    "urban_employee_and_resident": "城镇职工+城镇居民 urban employee + urban resident",
    "urban_rural_resident": "仅城乡居民 urban-rural resident only",
}
# The bundled CJK font has no bold face: asking for bold makes matplotlib log a findfont warning (stderr).
TITLE = {"fontsize": 13, "fontweight": "normal"}
SCHEME_MARKERS = {"all": "o", "employee": "^"}  # any other partial coverage: "s"


def _scheme_text(schemes: object) -> str:
    """Readable note on which schemes a figure covers ('' when it covers them all)."""
    if not isinstance(schemes, str) or schemes == "all":
        return ""
    return SCHEME_LABELS.get(schemes, schemes.replace("+", " + "))


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


def _grouped_bars(ax: plt.Axes, table: pd.DataFrame, labels: list[str]) -> None:
    """Revenue, expenditure and balance side by side per row of table; a missing figure gets a gap label."""
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
        for p in pos[~present]:
            ax.text(p, top * 0.02, NO_FIGURE, rotation=90, ha="center", va="bottom", fontsize=8.5, color=GAP_COLOR)
    ax.set_xticks(x, labels)
    ax.set_ylim(0, top * 1.12)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel(f"金额 Amount, {UNIT_LABEL}")
    ax.grid(axis="x", visible=False)


def funds_side_by_side(breakdown: pd.DataFrame, year: int) -> Figure:
    """The five Article 64 funds of one year side by side (from fund_breakdown); absent figures marked."""
    use_cjk_style()
    fig, ax = plt.subplots(figsize=(11, 6))
    table = breakdown[breakdown["year"].eq(year)].set_index("fund").reindex(list(FUND_CODES))
    if table["revenue"].isna().all() and table["expenditure"].isna().all():
        return _empty(fig, ax, f"{year}年没有基金数据 No fund figures for {year} in this ledger")
    labels = []
    for code, row in FUNDS.set_index("code").iterrows():
        note = _scheme_text(table.loc[code, "schemes"])
        labels.append(f"{row['name_zh']}\n{row['short_en']}" + (f"\n({note})" if note else ""))
    _grouped_bars(ax, table, labels)
    ax.set_title(f"{year}年五项社会保险基金  The five Article 64 funds, {year}", **TITLE)
    ax.legend(loc="upper right", frameon=False)
    fig.text(0.01, 0.01, _source_note(table), fontsize=8, color="dimgray")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def groups_side_by_side(groups: pd.DataFrame, year: int) -> Figure:
    """Article 64's accounting groups of one year (from group_breakdown); an incomplete group says what it lacks."""
    use_cjk_style()
    fig, ax = plt.subplots(figsize=(11, 6))
    table = groups[groups["year"].eq(year)].set_index("accounting_group").reindex(list(GROUPS["code"]))
    if table["revenue"].isna().all() and table["expenditure"].isna().all():
        return _empty(fig, ax, f"{year}年没有基金数据 No fund figures for {year} in this ledger")
    labels = []
    for code, row in GROUPS.set_index("code").iterrows():
        missing = table.loc[code, "funds_missing"]
        note = f"\n(缺 lacks: {missing})" if isinstance(missing, str) and missing else ""
        partial = table.loc[code, "partial_schemes"]
        note += f"\n(部分口径 partial: {partial})" if isinstance(partial, str) and partial else ""
        labels.append(f"{row['name_zh']}\n{row['name_en']}{note}")
    _grouped_bars(ax, table, labels)
    ax.set_title(f"{year}年按第六十四条建账分组  Article 64 accounting groups, {year}", **TITLE)
    ax.legend(loc="upper right", frameon=False)
    fig.text(0.01, 0.01, _source_note(table.dropna(subset=["source_quality"])), fontsize=8, color="dimgray")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def fund_series(breakdown: pd.DataFrame, measures: tuple[str, ...] = ("revenue", "expenditure")) -> Figure:
    """One panel per fund over the ledger's years; years without a figure are shaded, never bridged."""
    use_cjk_style()
    if breakdown.empty:
        fig, ax = plt.subplots(figsize=(11, 4))
        return _empty(fig, ax, "没有基金数据 No fund figures in this ledger")
    years = np.arange(breakdown["year"].min(), breakdown["year"].max() + 1)
    fig, axes = plt.subplots(len(FUND_CODES), 1, figsize=(11, 13), sharex=True)
    for ax, (code, fund) in zip(axes, FUNDS.set_index("code").iterrows(), strict=True):
        rows = breakdown[breakdown["fund"].eq(code)].set_index("year").reindex(years)
        for y in years[rows["revenue"].isna().to_numpy() & rows["expenditure"].isna().to_numpy()]:
            ax.axvspan(y - 0.5, y + 0.5, color=GAP_COLOR, alpha=0.18, lw=0)
        for m in measures:
            ax.plot(years, rows[m], color=COLORS[m], lw=1.5)  # NaN years break the line: no bridging
            for scheme, part in rows[rows[m].notna()].groupby("schemes"):
                official = part["source_quality"].eq("official")
                for filled, pts in ((True, part[official]), (False, part[~official])):
                    ax.plot(
                        pts.index,
                        pts[m],
                        ls="none",
                        marker=SCHEME_MARKERS.get(scheme, "s"),
                        ms=6,
                        color=COLORS[m],
                        markerfacecolor=COLORS[m] if filled else "white",
                    )
        if rows[list(measures)].isna().all().all():
            ax.text(0.5, 0.5, NO_FIGURE.replace("\n", " "), transform=ax.transAxes, ha="center", color=GAP_COLOR)
        ax.set_title(f"{fund['name_zh']}  {fund['short_en']}", loc="left", fontsize=11, fontweight="normal")
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_ylim(bottom=0)
        ax.grid(axis="x", visible=False)
    axes[-1].set_xticks(years, [str(y) for y in years], rotation=45)
    axes[-1].set_xlim(years[0] - 0.5, years[-1] + 0.5)
    axes[-1].set_xlabel("年份 Year")
    fig.supylabel(f"金额 Amount, {UNIT_LABEL}")
    handles = [Line2D([], [], color=COLORS[m], lw=1.5, label=MEASURE_LABELS[m]) for m in measures] + [
        Line2D([], [], ls="none", marker="o", color="black", label="官方 official"),
        Line2D([], [], ls="none", marker="o", color="black", markerfacecolor="white", label="二手 secondary / other"),
        Line2D([], [], ls="none", marker="^", color="black", label="仅城镇职工 employee scheme only"),
        Line2D([], [], ls="none", marker="s", color="black", label="其他部分口径 other partial coverage"),
        Patch(color=GAP_COLOR, alpha=0.3, label="无公布数据 no published figure"),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=4, frameon=False, fontsize=9, bbox_to_anchor=(0.5, 0.962))
    fig.suptitle(
        f"各项基金历年收支  Revenue and expenditure by fund, {years[0]}–{years[-1]}",
        y=0.995,
        va="top",
        fontsize=13,
        fontweight="normal",
    )
    fig.tight_layout(rect=(0, 0, 1, 0.925))
    return fig


def province_panels(provinces: pd.DataFrame, year: int, measure: str = "revenue") -> Figure:
    """One panel per fund with provincial figures in a year (from province_breakdown); missing provinces marked."""
    use_cjk_style()
    table = provinces[provinces["year"].eq(year)]
    codes = [c for c in FUND_CODES if c in set(table["fund"])]
    if not codes:
        fig, ax = plt.subplots(figsize=(11, 4))
        return _empty(fig, ax, f"{year}年没有分省数据 No provincial figures for {year} in this ledger")
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
        note = _scheme_text("+".join(sorted(set(rows["schemes"].dropna()))))
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
