"""Fixtures only; the helpers they are built on live in tests/helpers.py."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from analysis.report import build_report
from analysis.sample import generate

from .helpers import make_rows, write


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    """One full report, built once for the report and privacy tests: (source, out, frame, expected flags) of a
    generated GB18030 export with Chinese headers, with a province's view, progress lines, and the run recorded
    in a new case register (out.parent / "register.duckdb", its key in a file beside it)."""
    tmp = tmp_path_factory.mktemp("report")
    frame, expected = generate(persons=800, seed=11)
    source = write(frame, tmp / "导出.csv", "gb18030", chinese=True)
    out = tmp / "out"
    with (tmp / "stderr.txt").open("w+") as err:  # the kernels' stderr too: capture file descriptor 2 itself
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        try:
            with contextlib.redirect_stderr(err), pytest.MonkeyPatch.context() as patch:
                patch.delenv("ANALYSIS_REGISTER_KEY", raising=False)
                build_report(source, out, progress=True, province="广东", register=tmp / "register.duckdb")
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


def _as_postgres_user(argv: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: as root, run them as the `postgres` system user."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server from the installed binaries (Debian's postgresql package), on a free port of
    127.0.0.1, for this test session only: yields its base URL, stopped and removed afterwards."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb") or ""]
    initdb = Path(found[-1])
    assert initdb.is_file(), "PostgreSQL is not installed (.ci/run installs Debian's postgresql package)"
    pg_ctl = initdb.parent / "pg_ctl"
    home = Path(tempfile.mkdtemp(prefix="register-pg-"))
    home.chmod(0o755)  # the postgres user must reach its data folder
    data = home / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    init = [str(initdb), "-D", str(data), "-A", "trust", "-U", "postgres"]
    subprocess.run(_as_postgres_user(init), check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [str(pg_ctl), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"]
    subprocess.run(_as_postgres_user(start), check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres_user([str(pg_ctl), "-D", str(data), "-m", "immediate", "stop"]), check=False)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server, request):
    """A fresh, empty database on the test server: the URL of a register a team would share."""
    from .registers import new_database

    return new_database(postgres_server, request.node.name)
