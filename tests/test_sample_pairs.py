"""The bundled sample's planted possible duplicates (docs/data-contract.md, "Possible duplicates"): the matching finds
exactly the planted pairs and none of the decoys, `flag` writes them, and each pair and decoy, read against the
contract's words row by row (without analysis.matching), is what it was planted as."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata

import pandas as pd
import pycountry
import pytest
from pypinyin import lazy_pinyin

from analysis import config
from analysis.load import load_applications
from analysis.matching import REASONS, possible_duplicates
from analysis.privacy import find_full_ids
from analysis.sample import generate_sample
from analysis.sample.pairs import DECOYS
from analysis.sample.tables import COUNTIES, COUNTIES_HERE, REGION_CHANGES

from .helpers import run_cli, write

KEYS = ["reason", "application_ids_a", "application_ids_b", "overlapping"]


def read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def rows(frame: pd.DataFrame) -> list[tuple]:
    return sorted(map(tuple, frame[KEYS].to_numpy().tolist()))


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return read(config.SAMPLE_EXPECTED_PAIRS)


@pytest.fixture(scope="module")
def decoys() -> pd.DataFrame:
    return read(config.SAMPLE_DECOYS)


@pytest.fixture(scope="module")
def loaded():
    return load_applications(config.SAMPLE_APPLICATIONS)


@pytest.fixture(scope="module")
def found(loaded) -> pd.DataFrame:
    return possible_duplicates(loaded.frame)


def test_the_matching_finds_exactly_the_planted_pairs(found, expected):
    assert rows(found) == rows(expected)
    assert len(set(rows(expected))) == len(expected)


def test_every_reason_is_planted_a_dozen_times_live_and_not(expected):
    for reason in REASONS:
        planted = expected[expected["reason"] == reason]
        assert 8 <= len(planted) <= 20, reason
        assert set(planted["overlapping"]) == {"true", "false"}, reason


def test_each_pair_says_what_was_planted(found, expected):
    """The detail names the edit, the part or the country and province that was planted; every kind is there."""
    both = found.merge(expected, on=KEYS, validate="one_to_one")
    assert len(both) == len(expected)
    for reason, planted, detail in both[["reason", "planted", "detail"]].to_numpy():
        if reason == "id_typo":
            swapped = re.fullmatch(r"characters (\d+) and (\d+)", planted)
            assert detail.endswith(f"{planted} swapped" if swapped else f"{planted} differs"), (planted, detail)
        elif reason == "changed_number":
            words = {"region": "region differs", "birth": "birth date differs", "sequence": "sequence differs"}
            assert words[planted] in detail, (planted, detail)
        else:
            alpha3, province = planted.split()
            assert detail.endswith(f"{alpha3}, province {province}"), (planted, detail)
    typos = expected.loc[expected["reason"] == "id_typo", "planted"]
    assert typos.str.startswith("characters ").any() and typos.str.startswith("character ").any()
    changed = expected.loc[expected["reason"] == "changed_number", "planted"]
    assert set(changed) == {"region", "birth", "sequence"}


def test_no_decoy_is_reported(found, decoys):
    assert set(decoys["kind"]) == set(DECOYS)
    planted = set(" ".join(decoys["application_ids_a"] + " " + decoys["application_ids_b"]).split())
    reported = set(" ".join(found["application_ids_a"] + " " + found["application_ids_b"]).split())
    assert planted and not planted & reported


def test_planted_counties_are_none_the_other_persons_have():
    """What keeps a planted number from pairing with the rest by chance (with the birth years)."""
    background = {county for _, counties in COUNTIES.values() for county in counties}
    planted = set(COUNTIES_HERE) | {code for former, current, _ in REGION_CHANGES for code in (former, current)}
    assert not background & planted


# ---------------------------------------------------------------- the contract's words, pair by pair

_DROP = re.compile(r"[\s·•・.]+")
_PARTS = [(0, 6), (6, 14), (14, 17)]


def contract_name(name: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", name)).casefold()


def names_equal(one: str, other: str) -> bool:
    """Equal after normalization; a name in pinyin (ASCII letters only) equals the pinyin of one in characters."""
    one, other = contract_name(one), contract_name(other)
    if not one or not other:
        return False
    in_pinyin = [bool(re.fullmatch(r"[a-z]+", n)) for n in (one, other)]
    if in_pinyin == [True, False]:
        return "".join(lazy_pinyin(other)).casefold() == one
    if in_pinyin == [False, True]:
        return "".join(lazy_pinyin(one)).casefold() == other
    return one == other


def one_edit(typed: str, key: str) -> bool:
    """One character changed, or two adjacent ones swapped."""
    differ = [i for i, (a, b) in enumerate(zip(typed, key, strict=True)) if a != b]
    swap = len(differ) == 2 and differ[1] == differ[0] + 1 and typed[differ[0]] == key[differ[1]]
    return len(differ) == 1 or (swap and typed[differ[1]] == key[differ[0]])


def old_form_births(old: str, applied: list[dt.date]) -> set[str]:
    """The older form's YYMMDD read as the checks read it (20YY when not after the application date, else 19YY)."""
    yy, mmdd = old[7:9], old[9:13]
    return {f"20{yy}{mmdd}" if f"20{yy}{mmdd}" <= day.strftime("%Y%m%d") else f"19{yy}{mmdd}" for day in applied}


