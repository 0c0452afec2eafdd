"""Tables of notebook 01: what was read, which rows are unusable and why, the documents, applications per
province, flags at a glance. Chinese first, small, and masked (no full ID numbers or names)."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from . import config, id_types, labels, privacy, provinces
from .contract import FLAGS, LoadReport

# Values inside a reason ('火星', dates) vary per row; the kind of reason does not.
_VALUE_IN_REASON = r"'[^']*'|(?!1900-01-01)\d{4}-\d{2}-\d{2}|\b\d+ rows\b|被 \d+ 行"
# A document reason's note on values not understood: row-specific, and not the reason itself.
_DOCUMENT_NOTE = r" \((?:[^()]*not understood, read as no[^()]*)\)$"
NOT_CHECKED = "未检查：文件中没有材料列 not checked: the file has no document columns"


def setup_display() -> None:
    """Notebook display settings: reasons shown in full, never cut at 50 characters."""
    pd.set_option("display.max_colwidth", None)


def load_summary(report: LoadReport, frame: pd.DataFrame) -> pd.DataFrame:
    """The load report as a two-column table an analyst reads top to bottom."""
    unusable = frame["record_problem"].notna() | frame["id_problem"].notna()
    rows = [
        ("文件 file", report.source),
        ("格式 format", report.file_format + (f" ({report.encoding})" if report.encoding else "")),
        ("读取的行 rows read", f"{report.rows_read:,}"),
        ("可用的行 usable rows", f"{int((~unusable).sum()):,}"),
        ("不可用的行 unusable rows", f"{int(unusable.sum()):,} ({unusable.mean():.1%})" if len(frame) else "0"),
        ("识别的列 columns found", ", ".join(f"{c} ← {h}" for c, h in report.columns.items())),
        ("未提供的可选列 optional columns absent", ", ".join(report.absent_optional) or "无 none"),
        ("材料齐全性 documents", "已检查 checked" if report.documents_checked else NOT_CHECKED),
        ("忽略的列 headers ignored", ", ".join(report.ignored_headers) or "无 none"),
    ]
    rows += [("注意 note", labels.note_zh(note)) for note in report.notes]
    return pd.DataFrame(rows, columns=["项目 item", "内容 value"]).set_index("项目 item")


def file_notes(report: LoadReport) -> Markdown:
    """The load report's file-level notes as a call-out a reader cannot miss (or a line saying there are none)."""
    if not report.notes:
        return Markdown("**文件级检查：没有需要注意的问题。** File-level checks: nothing to note.")
    lines = "\n".join(f"> - **{labels.note_zh(n)}**" for n in report.notes)
    return Markdown(f"> **⚠ 请注意 Please note**\n>\n{lines}")


def reason_kind(reasons: pd.Series) -> pd.Series:
    """A reason with its row-specific values replaced by '…', so equal kinds count together."""
    return reasons.str.replace(_VALUE_IN_REASON, "…", regex=True)


def problems_by_reason(flags: pd.DataFrame, flag_names: list[str], report: LoadReport | None = None) -> pd.DataFrame:
    """Rows per (flag, kind of reason), in Chinese and in English, in full; a row with several reasons counts
    once under each. Documents that were not checked say so instead of showing no rows."""
    if report is not None and "incomplete_documents" in flag_names and not report.documents_checked:
        return pd.DataFrame(
            {
                "问题类型 flag": [labels.flag_label("incomplete_documents")],
                "原因 reason": [NOT_CHECKED],
                "行数 rows": ["—"],
            }
        ).set_index("问题类型 flag")
    chosen = flags[flags["flag"].isin(flag_names)]
    parts = chosen.assign(reason=chosen["detail"].str.replace(_DOCUMENT_NOTE, "", regex=True).str.split("; "))
    parts = parts.explode("reason")
    parts["zh"] = reason_kind(labels.reason_zh(parts["reason"]))
    parts["reason"] = reason_kind(parts["reason"])
    table = parts.groupby(["flag", "zh", "reason"], sort=False).size().rename("rows").reset_index()
    table = table.sort_values(["flag", "rows"], ascending=[True, False])
    return pd.DataFrame(
        {
            "问题类型 flag": table["flag"].map(labels.flag_label),
            "原因 reason": table["zh"] + " · " + table["reason"],
            "行数 rows": table["rows"].map("{:,}".format),
        }
    ).set_index("问题类型 flag")


