"""Candidate sites of a region: its declared file, its OSM places, or street junctions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InvalidInputError, NotFoundError
from geo.network import StreetNetwork
from geo.regions.declarations import Region

__all__ = ["junction_candidates", "junction_names", "region_candidates"]


def junction_names(path: str | Path) -> dict[int, str]:
    """``"A / B"`` for each node where streets of two names meet (the two longest named),
    from the ``name`` tags of a network file's walking edges."""
    from geo.network import read_street_frames

    _, edges = read_street_frames(path, mode="walk")
    ends = pd.concat(
        [
            edges[["u", "name", "length_m"]].rename(columns={"u": "node"}),
            edges[["v", "name", "length_m"]].rename(columns={"v": "node"}),
        ]
    )
    ends = ends[ends["name"] != ""]
    named = ends.groupby(["node", "name"], as_index=False).agg(length_m=("length_m", "sum"))
    named = named.sort_values(["node", "length_m", "name"], ascending=[True, False, True])
    top = named.groupby("node").head(2).groupby("node")["name"].agg(" / ".join)
    return {int(k): str(v) for k, v in top.items()}  # type: ignore[call-overload]


def junction_candidates(
    net: StreetNetwork, *, spacing_m: float = 250.0, names: dict[int, str] | None = None
) -> pd.DataFrame:
    """Street junctions (three or more streets meet) as candidate sites, one per
    ``spacing_m`` square (the lowest node id in it), for networks without places.

    Columns ``id``, ``name`` (from ``names`` by node id when given, e.g.
    :func:`junction_names`, else the id), ``lon``, ``lat``, ``source`` as
    :func:`geo.siting.osm_candidates`.
    """
    degree = np.bincount(np.concatenate([net.edge_u, net.edge_v]), minlength=net.n_nodes)
    junction = np.flatnonzero((degree >= 3) & (net.node_id > 0))
    cell = np.column_stack(
        [np.floor(net.x[junction] / spacing_m), np.floor(net.y[junction] / spacing_m)]
    ).astype(np.int64)
    order = np.lexsort((net.node_id[junction], cell[:, 1], cell[:, 0]))
    _, first = np.unique(cell[order], axis=0, return_index=True)
    pick = junction[order[first]]
    pick = pick[np.argsort(net.node_id[pick])]
    ids = [f"junction-{i}" for i in net.node_id[pick]]
    known = names or {}
    label = [known.get(int(n), i) for n, i in zip(net.node_id[pick], ids, strict=True)]
    return pd.DataFrame(
        {"id": ids, "name": label, "lon": net.lon[pick], "lat": net.lat[pick], "source": "junction"}
    )


def region_candidates(region: Region) -> pd.DataFrame:
    """Candidate sites of a region: its declared file, else the places (community centres,
    town halls …) of its OSM extract, else street junctions (an OSMnx file has no places)."""
    if region.spec.candidates is not None:
        path = region.spec.candidates
        if not path.is_file():
            raise NotFoundError(f"{path}: no such candidates file")
        frame = pd.read_csv(path, keep_default_na=False)
        missing = {"id", "lon", "lat"} - set(frame.columns)
        if missing:
            raise InvalidInputError(f"{path}: no column(s) {', '.join(sorted(missing))}")
        frame["name"] = frame["name"] if "name" in frame else frame["id"]
        return frame.assign(source=f"file:{path.name}")[["id", "name", "lon", "lat", "source"]]
    from geo._graphml import is_graphml

    if not is_graphml(region.network_path):
        from geo.candidate_names import named_osm_candidates

        return named_osm_candidates(region.network_path)
    return junction_candidates(region.network, names=junction_names(region.network_path))
