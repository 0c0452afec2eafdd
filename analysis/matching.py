"""Possible duplicates: the same person under two numbers (docs/data-contract.md, "Possible duplicates").

Three reasons, none of them a flag: `id_typo` (an invalid number one edit away from a person key of the file),
`changed_number` (two keys whose 17-digit bodies differ in exactly one of region, birth date and sequence) and
`renewed_permit` (an older foreign_pr number and a 2023 one of the same country, province and birth date), each
between equal names. No self-join over the rows: typos are looked up as one-edit neighbours in the sorted keys,
and the other two reasons pair persons only inside groups that share a name and the parts that must be equal.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from . import privacy
from .contract import DISPLAY_ONLY
from .id_types import countries
from .ids import normalize_text

REASONS = ["id_typo", "changed_number", "renewed_permit"]
COLUMNS = [
    "pair_id",
    "reason",
    "person_key_a",
    "person_key_b",
    "application_ids_a",
    "application_ids_b",
    "overlapping",
    "detail",
]
_DROP = re.compile(r"[\s·•・.]+")  # white space and the dots of transcribed names (after NFKC)
_PINYIN = re.compile(r"[a-z]+")
_KEY_CHARS = np.array(list(b"0123456789X"), dtype=np.uint8)
_PARTS = {"region": (0, 6), "birth": (6, 14), "sequence": (14, 17)}
_PART_DETAIL = {
    "region": "地区码不同 region differs (characters 1-6)",
    "birth": "出生日期不同 birth date differs (characters 7-14)",
    "sequence": "顺序码不同 sequence differs (characters 15-17)",
}
CHUNK = 20_000  # invalid numbers per step of the neighbour search (about 70 MB of candidates)


def for_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """The flag command's frame: without DISPLAY_ONLY, but for what possible duplicates need: names, and the ID text
    of named rows with an ID problem (the id_typo candidates); nothing of either when the file has no names."""
    named = frame["name"].notna().to_numpy()
    if not named.any():
        return frame.drop(columns=DISPLAY_ONLY)
    out = frame.drop(columns=[c for c in DISPLAY_ONLY if c not in ("name", "id_number")])
    out["id_number"] = out["id_number"].where(named & frame["id_problem"].notna().to_numpy())
    return out


def normalize_name(name: object) -> str:
    """NFKC, white space and transcription dots removed, case-folded ('' for an empty name)."""
    if not isinstance(name, str):
        return ""
    return _DROP.sub("", unicodedata.normalize("NFKC", name)).casefold()


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).casefold()


def _tokens(owner: pd.Series, names: pd.Series) -> pd.DataFrame:
    """(owner, token, derived) for each owner's distinct non-empty name: the normalized name, and for a name in
    characters also its pinyin (derived) when the file has a name in pinyin at all. Two entries match when they
    share a token and are not both derived (two names in characters match only when identical)."""
    codes, uniques = pd.factorize(names.astype("str"), use_na_sentinel=True)
    normal = np.array([normalize_name(u) for u in uniques] + [""], dtype=object)
    table = pd.DataFrame({"owner": owner.to_numpy(), "token": normal[codes]})
    table = table[table["token"] != ""].drop_duplicates(ignore_index=True)
    table["derived"] = False
    ascii_names = table["token"].map(lambda t: bool(_PINYIN.fullmatch(t))).to_numpy(dtype=bool)
    if not ascii_names.any():
        return table
    chars = table[~ascii_names]
    spoken = chars["token"].map(_pinyin)
    derived = chars.assign(token=spoken, derived=True)[spoken.map(lambda t: bool(_PINYIN.fullmatch(t))).to_numpy()]
    return pd.concat([table, derived], ignore_index=True)


def _name_matches(merged: pd.DataFrame) -> pd.Series:
    return ~(merged["derived_a"] & merged["derived_b"])


def _applications(records: pd.DataFrame, owner: pd.Series) -> pd.DataFrame:
    """owner, application_id, applied (days), cancelled (days, max for never) in application order."""
    apps = pd.DataFrame(
        {
            "owner": owner.to_numpy(),
            "application_id": records["application_id"].astype("str").to_numpy(),
            "applied": records["applied_on"].to_numpy(dtype="datetime64[D]").astype(np.int64),
            "cancelled": records["cancelled_on"].to_numpy(dtype="datetime64[D]").astype(np.int64),
        }
    )
    never = records["cancelled_on"].isna().to_numpy()
    apps.loc[never, "cancelled"] = np.iinfo(np.int64).max
    return apps.sort_values(["owner", "applied", "application_id"], kind="stable", ignore_index=True)


def _overlapping(pairs: pd.DataFrame, apps: pd.DataFrame) -> np.ndarray:
    """Per pair: some application of one side was live when the other side applied (either way round)."""
    if not len(pairs):
        return np.zeros(0, dtype=bool)
    sides = [
        pairs[[f"owner_{s}"]].reset_index(names="pair").merge(apps, left_on=f"owner_{s}", right_on="owner")
        for s in "ab"
    ]
    columns = ["pair", "application_id", "applied", "cancelled"]
    both = sides[0][columns].merge(sides[1][columns], on="pair", suffixes=("_a", "_b"))
    a_first = (both["applied_a"] < both["applied_b"]) | (
        (both["applied_a"] == both["applied_b"]) & (both["application_id_a"] < both["application_id_b"])
    )
    live = np.where(a_first, both["applied_b"] < both["cancelled_a"], both["applied_a"] < both["cancelled_b"])
    hit = both["pair"].to_numpy()[live]
    out = np.zeros(len(pairs), dtype=bool)
    out[hit] = True
    return out


def _neighbours(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-edit neighbours of 18-byte numbers (M, 18): (candidates 'S18', source row, detail code).
    Detail code p < 18: character p+1 changed; 100 + p: characters p+1 and p+2 swapped."""
    cands, rows, codes = [], [], []
    index = np.arange(len(numbers))
    for p in range(18):
        for ch in _KEY_CHARS:
            keep = numbers[:, p] != ch
            c = numbers[keep].copy()
            c[:, p] = ch
            cands.append(c)
            rows.append(index[keep])
            codes.append(np.full(int(keep.sum()), p))
    for p in range(17):
        keep = numbers[:, p] != numbers[:, p + 1]
        c = numbers[keep].copy()
        c[:, [p, p + 1]] = c[:, [p + 1, p]]
        cands.append(c)
        rows.append(index[keep])
        codes.append(np.full(int(keep.sum()), 100 + p))
    flat = np.ascontiguousarray(np.concatenate(cands)).view("S18").ravel()
    return flat, np.concatenate(rows), np.concatenate(codes)


