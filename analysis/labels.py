"""The one catalogue of what people read in Chinese first: flag names, column headers, summary figures, and the
Chinese of every row reason. Machine-readable codes (flag names, the columns of flags.csv and summary.json) stay
English; everything shown to a person is written `中文 English` or has its Chinese beside it."""

from __future__ import annotations

import re

import pandas as pd

FLAG_ZH = {
    "invalid_record": "记录不可用",
    "invalid_id": "证件号码无效",
    "duplicate_card": "重复持卡",
    "cross_province_conflict": "跨省冲突",
    "incomplete_documents": "材料不全",
}
FLAG_EN = {
    "invalid_record": "unusable record",
    "invalid_id": "invalid ID number",
    "duplicate_card": "duplicate card",
    "cross_province_conflict": "cross-province conflict",
    "incomplete_documents": "incomplete documents",
}


# possible duplicates' reasons (never flags): what a reviewer reads
PAIR_REASON_ZH = {
    "id_typo": "号码录入错误",
    "changed_number": "号码变更",
    "renewed_permit": "永久居留证换版",
}
PAIR_REASON_EN = {
    "id_typo": "number mistyped",
    "changed_number": "number changed",
    "renewed_permit": "permit renewed",
}


# the case register's states (docs/register.md)
REGISTER_STATES = {"new": "新 new", "open": "仍在 open", "gone": "已消失 gone", "back": "重现 back"}


def pair_reason_label(reason: str) -> str:
    """'号码变更 number changed' for a possible duplicate's reason."""
    return f"{PAIR_REASON_ZH[reason]} {PAIR_REASON_EN[reason]}"


def id_type_label(kind: object) -> str:
    """'护照 passport' for an id_type (ID_TYPE_ZH, below); an unknown or empty one says so."""
    if not isinstance(kind, str) or kind not in ID_TYPE_ZH:
        return "未知类型 unknown type"
    return f"{ID_TYPE_ZH[kind]} {kind}"


# Column headers as tables, the index page and the workbook show them.
COLUMN_ZH = {
    "row": "行号",
    "application_id": "申请编号",
    "id_number": "证件号码",
    "person_key": "人员编号",
    "name": "姓名",
    "province": "省份",
    "province_code": "省份代码",
    "city": "城市",
    "applied_on": "申领日期",
    "cancelled_on": "注销日期",
    "flag": "问题类型",
    "flags": "问题类型",
    "conflicts_with": "冲突的申请",
    "detail": "说明",
    "reason": "原因",
    "case_id": "案件编号",
    "applications": "申请数",
    "flagged": "有问题的申请",
    "provinces": "省份顺序",
    "first_applied": "首次申领",
    "last_applied": "最近申领",
    "live_cards": "有效卡数",
    "cases": "案件数",
    "rows": "行数",
    "share": "占比",
    "count": "数量",
    "origin": "来源省份",
    "destination": "申领省份",
    "conflicts": "冲突数",
    "year": "年份",
    "per 1,000": "每千件",
    "english": "英文名",
    "code": "代码",
    "has_second_gen_id": "持有二代身份证",
    "id_copy": "身份证复印件",
    "household_register_copy": "户口簿复印件",
    "special_category": "特殊人群类别",
    "special_documents": "特殊证明材料",
    "id_type": "证件类型",
    "nationality": "国籍",
    "pair_id": "疑似编号",
    "side": "号码",
    "pairs": "对数",
    "overlapping": "重叠",
    "numbers": "号码数",
    "reasons": "原因",
    "card": "卡状态",
}

# summary.json keys as the index page shows them.
SUMMARY_ZH = {
    "rows_read": "读取的行",
    "rows_unusable": "不可用的行",
    "rows_clean": "无问题的行",
    "rows_flagged": "有问题的行",
    "cases": "案件（人）",
    "possible_duplicates": "疑似同一人（对）",
}


def flag_label(flag: str) -> str:
    """'重复持卡 duplicate card' for a flag name."""
    return f"{FLAG_ZH[flag]} {FLAG_EN[flag]}"


def column_label(column: str) -> str:
    """'申领日期 applied_on' for a column name (the name itself when the catalogue has no Chinese for it)."""
    return f"{COLUMN_ZH[column]} {column}" if column in COLUMN_ZH else column


def with_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """A table's column headers (and index name) in Chinese first, ready to show."""
    out = frame.rename(columns=column_label)
    if out.index.name in COLUMN_ZH:
        out.index.name = column_label(out.index.name)
    return out


