"""Loading (analysis.load and the read, values, normalize and batches stages under it): encodings, formats,
header aliases, types, and one-line errors."""

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.contract import FileFacts, LoadError
from analysis.load import load_applications
from analysis.normalize import normalize
from analysis.privacy import mask_ids
from analysis.rules import flag_applications
from analysis.values import kept_digits, parse_booleans, parse_dates

from .helpers import P1, P2, P3, app

TRIED = "(not a province code, name, abbreviation, or a city/county of one province)"


def scheduled(rows: str, latest: str) -> str:
    return (
        f"scheduled cancellations: {rows} cancelled_on after the latest applied_on in the file ({latest}); "
        "each card is read as live until its cancelled_on"
    )


ROWS = [
    {"application_id": "A1", "id_number": "11010519491231002X", "province": "广东", "applied_on": "2023-05-01"},
    {
        "application_id": "A2",
        "id_number": "130503670401001",
        "province": "Shaanxi",
        "applied_on": "2023/5/1",
        "cancelled_on": "2024年1月2日",
        "name": "李四",
    },
    {"application_id": "A3", "id_number": "110105194912310021", "province": "火星", "applied_on": "20230501"},
]


@pytest.mark.parametrize(
    "kind, chinese, encoding",
    [
        ("csv", False, "utf-8"),
        ("utf-8-sig", True, "utf-8-sig"),
        ("gb18030", True, "gb18030"),
        ("xlsx", True, None),
        ("parquet", False, None),
    ],
)
def test_every_format_gives_the_same_records(write_records, kind, chinese, encoding):
    loaded = load_applications(write_records(ROWS, kind=kind, chinese=chinese))
    f = loaded.frame
    assert loaded.report.rows_read == 3
    assert loaded.report.encoding == encoding
    assert f["person_key"].tolist()[:2] == ["11010519491231002X", "130503196704010016"]
    assert "check character" in f["id_problem"].iloc[2]
    assert f["province_code"].tolist()[:2] == ["44", "61"]
    assert "'火星' is not a known province" in f["record_problem"].iloc[2]
    assert f["applied_on"].dt.strftime("%Y-%m-%d").tolist() == ["2023-05-01"] * 3
    assert f["cancelled_on"].dt.strftime("%Y-%m-%d").fillna("").tolist() == ["", "2024-01-02", ""]
    assert f["name"].iloc[1] == "李四"
    assert f["row"].tolist() == [2, 3, 4]


def test_gb18030_file_is_not_mistaken_for_utf8(write_records):
    path = write_records(ROWS, kind="gb18030", chinese=True)
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert load_applications(path).report.columns["application_id"] == "申请编号"


@pytest.mark.parametrize(
    "headers",
    [
        ["Application_ID", " ID_NUMBER ", "Province", "APPLIED_ON"],
        ["申请编号", "公民身份号码", "参保省份", "申请日期"],
        ["申请编号", "社会保障号码", "省份", "申领日期"],
        ["申领编号", "身份证号", "省份", "申领时间"],
        ["申请编号", "证件号码", "参保省份", "受理日期"],
        [" 申领编号 ", "身份证号 ", "省份", "申领时间"],
    ],
)
def test_header_aliases(tmp_path, headers):
    path = tmp_path / "a.csv"
    pd.DataFrame([["A1", "11010519491231002X", "44", "2023-05-01"]], columns=headers).to_csv(path, index=False)
    loaded = load_applications(path)
    assert loaded.frame["person_key"].iloc[0] == "11010519491231002X"
    assert not loaded.report.documents_checked
    assert "document completeness was not checked" in loaded.report.notes[0]


def test_missing_required_column_names_it_and_the_headers_found(tmp_path):
    path = tmp_path / "a.csv"
    pd.DataFrame([["A1", "广东", "2023-05-01"]], columns=["申请编号", "省份", "日期"]).to_csv(path, index=False)
    with pytest.raises(LoadError) as err:
        load_applications(path)
    message = str(err.value)
    assert "id_number" in message and "applied_on" in message
    assert "申请编号, 省份, 日期" in message
    assert "\n" not in message


