"""The reading paragraphs of notebook 04, Chinese first, their figures and sentences computed from the ledger in use."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import display_path
from .breakdown import Years, maternity_in_medical, province_coverage, year_totals
from .model import ACCOUNTING_EVENTS, FUND_CODES, FUNDS, MATERNITY_IN_MEDICAL_FROM, SCHEMES
from .sources import RELEASES

ZH = dict(zip(FUNDS["code"], FUNDS["name_zh"], strict=True))
EN = dict(zip(FUNDS["code"], FUNDS["short_en"].str.lower(), strict=True))
SCHEME_ZH = dict(zip(SCHEMES["code"], SCHEMES["name_zh"], strict=True))
SCHEME_EN = dict(zip(SCHEMES["code"], SCHEMES["name_en"], strict=True))
SCHEME_CHARTED = dict(zip(SCHEMES["code"], SCHEMES["charted"], strict=True))
RELEASE_ZH = dict(zip(RELEASES["code"], RELEASES["name_zh"], strict=True))
RELEASE_EN = dict(zip(RELEASES["code"], RELEASES["name_en"], strict=True))
QUALITY = {
    "official": ("官方原表", "official"),
    "secondary": ("二手转载", "secondary"),
    "own ledger": ("自有台账", "own"),
}


class Prose(str):
    """Markdown text that a notebook shows as Markdown (and as the text itself where Markdown is not shown)."""

    def _repr_markdown_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def yi_text(x: float) -> str:
    """An amount in 亿元 as published: thousands separators, at most two decimals."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0")


def _pct(x: float) -> str:
    return f"{x:.1f}%"


def _zh_list(items: list[str]) -> str:
    return "、".join(items)


def _en_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _spans(years: list[int]) -> str:
    """2011, 2012, 2013, 2015 -> '2011–2013, 2015'."""
    years = sorted(set(years))
    if not years:
        return "—"
    runs = (pd.Series(years).diff().ne(1)).cumsum()
    parts = pd.Series(years).groupby(runs.to_numpy()).agg(["min", "max"])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in zip(parts["min"], parts["max"], strict=True))


def _releases(codes: pd.Series) -> tuple[str, str]:
    """The releases behind some figures, in Chinese and English, best first."""
    found = set("+".join(codes.dropna()).split("+"))
    ordered = [c for c in RELEASES["code"] if c in found]
    return _zh_list(list(dict.fromkeys(RELEASE_ZH[c] for c in ordered))), _en_list([RELEASE_EN[c] for c in ordered])


def _qualities(values: pd.Series) -> tuple[str, str]:
    found = sorted(set("+".join(values.dropna()).split("+")))
    return _zh_list([QUALITY.get(q, (q, q))[0] for q in found]), _en_list([QUALITY.get(q, (q, q))[1] for q in found])


def _schemes(schemes: str) -> tuple[str, str]:
    codes = schemes.split("+")
    return " + ".join(SCHEME_ZH.get(c, c) for c in codes), " + ".join(SCHEME_EN.get(c, c) for c in codes)


def _reading(zh: list[str], en: list[str]) -> Prose:
    return Prose("**解读：** " + "".join(zh) + "\n\n**Reading.** " + " ".join(en))


def _no_year(year: int | None, held: list[int], what: tuple[str, str], parameter: str) -> Prose:
    """What a section says when the ledger has nothing for its year."""
    if year is None or not held:  # nothing of the kind at all: no year to suggest
        return _reading(
            [f"台账中没有{what[0]}，本节从略。"], [f"This ledger holds no {what[1]}: nothing to show here."]
        )
    return _reading(
        [
            f"台账中没有 {year} 年的{what[0]}（有数字的年份：{_spans(held)}）。",
            f"把参数 `{parameter}` 设为其中一年，或设为 `None` 由本页选择。",
        ],
        [
            f"This ledger holds no {what[1]} for {year} (years with figures: {_spans(held)}).",
            f"Set `{parameter}` to one of them, or to `None` to let the notebook choose.",
        ],
    )


