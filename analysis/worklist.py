"""The caseworker's working list: one block per person with a duplicate card or a cross-province conflict, all
their applications in order, the live cards to act on marked, sorted by province and city so a unit can take
its own rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import labels, provinces
from .cases import card_status, case_ids, live_at_export
from .contract import PERSON_FLAGS

ACT_ON = "★ 需处理 act on"
# (column, Chinese header, English header, what it means): the workbook explains each column with this.
COLUMNS = [
    (
        "case_id",
        "案件编号",
        "case",
        (
            "本人的案件编号，各工作表和 flags.csv 中相同 · "
            "the person's case number, the same in every sheet and in flags.csv"
        ),
    ),
    (
        "province",
        "省份",
        "province",
        (
            "申请所在省份（代码和名称）；各组按此排序 · "
            "where the application was made (code and name); blocks are sorted by it"
        ),
    ),
    ("city", "城市", "city", "导出文件中的参保城市 · the insured city as the export gives it"),
    ("id_number", "证件号码", "ID number", "导出文件中的证件号码 · the number as the export gives it"),
    (
        "id_type",
        "证件类型",
        "document type",
        "证件类型（居民身份证、居住证、护照等） · the kind of document the number is from",
    ),
    ("name", "姓名", "name", "申请人姓名 · the applicant's name"),
    (
        "application_id",
        "申请编号",
        "application",
        ("本人的每次申请一行，按申请顺序 · one row per application of the person, in application order"),
    ),
    (
        "row",
        "行号",
        "row",
        ("在输入文件中的行号（表头为第 1 行） · the row in the input file as a spreadsheet shows it (header = row 1)"),
    ),
    ("applied_on", "申领日期", "applied on", "申领日期 · date of the application"),
    (
        "cancelled_on",
        "注销日期",
        "cancelled on",
        (
            "卡的注销日期（或预约注销日期）；空：仍有效 · "
            "date the card was (or is scheduled to be) cancelled; empty: live"
        ),
    ),
    (
        "card",
        "卡状态",
        "card",
        (
            "导出日（最晚的申领日期）时卡是否有效 · "
            "有效 live or 已注销 cancelled, at the date of the export (its latest application)"
        ),
    ),
    (
        "act_on",
        "需处理",
        "act on",
        (
            "★：本人同时持有另一张有效卡时仍有效的卡：核查并注销其一 · "
            "★: a card still live while the person holds another live card: check and cancel"
        ),
    ),
    (
        "flags",
        "问题类型",
        "flag",
        (
            "本次申请的问题类型（空：本次申请本身没有问题） · "
            "the flags of this application (empty: the application itself is fine)"
        ),
    ),
    ("reason", "原因", "reason", "原因（完整） · why, in full"),
    (
        "conflicts_with",
        "冲突的申请",
        "conflicts with",
        ("本次申请时仍有效的那次较早申请 · the earlier application whose card was live when this one was made"),
    ),
    ("outcome", "处理结果", "outcome", "由经办人员填写：处理结果 · for the caseworker: what was done"),
    ("note", "备注", "note", "由经办人员填写：其他说明 · for the caseworker: anything else"),
]


def working_list(records: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """One row per application of every person with a person-level flag, in blocks per person (see COLUMNS)."""
    person_level = flags[flags["flag"].isin(PERSON_FLAGS)]
    keys = person_level["person_key"].dropna().unique()
    apps = records[records["person_key"].isin(keys)].copy()
    if apps.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c, *_ in COLUMNS})
    numbers = dict(zip(flags["person_key"], case_ids(flags), strict=True))
    apps["case_id"] = apps["person_key"].map(numbers)

    mine = flags[flags["row"].isin(apps["row"])]
    per_row = mine.assign(
        flag_zh=mine["flag"].map(labels.flag_label), reason=labels.reason_zh(mine["detail"].fillna(""))
    ).groupby("row", sort=False)
    apps = apps.join(per_row["flag_zh"].agg("；".join).rename("flags"), on="row")
    apps = apps.join(per_row["reason"].agg(lambda r: "；".join(x for x in r if x)).rename("reason"), on="row")
    conflicts = mine.dropna(subset=["conflicts_with"]).groupby("row")["conflicts_with"].first()
    apps = apps.join(conflicts, on="row")

    live = live_at_export(apps, records)
    apps["card"] = card_status(live)
    live_cards = live.groupby(apps["person_key"]).transform("sum")
    apps["act_on"] = np.where(live & (live_cards >= 2), ACT_ON, "")

    # A unit takes the cases of its own province: the province and city of the person's latest flagged application.
    flagged = apps[apps["row"].isin(person_level["row"])].sort_values(["applied_on", "application_id"])
    unit = flagged.groupby("person_key")[["province_code", "city"]].last()
    apps = apps.join(unit.rename(columns={"province_code": "unit_code", "city": "unit_city"}), on="person_key")
    apps["province"] = apps["province_code"] + " " + apps["province_code"].map(provinces.SHORT_NAME)
    apps["id_type"] = apps["id_type"].map(labels.id_type_label)
    apps["outcome"] = ""
    apps["note"] = ""
    order = ["unit_code", "unit_city", "case_id", "applied_on", "application_id"]
    apps = apps.sort_values(order, na_position="last", kind="stable")
    return apps[[c for c, *_ in COLUMNS]].reset_index(drop=True)


def header(column: str, columns: list[tuple[str, str, str, str]] = COLUMNS) -> str:
    """A sheet's header of a column from its (column, Chinese, English, meaning) list: '申领日期 applied on'."""
    zh, en = next((zh, en) for c, zh, en, _ in columns if c == column)
    return f"{zh} {en}"
