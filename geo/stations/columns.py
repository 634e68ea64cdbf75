"""The embedded store's station attributes in memory, as arrays for vectorised filtering."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from geo.hours import is_open
from geo.stations.model import StationFilter
from geo.types import AMENITIES, Kind, Station, Status

__all__ = ["StationColumns"]

_KINDS = list(Kind)
_STATUSES = list(Status)


def _one_of(
    codes: npt.NDArray[np.int8], allowed: list[int], vocabulary: list[Any]
) -> npt.NDArray[np.bool_]:
    """``np.isin(codes, allowed)`` for small codes (-1: no station) by a lookup table:
    ``np.isin`` sorts, which costs more than the rest of a nearest query's filter."""
    table = np.zeros(len(vocabulary) + 1, dtype=bool)  # the last slot is code -1's
    table[allowed] = True
    return table[codes]


_AMENITY_BIT = {a: 1 << i for i, a in enumerate(AMENITIES)}


class StationColumns:
    """Attributes of every station (position, kind, status, amenities as bits, hours, id) as
    arrays indexed by row key, so a filter is a few vectorised comparisons."""

    def __init__(self) -> None:
        self.size = 0
        self._grow(1024)

    def _grow(self, cap: int) -> None:
        def extend(old: npt.NDArray[Any] | None, fill: Any, dtype: Any) -> npt.NDArray[Any]:
            new = np.full(cap, fill, dtype=dtype)
            if old is not None:
                new[: old.size] = old
            return new

        g = self.__dict__.get
        self.live = extend(g("live"), False, bool)
        self.lon = extend(g("lon"), np.nan, float)
        self.lat = extend(g("lat"), np.nan, float)
        self.kind = extend(g("kind"), -1, np.int8)
        self.status = extend(g("status"), -1, np.int8)
        self.amen = extend(g("amen"), 0, np.int64)
        self.hours = extend(g("hours"), "", object)
        self.ids = extend(g("ids"), "", object)

    def set(self, pk: int, st: Station) -> None:
        """Hold ``st`` at row key ``pk`` (growing the arrays as needed)."""
        if pk >= self.live.size:
            self._grow(max(pk + 1, 2 * self.live.size))
        self.live[pk] = True
        self.lon[pk], self.lat[pk] = st.lon, st.lat
        self.kind[pk] = _KINDS.index(Kind(st.kind))
        self.status[pk] = _STATUSES.index(Status(st.status))
        self.amen[pk] = sum(_AMENITY_BIT[a] for a in st.amenities)
        self.hours[pk] = st.opening_hours
        self.ids[pk] = st.id

    def unset(self, pk: int) -> None:
        """Forget the station at row key ``pk``."""
        self.live[pk] = False
        self.ids[pk] = ""

    def passes(
        self, pks: npt.NDArray[np.int64], f: StationFilter, tz: str
    ) -> npt.NDArray[np.bool_]:
        """Which of the row keys ``pks`` hold a station passing ``f`` (hours read in ``tz``)."""
        ok = self.live[pks].copy()
        if f.statuses != frozenset(Status):
            ok &= _one_of(self.status[pks], [_STATUSES.index(s) for s in f.statuses], _STATUSES)
        if f.kinds:
            ok &= _one_of(self.kind[pks], [_KINDS.index(k) for k in f.kinds], _KINDS)
        if f.amenities:
            need = sum(_AMENITY_BIT[a] for a in f.amenities)
            ok &= (self.amen[pks] & need) == need
        if f.exclude_ids and ok.any():
            ok &= ~np.isin(self.ids[pks].astype(str), np.array(sorted(f.exclude_ids), dtype=str))
        if f.open_at is not None and ok.any():
            idx = np.flatnonzero(ok)
            exprs = self.hours[pks[idx]]
            state = {e: is_open(e, f.open_at, tz=tz) for e in set(exprs)}
            ok[idx] = [state[e] for e in exprs]
        return ok
