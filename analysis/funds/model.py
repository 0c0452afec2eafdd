"""Article 64 of the Social Insurance Law as data: its five funds, accounting groups, pooling levels and measures."""

from __future__ import annotations

import pandas as pd

ARTICLE_64_ZH = (
    "社会保险基金包括基本养老保险基金、基本医疗保险基金、工伤保险基金、失业保险基金和生育保险基金。"
    "除基本医疗保险基金与生育保险基金合并建账及核算外，其他各项社会保险基金按照社会保险险种分别建账，分账核算。"
    "社会保险基金执行国家统一的会计制度。社会保险基金专款专用，任何组织和个人不得侵占或者挪用。"
    "基本养老保险基金逐步实行全国统筹，其他社会保险基金逐步实行省级统筹，具体时间、步骤由国务院规定。"
)
ARTICLE_64_EN = (
    "Social insurance funds comprise the basic pension, basic medical, work-injury, unemployment and maternity "
    "insurance funds. Except that the basic medical and maternity insurance funds are kept in one account, each "
    "fund is kept in its own account. The funds follow the national unified accounting system, are earmarked for "
    "their purpose, and no organisation or person may occupy or divert them. The basic pension fund moves step by "
    "step to national pooling, the other funds to provincial pooling, on a timetable set by the State Council."
)

# Order of the law's own list. Accounting group and pooling level as Article 64 (2018 text) states them.
FUNDS = pd.DataFrame(
    [
        ("pension", "基本养老保险基金", "basic pension insurance fund", "Pension", "pension", "national"),
        ("medical", "基本医疗保险基金", "basic medical insurance fund", "Medical", "medical_maternity", "provincial"),
        ("work_injury", "工伤保险基金", "work-injury insurance fund", "Work injury", "work_injury", "provincial"),
        ("unemployment", "失业保险基金", "unemployment insurance fund", "Unemployment", "unemployment", "provincial"),
        ("maternity", "生育保险基金", "maternity insurance fund", "Maternity", "medical_maternity", "provincial"),
    ],
    columns=["code", "name_zh", "name_en", "short_en", "accounting_group", "pooling_level"],
)
FUND_CODES: tuple[str, ...] = tuple(FUNDS["code"])

GROUPS = pd.DataFrame(
    [
        ("pension", "基本养老保险基金（单独建账）", "pension (own account)"),
        ("medical_maternity", "基本医疗与生育保险基金（合并建账）", "medical + maternity (one account)"),
        ("work_injury", "工伤保险基金（单独建账）", "work injury (own account)"),
        ("unemployment", "失业保险基金（单独建账）", "unemployment (own account)"),
    ],
    columns=["code", "name_zh", "name_en"],
)
POOLING_LEVELS = {"national": "全国统筹 national pooling", "provincial": "省级统筹 provincial pooling"}

MEASURES = ["revenue", "expenditure", "balance"]
MEASURE_LABELS = {
    "revenue": "收入 Revenue",
    "expenditure": "支出 Expenditure",
    "balance": "年末累计结余 Year-end balance",
}
UNIT_LABEL = "亿元 (100 million yuan)"
LEDGER_KEY = ["year", "province", "fund", "scheme"]

