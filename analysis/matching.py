"""Possible duplicates: the same person under two numbers (docs/data-contract.md, "Possible duplicates").

Three reasons, none of them a flag: `id_typo` (an invalid number one edit away from a person key of the file),
`changed_number` (two keys whose 17-digit bodies differ in exactly one of region, birth date and sequence) and
`renewed_permit` (an older foreign_pr number and a 2023 one of the same country, province and birth date), each
between equal names. No self-join over the rows: typos are looked up as one-edit neighbours in the sorted keys,
and the other two reasons pair persons only inside groups that share a name and the parts that must be equal.
On ten million rows: persons are numbers (person_id, the body of an 18-character key), names are codes
(analysis.names), groups are found by sorting, and only the persons in pairs have their applications read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import privacy
from ._fast import arrow
from ._fast.sets import isin_small, repeated, unique_sorted
from .contract import DISPLAY_ONLY
from .id_types import countries
from .ids import CHECK_CHARS, OTHER_IDS, WEIGHTS, assign_other_ids, normalize_text, person_keys
from .names import NameCodes
from .provinces import code_categorical

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
_KEY_CHARS = np.array(list(b"0123456789X"), dtype=np.uint8)
# the two parts equal when the third differs, as one number of the 17-digit body (6 + 8 + 3 digits)
_SAME = {
    "region": lambda body: body % 10**11,
    "birth": lambda body: body // 10**11 * 1000 + body % 1000,
    "sequence": lambda body: body // 1000,
}
_MIX = np.uint64(0x9E3779B97F4A7C15)  # an odd 64-bit multiplier: (group, token) to one number, rarely colliding
_PART_DETAIL = {
    "region": "地区码不同 region differs (characters 1-6)",
    "birth": "出生日期不同 birth date differs (characters 7-14)",
    "sequence": "顺序码不同 sequence differs (characters 15-17)",
}
_NO_PAIRS = pd.DataFrame({"owner_a": np.zeros(0, np.int64), "owner_b": np.zeros(0, np.int64), "detail": []})
_APPS = ["application_id", "applied_on", "cancelled_on"]
CHUNK = 5_000  # invalid numbers per step of the neighbour search (about 60 MB of candidates and their bodies)


def for_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """The flag command's frame: without DISPLAY_ONLY, but for what possible duplicates need: names, and the ID text
    of named rows with an ID problem (the id_typo candidates); nothing of either when the file has no names.
    person_key gives way to other_key, the keys that are not 18 characters (ids.person_keys derives the rest
    from person_id when a flag needs one); province_code is a categorical of the codes, row an int32."""
    named = frame["name"].notna().to_numpy()
    if not named.any():
        out = frame.drop(columns=DISPLAY_ONLY)
    else:
        out = frame.drop(columns=[c for c in DISPLAY_ONLY if c not in ("name", "id_number")])
        out["id_number"] = out["id_number"].where(named & frame["id_problem"].notna().to_numpy())
    out["province_code"] = code_categorical(out["province_code"])
    if not len(out) or out["row"].max() < 2**31:  # (file rows: half the memory of int64)
        out["row"] = out["row"].astype(np.int32)
    other = out["person_id"].to_numpy() >= OTHER_IDS
    keys = out.pop("person_key")
    if other.any():
        out["other_key"] = arrow.placed(other, arrow.take(keys, np.flatnonzero(other)), out.index)
    else:
        out["other_key"] = arrow.null_text(out.index)
    return out


def _name_matches(merged: pd.DataFrame) -> pd.Series:
    return ~(merged["derived_a"] & merged["derived_b"])


def _people(pid: np.ndarray, token: np.ndarray) -> dict[str, np.ndarray]:
    """Entries (owner: person id, token) of the named rows in order of person id, one per person and name (but for
    a person whose rows alternate between names: a repeated entry only repeats pairs or pairs the person with
    itself, and both are dropped)."""
    order = np.argsort(pid)  # (not stable: the order within a person does not matter)
    pid, token = pid[order], token[order]
    del order
    keep = np.r_[True, (pid[1:] != pid[:-1]) | (token[1:] != token[:-1])] if len(pid) else np.zeros(0, dtype=bool)
    return {"owner": pid[keep], "token": token[keep]}


def _person_ids(records: pd.DataFrame, usable: np.ndarray) -> np.ndarray:
    """Per row its person id (-1 where not usable): the body of an 18-character key, the other keys numbered over
    these rows (the Dask engine's come from partitions of their own). One id per person key."""
    pid = np.where(usable, records["person_id"].to_numpy(dtype=np.int64), -1)
    other = np.flatnonzero(pid >= OTHER_IDS)
    if len(other):
        pid[other] = assign_other_ids(person_keys(records, other), pid[other])
    return pid


def _applications(records: pd.DataFrame, owner: pd.Series, pid: np.ndarray | None = None) -> pd.DataFrame:
    """owner, application_id, applied (days), cancelled (days, max for never), pid, in application order."""
    apps = pd.DataFrame(
        {
            "owner": owner.to_numpy(),
            "pid": np.full(len(owner), -1, dtype=np.int64) if pid is None else pid,
            "application_id": records["application_id"].astype("str").to_numpy(),
            "applied": records["applied_on"].to_numpy(dtype="datetime64[D]").astype(np.int64),
            "cancelled": records["cancelled_on"].to_numpy(dtype="datetime64[D]").astype(np.int64),
        }
    )
    never = records["cancelled_on"].isna().to_numpy()
    apps.loc[never, "cancelled"] = np.iinfo(np.int64).max
    return apps.sort_values(["owner", "applied", "application_id"], kind="stable", ignore_index=True)


def _applications_of(records: pd.DataFrame, pid: np.ndarray, at: np.ndarray) -> pd.DataFrame:
    """The applications at these (usable) rows, their person key as owner, in application order."""
    chosen = arrow.rows(records, at, _APPS)
    return _applications(chosen, person_keys(records, at), pid[at])


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
    """One-edit neighbours of 18-byte numbers (M, 18): (candidates (K, 18), source row, detail code).
    Detail code p < 18: character p+1 changed; 100 + p: characters p+1 and p+2 swapped."""
    cands, rows, codes = [], [], []
    index = np.arange(len(numbers), dtype=np.int32)
    for p in range(18):
        for ch in _KEY_CHARS:
            keep = numbers[:, p] != ch
            c = numbers[keep].copy()
            c[:, p] = ch
            cands.append(c)
            rows.append(index[keep])
            codes.append(np.full(int(keep.sum()), p, dtype=np.int16))
    for p in range(17):
        keep = numbers[:, p] != numbers[:, p + 1]
        c = numbers[keep].copy()
        c[:, [p, p + 1]] = c[:, [p + 1, p]]
        cands.append(c)
        rows.append(index[keep])
        codes.append(np.full(int(keep.sum()), 100 + p, dtype=np.int16))
    return np.concatenate(cands), np.concatenate(rows), np.concatenate(codes)


def _bodies(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """17-digit bodies of 18-byte numbers (int64) and which numbers are keys (digits and their check character)."""
    body = np.zeros(len(numbers), dtype=np.int64)
    total = np.zeros(len(numbers), dtype=np.int64)
    digits = np.ones(len(numbers), dtype=bool)
    for p in range(17):
        d = numbers[:, p] - np.uint8(ord("0"))  # wraps below "0": not a digit either way
        digits &= d < 10
        body = body * 10 + d
        total += d * WEIGHTS[p]
    return body, digits & (CHECK_CHARS[total % 11] == numbers[:, 17])


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
    number = normalize_text(arrow.take(records["id_number"], at))
    ok = (number.str.len() == 18).fillna(False).to_numpy(dtype=bool)
    return at[ok], number[ok].reset_index(drop=True)


def _id_typos(number: pd.Series, typo_token: np.ndarray, people: dict, names: NameCodes) -> pd.DataFrame:
    """Pairs (owner_a: the key's person id, i: the invalid number's index in `number`, code): every one-edit
    neighbour of each number looked up among the sorted bodies of the 18-character keys, then the names compared."""
    keys = people["owner"][: np.searchsorted(people["owner"], OTHER_IDS)]  # an 18-character key's id is its body
    if not len(number) or not len(keys):
        return _NO_PAIRS.drop(columns="detail").set_axis(["owner_a", "i"], axis=1).assign(code=0)
    # a non-ASCII character can only become a key character by a change at its place: any placeholder will do
    text = number.str.replace(r"[^\x00-\x7f]", "?", regex=True).to_numpy(dtype=object)
    matrix = text.astype("S18").view(np.uint8).reshape(-1, 18)
    found = []
    for start in range(0, len(matrix), CHUNK):
        cands, rows, codes = _neighbours(matrix[start : start + CHUNK])
        body, valid = _bodies(cands)
        del cands
        at = np.flatnonzero(valid)  # about one in eleven has its check character: only those are looked up,
        at = at[np.argsort(body[at])]  # in order (a binary search of sorted values stays in the cache)
        pos = np.searchsorted(keys, body[at]).clip(max=len(keys) - 1)
        hit = at[keys[pos] == body[at]]
        found.append(pd.DataFrame({"i": rows[hit] + start, "owner_a": body[hit], "code": codes[hit]}))
    hits = pd.concat(found, ignore_index=True).drop_duplicates(["i", "owner_a"])
    # names: the rows' (owner -1 - i) and the keys' entries, pinyin among them only
    mine = isin_small(people["owner"], unique_sorted(hits["owner_a"].to_numpy()))
    rows = hits["i"].unique()
    rows = rows[typo_token[rows] >= 0]
    owner = np.concatenate([people["owner"][mine], -1 - rows])
    token = np.concatenate([people["token"][mine], typo_token[rows]])
    side = pd.DataFrame(names.entries(owner, token, np.zeros(len(owner), dtype=np.int64))).drop(columns="group")
    row_side = side[side["owner"] < 0].assign(i=lambda f: -1 - f["owner"]).drop(columns="owner")
    merged = hits.merge(row_side.rename(columns={"derived": "derived_b"}), on="i")
    key_side = side[side["owner"] >= 0].rename(columns={"owner": "owner_a", "derived": "derived_a"})
    merged = merged.merge(key_side, on=["owner_a", "token"])
    return merged[_name_matches(merged)].drop_duplicates(["owner_a", "i"])[["owner_a", "i", "code"]]


def _changed_numbers(people: dict, names: NameCodes) -> pd.DataFrame:
    """Pairs (owner_a, owner_b, detail) of 18-character keys, a's the smaller: grouped by name and two parts."""
    n = np.searchsorted(people["owner"], OTHER_IDS)
    owner, token = people["owner"][:n], people["token"][:n]  # an 18-character key's id is its body
    found = []
    for part, same in _SAME.items():
        group = same(owner)
        extra = names.extra(owner, token, group)
        # one number per (group, token), rarely the same for two: its repeats rule out nearly every entry, and the
        # merge below compares group and token exactly
        mixed = np.concatenate([group, extra["group"]]).astype(np.uint64)
        with np.errstate(over="ignore"):
            np.multiply(mixed, _MIX, out=mixed)
        np.add(mixed[:n], token, out=mixed[:n], dtype=np.uint64, casting="unsafe")  # (not via float64)
        np.add(mixed[n:], extra["token"], out=mixed[n:], dtype=np.uint64, casting="unsafe")
        at = np.flatnonzero(isin_small(mixed, repeated(mixed)))
        del mixed
        base, more = at[at < n], at[at >= n] - n
        entries = pd.DataFrame(
            {
                "owner": np.concatenate([owner[base], extra["owner"][more]]),
                "token": np.concatenate([token[base], extra["token"][more]]),
                "group": np.concatenate([group[base], extra["group"][more]]),
                "derived": np.arange(len(at)) >= len(base),
            }
        )
        del group, extra
        pairs = entries.merge(entries, on=["token", "group"], suffixes=("_a", "_b"))
        pairs = pairs[(pairs["owner_a"] < pairs["owner_b"]) & _name_matches(pairs)]
        found.append(pairs[["owner_a", "owner_b"]].drop_duplicates().assign(detail=_PART_DETAIL[part]))
    return pd.concat(found, ignore_index=True)


def _renewed_permits(records: pd.DataFrame, pid: np.ndarray, people: dict, names: NameCodes) -> pd.DataFrame:
    """Pairs (owner_a: the 2023 form, owner_b: the older form, detail): grouped by nationality, province, birth date
    and name; the few persons holding either form, with their keys as text."""
    owners = unique_sorted(people["owner"][np.searchsorted(people["owner"], 9 * 10**16) :])  # 2023 form, not 18 long
    if not (owners < OTHER_IDS).any() or not (owners >= OTHER_IDS).any():
        return _NO_PAIRS
    apps = _applications_of(records, pid, np.flatnonzero(pid >= 9 * 10**16))
    text = apps.drop_duplicates("pid").set_index("pid")["owner"].reindex(owners)
    older = text.str.fullmatch(r"foreign_pr:[A-Z]{3}\d{12}").to_numpy(dtype=bool)
    chosen = owners[(owners < OTHER_IDS) | older]
    mine = isin_small(people["owner"], chosen)
    e = names.entries(people["owner"][mine], people["token"][mine], np.zeros(int(mine.sum()), dtype=np.int64))
    tokens = pd.DataFrame({"code": e["owner"], "token": e["token"], "derived": e["derived"]})
    tokens["owner"] = text.reindex(e["owner"]).to_numpy()
    old = tokens[tokens["code"] >= OTHER_IDS].copy()
    new = tokens[tokens["code"] < OTHER_IDS].copy()
    if not len(old) or not len(new):
        return _NO_PAIRS
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
    out = pairs[["code_a", "code_b"]].set_axis(["owner_a", "owner_b"], axis=1)
    return out.assign(detail=(detail + ", province " + pairs["province"]).to_numpy())


def possible_duplicates(records: pd.DataFrame) -> pd.DataFrame:
    """The pairs of docs/data-contract.md ("Possible duplicates"), keys unmasked, in the order reason, a, b."""
    if "name" not in records.columns or not records["name"].notna().any():
        return pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS})
    usable = (records["record_problem"].isna() & records["id_problem"].isna()).to_numpy()
    pid = _person_ids(records, usable)
    names = NameCodes(records["name"])
    at, number = _typo_rows(records)
    named = np.flatnonzero(usable & (names.code >= 0))
    people = _people(pid[named], names.code[named])
    del named
    typos = _id_typos(number, names.code[at], people, names)
    parts = [
        typos.assign(owner_b=-1, reason="id_typo", detail=typos["code"].map(_typo_detail)),
        _changed_numbers(people, names).assign(reason="changed_number"),
        _renewed_permits(records, pid, people, names).assign(reason="renewed_permit"),
    ]
    del people
    pairs = pd.concat(parts, ignore_index=True)
    owner_a, owner_b = pairs["owner_a"].to_numpy(dtype=np.int64), pairs["owner_b"].to_numpy(dtype=np.int64)
    wanted = unique_sorted(np.concatenate([owner_a, owner_b[owner_b >= 0]]))
    apps = _applications_of(records, pid, np.flatnonzero(isin_small(pid, wanted)))
    del pid
    text = apps.drop_duplicates("pid").set_index("pid")["owner"]
    pairs["owner_a"] = text.reindex(owner_a).to_numpy(dtype=object)
    owner_b = text.reindex(owner_b).to_numpy(dtype=object)
    key_b = owner_b.copy()
    if len(typos):  # side b of a typo: the invalid row (its owner "row:<position>") and its number
        i = pairs["i"].to_numpy()[: len(typos)].astype(np.int64)
        owner_b[: len(typos)] = [f"row:{r}" for r in at[i].tolist()]
        key_b[: len(typos)] = number.to_numpy(dtype=object)[i]
        rows = np.unique(at[i])  # an invalid row one edit from several keys is one application, listed once
        typo_apps = _applications(arrow.rows(records, rows, _APPS), pd.Series([f"row:{r}" for r in rows.tolist()]))
        apps = pd.concat([apps, typo_apps])
    pairs["owner_b"], pairs["key_b"] = owner_b, key_b
    apps = apps.drop(columns="pid")
    ids: dict[str, list[str]] = {}  # each side's applications in application order (a groupby join is slower)
    for owner, application in zip(apps["owner"].tolist(), apps["application_id"].tolist(), strict=True):
        ids.setdefault(owner, []).append(application)
    ids = {owner: " ".join(v) for owner, v in ids.items()}
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
