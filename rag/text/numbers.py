"""How papers write quantities: the multipliers before a unit, and the units counts come in."""

from __future__ import annotations

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