def test_two_columns_for_one_field_is_an_error(tmp_path):
    path = tmp_path / "a.csv"
    columns = ["application_id", "身份证号码", "社会保障号码", "province", "applied_on"]
    pd.DataFrame([["A1", "x", "y", "44", "2023-05-01"]], columns=columns).to_csv(path, index=False)
    with pytest.raises(LoadError, match="both mean id_number"):
        load_applications(path)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "empty"),
        ("utf16.csv", "申请编号,身份证号码\n".encode("utf-16"), "UTF-16"),
        ("broken.xlsx", b"not a zip file at all", "not a readable .xlsx"),
        ("broken.parquet", b"PAR1 nonsense", "not a readable Parquet"),
        ("old.xls", b"\xd0\xcf\x11\xe0", ".xls workbooks are not read"),
        ("notes.docx", b"x", "unknown file type"),
    ],
)
def test_unreadable_files_give_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError) as err:
        load_applications(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        load_applications(tmp_path / "nope.csv")


def test_dates_in_every_listed_form():
    values = pd.Series(
        [
            "2023-05-01",
            "2023/5/1",
            "20230501",
            "2023年5月1日",
            "2023-05-01 00:00:00",
            "",
            "2023-02-30",
            "下周",
            "5/1/2023",
        ],
        dtype="str",
    )
    dates, bad = parse_dates(values)
    assert dates.iloc[:5].dt.strftime("%Y-%m-%d").tolist() == ["2023-05-01"] * 5
    assert dates.iloc[5:].isna().all()
    assert bad.tolist() == [False] * 6 + [True] * 3


def test_real_excel_dates_and_serials(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["application_id", "id_number", "province", "applied_on", "cancelled_on"])
    ws.append(["A1", "11010519491231002X", "44", dt.datetime(2023, 5, 1), 45413])  # 45413 = 2024-05-01
    ws.append(["A2", "130503670401001", "44", 20230501, None])
    wb.save(tmp_path / "a.xlsx")
    f = load_applications(tmp_path / "a.xlsx").frame
    assert f["applied_on"].dt.strftime("%Y-%m-%d").tolist() == ["2023-05-01", "2023-05-01"]
    assert f["cancelled_on"].dt.strftime("%Y-%m-%d").iloc[0] == "2024-05-01"


def test_excel_number_cells_for_id_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["application_id", "id_number", "province", "applied_on"])
    ws.append(["A1", 110105194912310021, "44", "2023-05-01"])  # 18 digits in a number cell: digits lost
    ws.append(["A2", 130503670401001, "44", "2023-05-01"])  # 15 digits: exact in a number cell
    ws.append(["A3", "11010519491231002X", "44", "2023-05-01"])  # text cell
    ws.append(["A4", 1.10105194912310021e17, "44", "2023-05-01"])
    wb.save(tmp_path / "a.xlsx")
    f = load_applications(tmp_path / "a.xlsx").frame
    assert "stored as a number" in f["id_problem"].iloc[0]
    assert f["person_key"].iloc[1] == "130503196704010016"
    assert f["person_key"].iloc[2] == "11010519491231002X"
    assert "stored as a number" in f["id_problem"].iloc[3]
    assert pd.isna(f["person_key"].iloc[0]) and pd.isna(f["person_key"].iloc[3])


def test_scientific_notation_in_a_csv_is_an_invalid_id_never_a_guess(write_records):
    f = load_applications(write_records([{**ROWS[0], "id_number": "1.10105E+17"}])).frame
    assert "scientific notation" in f["id_problem"].iloc[0]
    assert pd.isna(f["person_key"].iloc[0])
    assert f["id_number"].iloc[0] == "1.10105E+17"


def test_float_id_column_in_parquet_is_invalid(tmp_path):
    pd.DataFrame(
        {
            "application_id": ["A1"],
            "id_number": [1.1010519491231002e17],
            "province": ["44"],
            "applied_on": ["2023-05-01"],
        }
    ).to_parquet(tmp_path / "a.parquet")
    f = load_applications(tmp_path / "a.parquet").frame
    assert "decimal number" in f["id_problem"].iloc[0]


def test_booleans():
    values = pd.Series(["true", "FALSE", "Yes", "no", "Y", "n", "1", "0", "是", "否", "", None, "maybe"], dtype="str")
    truth, unknown = parse_booleans(values)
    assert truth.tolist() == [True, False, True, False, True, False, True, False, True, False, False, False, False]
    assert unknown.tolist() == [False] * 12 + [True]


