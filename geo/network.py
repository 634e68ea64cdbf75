"""Street networks as sparse graphs, cached on disk, and snapping points onto them.

A :class:`StreetNetwork` holds node coordinates and one straight segment per
edge (pyrosm splits OSM ways at every node), with a cost per edge: metres on
the walking network, seconds on every other travel mode's (e-bike, bike,
drive, truck; which ways each may use and how fast is :mod:`geo.modes`).
Costs go into a scipy CSR matrix built once per network.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import connected_components
from tqdm.auto import tqdm

from geo._validate import check_lonlat
from geo.crs import local_crs, to_local
from geo.errors import InvalidInputError, OffNetworkError
from geo.modes import DRIVE_SPEEDS_KMH, ModeOptions, TravelMode, check_mode, mode_edges

__all__ = [
    "DRIVE_SPEEDS_KMH",
    "EDGE_TAGS",
    "WALK_SPEED_KMH",
    "Snapped",
    "StreetNetwork",
    "load_network",
    "mode_segments",
    "network_from_arrays",
    "network_from_frames",
    "read_street_frames",
    "walk_limit_m",
]

log = logging.getLogger(__name__)

WALK_SPEED_KMH = 4.8
"""Default walking speed: 15 minutes ≈ 1.2 km."""

EDGE_TAGS = ("name", "maxspeed", "access", "service", "lanes", "foot", "area")
"""OSM tags every edge frame carries besides ``highway`` and ``oneway`` (empty when absent),
from a PBF and a GraphML file alike, for travel modes' access rules and speeds."""

_DEFAULT_DRIVE_KMH = 30.0
_CACHE_FORMAT = 2

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def walk_limit_m(minutes: float, walk_speed_kmh: float = WALK_SPEED_KMH) -> float:
    """Metres walked in ``minutes`` at ``walk_speed_kmh``.

    Examples
    --------
    >>> walk_limit_m(15)
    1200.0
    """
    return float(minutes) * 60.0 * float(walk_speed_kmh) / 3.6


