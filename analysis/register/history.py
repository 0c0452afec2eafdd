"""The register read back for notebook 06: runs, cases per state, open cases' age, caseworkers' statuses. It holds
no ID number and no name, so nothing here needs masking; notes (free text a caseworker typed) are not shown."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown

from .. import config, labels
from .runs import STATES, case_number
from .statuses import STATE_LABELS, STATUSES, store_statuses
from .store import reading, shown

NO_STATUS = "未填写 none yet"
MONTH_FILES = "[0-9][0-9][0-9][0-9]-[0-9][0-9].csv"  # the months' exports (2026-04.csv), not the expected register


def sample_register(folder: str | Path | None = None) -> Path:
    """A register built from the sample's monthly exports (data/sample/months), run by run, each dated by its export
    date, with made-up caseworkers' statuses stored after the second month, in a temporary folder (or `folder`),
    under a key of its own: what notebook 06 shows when given no register (the same every time it runs)."""
    from ..contract import LoadError
    from ..load import load_applications
    from ..rules import flag_loaded
    from .runs import recording

    folder = Path(folder or tempfile.mkdtemp(prefix="register-sample-"))
    db = folder / "sample-register.duckdb"
    months = sorted(config.SAMPLE_MONTHS_DIR.glob(MONTH_FILES))
    if not months:
        raise LoadError(f"{config.SAMPLE_MONTHS_DIR}: no monthly exports (run make sample)")
    saved = os.environ.pop("ANALYSIS_REGISTER_KEY", None)  # the sample's register has its own key file
    try:
        for run, month in enumerate(months, start=1):
            loaded = load_applications(month)
            exported = loaded.frame["applied_on"].max().to_pydatetime()  # an export's date: its latest application
            flags = flag_loaded(loaded)
            with recording(db, month, loaded.report.rows_read, flags, recorded_at=exported) as recorded:
                cases = recorded.cases
            if run == 2:
                store_statuses(db, sample_statuses(cases), "示例状态 sample statuses")
    finally:
        if saved is not None:
            os.environ["ANALYSIS_REGISTER_KEY"] = saved
    return db


def sample_statuses(cases: pd.DataFrame) -> pd.DataFrame:
    """Statuses caseworkers might have recorded on a run's cases (runs.CASE_COLUMNS), the same every time: of the
    cases seen, in register order, every fifth card cancelled, every third contacted, every seventh no action."""
    seen = cases[cases["state"] != "gone"].sort_values("register_case")
    nth = np.arange(1, len(seen) + 1)
    which = [nth % 5 == 0, nth % 3 == 0, nth % 7 == 0]
    status = np.select(which, ["已注销", "已联系", "无需处理"], "")
    note = np.select(which, ["多余的卡已注销", "已电话联系持卡人", "核实后无需处理"], "")
    chosen = status != ""
    number = seen["register_case"].str.slice(1).astype("int64").to_numpy()
    return pd.DataFrame({"register_case": number[chosen], "status": status[chosen], "note": note[chosen]})


def runs(db: str | Path) -> pd.DataFrame:
    """One row per recorded run: when, which file, rows read, and its cases per state."""
    with reading(db) as connection:
        table = connection.frame("SELECT run_id, recorded_at, file_name, rows_read FROM runs ORDER BY run_id")
        per = connection.frame("SELECT run_id, state, count(*) AS n FROM states GROUP BY run_id, state")
    counts = per.pivot_table(index="run_id", columns="state", values="n", aggfunc="sum").reindex(columns=STATES)
    table = table.join(counts.fillna(0).astype("int64"), on="run_id")
    table[STATES] = table[STATES].fillna(0).astype("int64")
    table["seen"] = table["new"] + table["open"] + table["back"]
    return table


def runs_table(history: pd.DataFrame) -> pd.DataFrame:
    """The runs for reading: Chinese-first headers, the latest run last."""
    table = history.set_index("run_id")[["recorded_at", "file_name", "rows_read", *STATES, "seen"]].copy()
    table["recorded_at"] = pd.to_datetime(table["recorded_at"]).dt.strftime("%Y-%m-%d %H:%M")
    table.index.name = "运行 run"
    names = {
        "recorded_at": "记录时间 recorded",
        "file_name": "文件 file",
        "rows_read": "读取的行 rows read",
        "seen": "本次的案件 cases in the run",
        **STATE_LABELS,
    }
    return table.rename(columns=names)


def latest_states(history: pd.DataFrame) -> pd.DataFrame:
    """Cases per state in the latest run, each state explained."""
    meaning = {
        "new": "本次首次出现 first seen in this run",
        "open": "上次和本次都有 in the previous run and in this one",
        "gone": "上次有、本次没有 in the previous run, not in this one",
        "back": "更早出现过、上次没有、本次又有 seen before, not in the previous run, back in this one",
    }
    last = history.iloc[-1] if len(history) else pd.Series(0, index=STATES)
    table = pd.DataFrame(
        {"案件数 cases": [int(last[s]) for s in STATES], "含义 meaning": [meaning[s] for s in STATES]},
        index=pd.Index([STATE_LABELS[s] for s in STATES], name="状态 state"),
    )
    return table


def open_cases(db: str | Path) -> pd.DataFrame:
    """The cases of the latest run (new, open, back) with flag, first sighting, runs seen and last status."""
    with reading(db) as connection:
        table = connection.frame(
            """SELECT c.register_case, c.flag, r.recorded_at AS first_seen, s.state,
                (SELECT count(*) FROM states x WHERE x.register_case = c.register_case AND x.state <> 'gone')
                    AS runs_seen,
                (SELECT y.status FROM statuses y WHERE y.register_case = c.register_case
                    ORDER BY y.import_id DESC LIMIT 1) AS status
            FROM states s JOIN cases c ON c.register_case = s.register_case
            JOIN runs r ON r.run_id = c.first_run
            WHERE s.run_id = (SELECT max(run_id) FROM runs) AND s.state <> 'gone'
            ORDER BY c.register_case"""
        )
        latest = connection.value("SELECT max(recorded_at) FROM runs")
    table["first_seen"] = pd.to_datetime(table["first_seen"])
    table["age_days"] = (pd.Timestamp(latest) - table["first_seen"]).dt.days if latest is not None else 0
    return table


def age_table(cases: pd.DataFrame) -> pd.DataFrame:
    """Open cases by how many runs they have been seen in."""
    counts = cases["runs_seen"].value_counts().sort_index()
    table = pd.DataFrame({"案件数 cases": counts.astype("int64")})
    table.index = [f"{n} 次运行 runs" for n in counts.index]
    table.index.name = "已出现 seen in"
    return table


def status_table(cases: pd.DataFrame) -> pd.DataFrame:
    """The last status caseworkers recorded for the open cases (including none yet)."""
    status = cases["status"].fillna(NO_STATUS).map(lambda s: s if s == NO_STATUS else f"{s} {STATUSES[s]}")
    order = [f"{k} {v}" for k, v in STATUSES.items()] + [NO_STATUS]
    counts = status.value_counts().reindex(order, fill_value=0)
    return pd.DataFrame({"案件数 cases": counts.astype("int64")}, index=pd.Index(order, name="处理状态 status"))


def oldest_open(cases: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The open cases seen first longest ago: register number, flag, first seen, runs seen, last status."""
    table = cases.sort_values(["first_seen", "register_case"]).head(limit)
    return pd.DataFrame(
        {
            "问题类型 flag": table["flag"].map(labels.flag_label),
            "首次发现 first seen": table["first_seen"].dt.strftime("%Y-%m-%d"),
            "已出现 runs seen": table["runs_seen"].astype("int64"),
            "处理状态 status": table["status"].map(lambda s: f"{s} {STATUSES[s]}" if s in STATUSES else NO_STATUS),
        }
    ).set_axis(pd.Index(case_number(table["register_case"]), name="登记编号 register case"))