def unusable_rows(frame: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The first unusable rows, masked, with every reason that makes them unusable, in full."""
    bad = frame[frame["record_problem"].notna() | frame["id_problem"].notna()]
    shown = bad.head(limit)
    reason = shown["id_problem"].fillna("").str.cat(shown["record_problem"].fillna(""), sep="; ").str.strip("; ")
    table = pd.DataFrame(
        {
            "行号 row": shown["row"],
            "申请编号 application_id": shown["application_id"].fillna(""),
            "证件号码 id_number": privacy.mask_ids(shown["id_number"]).fillna(""),
            "姓名 name": privacy.mask_names(shown["name"]).fillna(""),
            "省份 province": shown["province"].fillna(""),
            "申领日期 applied_on": shown["applied_on"].dt.strftime("%Y-%m-%d").fillna(""),
            "原因 reason": labels.reason_zh(reason),
            "reason": reason,
        }
    )
    return table.set_index("行号 row")


def province_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Usable applications per province (two-digit code, Chinese and English names), most first."""
    usable = frame[frame["record_problem"].isna() & frame["id_problem"].isna()]
    counts = usable["province_code"].value_counts().rename("applications")
    table = provinces.PROVINCES.set_index("code").join(counts, how="inner")
    table = table[["short_zh", "name_en", "applications"]].rename(
        columns={"short_zh": "province", "name_en": "english"}
    )
    table.index.name = "code"
    return table.sort_values("applications", ascending=False)


def flag_overview(flags: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Rows read, and rows per flag with their share of all rows: the figures that matter."""
    total = max(report.rows_read, 1)
    per_flag = flags.groupby("flag")["row"].nunique().reindex(FLAGS, fill_value=0)
    rows = [
        ("读取的行 rows read", report.rows_read),
        ("无问题的行 rows with no flag", report.rows_read - flags["row"].nunique()),
    ]
    rows += [(labels.flag_label(flag), int(n)) for flag, n in per_flag.items()]
    table = pd.DataFrame(rows, columns=["", "行数 rows"]).set_index("")
    table["占比 share"] = (table["行数 rows"] / total).map("{:.1%}".format)
    table["行数 rows"] = table["行数 rows"].map("{:,}".format)
    if not report.documents_checked:
        table.loc[labels.flag_label("incomplete_documents")] = ["未检查 not checked", "—"]
    return table


def data_note(input_path: object) -> Markdown:
    """What the data is: the synthetic sample (said only then), or the analyst's file."""
    if input_path is None or config.resolve_input(input_path) == config.SAMPLE_APPLICATIONS:
        return Markdown(
            "本页数据是合成的示例数据，不含任何真实人员信息。 The data is the bundled synthetic sample: "
            "no real person's data."
        )
    return Markdown(f"数据 Data: `{config.display_path(config.resolve_input(input_path))}`.")


def holders_by_type(frame: pd.DataFrame) -> pd.DataFrame:
    """Applications per document type (证件类型): all of them, the usable ones, and their share."""
    usable = frame["record_problem"].isna() & frame["id_problem"].isna()
    kind = frame["id_type"].map(labels.id_type_label) if "id_type" in frame.columns else "居民身份证 citizen"
    table = pd.DataFrame({"kind": kind, "usable": usable}).groupby("kind", sort=False)["usable"].agg(["size", "sum"])
    table = table.sort_values("size", ascending=False)
    total = max(len(frame), 1)
    return pd.DataFrame(
        {
            "申请 applications": table["size"].map("{:,}".format),
            "可用 usable": table["sum"].map("{:,}".format),
            "占比 share": (table["size"] / total).map("{:.2%}".format),
        },
        index=pd.Index(table.index, name="证件类型 document type"),
    )


def foreign_holders(frame: pd.DataFrame) -> pd.DataFrame:
    """Holders who are not mainland citizens, by nationality (Chinese and English names): applications, persons."""
    others = frame[frame["id_type"].notna() & (frame["id_type"] != "citizen")] if "id_type" in frame else frame[:0]
    if others.empty:
        return pd.DataFrame({"说明 note": ["文件中没有非内地居民持卡人 no card holders other than mainland citizens"]})
    names = id_types.country_names()
    nation = others["nationality"].fillna("—") if "nationality" in others else pd.Series("—", index=others.index)
    table = (
        others.assign(nation=nation.to_numpy(), kind=others["id_type"].map(labels.id_type_label).to_numpy())
        .groupby(["nation", "kind"])
        .agg(applications=("row", "size"), persons=("person_key", "nunique"))
        .reset_index()
        .sort_values(["applications", "nation"], ascending=[False, True])
    )
    shown = table["nation"].map(lambda c: " ".join(names.get(c, ("（未填国籍）", "no nationality"))))
    return pd.DataFrame(
        {
            "证件类型 document type": table["kind"].to_numpy(),
            "申请 applications": table["applications"].to_numpy(),
            "人 persons": table["persons"].to_numpy(),
        },
        index=pd.Index(
            (shown + " " + table["nation"].where(table["nation"] != "—", "")).str.strip(), name="国籍 nationality"
        ),
    )


def unusable_by_type(frame: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """Unusable rows of holders who are not mainland citizens (or whose type is unknown), masked, with why."""
    bad = frame[frame["record_problem"].notna() | frame["id_problem"].notna()]
    if "id_type" in bad.columns:
        bad = bad[bad["id_type"].isna() | (bad["id_type"] != "citizen")]
    table = unusable_rows(bad, limit=limit)
    kinds = bad.head(limit)["id_type"] if "id_type" in bad.columns else pd.Series(dtype="str")
    table.insert(0, "证件类型 document type", kinds.map(labels.id_type_label).to_numpy())
    return table