@dataclass(frozen=True, slots=True)
class Snapped:
    """Points attached to their nearest street segment.

    ``edge`` is the segment index (-1 when off-network), ``t`` the position
    along it from ``edge_u`` (0..1), ``offset_m`` the straight leg from the
    point to the street, and ``on_network`` whether that leg is within the limit.
    """

    edge: IntArray
    t: FloatArray
    offset_m: FloatArray
    on_network: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class StreetNetwork:
    """An immutable street graph.

    Attributes
    ----------
    mode
        ``walk`` (costs in metres) or ``drive`` (costs in seconds).
    node_id, lon, lat, x, y
        Per node: OSM id, WGS-84 degrees, metres in ``epsg``.
    edge_u, edge_v, edge_len_m, edge_cost
        Per segment: node positions of its ends, length in metres, cost.
        Walking segments are undirected; a one-way driving segment runs u→v.
    edge_oneway
        Whether the segment may only be used from u to v.
    epsg
        The local metric CRS (UTM zone) of ``x``/``y``.
    csr
        Cost matrix, ``n_nodes × n_nodes``.
    """

    mode: TravelMode
    node_id: npt.NDArray[np.int64]
    lon: FloatArray
    lat: FloatArray
    x: FloatArray
    y: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_len_m: FloatArray
    edge_cost: FloatArray
    edge_oneway: npt.NDArray[np.bool_]
    epsg: int
    csr: sp.csr_matrix

    @property
    def n_nodes(self) -> int:
        return int(self.node_id.size)

    @property
    def cost_unit(self) -> str:
        """``m`` for walking, ``s`` for driving."""
        return "m" if self.mode == "walk" else "s"

    @property
    def crs(self) -> pyproj.CRS:
        return pyproj.CRS.from_epsg(self.epsg)

    def project(self, lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """WGS-84 → the network's local metres."""
        return to_local(lon, lat, self.crs)

    def unproject(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """The network's local metres → WGS-84."""
        return to_local(x, y, self.crs, inverse=True)

    def segments(self) -> npt.NDArray[np.object_]:
        """Each edge as a shapely LineString in local metres."""
        coords = np.stack(
            [
                np.column_stack([self.x[self.edge_u], self.y[self.edge_u]]),
                np.column_stack([self.x[self.edge_v], self.y[self.edge_v]]),
            ],
            axis=1,
        )
        return np.asarray(shapely.linestrings(coords), dtype=object)

    def _tree(self) -> shapely.STRtree:
        cached = self.__dict__.get("_strtree")
        if cached is None:
            cached = shapely.STRtree(self.segments())
            object.__setattr__(self, "_strtree", cached)
        return cached

    def reversed_csr(self) -> sp.csr_matrix:
        """The cost matrix transposed (costs *to* a node along each edge), built once."""
        cached = self.__dict__.get("_reversed_csr")
        if cached is None:
            cached = self.csr.T.tocsr()
            object.__setattr__(self, "_reversed_csr", cached)
        return cached

    def reversed(self) -> StreetNetwork:
        """The same streets with every edge turned round (costs *to* a place become costs
        *from* it): a search from a destination on it gives travel times towards it."""
        return StreetNetwork(
            mode=self.mode,
            node_id=self.node_id,
            lon=self.lon,
            lat=self.lat,
            x=self.x,
            y=self.y,
            edge_u=self.edge_v,
            edge_v=self.edge_u,
            edge_len_m=self.edge_len_m,
            edge_cost=self.edge_cost,
            edge_oneway=self.edge_oneway,
            epsg=self.epsg,
            csr=self.reversed_csr(),
        )

    def snap(self, lon: ArrayLike, lat: ArrayLike, *, max_snap_m: float = 500.0) -> Snapped:
        """Attach points to the nearest segment, projected onto it.

        Parameters
        ----------
        lon, lat
            WGS-84 points.
        max_snap_m
            Points farther than this from every street are off-network:
            ``on_network`` is False and ``edge`` is -1. They are never snapped.
        """
        if not max_snap_m > 0:
            raise InvalidInputError(f"max_snap_m={max_snap_m!r} must be > 0")
        qx, qy = check_lonlat(lon, lat)
        px, py = self.project(qx, qy)
        n = px.size
        edge = np.full(n, -1, dtype=np.intp)
        t = np.zeros(n)
        off = np.full(n, np.inf)
        if n == 0 or self.edge_u.size == 0:
            return Snapped(edge, t, off, np.zeros(n, dtype=bool))
        pts = shapely.points(px, py)
        (qi, ei), _ = self._tree().query_nearest(
            pts, max_distance=max_snap_m, return_distance=True, all_matches=False
        )
        ax, ay = self.x[self.edge_u[ei]], self.y[self.edge_u[ei]]
        dx, dy = self.x[self.edge_v[ei]] - ax, self.y[self.edge_v[ei]] - ay
        d2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            tt = np.where(d2 > 0, ((px[qi] - ax) * dx + (py[qi] - ay) * dy) / d2, 0.0)
        tt = np.clip(tt, 0.0, 1.0)
        edge[qi] = ei
        t[qi] = tt
        off[qi] = np.hypot(px[qi] - (ax + tt * dx), py[qi] - (ay + tt * dy))
        return Snapped(edge, t, off, edge >= 0)

    def snap_one(self, lon: float, lat: float, *, max_snap_m: float = 500.0) -> Snapped:
        """Snap one point; raises :class:`OffNetworkError` when it is off-network."""
        s = self.snap([lon], [lat], max_snap_m=max_snap_m)
        if not s.on_network[0]:
            raise OffNetworkError(
                f"point lon={lon}, lat={lat} is more than {max_snap_m:g} m from any street"
            )
        return s


def network_from_arrays(
    node_id: ArrayLike,
    lon: ArrayLike,
    lat: ArrayLike,
    u: ArrayLike,
    v: ArrayLike,
    length_m: ArrayLike,
    *,
    mode: TravelMode = "walk",
    highway: ArrayLike | None = None,
    oneway: ArrayLike | None = None,
    speed_kmh: ArrayLike | None = None,
    epsg: int | None = None,
    largest_component: bool = True,
) -> StreetNetwork:
    """Build a network from node and edge arrays (``u``/``v`` are node ids).

    Walking costs are metres; every other mode's are seconds, from
    ``speed_kmh`` per edge (default: by ``highway`` class, :data:`DRIVE_SPEEDS_KMH`).
    A ``oneway`` edge runs u→v only (walking ignores it).

    Edges whose ends are unknown are dropped; of duplicate edges between the
    same two nodes the cheapest is kept (a CSR matrix would add them up).
    With ``largest_component`` only the largest connected piece is kept: an
    extract's streets include fragments (courtyard paths, pieces cut by the
    extract's edge) that a station would otherwise snap onto and reach nothing.
    """
    check_mode(mode)
    ids = np.asarray(node_id, dtype=np.int64)
    x_lon, y_lat = check_lonlat(lon, lat, names=("node lon", "node lat"))
    order = np.argsort(ids)
    ids, x_lon, y_lat = ids[order], x_lon[order], y_lat[order]
    uu, vv = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    length = np.asarray(length_m, dtype=float)
    if not (uu.shape == vv.shape == length.shape):
        raise InvalidInputError("u, v and length_m must have the same length")
    if np.any(~np.isfinite(length) | (length < 0)):
        raise InvalidInputError("length_m must be finite and not negative")
    hw = np.asarray(highway if highway is not None else np.full(uu.size, ""), dtype=object)
    ow = np.asarray(oneway if oneway is not None else np.zeros(uu.size, bool), dtype=bool)
    if mode == "walk":
        cost = length.copy()
    else:
        if speed_kmh is None:
            kmh = pd.Series(hw).map(DRIVE_SPEEDS_KMH).fillna(_DEFAULT_DRIVE_KMH).to_numpy(float)
        else:
            kmh = np.asarray(speed_kmh, dtype=float)
            if kmh.shape != length.shape or np.any(~np.isfinite(kmh) | (kmh <= 0)):
                raise InvalidInputError("speed_kmh must be positive, one per edge")
        cost = length / (kmh / 3.6)
    iu = np.searchsorted(ids, uu).clip(0, max(ids.size - 1, 0))
    iv = np.searchsorted(ids, vv).clip(0, max(ids.size - 1, 0))
    known = (ids.size > 0) & (ids[iu] == uu) & (ids[iv] == vv) & (iu != iv)
    iu, iv, length, hw, ow, cost = (
        iu[known],
        iv[known],
        length[known],
        hw[known],
        ow[known],
        cost[known],
    )
    if mode == "walk":
        ow = np.zeros(iu.size, dtype=bool)
        a, b = np.minimum(iu, iv), np.maximum(iu, iv)
    else:
        # Two-way segments are keyed without direction; one-way ones keep theirs.
        a = np.where(ow, iu, np.minimum(iu, iv))
        b = np.where(ow, iv, np.maximum(iu, iv))
    keep = np.lexsort((cost, b, a, ow))
    a, b, length, hw, ow, cost = a[keep], b[keep], length[keep], hw[keep], ow[keep], cost[keep]
    first = np.ones(a.size, dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (ow[1:] != ow[:-1])
    a, b, length, hw, ow, cost = (
        a[first],
        b[first],
        length[first],
        hw[first],
        ow[first],
        cost[first],
    )
    if largest_component and ids.size:
        # Weakly connected: a one-way street still joins its piece to the rest.
        links = sp.csr_matrix((np.ones(a.size), (a, b)), shape=(ids.size, ids.size))
        _, comp = connected_components(links, directed=False)
        main = comp == np.bincount(comp).argmax()
        new_index = np.cumsum(main) - 1
        keep_e = main[a] & main[b]
        a, b = new_index[a[keep_e]], new_index[b[keep_e]]
        length, hw, ow, cost = length[keep_e], hw[keep_e], ow[keep_e], cost[keep_e]
        ids, x_lon, y_lat = ids[main], x_lon[main], y_lat[main]
    if epsg is None:
        epsg = int(local_crs(x_lon, y_lat).to_epsg() or 3857) if ids.size else 3857
    px, py = to_local(x_lon, y_lat, pyproj.CRS.from_epsg(epsg))
    n = ids.size
    rows = np.concatenate([a, b[~ow]])
    cols = np.concatenate([b, a[~ow]])
    vals = np.concatenate([cost, cost[~ow]])
    csr = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    return StreetNetwork(
        mode=mode,
        node_id=ids,
        lon=x_lon,
        lat=y_lat,
        x=px,
        y=py,
        edge_u=a.astype(np.intp),
        edge_v=b.astype(np.intp),
        edge_len_m=length,
        edge_cost=cost,
        edge_oneway=ow,
        epsg=epsg,
        csr=csr,
    )


def mode_segments(
    edges: pd.DataFrame, mode: TravelMode, *, options: ModeOptions | None = None
) -> pd.DataFrame:
    """The segments ``mode`` may use, each in its direction of travel.

    From street segments with OSM tags (``u``, ``v``, ``length_m``, ``highway`` …)
    to ``u``, ``v``, ``length_m``, ``highway``, ``oneway`` and ``speed_kmh``
    (:func:`geo.modes.mode_edges`): a segment open only v→u is turned round,
    one closed to the mode is left out.
    """
    rules = mode_edges(edges, mode, options=options)
    use = rules.forward | rules.backward
    back = (rules.backward & ~rules.forward)[use]
    u, v = edges["u"].to_numpy(np.int64)[use], edges["v"].to_numpy(np.int64)[use]
    highway = edges["highway"].to_numpy()[use] if "highway" in edges else np.full(back.size, "")
    return pd.DataFrame(
        {
            "u": np.where(back, v, u),
            "v": np.where(back, u, v),
            "length_m": edges["length_m"].to_numpy(float)[use],
            "highway": highway,
            "oneway": ~(rules.forward & rules.backward)[use],
            "speed_kmh": rules.speed_kmh[use],
        }
    )


def network_from_frames(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    mode: TravelMode,
    options: ModeOptions | None = None,
) -> StreetNetwork:
    """The ``mode`` network of nodes (``id``, ``lon``, ``lat``) and tagged segments."""
    seg = mode_segments(edges, mode, options=options)
    return network_from_arrays(
        nodes["id"],
        nodes["lon"],
        nodes["lat"],
        seg["u"],
        seg["v"],
        seg["length_m"],
        mode=mode,
        highway=seg["highway"],
        oneway=seg["oneway"],
        speed_kmh=seg["speed_kmh"],
    )


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_way_frames(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every street way of a network file with its OSM tags, for :func:`geo.modes.mode_edges`:
    an OSMnx GraphML file (its ways of network type ``all``, with the tags OSMnx kept) or an
    OpenStreetMap extract."""
    from geo._graphml import is_graphml, read_graphml_frames

    if is_graphml(path):
        return read_graphml_frames(path, mode="all")
    from geo._osm import read_way_frames as read_pbf_ways

    return read_pbf_ways(path)


def read_street_frames(
    path: str | Path, *, mode: Literal["walk", "drive"]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge frames of a network file: an OSMnx GraphML file (``.graphml``,
    ``.graphml.gz``) or an OpenStreetMap extract (anything else, read as ``.osm.pbf``).

    Both readers give the same columns (see :data:`EDGE_TAGS`), so everything
    built from the frames is the same whichever file a city comes as.
    """
    from geo._graphml import is_graphml, read_graphml_frames

    if is_graphml(path):
        return read_graphml_frames(path, mode=mode)
    from geo._osm import read_street_frames as read_pbf_frames

    return read_pbf_frames(path, mode=mode)


def load_network(
    pbf: str | Path,
    *,
    mode: TravelMode = "walk",
    options: ModeOptions | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> StreetNetwork:
    """Read one travel mode's network of a local ``.osm.pbf`` or OSMnx GraphML file.

    Parameters
    ----------
    pbf
        OpenStreetMap extract (``.osm.pbf``), or an OSMnx GraphML file
        (``.graphml``, plain or gzipped); both are cached the same way.
    mode
        ``walk`` (pyrosm's walking ways, costs in metres) or ``ebike``, ``bike``,
        ``drive``, ``truck`` (every street way through :func:`geo.modes.mode_edges`,
        costs in seconds).
    options
        Speeds and the truck's dimensions for those modes.
    cache_dir
        Where to keep the built graph as ``.npz``, keyed by the file's SHA-256,
        the mode and its options; a second load of the same file reads the cache.
    progress
        Show a progress bar on standard error while building.
    """
    check_mode(mode)
    opts = options or ModeOptions()
    path = Path(pbf)
    cache: Path | None = None
    if cache_dir is not None and path.is_file():
        tag = (
            mode
            if mode == "walk"
            else f"{mode}-{hashlib.sha1(opts.key().encode()).hexdigest()[:8]}"
        )
        key = f"{_file_hash(path)[:24]}-{tag}-v{_CACHE_FORMAT}"
        cache = Path(cache_dir) / f"network-{key}.npz"
        if cache.is_file():
            with np.load(cache, allow_pickle=False) as z:
                log.debug("network cache hit %s", cache)
                return network_from_arrays(
                    z["node_id"],
                    z["lon"],
                    z["lat"],
                    z["u"],
                    z["v"],
                    z["length_m"],
                    mode=mode,
                    highway=z["highway"],
                    oneway=z["oneway"],
                    speed_kmh=z["speed_kmh"] if mode != "walk" else None,
                    epsg=int(z["epsg"]),
                )
    bar = tqdm(total=3, desc=f"{path.name}: {mode} network", disable=not progress, leave=False)
    if mode == "walk":
        nodes, edges = read_street_frames(path, mode="walk")
        speed = np.full(len(edges), opts.walk_kmh)
    else:
        nodes, ways = read_way_frames(path)  # every street way, PBF or GraphML
        edges = mode_segments(ways, mode, options=opts)
        speed = edges["speed_kmh"].to_numpy(float)
    bar.update()
    net = network_from_arrays(
        nodes["id"],
        nodes["lon"],
        nodes["lat"],
        edges["u"],
        edges["v"],
        edges["length_m"],
        mode=mode,
        highway=edges["highway"],
        oneway=edges["oneway"],
        speed_kmh=speed if mode != "walk" else None,
    )
    bar.update()
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        # A name of this process's own: workers building the same cache at once never
        # write into each other's file; the last rename wins with identical content.
        tmp = cache.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp.npz")
        np.savez(
            tmp,
            node_id=nodes["id"].to_numpy(),
            lon=nodes["lon"].to_numpy(),
            lat=nodes["lat"].to_numpy(),
            u=edges["u"].to_numpy(),
            v=edges["v"].to_numpy(),
            length_m=edges["length_m"].to_numpy(),
            highway=edges["highway"].to_numpy().astype(str),
            oneway=edges["oneway"].to_numpy(),
            speed_kmh=np.asarray(speed, dtype=float),
            epsg=np.int64(net.epsg),
        )
        tmp.replace(cache)  # atomic: a crash never leaves half a cache file
    bar.update()
    bar.close()
    return net