def ledger_overview(ledger: pd.DataFrame, source: str | Path | None, years: Years) -> Prose:
    """Which ledger is in use, what it holds, and which years the notebook shows and why."""
    name = (
        "自带的公布数据 bundled published figures (data/reference/fund_figures.csv)"
        if source is None
        else (display_path(source))
    )
    provincial = int(ledger["province"].ne("").sum())
    how_fund = {
        "given": ("参数指定", "as given"),
        "all_five": ("五项基金齐全的最近一年", "the latest year with all five funds"),
        "most_funds": (
            "没有五项齐全的年份，取基金最多的最近一年",
            "no year has all five funds: the latest with the most",
        ),
        "none": ("台账中没有基金数字", "no fund figures in the ledger"),
    }[years.fund_how]
    how_province = {
        "given": ("参数指定", "as given"),
        "latest": ("有分省数字的最近一年", "the latest year with provincial rows"),
        "none": ("台账中没有分省数字", "no provincial rows in the ledger"),
    }[years.province_how]
    fund, province = years.fund or "—", years.province or "—"
    return Prose(
        f"台账 Ledger: {name}\n\n"
        f"{len(ledger)} 行 rows，{ledger['year'].min()}–{ledger['year'].max()} 年；"
        f"分省 {provincial} 行 provincial rows；"
        f"金额单位 亿元 amounts in 100 million yuan。\n\n"
        f"本页显示：基金对比 {fund} 年（{how_fund[0]}），分省 {province} 年（{how_province[0]}）。 "
        f"Shown: the funds in {fund} ({how_fund[1]}), the provinces in {province} ({how_province[1]})."
    )


def five_funds_reading(breakdown: pd.DataFrame, year: int | None) -> Prose:
    """Section 2: the funds of one year side by side, in words."""
    rows = breakdown[breakdown["year"].eq(year)].set_index("fund")
    if rows.empty:
        return _no_year(year, list(breakdown["year"]), ("基金数字", "fund figures"), "FUND_YEAR")
    merged = bool(maternity_in_medical(breakdown).get(year, False))
    missing = [c for c in FUND_CODES if c not in rows.index and not (c == "maternity" and merged)]
    zh = [f"{year} 年台账中有 {len(rows)} 项基金的数字：{_zh_list([ZH[c] for c in rows.index])}"]
    en = [f"In {year} the ledger holds {len(rows)} of the funds: {_en_list([EN[c] for c in rows.index])}"]
    if merged:
        zh.append(f"；生育保险自 {MATERNITY_IN_MEDICAL_FROM} 年起含在医疗保险中，没有单独的数字")
        en[-1] += f"; maternity is inside medical from {MATERNITY_IN_MEDICAL_FROM} and has no figure of its own"
    if missing:
        zh.append(f"；缺少{_zh_list([ZH[c] for c in missing])}")
        en[-1] += f"; {_en_list([EN[c] for c in missing])} missing"
    zh.append("。")
    en[-1] += "."
    if rows[["revenue", "expenditure"]].notna().all().all():
        revenue, expenditure = yi_text(rows["revenue"].sum()), yi_text(rows["expenditure"].sum())
        zh.append(f"收入合计 {revenue} 亿元，支出合计 {expenditure} 亿元。")
        en.append(f"Together they took in {revenue} 亿元 and paid out {expenditure}.")
    shares = rows["share_revenue_pct"].dropna()
    if len(shares) > 1:
        big, small = shares.idxmax(), shares.idxmin()
        zh.append(f"{ZH[big]}最大，占收入的 {_pct(shares[big])}；{ZH[small]}最小，占 {_pct(shares[small])}。")
        en.append(
            f"{EN[big].capitalize()} is the largest, {_pct(shares[big])} of revenue; {EN[small]} the smallest, "
            f"{_pct(shares[small])}."
        )
    deficit = rows[rows["expenditure"] > rows["revenue"]]
    if len(deficit):
        items = [f"{ZH[c]}（{yi_text(r.revenue)} / {yi_text(r.expenditure)}）" for c, r in deficit.iterrows()]
        zh.append(f"支出超过收入（收入 / 支出）：{_zh_list(items)}。")
        items = [f"{EN[c]} ({yi_text(r.revenue)} / {yi_text(r.expenditure)})" for c, r in deficit.iterrows()]
        en.append(f"Paid out more than taken in (revenue / expenditure): {_en_list(items)}.")
    no_balance = list(rows.index[rows["balance"].isna()])
    if no_balance:
        zh.append(f"没有年末结余数字：{_zh_list([ZH[c] for c in no_balance])}，图中标为“无公布数据”，而不是画成零。")
        en.append(
            f"No year-end balance for {_en_list([EN[c] for c in no_balance])}: marked "
            '"no published figure" in the chart, not drawn as zero.'
        )
    partial = rows[~rows["whole"]]
    if len(partial):
        zh.append(
            "只含部分制度：" + _zh_list([f"{ZH[c]}（{_schemes(r.schemes)[0]}）" for c, r in partial.iterrows()]) + "。"
        )
        en.append(
            "Part of the schemes only: "
            + _en_list([f"{EN[c]} ({_schemes(r.schemes)[1]})" for c, r in partial.iterrows()])
            + "."
        )
    rel, quality = _releases(rows["releases"]), _qualities(rows["source_quality"])
    zh.append(f"数字来自{rel[0]}；来源质量：{quality[0]}。")
    en.append(f"The figures come from: {rel[1]}; source quality: {quality[1]}.")
    return _reading(zh, en)


