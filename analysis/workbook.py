"""The case workbook for caseworkers: the working list, the possible duplicates to review, one sheet per flag and
a cases sheet, Chinese first, full ID numbers (or masked, for forwarding), every value text, never a formula."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import labels, pair_review, privacy, provinces, worklist
from .cases import case_ids, case_table
from .contract import FLAGS
from .register import Recorded, statuses

EXCEL_MAX_ROWS = 1_048_576
FLAG_SHEET_COLUMNS = [
    "case_id",
    "row",
    "application_id",
    "id_number",
    "id_type",
    "person_key",
    "name",
    "province_code",
    "province",
    "applied_on",
    "cancelled_on",
    "conflicts_with",
    "reason",
    "detail",
]
ABOUT_ZH = "本工作簿含完整的公民身份号码和姓名，仅供经办人员核查使用，不得外传或提交至报告。"
ABOUT_EN = (
    "This workbook holds full citizen ID numbers and names for caseworkers only. "
    "Do not forward it or attach it to reports; the HTML reports and flags.csv are masked."
)
MASKED_ZH = (
    "本工作簿中的证件号码和姓名已脱敏，可转发。 ID numbers and names in this workbook are masked: it may be forwarded."
)
WORKLIST_SHEET = "待办清单 Working list"
CASES_SHEET = "案件 Cases"
REVIEW_SHEET = "疑似同一人 Possible duplicates"
_BLOCK_FILL = PatternFill("solid", fgColor="EEF3F8")  # every other person's block, so blocks stand apart
_WIDTHS = {"id_number": 22, "person_key": 22, "detail": 70, "reason": 60, "application_id": 16, "conflicts_with": 16}


def _cell(ws, value, bold: bool = False, fill: PatternFill | None = None) -> WriteOnlyCell:
    """A cell whose text is always text: a value starting with = + - @ never becomes a formula."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        cell = WriteOnlyCell(ws, value=None)
    elif isinstance(value, pd.Timestamp):
        cell = WriteOnlyCell(ws, value=value.date())
        cell.number_format = "yyyy-mm-dd"
    else:
        if hasattr(value, "item") and not isinstance(value, str):
            value = value.item()  # numpy scalar
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
            cell.number_format = "@"
    if bold:
        cell.font = Font(bold=True)
    if fill is not None:
        cell.fill = fill
    return cell