def test_unrecognised_boolean_is_noted_on_the_row(write_records):
    f = load_applications(write_records([{**ROWS[0], "id_copy": "maybe"}])).frame
    assert not f["id_copy"].iloc[0]
    assert "id_copy value 'maybe' not understood" in f["document_note"].iloc[0]


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"applied_on": ""}, "applied_on is empty"),
        ({"applied_on": "2023-13-01"}, "applied_on '2023-13-01' is not a date"),
        ({"cancelled_on": "2023-04-30"}, "cancelled_on 2023-04-30 is before applied_on 2023-05-01"),
        ({"cancelled_on": "已注销"}, "cancelled_on '已注销' is not a date"),
        ({"province": ""}, "province is empty"),
        (
            {"province": "Atlantis"},
            "province 'Atlantis' is not a known province " + TRIED,
        ),
        (
            {"province": "朝阳区"},  # a district of Beijing and of Changchun
            "province '朝阳区' is not a known province " + TRIED,
        ),
        ({"application_id": ""}, "application_id is empty"),
    ],
)
def test_record_problems(write_records, change, reason):
    f = load_applications(write_records([{**ROWS[0], **change}])).frame
    assert f["record_problem"].iloc[0] == reason


def test_cancelled_on_the_day_of_application_is_fine(write_records):
    f = load_applications(write_records([{**ROWS[0], "cancelled_on": "2023-05-01"}])).frame
    assert pd.isna(f["record_problem"].iloc[0])


def test_shared_application_id_marks_every_row(write_records):
    rows = [ROWS[0], {**ROWS[1], "application_id": "A1"}, ROWS[2]]
    f = load_applications(write_records(rows)).frame
    assert f["record_problem"].iloc[0] == "application_id 'A1' is used by 2 rows"
    assert f["record_problem"].iloc[1] == "application_id 'A1' is used by 2 rows"
    assert "application_id" not in f["record_problem"].iloc[2]


def test_rows_read_counts_every_data_row_even_empty_ones(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "application_id,id_number,province,applied_on\nA1,11010519491231002X,44,2023-05-01\n,,,\n", encoding="utf-8"
    )
    loaded = load_applications(path)
    assert loaded.report.rows_read == 2
    assert loaded.frame["record_problem"].iloc[1].startswith("application_id is empty")


@pytest.mark.parametrize("kind", ["csv", "gb18030", "xlsx", "parquet"])
def test_normalized_frame_meets_its_schema(write_records, kind):
    from analysis.contract import normalized_schema

    rows = [*ROWS, {**ROWS[0], "application_id": "A9", "applied_on": "", "id_number": "1.10105E+17"}]
    frame = load_applications(write_records(rows, kind=kind, chinese=kind != "csv")).frame
    normalized_schema().validate(frame, lazy=True)


def test_schema_catches_a_broken_contract(write_records):
    import pandera.errors

    from analysis.contract import normalized_schema

    frame = load_applications(write_records(ROWS)).frame
    frame.loc[0, "province_code"] = "99"
    with pytest.raises(pandera.errors.SchemaErrors):
        normalized_schema().validate(frame, lazy=True)


def test_bundled_sample_meets_the_schema():
    from analysis import config
    from analysis.contract import normalized_schema

    normalized_schema().validate(load_applications(config.SAMPLE_APPLICATIONS).frame, lazy=True)