def groups_reading(groups: pd.DataFrame, year: int | None) -> Prose:
    """Section 3: Article 64's accounts in one year, in words."""
    rows = groups[groups["year"].eq(year)].set_index("accounting_group")
    if rows.empty:
        return _no_year(year, list(groups["year"]), ("基金数字", "fund figures"), "FUND_YEAR")
    zh, en = [], []
    if "medical_maternity" in rows.index:
        mm = rows.loc["medical_maternity"]
        share = f"，占各账户收入合计的 {_pct(mm['share_revenue_pct'])}" if pd.notna(mm["share_revenue_pct"]) else ""
        share_en = f", {_pct(mm['share_revenue_pct'])} of the accounts' revenue" if share else ""
        revenue = yi_text(mm["revenue"]) if pd.notna(mm["revenue"]) else "—"
        zh.append(f"{year} 年医疗与生育合并账户收入 {revenue} 亿元{share}")
        en.append(f"In {year} the medical-and-maternity account took in {revenue} 亿元{share_en}")
        if mm["maternity_in_medical"]:
            zh.append("；生育保险已含在医疗保险的数字中，这个账户就是医疗保险的数字。")
            en[-1] += "; maternity is inside the medical figure, so the account is the medical figure."
        elif mm["complete"]:
            zh.append("，为两项基金之和。")
            en[-1] += ", the sum of its two funds."
        else:
            zh.append(f"；缺少{_zh_list([ZH[c] for c in mm['funds_missing'].split('+')])}，账户不完整，图中已注明。")
            en[-1] += f"; it lacks {_en_list([EN[c] for c in mm['funds_missing'].split('+')])}, as the chart says."
    if year < MATERNITY_IN_MEDICAL_FROM:
        zh.append(
            f"{year} 年生育保险在实践中仍是单独的基金；合并建账来自 2018 年修正的第六十四条，这里按现行法律的账户归并。"
        )
        en.append(
            f"In {year} maternity was still a separate fund in practice; the one account comes with the 2018 "
            "amendment of Article 64, so this view files the money as today's law keeps it."
        )
    lacking = rows[~rows["complete"] & (rows.index != "medical_maternity")]
    if len(lacking):
        zh.append(f"没有数字的账户：{_zh_list(list(lacking['name_zh']))}。")
        en.append(f"Accounts without a figure: {_en_list(list(lacking['name_en']))}.")
    return _reading(zh, en)


def series_reading(breakdown: pd.DataFrame, series: pd.DataFrame) -> Prose:
    """Section 4: which fund has figures in which years, and what the lines are."""
    if breakdown.empty:
        return _reading(["台账中没有基金数字。"], ["This ledger holds no fund figures."])
    y0, y1 = int(breakdown["year"].min()), int(breakdown["year"].max())
    totals = year_totals(breakdown)
    complete = list(totals.loc[totals["all_five"], "year"])
    merged = maternity_in_medical(breakdown)
    zh = [f"台账覆盖 {y0}–{y1} 年；五项基金齐全的年份：{_spans(complete) if complete else '没有'}。"]
    en = [f"The ledger covers {y0}–{y1}; years with all five funds: {_spans(complete) if complete else 'none'}."]
    for code in FUND_CODES:
        years = list(breakdown.loc[breakdown["fund"].eq(code), "year"])
        inside = list(merged.index[merged]) if code == "maternity" else []
        gaps = [y for y in range(y0, y1 + 1) if y not in years and y not in inside]
        schemes = pd.unique(series.loc[series["fund"].eq(code), "scheme"])
        lines = [s for s in schemes if SCHEME_CHARTED.get(s, True)]
        missing = (f"缺 {_spans(gaps)}", f"none {_spans(gaps)}") if gaps else ("不缺年份", "no year missing")
        zh.append(f"\n- {ZH[code]}：有数字 {_spans(years)}；{missing[0]}")
        en.append(f"\n- {EN[code].capitalize()}: figures {_spans(years)}; {missing[1]}")
        if inside:
            zh.append(f"；{_spans(inside)} 含在医疗保险中")
            en[-1] += f"; inside medical {_spans(inside)}"
        if len(lines) > 1:
            zh.append(
                f"；{len(lines)} 条线，每个制度一条（{_zh_list([SCHEME_ZH.get(s, s) for s in lines])}），从不相加或相连"
            )
            en[-1] += f"; {len(lines)} lines, one per scheme ({_en_list([SCHEME_EN.get(s, s) for s in lines])})"
        if len(schemes) > len(lines):
            zh.append(f"；另有 {len(schemes) - len(lines)} 个细分项只列在表中")
            en[-1] += f"; {len(schemes) - len(lines)} finer parts in the tables only"
        zh.append("。")
        en[-1] += "."
    events = ACCOUNTING_EVENTS[ACCOUNTING_EVENTS["year"].between(y0, y1)]
    if len(events):
        zh.append("\n\n图中虚线：" + "；".join(f"{e.year} 年{e.event_zh}" for e in events.itertuples()) + "。")
        en.append("\n\nDashed lines: " + "; ".join(f"{e.year}, {e.event_en}" for e in events.itertuples()) + ".")
    return _reading(zh, en)


