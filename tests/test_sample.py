"""The bundled sample: flags equal the planted answers, in every format, and the file is reproducible."""

import pandas as pd
import pytest

from analysis import config
from analysis.load import load_applications
from analysis.provinces import ABBREVIATIONS
from analysis.rules import flag_applications
from analysis.sample import generate, write_sample

from .helpers import as_set, write


@pytest.fixture(scope="module")
def expected():
    return as_set(pd.read_csv(config.SAMPLE_EXPECTED_FLAGS, dtype=str, keep_default_na=False))


def test_committed_sample_gets_exactly_the_planted_flags(expected):
    loaded = load_applications(config.SAMPLE_APPLICATIONS)
    flags = flag_applications(loaded.frame)
    assert loaded.report.rows_read == len(pd.read_csv(config.SAMPLE_APPLICATIONS, dtype=str))
    assert as_set(flags) == expected


def test_sample_has_every_flag_of_the_contract(expected):
    kinds = {flag for _, flag, _ in expected}
    assert kinds == {
        "invalid_record",
        "invalid_id",
        "duplicate_card",
        "cross_province_conflict",
        "incomplete_documents",
    }
    assert sum(n for (_, flag, _), n in expected.items() if flag == "cross_province_conflict") > 100


@pytest.mark.parametrize("kind", ["gb18030", "parquet"])
def test_sample_in_other_formats_gets_the_same_flags(tmp_path, expected, kind):
    frame = pd.read_csv(config.SAMPLE_APPLICATIONS, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    suffix = "csv" if kind == "gb18030" else kind
    path = write(frame, tmp_path / f"sample.{suffix}", kind)
    loaded = load_applications(path)
    assert loaded.report.rows_read == len(frame)
    assert as_set(flag_applications(loaded.frame)) == expected


def test_committed_sample_is_what_the_generator_writes(tmp_path):
    write_sample(tmp_path)
    for name in ["applications.csv", "expected_flags.csv", "expected_possible_duplicates.csv", "decoy_pairs.csv"]:
        assert (tmp_path / name).read_bytes() == (config.SAMPLE_DIR / name).read_bytes(), name


def test_generator_is_seeded_and_scales():
    a, ea = generate(persons=500, seed=1)
    b, eb = generate(persons=500, seed=1)
    c, _ = generate(persons=500, seed=2)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ea, eb)
    assert not a["id_number"].equals(c["id_number"])
    assert 500 < len(a) < 700


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_generated_expectations_hold_for_another_seed(tmp_path, kind):
    frame, expected = generate(persons=3000, seed=7)
    path = write(frame, tmp_path / f"s.{kind}", kind, chinese=kind == "xlsx")
    assert as_set(flag_applications(load_applications(path).frame)) == as_set(expected)


def test_the_large_file_paths_give_the_planted_flags_on_the_sample(monkeypatch, expected):
    """Large inputs take other branches (packed sorts, ID numbers in chunks): forced here on the sample."""
    from analysis import ids
    from analysis._fast import sorting

    monkeypatch.setattr(sorting, "SMALL_SORT", 0)
    monkeypatch.setattr(ids, "CHUNK", 997)  # chunk edges fall anywhere, the last chunk is a short one
    loaded = load_applications(config.SAMPLE_APPLICATIONS)
    assert as_set(flag_applications(loaded.frame)) == expected


def test_the_sample_cancels_nothing_after_its_export_date_but_a_few_planted_scheduled_cards(expected):
    """Cancellations up to the export date (the latest application), except a few scheduled ones: the load report
    counts them, and the cards are live until then (the first card of some planted duplicates is one of them)."""
    loaded = load_applications(config.SAMPLE_APPLICATIONS)
    f = loaded.frame
    latest = f["applied_on"].max()
    after = f["cancelled_on"] > latest
    assert 10 <= after.sum() <= 60
    note = (
        f"scheduled cancellations: {after.sum()} rows have cancelled_on after the latest applied_on in the file "
        f"({latest:%Y-%m-%d}); each card is read as live until its cancelled_on"
    )
    assert loaded.report.notes[-1] == note and loaded.report.notes[0].startswith("province: ")
    scheduled = set(f.loc[after, "application_id"])
    named = {
        conflict for (_, flag, conflict), _ in expected.items() if flag in ("duplicate_card", "cross_province_conflict")
    }
    assert scheduled & named  # planted flags whose earlier card is live until a scheduled cancellation


def test_the_sample_holds_the_new_forms_and_reads_them():
    raw = pd.read_csv(config.SAMPLE_APPLICATIONS, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    f = load_applications(config.SAMPLE_APPLICATIONS).frame
    words = set(raw[["持有二代身份证", "身份证复印件", "户口簿复印件", "特殊证明材料"]].to_numpy().ravel())
    assert {"有", "无", "√", "×"} <= words
    province = raw["省份"]
    forms = {
        "city code": province.str.fullmatch(r"\d{4}00") & ~province.str.endswith("0000"),
        "county code": province.str.fullmatch(r"\d{6}") & ~province.str.endswith("00"),
        "four digits": province.str.fullmatch(r"\d{4}"),
        "province and city": province.str.fullmatch(r"\w+(省|自治区)\w+市"),
        "abbreviation": province.isin(list(ABBREVIATIONS)),
        "city alone": province.isin(["深圳市", "广州市", "石家庄市", "成都市", "杭州市"]),
    }
    for name, rows in forms.items():
        assert 5 <= rows.sum() <= 1000, name
        assert f.loc[rows.to_numpy(), "province_code"].notna().all(), name
