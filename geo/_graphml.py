"""The only module that reads OSMnx GraphML files (plain ``.graphml`` or gzipped ``.graphml.gz``).

Returns the same node and edge frames as :func:`geo._osm.read_street_frames`,
so the network builder cannot tell the two sources apart:

* nodes ``id``, ``lon``, ``lat``;
* edges ``u``, ``v``, ``length_m`` and ``highway``, ``oneway`` and the OSM
  tags of :data:`geo.network.EDGE_TAGS` (empty strings where the file has none), one
  straight segment per edge.

OSMnx simplifies its graphs: an edge runs between intersections and carries
the street's shape as a ``geometry`` (WKT). Each such edge is cut back into
straight segments, the way pyrosm splits ways at every OSM node. The shape's
inner vertices have no node id in the file: each gets a negative id of its
own, shared by the two directions of a two-way street (an inner vertex of a
simplified edge is a degree-2 node: no other street meets it there). The
edge's ``length`` (metres) is kept and shared among its segments in
proportion to their haversine lengths, the measure both OSMnx and pyrosm use,
so a segment's length is the same from either file.

OSMnx files of network type ``all`` hold ways nobody walks on (motorways) or
drives on (footways): :func:`read_graphml_frames` keeps those of the mode with
the rules of pyrosm's ``walking`` and ``driving`` filters, on the tags the file has.
"""

from __future__ import annotations

import ast
import gzip
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd
import shapely

from geo.errors import InvalidInputError, NotFoundError
from geo.network import EDGE_TAGS

__all__ = ["is_graphml", "read_graphml_frames"]

_NS = "{http://graphml.graphdrawing.org/xmlns}"
_COORD_SCALE = 1e7  # OSM stores coordinates to 7 decimals: equal vertices are equal here
_EARTH_RADIUS_M = 6_371_009.0

# The ways pyrosm's "walking" and "driving" filters leave out (pyrosm.config.osm_filters).
_ALWAYS_EXCLUDED = {
    "abandoned", "construction", "no", "planned", "platform", "proposed", "raceway",
    "razed", "rest_area", "services",
}  # fmt: skip
_NOT_WALK = _ALWAYS_EXCLUDED | {"bus_guideway", "cycleway", "motor", "motorway", "motorway_link"}
_NOT_DRIVE = _ALWAYS_EXCLUDED | {
    "bridleway", "bus_guideway", "busway", "corridor", "cycleway", "elevator", "escalator",
    "footway", "ladder", "path", "pedestrian", "steps", "track", "trail", "service",
}  # fmt: skip
_CLOSED = {"no", "private"}


def is_graphml(path: str | Path) -> bool:
    """Whether ``path`` names a GraphML file (``.graphml`` or ``.graphml.gz``).

    Examples
    --------
    >>> is_graphml("futian.graphml.gz"), is_graphml("city.osm.pbf")
    (True, False)
    """
    name = Path(path).name.lower()
    return name.endswith(".graphml") or name.endswith(".graphml.gz")


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")  # type: ignore[return-value]


