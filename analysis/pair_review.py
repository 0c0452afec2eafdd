"""Possible duplicates for the people who review them: notebook 05's tables (masked) and the case workbook's
review sheet (one block per pair, both numbers' applications, an empty decision column)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from IPython.display import Markdown

from . import labels, privacy, provinces
from .cases import card_status, live_at_export
from .matching import REASONS

SIDES = {"a": "A", "b": "B"}
YES_NO = {"true": "是 yes", "false": "否 no"}
# (column, Chinese header, English header, what it means): the workbook's About sheet explains each column.
REVIEW_COLUMNS = [
    (
        "pair_id",
        "疑似编号",
        "pair",
        "一对号码一组，与 possible_duplicates.csv 相同 · one block per pair, as in the CSV",
    ),
    ("reason", "原因", "reason", "号码录入错误 / 号码变更 / 永久居留证换版 · mistyped, changed or renewed number"),
    (
        "side",
        "号码",
        "side",
        "A：文件中已有的号码（或较小的号码）；B：另一个 · A: the number held in the file; B: the other",
    ),
    ("id_number", "证件号码", "ID number", "导出文件中的证件号码（完整） · the number as the export gives it (full)"),
    ("name", "姓名", "name", "申请人姓名 · the applicant's name"),
    ("id_type", "证件类型", "document type", "证件类型 · the kind of document the number is from"),
    ("province", "省份", "province", "申请所在省份 · where the application was made"),
    ("city", "城市", "city", "导出文件中的参保城市 · the insured city as the export gives it"),
    ("application_id", "申请编号", "application", "该号码的每次申请一行，按申请顺序 · one row per application"),
    ("row", "行号", "row", "在输入文件中的行号（表头为第 1 行） · the row in the input file (header = row 1)"),
    ("applied_on", "申领日期", "applied on", "申领日期 · date of the application"),
    ("cancelled_on", "注销日期", "cancelled on", "卡的注销日期；空：仍有效 · date the card was cancelled; empty: live"),
    ("card", "卡状态", "card", "导出日时卡是否有效 · live or cancelled at the date of the export"),
    (
        "overlapping",
        "重叠",
        "overlapping",
        "一方的卡在另一方申请时仍有效：可能是隐藏的重复持卡 · a card live when the other applied: a hidden duplicate?",
    ),
    ("detail", "说明", "detail", "两个号码哪里不同 · how the two numbers differ"),
    (
        "decision",
        "核查结论",
        "decision",
        "由经办人员填写：是否同一人、哪个号码现行有效 · for the caseworker: same person? which number is current?",
    ),
    ("note", "备注", "note", "由经办人员填写：其他说明 · for the caseworker: anything else"),
]


def _reason_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs and overlapping pairs per reason (every reason listed), codes as the index."""
    overlapping = pairs["overlapping"] == "true"
    table = pd.DataFrame(
        {
            "pairs": pairs["reason"].value_counts().reindex(REASONS, fill_value=0),
            "overlapping": pairs.loc[overlapping, "reason"].value_counts().reindex(REASONS, fill_value=0),
        }
    )
    return table.astype("int64")


