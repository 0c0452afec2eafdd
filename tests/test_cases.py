"""Case tables and summaries, on small hand-made files whose answers can be read off the page."""

import pandas as pd
import pytest

from analysis import cases
from analysis.load import load_applications
from analysis.rules import flag_applications

from .helpers import P1, P2, P3, app


@pytest.fixture
def loaded(write_records):
    rows = [
        app("A", P1, "河南", "2019-01-01"),
        app("B", P1, "广东", "2020-03-01"),  # cross with A (河南 -> 广东)
        app("C", P2, "四川", "2019-05-05"),
        app("D", P2, "广东", "2021-06-06"),  # cross with C (四川 -> 广东)
        app("E", P3, "广东", "2020-01-01"),
        app("F", P3, "广东", "2020-02-02"),  # duplicate of E
        app("G", P3, "广东", "2021-02-02", "2022-01-01"),  # duplicate of E
    ]
    result = load_applications(write_records(rows))
    return result.frame, flag_applications(result.frame)


def test_case_table(loaded):
    records, flags = loaded
    table = cases.case_table(records, flags)
    assert table["applications"].tolist() == [2, 3, 2]  # latest last application first: D, G, B
    assert table["provinces"].tolist() == ["四川 → 广东", "广东 → 广东 → 广东", "河南 → 广东"]
    assert table["flagged"].tolist() == [1, 2, 1]
    # G's cancellation (2022-01-01) comes after the export's last application (2021-06-06): scheduled, live now
    assert table["live_cards"].tolist() == [2, 3, 2]
    dup = cases.case_table(records, flags, "duplicate_card")
    assert dup["person_key"].tolist() == [P3]


def test_case_ids_are_stable_and_pseudonymous(loaded):
    _, flags = loaded
    ids = cases.case_ids(flags)
    assert ids.str.fullmatch(r"C\d{6}").all()
    assert dict(zip(flags["person_key"], ids, strict=True)) == {P1: "C000001", P3: "C000002", P2: "C000003"}


def test_by_province_and_origin_destination(loaded):
    records, flags = loaded
    where = cases.by_province(flags, "cross_province_conflict")
    assert where.loc["44", ["applications", "cases"]].tolist() == [2, 2]
    matrix = cases.origin_destination(records, flags)
    assert matrix.loc["河南", "广东"] == 1 and matrix.loc["四川", "广东"] == 1
    assert int(matrix.to_numpy().sum()) == 2
    flows = cases.top_flows(matrix)
    assert flows.iloc[0].tolist() == ["四川", "广东", 1]


def test_by_year(loaded):
    records, flags = loaded
    table = cases.by_year(records, flags, "duplicate_card")
    assert table.loc[2020, "flagged"] == 1 and table.loc[2021, "flagged"] == 1
    assert table.loc[2020, "applications"] == 3  # B, E, F
    assert table.loc[2020, "per 1,000"] == pytest.approx(333.3)


def test_overview_and_headline(loaded):
    records, flags = loaded
    view = cases.overview(flags, "duplicate_card", len(records))
    assert view["数量 count"].tolist() == [7, 2, 1]
    assert view.index[1] == "重复持卡的申请 applications flagged duplicate_card"
    head = cases.headline(records, flags, "cross_province_conflict")
    assert head.loc["案件（人） cases (persons)", "数值 value"] == "2"
    assert head.loc["案件最多的省份 province with most cases", "数值 value"] == "广东 (2)"


def test_example_timelines_are_masked(loaded):
    records, flags = loaded
    examples = cases.example_timelines(records, flags, "duplicate_card")
    assert examples["application_id"].tolist() == ["E", "F", "G"]
    assert "person_key" not in examples.columns
    assert examples["person"].iloc[0] == "C000002 110111********0078"
    assert cases.export_date(records) == pd.Timestamp("2021-06-06")  # the last application, not G's cancellation