def _sheet(
    wb: Workbook,
    title: str,
    frame: pd.DataFrame,
    headers: list[str],
    widths: dict[str, int],
    blocks: pd.Series | None = None,
) -> list:
    """Add sheets for a frame: frozen header, filters, split into more sheets past Excel's row limit; return
    them. `blocks`: a key per row; rows of every other key are shaded."""
    per_sheet = EXCEL_MAX_ROWS - 1
    chunks = max(1, -(-len(frame) // per_sheet))
    shade = None
    if blocks is not None:
        starts = blocks.ne(blocks.shift()).cumsum().to_numpy()
        shade = starts % 2 == 0
    sheets = []
    for part in range(chunks):
        ws = wb.create_sheet(title if part == 0 else f"{title} ({part + 1})")
        sheets.append(ws)
        ws.freeze_panes = "A2"
        last = get_column_letter(max(1, frame.shape[1]))
        chunk = frame.iloc[part * per_sheet : (part + 1) * per_sheet]
        ws.auto_filter.ref = f"A1:{last}{len(chunk) + 1}"
        for i, column in enumerate(frame.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = widths.get(column, 14)
        ws.append([_cell(ws, h, bold=True) for h in headers])
        for i, values in enumerate(chunk.itertuples(index=False, name=None), start=part * per_sheet):
            fill = _BLOCK_FILL if shade is not None and shade[i] else None
            ws.append([_cell(ws, v, fill=fill) for v in values])
    return sheets


def _register_sheet(wb: Workbook, table: pd.DataFrame) -> None:
    """The register sheet, its status column a drop-down of the four statuses (docs/data-contract.md)."""
    headers = [title for _, title in statuses.COLUMNS]
    widths = {"register_case": 12, "state": 12, "flag": 26, "first_seen": 12, "status": 14, "note": 40}
    column = get_column_letter(list(table.columns).index("status") + 1)
    for ws in _sheet(wb, statuses.SHEET, table, headers, {**_WIDTHS, **widths}):
        allowed = DataValidation(type="list", formula1='"' + ",".join(statuses.STATUSES) + '"', allow_blank=True)
        allowed.error = "请从列表中选择 choose from the list: " + ", ".join(statuses.STATUSES)
        allowed.showErrorMessage = True
        allowed.add(f"{column}2:{column}{EXCEL_MAX_ROWS}")
        ws.data_validations.append(allowed)


def flag_sheet(records: pd.DataFrame, flags: pd.DataFrame, flag: str, masked: bool) -> pd.DataFrame:
    """The rows of one flag with the applicant's details and the reason in Chinese and in English."""
    chosen = flags[flags["flag"] == flag].assign(case_id=case_ids(flags)[flags["flag"] == flag])
    details = records.set_index("row")[["id_number", "id_type", "name", "applied_on", "cancelled_on"]]
    table = chosen.join(details, on="row")
    table["province"] = table["province_code"].map(provinces.SHORT_NAME)
    table["id_type"] = table["id_type"].map(labels.id_type_label)
    table["reason"] = labels.reason_zh(table["detail"])
    table = table[FLAG_SHEET_COLUMNS]
    return privacy.mask_frame(table) if masked else table


def _about(wb: Workbook, masked: bool, listed: int, pairs: int, register: bool) -> None:
    about = wb.create_sheet("说明 About")
    about.column_dimensions["A"].width = 26
    about.column_dimensions["B"].width = 100
    lines = [(ABOUT_ZH, ABOUT_EN)] if not masked else [(MASKED_ZH, "")]
    lines += [
        ("", ""),
        (
            "怎样使用 How to use",
            (
                f"「{WORKLIST_SHEET}」: 每人一组，共 {listed} 人 (one block per person, {listed} persons), "
                "按省份、城市排序 (sorted by province and city). 填写「处理结果」和「备注」 (fill in outcome and note)."
            ),
        ),
        (
            "",
            (
                f"「{REVIEW_SHEET}」: 可能属于同一人的两个号码，每对一组，共 {pairs} 对 (two numbers that may be one "
                f"person, one block per pair, {pairs} pairs); 不是问题标记，请核实后填写「核查结论」 (not flags: "
                "check with the person or the public-security bureau, then fill in the decision)."
            ),
        ),
        *([(f"「{statuses.SHEET}」", statuses.ABOUT)] if register else []),
        ("", "其余工作表：每类问题一张，另有「案件」每人一行 (one sheet per flag, and one row per person in 'cases')."),
        ("", ""),
        ("待办清单的列 Columns", ""),
    ]
    lines += [(f"{zh} {en}", meaning) for _, zh, en, meaning in worklist.COLUMNS]
    lines += [("", ""), ("疑似同一人的列 Columns of the review sheet", "")]
    lines += [(f"{zh} {en}", meaning) for _, zh, en, meaning in pair_review.REVIEW_COLUMNS]
    lines += [("", ""), ("问题类型 Flags", "")]
    lines += [(labels.flag_label(f), f) for f in FLAGS]
    for left, right in lines:
        about.append([_cell(about, left, bold=bool(left) and not right), _cell(about, right)])


def write_workbook(
    path: str | Path,
    records: pd.DataFrame,
    flags: pd.DataFrame,
    masked: bool = False,
    pairs: pd.DataFrame | None = None,
    recorded: Recorded | None = None,
) -> Path:
    """Write the case workbook: About, the working list, the register's cases (`recorded`: the run in a
    register; none when None), the possible duplicates (`pairs`: matching.possible_duplicates), one sheet per
    flag, and the cases."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    work = worklist.working_list(records, flags)
    if masked:
        work = privacy.mask_frame(work)
    review = pair_review.review_sheet(records, pairs, masked)
    wb = Workbook(write_only=True)
    _about(wb, masked, int(work["case_id"].nunique()), int(review["pair_id"].nunique()), recorded is not None)
    _sheet(
        wb,
        WORKLIST_SHEET,
        work,
        [worklist.header(c) for c in work.columns],
        {**_WIDTHS, "province": 12, "card": 14, "act_on": 14, "flags": 26, "outcome": 24, "note": 30},
        blocks=work["case_id"],
    )
    if recorded is not None:
        table = statuses.register_sheet(recorded.cases, flags, records)
        _register_sheet(wb, privacy.mask_frame(table) if masked else table)
    _sheet(
        wb,
        REVIEW_SHEET,
        review,
        [worklist.header(c, pair_review.REVIEW_COLUMNS) for c in review.columns],
        {**_WIDTHS, "reason": 26, "province": 12, "overlapping": 10, "decision": 30, "note": 30},
        blocks=review["pair_id"],
    )
    for flag in FLAGS:
        sheet = flag_sheet(records, flags, flag, masked)
        _sheet(wb, f"{labels.FLAG_ZH[flag]} {flag}", sheet, [labels.column_label(c) for c in sheet.columns], _WIDTHS)
    cases = case_table(records, flags)
    cases = privacy.mask_frame(cases) if masked else cases
    _sheet(wb, CASES_SHEET, cases, [labels.column_label(c) for c in cases.columns], {"person_key": 22, "provinces": 40})
    wb.save(path)
    return path
