"""GB/T 2260 province-level divisions: codes, Chinese names and the aliases analysts' exports use."""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._fast.arrow import as_str

# code, full Chinese name, short Chinese name, English/pinyin names (first is the display name)
_PROVINCES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("11", "北京市", "北京", ("Beijing",)),
    ("12", "天津市", "天津", ("Tianjin",)),
    ("13", "河北省", "河北", ("Hebei",)),
    ("14", "山西省", "山西", ("Shanxi",)),
    ("15", "内蒙古自治区", "内蒙古", ("Inner Mongolia", "Nei Mongol", "Neimenggu", "Nei Menggu")),
    ("21", "辽宁省", "辽宁", ("Liaoning",)),
    ("22", "吉林省", "吉林", ("Jilin",)),
    ("23", "黑龙江省", "黑龙江", ("Heilongjiang",)),
    ("31", "上海市", "上海", ("Shanghai",)),
    ("32", "江苏省", "江苏", ("Jiangsu",)),
    ("33", "浙江省", "浙江", ("Zhejiang",)),
    ("34", "安徽省", "安徽", ("Anhui",)),
    ("35", "福建省", "福建", ("Fujian",)),
    ("36", "江西省", "江西", ("Jiangxi",)),
    ("37", "山东省", "山东", ("Shandong",)),
    ("41", "河南省", "河南", ("Henan",)),
    ("42", "湖北省", "湖北", ("Hubei",)),
    ("43", "湖南省", "湖南", ("Hunan",)),
    ("44", "广东省", "广东", ("Guangdong",)),
    ("45", "广西壮族自治区", "广西", ("Guangxi", "Guangxi Zhuang")),
    ("46", "海南省", "海南", ("Hainan",)),
    ("50", "重庆市", "重庆", ("Chongqing",)),
    ("51", "四川省", "四川", ("Sichuan",)),
    ("52", "贵州省", "贵州", ("Guizhou",)),
    ("53", "云南省", "云南", ("Yunnan",)),
    ("54", "西藏自治区", "西藏", ("Tibet", "Xizang")),
    ("61", "陕西省", "陕西", ("Shaanxi",)),
    ("62", "甘肃省", "甘肃", ("Gansu",)),
    ("63", "青海省", "青海", ("Qinghai",)),
    ("64", "宁夏回族自治区", "宁夏", ("Ningxia", "Ningxia Hui")),
    ("65", "新疆维吾尔自治区", "新疆", ("Xinjiang", "Xinjiang Uygur", "Xinjiang Uyghur")),
    ("71", "台湾省", "台湾", ("Taiwan",)),
    ("81", "香港特别行政区", "香港", ("Hong Kong", "Xianggang", "HKSAR")),
    ("82", "澳门特别行政区", "澳门", ("Macau", "Macao", "Aomen")),
]

PROVINCES = pd.DataFrame(
    [(c, full, short, names[0]) for c, full, short, names in _PROVINCES],
    columns=["code", "name_zh", "short_zh", "name_en"],
)
CODES: frozenset[str] = frozenset(PROVINCES["code"])
# province_code in the flag command's frame: one byte per row instead of the 10 bytes of text (1 GB on 100M rows)
CODE_CATEGORIES = pd.CategoricalDtype(sorted(CODES))
SHORT_NAME: dict[str, str] = dict(zip(PROVINCES["code"], PROVINCES["short_zh"], strict=True))
FULL_NAME: dict[str, str] = dict(zip(PROVINCES["code"], PROVINCES["name_zh"], strict=True))
ENGLISH_NAME: dict[str, str] = dict(zip(PROVINCES["code"], PROVINCES["name_en"], strict=True))

# First two digits an ID number may start with: the province-level codes, plus 83
# (residence permits of Taiwan residents, GB 11643 usage).
ID_PREFIXES: frozenset[str] = CODES | {"83"}

# The one-character abbreviations (简称), as on number plates and in addresses; some provinces have two.
ABBREVIATIONS: dict[str, str] = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41",
    "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46", "渝": "50", "川": "51", "蜀": "51",
    "贵": "52", "黔": "52", "云": "53", "滇": "53", "藏": "54", "陕": "61", "秦": "61", "甘": "62",
    "陇": "62", "青": "63", "宁": "64", "新": "65", "台": "71", "港": "81", "澳": "82",
}  # fmt: skip

_ENGLISH_SUFFIXES = re.compile(
    r"(province|municipality|autonomousregion|specialadministrativeregion|sar|sheng|shi|zizhiqu)$"
)
_PLACE_CODE = re.compile(r"[0-9]{4}|[0-9]{6}")  # a city (4403, 440300) or county (440305) code
_NAME_IN_USE = re.compile(r"(?:\[\d*-\])?([^\[\]]+)")  # '深圳市', '[1983-]罗湖区'; '[-2010]崇文区' is a former name


def _english_key(text: str) -> str:
    key = re.sub(r"[\s\-'’.]", "", text.lower())
    return _ENGLISH_SUFFIXES.sub("", key) or key


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, full, short, names in _PROVINCES:
        lookup[code] = code
        lookup[code + "0000"] = code
        lookup[full] = code
        lookup[short] = code
        for name in names:
            lookup[_english_key(name)] = code
    return lookup


_LOOKUP = _build_lookup()
# Province names a value may begin with ('广东省深圳市', '广东深圳'), longest first: '广西壮族自治区' before '广西'.
_NAME_PREFIXES = sorted(
    [(name, code) for code, full, short, _ in _PROVINCES for name in (full, short)], key=lambda p: -len(p[0])
)


