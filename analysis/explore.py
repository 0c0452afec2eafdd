"""Interactive case exploration for JupyterLab: filter cases by province, flag and dates; one person's timeline.

The widgets hold their content as values (HTML tables, PNG images) rather than captured outputs, so a run
without a browser (nbval, papermill, the HTML report) stores only a fixed one-line text in place of them.
"""

from __future__ import annotations

import datetime as dt
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd

from . import cases, charts, labels, provinces

ALL = "全部 all"


class CaseExplorer(widgets.VBox):
    """The explorer's box; its plain-text form is what non-interactive runs store."""

    def __repr__(self) -> str:
        return "Case explorer: open this notebook in JupyterLab to filter cases by province, flag and dates."


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def flagged_applications(records: pd.DataFrame, flags: pd.DataFrame, flag_names: list[str]) -> pd.DataFrame:
    """Flag rows of the chosen kinds with the application date, for filtering."""
    chosen = flags[flags["flag"].isin(flag_names) & flags["person_key"].notna()]
    return chosen.join(records.set_index("row")["applied_on"], on="row")


def filter_cases(
    flagged: pd.DataFrame, province: str | None, flag: str | None, start: dt.date | None, end: dt.date | None
) -> pd.Index:
    """Person keys with a flagged application matching all the given filters (None: no filter)."""
    keep = pd.Series(True, index=flagged.index)
    if province:
        keep &= flagged["province_code"] == province
    if flag:
        keep &= flagged["flag"] == flag
    if start:
        keep &= flagged["applied_on"] >= pd.Timestamp(start)
    if end:
        keep &= flagged["applied_on"] <= pd.Timestamp(end)
    return pd.Index(flagged.loc[keep, "person_key"].unique())


def case_explorer(records: pd.DataFrame, flags: pd.DataFrame, flag_names: list[str], limit: int = 20) -> CaseExplorer:
    """Widgets: province, flag and date filters over the case list, and a chosen case's card lifetimes."""
    flagged = flagged_applications(records, flags, flag_names)
    table = cases.case_table(records, flags)
    as_of = cases.export_date(records)
    timelines = cases.example_timelines(records, flags, None, persons=len(table))
    codes = sorted(flagged["province_code"].dropna().unique())
    province = widgets.Dropdown(
        options=[(ALL, None)] + [(provinces.label(c, english=True), c) for c in codes], description="省份 province"
    )
    flag = widgets.Dropdown(
        options=[(ALL, None)] + [(labels.flag_label(f), f) for f in flag_names], description="问题 flag"
    )
    start = widgets.DatePicker(description="从 from")
    end = widgets.DatePicker(description="到 to")
    summary = widgets.HTML()
    listing = widgets.HTML()
    person = widgets.Dropdown(description="案件 case")
    timeline = widgets.Image(format="png")

    def refresh(_=None) -> None:
        keys = filter_cases(flagged, province.value, flag.value, start.value, end.value)
        chosen = table[table["person_key"].isin(keys)]
        flagged_apps = len(chosen) and int(chosen["flagged"].sum())
        summary.value = f"<b>{len(chosen):,}</b> 个案件 cases，{flagged_apps:,} 件有问题的申请 flagged applications"
        listing.value = cases.masked_cases(chosen, limit=limit).to_html()
        person.options = list(chosen["case_id"].head(200))
        person.value = person.options[0] if person.options else None

    def show_person(_=None) -> None:
        if not person.value:
            timeline.value = b""
            return
        apps = timelines[timelines["case_id"] == person.value]
        timeline.value = _png(charts.card_timelines(apps, as_of, f"{person.value} 卡片时间线 card lifetimes"))

    for control in (province, flag, start, end):
        control.observe(refresh, names="value")
    person.observe(show_person, names="value")
    refresh()
    show_person()
    filters = widgets.HBox([province, flag]), widgets.HBox([start, end])
    return CaseExplorer([*filters, summary, listing, person, timeline])
