"""The hand-off between the stages, as docs/data-contract.md defines it: the columns, their headers and value
forms, the load report, the normalized schema, and the flags."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import provinces

REQUIRED = ["application_id", "id_number", "province", "applied_on"]
OPTIONAL = ["name", "city", "cancelled_on"]
TYPE_COLUMNS = ["id_type", "nationality"]  # optional; not listed as absent: most files hold citizens only
DOCUMENT_COLUMNS = [
    "has_second_gen_id",
    "id_copy",
    "household_register_copy",
    "special_category",
    "special_documents",
]
BOOLEAN_COLUMNS = ["has_second_gen_id", "id_copy", "household_register_copy", "special_documents"]
HEADER_ALIASES: dict[str, list[str]] = {
    "application_id": ["application_id", "申请编号", "申领编号"],
    "id_number": ["id_number", "身份证号码", "公民身份号码", "社会保障号码", "身份证号", "证件号码"],
    "name": ["name", "姓名"],
    "province": ["province", "省份", "参保省份"],
    "city": ["city", "城市", "参保城市"],
    "applied_on": ["applied_on", "申领日期", "申请日期", "申领时间", "受理日期"],
    "cancelled_on": ["cancelled_on", "注销日期", "注销时间"],
    "has_second_gen_id": ["has_second_gen_id", "持有二代身份证"],
    "id_copy": ["id_copy", "身份证复印件"],
    "household_register_copy": ["household_register_copy", "户口簿复印件"],
    "special_category": ["special_category", "特殊人群类别"],
    "special_documents": ["special_documents", "特殊证明材料"],
    "id_type": ["id_type", "证件类型", "证件种类"],
    "nationality": ["nationality", "国籍"],
}
# yes/no words, compared in lower case; an empty cell is no
TRUE_WORDS = {"true", "yes", "y", "1", "是", "有", "√", "✓", "✔", "已提交", "已提供", "t", "1.0"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "无", "×", "✗", "✘", "未提交", "未提供", "f", "0.0", ""}

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

# Normalized columns no rule reads: the flag command (and the large-file paths) leave them out.
DISPLAY_ONLY = ["id_number", "name", "province", "city", "id_type", "nationality"]

FLAGS = [
    "invalid_record",
    "invalid_id",
    "duplicate_card",
    "cross_province_conflict",
    "incomplete_documents",
]
UNUSABLE_FLAGS = ["invalid_record", "invalid_id"]  # a row with one of these takes no part in matching
PERSON_FLAGS = ["duplicate_card", "cross_province_conflict"]  # flags that compare a person's applications
FLAG_COLUMNS = ["application_id", "flag", "person_key", "province_code", "conflicts_with", "detail", "row"]


class LoadError(Exception):
    """A file that cannot be read as application records; the message is one line for the user."""


@dataclass
class LoadReport:
    """What the loader saw: source, format, rows, columns, and the rows it found unusable."""

    source: str
    file_format: str
    encoding: str | None
    rows_read: int
    columns: dict[str, str]
    absent_optional: list[str]
    documents_checked: bool
    ignored_headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    id_types: dict[str, int] = field(default_factory=dict)  # rows per id_type (docs/data-contract.md)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.file_format,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "columns": self.columns,
            "absent_optional_columns": self.absent_optional,
            "documents_checked": self.documents_checked,
            "ignored_headers": self.ignored_headers,
            "notes": self.notes,
            "id_types": self.id_types,
        }


SHOWN_WORDS = 3  # distinct values a yes/no note shows


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


@dataclass
class FileFacts:
    """What normalizing saw that only the whole file can say, for the load report's notes. Each part of a file
    (a Parquet batch, a Dask partition) gives its own; `merge` adds them up, in any order."""

    ids: int = 0  # non-empty ID cells
    ids_as_numbers: int = 0  # of them: spreadsheet numbers (or their scientific notation) with digits lost
    unknown_words: dict[str, dict[str, int]] = field(default_factory=dict)  # yes/no column -> value -> cells
    latest_applied: np.datetime64 | None = None  # day
    # cancelled_on day -> rows, for the days after the part's latest applied_on (the file's is as late or later)
    late_cancellations: dict[np.datetime64, int] = field(default_factory=dict)
    province_places: dict[str, int] = field(default_factory=dict)  # a place or abbreviation read as its province
    id_types: dict[str, int] = field(default_factory=dict)  # id_type -> rows (analysis.id_types.type_counts)
    nationalities: dict[str, int] = field(default_factory=dict)  # nationality not recognised -> cells

    def merge(self, other: FileFacts) -> FileFacts:
        """Add another part's facts to these (in place); returns self."""
        self.ids += other.ids
        self.ids_as_numbers += other.ids_as_numbers
        for column, words in other.unknown_words.items():
            mine = self.unknown_words.setdefault(column, {})
            for word, n in words.items():
                mine[word] = mine.get(word, 0) + n
        if other.latest_applied is not None:
            latest = self.latest_applied
            self.latest_applied = other.latest_applied if latest is None else max(latest, other.latest_applied)
        for day, n in other.late_cancellations.items():
            self.late_cancellations[day] = self.late_cancellations.get(day, 0) + n
        for value, n in other.province_places.items():
            self.province_places[value] = self.province_places.get(value, 0) + n
        for mine, theirs in [(self.id_types, other.id_types), (self.nationalities, other.nationalities)]:
            for value, n in theirs.items():
                mine[value] = mine.get(value, 0) + n
        return self

    def warnings(self) -> list[str]:
        """The notes to put first: most ID numbers arrived as spreadsheet numbers."""
        if not self.ids or self.ids_as_numbers * 2 <= self.ids:
            return []
        warning = (
            f"WARNING: {self.ids_as_numbers:,} of {self.ids:,} ID numbers arrived as spreadsheet numbers with digits "
            "lost (flagged invalid_id, matched with nothing): store the ID column as text (in Excel, format it as "
            "Text before the numbers go in) and export the file again"
        )
        return [warning]

    def notes(self) -> list[str]:
        """Yes/no values not understood (per column: cells, and the commonest values), scheduled cancellations."""
        notes = []
        for column in BOOLEAN_COLUMNS:
            words = self.unknown_words.get(column)
            if not words:
                continue
            common = sorted(words.items(), key=lambda item: (-item[1], item[0]))
            shown = ", ".join("'" + word[:40] + "'" for word, _ in common[:SHOWN_WORDS])
            more = len(common) - SHOWN_WORDS
            notes.append(
                f"{column}: {_plural(sum(words.values()), 'value', 'values')} not understood, read as no: {shown}"
                + (f" and {_plural(more, 'other value', 'other values')}" if more > 0 else "")
            )
        if self.province_places:
            common = sorted(self.province_places.items(), key=lambda item: (-item[1], item[0]))
            codes = provinces.province_codes(pd.Series([v for v, _ in common[:SHOWN_WORDS]], dtype="str"))
            shown = ", ".join(f"'{v[:40]}' → {c}" for (v, _), c in zip(common, codes, strict=False))
            more = len(common) - SHOWN_WORDS
            notes.append(
                f"province: {_plural(sum(self.province_places.values()), 'value', 'values')} named a city, county "
                f"or abbreviation and were read as its province: {shown}"
                + (f" and {_plural(more, 'other value', 'other values')}" if more > 0 else "")
            )
        if self.nationalities:
            common = sorted(self.nationalities.items(), key=lambda item: (-item[1], item[0]))
            shown = ", ".join("'" + value[:40] + "'" for value, _ in common[:SHOWN_WORDS])
            more = len(common) - SHOWN_WORDS
            notes.append(
                f"nationality: {_plural(sum(self.nationalities.values()), 'value', 'values')} not recognised as a "
                f"country (a passport's key then has no country): {shown}"
                + (f" and {_plural(more, 'other value', 'other values')}" if more > 0 else "")
            )
        if self.latest_applied is not None:
            late = sum(n for day, n in self.late_cancellations.items() if day > self.latest_applied)
            if late:
                notes.append(
                    f"scheduled cancellations: {_plural(late, 'row has', 'rows have')} cancelled_on after the latest "
                    f"applied_on in the file ({self.latest_applied}); each card is read as live until its cancelled_on"
                )
        return notes


