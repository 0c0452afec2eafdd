"""Matplotlib figures with a CJK-ready style; charts only draw what they are handed."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.ticker import MaxNLocator

from .fonts import cjk_font_file

CJK_FONT_NAME = "Noto Sans CJK SC"
_STYLE_APPLIED = False


def use_cjk_style() -> None:
    """Register the bundled Noto Sans CJK SC font and a plain, readable style (idempotent)."""
    global _STYLE_APPLIED
    if _STYLE_APPLIED:
        return
    font_manager.fontManager.addfont(str(cjk_font_file()))
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [CJK_FONT_NAME, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "figure.figsize": (9, 5),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titleweight": "normal",  # the bundled CJK font has no bold face
            "axes.titlesize": 13,
        }
    )
    _STYLE_APPLIED = True


def province_bars(table: pd.DataFrame, column: str, title: str, xlabel: str) -> plt.Figure:
    """Horizontal bars of one count per province (index: code, column `province`: Chinese name)."""
    use_cjk_style()
    data = table.sort_values(column)
    fig, ax = plt.subplots(figsize=(9, max(3.5, 0.28 * len(data) + 1.2)))
    ax.barh(data["province"] + " " + data.index.astype(str), data[column], color="#3b6ea5")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("省份 province")
    ax.grid(axis="y", visible=False)
    for y, value in enumerate(data[column]):
        ax.text(value, y, f" {value:,}", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def applications_by_province(counts: pd.DataFrame) -> plt.Figure:
    """Usable applications per province."""
    return province_bars(
        counts, "applications", "按省份统计的申领数 Applications by province", "申领数（件） applications"
    )


def flagged_per_year(table: pd.DataFrame, title: str) -> plt.Figure:
    """Flagged applications per year of application (bars) and per 1,000 applications (line)."""
    use_cjk_style()
    fig, ax = plt.subplots(figsize=(9, 4.2))
    years = table.index.astype(int)
    ax.bar(years, table["flagged"], color="#c0504d", label="flagged applications 标记申领数")
    ax.set_xlabel("申领年份 year of application")
    ax.set_ylabel("标记申领数（件） flagged applications")
    ax.set_xticks(years)
    ax.tick_params(axis="x", labelrotation=45)
    rate = ax.twinx()
    rate.plot(years, table["per 1,000"], color="#1f4e79", marker="o", label="per 1,000 applications 每千件")
    rate.set_ylabel("每千件申领 per 1,000 applications")
    rate.grid(False)
    rate.spines["right"].set_visible(True)
    handles = ax.get_legend_handles_labels()[0] + rate.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _nothing(title: str) -> plt.Figure:
    """An empty chart that says so, for an export without a single case."""
    fig, ax = plt.subplots(figsize=(9, 2.5))
    ax.text(0.5, 0.5, "no cases in this file 本文件无此类案件", ha="center", va="center", fontsize=12)
    ax.set_axis_off()
    ax.set_title(title)
    return fig


def origin_destination_heatmap(matrix: pd.DataFrame, title: str) -> plt.Figure:
    """Heat map of conflicts: rows are the provinces of the live cards, columns where people applied."""
    use_cjk_style()
    if matrix.empty:
        return _nothing(title)
    fig, ax = plt.subplots(figsize=(max(7, 0.42 * matrix.shape[1] + 3), max(5, 0.36 * matrix.shape[0] + 2)))
    image = ax.imshow(matrix.to_numpy(), cmap="OrRd", aspect="auto")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=60, ha="right")
    ax.set_yticks(range(matrix.shape[0]), matrix.index)
    ax.set_xlabel(matrix.columns.name or "destination")
    ax.set_ylabel(matrix.index.name or "origin")
    ax.grid(False)
    top = matrix.to_numpy().max() if matrix.size else 0
    for (y, x), value in np.ndenumerate(matrix.to_numpy()):
        if value:
            ax.text(
                x, y, str(value), ha="center", va="center", fontsize=7, color="white" if value > 0.6 * top else "black"
            )
    fig.colorbar(image, ax=ax, label="冲突申领数（件） conflicts")
    ax.set_title(title)
    fig.tight_layout()
    return fig


FLAG_COLOURS = [
    ("", "#3b6ea5", "无标记 no flag"),
    ("duplicate_card", "#c0504d", "重复持卡 duplicate card"),
    ("cross_province_conflict", "#e46c0a", "跨省冲突 cross-province conflict"),
]
SIDE_COLOURS = [("side_a", "#3b6ea5", "号码 A number A"), ("side_b", "#e46c0a", "号码 B number B")]


def card_timelines(
    apps: pd.DataFrame, as_of: pd.Timestamp, title: str, palette: list[tuple[str, str, str]] = FLAG_COLOURS
) -> plt.Figure:
    """One lane per application, grouped by person: each card from applied_on to cancelled_on, or to `as_of` (the
    export's date) while it is live then, a scheduled cancellation included. `palette`: (value of the `flags`
    column, colour, legend label); the first colour is for any other value."""
    use_cjk_style()
    if apps.empty:
        return _nothing(title)
    colors = {value: colour for value, colour, _ in palette}
    other = palette[0][1]
    fig, ax = plt.subplots(figsize=(10, 0.36 * len(apps) + 1.8))
    labels = []
    previous = None
    for y, app in enumerate(apps.itertuples()):  # a handful of example applications, not all rows
        cancelled = pd.notna(app.cancelled_on) and app.cancelled_on <= as_of
        end = app.cancelled_on if cancelled else as_of
        ax.plot([app.applied_on, end], [y, y], color=colors.get(app.flags, other), linewidth=8, solid_capstyle="butt")
        if cancelled:
            ax.plot([end], [y], marker="x", color="black", markersize=6)
        if app.person != previous and y:
            ax.axhline(y - 0.5, color="grey", linewidth=0.6)
        labels.append((app.person + "  " if app.person != previous else "") + f"{app.province} {app.application_id}")
        previous = app.person
    ax.set_yticks(range(len(apps)), labels, fontsize=8)
    ax.set_ylim(len(apps) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.axvline(as_of, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel(
        "日期 date（条：从申领到注销 ×，仍有效的到导出日期 - - ）bar: from application to cancellation ×, "
        "or to the export's date - - while live"
    )
    handles = [plt.Line2D([], [], color=colour, linewidth=6) for _, colour, _ in palette]
    ax.legend(
        handles,
        [label for *_, label in palette],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
    )
    ax.set_title(title)
    fig.tight_layout()
    return fig


def pairs_by_reason(table: pd.DataFrame, title: str) -> plt.Figure:
    """Horizontal bars of pairs per reason, the overlapping part darker (pair_review.reason_counts)."""
    use_cjk_style()
    if not table["pairs"].any():
        return _nothing(title)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(table) + 1.6))
    y = range(len(table))
    ax.barh(y, table["overlapping"], color="#c0504d", label="重叠 overlapping")
    ax.barh(y, table["not_overlapping"], left=table["overlapping"], color="#9fb7d3", label="不重叠 not overlapping")
    for i, total in enumerate(table["pairs"]):
        ax.text(total, i, f" {total:,}", va="center", fontsize=9)
    ax.set_yticks(list(y), table.index)
    ax.invert_yaxis()
    ax.set_xlabel("对数 pairs")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def register_runs(history: pd.DataFrame, title: str) -> plt.Figure:
    """Cases per run of the register: new, back and still open stacked (the run's cases), gone beneath the line."""
    use_cjk_style()
    if history.empty:
        return _nothing(title)
    fig, ax = plt.subplots(figsize=(9, 3.8))
    x = np.arange(len(history))
    bottom = np.zeros(len(history))
    for state, colour, label in [
        ("open", "#9fb7d3", "仍在 open"),
        ("back", "#e46c0a", "重现 back"),
        ("new", "#c0504d", "新 new"),
    ]:
        ax.bar(x, history[state], bottom=bottom, color=colour, label=label)
        bottom += history[state].to_numpy()
    ax.bar(x, -history["gone"], color="#bbbbbb", label="已消失 gone")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [f"{r}\n{f}" for r, f in zip(history["run_id"], history["file_name"], strict=True)], fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("案件 cases（消失的在下方 gone below）")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig
