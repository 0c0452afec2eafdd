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
