"""Masking: what notebooks and reports show."""

import pandas as pd

from analysis.privacy import find_full_ids, mask_frame, mask_ids, mask_names


def test_mask_ids():
    got = mask_ids(pd.Series(["11010519491231002X", "130503670401001", "abc", None], dtype="str")).tolist()
    assert got[:3] == ["110105********002X", "130503*****1001", "***"]
    assert pd.isna(got[3])


def test_mask_names():
    assert mask_names(pd.Series(["张三", "欧阳修文", "A"], dtype="str")).tolist() == ["张*", "欧***", "A*"]


def test_mask_frame_masks_id_and_name_columns_only():
    frame = pd.DataFrame(
        {
            "id_number": ["11010519491231002X"],
            "person_key": ["11010519491231002X"],
            "name": ["张三"],
            "province": ["广东"],
        }
    )
    masked = mask_frame(frame)
    assert masked.iloc[0].tolist() == ["110105********002X", "110105********002X", "张*", "广东"]
    assert find_full_ids(masked.to_csv()) == []
    assert find_full_ids(frame.to_csv()) == ["11010519491231002X", "11010519491231002X"]


def test_case_ids_number_persons_in_key_order():
    from analysis.cases import case_ids

    flags = pd.DataFrame({"person_key": pd.Series(["B", None, "A", "B", "C"], dtype="str")})
    assert case_ids(flags).fillna("-").tolist() == ["C000002", "-", "C000001", "C000002", "C000003"]


def test_case_ids_of_real_keys_follow_key_order():
    """Person keys (17 digits and a check character) are numbered in text order: C000001 is the smallest."""
    from analysis.cases import case_ids

    keys = ["44010519491231002X", "110105194912310021", None, "44010519491231002X", "110105194912310013"]
    flags = pd.DataFrame({"person_key": pd.Series(keys, dtype="str")})
    assert case_ids(flags).fillna("-").tolist() == ["C000003", "C000002", "-", "C000003", "C000001"]


def test_the_scanner_finds_permits_and_permanent_residence_numbers_too():
    text = "a 911398199012310021 b 810000199408230021 c 911398********0021"
    assert find_full_ids(text) == ["911398199012310021", "810000199408230021"]
