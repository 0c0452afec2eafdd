"""Shared helpers: hand-made application files in every accepted format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.contract import HEADER_ALIASES

BASE = {
    "name": "张三",
    "city": "",
    "cancelled_on": "",
    "has_second_gen_id": "是",
    "id_copy": "是",
    "household_register_copy": "否",
    "special_category": "",
    "special_documents": "",
}
CHINESE = {c: aliases[1] for c, aliases in HEADER_ALIASES.items()}


def make_rows(rows: list[dict]) -> pd.DataFrame:
    """Rows with the contract's English columns; omitted optional values take harmless defaults."""
    frame = pd.DataFrame([{**BASE, **r} for r in rows])
    return frame[[c for c in HEADER_ALIASES if c in frame.columns]]


def write(frame: pd.DataFrame, path: Path, kind: str = "csv", chinese: bool = False) -> Path:
    """Write a frame as an analyst's export would be: csv (utf-8), gb18030, utf-8-sig, xlsx or parquet."""
    if chinese:
        frame = frame.rename(columns=CHINESE)
    if kind == "csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    elif kind in ("gb18030", "utf-8-sig"):
        frame.to_csv(path, index=False, encoding=kind)
    elif kind == "xlsx":
        frame.to_excel(path, index=False)
    elif kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        raise ValueError(kind)
    return path


@pytest.fixture
def write_records(tmp_path):
    """write_records(rows, kind="csv", chinese=False, name=...) -> path of a file with those rows."""

    def _write(rows: list[dict], kind: str = "csv", chinese: bool = False, name: str | None = None) -> Path:
        suffix = {"gb18030": "csv", "utf-8-sig": "csv"}.get(kind, kind)
        path = tmp_path / (name or f"applications.{suffix}")
        return write(make_rows(rows), path, kind, chinese)

    return _write
