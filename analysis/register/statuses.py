"""Caseworkers' statuses: the register sheet of the case workbook, and storing what they filled in."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd

from .. import labels, privacy
from .store import RegisterError, is_postgres, transaction

STATUSES = {"待核查": "to check", "已联系": "contacted", "已注销": "card cancelled", "无需处理": "no action needed"}
STATE_LABELS = labels.REGISTER_STATES
SHEET = "登记 Register cases"
# (column, header): the register sheet; `register import` finds its columns by these headers
COLUMNS = [
    ("register_case", "登记编号 register_case"),
    ("state", "状态 state"),
    ("flag", "问题类型 flag"),
    ("case_id", "本次案件编号 case_id"),
    ("person_key", "人员编号 person_key"),
    ("name", "姓名 name"),
    ("province", "省份 province"),
    ("first_seen", "首次发现 first_seen"),
    ("status", "处理状态 status"),
    ("note", "备注 note"),
]
ABOUT = (
    "每个登记案件（人、问题类型）一行，编号在各次运行中不变；「处理状态」从下拉列表选择，「备注」自由填写，"
    "然后运行 python -m analysis register import 本工作簿 --register 登记簿 保存。 One row per register case "
    "(person, flag), numbered for good; choose a status from the list, write a note, then store them with "
    "`python -m analysis register import WORKBOOK --register DB`."
)


def register_sheet(run_cases: pd.DataFrame, flags: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The register sheet: every case of the run (runs.CASE_COLUMNS) with this run's case number, the person's
    name and the province of the latest flagged application; new and back cases first, gone ones (nobody to
    name) last."""
    from .. import provinces
    from ..cases import case_ids

    dated = flags.assign(case_id=case_ids(flags)).join(records.set_index("row")[["applied_on", "name"]], on="row")
    dated = dated.dropna(subset=["person_key"]).sort_values(["applied_on", "application_id"], kind="stable")
    latest = dated.groupby(["person_key", "flag"])[["case_id", "name", "province_code"]].last()
    table = run_cases.join(latest, on=["person_key", "flag"])
    table["province"] = table["province_code"].map(provinces.SHORT_NAME)
    table["flag"] = table["flag"].map(labels.flag_label)
    order = {state: i for i, state in enumerate(["new", "back", "open", "gone"])}
    table = table.assign(_order=table["state"].map(order)).sort_values(["_order", "register_case"], kind="stable")
    table["state"] = table["state"].map(STATE_LABELS)
    return table[[c for c, _ in COLUMNS]].reset_index(drop=True)


def _text(value: object) -> str | None:
    """A cell's value as stored text: formulas and numbers stay as written, empty is None."""
    if value is None:
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.strip() or None


def _without_id_numbers(note: str | None) -> str | None:
    """A note with any full ID number a caseworker typed into it masked: the register stores no ID number."""
    if note is None:
        return None
    for number in set(privacy.find_full_ids(note)):
        note = note.replace(number, privacy.mask_ids(pd.Series([number])).iloc[0])
    return note


def read_statuses(path: str | Path) -> pd.DataFrame:
    """(register_case number, status, note) of every row of the workbook's register sheet; a status outside the
    list, or a row without a valid register case, is a RegisterError naming the cell."""
    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True)  # formulas come back as their text: stored as text
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise RegisterError(f"{path}: not a workbook this tool can read ({type(exc).__name__}: {exc})") from None
    if SHEET not in book.sheetnames:
        raise RegisterError(f"{path}: no sheet '{SHEET}' (was it written by a run with --register?)")
    sheet = book[SHEET]
    rows = sheet.iter_rows()
    header = [c.value for c in next(rows, [])]
    where = {}
    for column, title in COLUMNS:
        if column in ("register_case", "status", "note"):
            if title not in header:
                raise RegisterError(f"{path}: sheet '{SHEET}' has no column '{title}'")
            where[column] = header.index(title)
    found = []
    for cells in rows:
        if all(c.value is None for c in cells):
            continue
        case, status = cells[where["register_case"]], cells[where["status"]]
        number = _text(case.value) or ""
        if not (number.startswith("K") and number[1:].isdigit()):
            raise RegisterError(f"{path}: sheet '{SHEET}' cell {case.coordinate}: '{number}' is not a register case")
        value = _text(status.value)
        if value is not None and value not in STATUSES:
            allowed = ", ".join(f"{k} {v}" for k, v in STATUSES.items())
            raise RegisterError(
                f"{path}: sheet '{SHEET}' cell {status.coordinate}: status '{value}' is not one of {allowed}; "
                "nothing was stored"
            )
        found.append((int(number[1:]), value, _without_id_numbers(_text(cells[where["note"]].value))))
    book.close()
    return pd.DataFrame(found, columns=["register_case", "status", "note"])


def import_statuses(path: str | Path, db: str | Path, wait: float | None = None) -> int:
    """Store the statuses and notes of a case workbook that differ from the register's last ones; return how
    many. All or nothing: an unknown case or a status outside the list stores none."""
    if not is_postgres(db) and not Path(db).is_file():
        raise RegisterError(f"{db}: no such register")
    return store_statuses(db, read_statuses(path), Path(path).name, wait)


def store_statuses(db: str | Path, given: pd.DataFrame, source: str, wait: float | None = None) -> int:
    """Store (register_case number, status, note) rows that differ from each case's last ones, as one import of
    `source`; return how many. A case the register does not hold stores nothing."""
    given = given.drop_duplicates("register_case", keep="last")
    with transaction(db, wait) as connection:
        known = connection.frame(
            """SELECT c.register_case, x.status, x.note FROM cases c
            LEFT JOIN statuses x ON x.register_case = c.register_case
                AND x.import_id = (SELECT max(import_id) FROM statuses y WHERE y.register_case = c.register_case)"""
        )
        unknown = sorted(set(given["register_case"]) - set(known["register_case"].astype("int64")))
        if unknown:
            raise RegisterError(f"{source}: case K{unknown[0]:06d} is not in the register {db}; nothing was stored")
        merged = given.merge(known.astype({"register_case": "int64"}), on="register_case", suffixes=("", "_last"))
        same = (merged["status"].fillna("") == merged["status_last"].fillna("")) & (
            merged["note"].fillna("") == merged["note_last"].fillna("")
        )
        changed = merged.loc[~same, ["register_case", "status", "note"]]
        if changed.empty:
            return 0
        import_id = int(connection.value("SELECT coalesce(max(import_id), 0) + 1 FROM imports"))
        connection.rows(
            "INSERT INTO imports VALUES (?, ?, ?)", (import_id, datetime.now().replace(microsecond=0), source)
        )
        for case, status, note in changed.itertuples(index=False, name=None):  # the edits of one workbook
            connection.rows("INSERT INTO statuses VALUES (?, ?, ?, ?)", (import_id, int(case), status, note))
        return len(changed)
