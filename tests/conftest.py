"""Fixtures only; the helpers they are built on live in tests/helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import make_rows, write


@pytest.fixture
def write_records(tmp_path):
    """write_records(rows, kind="csv", chinese=False, name=...) -> path of a file with those rows."""

    def _write(rows: list[dict], kind: str = "csv", chinese: bool = False, name: str | None = None) -> Path:
        suffix = {"gb18030": "csv", "utf-8-sig": "csv"}.get(kind, kind)
        path = tmp_path / (name or f"applications.{suffix}")
        return write(make_rows(rows), path, kind, chinese)

    return _write