def load_report(
    source: str,
    file_format: str,
    encoding: str | None,
    rows: int,
    columns: dict[str, str],
    ignored: list[str],
    sheets: list[str] | None = None,
    facts: FileFacts | None = None,
) -> LoadReport:
    """The load report of a file with these contract columns (column -> header), whichever engine read it;
    `facts`: what normalizing the whole file saw (notes on ID numbers, yes/no values, cancellations)."""
    absent_docs = [c for c in DOCUMENT_COLUMNS if c not in columns]
    documents_checked = len(absent_docs) < len(DOCUMENT_COLUMNS)
    facts = facts or FileFacts()
    notes = facts.warnings()
    if sheets and len(sheets) > 1:
        notes.append(f"the workbook has {len(sheets)} sheets; only the first ('{sheets[0]}') was read")
    if not documents_checked:
        notes.append("no document columns in the file: document completeness was not checked")
    elif absent_docs:
        notes.append("document columns absent, read as empty (no): " + ", ".join(absent_docs))
    notes += facts.notes()
    return LoadReport(
        source=source,
        file_format=file_format,
        encoding=encoding,
        rows_read=rows,
        columns=columns,
        absent_optional=[c for c in OPTIONAL + DOCUMENT_COLUMNS if c not in columns],
        documents_checked=documents_checked,
        ignored_headers=ignored,
        notes=notes,
        id_types=dict(sorted(facts.id_types.items())),
    )


