"""One province's view, for a provincial analyst: cross-province conflicts flowing in and out of it, and its cases
by city."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from . import labels, provinces
from .contract import PERSON_FLAGS


def province_code(province: str | None) -> str | None:
    """The two-digit code of a province as an analyst writes it ('44', '广东', 'Guangdong', ...); None for none.
    Raises ValueError naming the value when it is no province."""
    if province is None or str(province).strip() == "":
        return None
    code = provinces.province_codes(pd.Series([str(province)], dtype="str")).iloc[0]
    if pd.isna(code):
        raise ValueError(
            f"the province '{province}' for the provincial view is not a province (use a code like 44, or a name "
            "like 广东)"
        )
    return str(code)


def conflict_flows(records: pd.DataFrame, flags: pd.DataFrame, code: str) -> pd.DataFrame:
    """Cross-province conflicts into the province (a card live elsewhere when someone applied here) and out of it
    (a card live here when someone applied elsewhere), by the other province, most first."""
    cross = flags[flags["flag"] == "cross_province_conflict"]
    origin = cross["conflicts_with"].map(
        records.drop_duplicates("application_id").set_index("application_id")["province_code"]
    )
    pairs = pd.DataFrame({"origin": origin.to_numpy(), "destination": cross["province_code"].to_numpy()})
    inflow = pairs.loc[pairs["destination"] == code, "origin"].value_counts().rename("流入 in (card live there)")
    outflow = pairs.loc[pairs["origin"] == code, "destination"].value_counts().rename("流出 out (applied there)")
    table = pd.concat([inflow, outflow], axis=1).fillna(0).astype("int64")
    table.index = table.index.map(lambda c: f"{c} {provinces.SHORT_NAME.get(c, '')}".strip())
    table.index.name = "对方省份 other province"
    return table.sort_values([inflow.name, outflow.name], ascending=False)


def cases_by_city(records: pd.DataFrame, flags: pd.DataFrame, code: str) -> pd.DataFrame:
    """Per city of the province: persons with a duplicate card or a cross-province conflict flagged there."""
    chosen = flags[flags["flag"].isin(PERSON_FLAGS) & (flags["province_code"] == code)]
    city = chosen["row"].map(records.set_index("row")["city"]).fillna("（未填城市 no city）")
    table = (
        chosen.assign(city=city.to_numpy())
        .pivot_table(index="city", columns="flag", values="person_key", aggfunc="nunique", fill_value=0)
        .reindex(columns=PERSON_FLAGS, fill_value=0)
    )
    table.columns = [labels.flag_label(f) for f in table.columns]
    table.index.name = "城市 city"
    return table.sort_values(list(table.columns), ascending=False)


def _hint() -> Markdown:
    return Markdown(
        '未设置 `PROVINCE`：以上为全国视图。设为如 `"44"` 或 `"广东"` 即可查看本省。 '
        '`PROVINCE` is not set: the pages above show the whole country; set it (e.g. `"44"`) for yours.'
    )


def flows_view(records: pd.DataFrame, flags: pd.DataFrame, province: str | None) -> pd.DataFrame | Markdown:
    """conflict_flows for the province a notebook names, or a line saying how to name one."""
    code = province_code(province)
    return _hint() if code is None else conflict_flows(records, flags, code)


def city_view(records: pd.DataFrame, flags: pd.DataFrame, province: str | None) -> pd.DataFrame | Markdown:
    """cases_by_city for the province a notebook names, or a line saying how to name one."""
    code = province_code(province)
    return _hint() if code is None else cases_by_city(records, flags, code)
