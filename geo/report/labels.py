"""Words of the planner report in Chinese and English: sheet and table titles, column
headers, the few text values (day/night, walk/radius …) and notes.

Keys missing here are shown as they are (an id, a district name).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from geo.names import Lang, kind_label
from geo.types import Kind

__all__ = ["COORD_COLUMNS", "SHARE_COLUMNS", "TEXT", "VALUE_COLUMNS", "localized_frame", "text"]

TEXT: dict[str, tuple[str, str]] = {
    # title, sheets and tables
    "report_title": ("Rest stations for outdoor workers: planner report", "户外劳动者驿站规划报告"),
    "region": ("Region", "区域"),
    "as_of": ("As of", "截至"),
    "map": ("Map", "地图"),
    "map_caption": (
        "Coverage by day on foot: covered not at all, once, twice or more; gaps; stations",
        "白天步行覆盖：未覆盖、覆盖一次、两次及以上；空白区；驿站",
    ),
    "kpi": ("KPI", "关键指标"),
    "gaps": ("Gaps", "空白区"),
    "impact": ("Station impact", "驿站作用"),
    "sites": ("Suggested sites", "建议选址"),
    "fairness": ("Fairness", "公平性"),
    "responses": ("Response times", "响应时间"),
    "stations_by_kind": ("Stations by kind", "各类驿站数量"),
    "coverage": ("Coverage shares by standard, day and night", "各标准覆盖率（白天与夜间）"),
    "coverage_districts": ("Coverage shares per district", "各街道/辖区覆盖率"),
    "sites_summary": ("What the suggested sites achieve", "建议选址的效果"),
    "responses_overall": ("All reports and proposals", "全部报告与建议"),
    "responses_district": ("Per district", "按辖区"),
    "responses_planner": ("Per planner key", "按规划人员"),
    # notes
    "no_demand": ("no demand data: nothing to share", "无需求数据，无法计算"),
    "no_districts": ("the region declares no districts", "该区域未声明辖区"),
    "no_gaps": ("no gaps: every hexagon is covered", "无空白区：全部覆盖"),
    "no_sites": ("no candidate adds coverage", "没有能增加覆盖的候选点"),
    "no_items": ("no reports or proposals yet", "暂无报告或建议"),
    "responses_scope": (
        "every report and proposal in the store, to the report's time",
        "数据库中截至报告时间的全部报告与建议",
    ),
    "fairness_basis": (
        "walking minutes to the nearest open station, weighted by demand; Gini and Palma "
        "of E2SFCA accessibility",
        "按需求加权的步行至最近开放驿站的分钟数；基尼系数与帕尔马比率基于E2SFCA可达性",
    ),
    # columns
    "kind": ("Kind", "类型"),
    "stations": ("Stations", "驿站数"),
    "open_day": ("Open by day", "白天开放"),
    "open_night": ("Open at night", "夜间开放"),
    "time": ("Time", "时段"),
    "at": ("Counted at", "统计时刻"),
    "standard": ("Standard", "标准"),
    "limit_m": ("Within, m", "范围（米）"),
    "measure": ("Share of", "统计对象"),
    "none": ("Not covered", "未覆盖"),
    "once": ("Covered once", "覆盖一次"),
    "multiple": ("Twice or more", "两次及以上"),
    "covered": ("Covered", "已覆盖"),
    "note": ("Note", "说明"),
    "district": ("District", "辖区"),
    "scope": ("Area", "范围"),
    "area": ("area (hexagons)", "面积（六边形）"),
    "demand": ("Demand", "需求（权重）"),
    "median_min": ("Median, min", "中位数（分钟）"),
    "p90_min": ("90th pct, min", "90分位（分钟）"),
    "p95_min": ("95th pct, min", "95分位（分钟）"),
    "worst5_mean_min": ("Worst 5 %, mean min", "最差5%平均（分钟）"),
    "unreachable_share": ("Unreachable", "不可达比例"),
    "gini": ("Gini", "基尼系数"),
    "palma": ("Palma", "帕尔马比率"),
    "group": ("Group", "组"),
    "planner": ("Planner key", "规划人员"),
    "items": ("Items", "条数"),
    "replied": ("Replied", "已回复"),
    "resolved": ("Resolved", "已办结"),
    "reply_median_days": ("Reply, median days", "首次回复中位数（天）"),
    "reply_p90_days": ("Reply, 90th pct days", "首次回复90分位（天）"),
    "resolution_median_days": ("Resolution, median days", "办结中位数（天）"),
    "resolution_p90_days": ("Resolution, 90th pct days", "办结90分位（天）"),
    "open_past_limit": ("Open past the limit", "超期未办结"),
    "rank": ("Rank", "排名"),
    "cells": ("Hexagons", "六边形数"),
    "area_m2": ("Area, m²", "面积（平方米）"),
    "diameter_m": ("Across, m", "跨度（米）"),
    "centre_lon": ("Centre lon", "中心经度"),
    "centre_lat": ("Centre lat", "中心纬度"),
    "centre_of": ("Centre of", "中心依据"),
    "nearest_id": ("Nearest station", "最近驿站"),
    "nearest_walk_m": ("Walk to it, m", "步行距离（米）"),
    "nearest_walk_s": ("Walk to it, s", "步行时间（秒）"),
    "site_kind": ("Best site kind", "最佳点类型"),
    "site_id": ("Best site", "最佳点"),
    "site_name": ("Best site name", "最佳点名称"),
    "site_lon": ("Site lon", "最佳点经度"),
    "site_lat": ("Site lat", "最佳点纬度"),
    "site_gain": ("Site adds (demand)", "最佳点新增覆盖需求"),
    "station_id": ("Station", "驿站"),
    "lon": ("Longitude", "经度"),
    "lat": ("Latitude", "纬度"),
    "catchment_street_m": ("Catchment streets, m", "服务范围街道（米）"),
    "catchment_area_m2": ("Catchment area, m²", "服务范围面积（平方米）"),
    "catchment_demand": ("Catchment demand", "服务范围需求"),
    "only_street_m": ("Streets only it covers, m", "仅其覆盖街道（米）"),
    "only_area_m2": ("Area only it covers, m²", "仅其覆盖面积（平方米）"),
    "only_demand": ("Demand only it covers", "仅其覆盖需求"),
    "loss_street_share": ("Streets lost if closed", "关闭损失街道比例"),
    "loss_area_share": ("Area lost if closed", "关闭损失面积比例"),
    "loss_demand_share": ("Demand lost if closed", "关闭损失需求比例"),
    "loses_nothing": ("Closing loses nothing", "关闭无损失"),
    "order": ("Order", "顺序"),
    "id": ("Id", "编号"),
    "name": ("Name", "名称"),
    "gain": ("Adds (demand)", "新增覆盖需求"),
    "source": ("Source", "来源"),
    "candidates": ("Candidates", "候选点数"),
    "method": ("Method", "方法"),
    "solver": ("Solver", "求解器"),
    "optimal": ("Proven optimal", "已证明最优"),
    "share_before": ("Demand covered before", "原覆盖需求比例"),
    "share_after": ("Demand covered after", "新增后覆盖需求比例"),
    "total": ("Total", "合计"),
    # values
    "day": ("day", "白天"),
    "night": ("night", "夜间"),
    "walk": ("on foot", "步行"),
    "radius": ("straight line", "直线"),
    "streets": ("streets (length)", "街道（长度）"),
    "*": ("all", "全部"),
    "no_district": ("(no district)", "（无辖区）"),
    "nobody_yet": ("(not answered yet)", "（尚未答复）"),
}
"""Key → (English, Chinese)."""

VALUE_COLUMNS = frozenset(
    {"time", "standard", "measure", "note", "scope", "group", "district", "planner"}
)
"""Columns whose text cells are label keys too (``kind`` cells are station kinds)."""

SHARE_COLUMNS = frozenset(
    {"none", "once", "multiple", "covered", "unreachable_share", "share_before", "share_after",
     "loss_street_share", "loss_area_share", "loss_demand_share"}
)  # fmt: skip
"""Columns holding shares (0..1), shown as percentages."""

COORD_COLUMNS = frozenset({"lon", "lat", "centre_lon", "centre_lat", "site_lon", "site_lat"})
"""Columns holding WGS-84 degrees, shown with 6 decimals (about 0.1 m)."""


def text(key: str, lang: Lang) -> str:
    """The words for ``key`` in ``lang`` (``key`` itself when unknown).

    Examples
    --------
    >>> text("gaps", "zh"), text("gaps", "en"), text("福田区", "en")
    ('空白区', 'Gaps', '福田区')
    """
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def _cell(column: str, value: Any, lang: Lang) -> Any:
    if column == "kind" and isinstance(value, str):
        return text("total", lang) if value == "total" else kind_label(Kind(value), lang)
    if column in VALUE_COLUMNS and isinstance(value, str):
        return text(value, lang)
    return value


def localized_frame(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The frame with headers and text values in ``lang`` (numbers untouched)."""
    out = frame.copy()
    for col in out.columns:
        if col == "kind" or col in VALUE_COLUMNS:
            out[col] = [_cell(str(col), v, lang) for v in out[col].tolist()]
    return out.rename(columns={c: text(str(c), lang) for c in out.columns})
