"""The data model: station kinds, statuses, the amenity vocabulary and result types.

All result types are frozen dataclasses; the web layer converts them to its own
schemas at its edge.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "AMENITIES",
    "KIND_LABELS",
    "STATION_FIELDS",
    "CoordSystem",
    "Kind",
    "NearestHits",
    "Station",
    "StationHit",
    "Status",
]

CoordSystem = Literal["wgs84", "gcj02", "bd09"]
"""Coordinate systems accepted wherever a coordinate enters or leaves."""


class Kind(enum.StrEnum):
    """Kinds of station, from the source reports (see ``docs`` in the README)."""

    WORKER_STATION = "worker_station"  # 工会驿站 / 户外劳动者服务站点
    SMART_STATION = "smart_station"  # 智能驿站, 24-hour self-service door
    DRIVER_HOME = "driver_home"  # 司机之家
    RIDER_STATION = "rider_station"  # 骑士驿站 / 爱心驿站
    SAFETY_STATION = "safety_station"  # 群众安康工作服务站
    WORKERS_HOME = "workers_home"  # 职工之家


KIND_LABELS: dict[Kind, tuple[str, str]] = {
    Kind.WORKER_STATION: ("Worker station", "工会驿站"),
    Kind.SMART_STATION: ("Smart station", "智能驿站"),
    Kind.DRIVER_HOME: ("Driver home", "司机之家"),
    Kind.RIDER_STATION: ("Rider station", "骑士驿站"),
    Kind.SAFETY_STATION: ("Safety service station", "群众安康工作服务站"),
    Kind.WORKERS_HOME: ("Workers' home", "职工之家"),
}
"""English and Chinese label of each kind, for maps and exports."""


class Status(enum.StrEnum):
    """Life-cycle status of a station; only ``open`` stations serve workers."""

    OPEN = "open"
    PLANNED = "planned"
    CLOSED = "closed"


AMENITIES: dict[str, tuple[str, str]] = {
    "water": ("Drinking water", "饮用水"),
    "hot_water": ("Hot water", "热水"),
    "microwave": ("Microwave", "微波炉"),
    "fridge": ("Fridge", "冰箱"),
    "charging": ("Phone and battery charging", "充电"),
    "toilet": ("Toilet", "卫生间"),
    "air_conditioning": ("Air conditioning", "空调"),
    "heating": ("Heating", "取暖"),
    "first_aid": ("First-aid kit", "急救箱"),
    "blood_pressure": ("Blood-pressure check", "血压测量"),
    "rest_area": ("Seats and rest area", "休息区"),
    "wifi": ("Wi-Fi", "无线网络"),
    "printer": ("Shared printer", "共享打印"),
    "reading_room": ("Reading room", "阅览室"),
    "parking": ("Parking", "停车"),
    "truck_parking": ("Truck parking", "货车停车"),
    "shower": ("Shower", "淋浴"),
    "laundry": ("Laundry", "洗衣"),
    "meals": ("Meals", "餐食"),
    "lodging": ("Lodging", "住宿"),
    "sanitary_products": ("Sanitary products", "卫生用品"),
    "childcare": ("Childcare", "托管"),
}
"""The amenity vocabulary: code → (English label, Chinese label)."""


@dataclass(frozen=True, slots=True)
class Station:
    """One rest station. Coordinates are WGS-84 degrees.

    Parameters
    ----------
    id
        Stable identifier, unique in a registry.
    name
        Display name.
    kind
        One of :class:`Kind`.
    lon, lat
        WGS-84 longitude and latitude in degrees.
    address, district, operator, phone
        Free text; empty when unknown.
    amenities
        Codes from :data:`AMENITIES`, sorted, without duplicates.
    opening_hours
        OpenStreetMap ``opening_hours`` expression; empty when unknown.
    status
        One of :class:`Status`.
    source
        Where the record comes from (a file name, ``osm``, ``demo`` …).
    updated_at
        ISO 8601 UTC time of the last write.
    last_verified
        ISO 8601 UTC time of the last planner check or rider confirmation
        (an accepted report or a "visited and all fine"); empty when never.
    capacity
        How many people the station takes (seats, or people per hour: one
        unit per registry); ``None`` when unknown. Capacity-aware measures
        (:mod:`geo.access`, capacitated siting) use it where it is known.
    opening_hours_text
        The hours as they were written (``周一至周五 8:00-18:00``) when that
        differs from ``opening_hours``, kept for display; empty otherwise.
    """

    id: str
    name: str
    kind: Kind
    lon: float
    lat: float
    address: str = ""
    district: str = ""
    operator: str = ""
    phone: str = ""
    amenities: tuple[str, ...] = ()
    opening_hours: str = ""
    status: Status = Status.OPEN
    source: str = ""
    updated_at: str = ""
    last_verified: str = ""
    capacity: float | None = None
    opening_hours_text: str = ""

    def replace(self, **changes: object) -> Station:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def to_record(self) -> dict[str, object]:
        """Return the fields as a plain dict (amenities joined by ``;``)."""
        rec = {f: getattr(self, f) for f in self.__slots__}  # asdict() deep-copies: slow
        rec["kind"] = str(self.kind)
        rec["status"] = str(self.status)
        rec["amenities"] = ";".join(self.amenities)
        return rec


STATION_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Station))
"""Field names of :class:`Station`, in order."""


@dataclass(frozen=True, slots=True)
class StationHit:
    """A station found by a query, with its distance and bearing from the query point.

    ``walk_distance_m`` and ``walk_time_s`` are set only by walking-mode queries;
    ``travel_mode``, ``travel_time_s`` and ``travel_distance_m`` by every query on streets.
    """

    station: Station
    distance_m: float
    bearing_deg: float
    walk_distance_m: float | None = None
    walk_time_s: float | None = None
    travel_mode: str | None = None
    travel_time_s: float | None = None
    travel_distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class NearestHits:
    """Batch result of a k-nearest query over many points.

    Row ``i`` holds the hits of query point ``i``, nearest first; missing hits
    (fewer than ``k`` stations pass) have ``id == ""`` and ``distance_m == inf``.
    """

    ids: npt.NDArray[np.object_]
    distance_m: npt.NDArray[np.float64]
    bearing_deg: npt.NDArray[np.float64] = field(repr=False)