def literal_reasons(a: list[dict], b: list[dict]) -> set[str]:
    """The contract's reasons that pair side a with side b (each a list of applications: number, name, applied,
    invalid), read from its table literally."""
    named = any(names_equal(x["name"], y["name"]) for x in a for y in b)
    numbers = [{x["number"] for x in side} for side in (a, b)]
    if not named or any(len(n) != 1 for n in numbers):
        return set()
    (one,), (other,) = numbers
    reasons = set()
    if b[0]["invalid"] and not a[0]["invalid"] and len(other) == len(one) == 18 and one_edit(other, one):
        reasons.add("id_typo")
    if a[0]["invalid"] or b[0]["invalid"]:
        return reasons
    differing = sum(one[lo:hi] != other[lo:hi] for lo, hi in _PARTS)
    if len(one) == len(other) == 18 and differing == 1:
        reasons.add("changed_number")
    new, old = (one, other) if one.startswith("9") else (other, one)
    old_side = b if old == other else a
    if re.fullmatch(r"9\d{16}[0-9X]", new) and re.fullmatch(r"[A-Z]{3}\d{12}", old):
        same_country = pycountry.countries.get(numeric=new[3:6]).alpha_3 == old[:3]
        births = old_form_births(old, [x["applied"] for x in old_side])
        if same_country and old[3:5] == new[1:3] and new[6:14] in births:
            reasons.add("renewed_permit")
    return reasons


@pytest.fixture(scope="module")
def applications(loaded, expected, decoys) -> dict[str, dict]:
    """The applications of the planted pairs and decoys by id: number (normalized), name, date applied, and whether
    it was planted invalid (expected_flags.csv)."""
    sides = pd.concat([frame[["application_ids_a", "application_ids_b"]] for frame in (expected, decoys)])
    ids = set(" ".join(sides.to_numpy().ravel()).split())
    raw = read(config.SAMPLE_APPLICATIONS).set_index("申请编号").loc[sorted(ids)]
    flags = read(config.SAMPLE_EXPECTED_FLAGS)
    invalid = set(flags.loc[flags["flag"] == "invalid_id", "application_id"])
    applied = loaded.frame.set_index("application_id")["applied_on"].loc[raw.index]
    out = {}
    for app, number, name, day in zip(raw.index, raw["身份证号码"], raw["姓名"], applied, strict=True):
        number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).upper()
        out[app] = {"number": number, "name": name, "applied": day.date(), "invalid": app in invalid}
    return out


def test_each_planted_pair_is_a_pair_by_the_contract_and_each_decoy_is_not(applications, expected, decoys):
    def side(ids: str) -> list[dict]:
        return [applications[i] for i in ids.split()]

    for reason, a, b in expected[["reason", "application_ids_a", "application_ids_b"]].to_numpy():
        assert literal_reasons(side(a), side(b)) == {reason}, (reason, a, b)
    for kind, a, b in decoys[["kind", "application_ids_a", "application_ids_b"]].to_numpy():
        assert literal_reasons(side(a), side(b)) == literal_reasons(side(b), side(a)) == set(), (kind, a, b)
    # near misses: the common names and the typo on another name's row pair once the names are made the same
    for kind, reason in [("common_name_same_day", "changed_number"), ("typo_other_name", "id_typo")]:
        for a, b in decoys.loc[decoys["kind"] == kind, ["application_ids_a", "application_ids_b"]].to_numpy():
            renamed = [{**row, "name": side(a)[0]["name"]} for row in side(b)]
            assert literal_reasons(side(a), renamed) == {reason}, (kind, a, b)
    pinyin = [applications[b]["name"] for b in expected.loc[expected["reason"] == "id_typo", "application_ids_b"]]
    assert any(re.fullmatch(r"[A-Za-z ]+", name) for name in pinyin)  # a typo row whose name is in pinyin


# ---------------------------------------------------------------- the command line, and another sample


def test_flag_writes_the_planted_pairs_masked(tmp_path, expected):
    code, _, err = run_cli("flag", config.SAMPLE_APPLICATIONS, "--out", tmp_path)
    assert code == 0, err
    written = read(tmp_path / "possible_duplicates.csv")
    assert rows(written) == rows(expected)
    assert written["pair_id"].tolist() == [f"P{i:06d}" for i in range(1, len(expected) + 1)]
    assert find_full_ids((tmp_path / "possible_duplicates.csv").read_text(encoding="utf-8-sig")) == []
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["possible_duplicates"] == {r: int((expected["reason"] == r).sum()) for r in REASONS}


def test_another_seed_and_size_plants_one_set_and_the_matching_finds_it(tmp_path):
    sample = generate_sample(persons=1500, seed=3)
    path = write(sample.applications, tmp_path / "s.csv")
    found = possible_duplicates(load_applications(path).frame)
    assert rows(found) == rows(sample.pairs)
    assert sample.pairs["reason"].value_counts().to_dict() == dict.fromkeys(REASONS, 3)
    assert len(sample.decoys) == len(DECOYS)
