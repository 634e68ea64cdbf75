"""Who declares the coordinate system of a station sheet that does not say it.

A sheet of mainland-Chinese points with no ``--crs`` and no ``crs`` / ``坐标系``
column is refused (:func:`geo.import_guard.resolve_crs`) unless someone declared
the system its sheets come in. In order, the first that speaks decides:

1. the region the import names (``--region``, the upload's ``region``), when
   its entry in the regions file says ``crs = "gcj02"``;
2. else the first region declaring a ``crs`` whose boundary holds every point
   of the sheet, read in that system;
3. else the registry's own declaration, kept in its database
   (:func:`declare_registry_crs`, ``stationfinder registry-crs``);
4. else the deployment's ``STATIONFINDER_DEFAULT_CRS``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import convert, parse_coord_system
from geo.errors import InvalidInputError
from geo.stations.store import StationStore
from geo.stations.tables import Column, Table
from geo.types import CoordSystem

__all__ = [
    "REGISTRY_SETTINGS",
    "DeclaredCrs",
    "declare_registry_crs",
    "declared_crs",
    "registry_crs",
]

REGISTRY_SETTINGS = Table(
    "registry_settings", (Column("key", "text"), Column("value", "text", "")), key="key"
)
"""What a registry declares about itself, key → value (``crs``: the system of its sheets)."""


def registry_crs(store: StationStore) -> CoordSystem | None:
    """The coordinate system the registry declares for sheets that do not say, or None."""
    store.ensure_tables([REGISTRY_SETTINGS])
    rows = store.select(REGISTRY_SETTINGS, {"key": "crs"})
    value = str(rows[0]["value"]) if rows else ""
    return parse_coord_system(value, argument="registry crs") if value else None


def declare_registry_crs(
    store: StationStore, crs: CoordSystem | str | None, *, actor: str = "system"
) -> CoordSystem | None:
    """Declare (or, with None, withdraw) the system of the registry's undeclared sheets.

    Returns
    -------
    CoordSystem or None
        The system now declared.

    Examples
    --------
    >>> from geo.stations import open_store
    >>> store = open_store(":memory:")
    >>> declare_registry_crs(store, "amap"), registry_crs(store)
    ('gcj02', 'gcj02')
    >>> declare_registry_crs(store, None), registry_crs(store)
    (None, None)
    """
    system = None if crs is None else parse_coord_system(str(crs))
    store.ensure_tables([REGISTRY_SETTINGS])
    with store.transaction(actor=actor, note="registry crs") as tx:
        if system is None:
            tx.remove(REGISTRY_SETTINGS, {"key": "crs"})
        else:
            tx.upsert(REGISTRY_SETTINGS, {"key": "crs", "value": system})
    return system


@dataclass(frozen=True, slots=True)
class DeclaredCrs:
    """The declarations that may give an undeclared sheet its coordinate system.

    Attributes
    ----------
    regions
        ``(region id, system)`` of every region declaring a system, in declared order.
    boundary
        A region id → its WGS-84 boundary; None: only a named region applies.
    named_region
        The region the import names; its system applies to any sheet.
    registry
        The registry's declaration (:func:`registry_crs`).
    deployment
        The deployment's default (``STATIONFINDER_DEFAULT_CRS``).
    """

    regions: Sequence[tuple[str, CoordSystem]] = ()
    boundary: Callable[[str], BaseGeometry] | None = None
    named_region: str | None = None
    registry: CoordSystem | None = None
    deployment: CoordSystem | None = None

    def resolve(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[CoordSystem, str] | None:
        """The declared system of a sheet with these points (as written), and who declares it.

        Examples
        --------
        >>> square = shapely.box(112.9, 28.1, 113.1, 28.3)
        >>> d = DeclaredCrs([("changsha", "gcj02")], boundary=lambda rid: square)
        >>> d.resolve([112.98, 113.0], [28.19, 28.2])
        ('gcj02', 'region changsha declares gcj02')
        >>> d.resolve([116.4], [39.9]) is None  # Beijing: not in the region
        True
        """
        systems = dict(self.regions)
        if self.named_region is not None and self.named_region in systems:
            system = systems[self.named_region]
            return system, f"region {self.named_region} declares {system}"
        x = np.atleast_1d(np.asarray(lon, dtype=float))
        y = np.atleast_1d(np.asarray(lat, dtype=float))
        if self.boundary is not None and self.named_region is None and x.size:
            for rid, system in self.regions:
                wx, wy = convert(x, y, src=system, dst="wgs84")
                if bool(np.all(shapely.intersects_xy(self.boundary(rid), wx, wy))):
                    return system, f"region {rid} declares {system}"
        if self.registry is not None:
            return self.registry, f"the registry declares {self.registry}"
        if self.deployment is not None:
            system = parse_coord_system(self.deployment, argument="default crs")
            return system, f"STATIONFINDER_DEFAULT_CRS is {system}"
        return None


class DeclaringRegion(Protocol):
    """What :func:`declared_crs` reads of a region (a :class:`geo.regions.RegionSpec`)."""

    @property
    def id(self) -> str: ...

    @property
    def crs(self) -> CoordSystem | None: ...


def declared_crs(
    store: StationStore,
    regions: Sequence[DeclaringRegion] = (),
    *,
    boundary: Callable[[str], BaseGeometry] | None = None,
    named_region: str | None = None,
    deployment: CoordSystem | str | None = None,
) -> DeclaredCrs:
    """Every declaration an import into ``store`` may use, for :func:`geo.io.read_stations`.

    Parameters
    ----------
    store
        The registry imported into (its own declaration is read).
    regions
        The declared regions; those with a ``crs`` count.
    boundary
        A region id → its WGS-84 boundary, to find the region holding a sheet.
    named_region
        The region the import names, if any (it must be one of ``regions``).
    deployment
        ``STATIONFINDER_DEFAULT_CRS``.

    Raises
    ------
    InvalidInputError
        ``named_region`` is not one of ``regions``.
    """
    if named_region is not None and named_region not in {r.id for r in regions}:
        raise InvalidInputError(
            f"region={named_region!r} is not a declared region; choose one of: "
            + (", ".join(r.id for r in regions) or "(none declared)")
        )
    return DeclaredCrs(
        [(r.id, r.crs) for r in regions if r.crs is not None],
        boundary=boundary,
        named_region=named_region,
        registry=registry_crs(store),
        deployment=None if deployment is None else parse_coord_system(str(deployment)),
    )
