"""Fixtures only; the helpers they are built on live in tests/helpers.py."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from analysis.report import build_report
from analysis.sample import generate

from .helpers import make_rows, write


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    """One full report, built once for the report and privacy tests: (source, out, frame, expected flags) of a
    generated GB18030 export with Chinese headers, with a province's view and progress lines."""
    tmp = tmp_path_factory.mktemp("report")
    frame, expected = generate(persons=800, seed=11)
    source = write(frame, tmp / "导出.csv", "gb18030", chinese=True)
    out = tmp / "out"
    with (tmp / "stderr.txt").open("w+") as err:  # the kernels' stderr too: capture file descriptor 2 itself
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        try:
            with contextlib.redirect_stderr(err):
                build_report(source, out, progress=True, province="广东")
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return source, out, frame, expected


@pytest.fixture
def write_records(tmp_path):
    """write_records(rows, kind="csv", chinese=False, name=...) -> path of a file with those rows."""

    def _write(rows: list[dict], kind: str = "csv", chinese: bool = False, name: str | None = None) -> Path:
        suffix = {"gb18030": "csv", "utf-8-sig": "csv"}.get(kind, kind)
        path = tmp_path / (name or f"applications.{suffix}")
        return write(make_rows(rows), path, kind, chinese)

    return _write
