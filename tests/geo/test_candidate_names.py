"""OSM candidates without a name are named after their tag and nearest street (issue 23),
checked against a brute force over every named segment in UTM metres (pyproj)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo.candidate_names import STREET_NEAR_M, name_candidates, nearest_street_names
from geo.network import read_street_frames


@pytest.fixture(scope="module")
def frames(helsinki_pbf: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_street_frames(helsinki_pbf, mode="walk")


def _brute_force(
    lon: np.ndarray, lat: np.ndarray, nodes: pd.DataFrame, edges: pd.DataFrame
) -> list[dict[str, float]]:
    """For each point, the distance (UTM 35N metres) to the nearest segment of each name."""
    utm = Transformer.from_crs(4326, 32635, always_xy=True)
    nx, ny = utm.transform(nodes["lon"].to_numpy(), nodes["lat"].to_numpy())
    at = pd.Index(nodes["id"])
    named = edges[edges["name"] != ""]
    iu, iv = at.get_indexer(named["u"]), at.get_indexer(named["v"])
    segs = shapely.linestrings(
        np.stack([np.column_stack([nx[iu], ny[iu]]), np.column_stack([nx[iv], ny[iv]])], 1)
    )
    px, py = utm.transform(lon, lat)
    out = []
    for x, y in zip(px, py, strict=True):
        d = shapely.distance(shapely.Point(x, y), segs)
        best: dict[str, float] = {}
        for name, dist in zip(named["name"], d, strict=True):
            best[name] = min(best.get(name, np.inf), float(dist))
        out.append(best)
    return out


def test_nearest_street_names_match_a_brute_force(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    nodes, edges = frames
    rng = np.random.default_rng(23)
    lon = rng.uniform(nodes["lon"].min(), nodes["lon"].max(), 40)
    lat = rng.uniform(nodes["lat"].min(), nodes["lat"].max(), 40)
    got = nearest_street_names(lon, lat, nodes, edges)
    truth = _brute_force(lon, lat, nodes, edges)
    for name, best in zip(got, truth, strict=True):
        nearest = min(best.values())
        if nearest > STREET_NEAR_M + 1:
            assert name == ""
        elif name:  # as near as the nearest named street, up to the projections' difference
            assert best[name] <= nearest * 1.01 + 0.5
    assert sum(bool(n) for n in got) >= 30  # the extract is a dense city centre


def test_unnamed_places_get_their_tag_and_street(
    helsinki_pbf: str, frames: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    nodes, edges = frames
    lon0, lat0 = 24.9410, 60.1700
    cands = pd.DataFrame(
        {
            "id": ["osm-node-1", "osm-node-2", "osm-node-3", "osm-node-4"],
            "name": ["Kamppi", "fuel", "", "community_centre"],
            "lon": [lon0, lon0, lon0 + 0.001, 25.30],  # the last is 20 km off the extract
            "lat": [lat0, lat0, lat0 + 0.0005, 60.30],
            "source": ["shop=mall", "amenity=fuel", "amenity=townhall", "amenity=community_centre"],
        }
    )
    named = name_candidates(cands, helsinki_pbf)
    truth = _brute_force(cands["lon"].to_numpy()[1:3], cands["lat"].to_numpy()[1:3], nodes, edges)
    assert named.loc[0, "name"] == "Kamppi"  # OSM's name is kept
    for i, best in zip((1, 2), truth, strict=True):
        tag = cands.loc[i, "source"].split("=")[1]
        street = named.loc[i, "name"].removeprefix(f"{tag} near ")
        assert street != named.loc[i, "name"] and street in best
        assert best[street] <= min(best.values()) * 1.01 + 0.5
    assert named.loc[3, "name"] == "community centre"  # no street within reach: the tag alone
    assert cands.loc[1, "name"] == "fuel"  # the input is not changed
    assert (
        (named[["id", "lon", "lat", "source"]] == cands[["id", "lon", "lat", "source"]]).all().all()
    )
