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
    frame = frame[~frame["application_id"].str.startswith("SQ7")]  # the holders of other documents it always makes
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
