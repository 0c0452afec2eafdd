"""The register's secret key and the keyed hashes that stand in for persons: no ID number is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

KEY_ENV = "ANALYSIS_REGISTER_KEY"
_CHECK = b"analysis case register: key check"  # what the stored check value is the HMAC of


class KeyError_(Exception):
    """A register key that is missing or cannot be created (the store turns it into a RegisterError)."""


def key_file(db: str | Path) -> Path:
    """`DB.key` beside a DuckDB register file."""
    return Path(f"{db}.key")


def register_key(db: str, is_postgres: bool, creating: bool) -> tuple[bytes, Path | None]:
    """The secret: ANALYSIS_REGISTER_KEY, else the key file beside a DuckDB register (made, owner-only, when the
    register is new). Returns (key, the key file this call created or None)."""
    from_env = os.environ.get(KEY_ENV)
    if from_env:
        return from_env.encode("utf-8"), None
    if is_postgres:
        raise KeyError_(f"a PostgreSQL register needs its key in the environment variable {KEY_ENV}")
    path = key_file(db)
    if path.is_file():
        return path.read_text(encoding="ascii").strip().encode("ascii"), None
    if not creating:
        raise KeyError_(
            f"{path} is missing: the register {db} was written under a key; restore the key file or set {KEY_ENV}"
        )
    try:
        write_key_file(path, secrets.token_hex(32).encode("ascii"))
    except FileExistsError:  # another run on the same new register made it a moment ago: that one is the key
        return path.read_text(encoding="ascii").strip().encode("ascii"), None
    return path.read_text(encoding="ascii").strip().encode("ascii"), path


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key file readable and writable by its owner only, whole or not at all, never over an existing one
    (FileExistsError): written to a temporary name first, then linked into place, so another run starting at the
    same moment reads either no key file or the complete key."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)  # whatever the umask
            handle.write(key.decode("ascii") + "\n")
        os.link(temporary, path)  # atomic, and refuses an existing file
    finally:
        os.unlink(temporary)


def key_check(key: bytes) -> str:
    """The value the register keeps to recognise its key (an HMAC of a fixed text, not the key)."""
    return hmac.new(key, _CHECK, hashlib.sha256).hexdigest()


def person_hashes(person_keys: pd.Series, key: bytes) -> np.ndarray:
    """HMAC-SHA256 (hex) of each person key, computed once per distinct key."""
    codes, uniques = pd.factorize(person_keys.astype("str"))
    digests = np.array(
        [hmac.new(key, str(k).encode("utf-8"), hashlib.sha256).hexdigest() for k in uniques], dtype=object
    )
    return digests[codes]


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (how the register knows a file it has recorded)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()