_Q = r"'(?P<v>[^']*)'"  # a quoted value inside a reason
_D = r"(?P<d>\d{4}-\d{2}-\d{2})"
# (English reason pattern, its Chinese); the Chinese may use the pattern's groups. Matched against one reason
# at a time (a detail joins several with '; ').
REASONS_ZH: list[tuple[str, str]] = [
    (r"application_id is empty", "申请编号为空"),
    (rf"application_id {_Q} is used by (?P<n>\d+) rows", r"申请编号 '\g<v>' 被 \g<n> 行共用"),
    (r"applied_on is empty", "申领日期为空"),
    (rf"applied_on {_Q} is not a date", r"申领日期 '\g<v>' 不是日期"),
    (rf"cancelled_on {_Q} is not a date", r"注销日期 '\g<v>' 不是日期"),
    (rf"cancelled_on {_D} is before applied_on (?P<e>\d{{4}}-\d{{2}}-\d{{2}})", r"注销日期 \g<d> 早于申领日期 \g<e>"),
    (r"province is empty", "省份为空"),
    (rf"province {_Q} is not a known province", r"省份 '\g<v>' 无法识别"),
    (
        (
            rf"province {_Q} is not a known province \(not a province code, name, abbreviation, or a city/county of "
            r"one province\)"
        ),
        r"省份 '\g<v>' 无法识别（既不是省级代码、名称或简称，也不是只属于一个省的市、县）",
    ),
    (r"ID number is empty", "证件号码为空"),
    (r"check character does not match \(ISO 7064 MOD 11-2\)", "校验码不符（ISO 7064 MOD 11-2）"),
    (r"birth date in the ID number is after the application date", "号码中的出生日期晚于申领日期"),
    (r"birth date in the ID number is before 1900-01-01", "号码中的出生日期早于 1900-01-01"),
    (
        r"birth date in the ID number \(characters 7-14\) is not a calendar date",
        "号码中的出生日期（第 7-14 位）不是有效日期",
    ),
    (r"first two digits are not a province-level code of GB/T 2260", "前两位不是 GB/T 2260 的省级代码"),
    (
        (
            r"not an ID number: expected 18 characters \(17 digits and a check digit or X\) or 15 digits, "
            r"got (?P<n>\d+) characters"
        ),
        r"不是身份证号码：应为 18 位（17 位数字加校验码 0-9 或 X）或 15 位数字，实为 \g<n> 位",
    ),
    (
        r"ID number arrived as a decimal number \(digits lost\): export the column as text",
        "证件号码以小数形式读入（位数已丢失）：请将该列导出为文本",
    ),
    (
        r"ID number was stored as a number in the spreadsheet \(digits lost\): store the column as text",
        "证件号码在表格中存为数字（位数已丢失）：请将该列设为文本",
    ),
    (
        r"ID number is in scientific notation \(digits lost in a spreadsheet\): export the column as text",
        "证件号码为科学计数法（已在表格中丢失位数）：请将该列导出为文本",
    ),
    (r"no copy of the ID card", "缺身份证复印件"),
    (r"no second-generation ID card and no household-register copy", "无二代身份证，也缺户口簿复印件"),
    (rf"no special documents for category {_Q}", r"特殊人群类别 '\g<v>' 缺特殊证明材料"),
    (
        rf"card application (?P<a>\S+) of {_D} in (?P<p>\S*) (?P<c>\d*) is still live \(cancelled (?P<u>[\d-]+)\)",
        r"\g<p>（\g<c>）\g<d> 的申请 \g<a> 所办的卡仍有效（\g<u> 注销）",
    ),
    (
        rf"card application (?P<a>\S+) of {_D} in (?P<p>\S*) (?P<c>\d*) is still live \(never cancelled\)",
        r"\g<p>（\g<c>）\g<d> 的申请 \g<a> 所办的卡仍有效（未注销）",
    ),
]
# The document types of docs/data-contract.md ("Card holders who are not mainland citizens") in Chinese.
ID_TYPE_ZH = {
    "citizen": "居民身份证",
    "hmt_permit": "港澳台居民居住证",
    "foreign_pr": "外国人永久居留身份证",
    "passport": "护照",
    "foreign_ssn": "外国人社会保障号码",
    "travel_permit": "来往内地（大陆）通行证",
}
REASONS_ZH += [
    (rf"id_type {_Q} is not a known document type", r"证件类型 '\g<v>' 无法识别"),
    (r"a passport number needs an id_type column", "护照号码需要证件类型（id_type）列才能核查"),
    (
        r"a hmt_permit number is 18 characters beginning 810000, 820000 or 830000",
        "港澳台居民居住证号码应为以 810000、820000 或 830000 开头的 18 位",
    ),
    (
        r"a foreign_pr number is 18 characters \(9, 16 digits and a check character\) or 3 letters and 12 digits",
        "外国人永久居留身份证号码应为 18 位（9 开头，16 位数字加校验码）或 3 个字母加 12 位数字",
    ),
    (r"a passport number is 5 to 20 letters and digits", "护照号码应为 5 到 20 位字母或数字"),
    (r"a foreign_ssn number is 1 to 20 letters and digits", "外国人社会保障号码应为 1 到 20 位字母或数字"),
    (
        r"a travel_permit number is H or M and 8 or 10 digits, 8 or 10 digits, or a letter and 7 digits",
        "通行证号码应为 H 或 M 加 8 或 10 位数字、8 或 10 位数字，或 1 个字母加 7 位数字",
    ),
    (
        r"characters 2-3 of a foreign_pr number are not a province-level code",
        "外国人永久居留身份证号码第 2-3 位不是省级代码",
    ),
    (
        r"characters 4-6 of a foreign_pr number are not an ISO 3166-1 numeric country code",
        "外国人永久居留身份证号码第 4-6 位不是 ISO 3166-1 数字国家代码",
    ),
    (
        r"the letters of a foreign_pr number are not an ISO 3166-1 alpha-3 country code",
        "外国人永久居留身份证号码的字母不是 ISO 3166-1 三字母国家代码",
    ),
    (
        r"characters 8-13 of a foreign_pr number are not a date \(YYMMDD\)",
        "外国人永久居留身份证号码第 8-13 位不是日期（YYMMDD）",
    ),
    *[(rf"the number looks like a {kind} number", f"号码看起来是{zh}号码") for kind, zh in ID_TYPE_ZH.items()],
]
_NOTE = re.compile(rf"(?P<col>\w+) value {_Q} not understood, read as no")
_COMPILED = [(re.compile(p), zh) for p, zh in REASONS_ZH]