def _typo_detail(code: int) -> str:
    if code < 100:
        return f"第{code + 1}位字符不同 character {code + 1} differs"
    p = code - 100 + 1
    return f"第{p}、{p + 1}位字符互换 characters {p} and {p + 1} swapped"


def _typo_rows(records: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """Positions and normalized numbers of the rows that enter id_typo: flagged invalid_id, not invalid_record,
    named, 18 characters after normalization."""
    if "id_number" not in records.columns:
        return np.zeros(0, dtype=np.int64), pd.Series([], dtype="str")
    typo = (records["id_problem"].notna() & records["record_problem"].isna() & records["name"].notna()).to_numpy()
    at = np.flatnonzero(typo)
    number = normalize_text(records["id_number"].iloc[at])
    ok = (number.str.len() == 18).fillna(False).to_numpy(dtype=bool)
    return at[ok], number[ok].reset_index(drop=True)


def _id_typos(at: np.ndarray, number: pd.Series, tokens: pd.DataFrame) -> pd.DataFrame:
    """Pairs (owner_a = person key, owner_b = 'row:<position>' of the invalid application, detail, number)."""
    keys = np.array(sorted(k for k in tokens["owner"].unique() if len(k) == 18 and k.isascii()), dtype="S18")
    if not len(at) or not len(keys):
        return pd.DataFrame(columns=["owner_a", "owner_b", "detail", "number"])
    # a non-ASCII character can only become a key character by a change at its place: any placeholder will do
    text = number.str.replace(r"[^\x00-\x7f]", "?", regex=True).to_numpy(dtype=object)
    matrix = text.astype("S18").view(np.uint8).reshape(-1, 18)
    found = []
    for start in range(0, len(matrix), CHUNK):
        flat, rows, codes = _neighbours(matrix[start : start + CHUNK])
        pos = np.searchsorted(keys, flat).clip(max=len(keys) - 1)
        hit = keys[pos] == flat
        found.append(pd.DataFrame({"i": rows[hit] + start, "key": keys[pos[hit]].astype(str), "code": codes[hit]}))
    hits = pd.concat(found, ignore_index=True).drop_duplicates(["i", "key"])
    i = hits["i"].to_numpy(dtype=np.int64)
    hits["owner_a"] = hits["key"].astype("str")
    hits["owner_b"] = pd.Series(at[i]).map("row:{}".format).to_numpy()
    hits["number"] = number.to_numpy(dtype=object)[i]
    side = tokens.rename(columns={"owner": "owner_b", "derived": "derived_b"})
    merged = hits.merge(side, on="owner_b")
    side = tokens.rename(columns={"owner": "owner_a", "derived": "derived_a"})
    merged = merged.merge(side, on=["owner_a", "token"])
    merged = merged[_name_matches(merged)].drop_duplicates(["owner_a", "owner_b"])
    return merged.assign(detail=merged["code"].map(_typo_detail))[["owner_a", "owner_b", "detail", "number"]]


def _changed_numbers(tokens: pd.DataFrame) -> pd.DataFrame:
    people = tokens[(tokens["owner"].str.len() == 18).to_numpy(dtype=bool)].copy()
    for part, (lo, hi) in _PARTS.items():
        people[part] = people["owner"].str.slice(lo, hi)
    found = []
    for differing in _PARTS:
        same = ["token", *[p for p in _PARTS if p != differing]]
        group = people[people.duplicated(same, keep=False)]
        pairs = group.merge(group, on=same, suffixes=("_a", "_b"))
        pairs = pairs[(pairs["owner_a"] < pairs["owner_b"]) & _name_matches(pairs)]
        found.append(pairs[["owner_a", "owner_b"]].drop_duplicates().assign(detail=_PART_DETAIL[differing]))
    return pd.concat(found, ignore_index=True)


def _renewed_permits(tokens: pd.DataFrame, apps: pd.DataFrame) -> pd.DataFrame:
    owner = tokens["owner"]
    old = tokens[owner.str.fullmatch(r"foreign_pr:[A-Z]{3}\d{12}")].copy()
    new = tokens[owner.str.fullmatch(r"9\d{16}[0-9X]")].copy()
    if not len(old) or not len(new):
        return pd.DataFrame(columns=["owner_a", "owner_b", "detail"])
    number = old["owner"].str.slice(11)
    old["nation"], old["province"], old["yymmdd"] = number.str.slice(0, 3), number.str.slice(3, 5), number.str[7:13]
    new["nation"] = new["owner"].str.slice(3, 6).map(countries()["numeric_to_alpha_3"])
    new["province"], new["birth"] = new["owner"].str.slice(1, 3), new["owner"].str.slice(6, 14)
    new["yymmdd"] = new["birth"].str.slice(2)
    pairs = new.merge(old, on=["nation", "province", "yymmdd", "token"], suffixes=("_a", "_b"))
    pairs = pairs[_name_matches(pairs)].drop_duplicates(["owner_a", "owner_b"])
    # the older form's YYMMDD is 20YY when not after the application date, else 19YY: on any of its applications
    span = apps.groupby("owner")["applied"].agg(["min", "max"])
    birth = pd.to_datetime(pairs["birth"], format="%Y%m%d", errors="coerce").to_numpy(dtype="datetime64[D]")
    day = birth.astype(np.int64)
    in_2000s = pairs["birth"].str.startswith("20").to_numpy()
    later = (birth.astype("datetime64[Y]") + np.timedelta64(100, "Y")).astype("datetime64[D]")  # 19YY -> 20YY
    later = later + (birth - birth.astype("datetime64[Y]").astype("datetime64[D]"))
    old_span = span.reindex(pairs["owner_b"])
    fits = np.where(
        in_2000s,
        day <= old_span["max"].to_numpy(),
        pairs["birth"].str.startswith("19").to_numpy() & (old_span["min"].to_numpy() < later.astype(np.int64)),
    )
    pairs = pairs[fits & ~np.isnat(birth)]
    detail = "旧版外国人永久居留证换为2023版 older permanent-residence form and the 2023 form: " + pairs["nation"]
    return pairs[["owner_a", "owner_b"]].assign(detail=detail + ", province " + pairs["province"])


def possible_duplicates(records: pd.DataFrame) -> pd.DataFrame:
    """The pairs of docs/data-contract.md ("Possible duplicates"), keys unmasked, in the order reason, a, b."""
    if "name" not in records.columns or not records["name"].notna().any():
        return pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS})
    usable = np.flatnonzero((records["record_problem"].isna() & records["id_problem"].isna()).to_numpy())
    named = usable[records["name"].iloc[usable].notna().to_numpy()]
    at, number = _typo_rows(records)
    owners = pd.concat([records["person_key"].iloc[named], pd.Series(at).map("row:{}".format)], ignore_index=True)
    names = pd.concat([records["name"].iloc[named], records["name"].iloc[at]], ignore_index=True)
    tokens = _tokens(owners, names)  # persons and invalid rows together: pinyin when any of them is in pinyin
    typos = _id_typos(at, number, tokens)
    tokens = tokens[~tokens["owner"].str.startswith("row:").to_numpy(dtype=bool)]
    apps = _applications(records.iloc[usable], records["person_key"].iloc[usable])
    parts = [typos.assign(reason="id_typo"), _changed_numbers(tokens).assign(reason="changed_number")]
    parts.append(_renewed_permits(tokens, apps).assign(reason="renewed_permit"))
    pairs = pd.concat(parts, ignore_index=True)
    if len(typos):
        at = typos["owner_b"].str.slice(4).astype(int).to_numpy()
        apps = pd.concat([apps, _applications(records.iloc[at], typos["owner_b"].reset_index(drop=True))])
    pairs["key_b"] = pairs["number"].where(pairs["reason"] == "id_typo", pairs["owner_b"])
    ids = apps.groupby("owner", sort=False)["application_id"].agg(" ".join)
    pairs["application_ids_a"] = pairs["owner_a"].map(ids)
    pairs["application_ids_b"] = pairs["owner_b"].map(ids)
    pairs["rank"] = pairs["reason"].map(REASONS.index)
    pairs = pairs.sort_values(["rank", "owner_a", "key_b", "application_ids_b"], ignore_index=True)
    pairs["overlapping"] = np.where(_overlapping(pairs, apps), "true", "false")
    out = pd.DataFrame(
        {
            "pair_id": [f"P{i:06d}" for i in range(1, len(pairs) + 1)],
            "reason": pairs["reason"],
            "person_key_a": pairs["owner_a"],
            "person_key_b": pairs["key_b"],
            "application_ids_a": pairs["application_ids_a"],
            "application_ids_b": pairs["application_ids_b"],
            "overlapping": pairs["overlapping"],
            "detail": pairs["detail"],
        }
    )
    return out.astype("str")


def counts(pairs: pd.DataFrame) -> dict[str, int]:
    """summary.json's `possible_duplicates`: pairs per reason, every reason listed."""
    found = pairs["reason"].value_counts()
    return {reason: int(found.get(reason, 0)) for reason in REASONS}


def for_csv(pairs: pd.DataFrame) -> pd.DataFrame:
    """possible_duplicates.csv content: both keys masked as in flags.csv."""
    out = pairs.copy()
    for column in ("person_key_a", "person_key_b"):
        out[column] = privacy.mask_ids(out[column])
    return out