# The schemes figures are published for. `inside`: the wider schemes a scheme's figure is part of (space-separated),
# so that it is never added to one of them; `charted`: drawn as a line of its own in the series (finer parts stay in
# the tables); `in_totals`: False for transfers listed beside a fund's schemes but outside its total.
SCHEMES = pd.DataFrame(
    [
        ("all", "全部制度", "all schemes", "", True, True),
        ("employee", "城镇职工", "urban employees", "urban_employee_and_resident", True, True),
        ("enterprise_employee", "企业职工", "enterprise employees", "employee", True, True),
        ("civil_service", "机关事业单位", "civil service and public bodies", "employee", True, True),
        ("urban_rural_resident", "城乡居民", "urban and rural residents", "", True, True),
        ("urban_employee_and_resident", "城镇职工和城镇居民", "urban employees and urban residents", "", True, True),
        (
            "urban_resident",
            "城镇居民",
            "urban residents",
            "urban_rural_resident urban_employee_and_resident",
            False,
            True,
        ),
        ("rural_ncms", "新型农村合作医疗", "rural cooperative medical scheme", "urban_rural_resident", False, True),
        ("employee_pooled", "职工统筹基金", "employee pooled fund", "employee", False, True),
        ("employee_personal_account", "职工个人账户", "employee personal accounts", "employee", False, True),
        ("small_town", "小城镇（上海）", "small-town scheme (Shanghai)", "", False, True),
        ("central_adjustment_transfer", "中央调剂资金", "central adjustment transfers", "", False, False),
        # the sets of funds behind published totals across funds (fund `all_funds`, never a ledger row)
        ("five_funds", "五项基金", "the five funds", "", False, False),
        (
            "five_funds_incl_resident_pension",
            "五项基金（含城乡居民养老）",
            "five funds incl. resident pension",
            "",
            False,
            False,
        ),
        (
            "five_funds_excl_resident_pension",
            "五项基金（不含城乡居民养老）",
            "five funds excl. resident pension",
            "",
            False,
            False,
        ),
        (
            "three_funds",
            "三项基金（养老、失业、工伤）",
            "three funds (pension, unemployment, work injury)",
            "",
            False,
            False,
        ),
    ],
    columns=["code", "name_zh", "name_en", "inside", "charted", "in_totals"],
)
# Schemes that together make a whole fund (joined as breakdowns join them): a total of these is no partial figure.
WHOLE_FUND = {"all", "employee+urban_rural_resident"}
# One scheme under two codes: the older files write 城镇职工 as `employee`, the newer ones (pension) as
# `urban_employee`; a ledger reads both as `employee`, so one scheme is one line.
SCHEME_ALIASES = {"urban_employee": "employee"}


def scheme_ancestors() -> pd.DataFrame:
    """(scheme, ancestor) pairs: every wider scheme each known scheme lies inside, `all` included."""
    direct = SCHEMES.assign(ancestor=SCHEMES["inside"].str.split()).explode("ancestor").dropna(subset="ancestor")
    pairs = direct[["code", "ancestor"]].rename(columns={"code": "scheme"})
    while True:  # close the relation: an ancestor's ancestors are ancestors too (three levels at most)
        wider = pairs.merge(pairs, left_on="ancestor", right_on="scheme", suffixes=("", "_up"))
        more = wider[["scheme", "ancestor_up"]].rename(columns={"ancestor_up": "ancestor"})
        grown = pd.concat([pairs, more]).drop_duplicates(ignore_index=True)
        if len(grown) == len(pairs):
            break
        pairs = grown
    everything = pd.DataFrame({"scheme": SCHEMES["code"][SCHEMES["code"].ne("all")], "ancestor": "all"})
    return pd.concat([pairs, everything], ignore_index=True)


# Article 64's accounting over time: the events that change what a fund's figures hold. `funds`: the funds whose
# figures they change (space-separated); `short_*`: the label on the series chart.
MATERNITY_IN_MEDICAL_FROM = 2019
ACCOUNTING_EVENTS = pd.DataFrame(
    [
        (
            2018,
            "pension",
            "中央调剂",
            "central adjustment",
            "养老保险基金中央调剂制度（2018 年 7 月起）",
            "central adjustment fund for pensions (from July 2018)",
            "各省企业职工养老保险基金向中央调剂基金上解、从中下拨；省级基金表把这部分单列为中央调剂资金",
            "provinces pay into and draw from a central fund; provincial fund tables list these transfers apart",
        ),
        (
            MATERNITY_IN_MEDICAL_FROM,
            "medical maternity",
            "生育并入医保",
            "maternity in medical",
            "生育保险与职工基本医疗保险合并实施（2019 年起一个账户）",
            "maternity merged into employee medical insurance (one account from 2019)",
            "此后生育保险没有单独的全国数字，职工医保（及医疗保险合计）的数字含生育保险",
            "from then on maternity has no national figure of its own: employee (and total) medical figures hold it",
        ),
        (
            2022,
            "pension",
            "全国统筹",
            "national pooling",
            "企业职工基本养老保险全国统筹（2022 年 1 月起）",
            "national pooling of the enterprise employee pension (from January 2022)",
            "第六十四条所说的基本养老保险基金全国统筹开始实施",
            "the national pooling of the pension fund that Article 64 provides for takes effect",
        ),
    ],
    columns=["year", "funds", "short_zh", "short_en", "event_zh", "event_en", "effect_zh", "effect_en"],
)
