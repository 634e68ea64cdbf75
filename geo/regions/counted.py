"""The stations that count for a region, and which of them count at a time.

:func:`region_stations` finds the stations inside a region's boundary or
within reach of it (any store backend). :class:`CountedStations` holds them
as arrays, built once per station set, so that the per-request choice (open
at a time, of some kinds, not temporarily closed) is a few numpy masks.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from geo.crs import local_crs, to_local
from geo.errors import InvalidInputError
from geo.hours import is_open
from geo.types import Station

__all__ = ["CountedStations", "open_state", "region_stations"]


def region_stations(
    registry: Any,
    boundary: shapely.Geometry,
    *,
    reach_m: float,
    statuses: Sequence[str] = ("open",),
) -> list[Station]:
    """The stations that count for a region: inside its boundary, or within ``reach_m``
    metres of it (a station across the boundary still covers the edge), sorted by id.

    Uses only the registry's public box query, so any backend serves.
    """
    if not reach_m >= 0:
        raise InvalidInputError(f"reach_m={reach_m!r} must be >= 0")
    from geo.stations import StationFilter

    west, south, east, north = shapely.bounds(boundary)
    crs = local_crs([west, east], [south, north])

    def project(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack(to_local(xy[:, 0], xy[:, 1], crs))

    def unproject(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack(to_local(xy[:, 0], xy[:, 1], crs, inverse=True))

    reach = shapely.buffer(shapely.transform(boundary, project), reach_m)
    bw, bs, be, bn = shapely.bounds(shapely.transform(reach, unproject))
    pad = 1e-6  # a hair for rounding at the box's edge
    where = StationFilter.build(statuses=list(statuses))
    found = registry.in_bbox(bw - pad, bs - pad, be + pad, bn + pad, where=where)
    if not found:
        return []
    sx, sy = to_local([s.lon for s in found], [s.lat for s in found], crs)
    keep = shapely.intersects_xy(reach, sx, sy)
    return sorted((s for s, k in zip(found, keep, strict=True) if k), key=lambda s: s.id)


def open_state(
    stations: Sequence[Station], at: datetime | None, *, tz: str
) -> npt.NDArray[np.bool_]:
    """Which stations are open at ``at`` (all when None), in the region's time zone.

    Each distinct ``opening_hours`` expression is evaluated once
    (:meth:`CountedStations.open_at`).
    """
    return CountedStations.of(stations).open_at(at, tz=tz)


@dataclass(frozen=True, eq=False)
class CountedStations:
    """Stations (those :func:`region_stations` found) as arrays for vectorised masks.

    Attributes
    ----------
    stations
        The stations, in order (by id from :func:`region_stations`).
    ids, kinds
        Each station's id and kind.
    lon, lat
        Each station's WGS-84 position.
    expressions
        The distinct ``opening_hours`` expressions.
    hours
        Each station's expression, as a position in ``expressions``.

    Examples
    --------
    >>> from geo.types import Kind
    >>> found = CountedStations.of([
    ...     Station("a", "Library", Kind.WORKER_STATION, 114.0, 22.5, opening_hours="24/7"),
    ...     Station("b", "Depot", Kind.DRIVER_HOME, 114.1, 22.5, opening_hours="24/7"),
    ...     Station("c", "Kiosk", Kind.WORKER_STATION, 114.2, 22.5),
    ... ])
    >>> found.mask(datetime(2026, 9, 1, 3, 0), tz="Asia/Shanghai", closed={"b"}).tolist()
    [True, False, False]
    >>> found.mask(None, tz="Asia/Shanghai", kinds=["driver_home"]).tolist()
    [False, True, False]
    """

    stations: tuple[Station, ...]
    ids: npt.NDArray[np.str_]
    kinds: npt.NDArray[np.str_]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    expressions: tuple[str, ...]
    hours: npt.NDArray[np.intp]

    @classmethod
    def of(cls, stations: Sequence[Station]) -> CountedStations:
        """The arrays of ``stations`` (one pass over them, done once per station set).

        Parameters
        ----------
        stations
            The stations, in the order masks will follow.

        Returns
        -------
        CountedStations
            The stations and their arrays.
        """
        expressions, hours = np.unique(
            np.array([s.opening_hours for s in stations], dtype=object), return_inverse=True
        )
        return cls(
            tuple(stations),
            np.array([s.id for s in stations], dtype=np.str_),
            np.array([str(s.kind) for s in stations], dtype=np.str_),
            np.array([s.lon for s in stations], dtype=np.float64),
            np.array([s.lat for s in stations], dtype=np.float64),
            tuple(str(e) for e in expressions),
            hours.astype(np.intp).reshape(-1),
        )

    def __len__(self) -> int:
        return len(self.stations)

    def open_at(self, at: datetime | None, *, tz: str) -> npt.NDArray[np.bool_]:
        """Which stations are open at ``at`` (all when None); each expression is read once.

        Parameters
        ----------
        at
            The time; None counts every station as open.
        tz
            The IANA time zone the opening hours are read in.

        Returns
        -------
        numpy.ndarray of bool
            One entry per station.
        """
        if at is None:
            return np.ones(len(self.stations), dtype=bool)
        state = np.array([is_open(e, at, tz=tz) for e in self.expressions], dtype=bool)
        return state[self.hours]

    def mask(
        self,
        at: datetime | None,
        *,
        tz: str,
        closed: Collection[str] = (),
        kinds: Collection[str] = (),
    ) -> npt.NDArray[np.bool_]:
        """Which stations count: open at ``at``, not ``closed``, of ``kinds`` (any when empty).

        Parameters
        ----------
        at
            The time; None counts every station as open.
        tz
            The IANA time zone the opening hours are read in.
        closed
            Ids of stations temporarily closed at ``at``.
        kinds
            Station kinds to keep (:class:`~geo.types.Kind` values); empty keeps all.

        Returns
        -------
        numpy.ndarray of bool
            One entry per station.
        """
        keep = self.open_at(at, tz=tz)
        if closed:
            keep &= ~np.isin(self.ids, np.array(sorted(closed), dtype=np.str_))
        if kinds:
            keep &= np.isin(self.kinds, np.array(sorted(kinds), dtype=np.str_))
        return keep
