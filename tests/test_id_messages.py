"""Every message of docs/errors.md about document types, produced by a file that needs it (literal texts)."""

import pytest

from analysis.load import load_applications

HEADER = "申请编号,证件号码,证件类型,国籍,参保省份,申领日期\n"
CASES = [
    (
        "810000199408230021X",
        "港澳台居民居住证",
        "a hmt_permit number is 18 characters beginning 810000, 820000 or 830000",
    ),
    (
        "9113981990",
        "外国人永久居留身份证",
        "a foreign_pr number is 18 characters (9, 16 digits and a check character) or 3 letters and 12 digits",
    ),
    ("E1", "护照", "a passport number is 5 to 20 letters and digits"),
    ("ABC-123", "外国人社会保障号码", "a foreign_ssn number is 1 to 20 letters and digits"),
    (
        "X1234",
        "港澳居民来往内地通行证",
        "a travel_permit number is H or M and 8 or 10 digits, 8 or 10 digits, or a letter and 7 digits",
    ),
]


@pytest.mark.parametrize(("number", "kind", "message"), CASES, ids=[c[1] for c in CASES])
def test_a_number_that_is_not_of_its_stated_type_says_which_form_it_needs(tmp_path, number, kind, message):
    path = tmp_path / "a.csv"
    path.write_text(HEADER + f"A1,{number},{kind},,广东,2023-01-01\n", encoding="gb18030")
    problem = load_applications(path).frame["id_problem"].iloc[0]
    assert problem.split("; ")[0] == message


def test_nationalities_not_recognised_are_counted_for_the_file(tmp_path):
    path = tmp_path / "a.csv"
    rows = [f"A{i},E1234567{i},护照,{n},广东,2023-01-0{i}" for i, n in enumerate(["DEU", "火星国", "火星国"], 1)]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="gb18030")
    notes = load_applications(path).report.notes
    assert [n for n in notes if n.startswith("nationality: ")] == [
        "nationality: 2 values not recognised as a country (a passport's key then has no country): '火星国'"
    ]
