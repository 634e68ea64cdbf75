"""Labels of the map pages in Chinese and English.

Kind and amenity names come from :mod:`geo.types` (each holds an English and a
Chinese label); everything else a page shows is in :data:`TEXT`.
"""

from __future__ import annotations

from typing import Literal

from geo.types import AMENITIES, KIND_LABELS, Kind

__all__ = ["LANGS", "TEXT", "Lang", "amenity_label", "kind_label", "parse_lang", "text"]

Lang = Literal["zh", "en"]
"""Languages of the map pages."""

LANGS: tuple[Lang, ...] = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    # key: (English, Chinese)
    "stations": ("Stations", "站点"),
    "stations_title": ("Rest stations for outdoor workers", "户外劳动者服务站点"),
    "legend": ("Station kinds", "站点类型"),
    "address": ("Address", "地址"),
    "amenities": ("Amenities", "服务设施"),
    "hours": ("Opening hours", "开放时间"),
    "hours_unknown": ("unknown", "未知"),
    "open_now": ("Open now", "正在开放"),
    "closed_now": ("Closed now", "当前关闭"),
    "phone": ("Phone", "电话"),
    "capacity": ("Capacity", "容量"),
    "access": ("Accessibility (capacity per person)", "可达性（人均容量）"),
    "access_title": ("Capacity within reach", "可达服务容量"),
    "access_score": ("Capacity per person", "人均容量"),
    "access_none": ("No capacity in reach", "范围内无容量"),
    "access_below": ("Below threshold", "低于阈值"),
    "status": ("Status", "状态"),
    "base_map": ("Base map", "底图"),
    "streets": ("Streets", "街道"),
    "locate_me": ("Locate me", "定位我"),
    "locating": ("Finding your position…", "正在定位…"),
    "you_are_here": ("You are here", "您的位置"),
    "nearest": ("Nearest stations", "最近的站点"),
    "no_station": ("No station found nearby.", "附近没有找到站点。"),
    "geo_denied": ("Your position is not available.", "无法获取您的位置。"),
    "api_error": ("The station service did not answer.", "站点服务暂无响应。"),
    "walk_min": ("min walk", "分钟步行"),
    "coverage_title": ("Station coverage", "站点覆盖"),
    "circles": ("1 km service circles", "1公里服务半径"),
    "walk_areas": ("15-minute walking areas", "15分钟步行范围"),
    "reach_areas": ("{m:g}-minute reach {mode}", "{mode}{m:g}分钟可达范围"),
    "walk_areas_in": ("{m:g}-minute walking areas", "{m:g}分钟步行范围"),
    "cells": ("Coverage cells", "覆盖网格"),
    "not_covered": ("Not covered", "未覆盖"),
    "covered_once": ("Covered once", "单次覆盖"),
    "covered_twice": ("Covered twice or more", "交叉覆盖（两次及以上）"),
    "gaps": ("Coverage gaps", "覆盖缺口"),
    "gap": ("Gap", "缺口"),
    "rank": ("Rank", "排名"),
    "demand": ("Demand", "需求"),
    "area": ("Area", "面积"),
    "heat": ("Worker demand", "劳动者需求热力"),
    "demand_cells": ("Worker demand per hexagon", "劳动者需求（按六边形）"),
    "demand_scale": ("Worker demand per hexagon (quantiles)", "劳动者需求（六边形，分位数）"),
    "figures": ("Coverage figures", "覆盖统计"),
    "show_kinds": ("Show kinds", "显示类型"),
    "street_share": ("Streets", "街道"),
    "area_share": ("Area", "面积"),
    "demand_share": ("Demand", "需求"),
    "by_district": ("By district", "按区县"),
    "district": ("District", "区县"),
    "straight_line": ("straight line", "直线距离"),
    "min_on_foot": ("min on foot", "分钟步行"),
    "at_time": ("stations open at", "站点开放时间"),
    "any_time": ("every open station, whatever the hour", "所有开放站点（不计开放时间）"),
    "suggest_title": ("Suggested new stations", "新站点选址建议"),
    "candidates": ("Candidate sites", "候选站点"),
    "chosen": ("Chosen sites", "选中站点"),
    "candidate": ("Candidate", "候选点"),
    "order": ("Order", "顺序"),
    "gain": ("Marginal gain", "边际增益"),
    "existing": ("Existing stations", "现有站点"),
    "proposals": ("Proposed sites", "建站建议"),
    "proposers": ("Proposers", "建议人数"),
    "impact": ("Station impact (loss if closed)", "站点贡献（关闭后的损失）"),
    "only_it": ("Demand only it covers", "仅由该站覆盖的需求"),
    "loss_demand": ("Demand share lost if closed", "关闭后失去的需求覆盖比例"),
    "loss_streets": ("Street share lost if closed", "关闭后失去的街道覆盖比例"),
    "loses_nothing": ("Closing it loses no coverage", "关闭不会损失覆盖"),
    "loses_coverage": ("Closing it loses coverage", "关闭会损失覆盖"),
    "walk_to_nearest": ("Walk to nearest station", "步行至最近站点"),
    "best_site": ("Best site inside", "缺口内最佳站址"),
    "site_gain": ("It alone would newly cover", "单独新增覆盖需求"),
    "across": ("Across", "跨度"),
    "note": ("Note", "说明"),
    "report_problem": ("Report a problem", "报告问题"),
    "report_kind": ("What is wrong?", "什么问题？"),
    "report_text": ("Details (optional)", "补充说明（可选）"),
    "report_here": ("The station is where I stand now", "站点就在我现在的位置"),
    "report_send": ("Send", "提交"),
    "navigate": ("Navigate", "导航"),
    "app_amap": ("Amap", "高德"),
    "app_baidu": ("Baidu", "百度"),
    "app_tencent": ("Tencent", "腾讯"),
    "closes_at": ("closes", "关门"),
    "opens_at": ("opens", "开门"),
    "report_choose": ("Choose what is wrong…", "请选择问题类型…"),
    "report_choose_first": (
        "Choose what is wrong first: closed for good, wrong location, wrong opening hours, "
        "an amenity missing or broken, full, or visited and all fine.",
        "请先选择问题类型：已永久关闭、位置不对、开放时间不对、设施缺失或损坏、已满，或已到访一切正常。",
    ),
    "report_hours_example": ("Mo-Fr 08:00-20:00", "周一至周五 8:00-20:00"),
    "report_thanks": ("Thank you: a planner will check it.", "谢谢！工作人员会尽快核实。"),
    "rk_closed": ("Closed for good", "已永久关闭"),
    "rk_wrong_location": ("Wrong location", "位置不对"),
    "rk_wrong_hours": ("Wrong opening hours", "开放时间不对"),
    "rk_amenity_missing": ("An amenity is missing or broken", "设施缺失或损坏"),
    "rk_full": ("Full", "已满"),
    "rk_confirmed": ("Visited: all fine", "已到访，一切正常"),
}
"""Page labels: key → (English, Chinese)."""


def parse_lang(lang: str) -> Lang:
    """Return ``lang`` as a :data:`Lang`, or raise ``ValueError`` listing the valid ones.

    Examples
    --------
    >>> parse_lang("en")
    'en'
    """
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not supported; use one of {', '.join(LANGS)}")
    return lang  # type: ignore[return-value]


def text(key: str, lang: Lang) -> str:
    """The label ``key`` in ``lang``.

    Examples
    --------
    >>> text("open_now", "zh")
    '正在开放'
    """
    en, zh = TEXT[key]
    return zh if lang == "zh" else en


def kind_label(kind: Kind | str, lang: Lang) -> str:
    """The name of a station kind in ``lang``.

    Examples
    --------
    >>> kind_label("driver_home", "zh")
    '司机之家'
    """
    en, zh = KIND_LABELS[Kind(kind)]
    return zh if lang == "zh" else en


def amenity_label(code: str, lang: Lang) -> str:
    """The name of an amenity code in ``lang``; unknown codes are returned as they are.

    Examples
    --------
    >>> amenity_label("water", "en")
    'Drinking water'
    """
    if code not in AMENITIES:
        return code
    en, zh = AMENITIES[code]
    return zh if lang == "zh" else en
