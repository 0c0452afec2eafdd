"""The case workbook for caseworkers: one sheet per flag and a cases sheet, full ID numbers, no formulas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import privacy, provinces
from .cases import case_ids, case_table
from .contract import FLAGS

EXCEL_MAX_ROWS = 1_048_576
FLAG_SHEET_COLUMNS = [
    "case_id",
    "row",
    "application_id",
    "id_number",
    "person_key",
    "name",
    "province_code",
    "province",
    "applied_on",
    "cancelled_on",
    "conflicts_with",
    "detail",
]
ABOUT_ZH = "本工作簿含完整的公民身份号码和姓名，仅供经办人员核查使用，不得外传或提交至报告。"
ABOUT_EN = (
    "This workbook holds full citizen ID numbers and names for caseworkers only. "
    "Do not forward it or attach it to reports; the HTML reports and flags.csv are masked."
)


def _cell(ws, value, bold: bool = False) -> WriteOnlyCell:
    """A cell whose text is always text: a value starting with = + - @ never becomes a formula."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return WriteOnlyCell(ws, value=None)
    if isinstance(value, pd.Timestamp):
        cell = WriteOnlyCell(ws, value=value.date())
        cell.number_format = "yyyy-mm-dd"
        return cell
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        cell.number_format = "@"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(wb: Workbook, title: str, frame: pd.DataFrame, widths: dict[str, int] | None = None) -> None:
    """Add sheets for a frame: frozen header, filters, split into more sheets past Excel's row limit."""
    per_sheet = EXCEL_MAX_ROWS - 1
    chunks = max(1, -(-len(frame) // per_sheet))
    for part in range(chunks):
        ws = wb.create_sheet(title if part == 0 else f"{title} ({part + 1})")
        ws.freeze_panes = "A2"
        last = get_column_letter(max(1, frame.shape[1]))
        chunk = frame.iloc[part * per_sheet : (part + 1) * per_sheet]
        ws.auto_filter.ref = f"A1:{last}{len(chunk) + 1}"
        for i, column in enumerate(frame.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(column, 14)
        ws.append([_cell(ws, str(c), bold=True) for c in frame.columns])
        for values in chunk.itertuples(index=False, name=None):
            ws.append([_cell(ws, v) for v in values])


def flag_sheet(records: pd.DataFrame, flags: pd.DataFrame, flag: str, masked: bool) -> pd.DataFrame:
    """The rows of one flag with the applicant's details."""
    chosen = flags[flags["flag"] == flag].assign(case_id=case_ids(flags)[flags["flag"] == flag])
    details = records.set_index("row")[["id_number", "name", "applied_on", "cancelled_on"]]
    table = chosen.join(details, on="row")
    table["province"] = table["province_code"].map(provinces.SHORT_NAME)
    table = table[FLAG_SHEET_COLUMNS]
    return privacy.mask_frame(table) if masked else table


def write_workbook(path: str | Path, records: pd.DataFrame, flags: pd.DataFrame, masked: bool = False) -> Path:
    """Write the case workbook: an About sheet, one sheet per flag, and a cases sheet."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    about = wb.create_sheet("说明 About")
    about.column_dimensions["A"].width = 110
    lines = [ABOUT_ZH, ABOUT_EN] if not masked else ["ID numbers and names in this workbook are masked."]
    lines += [
        "",
        "Sheets: one per flag (rows of the input with that flag) and 'cases' (one row per person).",
        "row = the row in the input file as a spreadsheet shows it (header = row 1).",
        f"Flags: {', '.join(FLAGS)}.",
    ]
    for line in lines:
        about.append([_cell(about, line)])
    widths = {"id_number": 22, "person_key": 22, "detail": 70, "application_id": 16, "conflicts_with": 16}
    for flag in FLAGS:
        _sheet(wb, flag, flag_sheet(records, flags, flag, masked), widths)
    cases = case_table(records, flags)
    cases = privacy.mask_frame(cases) if masked else cases
    _sheet(wb, "cases", cases, {"person_key": 22, "provinces": 40})
    wb.save(path)
    return path
