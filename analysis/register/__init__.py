"""The case register: cases followed from run to run in a database (docs/data-contract.md, "The case register").

A DuckDB file is the embedded default; a `postgresql://` URL names a register a team shares. Persons are stored
only as HMAC-SHA256 of their person key (keys.py); each run is recorded in one transaction (runs.py);
caseworkers' statuses come back from the case workbook (statuses.py); history.py reads it for notebook 06.
"""

from .keys import KEY_ENV, key_file
from .runs import STATES, Recorded, forget_run, recording
from .statuses import STATUSES, import_statuses
from .store import RegisterError

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