def precedence_rule() -> tuple[str, str]:
    """The precedence rule in words, from the table the code applies."""
    ranked = RELEASES[RELEASES["code"].ne("")].groupby("rank", sort=True)
    zh = " > ".join("/".join(dict.fromkeys(g["name_zh"])) for _, g in ranked)
    en = " > ".join(" / ".join(dict.fromkeys(g["name_en"])) for _, g in ranked)
    return zh + "；同一发布中，官方原表 > 二手转载", en + "; within one release an official copy > a secondary one"


def disagreements_reading(table: pd.DataFrame, source: str | Path | None) -> Prose:
    """Section 5: how many releases disagree, the largest difference, and the rule that settles them."""
    rule = precedence_rule()
    zh = [f"规则（代码按此取舍）：{rule[0]}。"]
    en = [f"The rule (applied in code): {rule[1]}."]
    if source is not None:
        zh.append("您的台账每个（年份、省份、基金、制度）只有一行，没有需要取舍的发布。")
        en.append("Your ledger has one row per year, province, fund and scheme: no release had to be set aside.")
    elif table.empty:
        zh.append("各发布之间没有分歧。")
        en.append("No releases disagree.")
    else:
        gaps = pd.concat(
            [(table[f"set_aside_{m}"] / table[f"kept_{m}"] * 100 - 100).abs() for m in ("revenue", "expenditure")],
            axis=1,
        ).max(axis=1)
        top = table.loc[gaps.idxmax()]
        zh.append(
            f"共 {len(table)} 处分歧，涉及 {table['year'].nunique()} 个年份；收入或支出相差最大的是 {top['year']} 年"
            f"{ZH.get(top['fund'], '各项基金合计')}（{_schemes(top['scheme'])[0]}），相差 {_pct(gaps.max())}。"
        )
        en.append(
            f"{len(table)} disagreements in {table['year'].nunique()} years; the largest in revenue or expenditure "
            f"is {top['year']} {EN.get(top['fund'], 'all funds')} ({_schemes(top['scheme'])[1]}), "
            f"{_pct(gaps.max())} apart."
        )
        zh.append("未采用的数字仍保留在参考表中，可按行号查到。")
        en.append("The figures set aside stay in the reference table, traceable by their row.")
    return _reading(zh, en)


