"""Demand gathered on the coverage hexagons, and class breaks that do not saturate.

A heat map scaled by the largest weight paints a whole city in one colour once
demand is spread out (São Paulo's jobs became one green square). Summing the
demand per hexagon and colouring the hexagons by quantile class keeps every
class about equally populated, whatever the skew of the weights.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["demand_per_cell", "quantile_breaks", "quantile_class"]


def demand_per_cell(cells: gpd.GeoDataFrame, demand: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The demand weight that falls inside each cell.

    Parameters
    ----------
    cells
        Polygons (any CRS, set), one row per cell.
    demand
        Points with ``lon``, ``lat`` (WGS-84) and optionally ``weight`` (default 1).

    Returns
    -------
    numpy.ndarray
        One sum per row of ``cells``, in their order; 0 where no point falls.
        A point on a shared edge counts once, in the first cell that holds it.
    """
    out = np.zeros(len(cells), dtype=np.float64)
    if not len(cells) or not len(demand):
        return out
    if cells.crs is None:
        raise ValueError("cells have no CRS; set one (e.g. EPSG:4326)")
    weight = (
        pd.to_numeric(demand["weight"], errors="coerce").to_numpy(dtype=np.float64)
        if "weight" in demand
        else np.ones(len(demand))
    )
    points = gpd.GeoDataFrame(
        {"weight": np.where(np.isfinite(weight) & (weight > 0), weight, 0.0)},
        geometry=gpd.points_from_xy(demand["lon"], demand["lat"]),
        crs=4326,
    ).to_crs(cells.crs)
    shapes = gpd.GeoDataFrame(geometry=cells.geometry.to_numpy(), crs=cells.crs)
    hit = gpd.sjoin(points, shapes, predicate="intersects", how="inner")
    hit = hit[~hit.index.duplicated(keep="first")]
    sums = hit.groupby("index_right")["weight"].sum()
    out[sums.index.to_numpy(dtype=np.intp)] = sums.to_numpy(dtype=np.float64)
    return out


def quantile_breaks(values: ArrayLike, *, classes: int = 5) -> npt.NDArray[np.float64]:
    """Upper bounds of ``classes`` quantile classes of the positive ``values``.

    Parameters
    ----------
    values
        Values to classify; zeros, negatives and NaN are left out.
    classes
        How many classes.

    Returns
    -------
    numpy.ndarray
        Increasing, distinct upper bounds (fewer than ``classes`` when many
        values tie); the last is the largest value. Empty when no value is
        positive.

    Examples
    --------
    >>> quantile_breaks([1, 2, 3, 4, 100], classes=5).tolist()
    [1.0, 2.0, 3.0, 4.0, 100.0]
    """
    if classes < 1:
        raise ValueError(f"classes={classes!r} must be at least 1")
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return np.empty(0)
    qs = np.quantile(v, np.arange(1, classes + 1) / classes, method="inverted_cdf")
    return np.unique(qs)


def quantile_class(values: ArrayLike, breaks: ArrayLike) -> npt.NDArray[np.intp]:
    """The class of each value under :func:`quantile_breaks`: 0 for the lowest, -1 for
    values that are not positive.

    Examples
    --------
    >>> quantile_class([0, 1, 2, 50, 100], [1.0, 2.0, 100.0]).tolist()
    [-1, 0, 1, 2, 2]
    """
    v = np.asarray(values, dtype=np.float64)
    b = np.asarray(breaks, dtype=np.float64)
    cls = np.searchsorted(b, v, side="left").astype(np.intp)
    return np.where(np.isfinite(v) & (v > 0), np.minimum(cls, max(b.size - 1, 0)), -1)
