"""Grid clustering of points for maps: square cells of the Web Mercator pixel grid per zoom.

At zoom ``z`` the world is ``256 * 2**z`` pixels wide (Web Mercator, as map
tiles are); a point belongs to the cell ``(floor(px / cell_px), floor(py /
cell_px))``. Every point in a cell is one cluster, drawn at the mean of its
members. The map pages do the same binning in the browser, over the view, on
every move (``maps/templates/station_cluster.html.j2``); the service does it
per zoom and tile so that a page need not download every station.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

__all__ = [
    "CLUSTER_CELL_PX",
    "CLUSTER_UNTIL_ZOOM",
    "GridClusters",
    "grid_clusters",
    "web_mercator_unit",
]

CLUSTER_CELL_PX = 64
"""Side of a cluster cell in screen pixels."""

CLUSTER_UNTIL_ZOOM = 17
"""The deepest zoom at which points are clustered; deeper, each point stands alone."""

_MAX_LAT = 85.0511287798  # Web Mercator's edge
_KEY_BASE = 1 << 22  # more cells than a row holds at zoom 17 (2**19 of 64 px)


def web_mercator_unit(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """WGS-84 degrees → Web Mercator world coordinates in [0, 1], y growing southwards.

    Examples
    --------
    >>> x, y = web_mercator_unit([0.0, 180.0], [0.0, 0.0])
    >>> x.tolist(), y.tolist()
    ([0.5, 1.0], [0.5, 0.5])
    """
    x = np.asarray(lon, dtype=np.float64) / 360.0 + 0.5
    s = np.sin(np.radians(np.clip(np.asarray(lat, dtype=np.float64), -_MAX_LAT, _MAX_LAT)))
    y = 0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi)
    return x, y


@dataclass(frozen=True, slots=True)
class GridClusters:
    """Clusters of one zoom level, one entry per occupied cell.

    Attributes
    ----------
    count
        Points in the cell.
    lon, lat
        Mean position of the cell's points, degrees.
    west, south, east, north
        Bounding box of the cell's points, degrees.
    first
        Position (in the input) of the cell's first point; for a cell of one
        point, that point.
    member_cell
        For every input point, the entry of its cell (-1 where the point was
        left out by ``bounds``).
    """

    count: npt.NDArray[np.intp]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    west: npt.NDArray[np.float64]
    south: npt.NDArray[np.float64]
    east: npt.NDArray[np.float64]
    north: npt.NDArray[np.float64]
    first: npt.NDArray[np.intp]
    member_cell: npt.NDArray[np.intp]

    def __len__(self) -> int:
        return int(self.count.size)


def grid_clusters(
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    zoom: int,
    cell_px: int = CLUSTER_CELL_PX,
    bounds: tuple[float, float, float, float] | None = None,
) -> GridClusters:
    """Bin points into the square cells of the Web Mercator pixel grid at ``zoom``.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees, equal lengths.
    zoom
        Map zoom level, 0 to 30. Past :data:`CLUSTER_UNTIL_ZOOM` every point
        is a cluster of its own.
    cell_px
        Side of a cell, pixels.
    bounds
        ``(west, south, east, north)`` in degrees: only points inside count.

    Returns
    -------
    GridClusters
        Cells in order of their first point.

    Raises
    ------
    ValueError
        When the lengths differ, ``zoom`` or ``cell_px`` is out of range.

    Examples
    --------
    >>> c = grid_clusters([0.0, 0.0001, 10.0], [0.0, 0.0, 0.0], zoom=5)
    >>> c.count.tolist(), c.first.tolist()
    ([2, 1], [0, 2])
    """
    x_deg = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y_deg = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if x_deg.shape != y_deg.shape:
        raise ValueError(f"lon and lat differ in length: {x_deg.size} and {y_deg.size}")
    if not 0 <= zoom <= 30:
        raise ValueError(f"zoom={zoom!r} must be between 0 and 30")
    if not 1 <= cell_px <= 4096:
        raise ValueError(f"cell_px={cell_px!r} must be between 1 and 4096")
    keep = np.isfinite(x_deg) & np.isfinite(y_deg)
    if bounds is not None:
        west, south, east, north = bounds
        keep &= (x_deg >= west) & (x_deg <= east) & (y_deg >= south) & (y_deg <= north)
    pos = np.flatnonzero(keep)
    if zoom > CLUSTER_UNTIL_ZOOM:
        key = pos.astype(np.int64)
    else:
        mx, my = web_mercator_unit(x_deg[pos], y_deg[pos])
        scale = 256.0 * 2.0**zoom / cell_px
        key = np.floor(mx * scale).astype(np.int64) * _KEY_BASE + np.floor(my * scale).astype(
            np.int64
        )
    _, first_at, inverse = np.unique(key, return_index=True, return_inverse=True)
    # Number cells in order of their first point, as the browser's single pass does.
    order = np.argsort(first_at, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    cell = rank[inverse]
    n_cells = order.size
    count = np.bincount(cell, minlength=n_cells)
    xs, ys = x_deg[pos], y_deg[pos]

    def extreme(
        values: npt.NDArray[np.float64], ufunc: np.ufunc, start: float
    ) -> npt.NDArray[np.float64]:
        out = np.full(n_cells, start)
        ufunc.at(out, cell, values)
        return out

    member = np.full(x_deg.size, -1, dtype=np.intp)
    member[pos] = cell
    return GridClusters(
        count=count.astype(np.intp),
        lon=np.bincount(cell, xs, minlength=n_cells) / np.maximum(count, 1),
        lat=np.bincount(cell, ys, minlength=n_cells) / np.maximum(count, 1),
        west=extreme(xs, np.minimum, np.inf),
        south=extreme(ys, np.minimum, np.inf),
        east=extreme(xs, np.maximum, -np.inf),
        north=extreme(ys, np.maximum, -np.inf),
        first=pos[first_at[order]].astype(np.intp),
        member_cell=member,
    )