def provinces_reading(ledger: pd.DataFrame, year: int | None) -> Prose:
    """Section 6: the provinces of one year, in words."""
    held = sorted(set(ledger.loc[ledger["province"].ne(""), "year"]))
    coverage = province_coverage(ledger, year).set_index("fund")
    drawn = coverage[coverage["n_provinces"].gt(0)]
    if drawn.empty:
        return _no_year(year, held, ("分省数字", "provincial figures"), "PROVINCE_YEAR")
    names = list(pd.unique(ledger.loc[ledger["year"].eq(year) & ledger["province"].ne(""), "province"]))
    listed = (f"（{_zh_list(names)}）", f" ({_en_list(names)})") if len(names) <= 6 else ("", "")
    zh = [f"{year} 年有 {len(names)} 个省份的数字{listed[0]}，涉及{_zh_list([ZH[c] for c in drawn.index])}"]
    funds_en = _en_list([EN[c] for c in drawn.index])
    en = [f"In {year} the ledger has {len(names)} province(s){listed[1]} for {funds_en}"]
    none = [c for c in coverage.index if c not in drawn.index]
    if none:
        zh.append(f"；{_zh_list([ZH[c] for c in none])}没有分省数字")
        en[-1] += f"; no provincial figures for {_en_list([EN[c] for c in none])}"
    zh.append("。")
    en[-1] += "."
    for code, row in drawn.iterrows():
        if row["missing_provinces"]:
            zh.append(f"{ZH[code]}缺 {row['missing_provinces']}。")
            en.append(f"{EN[code].capitalize()} lacks {row['missing_provinces']}.")
        if row["comparable"]:
            part = row["provinces_revenue"] / row["national_revenue"] * 100
            zh.append(
                f"{ZH[code]}各省合计收入 {yi_text(row['provinces_revenue'])} 亿元，"
                f"为全国 {yi_text(row['national_revenue'])} 的 {_pct(part)}，差额不分配给任何省份。"
            )
            en.append(
                f"{EN[code].capitalize()}: the provinces add up to {yi_text(row['provinces_revenue'])} against the "
                f"national {yi_text(row['national_revenue'])} ({_pct(part)}); the difference is left unassigned."
            )
        elif pd.notna(row["national_revenue"]):
            zh.append(f"{ZH[code]}的分省数字与全国数字口径不同，不作比较。")
            en.append(
                f"{EN[code].capitalize()}: the provincial figures cover other schemes than the national one, so "
                "they are not compared."
            )
    others = [y for y in held if y != year]
    if others:
        zh.append(f"其他有分省数字的年份：{_spans(others)}（参数 `PROVINCE_YEAR`）。")
        en.append(f"Other years with provincial rows: {_spans(others)} (parameter `PROVINCE_YEAR`).")
    return _reading(zh, en)


def summary_reading(ledger: pd.DataFrame, breakdown: pd.DataFrame, years: Years, disagreements: pd.DataFrame) -> Prose:
    """The summary: the few figures that matter, from the ledger in use."""
    totals = year_totals(breakdown).set_index("year")
    zh, en = [], []
    if years.fund in totals.index:
        row = totals.loc[years.fund]
        funds = breakdown[breakdown["year"].eq(years.fund)].set_index("fund")
        counted = "五项基金" if row["all_five"] else f"{row['n_funds']} 项基金"
        counted_en = "the five funds" if row["all_five"] else f"the {row['n_funds']} funds in the ledger"
        revenue = yi_text(row["revenue"]) if pd.notna(row["revenue"]) else "—（有基金缺收入数字）"
        expenditure = yi_text(row["expenditure"]) if pd.notna(row["expenditure"]) else "—"
        zh.append(f"{years.fund} 年{counted}收入合计 {revenue} 亿元，支出合计 {expenditure} 亿元")
        en.append(f"In {years.fund} {counted_en} took in {revenue.split('（')[0]} 亿元 and paid out {expenditure}")
        shares = funds["share_revenue_pct"].dropna()
        if len(shares) > 1:
            big = shares.idxmax()
            zh.append(f"，{ZH[big]}占收入的 {_pct(shares[big])}")
            en[-1] += f", {EN[big]} being {_pct(shares[big])} of revenue"
        zh.append("。")
        en[-1] += "."
    complete = list(totals.index[totals["all_five"]])
    zh.append(f"台账中五项基金齐全的年份：{_spans(complete) if complete else '没有'}。")
    en.append(f"Years with all five funds: {_spans(complete) if complete else 'none'}.")
    n = ledger.loc[ledger["year"].eq(years.province) & ledger["province"].ne(""), "province"].nunique()
    if n:
        zh.append(f"分省数字：{years.province} 年 {n} 个省份。")
        en.append(f"Provincial figures: {n} province(s) in {years.province}.")
    elif years.province is not None and ledger["province"].ne("").any():
        zh.append(f"台账中没有 {years.province} 年的分省数字。")
        en.append(f"No provincial figures for {years.province} in the ledger.")
    else:
        zh.append("台账中没有分省数字。")
        en.append("No provincial figures in the ledger.")
    if len(disagreements):
        zh.append(f"{len(disagreements)} 处发布之间的分歧已按规则取舍（第 5 节）。")
        en.append(f"{len(disagreements)} disagreements between releases were settled by the rule (section 5).")
    return Prose("".join(zh) + "\n\n" + " ".join(en))