@pytest.fixture(scope="module")
def batched_parquet(tmp_path_factory):
    """The sample as Parquet in row groups of 3,000, with ids shared across batches, flagged whole (with a
    workbook) and in the default batches: (file, outputs whole, outputs in batches)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from analysis import config
    from analysis.__main__ import main

    tmp = tmp_path_factory.mktemp("batches")
    frame = pd.read_csv(config.SAMPLE_APPLICATIONS, dtype=str, keep_default_na=False)
    # ids shared across batches, one of them on a row with other problems too (messages joined in order)
    frame.iloc[[10, 5000, 17000], 0] = frame.iloc[10, 0]
    frame.iloc[17000, frame.columns.get_loc("申领日期")] = "not a date"
    frame.iloc[[20, 9000], 0] = "  " + frame.iloc[20, 0]  # the same id once stripped
    path = tmp / "a.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=3000)
    assert main(["flag", str(path), "--out", str(tmp / "batches")]) == 0
    assert main(["flag", str(path), "--out", str(tmp / "whole"), "--workbook", str(tmp / "c.xlsx")]) == 0
    return path, tmp / "whole", tmp / "batches"


def test_ids_shared_across_batches_are_found(batched_parquet):
    _, whole, _ = batched_parquet
    shared = pd.read_csv(whole / "flags.csv", dtype=str)
    assert shared["detail"].str.contains("is used by 3 rows; applied_on 'not a date' is not a date").sum() == 1
    assert shared["detail"].str.contains("is used by 2 rows").sum() >= 2  # ours and the sample's planted ones


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([1_048_576, 951_424, 1_048_576, 951_424], [[0], [1], [2], [3]]),  # pyarrow's groups: one each
        ([400_000] * 5, [[0, 1, 2], [3, 4]]),  # 1.2M, then the rest
        ([600_000, 600_000, 600_000], [[0, 1], [2]]),  # 1.2M reaches a million; 600K is what is left
        ([900_000, 700_000, 2_000_000, 10], [[0], [1], [2], [3]]),  # 1.6M would pass 1.5M; a big group alone
        ([], []),
    ],
)
def test_batches_are_whole_row_groups_of_about_a_million_rows(sizes, expected):
    from analysis import batches

    assert batches.BATCH_ROWS == 1_000_000
    assert batches._batches(sizes) == expected


@pytest.mark.parametrize("batch_rows", [None, 1, 5000, 10**9])
def test_parquet_in_batches_gives_the_same_flags_csv(batched_parquet, tmp_path, monkeypatch, batch_rows):
    """The flag command normalizes Parquet a few row groups at a time: same flags.csv and summary, byte for
    byte, as the whole file at once (row numbers, ids shared across batches, every flag). None: the default
    batches."""
    from analysis import batches
    from analysis.__main__ import main

    path, whole, default = batched_parquet
    out = default
    if batch_rows is not None:
        monkeypatch.setattr(batches, "BATCH_ROWS", batch_rows)
        out = tmp_path / "small"
        assert main(["flag", str(path), "--out", str(out)]) == 0
    for name in ["flags.csv", "possible_duplicates.csv", "summary.json"]:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name


def test_ids_of_many_lengths_are_counted_without_batch_hashes(batched_parquet, tmp_path, monkeypatch):
    """Each batch hashes its application ids on its thread for the shared-id count; where a batch's ids come in
    more lengths than hashing by length pays for (free text), the count is made over the whole column instead:
    the same outputs."""
    from analysis import batches
    from analysis.__main__ import main

    path, whole, _ = batched_parquet
    monkeypatch.setattr(batches, "MANY_WIDTHS", 0)  # every batch's ids then count as "many lengths"
    assert main(["flag", str(path), "--out", str(tmp_path / "o")]) == 0
    for name in ["flags.csv", "summary.json"]:
        assert (tmp_path / "o" / name).read_bytes() == (whole / name).read_bytes(), name


@pytest.mark.parametrize("group_rows", [2500, 7000])
def test_persons_in_groups_give_the_same_flags_csv(batched_parquet, tmp_path, monkeypatch, group_rows):
    """Above overlaps.GROUP_ROWS rows the overlap rules take the persons in groups, a round at a time (to bound
    the memory of a 100-million-row file): the same flags.csv, byte for byte."""
    from analysis import overlaps
    from analysis.__main__ import main

    path, whole, _ = batched_parquet
    monkeypatch.setattr(overlaps, "GROUP_ROWS", group_rows)
    assert overlaps.person_groups(pd.DataFrame(index=range(20_000))) == -(-20_000 // group_rows)
    assert main(["flag", str(path), "--out", str(tmp_path / "groups")]) == 0
    for name in ["flags.csv", "summary.json"]:
        assert (tmp_path / "groups" / name).read_bytes() == (whole / name).read_bytes(), name


def test_flag_frame_derives_the_person_keys_it_does_not_hold():
    """The flag command's frame holds as text only the keys that are not 18 characters; every other key is its
    person_id's 17 digits and their check character, the very key the display frame holds (all id types)."""
    from analysis import config
    from analysis.ids import OTHER_IDS, person_keys

    shown = load_applications(config.SAMPLE_APPLICATIONS).frame
    rules_frame = load_applications(config.SAMPLE_APPLICATIONS, display=False).frame
    assert "person_key" not in rules_frame.columns
    everywhere = np.arange(len(shown))
    assert person_keys(rules_frame, everywhere).tolist() == person_keys(shown, everywhere).tolist()
    pid = shown["person_id"].to_numpy()
    assert ((pid >= 0) & (pid < OTHER_IDS)).sum() > 0 and (pid >= OTHER_IDS).sum() > 0  # both kinds are there
    held = rules_frame["other_key"].notna().to_numpy()
    assert held.tolist() == (pid >= OTHER_IDS).tolist()


