"""The case register: cases followed from run to run in a database (docs/data-contract.md, "The case register").

A DuckDB file is the embedded default; a `postgresql://` URL names a register a team shares. Persons are stored
only as HMAC-SHA256 of their person key (keys.py); each run is recorded in one transaction (runs.py);
caseworkers' statuses come back from the case workbook (statuses.py); history.py reads it for notebook 06.

The names below load their module when first used: every command imports RegisterError to report it in one
line, and `flag` without --register needs nothing else (statuses reads workbooks: openpyxl, 0.1 s to import).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .keys import KEY_ENV, key_file
    from .runs import STATES, Recorded, forget_run, recording
    from .statuses import STATUSES, import_statuses
    from .store import RegisterError

_WHERE = {
    "KEY_ENV": "keys",
    "key_file": "keys",
    "STATES": "runs",
    "Recorded": "runs",
    "forget_run": "runs",
    "recording": "runs",
    "STATUSES": "statuses",
    "import_statuses": "statuses",
    "RegisterError": "store",
}

__all__ = [
    "KEY_ENV",
    "STATES",
    "STATUSES",
    "Recorded",
    "RegisterError",
    "forget_run",
    "import_statuses",
    "key_file",
    "recording",
]


def __getattr__(name: str) -> Any:
    """A name of __all__ from its module (PEP 562); a submodule (history, statuses, ...) as a submodule."""
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":  # a module of its own missing is another matter
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
