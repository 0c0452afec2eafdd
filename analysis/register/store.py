"""The register's database: a DuckDB file or a PostgreSQL server, one versioned schema, one writer at a time,
everything a run changes in one transaction."""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .keys import KEY_ENV, KeyError_, key_check, key_file, register_key, write_key_file

SCHEMA_VERSION = 1
WAIT_SECONDS = 120.0  # how long a run waits for another run on the same register before it gives up
_PG_LOCK = 7_243_001  # the advisory lock every writer of a PostgreSQL register takes first
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS register_key (check_value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id INTEGER PRIMARY KEY, recorded_at TIMESTAMP NOT NULL, file_name TEXT NOT NULL,
        file_sha256 TEXT NOT NULL UNIQUE, rows_read BIGINT NOT NULL, counts TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS cases (
        register_case INTEGER PRIMARY KEY, person_hash TEXT NOT NULL, flag TEXT NOT NULL,
        first_run INTEGER NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS states (run_id INTEGER NOT NULL, register_case INTEGER NOT NULL, state TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS imports (
        import_id INTEGER PRIMARY KEY, imported_at TIMESTAMP NOT NULL, file_name TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS statuses (
        import_id INTEGER NOT NULL, register_case INTEGER NOT NULL, status TEXT, note TEXT)""",
]


class RegisterError(Exception):
    """A register that cannot be used as asked: one line for the person at the terminal."""


def is_postgres(db: str | Path) -> bool:
    """A `postgresql://` (or `postgres://`) URL rather than a DuckDB file."""
    return str(db).startswith(("postgresql://", "postgres://"))


def shown(db: str | Path) -> str:
    """The register's name for messages: a URL without its password."""
    return re.sub(r"(//[^:/@]+):.*@(?=[^@]*$)", r"\1:***@", str(db))  # up to the last @: a password may hold one


def without_password(db: str | Path) -> tuple[str, str | None]:
    """A register URL without its password, and the password (None when there is none or db is a file): a
    notebook is handed the first, and the password only through the environment (PGPASSWORD)."""
    found = re.match(r"^(postgres(?:ql)?://[^:/@]+):(.*)@([^@]*)$", str(db))
    if not found:
        return str(db), None
    return f"{found.group(1)}@{found.group(3)}", found.group(2)


@dataclass
class Connection:
    """An open register in a transaction: run SQL with `?` placeholders on either database."""

    raw: Any
    postgres: bool
    key: bytes

    def rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Execute one statement; its rows (empty for a statement that returns none)."""
        if self.postgres:
            with self.raw.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
                return cursor.fetchall() if cursor.description else []
        result = self.raw.execute(sql, params)
        return result.fetchall() if result.description else []

    def value(self, sql: str, params: tuple | list = ()) -> Any:
        """The first column of the first row (None when there is none)."""
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def frame(self, sql: str, params: tuple | list = ()) -> pd.DataFrame:
        """A query's rows as a DataFrame."""
        if self.postgres:
            with self.raw.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
                return pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
        return self.raw.execute(sql, params).df()

    def temporary(self, name: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        """A temporary table `name` holding frame's rows (columns and SQL types in `types`)."""
        columns = ", ".join(f"{c} {t}" for c, t in types.items())
        if self.postgres:
            self.rows(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {name} ({', '.join(types)}) FROM STDIN") as copy:
                for row in frame[list(types)].itertuples(index=False, name=None):
                    copy.write_row(row)
            return
        self.raw.register("incoming_frame", frame[list(types)])
        self.rows(f"CREATE OR REPLACE TEMPORARY TABLE {name} AS SELECT * FROM incoming_frame")
        self.raw.unregister("incoming_frame")


def _open_duckdb(path: Path, wait: float) -> Any:
    """Connect to a DuckDB file, waiting while another process holds it."""
    import duckdb

    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise RegisterError(f"{path}: not a register this tool can open ({str(exc).splitlines()[0]})") from None
            if time.monotonic() > deadline:
                raise RegisterError(
                    f"{path} is in use by another run (waited {wait:.0f} s); try again when it has finished"
                ) from None
            time.sleep(0.2)


def _open_postgres(url: str) -> Any:
    """Connect to a PostgreSQL register and take its writer's lock (a second run waits here)."""
    import psycopg

    try:
        raw = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or ["no answer"])[0]
        raise RegisterError(f"cannot open the register {shown(url)}: {first}") from None
    raw.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK,))
    return raw


def _prepare(connection: Connection, db: str) -> None:
    """Create the schema when new, refuse a newer one, and refuse a register written under another key."""
    for statement in SCHEMA:
        connection.rows(statement)
    version = connection.value("SELECT max(version) FROM schema_version")
    if version is None:
        connection.rows("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
    elif version > SCHEMA_VERSION:
        raise RegisterError(f"{shown(db)} was written by a newer version of this tool (schema {version}); update it")
    check = connection.value("SELECT check_value FROM register_key")
    if check is None:
        connection.rows("INSERT INTO register_key VALUES (?)", (key_check(connection.key),))
    elif check != key_check(connection.key):
        raise RegisterError(
            f"{shown(db)} was written under another key: this key is not the register's (check ANALYSIS_REGISTER_KEY "
            "or the key file); nothing was changed"
        )


@contextlib.contextmanager
def transaction(db: str | Path, wait: float | None = None) -> Iterator[Connection]:
    """The register open in one transaction: committed when the block ends, rolled back when it raises. A new
    DuckDB register whose first transaction fails is removed with its new key file: nothing is left behind."""
    db = str(db)
    wait = WAIT_SECONDS if wait is None else wait  # read at the call: a test may shorten it
    postgres = is_postgres(db)
    created = not postgres and not Path(db).exists()
    made_key = None
    raw = None
    try:
        if not postgres:
            Path(db).parent.mkdir(parents=True, exist_ok=True)  # the key file is made beside it first
        try:
            key, made_key = register_key(db, postgres, creating=created)
        except KeyError_ as exc:
            raise RegisterError(str(exc)) from None
        if postgres:
            raw = _open_postgres(db)
        else:
            raw = _open_duckdb(Path(db), wait)
            raw.execute("BEGIN TRANSACTION")
        connection = Connection(raw, postgres, key)
        if not postgres and not os.environ.get(KEY_ENV) and not key_file(db).exists():
            # the run that made the key file failed and removed it while this one waited: put the key back
            with contextlib.suppress(FileExistsError):
                write_key_file(key_file(db), key)
        _prepare(connection, db)
        yield connection
        raw.commit() if postgres else raw.execute("COMMIT")
    except BaseException:
        if raw is not None:
            with contextlib.suppress(Exception):
                raw.rollback() if postgres else raw.execute("ROLLBACK")
        if created and raw is not None and _empty(raw):
            _remove_new(db, raw, made_key)
            raw = None
        raise
    finally:
        if raw is not None:
            raw.close()


def _empty(raw: Any) -> bool:
    """A DuckDB register holding no table (a first run rolled back): nobody else's run is in it."""
    try:
        return raw.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0] == 0
    except Exception:  # noqa: BLE001 - a connection that cannot even say so: leave the file alone
        return False


def _remove_new(db: str, raw: Any, made_key: Path | None) -> None:
    """Remove a DuckDB register (and the key file) this failed run created."""
    if raw is not None:
        with contextlib.suppress(Exception):
            raw.close()
    for path in (Path(db), Path(f"{db}.wal"), made_key):
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


@contextlib.contextmanager
def reading(db: str | Path) -> Iterator[Connection]:
    """The register open to read (notebook 06): no key needed, nothing written."""
    db = str(db)
    if is_postgres(db):
        raw = _open_postgres(db)
    else:
        if not Path(db).is_file():
            raise RegisterError(f"{db}: no such register")
        import duckdb

        raw = duckdb.connect(db, read_only=True)
    try:
        yield Connection(raw, is_postgres(db), b"")
    finally:
        raw.close()