# ---------------------------------------------------------------- the forms real exports use, and file-level notes


def test_cancelled_on_header_注销时间(tmp_path):
    path = tmp_path / "a.csv"
    columns = ["申领编号", "证件号码", "省份", "受理日期", "注销时间"]
    pd.DataFrame([["A1", "11010519491231002X", "粤", "2023年5月1日", "2024/1/2"]], columns=columns).to_csv(
        path, index=False
    )
    loaded = load_applications(path)
    assert loaded.report.columns == dict(
        zip(["application_id", "id_number", "province", "applied_on", "cancelled_on"], columns, strict=True)
    )
    assert loaded.frame["cancelled_on"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-02"]
    assert loaded.frame["province_code"].tolist() == ["44"]


@pytest.mark.parametrize(
    "word, truth",
    [
        ("有", True),
        ("无", False),
        ("√", True),
        ("×", False),
        ("✓", True),
        ("✔", True),
        ("✗", False),
        ("✘", False),
        ("已提交", True),
        ("未提交", False),
        ("已提供", True),
        ("未提供", False),
        ("YES", True),
        ("No", False),
        (" 是 ", True),
    ],
)
def test_yes_no_words(word, truth):
    values, unknown = parse_booleans(pd.Series([word, "待补"], dtype="str"))
    assert values.tolist() == [truth, False]
    assert unknown.tolist() == [False, True]


def test_an_export_writing_有_throughout_is_complete_and_needs_no_note(write_records):
    words = {"has_second_gen_id": "有", "id_copy": "有", "household_register_copy": "无", "special_documents": "无"}
    rows = [{**ROWS[0], **words}, {**ROWS[0], **words, "application_id": "A2", "id_copy": "无"}]
    loaded = load_applications(write_records(rows))
    flags = flag_applications(loaded.frame)
    assert loaded.frame["id_copy"].tolist() == [True, False]
    assert flags.loc[flags["flag"] == "incomplete_documents", "application_id"].tolist() == ["A2"]
    assert loaded.report.notes == []


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_yes_no_values_not_understood_are_counted_for_the_file(write_records, kind):
    """One note per column: how many cells, the commonest values ('N/A' too: a workbook keeps it as text)."""
    id_copy = ["待补", "N/A", "待补", "?", "maybe", "N/A", "待补", "是", ""]
    rows = [{**ROWS[0], "application_id": f"A{i}", "id_copy": word} for i, word in enumerate(id_copy)]
    rows[0]["household_register_copy"] = "later"
    loaded = load_applications(write_records(rows, kind=kind))
    assert loaded.report.notes == [
        "id_copy: 7 values not understood, read as no: '待补', 'N/A', '?' and 1 other value",
        "household_register_copy: 1 value not understood, read as no: 'later'",
    ]
    assert not loaded.frame["id_copy"].iloc[:7].any()
    assert "id_copy value 'N/A' not understood, read as no" in loaded.frame["document_note"].iloc[1]


def test_scheduled_cancellations_are_counted_and_the_card_is_live_until_then(write_records):
    rows = [
        app("A1", P1, "广东", "2023-01-01", "2025-01-01"),  # after the file's latest application: scheduled
        app("A2", P1, "广东省深圳市", "2024-06-01"),  # the card of A1 is still live: a duplicate
        app("B1", P3, "北京", "2020-01-01", "2024-06-01"),  # on the day of the latest application: not scheduled
        app("B2", P2, "上海", "2021-01-01", "2024-06-02"),  # scheduled, on a person with one card
    ]
    loaded = load_applications(write_records(rows))
    assert loaded.report.notes[-1:] == [scheduled("2 rows have", "2024-06-01")]  # after the province note
    flags = flag_applications(loaded.frame)
    assert flags[["application_id", "flag", "conflicts_with"]].values.tolist() == [["A2", "duplicate_card", "A1"]]
    assert "cancelled 2025-01-01" in flags["detail"].iloc[0]
    one = load_applications(write_records(rows[:2])).report.notes
    assert one[-1:] == [scheduled("1 row has", "2024-06-01")] and len(one) == 2


def _number_cells(tmp_path, ids: list) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["application_id", "id_number", "province", "applied_on"])
    for i, number in enumerate(ids):
        ws.append([f"A{i}", number, "44", "2023-05-01"])
    wb.save(tmp_path / "a.xlsx")
    return tmp_path / "a.xlsx"


