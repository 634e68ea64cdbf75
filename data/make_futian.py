"""The Futian (Shenzhen) demo region: its files in ``data/`` and about 40 DEMO stations.

``data/make_demo.py`` runs it (from the repository root)::

    .venv/bin/python data/make_demo.py [--shared ../shared/data/shenzhen]

Two steps:

* ``extract`` (only with ``--shared``): copies what the demo needs from the
  shared Shenzhen folder: the OSMnx GraphML of western Futian, gzipped; the
  taxi pickups and drop-offs inside the network's bounding box as two demand
  layers; the Futian district polygon.
* ``stations``: places the DEMO stations on real intersections of that
  network, read from the committed ``futian_osm.graphml.gz``.

Both are byte-for-byte reproducible: rows sorted by id, coordinates with 7
decimals, a fixed ``updated_at``, gzip without a time stamp, and every choice
a function of an OSM node id (CRC-32), never of the clock or a random draw.
"""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj

from geo.network import read_street_frames
from geo.types import Kind, Station, Status

DATA_DIR = Path(__file__).resolve().parent
GRAPHML = "futian_osm.graphml.gz"
DISTRICTS = "futian_districts.geojson"
DEMAND_LAYERS = {
    "taxi_pickups": ("Lng", "Lat", "Stime"),
    "taxi_dropoffs": ("ELng", "ELat", "Etime"),
}
"""Demand layer -> (lon, lat, time) columns of the taxi trips file."""
SOURCE = "demo:osm-futian"
OPERATOR = "DEMO"
UPDATED_AT = "2026-01-01T00:00:00Z"
DISTRICT = "福田区"
COORD_DECIMALS = 7
MIN_SPACING_M = 150.0

# Stations per cell of a 4 x 4 grid over the network's bbox, south row first, west to east:
# dense around the Chegongmiao and Xiangmihu business districts in the east, thin in the
# west, none in the south-west corner (a cell short of places passes the rest to the
# next), so some streets are covered twice, some once, some not.
CELL_QUOTA = ((0, 0, 3, 5), (0, 1, 4, 5), (1, 1, 4, 5), (0, 2, 4, 5))

KIND_ORDER: tuple[Kind, ...] = (
    (Kind.WORKER_STATION,) * 12
    + (Kind.RIDER_STATION,) * 10
    + (Kind.SMART_STATION,) * 6
    + (Kind.DRIVER_HOME,) * 5
    + (Kind.SAFETY_STATION,) * 4
    + (Kind.WORKERS_HOME,) * 3
)
"""The kinds, dealt to the chosen places in the order of their CRC-32."""

NAME_PATTERN: dict[Kind, str] = {
    Kind.WORKER_STATION: "DEMO 工会驿站：{a}户外劳动者服务站",
    Kind.RIDER_STATION: "DEMO 骑士驿站：{a}便利店",
    Kind.SMART_STATION: "DEMO 智能驿站：{a}{b}口",
    Kind.DRIVER_HOME: "DEMO 司机之家：{a}加油站",
    Kind.SAFETY_STATION: "DEMO 群众安康工作服务站：{a}社区",
    Kind.WORKERS_HOME: "DEMO 职工之家：{b}",
}

AMENITIES: dict[Kind, tuple[str, ...]] = {
    Kind.WORKER_STATION: ("air_conditioning", "charging", "hot_water", "microwave", "rest_area",
                          "toilet", "water"),
    Kind.RIDER_STATION: ("charging", "microwave", "rest_area", "water"),
    Kind.SMART_STATION: ("air_conditioning", "charging", "first_aid", "hot_water", "rest_area",
                         "water", "wifi"),
    Kind.DRIVER_HOME: ("charging", "hot_water", "parking", "rest_area", "shower", "toilet",
                       "truck_parking", "water"),
    Kind.SAFETY_STATION: ("blood_pressure", "first_aid", "rest_area", "water"),
    Kind.WORKERS_HOME: ("air_conditioning", "fridge", "meals", "reading_room", "rest_area",
                        "toilet", "water", "wifi"),
}  # fmt: skip
"""Amenities of every demo station of a kind."""

EXTRA = ("fridge", "sanitary_products", "toilet", "wifi")
"""Bit ``i`` of CRC-32(id) >> 8 adds extra ``i``."""

HOURS: dict[Kind, tuple[str, str]] = {
    Kind.WORKER_STATION: ("Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00", "07:00-22:00"),
    Kind.RIDER_STATION: ("07:00-23:00", "24/7"),
    Kind.SMART_STATION: ("24/7", "24/7"),
    Kind.DRIVER_HOME: ("24/7", "24/7"),
    Kind.SAFETY_STATION: ("Mo-Fr 09:00-17:30", "Mo-Sa 09:00-17:30"),
    Kind.WORKERS_HOME: ("Mo-Fr 09:00-18:00", "Mo-Fr 09:00-20:00; Sa 10:00-16:00"),
}
"""Two choices of hours per kind, picked by bit 0 of CRC-32(id): day-only and 24/7 places,
so coverage at night differs from coverage by day."""

_GEOD = pyproj.Geod(ellps="WGS84")


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _street(name: str) -> str:
    """A street's own name: side roads (辅路) are the main road's; junctions (立交) are none."""
    name = name.removesuffix("辅路")
    return "" if any(w in name for w in ("立交", "通道", "栈道", "匝道")) else name


