"""flags.csv is written by Arrow (export.write_csv): it must be what pandas' to_csv writes, byte for byte."""

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.export import write_csv

# Text an analyst's export can hold: separators, quotes, line breaks, a lone CR, CJK, nothing at all.
cell = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t\'=中文１')), max_size=6))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(cell, cell, st.integers(0, 10**12)), max_size=12))
def test_write_csv_is_pandas_to_csv(tmp_path_factory, rows):
    frame = pd.DataFrame({
        "text": pd.Series([r[0] for r in rows], dtype="str"),
        "more": pd.Series([r[1] for r in rows], dtype="str"),
        "row": pd.Series([r[2] for r in rows], dtype="int64"),
    })
    folder = tmp_path_factory.mktemp("csv")
    write_csv(frame, folder / "ours.csv")
    frame.to_csv(folder / "pandas.csv", index=False)
    assert (folder / "ours.csv").read_bytes() == (folder / "pandas.csv").read_bytes()


def test_write_csv_of_no_rows_is_the_header():
    frame = pd.DataFrame({"application_id": pd.Series([], dtype="str"), "row": pd.Series([], dtype="int64")})
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        write_csv(frame, Path(folder) / "f.csv")
        assert (Path(folder) / "f.csv").read_text(encoding="utf-8") == "application_id,row\n"