def test_most_ids_as_spreadsheet_numbers_get_a_prominent_note(tmp_path):
    excel = 1.1010519491231e17  # how Excel keeps 110105194912310021: 15 significant digits
    loaded = load_applications(_number_cells(tmp_path, [excel, excel + 1e3, 1.3050319670401e17, P1]))
    assert loaded.report.notes[0] == (
        "WARNING: 3 of 4 ID numbers arrived as spreadsheet numbers with digits lost (flagged invalid_id, matched "
        "with nothing): store the ID column as text (in Excel, format it as Text before the numbers go in) and "
        "export the file again"
    )
    assert loaded.frame["id_problem"].notna().sum() == 3
    few = load_applications(_number_cells(tmp_path, [excel, P1, P3])).report.notes
    assert not any(note.startswith("WARNING") for note in few)


def test_a_parquet_float_id_column_and_scientific_text_get_the_note_too(tmp_path, write_records):
    frame = pd.DataFrame({"application_id": ["A1", "A2"], "id_number": [1.1010519491231002e17, 1.1e17]})
    frame = frame.assign(province="44", applied_on="2023-05-01")
    frame.to_parquet(tmp_path / "a.parquet")
    assert load_applications(tmp_path / "a.parquet").report.notes[0].startswith("WARNING: 2 of 2 ID numbers")
    rows = [{**ROWS[0], "application_id": f"A{i}", "id_number": "1.10105E+17"} for i in range(2)] + [ROWS[1]]
    assert load_applications(write_records(rows)).report.notes[0].startswith("WARNING: 2 of 3 ID numbers")


def test_masked_ids_of_number_cells_show_no_digit_the_source_lacks(tmp_path):
    """A number cell keeps 15 significant digits; the rest of the binary number (…0000, …0016) is an artefact.
    id_number keeps the digits the cell had and writes '?' for the others, so masking shows none of them."""
    loaded = load_applications(_number_cells(tmp_path, [1.1010519491231e17, 1.3050319670401e17, 130503670401001]))
    shown = loaded.frame["id_number"].tolist()
    assert shown == ["11010519491231????", "13050319670401????", "130503670401001"]
    assert mask_ids(loaded.frame["id_number"]).tolist() == [
        "110105********????",
        "130503********????",
        "130503*****1001",
    ]
    frame = pd.DataFrame({"application_id": ["A1"], "id_number": [1.1010519491231002e17]})
    frame.assign(province="44", applied_on="2023-05-01").to_parquet(tmp_path / "a.parquet")
    number = load_applications(tmp_path / "a.parquet").frame["id_number"]
    assert number.tolist() == ["110105194912310???"]  # not …016, the float's artefact
    assert mask_ids(number).tolist() == ["110105********0???"]


@pytest.mark.parametrize(
    "value, text",
    [
        (1.1010519491231e17, "11010519491231????"),
        (110105194912310021, "110105194912310???"),  # an exact integer: still only 15 digits are kept
        (1.1e17, "11????????????????"),
        (130503670401001.0, "130503670401001"),  # 15 digits: exact
        (440000.5, "440000.5"),
        ("11010519491231002X", "11010519491231002X"),
    ],
)
def test_kept_digits(value, text):
    assert kept_digits(value) == text


