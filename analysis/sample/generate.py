"""The sample: persons, their applications and planted faults in export forms, shuffled, the planted possible
duplicates put in; and its expected flags and pairs."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import config
from ..contract import HEADER_ALIASES
from ..values import parse_dates
from .corner_cases import hand_made_cases
from .faults import id_text, plant_faults, record_faults
from .forms import date_text, documents, names, province_text
from .months import EXPECTED_REGISTER, Months, plant_months
from .months import PERSONS as MONTH_PERSONS
from .other_types import SHARE, other_holders
from .pairs import plant_pairs
from .people import draw_people, template_rows
from .tables import COUNTIES

SEED = config.SAMPLE_SEED
PERSONS = config.SAMPLE_PERSONS

COLUMNS = list(HEADER_ALIASES)


CHINESE_HEADERS = {c: HEADER_ALIASES[c][1] for c in COLUMNS}
# record faults that leave no application date in the file
NO_APPLIED_ON = ["applied_on empty", "applied_on not a calendar date", "applied_on not a date"]
SCHEDULED = 0.001  # share of clean single applications, and of live first cards of a pair, cancelled after export


def export_day(rows: pd.DataFrame, edge_rows: list[dict]) -> np.datetime64:
    """The export date: the latest application date the file holds."""
    undated = rows["record_fault"].isin(NO_APPLIED_ON).to_numpy(dtype=bool)
    edge = parse_dates(pd.Series([r["applied_on"] for r in edge_rows], dtype="str"))[0]
    days = np.append(rows["applied"].to_numpy()[~undated], edge.to_numpy()).astype("datetime64[D]")
    return days.max()


def cancellations(rng: np.random.Generator, rows: pd.DataFrame, export: np.datetime64) -> pd.Series:
    """cancelled_on up to the export date, and a few scheduled ones after it (docs/data-contract.md, Dates): on
    clean single applications, and on first cards of a duplicate or conflict that were still live at the second
    application. Neither changes a flag: a card is live until its cancellation, and these are all later."""
    cancelled = rows["cancelled"].to_numpy().copy()
    cancelled[cancelled > export] = np.datetime64("NaT")  # a card cancelled after the export is live in it
    single = (rows["template"] == "single").to_numpy() & rows["record_fault"].isna().to_numpy()
    live_first = rows["template"].isin(["duplicate", "cross"]).to_numpy() & ~np.isnat(cancelled)
    live_first &= (rows["step"] == 0).to_numpy()
    u = rng.random(len(rows))
    scheduled = (single & (u < SCHEDULED)) | (live_first & (u < 50 * SCHEDULED))
    later = rng.integers(1, 400, size=int(scheduled.sum())).astype("timedelta64[D]")
    cancelled[scheduled] = export + later
    return pd.Series(cancelled, index=rows.index)


class Sample(NamedTuple):
    """Synthetic applications (contract column names, all text), their expected flags, the possible duplicates
    planted in them (pairs.PAIR_COLUMNS) and the decoys among them that are no pair (pairs.DECOY_COLUMNS)."""

    applications: pd.DataFrame
    flags: pd.DataFrame
    pairs: pd.DataFrame
    decoys: pd.DataFrame


def generate(persons: int = PERSONS, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic applications (contract column names, all text) and their expected flags."""
    sample = generate_sample(persons, seed)
    return sample.applications, sample.flags