@dataclass
class Loaded:
    """Normalized application records (`frame`: one row per input row, in file order) and the load report."""

    frame: pd.DataFrame
    report: LoadReport


ID_TYPES = ["citizen", "hmt_permit", "foreign_pr", "passport", "foreign_ssn", "travel_permit"]
# 18 characters (citizen, hmt_permit, the 2023 foreign_pr form), or `<id_type>:[<ISO alpha-3>:]<number>`
PERSON_KEY = (
    r"^(\d{17}[0-9X]|foreign_pr:[A-Z]{3}\d{12}|passport:([A-Z]{3}:)?[A-Z0-9]{5,20}|foreign_ssn:[A-Z0-9]{1,20}"
    r"|travel_permit:[A-Z0-9]{8,11})$"
)


def normalized_schema():
    """The pandera schema of the normalized frame: the contract between loading and the rules."""
    import pandera.pandas as pdr  # pandera takes a second to import: only the tests and the notebooks need it

    text = {"dtype": "str", "nullable": True}
    codes = sorted(provinces.CODES)
    return pdr.DataFrameSchema(
        {
            "row": pdr.Column("int64", pdr.Check.ge(2), unique=True),
            "application_id": pdr.Column(**text),
            "id_number": pdr.Column(**text),
            "person_key": pdr.Column("str", pdr.Check.str_matches(PERSON_KEY), nullable=True),
            "person_id": pdr.Column("int64", pdr.Check.ge(-1)),
            "id_problem": pdr.Column(**text),
            "id_type": pdr.Column("str", pdr.Check.isin(ID_TYPES), nullable=True),
            "nationality": pdr.Column("str", pdr.Check.str_matches(r"^[A-Z]{3}$"), nullable=True),
            "name": pdr.Column(**text),
            "province": pdr.Column(**text),
            "province_code": pdr.Column("str", pdr.Check.isin(codes), nullable=True),
            "city": pdr.Column(**text),
            "applied_on": pdr.Column("datetime64[s]", nullable=True),
            "cancelled_on": pdr.Column("datetime64[s]", nullable=True),
            "record_problem": pdr.Column(**text),
            **{name: pdr.Column(bool) for name in BOOLEAN_COLUMNS},
            "special_category": pdr.Column(**text),
            "document_note": pdr.Column(**text),
        },
        checks=[
            # a usable row has a person key and a province code; an unusable one says why
            # (an unknown id_type: the row is an invalid_record, its number not checked)
            pdr.Check(
                lambda f: (f["person_key"].notna() | f["id_problem"].notna() | f["id_type"].isna()).all(),
                name="key or ID problem",
            ),
            pdr.Check(lambda f: (f["id_type"].notna() | f["record_problem"].notna()).all(), name="type or record"),
            pdr.Check(
                lambda f: (f["province_code"].notna() | f["record_problem"].notna()).all(),
                name="province or record problem",
            ),
            pdr.Check(
                lambda f: (f["applied_on"].notna() | f["record_problem"].notna()).all(),
                name="applied_on or record problem",
            ),
        ],
        strict=True,
        ordered=False,
    )