def test_file_facts_of_parts_add_up_to_those_of_the_whole_file():
    """Parquet batches and Dask partitions each see part of a file: merged, their notes are the whole file's."""
    raw = pd.DataFrame(
        {
            "application_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
            "id_number": [P1, "1.10105E+17", "", P2, "1.10105E+17", "1.10105E+17"],
            "province": ["44"] * 6,
            "applied_on": ["2020-01-01", "2020-02-01", "2021-01-01", "2024-06-01", "2022-01-01", "2020-01-01"],
            "cancelled_on": ["2023-01-01", "2024-07-01", "", "", "2025-01-01", ""],
            "id_copy": ["待补", "是", "待补", "N/A", "有", ""],
        },
        dtype="str",
    )
    whole = FileFacts()
    normalize(raw, "csv", facts=whole)
    parts = [FileFacts(), FileFacts()]
    normalize(raw.iloc[:3], "csv", facts=parts[0])
    normalize(raw.iloc[3:], "csv", first_row=5, facts=parts[1])
    merged = FileFacts().merge(parts[1]).merge(parts[0])
    assert (
        merged.notes()
        == whole.notes()
        == [
            "id_copy: 3 values not understood, read as no: '待补', 'N/A'",
            scheduled("2 rows have", "2024-06-01"),
        ]
    )
    assert merged.warnings() == whole.warnings() and whole.warnings()[0].startswith("WARNING: 3 of 5 ID numbers")


def test_provinces_given_as_places_are_noted_for_the_file(write_records):
    """A column that needed the insured place read as its province says so once, for the whole file."""
    rows = [
        {"application_id": "A", "id_number": "11010519491231002X", "province": "440300", "applied_on": "2020-01-01"},
        {"application_id": "B", "id_number": "110105194912310021", "province": "深圳市", "applied_on": "2020-01-02"},
        {"application_id": "C", "id_number": "11010519491231002X", "province": "粤", "applied_on": "2020-01-03"},
        {"application_id": "D", "id_number": "110105194912310021", "province": "广东", "applied_on": "2020-01-04"},
    ]
    loaded = load_applications(write_records(rows))
    assert loaded.frame["province_code"].tolist() == ["44"] * 4
    note = next(n for n in loaded.report.notes if n.startswith("province:"))
    assert note.startswith("province: 3 values named a city, county or abbreviation and were read as its province: ")
    assert "'440300' → 44" in note and "'深圳市' → 44" in note and "'粤' → 44" in note and "'广东'" not in note


def test_as_text_counts_cells_with_text_once_stripped():
    """as_text trims only the rows with a space-like byte at an edge; the load report counts its non-empty ID cells."""
    from analysis.values import as_text

    plain = pd.Series(["110105194912310020", None, "", "A1"], dtype="str")
    spaced = pd.Series(["  ", " 1 ", None, "\u3000", "x"], dtype="str")  # stripped: empty, text, -, empty, text
    wide_only = pd.Series(["\u3000", "a"], dtype="str")  # an ideographic space alone is no text either
    cases = [(plain, 2), (spaced, 2), (wide_only, 1), (pd.Series(["\u3000", " b", " "], dtype="str"), 1)]
    for values, expected in [*cases, (pd.Series([1.0, None, 3.0]), 2)]:
        assert int(as_text(values).notna().sum()) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet=list("a1中 \t\r\n\x0b\x1f\x85\xa0\u2003\u2028\u3000"), max_size=5)))
)
def test_as_text_strips_as_str_strip_does(values):
    """The Arrow path (edge bytes, then a trim of those rows only) strips exactly the white space Python's
    str.strip() strips, wide and no-break spaces included (Arrow's regular expressions' \\s is ASCII only)."""
    from analysis.values import as_text, text_count

    got = as_text(pd.Series(values, dtype="str"))
    expected = [None if v is None or not v.strip() else v.strip() for v in values]
    assert [None if pd.isna(v) else v for v in got.tolist()] == expected
    assert text_count(pd.Series(values, dtype="str")) == sum(v is not None for v in expected)
