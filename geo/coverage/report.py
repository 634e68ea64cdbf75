"""Coverage reports: shares of streets, area and demand covered 0, 1 or 2+ times."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo._validate import check_lonlat
from geo.coverage._graph import (
    check_active,
    check_positive,
)
from geo.coverage.labels import Labels, StationSet, point_labels, station_labels
from geo.coverage.straight import straight_counts
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, Snapped, StreetNetwork, walk_limit_m

__all__ = [
    "CoverageReport",
    "Shares",
    "coverage_report",
    "hex_cells",
    "street_samples",
    "study_area",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Shares:
    """Shares (0..1) of a total that is not covered, covered once, and twice or more."""

    none: float
    once: float
    multiple: float

    @classmethod
    def of(cls, counts: npt.NDArray[np.int64], weights: FloatArray) -> Shares:
        total = float(weights.sum())
        if total <= 0:
            return cls(float("nan"), float("nan"), float("nan"))
        return cls(
            float(weights[counts == 0].sum() / total),
            float(weights[counts == 1].sum() / total),
            float(weights[counts >= 2].sum() / total),
        )

    def to_dict(self) -> dict[str, float | None]:
        """JSON-ready; None (null) where there was nothing to share (no demand given)."""
        raw = {"none": self.none, "once": self.once, "multiple": self.multiple}
        return {k: None if v != v else v for k, v in raw.items()}


def hex_cells(
    area: shapely.Polygon | shapely.MultiPolygon, *, resolution: int = 10
) -> gpd.GeoDataFrame:
    """H3 cells whose centres lie in a WGS-84 area.

    Columns ``cell``, ``lon``, ``lat`` (centre), ``area_m2``; hexagon polygons.
    """
    if not 0 <= resolution <= 15:
        raise InvalidInputError(f"resolution={resolution} must be an H3 resolution 0..15")
    shape = h3.geo_to_h3shape(shapely.geometry.mapping(area))
    cells = sorted(h3.h3shape_to_cells(shape, resolution))
    centres = np.array([h3.cell_to_latlng(c) for c in cells], dtype=float).reshape(-1, 2)
    polys = [shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(c)]) for c in cells]
    return gpd.GeoDataFrame(
        {
            "cell": cells,
            "lon": centres[:, 1],
            "lat": centres[:, 0],
            "area_m2": [h3.cell_area(c, unit="m^2") for c in cells],
        },
        geometry=polys,
        crs=4326,
    )


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of a study area by stations under one standard.

    ``street_share``, ``area_share`` and ``demand_share`` split street length,
    study-area hexagons (by area) and demand weight into not covered, covered
    once, and twice or more. ``districts`` holds the same per district.
    """

    standard: Literal["walk", "radius"]
    limit_m: float
    minutes: float | None
    radius_m: float | None
    stations: int
    street_share: Shares
    area_share: Shares
    demand_share: Shares
    districts: dict[str, dict[str, Shares]] = field(default_factory=dict)
    cells: gpd.GeoDataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data (the CLI's ``--json`` and ``GET /coverage``)."""
        out: dict[str, Any] = {
            "standard": self.standard,
            "minutes": self.minutes,
            "radius_m": self.radius_m,
            "limit_m": self.limit_m,
            "stations": self.stations,
            "street_share": self.street_share.to_dict(),
            "area_share": self.area_share.to_dict(),
            "demand_share": self.demand_share.to_dict(),
        }
        if self.districts:
            out["districts"] = {
                name: {k: v.to_dict() for k, v in parts.items()}
                for name, parts in self.districts.items()
            }
        return out


_SAMPLES_PER_EDGE = 8


def _edge_samples(net: StreetNetwork) -> tuple[Snapped, FloatArray, FloatArray, FloatArray]:
    """Midpoints of equal pieces of every segment, with the length each stands for."""
    k = _SAMPLES_PER_EDGE
    e = np.repeat(np.arange(net.edge_u.size, dtype=np.intp), k)
    t = np.tile((np.arange(k) + 0.5) / k, net.edge_u.size)
    w = np.repeat(net.edge_len_m / k, k)
    x = net.x[net.edge_u[e]] + t * (net.x[net.edge_v[e]] - net.x[net.edge_u[e]])
    y = net.y[net.edge_u[e]] + t * (net.y[net.edge_v[e]] - net.y[net.edge_u[e]])
    lon, lat = net.unproject(x, y)
    snapped = Snapped(e, t, np.zeros(e.size), np.ones(e.size, dtype=bool))
    return snapped, w, lon, lat


def _counts_walk(
    net: StreetNetwork,
    stations: StationSet,
    labels: Labels,
    snapped: Snapped,
    limit: float,
    speed: float,
) -> tuple[npt.NDArray[np.int64], FloatArray, IntArray]:
    d1, s1, d2, _ = point_labels(net, stations, labels, snapped, walk_speed_kmh=speed)
    return (d1 <= limit).astype(np.int64) + (d2 <= limit).astype(np.int64), d1, s1


def study_area(net: StreetNetwork) -> shapely.Polygon:
    """Default study area: the convex hull of the street nodes (WGS-84)."""
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([net.lon, net.lat])))
    return cast(shapely.Polygon, hull)


