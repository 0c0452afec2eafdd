"""Names as possible duplicates compare them (docs/data-contract.md, "Possible duplicates"): normalized, one code
per distinct name, and in pinyin only where that can make a pair."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ._fast.sets import isin_small, unique_sorted

_DROP = re.compile(r"[\s·•・.]+")  # white space and the dots of transcribed names (after NFKC)


def normalize_name(name: object) -> str:
    """NFKC, white space and transcription dots removed, case-folded ('' for an empty name)."""
    if not isinstance(name, str):
        return ""
    return _DROP.sub("", unicodedata.normalize("NFKC", name)).casefold()


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).casefold()


class NameCodes:
    """A code per row for its normalized name (-1: none), and the pinyin of a name in characters (derived) only
    where it can count: it can only match a name in pinyin (two derived names never match)."""

    def __init__(self, names: pd.Series):
        codes, uniques = pd.factorize(names.astype("str"), use_na_sentinel=True)
        uniques = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
        # a name of CJK unified ideographs only is its own normal form (NFKC, no case, nothing to drop)
        plain = uniques.str.fullmatch("[\u4e00-\u9fff]+").to_numpy(dtype=bool, na_value=False)
        normal = uniques.to_numpy(dtype=object)
        normal[~plain] = [normalize_name(u) for u in normal[~plain]]
        normal = np.append(normal, "")
        token, texts = pd.factorize(pd.Series(normal, dtype=object).where(normal != ""), use_na_sentinel=True)
        self.code = token.astype(np.int32)[codes]  # a missing name (-1) takes the last: "", no token
        self.texts = np.asarray(texts, dtype=object)
        self.spoken = pd.Series(self.texts, dtype="str").str.fullmatch("[a-z]+").to_numpy(dtype=bool, na_value=False)
        self._of_text = {self.texts[i]: i for i in np.flatnonzero(self.spoken).tolist()}
        self._derived: dict[int, int] = {}

    def derived(self, codes: np.ndarray) -> np.ndarray:
        """The code of the name in pinyin that equals the pinyin of each name in characters (-1: none in the file)."""
        distinct, inverse = np.unique(codes, return_inverse=True)
        for c in distinct.tolist():
            if c not in self._derived:
                self._derived[c] = self._of_text.get(_pinyin(self.texts[c]), -1)
        return np.array([self._derived[c] for c in distinct.tolist()], dtype=np.int32)[inverse]

    def extra(self, owner: np.ndarray, token: np.ndarray, group: np.ndarray) -> dict[str, np.ndarray]:
        """Derived entries (owner, token, group): the pinyin of each name in characters whose group holds a name in
        pinyin, where that pinyin is a name of the file."""
        spoken = self.spoken[token]
        at = np.zeros(0, dtype=np.int64)
        if spoken.any() and not spoken.all():
            at = np.flatnonzero(~spoken & isin_small(group, unique_sorted(group[spoken])))
        pinyin = self.derived(token[at])
        at, pinyin = at[pinyin >= 0], pinyin[pinyin >= 0]
        return {"owner": owner[at], "token": pinyin, "group": group[at]}

    def entries(self, owner: np.ndarray, token: np.ndarray, group: np.ndarray) -> dict[str, np.ndarray]:
        """owner, token, group, derived: the entries given (not derived) and their derived ones."""
        extra = self.extra(owner, token, group)
        out = {k: np.concatenate([v, extra[k]]) for k, v in {"owner": owner, "token": token, "group": group}.items()}
        return {**out, "derived": np.arange(len(out["owner"])) >= len(owner)}
