"""Outputs of the flag command: flags.csv and summary.json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import frames, privacy, rules
from .frames import as_str
from .cases import case_ids
from .records import LoadReport


def summary(report: LoadReport, flags: pd.DataFrame) -> dict:
    """Counts an analyst reads first: rows read, clean and flagged rows, a count per flag, cases."""
    flagged_rows = int(flags["row"].nunique())
    unusable = int(flags.loc[flags["flag"].isin(["invalid_record", "invalid_id"]), "row"].nunique())
    out = {
        "rows_read": report.rows_read,
        "rows_clean": report.rows_read - flagged_rows,
        "rows_flagged": flagged_rows,
        "rows_unusable": unusable,
        **rules.flag_counts(flags),
        "cases": int(len(rules.cases(flags))),
        "documents_checked": report.documents_checked,
        "source": report.source,
        "format": report.file_format,
        "encoding": report.encoding,
        "absent_optional_columns": report.absent_optional,
        "notes": report.notes,
    }
    return out


def flags_for_csv(flags: pd.DataFrame) -> pd.DataFrame:
    """flags.csv content: person keys masked (application_id is the join key back to the source)."""
    out = flags.copy()
    out.insert(out.columns.get_loc("person_key"), "case_id", case_ids(flags))
    out["person_key"] = privacy.mask_ids(out["person_key"])
    return out


_QUOTED = frames.byte_table(b'",\n')


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """`frame.to_csv(path, index=False)`, byte for byte (minimal quoting, empty for missing), built by
    Arrow in a few vectorized passes: pandas' writer formats row by row and takes seconds per million."""
    text = lambda value: pa.scalar(value, pa.large_string())  # noqa: E731
    columns = []
    for name in frame.columns:
        arr = pa.array(frame[name].astype("str").array).cast(pa.large_string())
        # quoted as pandas quotes: a comma, a quote or a line feed (a lone carriage return is not quoted)
        quote = frames.any_byte(pd.Series(as_str(arr)), _QUOTED)
        if quote.any():
            quote = pa.array(quote)
            quoted = pc.binary_join_element_wise(text('"'), pc.replace_substring(arr, '"', '""'), text('"'), text(""))
            arr = pc.if_else(quote, quoted, arr)
        columns.append(pc.fill_null(arr, text("")))
    lines = pc.binary_join_element_wise(*columns, text(",")) if columns else None
    header = ",".join('"' + h.replace('"', '""') + '"' if any(c in h for c in '",\n') else h
                      for h in map(str, frame.columns))
    with open(path, "wb") as fh:
        fh.write((header + "\n").encode("utf-8"))
        if lines is not None and len(lines):
            lines = pc.binary_join_element_wise(lines, text(""), text("\n"))
            if isinstance(lines, pa.ChunkedArray):
                lines = lines.combine_chunks()
            at = frames.offsets(lines)
            fh.write(memoryview(lines.buffers()[2])[at[0]:at[-1]])


def write_outputs(out_dir: str | Path, report: LoadReport, flags: pd.DataFrame) -> dict:
    """Write flags.csv and summary.json into out_dir (created, files overwritten); return the summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(flags_for_csv(flags), out_dir / "flags.csv")
    result = summary(report, flags)
    (out_dir / "summary.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result
