"""Coverage hour by hour over a week, counting the stations open at each hour."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from geo.coverage.labels import StationSet
from geo.coverage.report import CoverageReport, coverage_report
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, StreetNetwork

__all__ = ["weekly_profile"]


def weekly_profile(
    net: StreetNetwork,
    stations: StationSet,
    opening_hours: Sequence[str],
    *,
    week_start: date,
    tz: str,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    demand: pd.DataFrame | None = None,
    resolution: int = 10,
) -> pd.DataFrame:
    """Coverage for each hour of a week, counting only the stations open then.

    Parameters
    ----------
    opening_hours
        One OSM ``opening_hours`` expression per station (empty: never counted open).
    week_start
        The Monday (or any day) the 168 hours start from, at 00:30 local time
        (the middle of each hour).
    tz
        Time zone of the opening hours.

    Returns
    -------
    pandas.DataFrame
        One row per hour: ``time`` (local), ``weekday``, ``hour``,
        ``open_stations`` and the ``street_``/``area_``/``demand_`` shares
        ``none``/``once``/``multiple``. Hours with the same open set are
        computed once.
    """
    from geo.hours import open_matrix

    if len(opening_hours) != stations.ids.size:
        raise InvalidInputError(
            f"{len(opening_hours)} opening_hours for {stations.ids.size} stations"
        )
    start = datetime.combine(week_start, time(0, 30))
    times = [start + timedelta(hours=h) for h in range(168)]
    is_open = open_matrix(list(opening_hours), times, tz=tz)
    done: dict[bytes, CoverageReport] = {}
    rows = []
    for h, when in enumerate(times):
        active = is_open[:, h]
        key = np.packbits(active).tobytes()
        if key not in done:
            done[key] = coverage_report(
                net,
                stations,
                standard=standard,
                minutes=minutes,
                radius_m=radius_m,
                walk_speed_kmh=walk_speed_kmh,
                demand=demand,
                resolution=resolution,
                active=active,
            )
        r = done[key]
        row: dict[str, Any] = {
            "time": when,
            "weekday": when.strftime("%a"),
            "hour": when.hour,
            "open_stations": int(active.sum()),
        }
        for part in ("street", "area", "demand"):
            for k, v in getattr(r, f"{part}_share").to_dict().items():
                row[f"{part}_{k}"] = v
        rows.append(row)
    return pd.DataFrame(rows)
