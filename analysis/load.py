"""The loading stage from end to end: a file in, its normalized records and load report out."""

from __future__ import annotations

from pathlib import Path

from . import config
from ._fast.memory import release_memory
from .batches import normalize_parquet_in_batches
from .contract import PARQUET_SUFFIXES, FileFacts, Loaded, LoadError, load_report
from .matching import for_rules
from .normalize import mark_shared_ids, normalize
from .read import line_breaks, map_headers, read_table


def load_applications(path: str | Path, display: bool = True) -> Loaded:
    """Read and normalize an application file; raises LoadError with a one-line message.

    display=False (the flag command): the rules' columns only, without DISPLAY_ONLY (raw ID text, names,
    province text, cities) but for what possible duplicates need (matching.for_rules); a Parquet file is then
    normalized in batches, in a fraction of the memory.
    """
    path = config.resolve_input(path)
    source = config.display_path(path)
    if not display and path.suffix.lower() in PARQUET_SUFFIXES and path.is_file() and path.stat().st_size:
        frame, columns, ignored, rows, facts = normalize_parquet_in_batches(path, source)
        return Loaded(frame, load_report(source, "parquet", None, rows, columns, ignored, facts=facts))
    raw, file_format, encoding = read_table(path)
    contract_columns, columns, ignored = map_headers(raw, source)
    if file_format == "csv" and line_breaks(path) > len(raw) + 1:
        # More line breaks than rows: blank lines, or values that hold line breaks. No contract value holds
        # one: one that does is a stray quote that has swallowed the lines (applications) after it.
        for column in contract_columns.columns:
            broken = contract_columns[column].str.contains(r"[\r\n]", regex=True).to_numpy(dtype=bool, na_value=False)
            if broken.any():
                raise LoadError(
                    f"{source}: row {int(broken.argmax()) + 2}: the {column} value runs over several lines, so a "
                    'quote (") there is probably unbalanced and the rows after it have run together; remove the '
                    "stray quote or export the file again"
                )
    rows, sheets = len(raw), raw.attrs.get("sheets", [])
    del raw
    facts = FileFacts()
    frame = normalize(contract_columns, file_format, facts=facts)
    del contract_columns
    report = load_report(source, file_format, encoding, rows, columns, ignored, sheets, facts)
    release_memory()
    mark_shared_ids(frame)
    if not display:
        frame = for_rules(frame)
    release_memory()
    return Loaded(frame, report)
