"""Matplotlib figures with a CJK-ready style; charts only draw what they are handed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import matplotlib.pyplot as plt
from matplotlib import font_manager

CJK_FONT_NAME = "Noto Sans CJK SC"
_STYLE_APPLIED = False


def _bundled_font() -> Path:
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


def use_cjk_style() -> None:
    """Register the bundled Noto Sans CJK SC font and a plain, readable style (idempotent)."""
    global _STYLE_APPLIED
    if _STYLE_APPLIED:
        return
    font_manager.fontManager.addfont(str(_bundled_font()))
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


def applications_by_province(counts: pd.DataFrame, title: str = "按省份统计的申领数 Applications by province") -> plt.Figure:
    """Horizontal bars of usable applications per province, Chinese names on the axis."""
    use_cjk_style()
    data = counts.sort_values("applications")
    fig, ax = plt.subplots(figsize=(9, max(4, 0.28 * len(data) + 1)))
    ax.barh(data["province"] + " " + data.index, data["applications"], color="#3b6ea5")
    ax.set_title(title)
    ax.set_xlabel("申领数（件） applications")
    ax.set_ylabel("参保省份 province")
    ax.grid(axis="y", visible=False)
    for y, value in enumerate(data["applications"]):
        ax.text(value, y, f" {value:,}", va="center", fontsize=8)
    fig.tight_layout()
    return fig
