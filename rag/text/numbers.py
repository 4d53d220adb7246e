"""How papers write quantities: the multipliers before a unit, and the units counts come in;
and how a question asks for the amount of something."""

from __future__ import annotations

import re

MULTIPLIERS = "万亿千百"
# Measure words and units a count or amount is given in.
UNITS = frozenset(
    """
    人 个 名 位 项 次 场 年 月 天 座 家 种 倍 元 吨 条 台 户 所 辆 艘 篇 届 美元 公斤 千克 公里 千米
    米 亩 公顷 平方公里 平方米 立方米 兆瓦 千瓦 吉瓦 瓦 太瓦时 千瓦时 度 小时 百分点
    """.split()
)

# English units a question may ask in, as the papers write them.
ENGLISH_UNITS = {
    "people": "人",
    "persons": "人",
    "hectares": "公顷",
    "kilometres": "公里",
    "kilometers": "公里",
    "km": "公里",
    "megawatts": "兆瓦",
    "mw": "兆瓦",
    "gigawatts": "吉瓦",
    "gw": "吉瓦",
    "tonnes": "吨",
    "tons": "吨",
    "dollars": "美元",
    "usd": "美元",
    "yuan": "元",
    "gwh": "吉瓦时",
    "twh": "太瓦时",
    "kwh": "千瓦时",
    "projects": "个",
    "countries": "个",
}
# A rate, share or proportion is answered by a percentage.
PERCENT = "%"

# The units that answer a question asking for an amount of money, a number of people, an area…,
# by the noun it asks about ("总投资是多少": 亿元, 美元, 卢布 all answer; "500MW" does not).
MEASURES = {
    "元": (
        "投资 资金 金额 融资 损失 成本 援助 贷款 费用 投入 出资 赠款 造价",
        "元 美元 欧元 卢布 坚戈 索姆 日元",
    ),
    "人": ("人数 人口 死亡 伤亡 遇难 就业 受灾", "人 名 位"),
    "公顷": ("面积", "公顷 平方公里 平方米 亩 万亩"),
    "公里": ("长度 全长 距离 里程", "公里 千米 米"),
    "兆瓦": ("装机 容量 功率", "兆瓦 千瓦 吉瓦 瓦"),
    "吨": ("排放 减排 碳汇 产量", "吨 千克 公斤"),
}


def measured_unit(text: str) -> str:
    """The unit family an amount is asked in, from the noun it asks about; empty if none."""
    return next((unit for unit, (nouns, _) in MEASURES.items() if any(n in text for n in nouns.split())), "")


def units_of(unit: str) -> tuple[str, ...]:
    """The units that answer in ``unit``: its family ("元": 美元, 卢布 …), or the unit itself."""
    family = MEASURES.get(unit)
    return tuple(family[1].split()) if family else (unit,)


# "全长是多少", "票面利率是多少", "碳价是每吨多少元": what a how-much question measures.
_HOW_MUCH = r"(?:的)?(?:是|为|有|约|达)?(?:每[^\s，。？?]{1,2})?(?:多少|多大|多长|多高|多远|几)"


def asks_amount_of(question: str, term: str) -> bool:
    """Whether ``question`` asks how much of ``term``: a corpus that never names the measure
    (全长, 票面利率) cannot answer with any of its figures."""
    return bool(re.search(re.escape(term) + _HOW_MUCH, question))