@functools.cache
def divisions() -> dict[str, list[str]]:
    """Six-digit GB/T 2260 codes and their names in use, as python-stdnum ships them (stdnum/cn/loc.dat, read
    through stdnum.numdb): '440300' -> ['深圳市']. Former names ('[-2010]崇文区') are left out."""
    from stdnum import numdb

    names: dict[str, list[str]] = {}
    for _, province, _, _, children in numdb.get("cn/loc").prefixes:
        for _, low, _, props, _ in children:
            for entry in props.get("county", "").split(","):
                if m := _NAME_IN_USE.fullmatch(entry.strip()):
                    names.setdefault(province + low, []).append(m.group(1))
    return names


@functools.cache
def place_names() -> dict[str, str]:
    """City and county names in use that belong to one province only, with its code: '深圳市' -> '44'.
    '朝阳区' (Beijing and Changchun) is not in it. Read once, on the first value that needs it."""
    provinces_of: dict[str, set[str]] = {}
    for code, names in divisions().items():
        for name in names:
            provinces_of.setdefault(name, set()).add(code[:2])
    return {name: codes.pop() for name, codes in provinces_of.items() if len(codes) == 1 and codes <= CODES}


def _lookup_one(value: str) -> str | None:
    """One distinct value to its province code, trying the forms in order (docs/data-contract.md, Provinces)."""
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+\.0+", text):  # a code that went through a spreadsheet number cell
        text = text.split(".")[0]
    packed = re.sub(r"\s+", "", text)
    hit = _LOOKUP.get(text) or _LOOKUP.get(packed) or _LOOKUP.get(_english_key(text))
    if hit:
        return hit
    if _PLACE_CODE.fullmatch(packed):  # the insured place's city or county code: its province's two digits
        return packed[:2] if packed[:2] in CODES else None
    if hit := ABBREVIATIONS.get(packed) or place_names().get(packed):
        return hit
    return next((code for name, code in _NAME_PREFIXES if packed.startswith(name)), None)


def _is_place_form(value: str, code: str | None) -> bool:
    """The value (read as `code` by _lookup_one) names its province through a place or an abbreviation, not as a
    province code or name."""
    if code is None:
        return False
    text = value.strip()
    packed = re.sub(r"\s+", "", text.split(".")[0] if re.fullmatch(r"\d+\.0+", text) else text)
    return not (_LOOKUP.get(text) or _LOOKUP.get(packed) or _LOOKUP.get(_english_key(text)))


def place_forms(values: pd.Series) -> dict[str, int]:
    """Cells per distinct value that was read as a province through a city or county (code or name), a name that
    begins with a province's name, or an abbreviation (for the load report: the file needed it)."""
    return read_provinces(values)[1]


def code_categorical(codes: pd.Series) -> pd.Series:
    """province_code text as a categorical of CODE_CATEGORIES (missing where not a code). Plain form:
    `codes.astype(CODE_CATEGORIES)`, which looks every row up in an index (a second per ten million);
    here each distinct value is looked up once, through Arrow's dictionary encoding."""
    if isinstance(codes.dtype, pd.CategoricalDtype) and codes.dtype == CODE_CATEGORIES:  # (read_provinces' already)
        return codes
    arr = pa.array(codes.astype("str").array)
    encoded = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    lookup = np.append(CODE_CATEGORIES.categories.get_indexer(encoded.dictionary.to_pylist()), -1)
    at = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    category = lookup[at].astype(np.int8)
    return pd.Series(pd.Categorical.from_codes(category, dtype=CODE_CATEGORIES), index=codes.index, name=codes.name)


def province_codes(values: pd.Series) -> pd.Series:
    """Map province values to two-digit codes, one look-up per distinct value; unknown or empty -> NA.

    Accepted: the code (44, 440000), the Chinese full or short name, pinyin or English names, a city or county
    code (4403, 440300, 440305), a name beginning with a province's name (广东省深圳市, 广东深圳), the
    one-character abbreviation (粤), and a city or county name of one province only (深圳市).
    """
    return read_provinces(values)[0]


def read_provinces(values: pd.Series, categorical: bool = False) -> tuple[pd.Series, dict[str, int]]:
    """(province_codes(values), place_forms(values)) from one dictionary encoding of the column: each distinct
    value looked up once and counted from the encoding. `categorical`: the codes as code_categorical gives them,
    without their text (the flag command's frame: a million rows' codes as text, then encoded again, took
    two passes more)."""
    arr = pa.array(values.astype("str").array)
    encoded = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    distinct = encoded.dictionary.to_pylist()
    found = [_lookup_one(u) for u in distinct]
    at = pc.fill_null(encoded.indices, len(distinct)).to_numpy(zero_copy_only=False)
    cells = np.bincount(at, minlength=len(distinct) + 1)
    places = {
        value: int(n)
        for value, code, n in zip(distinct, found, cells[:-1].tolist(), strict=True)
        if _is_place_form(value, code)
    }
    if categorical:
        lookup = np.append(CODE_CATEGORIES.categories.get_indexer(found), -1).astype(np.int8)
        column = pd.Categorical.from_codes(lookup[at], dtype=CODE_CATEGORIES)
    else:
        column = as_str(pc.take(pa.array(found, pa.string()), encoded.indices))
    return pd.Series(column, index=values.index, name="province_code"), places


def label(code: str, english: bool = False) -> str:
    """A province as people read it: short Chinese name (optionally with the English name)."""
    if code not in SHORT_NAME:
        return str(code)
    return f"{SHORT_NAME[code]} {ENGLISH_NAME[code]}" if english else SHORT_NAME[code]