def coverage_report(
    net: StreetNetwork,
    stations: StationSet,
    *,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    demand: pd.DataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    area: shapely.Polygon | shapely.MultiPolygon | None = None,
    resolution: int = 10,
    active: npt.NDArray[np.bool_] | None = None,
    keep_cells: bool = False,
) -> CoverageReport:
    """Shares of streets, area and demand covered 0, 1 or 2+ times.

    Parameters
    ----------
    net
        Walking network (its streets define the street share and the default area).
    stations
        Snapped stations.
    standard
        ``walk``: within ``minutes`` on foot along the streets; ``radius``:
        within ``radius_m`` metres in a straight (geodesic) line.
    minutes, radius_m, walk_speed_kmh
        The two standards' limits; 15 minutes at 4.8 km/h is 1.2 km.
    demand
        Points with ``lon``, ``lat`` and ``weight`` (e.g. where riders wait).
    districts
        Polygons with a ``name`` column (WGS-84); shares are also given per district.
    area
        Study area (WGS-84); the convex hull of the street nodes by default.
    resolution
        H3 resolution of the area grid (10: cells of about 15,000 m²).
    active
        Which stations count (e.g. open at some hour).
    keep_cells
        Keep the hexagon grid with its counts on the report (for maps and gaps).
    """
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    check_positive(minutes=minutes, radius_m=radius_m, walk_speed_kmh=walk_speed_kmh)
    limit = walk_limit_m(minutes, walk_speed_kmh) if standard == "walk" else radius_m
    area = area if area is not None else study_area(net)
    cells = hex_cells(area, resolution=resolution)
    samples, seg_w, seg_lon, seg_lat = _edge_samples(net)
    dem = demand if demand is not None else pd.DataFrame({"lon": [], "lat": [], "weight": []})
    dlon, dlat = check_lonlat(
        dem["lon"].to_numpy(float), dem["lat"].to_numpy(float), names=("demand lon", "demand lat")
    )
    dw = dem["weight"].to_numpy(float) if "weight" in dem else np.ones(dlon.size)
    use = check_active(active, stations.ids.size)
    if standard == "walk":
        labels = station_labels(
            net, stations, limit=limit, active=use, walk_speed_kmh=walk_speed_kmh
        )
        street, _, _ = _counts_walk(net, stations, labels, samples, limit, walk_speed_kmh)
        cell_snap = net.snap(cells["lon"].to_numpy(), cells["lat"].to_numpy())
        cell_n, cell_d, cell_s = _counts_walk(
            net, stations, labels, cell_snap, limit, walk_speed_kmh
        )
        dem_snap = net.snap(dlon, dlat)
        dem_n, _, _ = _counts_walk(net, stations, labels, dem_snap, limit, walk_speed_kmh)
    else:
        slon, slat = stations.lon[use], stations.lat[use]
        idx = np.flatnonzero(use)
        street, _, _ = straight_counts(slon, slat, seg_lon, seg_lat, radius_m)
        cell_n, cell_d, cs = straight_counts(
            slon, slat, cells["lon"].to_numpy(), cells["lat"].to_numpy(), radius_m
        )
        cell_s = np.where(cs >= 0, idx[np.maximum(cs, 0)] if idx.size else -1, -1)
        dem_n, _, _ = straight_counts(slon, slat, dlon, dlat, radius_m)
    cells = cells.assign(
        count=np.minimum(cell_n, 2),
        nearest_cost=cell_d,
        nearest_id=np.where(
            cell_s >= 0, stations.ids[np.maximum(cell_s, 0)], np.array(None, dtype=object)
        )
        if stations.ids.size
        else None,
    )
    report_districts: dict[str, dict[str, Shares]] = {}
    if districts is not None:
        if "name" not in districts:
            raise InvalidInputError("districts need a 'name' column")
        d = districts.to_crs(4326)
        for name, geom in zip(d["name"].astype(str), d.geometry, strict=True):
            shapely.prepare(geom)  # in place: the three point tests below share it
            prepared = geom
            in_seg = shapely.contains_xy(prepared, seg_lon, seg_lat)
            in_cell = shapely.contains_xy(
                prepared, cells["lon"].to_numpy(), cells["lat"].to_numpy()
            )
            in_dem = shapely.contains_xy(prepared, dlon, dlat)
            report_districts[name] = {
                "street_share": Shares.of(street[in_seg], seg_w[in_seg]),
                "area_share": Shares.of(cell_n[in_cell], cells["area_m2"].to_numpy()[in_cell]),
                "demand_share": Shares.of(dem_n[in_dem], dw[in_dem]),
            }
    return CoverageReport(
        standard=standard,
        limit_m=float(limit),
        minutes=float(minutes) if standard == "walk" else None,
        radius_m=float(radius_m) if standard == "radius" else None,
        stations=int(use.sum()),
        street_share=Shares.of(street, seg_w),
        area_share=Shares.of(cell_n, cells["area_m2"].to_numpy()),
        demand_share=Shares.of(dem_n, dw),
        districts=report_districts,
        cells=cells if keep_cells else None,
    )


def street_samples(net: StreetNetwork) -> tuple[Snapped, FloatArray, FloatArray, FloatArray]:
    """The points the street share is measured at: snaps, street length each stands for, lon, lat.

    The same samples :func:`coverage_report` counts, so other figures over
    streets (per-station catchments) add up to its shares.
    """
    return _edge_samples(net)