def generate_sample(persons: int = PERSONS, seed: int = SEED) -> Sample:
    """The whole sample: applications, expected flags, planted possible duplicates and decoys."""
    rng = np.random.default_rng(seed)
    edge_rows, edge_expected = hand_made_cases()
    reserved = {str(r["id_number"]) for r in edge_rows}
    reserved |= {"11010519491231002X", "130503196704010016"}
    others = round(persons * SHARE)  # card holders who are not mainland citizens
    people = draw_people(rng, persons - others, reserved)
    rows = plant_faults(rng, template_rows(rng, people))
    n = len(rows)

    numbers = rng.permutation(n) + 100000001
    same_day = np.flatnonzero((rows["template"] == "same_day").to_numpy())
    if len(same_day):
        order = np.lexsort((rows["step"].to_numpy()[same_day], rows["person"].to_numpy()[same_day]))
        pairs = same_day[order].reshape(-1, 2)
        nums = np.sort(numbers[pairs], axis=1)
        numbers[pairs[:, 0]], numbers[pairs[:, 1]] = nums[:, 0], nums[:, 1]
    app_id = "SQ" + pd.Series(numbers).astype("str")

    export = export_day(rows, edge_rows)
    codes = rows["province_code"].astype("str")
    city_names = codes.map({p: v[0] for p, v in COUNTIES.items()})
    out = pd.DataFrame(
        {
            "application_id": app_id,
            "id_number": id_text(rng, rows, people),
            "name": names(rng, len(people))[rows["person"].to_numpy()],
            "province": province_text(rng, codes),
            "city": city_names.where(rng.random(n) < 0.8, ""),
            "applied_on": date_text(rng, rows["applied"]),
            "cancelled_on": date_text(rng, cancellations(rng, rows, export)).fillna(""),
            **documents(rng, rows),
            # 居民身份证 as exports write it, some cells empty (the number says it is a citizen's)
            "id_type": np.where(rng.random(n) < 0.9, "居民身份证", ""),
            "nationality": "",
        }
    )
    record_faults(rng, rows, out)
    other_rows, other_expected = other_holders(rng, others, export)

    step_id = pd.Series(app_id.to_numpy(), index=pd.MultiIndex.from_arrays([rows["person"], rows["step"]]))
    person_level = rows["expect_flag"] != ""
    conflict_ids = step_id.reindex(
        pd.MultiIndex.from_arrays([rows["person"][person_level], rows["expect_conflict_step"][person_level]])
    ).to_numpy()
    expected = [
        pd.DataFrame(
            {
                "application_id": app_id[person_level],
                "flag": rows["expect_flag"][person_level],
                "conflicts_with": conflict_ids,
            }
        ),
        pd.DataFrame({"application_id": out["application_id"][rows["id_fault"].notna()], "flag": "invalid_id"}),
        pd.DataFrame({"application_id": out["application_id"][rows["record_fault"].notna()], "flag": "invalid_record"}),
        pd.DataFrame({"application_id": app_id[rows["document_fault"].notna()], "flag": "incomplete_documents"}),
        pd.DataFrame(edge_expected, columns=["application_id", "flag", "conflicts_with"]),
        pd.DataFrame(other_expected, columns=["application_id", "flag", "conflicts_with"]),
    ]
    edge = pd.DataFrame(edge_rows).assign(id_type="居民身份证", nationality="")
    frame = pd.concat([out, edge, other_rows], ignore_index=True)[COLUMNS]
    frame = frame.iloc[rng.permutation(len(frame))]

    # the planted possible duplicates go in at random places, the other rows keeping their order
    planted = plant_pairs(rng, persons, export)
    expected.append(pd.DataFrame(planted.flags, columns=["application_id", "flag", "conflicts_with"]))
    place = np.concatenate([np.arange(len(frame)), rng.random(len(planted.applications)) * len(frame)])
    frame = pd.concat([frame, planted.applications[COLUMNS]]).iloc[np.argsort(place, kind="stable")]
    expected = pd.concat(expected, ignore_index=True).fillna({"conflicts_with": ""})
    expected = expected.sort_values(["application_id", "flag"], kind="stable").reset_index(drop=True)
    return Sample(frame.reset_index(drop=True).astype("str").fillna(""), expected, planted.pairs, planted.decoys)


def generate_months(seed: int = SEED) -> Months:
    """The monthly exports of a population of their own (months.PERSONS), their expected flags and register."""
    return plant_months(*generate(MONTH_PERSONS, seed), seed)


def write_months(out_dir: str | Path, seed: int = SEED) -> list[Path]:
    """Write the monthly exports (as applications.csv is written) and expected_register.csv into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    months = generate_months(seed)
    written = []
    for name, frame in months.exports.items():
        written.append(out_dir / name)
        frame.rename(columns=CHINESE_HEADERS).to_csv(written[-1], index=False, encoding="utf-8-sig")
    written.append(out_dir / EXPECTED_REGISTER)
    months.register.to_csv(written[-1], index=False, encoding="utf-8")
    return written


def write_sample(out_dir: str | Path = config.SAMPLE_DIR, seed: int = SEED, persons: int = PERSONS) -> list[Path]:
    """Write applications.csv (UTF-8 with BOM, Chinese headers, as Excel saves it), expected_flags.csv, the
    planted possible duplicates and decoys (expected_possible_duplicates.csv, decoy_pairs.csv), and the monthly
    exports with their expected register (months/; their population is months.PERSONS, whatever `persons`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sample = generate_sample(persons=persons, seed=seed)
    apps = out_dir / config.SAMPLE_APPLICATIONS.name
    sample.applications.rename(columns=CHINESE_HEADERS).to_csv(apps, index=False, encoding="utf-8-sig")
    written = [apps]
    for table, name in [
        (sample.flags, config.SAMPLE_EXPECTED_FLAGS.name),
        (sample.pairs, config.SAMPLE_EXPECTED_PAIRS.name),
        (sample.decoys, config.SAMPLE_DECOYS.name),
    ]:
        written.append(out_dir / name)
        table.to_csv(written[-1], index=False, encoding="utf-8")
    return written + write_months(out_dir / config.SAMPLE_MONTHS_DIR.name, seed)