def test_every_notebook_table_and_chart_works_without_cases(write_records):
    """Notebooks 02 and 03 on an export with no case at all: empty tables and charts, no error."""
    import matplotlib.pyplot as plt

    from analysis import charts, explore

    result = load_applications(write_records([app("A", P1, "44", "2020-01-01")]))
    records, flags = result.frame, flag_applications(result.frame)
    for flag in ["duplicate_card", "cross_province_conflict"]:
        assert cases.overview(flags, flag, 1)["数量 count"].tolist()[1:] == [0, 0]
        assert cases.masked_cases(cases.case_table(records, flags, flag)).empty
        charts.province_bars(cases.by_province(flags, flag), "cases", "t", "x")
        charts.flagged_per_year(cases.by_year(records, flags, flag), "t")
        charts.card_timelines(cases.example_timelines(records, flags, flag), cases.export_date(records), "t")
        assert cases.headline(records, flags, flag).loc["案件（人） cases (persons)", "数值 value"] == "0"
    matrix = cases.origin_destination(records, flags)
    charts.origin_destination_heatmap(matrix, "t")
    assert cases.top_flows(matrix).empty
    assert "Case explorer" in repr(explore.case_explorer(records, flags, ["duplicate_card"]))
    plt.close("all")


def test_every_person_with_a_flag_is_one_case_in_every_count(write_records):
    """One definition of a case: a person with any flagged application, usable or not."""
    from analysis.export import summary

    rows = [
        app("A", P1, "河南", "2019-01-01"),
        app("B", P1, "广东", "2020-03-01"),  # cross-province conflict
        app("C", P2, "四川", "not a date"),  # P2's only row is unusable: still a case
    ]
    result = load_applications(write_records(rows))
    flags = flag_applications(result.frame)
    table = cases.case_table(result.frame, flags)
    assert sorted(table["person_key"]) == [P1, P2]
    assert summary(result.report, flags)["cases"] == len(table) == 2


def test_numberings_of_parts_merged_number_as_all_keys_at_once():
    """The Dask engine numbers each part's keys on its own worker and merges them: a key in several parts, keys
    that are not 18-character numbers, missing keys and an empty part give the numbers of one numbering of all."""
    from analysis.cases import CaseNumbers

    parts = [
        ["110105194912310029", None, "passport:E1234567", "110105194912310029"],
        [],
        ["44030419850101001X", "110105194912310029", "hk_macau_permit:H0000001"],
        ["passport:E1234567", "32010219700101003X"],
    ]
    every = [key for part in parts for key in part]
    whole = CaseNumbers(pd.Series(every, dtype="str"))

    merged = CaseNumbers.merged([CaseNumbers(pd.Series(part, dtype="str")) for part in parts])

    assert len(merged) == len(whole) == 5
    assert (
        merged.numbers(pd.Series(every, dtype="str")).tolist() == whole.numbers(pd.Series(every, dtype="str")).tolist()
    )
    assert merged.numbers(pd.Series(["110105194912310029", "passport:E1234567"], dtype="str")).tolist() == [1, 5]


@pytest.mark.parametrize("threads", [1, 2, 3, 20])
def test_case_numbers_on_threads_are_the_numbering_of_all_keys(threads):
    """The flag command numbers its cases a share of the keys per thread: the same numbers as one numbering, a
    share that holds no key or every key of a person included."""
    from analysis.cases import CaseNumbers

    first = ["32010219700101003X", None, "passport:E1234567", "110105194912310029", "32010219700101003X"]
    keys = pd.Series(
        [*first, "hk_macau_permit:H0000001", "110105194912310029", None, "44030419850101001X"], dtype="str"
    )
    whole = CaseNumbers(keys)

    shared = CaseNumbers.on_threads(keys, threads)

    assert len(shared) == len(whole) == 5
    assert shared.numbers(keys).tolist() == whole.numbers(keys).tolist()
