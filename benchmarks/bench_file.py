"""The benchmarks' Parquet file of generated applications, written in chunks (bench_engines.py describes it), with
or without a name column and planted possible duplicates.

Imports of pandas, NumPy and Arrow stay inside the functions: bench_engines.py imports this module in the process
that starts the timed ones, and that process must stay small (see bench_engines.main).
"""

from __future__ import annotations

import contextlib
import importlib
import time
from pathlib import Path

CHUNK_ROWS = 2_000_000  # rows generated at a time (memory stays bounded at 100M rows)
ROW_GROUP = 1 << 20
ROWS_PER_PERSON = 1.109  # the generator's applications per person
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]  # ISO 7064 MOD 11-2, GB 11643
CHECK_CHARS = "10X98765432"
PLANT_RATE = 1e-4  # planted pairs per person and reason (names file)
PARTS = {"region": (0, 6), "birth": (6, 14), "sequence": (14, 17)}  # of a citizen number, as in the contract
PLANTED_COLUMNS = ["reason", "part", "application_id_a", "application_id_b"]


def planted_path(path: Path) -> Path:
    """The names file's list of planted pairs: reason, part, application_id_a, application_id_b."""
    return path.with_name(path.stem + ".planted.csv")


def check_char(body: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


@contextlib.contextmanager
def _citizens_only():
    """sample.generate without its card holders who are not mainland citizens (but the few it always makes): the
    DuckDB and Polars rules check citizen numbers only (the file has no id_type column)."""
    module = importlib.import_module("analysis.sample.generate")  # the module: analysis.sample.generate is the function
    share = module.SHARE
    module.SHARE = 0
    try:
        yield module.generate
    finally:
        module.SHARE = share


def _plant(rng, base, index: int, pairs: int):
    """Applications that make `pairs` possible duplicates of each reason with the persons of `base` (the chunk in
    the file's columns), and the list of them: (new rows, planted pairs)."""
    import numpy as np
    import pandas as pd

    from analysis import provinces
    from analysis.sample.other_types import COUNTRIES, LATIN

    number = base["id_number"]
    clean = (
        number.str.fullmatch(r"[1-7]\d{16}[0-9X]").to_numpy(dtype=bool)
        & base["usable"].to_numpy()
        & (base["name"] != "").to_numpy(dtype=bool)
    )
    persons = base[clean].drop_duplicates("id_number")
    chosen = persons.iloc[rng.choice(len(persons), size=2 * pairs, replace=False)]
    rows, planted = [], []

    def add(like: dict, **values) -> str:
        app = f"SQ{index:04d}5{len(rows):08d}"  # 5: no application id of the generator starts so
        rows.append({**like, **values, "application_id": app})
        return app

    def later(day, low: int, high: int):
        return day + np.timedelta64(int(rng.integers(low, high)), "D")

    for person in chosen.iloc[:pairs].to_dict("records"):  # id_typo: a one-character change or an adjacent swap
        key = person["id_number"]
        while True:
            chars = list(key)
            if rng.random() < 0.5:
                p = int(rng.integers(0, 18))
                chars[p] = str(rng.choice([c for c in "0123456789X"[: 11 if p == 17 else 10] if c != chars[p]]))
            else:
                p = int(rng.choice([p for p in range(17) if chars[p] != chars[p + 1]]))
                chars[p], chars[p + 1] = chars[p + 1], chars[p]
            typo = "".join(chars)
            if not typo[:17].isdigit() or check_char(typo[:17]) != typo[17]:  # caught by the check, as nearly all are
                break
        app = add(person, id_number=typo, applied_on=later(person["applied_on"], 0, 400), cancelled_on=None)
        planted.append(("id_typo", "", person["application_id"], app))
    regions = persons["id_number"].str.slice(0, 6).unique()
    for i, person in enumerate(chosen.iloc[pairs:].to_dict("records")):  # changed_number: one part of three
        key, part = person["id_number"], list(PARTS)[i % 3]
        region, birth, seq = key[:6], key[6:14], key[14:17]
        if part == "region":
            region = str(rng.choice(regions[regions != region]))
        elif part == "birth":
            day = np.datetime64(f"{birth[:4]}-{birth[4:6]}-{birth[6:]}") - np.timedelta64(
                int(rng.integers(1, 4000)), "D"
            )
            birth = str(max(day, np.datetime64("1900-01-01"))).replace("-", "")  # earlier: not after applied_on
        else:
            seq = f"{(int(seq) + int(rng.integers(1, 1000))) % 1000:03d}"
        body = region + birth + seq
        applied = later(person["applied_on"], 0, 400)
        app = add(person, id_number=body + check_char(body), applied_on=applied, cancelled_on=None)
        planted.append(("changed_number", part, person["application_id"], app))
    places = sorted(provinces.CODES & (provinces.ID_PREFIXES - {"83"}))  # the 2023 form's province codes
    for _ in range(pairs):  # renewed_permit: an older foreign_pr and the 2023 form of the same person
        numeric, alpha3 = COUNTRIES[int(rng.integers(len(COUNTRIES)))][:2]
        place = str(rng.choice(places))
        birth = str(np.datetime64("1950-01-01") + np.timedelta64(int(rng.integers(0, 20089)), "D")).replace("-", "")
        old = f"{alpha3}{place}{rng.integers(100):02d}{birth[2:]}{rng.integers(100):02d}"
        body = f"9{place}{numeric}{birth}{rng.integers(1000):03d}"
        first = np.datetime64("2015-01-01") + np.timedelta64(int(rng.integers(0, 2900)), "D")
        renewed = later(first, 100, 1200)
        person = {"name": str(rng.choice(LATIN)), "province": place}
        b = add(person, id_number=old, applied_on=first, cancelled_on=renewed)
        a = add(person, id_number=body + check_char(body), applied_on=renewed, cancelled_on=None)
        planted.append(("renewed_permit", "", a, b))
    new = pd.DataFrame(rows, columns=base.columns).drop(columns="usable")
    return new, pd.DataFrame(planted, columns=PLANTED_COLUMNS)


def chunk(index: int, rows: int, seed: int, names: bool = False):
    """One chunk of generated applications as an Arrow table (the names file's planted pairs besides, or None)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from analysis import provinces
    from analysis.values import parse_dates

    persons = max(1, round(rows / ROWS_PER_PERSON))
    with _citizens_only() as generate:
        frame, expected = generate(persons=persons, seed=seed + index)
    # the holders of other documents it always makes (SQ7), and the sample's planted possible duplicates (SQ8),
    # foreign and permit numbers among them: the file is citizens only, so DuckDB and Polars can check it too
    frame = frame[~frame["application_id"].str.startswith(("SQ7", "SQ8"))]
    if index:  # the hand-made corner cases once, not once per chunk
        frame = frame[~frame["application_id"].str.fullmatch(r"SQ9000000\d\d")]
    pairs = max(1, round(persons * PLANT_RATE)) if names else 0
    frame = frame.head(rows - 4 * pairs)  # the planted rows: one per id_typo and changed_number, two per permit
    unusable = expected.loc[expected["flag"].isin(["invalid_id", "invalid_record"]), "application_id"]
    applied, _ = parse_dates(frame["applied_on"])
    cancelled, _ = parse_dates(frame["cancelled_on"])
    code = provinces.province_codes(frame["province"])
    base = pd.DataFrame(
        {
            # Chunks are independent draws: a prefix per chunk keeps application ids apart.
            "application_id": "SQ" + f"{index:04d}" + frame["application_id"].str.slice(2),
            "id_number": frame["id_number"],
            "name": frame["name"],
            "province": code.fillna(frame["province"]),
            "applied_on": applied.to_numpy().astype("datetime64[D]"),
            "cancelled_on": cancelled.to_numpy().astype("datetime64[D]"),
            "usable": ~frame["application_id"].isin(unusable).to_numpy() & code.notna().to_numpy(),
        }
    )
    planted = None
    if names:
        new, planted = _plant(np.random.default_rng([seed, index, 1]), base, index, pairs)
        base = pd.concat([base.drop(columns="usable"), new], ignore_index=True)
    columns = {
        "application_id": pa.array(base["application_id"].to_numpy(dtype=object), pa.string()),
        "id_number": pa.array(base["id_number"].to_numpy(dtype=object), pa.string()),
        "name": pa.array(base["name"].to_numpy(dtype=object), pa.string()),
        "province": pa.array(base["province"].to_numpy(dtype=object), pa.string()),
        "applied_on": pa.array(base["applied_on"].to_numpy(dtype="datetime64[D]"), pa.date32()),
        "cancelled_on": pa.array(base["cancelled_on"].to_numpy(dtype="datetime64[D]"), pa.date32()),
    }
    if not names:
        del columns["name"]
    return pa.table(columns), planted


def write_applications(rows: int, path: Path, seed: int = 1, names: bool = False) -> float:
    """Write exactly `rows` generated applications to a Parquet file, chunk by chunk (with names: the planted
    pairs to planted_path(path) too); return seconds."""
    import pyarrow.parquet as pq

    start = time.perf_counter()
    tmp = path.with_suffix(".partial")
    planted_tmp = planted_path(path).with_suffix(".partial")
    written, index = 0, 0
    writer = None
    try:
        while written < rows:
            table, planted = chunk(index, min(CHUNK_ROWS, rows - written), seed, names)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table, row_group_size=ROW_GROUP)
            if planted is not None:
                planted.to_csv(planted_tmp, mode="a" if index else "w", header=not index, index=False)
            written += table.num_rows
            index += 1
    finally:
        if writer is not None:
            writer.close()
    if names:
        planted_tmp.replace(planted_path(path))
    tmp.replace(path)
    return time.perf_counter() - start


def count_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


# ---------------------------------------------------------------- the clean-number file

CLEAN_APPS = [1] * 85 + [2] * 12 + [3, 4, 5]  # applications per person: 85%, 12%, 3% three to five
CLEAN_FIRST, CLEAN_LAST = "2010-01-01", "2025-12-31"  # application days
CLEAN_BIRTHS = ("1930-01-01", "2005-12-31")  # all before the first application day: no birth after applying


def clean_path(rows: int, folder: Path) -> Path:
    return folder / f"engines-clean-{rows}.parquet"


def _fixed_text(matrix) -> object:
    """An (n, width) ASCII byte matrix as an Arrow string array, from its buffers (no Python objects)."""
    import numpy as np
    import pyarrow as pa

    n, width = matrix.shape
    offsets = (np.arange(n + 1, dtype=np.int32) * width).tobytes()
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(matrix).tobytes()))


def _digits(values, width: int):
    """Non-negative integers as an (n, width) matrix of ASCII digits, zero-padded."""
    import numpy as np

    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + ord("0")).astype(np.uint8)


def clean_chunk(index: int, chunks: int, rows: int, seed: int, most: int | None = None):
    """`rows` applications of clean numbers (the clean file's chunk `index` of `chunks`, each of at most `most`
    rows) as an Arrow table."""
    import numpy as np
    import pyarrow as pa

    from analysis import provinces

    rng = np.random.default_rng([seed, index, 2])
    per = rng.choice(CLEAN_APPS, size=int(rows / 1.2) + 64)
    while per.sum() < rows:
        per = np.r_[per, rng.choice(CLEAN_APPS, size=1024)]
    per = per[: int(np.searchsorted(np.cumsum(per), rows)) + 1]
    persons = len(per)
    person = np.repeat(np.arange(persons), per)[:rows]
    # the person's number: a province-level prefix, four region digits, a birth date, a sequence, the check
    prefixes = np.array(sorted(int(p) for p in provinces.ID_PREFIXES))
    low, high = (np.datetime64(d, "D").astype(np.int64) for d in CLEAN_BIRTHS)
    birth = rng.integers(low, high + 1, size=persons).astype("datetime64[D]")
    ymd = birth.astype(str).astype("U10")
    born = np.char.replace(ymd, "-", "").astype(np.int64)
    body = _digits(
        ((rng.choice(prefixes, size=persons) * 10_000 + rng.integers(0, 10_000, size=persons)) * 100_000_000 + born)
        * 1000
        + rng.integers(0, 1000, size=persons),
        17,
    )
    weighted = (body.astype(np.int64) - ord("0")) @ np.array(WEIGHTS, dtype=np.int64)
    check = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[weighted % 11]
    number = np.concatenate([body, check[:, None]], axis=1)
    # each application: a day; the person's home province, or another one for a third of the repeats
    first, last = (np.datetime64(d, "D").astype(np.int64) for d in (CLEAN_FIRST, CLEAN_LAST))
    applied = rng.integers(first, last + 1, size=rows)
    codes = np.array(sorted(provinces.CODES))
    home = rng.integers(0, len(codes), size=persons)
    repeat = np.r_[False, person[1:] == person[:-1]]
    province = np.where(repeat & (rng.random(rows) < 1 / 3), rng.integers(0, len(codes), size=rows), home[person])
    # cancelled: a tenth of the applications, and half of a repeating person's; some before the next one
    cancelled = np.where(
        rng.random(rows) < np.where(np.r_[repeat[1:], False] | repeat, 0.5, 0.1),
        applied + rng.integers(1, 1500, size=rows),
        -1,
    )
    # application ids: A and 10 digits, distinct over the file (chunk index in the low digits), in random order
    spread = 10**10 // (chunks * (most or rows))  # the same in every chunk: no two ids meet
    serial = (rng.permutation(rows).astype(np.int64) * chunks + index) * spread + rng.integers(0, spread, size=rows)
    app = np.concatenate([np.full((rows, 1), ord("A"), dtype=np.uint8), _digits(serial, 10)], axis=1)
    shuffle = rng.permutation(rows)  # a person's applications apart in the file, as in a real export
    days = pa.array(applied[shuffle].astype(np.int32), pa.int32()).cast(pa.date32())
    gone = cancelled[shuffle]
    return pa.table(
        {
            "application_id": _fixed_text(app[shuffle]),
            "id_number": _fixed_text(number[person[shuffle]]),
            "province": pa.array(codes[province[shuffle]].astype(object), pa.string()),
            "applied_on": days,
            "cancelled_on": pa.array(gone.astype(np.int32), pa.int32(), mask=gone < 0).cast(pa.date32()),
        }
    )


def write_clean_applications(rows: int, path: Path, seed: int = 1) -> float:
    """Write exactly `rows` applications of clean numbers (bench_engines.py, --clean) to a Parquet file; seconds."""
    import pyarrow.parquet as pq

    start = time.perf_counter()
    tmp = path.with_suffix(".partial")
    chunks = -(-rows // CHUNK_ROWS)
    with pq.ParquetWriter(tmp, clean_chunk(0, 1, 1, seed).schema) as writer:
        for index in range(chunks):
            table = clean_chunk(index, chunks, min(CHUNK_ROWS, rows - index * CHUNK_ROWS), seed, min(CHUNK_ROWS, rows))
            writer.write_table(table, row_group_size=ROW_GROUP)
    tmp.replace(path)
    return time.perf_counter() - start