def _parse(path: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Every node's and edge's attributes by name (``id``; ``source``, ``target``)."""
    keys: dict[str, str] = {}
    nodes: list[dict[str, str]] = []
    edges: list[dict[str, str]] = []
    try:
        with _open(path) as fh:
            for _, el in ET.iterparse(fh, events=("end",)):
                tag = el.tag.removeprefix(_NS)
                if tag == "key":
                    keys[el.get("id", "")] = el.get("attr.name", "")
                elif tag in ("node", "edge"):
                    rec = {keys.get(d.get("key", ""), ""): d.text or "" for d in el}
                    if tag == "node":
                        rec["id"] = el.get("id", "")
                        nodes.append(rec)
                    else:
                        rec["source"], rec["target"] = el.get("source", ""), el.get("target", "")
                        edges.append(rec)
                    el.clear()
    except (ET.ParseError, OSError, EOFError) as exc:
        raise InvalidInputError(f"{path}: not a readable GraphML file ({exc})") from None
    return nodes, edges


def _first(value: str) -> str:
    """OSMnx writes merged ways' differing tags as a list (``['footway', 'steps']``): the first."""
    text = value.strip()
    if text.startswith("["):
        try:
            items = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
        return str(items[0]) if isinstance(items, list) and items else ""
    return text


def _keep(frame: pd.DataFrame, mode: Literal["walk", "drive"]) -> np.ndarray:
    """The edges of ``mode``'s network, by pyrosm's filter rules on the tags present."""
    excluded = _NOT_WALK if mode == "walk" else _NOT_DRIVE
    keep = ~frame["highway"].isin(excluded) & (frame["highway"] != "")
    keep &= frame["area"] != "yes"
    keep &= frame["service"] != "private"
    if mode == "walk":
        # The most specific access tag decides: foot=yes opens a way that access=no closes.
        decides = frame["foot"].where(frame["foot"] != "", frame["access"])
    else:
        decides = frame["access"]
    keep &= ~decides.isin(_CLOSED)
    return keep.to_numpy()


def _haversine_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Haversine length of each step between consecutive points."""
    lo, la = np.radians(lon), np.radians(lat)
    a = (
        np.sin(np.diff(la) / 2) ** 2
        + np.cos(la[:-1]) * np.cos(la[1:]) * np.sin(np.diff(lo) / 2) ** 2
    )
    return np.asarray(2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), float)


def read_graphml_frames(
    path: str | Path, *, mode: Literal["walk", "drive", "all"]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of the walking or driving network in an OSMnx GraphML file.

    Parameters
    ----------
    path
        A ``.graphml`` file as OSMnx writes it (``ox.save_graphml``), plain or gzipped.
    mode
        ``walk`` or ``drive``.

    Returns
    -------
    tuple of DataFrame
        Nodes (``id``, ``lon``, ``lat``) and one row per straight segment
        (``u``, ``v``, ``length_m``, ``highway``, ``oneway`` and :data:`EDGE_TAGS`).

    Raises
    ------
    NotFoundError
        When the file does not exist.
    InvalidInputError
        When it is not GraphML, lacks node coordinates, or has no street of the mode.
    """
    if mode not in ("walk", "drive", "all"):
        raise InvalidInputError(f"mode={mode!r} is not a network mode; use walk, drive or all")
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such GraphML file")
    node_recs, edge_recs = _parse(path)
    nodes = pd.DataFrame(node_recs, columns=["id", "x", "y"]).astype(object).fillna("")
    try:
        node_id = nodes["id"].astype(np.int64).to_numpy()
        node_lon = nodes["x"].astype(float).to_numpy()
        node_lat = nodes["y"].astype(float).to_numpy()
    except ValueError:
        raise InvalidInputError(
            f"{path}: every node needs an integer id and coordinates x (lon), y (lat)"
        ) from None
    cols = ["source", "target", "length", "geometry", "highway", "oneway", *EDGE_TAGS]
    edges = pd.DataFrame(edge_recs, columns=cols).astype(object).fillna("")
    for col in ("highway", *EDGE_TAGS):
        edges[col] = edges[col].map(_first)
    if mode != "all":  # "all": every way, for geo.modes to judge by its own rules
        edges = edges[_keep(edges, mode)].reset_index(drop=True)
    if edges.empty:
        raise InvalidInputError(f"{path}: no {mode} streets in this file")
    try:
        src = edges["source"].astype(np.int64).to_numpy()
        dst = edges["target"].astype(np.int64).to_numpy()
    except ValueError:
        raise InvalidInputError(f"{path}: edge ends must be integer node ids") from None
    at = pd.Series(np.arange(node_id.size), index=node_id)
    if not (np.isin(src, node_id).all() and np.isin(dst, node_id).all()):
        raise InvalidInputError(f"{path}: an edge ends at a node the file does not list")
    # Each edge's vertices: its shape where it has one, else its two end nodes.
    has_shape = edges["geometry"].str.len().to_numpy() > 0
    wkt = edges["geometry"].to_numpy(dtype=object)
    ends = np.column_stack(
        [node_lon[at[src].to_numpy()], node_lat[at[src].to_numpy()],
         node_lon[at[dst].to_numpy()], node_lat[at[dst].to_numpy()]]
    )  # fmt: skip
    lines = np.empty(len(edges), dtype=object)
    lines[has_shape] = shapely.from_wkt(list(wkt[has_shape]), on_invalid="ignore")
    lines[~has_shape] = shapely.linestrings(ends[~has_shape].reshape(-1, 2, 2))
    if shapely.is_missing(lines).any():
        row = int(np.flatnonzero(shapely.is_missing(lines))[0])
        raise InvalidInputError(f"{path}: edge {row + 1}: geometry is not a WKT line")
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    first = np.r_[True, owner[1:] != owner[:-1]]
    last = np.r_[owner[1:] != owner[:-1], True]
    # An inner vertex is keyed by its edge's two ends and its position, so the two
    # directions of a street share it and no other street is joined to it.
    lo, hi = np.minimum(src, dst)[owner], np.maximum(src, dst)[owner]
    key = np.column_stack([lo, hi, np.round(coords * _COORD_SCALE).astype(np.int64)])
    _, inverse = np.unique(key, axis=0, return_inverse=True)
    vid = -1 - inverse.reshape(-1).astype(np.int64)
    vid[first] = src  # an edge starts and ends at its own nodes, whatever its shape says
    vid[last] = dst
    step = ~last  # a segment from each vertex to the next one of the same edge
    seg_owner = owner[step]
    lon, lat = coords[:, 0], coords[:, 1]
    piece = _haversine_m(lon, lat)[step[:-1]]
    total = np.bincount(seg_owner, weights=piece, minlength=len(edges))
    given = pd.to_numeric(edges["length"], errors="coerce").to_numpy(float)
    given = np.where(np.isfinite(given), given, total)
    share = np.divide(piece, total[seg_owner], out=np.ones_like(piece), where=total[seg_owner] > 0)
    n_pieces = np.bincount(seg_owner, minlength=len(edges))
    share = np.where(total[seg_owner] > 0, share, 1.0 / n_pieces[seg_owner])
    inner = ~first & ~last
    extra = pd.DataFrame({"id": vid[inner], "lon": lon[inner], "lat": lat[inner]})
    node_frame = pd.concat(
        [pd.DataFrame({"id": node_id, "lon": node_lon, "lat": node_lat}), extra]
    ).drop_duplicates("id", ignore_index=True)
    oneway = edges["oneway"].str.lower().isin(["true", "yes", "1"]).to_numpy()
    edge_frame = pd.DataFrame(
        {
            "u": vid[:-1][step[:-1]],
            "v": vid[1:][step[:-1]],
            "length_m": given[seg_owner] * share,
            "highway": edges["highway"].to_numpy()[seg_owner],
            # "all" keeps the tag's text: geo.modes reads "true" as one-way u→v (OSMnx has
            # already turned "-1" ways round).
            "oneway": (
                np.where(oneway, "true", "false")[seg_owner]
                if mode == "all"
                else oneway[seg_owner]
                if mode == "drive"
                else np.zeros(seg_owner.size, bool)
            ),
            **{tag: edges[tag].to_numpy()[seg_owner] for tag in EDGE_TAGS},
        }
    )
    return node_frame, edge_frame