def overview(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs and overlapping pairs per reason, with a total, Chinese first."""
    table = _reason_table(pairs)
    table.loc["total"] = table.sum()
    table.index = [labels.pair_reason_label(r) if r in REASONS else "合计 total" for r in table.index]
    table.index.name = "原因 reason"
    return labels.with_labels(table)


def reason_counts(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs per reason split into overlapping and not, labelled for a chart."""
    table = _reason_table(pairs)
    table["not_overlapping"] = table["pairs"] - table["overlapping"]
    table.index = [labels.pair_reason_label(r) for r in table.index]
    return table


def in_words(pairs: pd.DataFrame, rows_read: int) -> Markdown:
    """The section's reading paragraph, computed from the pairs in use."""
    total, overlapping = len(pairs), int((pairs["overlapping"] == "true").sum())
    if not total:
        return Markdown(
            f"在读取的 {rows_read:,} 行中没有发现疑似同一人的号码。 "
            f"No possible duplicates among the {rows_read:,} rows read."
        )
    return Markdown(
        f"在读取的 {rows_read:,} 行中，有 **{total:,}** 对号码可能属于同一人，其中 **{overlapping:,}** 对重叠"
        f"（一方的卡在另一方申请时仍有效，可能是隐藏的重复持卡）。\n"
        f"Among the {rows_read:,} rows read, **{total:,}** pairs of numbers may belong to one person; "
        f"**{overlapping:,}** of them overlap (a card live when the other number applied: maybe a hidden duplicate)."
    )


def _groups(pairs: pd.DataFrame) -> np.ndarray:
    """A group number per pair: pairs that share a number are one group (connected components)."""
    codes, uniques = pd.factorize(pd.concat([pairs["person_key_a"], pairs["person_key_b"]], ignore_index=True))
    a, b = codes[: len(pairs)], codes[len(pairs) :]
    label = np.arange(len(uniques))
    while True:  # each round joins neighbours and halves chains, so a few rounds suffice
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if (new == label).all():
            return pd.factorize(label[a])[0]
        label = new


def largest_groups(pairs: pd.DataFrame, limit: int = 10, at_least: int = 3) -> pd.DataFrame:
    """The groups of at least `at_least` numbers linked by pairs, the largest first (masked): one person may hide
    behind several numbers."""
    if pairs.empty:
        return labels.with_labels(pd.DataFrame(columns=["numbers", "pairs", "reasons", "overlapping", "keys"]))
    table = pairs.assign(group=_groups(pairs))
    keys = pd.concat(
        [
            table[["group", "person_key_a"]].set_axis(["group", "key"], axis=1),
            table[["group", "person_key_b"]].set_axis(["group", "key"], axis=1),
        ]
    ).drop_duplicates()
    keys["key"] = privacy.mask_ids(keys["key"])
    per = table.groupby("group").agg(
        pairs=("pair_id", "size"),
        first=("pair_id", "min"),
        reasons=("reason", lambda r: "、".join(labels.PAIR_REASON_ZH[x] for x in dict.fromkeys(r))),
        overlapping=("overlapping", lambda o: YES_NO["true" if (o == "true").any() else "false"]),
    )
    per["numbers"] = keys.groupby("group").size()
    per["keys"] = keys.groupby("group")["key"].agg(" / ".join)
    per = per[per["numbers"] >= at_least]
    per = per.sort_values(["numbers", "pairs", "first"], ascending=[False, False, True]).head(limit)
    per.index = pd.RangeIndex(1, len(per) + 1, name="排名 rank")
    return labels.with_labels(
        per[["numbers", "pairs", "reasons", "overlapping", "keys"]].rename(columns={"keys": "person_key"})
    )


def groups_in_words(pairs: pd.DataFrame) -> Markdown:
    """How the pairs link up: groups, and how many link three numbers or more."""
    if pairs.empty:
        return Markdown("没有疑似同一人的号码，也就没有组。 No pairs, so no groups.")
    sizes = (
        pd.concat([pd.DataFrame({"group": _groups(pairs), "key": pairs[c]}) for c in ("person_key_a", "person_key_b")])
        .drop_duplicates()["group"]
        .value_counts()
    )
    big = int((sizes >= 3).sum())
    return Markdown(
        f"{len(pairs):,} 对号码连成 {len(sizes):,} 组；其中 {big:,} 组连着三个或更多号码"
        f"（最大一组 {int(sizes.max())} 个）。\n"
        f"The {len(pairs):,} pairs link up into {len(sizes):,} groups; {big:,} of them link three numbers or more "
        f"(the largest: {int(sizes.max())})."
    )


def masked_pairs(pairs: pd.DataFrame, limit: int = 15) -> pd.DataFrame:
    """The first pairs (overlapping first), keys masked, reasons in Chinese."""
    chosen = pairs.sort_values(["overlapping", "pair_id"], ascending=[False, True]).head(limit)
    table = pd.DataFrame(
        {
            "原因 reason": chosen["reason"].map(labels.pair_reason_label),
            "号码 A": privacy.mask_ids(chosen["person_key_a"]),
            "号码 B": privacy.mask_ids(chosen["person_key_b"]),
            "A 的申请 applications": chosen["application_ids_a"],
            "B 的申请 applications": chosen["application_ids_b"],
            "重叠 overlapping": chosen["overlapping"].map(YES_NO),
            "说明 detail": chosen["detail"],
        }
    )
    table.index = pd.Index(chosen["pair_id"], name="疑似编号 pair")
    return table


def side_applications(records: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Both sides' applications of every pair, one row each (pair, side, then application order), unmasked."""
    parts = []
    for side, letter in SIDES.items():
        ids = pairs[["pair_id", "reason", "overlapping", "detail", f"application_ids_{side}"]].copy()
        ids["application_id"] = ids.pop(f"application_ids_{side}").str.split(" ")
        parts.append(ids.explode("application_id").assign(side=letter))
    wanted = pd.concat(parts, ignore_index=True)
    # every application of a pair is a row without a record problem, whose application id is then unique
    usable = records[records["record_problem"].isna()]
    apps = wanted.merge(usable, on="application_id", how="left")
    return apps.sort_values(["pair_id", "side", "applied_on", "application_id"], kind="stable", ignore_index=True)


def example_timelines(records: pd.DataFrame, pairs: pd.DataFrame, count: int = 4) -> pd.DataFrame:
    """Both numbers' applications for a few pairs (overlapping ones of each reason first), masked, for a chart."""
    if pairs.empty:
        return pd.DataFrame(columns=["person", "province", "application_id", "applied_on", "cancelled_on", "flags"])
    ordered = pairs.sort_values(["overlapping", "pair_id"], ascending=[False, True])
    first_of_reason = ordered.drop_duplicates("reason")
    chosen = pd.concat([first_of_reason, ordered]).drop_duplicates("pair_id").head(count)["pair_id"]
    apps = side_applications(records, pairs[pairs["pair_id"].isin(chosen)])
    key = np.where(
        apps["side"] == "A",
        apps["pair_id"].map(pairs.set_index("pair_id")["person_key_a"]),
        apps["pair_id"].map(pairs.set_index("pair_id")["person_key_b"]),
    )
    apps["person"] = apps["pair_id"] + " " + apps["side"] + " " + privacy.mask_ids(pd.Series(key, index=apps.index))
    apps["province"] = apps["province_code"].map(provinces.SHORT_NAME).fillna("—")
    apps["flags"] = "side_" + apps["side"].str.lower()
    return apps[["person", "province", "application_id", "applied_on", "cancelled_on", "flags"]]


def review_sheet(records: pd.DataFrame, pairs: pd.DataFrame | None, masked: bool = False) -> pd.DataFrame:
    """The workbook's review sheet: REVIEW_COLUMNS, one block per pair, full numbers and names (or masked)."""
    if pairs is None or pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c, *_ in REVIEW_COLUMNS})
    apps = side_applications(records, pairs)
    apps["card"] = card_status(live_at_export(apps, records))
    apps["reason"] = apps["reason"].map(labels.pair_reason_label)
    apps["overlapping"] = apps["overlapping"].map(YES_NO)
    apps["province"] = apps["province_code"] + " " + apps["province_code"].map(provinces.SHORT_NAME)
    apps["id_type"] = apps["id_type"].map(labels.id_type_label)
    apps["decision"] = ""
    apps["note"] = ""
    sheet = apps[[c for c, *_ in REVIEW_COLUMNS]]
    return privacy.mask_frame(sheet) if masked else sheet


def headline(pairs: pd.DataFrame) -> pd.DataFrame:
    """The few figures that matter: pairs, overlapping, per reason, the largest group."""
    table = _reason_table(pairs)
    groups = pd.Series(_groups(pairs)).value_counts() if len(pairs) else pd.Series(dtype="int64")
    rows = [
        ("疑似同一人（对） possible duplicates (pairs)", f"{len(pairs):,}"),
        ("其中重叠 of which overlapping", f"{int(table['overlapping'].sum()):,}"),
        *[(labels.pair_reason_label(r), f"{int(table.loc[r, 'pairs']):,}") for r in REASONS],
        ("最大一组的对数 pairs in the largest group", f"{int(groups.max()):,}" if len(groups) else "—"),
    ]
    return pd.DataFrame(rows, columns=["", "数值 value"]).set_index("")