def intersections(graphml: str | Path) -> pd.DataFrame:
    """Nodes of the walking network where two differently named streets meet.

    Columns ``node`` (OSM id), ``lon``, ``lat``, ``a`` and ``b`` (the two
    street names, ``a`` the one of the longer named length at the node, ties by name).
    """
    nodes, edges = read_street_frames(graphml, mode="walk")
    edges = edges.assign(street=edges["name"].map(_street))
    edges = edges[edges["street"] != ""]
    ends = pd.concat(
        [edges[["u", "street", "length_m"]].rename(columns={"u": "node"}),
         edges[["v", "street", "length_m"]].rename(columns={"v": "node"})]
    )  # fmt: skip
    ends = ends[ends["node"] > 0]  # OSM nodes only, not the shape vertices of an edge
    named = ends.groupby(["node", "street"], as_index=False)["length_m"].sum()
    named = named.sort_values(["node", "length_m", "street"], ascending=[True, False, True])
    two = named.groupby("node").filter(lambda g: len(g) >= 2).groupby("node").head(2)
    pairs = two.groupby("node")["street"].agg(list)
    out = pd.DataFrame({"node": pairs.index, "a": pairs.str[0], "b": pairs.str[1]})
    pos = nodes.set_index("id").loc[out["node"], ["lon", "lat"]].to_numpy()
    return out.assign(lon=pos[:, 0], lat=pos[:, 1]).reset_index(drop=True)


def futian_stations(graphml: str | Path | None = None) -> list[Station]:
    """The DEMO stations, sorted by id (``demo-futian-<OSM node id>``)."""
    places = intersections(graphml or DATA_DIR / GRAPHML)
    west, east = places["lon"].min(), places["lon"].max()
    south, north = places["lat"].min(), places["lat"].max()
    col = np.minimum(((places["lon"] - west) / (east - west) * 4).astype(int), 3)
    row = np.minimum(((places["lat"] - south) / (north - south) * 4).astype(int), 3)
    places = places.assign(cell_row=row, cell_col=col, crc=places["node"].astype(str).map(_crc))
    chosen: list[pd.Series] = []
    owed = 0
    for (r, c), cell in places.sort_values(["crc", "node"]).groupby(["cell_row", "cell_col"]):
        quota, taken = CELL_QUOTA[int(r)][int(c)] + owed, 0
        for _, place in cell.iterrows():
            if taken == quota:
                break
            if chosen:
                _, _, d = _GEOD.inv(
                    np.full(len(chosen), place["lon"]),
                    np.full(len(chosen), place["lat"]),
                    [p["lon"] for p in chosen],
                    [p["lat"] for p in chosen],
                )
                if np.min(d) < MIN_SPACING_M:
                    continue
            chosen.append(place)
            taken += 1
        owed = quota - taken
    chosen.sort(key=lambda p: (p["crc"], p["node"]))
    stations = []
    for kind, place in zip(KIND_ORDER, chosen, strict=False):
        sid = f"demo-futian-{int(place['node'])}"
        bits = _crc(sid)
        extras = tuple(e for i, e in enumerate(EXTRA) if bits >> (8 + i) & 1)
        stations.append(
            Station(
                id=sid,
                name=NAME_PATTERN[kind].format(a=place["a"], b=place["b"]),
                kind=kind,
                lon=round(float(place["lon"]), COORD_DECIMALS),
                lat=round(float(place["lat"]), COORD_DECIMALS),
                address=f"深圳市福田区{place['a']}与{place['b']}交叉口",
                district=DISTRICT,
                operator=OPERATOR,
                phone="",
                amenities=tuple(sorted(set(AMENITIES[kind] + extras))),
                opening_hours=HOURS[kind][bits & 1],
                status=Status.OPEN,
                source=SOURCE,
                updated_at=UPDATED_AT,
            )
        )
    return sorted(stations, key=lambda s: s.id)


def extract(shared: Path, out_dir: Path = DATA_DIR) -> list[Path]:
    """Copy the network (gzipped), the demand layers and the district from ``shared``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    graphml = out_dir / GRAPHML
    with (
        open(shared / "futian_osm.graphml", "rb") as src,
        open(graphml, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(src.read())
    nodes, _ = read_street_frames(graphml, mode="walk")
    nodes = nodes[nodes["id"] > 0]  # the graph's nodes, not the shape vertices of its edges
    west, east = nodes["lon"].min(), nodes["lon"].max()
    south, north = nodes["lat"].min(), nodes["lat"].max()
    trips = pd.read_csv(shared / "shenzhen_taxi_trips.csv")
    written = [graphml]
    for layer, (lon_col, lat_col, time_col) in DEMAND_LAYERS.items():
        inside = trips[lon_col].between(west, east) & trips[lat_col].between(south, north)
        part = trips[inside].sort_values("orderid")
        path = out_dir / f"futian_{layer}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["id", "lon", "lat", "weight", "time"])
            for rec in part.itertuples(index=False):
                rec_d = rec._asdict()
                w.writerow(
                    [f"trip-{int(rec_d['orderid'])}", f"{rec_d[lon_col]:.6f}",
                     f"{rec_d[lat_col]:.6f}", "1", str(rec_d[time_col])[11:16]]
                )  # fmt: skip
        written.append(path)
    districts = json.loads((shared / "shenzhen_districts.geojson").read_text(encoding="utf-8"))
    futian = [f for f in districts["features"] if f["properties"]["qh"] == "福田"]
    for f in futian:
        f["properties"] = {"name": DISTRICT}
    path = out_dir / DISTRICTS
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": futian}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return [*written, path]