def _one_zh(reason: str) -> str:
    reason = reason.strip()
    note = ""
    if m := re.fullmatch(r"(.*) \((.*not understood, read as no.*)\)", reason):
        reason = m.group(1)
        notes = [_NOTE.fullmatch(n.strip()) for n in m.group(2).split(";")]
        note = (
            "（"
            + "；".join(f"{column_label(n['col'])} 的值 '{n['v']}' 无法识别，按“否”处理" for n in notes if n)
            + "）"
        )
    for pattern, zh in _COMPILED:
        if m := pattern.fullmatch(reason):
            return m.expand(zh) + note
    return reason + note  # a reason the catalogue lacks stays English (a test keeps the catalogue complete)


def reason_zh(details: pd.Series) -> pd.Series:
    """The Chinese of each detail (its '; '-joined reasons translated one by one); missing stays missing."""
    distinct = details.dropna().unique()
    table = {d: "；".join(_one_zh(part) for part in d.split("; ")) for d in distinct}
    return details.map(table).astype("str")


# File-level notes of the load report: (English pattern, Chinese).
NOTES_ZH: list[tuple[str, str]] = [
    (
        r"the workbook has (?P<n>\d+) sheets; only the first \('(?P<s>.*)'\) was read",
        r"工作簿有 \g<n> 张工作表，只读取了第一张（'\g<s>'）",
    ),
    (r"no document columns in the file: document completeness was not checked", "文件中没有材料列：未检查材料齐全性"),
    (r"document columns absent, read as empty \(no\): (?P<c>.*)", r"缺少的材料列按“否”处理：\g<c>"),
    (
        r"WARNING: (?P<n>[\d,]+) of (?P<m>[\d,]+) ID numbers arrived as spreadsheet numbers with digits lost .*",
        (
            r"警告：\g<m> 个证件号码中有 \g<n> 个以表格数字形式读入，位数已丢失（标为证件号码无效，不参与比对）："
            r"请把证件号码列设为文本（在 Excel 中先把该列设为“文本”再录入）并重新导出"
        ),
    ),
    (
        (
            r"(?P<col>\w+): (?P<n>[\d,]+) values? not understood, read as no: (?P<v>.*?)"
            r"(?: and (?P<k>[\d,]+) other values?)?"
        ),
        r"\g<col>：有 \g<n> 个值无法识别，按“否”处理：\g<v>",
    ),
    (
        (
            r"province: (?P<n>[\d,]+) values? named a city, county or abbreviation and were read as its province: "
            r"(?P<v>.*?)(?: and (?P<k>[\d,]+) other values?)?"
        ),
        r"省份：有 \g<n> 个值写的是市、县或简称，已按其所属省份读入：\g<v>",
    ),
    (
        (
            r"nationality: (?P<n>[\d,]+) values? not recognised as a country \(a passport's key then has no "
            r"country\): (?P<v>.*?)(?: and (?P<k>[\d,]+) other values?)?"
        ),
        r"国籍：有 \g<n> 个值无法识别为国家（这些护照的人员编号不含国家）：\g<v>",
    ),
    (
        (
            r"scheduled cancellations: (?P<n>[\d,]+) rows? ha(?:s|ve) cancelled_on after the latest applied_on in the "
            r"file \((?P<d>[\d-]+)\); each card is read as live until its cancelled_on"
        ),
        r"预约注销：有 \g<n> 行的注销日期晚于文件中最晚的申领日期（\g<d>）；这些卡在注销日期之前按有效处理",
    ),
]
_NOTES = [(re.compile(p), zh) for p, zh in NOTES_ZH]


def note_zh(note: str) -> str:
    """A file-level note, Chinese first: '中文 English' (the English alone when the catalogue lacks it)."""
    for pattern, zh in _NOTES:
        if m := pattern.fullmatch(note):
            return f"{m.expand(zh)} · {note}"
    return note
