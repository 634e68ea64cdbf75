"""Names of OSM candidate sites a planner can recognise.

:func:`geo.siting.osm_candidates` names a place after its ``name`` tag, else after
the tag it was found by (``fuel``, ``mall``), which says nothing about where it
is. :func:`name_candidates` keeps every name OSM has and names the others after
their tag and the nearest named street of the network file: ``fuel near
Mannerheimintie``, ``community centre near 福华路``.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

__all__ = ["STREET_NEAR_M", "name_candidates", "named_osm_candidates", "nearest_street_names"]

STREET_NEAR_M = 300.0
"""A street farther than this from a place does not name it (the tag alone does)."""

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0


def _local_metres(
    lon: npt.ArrayLike, lat: npt.ArrayLike, lat0: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Equirectangular metres about latitude ``lat0``: exact enough within a city to tell
    which street is nearest (the error is a fraction of a percent over a few km)."""
    x = np.asarray(lon, float) * _M_PER_DEG_LON * np.cos(np.radians(lat0))
    return x, np.asarray(lat, float) * _M_PER_DEG_LAT


def nearest_street_names(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    max_m: float = STREET_NEAR_M,
) -> list[str]:
    """The name of the nearest named street segment to each point ("" when none is within
    ``max_m``).

    Parameters
    ----------
    lon, lat
        The points, WGS-84 degrees.
    nodes, edges
        A network file's frames (:func:`geo.network.read_street_frames`): nodes ``id``,
        ``lon``, ``lat``; edges ``u``, ``v``, ``name`` (one straight segment per row).
    max_m
        Farthest a street may be, metres.
    """
    lon_a, lat_a = np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))
    names = [""] * lon_a.size
    named = edges[edges["name"].astype(str) != ""]
    if lon_a.size == 0 or named.empty:
        return names
    where = pd.Index(nodes["id"])
    iu, iv = where.get_indexer(named["u"]), where.get_indexer(named["v"])
    keep = (iu >= 0) & (iv >= 0)
    iu, iv, seg_names = iu[keep], iv[keep], named["name"].astype(str).to_numpy()[keep]
    lat0 = float(np.mean(lat_a))
    nx, ny = _local_metres(nodes["lon"].to_numpy(), nodes["lat"].to_numpy(), lat0)
    coords = np.stack([np.column_stack([nx[iu], ny[iu]]), np.column_stack([nx[iv], ny[iv]])], 1)
    segments = cast("npt.NDArray[np.object_]", shapely.linestrings(coords))  # one per row
    tree = shapely.STRtree(segments)
    px, py = _local_metres(lon_a, lat_a, lat0)
    point_i, seg_i = tree.query_nearest(
        shapely.points(px, py), max_distance=max_m, all_matches=False
    )
    for p, s in zip(point_i.tolist(), seg_i.tolist(), strict=True):
        names[p] = str(seg_names[s])
    return names


def _tag_value(source: pd.Series) -> pd.Series:
    """``fuel`` of ``amenity=fuel``."""
    return source.astype(str).str.split("=", n=1).str[-1]


def name_candidates(candidates: pd.DataFrame, network_file: str | Path) -> pd.DataFrame:
    """``candidates`` with the places OSM gives no name named after their tag and street.

    Parameters
    ----------
    candidates
        As :func:`geo.siting.osm_candidates` gives them: ``name`` (the place's name, or its
        tag's value when it has none), ``lon``, ``lat``, ``source`` (``key=value``).
    network_file
        The ``.osm.pbf`` or GraphML file whose named streets name them.

    Returns
    -------
    pandas.DataFrame
        A copy; a place without a name is ``"<tag> near <street>"`` (underscores of the tag
        as spaces), or the tag alone when no named street is within :data:`STREET_NEAR_M`.
    """
    out = candidates.copy()
    if out.empty or "source" not in out:
        return out
    tag = _tag_value(out["source"])
    unnamed = (out["name"].astype(str) == "") | (out["name"].astype(str) == tag)
    if not unnamed.any():
        return out
    from geo.network import read_street_frames

    nodes, edges = read_street_frames(network_file, mode="walk")
    rows = out.loc[unnamed]
    streets = nearest_street_names(rows["lon"], rows["lat"], nodes, edges)
    label = tag[unnamed].str.replace("_", " ")
    out.loc[unnamed, "name"] = [
        f"{t} near {s}" if s else t for t, s in zip(label, streets, strict=True)
    ]
    return out


def named_osm_candidates(pbf: str | Path) -> pd.DataFrame:
    """:func:`geo.siting.osm_candidates` of ``pbf``, named by :func:`name_candidates`."""
    from geo.siting import osm_candidates

    return name_candidates(osm_candidates(pbf), pbf)