def in_words(history: pd.DataFrame) -> Markdown:
    """The reading paragraph of the latest run, computed from the register in use."""
    if history.empty:
        return Markdown("登记簿中还没有记录任何运行。 The register holds no run yet.")
    last = history.iloc[-1]
    n = {s: f"{int(last[s]):,}" for s in STATES}
    return Markdown(
        f"登记簿共记录 {len(history)} 次运行。最近一次（第 {int(last['run_id'])} 次，文件 `{last['file_name']}`）："
        f"新出现 **{n['new']}** 个案件，仍在 **{n['open']}** 个，重现 **{n['back']}** 个，已消失 **{n['gone']}** 个。\n"
        f"The register holds {len(history)} runs. The latest (run {int(last['run_id'])}, `{last['file_name']}`): "
        f"**{n['new']}** new cases, **{n['open']}** still open, **{n['back']}** back, **{n['gone']}** gone."
    )


def headline(history: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The few figures that matter: runs, the latest run's cases per state, and open cases nobody has a status
    for yet."""
    last = history.iloc[-1] if len(history) else pd.Series(0, index=STATES)
    rows = [
        ("记录的运行 runs recorded", f"{len(history):,}"),
        *[(STATE_LABELS[s], f"{int(last[s]):,}") for s in STATES],
        ("尚无处理状态的案件 open cases without a status", f"{int(cases['status'].isna().sum()):,}"),
        (
            "最早的未结案件 oldest open case",
            case_number(cases.sort_values(["first_seen", "register_case"])["register_case"]).iloc[0]
            if len(cases)
            else "—",
        ),
    ]
    return pd.DataFrame(rows, columns=["", "数值 value"]).set_index("")


def register_note(register: object) -> Markdown:
    """What the register is: the one built from the sample's months (said only then), or the analyst's."""
    if register is None:
        return Markdown(
            "本页的登记簿由合成示例的三个月导出（`data/sample/months/`）在临时文件夹中建成，不含任何真实人员信息。 "
            "The register was built in a temporary folder from the synthetic sample's three monthly exports "
            "(`data/sample/months/`): no real person's data."
        )
    from .store import is_postgres

    name = shown(register) if is_postgres(register) else config.display_path(Path(str(register)))
    return Markdown(f"登记簿 Register: `{name}`.")
