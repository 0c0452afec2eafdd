"""Loading (analysis.load and the read, values, normalize and batches stages under it): encodings, formats,
header aliases, types, and one-line errors."""

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from analysis.contract import LoadError
from analysis.load import load_applications
from analysis.values import parse_booleans, parse_dates

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
        ({"province": "Atlantis"}, "province 'Atlantis' is not a known province"),
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


@pytest.mark.parametrize("batch_rows", [1, 5000, 10**9])
def test_parquet_in_batches_gives_the_same_flags_csv(tmp_path, monkeypatch, batch_rows):
    """The flag command normalizes Parquet a few row groups at a time: same flags.csv and summary, byte for
    byte, as the whole file at once (row numbers, ids shared across batches, every flag)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from analysis import batches, config
    from analysis.__main__ import main

    frame = pd.read_csv(config.SAMPLE_APPLICATIONS, dtype=str, keep_default_na=False)
    # ids shared across batches, one of them on a row with other problems too (messages joined in order)
    frame.iloc[[10, 5000, 17000], 0] = frame.iloc[10, 0]
    frame.iloc[17000, frame.columns.get_loc("申领日期")] = "not a date"
    frame.iloc[[20, 9000], 0] = "  " + frame.iloc[20, 0]  # the same id once stripped
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=3000)
    assert main(["flag", str(path), "--out", str(tmp_path / "batches")]) == 0
    monkeypatch.setattr(batches, "BATCH_ROWS", batch_rows)
    assert main(["flag", str(path), "--out", str(tmp_path / "small")]) == 0
    assert main(["flag", str(path), "--out", str(tmp_path / "whole"), "--workbook", str(tmp_path / "c.xlsx")]) == 0
    shared = pd.read_csv(tmp_path / "whole" / "flags.csv", dtype=str)
    assert shared["detail"].str.contains("is used by 3 rows; applied_on 'not a date' is not a date").sum() == 1
    assert shared["detail"].str.contains("is used by 2 rows").sum() >= 2  # ours and the sample's planted ones
    for name in ["flags.csv", "summary.json"]:
        whole = (tmp_path / "whole" / name).read_bytes()
        assert (tmp_path / "batches" / name).read_bytes() == whole
        assert (tmp_path / "small" / name).read_bytes() == whole
