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
            codes = [_STATUSES.index(s) for s in f.statuses]
            ok &= np.isin(self.status[pks], codes)
        if f.kinds:
            ok &= np.isin(self.kind[pks], [_KINDS.index(k) for k in f.kinds])
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
