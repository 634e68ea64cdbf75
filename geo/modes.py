"""Travel modes: which OSM ways each mode may use, in which direction, and how fast.

One function, :func:`mode_edges`, turns a frame of street segments with their
OSM tags (as :func:`geo._osm.read_way_frames` or an OSMnx GraphML file give
them; a tag column that is missing counts as untagged) into, per segment,
whether the mode may travel it forwards (u→v) and backwards (v→u), and its
speed in km/h. The rules are vectorised over the whole frame.

Written here rather than taken from a routing engine: OSRM, Valhalla and
GraphHopper ship such profiles, but as Lua/C++/Java inside their servers, not
as a library that labels a frame of ways; OSMnx's network types only filter
ways (no speeds per mode, no vehicle dimensions). The rules below follow the
OSM wiki's access tags and OSRM's bicycle and car profiles where a number
comes from them; each number's source is in :data:`SPEED_SOURCES` and in the
README's travel-mode table.

Rules
-----
- ``walk``: pyrosm's walking filter (OSMnx ``walk``), every way both ways,
  4.8 km/h. Not built here: :func:`geo.network.load_network` reads it as it
  always has; :func:`mode_edges` still answers for it, for tests and tools.
- ``bike``, ``ebike``: cycleways, tracks, paths and every road from trunk
  down; footways and pedestrian streets only where ``bicycle`` allows it;
  never steps, motorways, or ways whose ``bicycle`` (else ``vehicle``, else
  ``access``) tag forbids it. One-way rules apply unless ``oneway:bicycle=no``
  or an opposite-direction cycleway. Ways shared with pedestrians are ridden
  at ``shared_kmh`` at most.
- ``drive``: motor roads (motorway … living street, service roads except
  private ones, parking aisles and driveways), ``motor_vehicle`` /
  ``motorcar`` / ``vehicle`` / ``access`` tags, one-way rules (motorways and
  roundabouts are one-way by default), speed from ``maxspeed`` or the
  highway class.
- ``truck``: ``drive`` without ways closed to heavy vehicles (``hgv=no``),
  without ways whose ``maxheight``, ``maxweight`` or ``maxlength`` is below the
  vehicle's (:class:`Vehicle`), speed capped at ``truck_max_kmh``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.errors import InvalidInputError

__all__ = [
    "DRIVE_SPEEDS_KMH",
    "MODES",
    "SPEED_SOURCES",
    "ModeEdges",
    "ModeOptions",
    "TravelMode",
    "Vehicle",
    "check_mode",
    "mode_edges",
    "parse_length_m",
    "parse_speed_kmh",
    "parse_weight_t",
]

TravelMode = Literal["walk", "ebike", "bike", "drive", "truck"]
MODES: tuple[TravelMode, ...] = get_args(TravelMode)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DRIVE_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100,
    "trunk": 80,
    "primary": 60,
    "secondary": 50,
    "tertiary": 40,
    "unclassified": 30,
    "residential": 30,
    "road": 30,
    "service": 20,
    "living_street": 10,
    "motorway_link": 40,
    "trunk_link": 40,
    "primary_link": 40,
    "secondary_link": 40,
    "tertiary_link": 40,
}
"""Driving speed by highway class where a way has no usable ``maxspeed``."""
_DEFAULT_DRIVE_KMH = 30.0

SPEED_SOURCES: dict[str, str] = {
    "walk": "4.8 km/h: the planners' 15 minutes = 1.2 km (mission: 1 km radius, 15 min on foot)",
    "ebike": "15 km/h: usual e-bike speed in non-motorised lanes; GB 17761-2018 caps e-bikes "
    "at 25 km/h by design (configurable up to that)",
    "bike": "15 km/h: OSRM's bicycle profile default speed",
    "shared": "10 km/h at most on ways shared with pedestrians (footway, pedestrian, "
    "living street, unsegregated paths): our assumption, configurable; OSRM pushes "
    "bikes at walking speed where cycling is not allowed",
    "drive": "maxspeed tag, else by highway class (DRIVE_SPEEDS_KMH: legal urban limits "
    "common in China and the EU, lowered where traffic is mixed)",
    "truck": "as drive, capped at 80 km/h by default (the Road Traffic Safety Law's "
    "implementing regulations, art. 78, allow trucks at most 100 km/h on expressways; "
    "urban trucks drive slower); vehicle 4.0 m high, 49 t, 18.1 m long by default "
    "(the GB 1589-2016 maxima for an articulated goods vehicle)",
}


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A truck's dimensions, checked against ``maxheight``/``maxweight``/``maxlength``.

    Defaults are the GB 1589-2016 maxima for an articulated goods vehicle.
    """

    height_m: float = 4.0
    weight_t: float = 49.0
    length_m: float = 18.1

    def __post_init__(self) -> None:
        for name in ("height_m", "weight_t", "length_m"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and np.isfinite(value) and value > 0):
                raise InvalidInputError(f"vehicle {name}={value!r} must be a positive number")


@dataclass(frozen=True, slots=True)
class ModeOptions:
    """Speeds and the vehicle, for modes that use them."""

    walk_kmh: float = 4.8
    ebike_kmh: float = 15.0
    bike_kmh: float = 15.0
    shared_kmh: float = 10.0
    truck_max_kmh: float = 80.0
    vehicle: Vehicle = field(default_factory=Vehicle)

    def __post_init__(self) -> None:
        for name in ("walk_kmh", "ebike_kmh", "bike_kmh", "shared_kmh", "truck_max_kmh"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and np.isfinite(value) and value > 0):
                raise InvalidInputError(f"{name}={value!r} must be a positive number")
        if self.ebike_kmh > 25:
            raise InvalidInputError(
                f"ebike_kmh={self.ebike_kmh!r}: GB 17761-2018 limits e-bikes to 25 km/h"
            )

    def key(self) -> str:
        """A short stable text of every option, for cache keys."""
        v = self.vehicle
        return (
            f"w{self.walk_kmh:g}e{self.ebike_kmh:g}b{self.bike_kmh:g}s{self.shared_kmh:g}"
            f"t{self.truck_max_kmh:g}h{v.height_m:g}m{v.weight_t:g}l{v.length_m:g}"
        )


@dataclass(frozen=True, slots=True)
class ModeEdges:
    """Per segment: may the mode travel it u→v, v→u, and at what speed (km/h)."""

    forward: BoolArray
    backward: BoolArray
    speed_kmh: FloatArray


def check_mode(mode: object) -> TravelMode:
    """``mode`` if it is a travel mode, else :class:`InvalidInputError` listing them."""
    if mode not in MODES:
        raise InvalidInputError(
            f"mode={mode!r} is not a travel mode; use one of {', '.join(MODES)}"
        )
    return mode


_NUMBER = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-z\"']*)\s*$")
_FEET_INCHES = re.compile(r"^\s*([0-9]+)\s*'\s*(?:([0-9]+(?:\.[0-9]+)?)\s*\"?)?\s*$")


def _first_number(text: str) -> tuple[float, str] | None:
    m = _NUMBER.match(text.lower())
    if m is None:
        return None
    return float(m.group(1).replace(",", ".")), m.group(2)


def parse_speed_kmh(value: object) -> float:
    """An OSM ``maxspeed`` value in km/h; ``nan`` where it gives no number.

    ``"50"``, ``"50 km/h"``, ``"30 mph"``, ``"walk"`` (5 km/h); a list such as
    ``"60;40"`` gives its lowest. ``"none"``, ``"signals"`` and zone codes
    (``"CN:urban"``) give ``nan``, so the highway class decides.

    Examples
    --------
    >>> parse_speed_kmh("30 mph")
    48.28032
    >>> parse_speed_kmh("60;40")
    40.0
    """
    if not isinstance(value, str) or not value.strip():
        return float("nan")
    speeds = []
    for part in value.split(";"):
        p = part.strip().lower().replace("km/h", "").replace("kmh", "").replace("kph", "")
        if p == "walk":
            speeds.append(5.0)
            continue
        got = _first_number(p)
        if got is None:
            continue
        number, unit = got
        if unit == "mph":
            number *= 1.609344
        elif unit not in ("",):
            continue
        if number > 0:
            speeds.append(number)
    return min(speeds) if speeds else float("nan")


def parse_length_m(value: object) -> float:
    """An OSM ``maxheight``/``maxlength`` in metres; ``nan`` where none is given.

    Examples
    --------
    >>> parse_length_m("3.5 m"), parse_length_m("11'6\\""), parse_length_m("default")
    (3.5, 3.5052, nan)
    """
    if not isinstance(value, str) or not value.strip():
        return float("nan")
    text = value.strip().lower()
    feet = _FEET_INCHES.match(text)
    if feet is not None:
        return round(float(feet.group(1)) * 0.3048 + float(feet.group(2) or 0) * 0.0254, 6)
    got = _first_number(text)
    if got is None:
        return float("nan")
    number, unit = got
    if unit in ("", "m"):
        return number
    if unit == "ft":
        return round(number * 0.3048, 6)
    return float("nan")


def parse_weight_t(value: object) -> float:
    """An OSM ``maxweight`` in tonnes; ``nan`` where none is given.

    Examples
    --------
    >>> parse_weight_t("7.5"), parse_weight_t("7500 kg"), parse_weight_t("none")
    (7.5, 7.5, nan)
    """
    if not isinstance(value, str) or not value.strip():
        return float("nan")
    got = _first_number(value.strip())
    if got is None:
        return float("nan")
    number, unit = got
    if unit in ("", "t"):
        return number
    if unit == "kg":
        return number / 1000.0
    if unit == "st":  # short tons
        return number * 0.90718474
    return float("nan")


def _tag(edges: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    """A tag column as lower-case strings, ``""`` where missing or untagged."""
    if name not in edges:
        return np.full(len(edges), "", dtype=object)
    col = edges[name]
    text = col.where(col.notna(), "").astype(str).str.strip().str.lower()
    # OSMnx writes merged ways' tags as Python lists ("['footway', 'path']"); take the first.
    text = text.str.replace(r"^\[\s*'([^']*)'.*\]$", r"\1", regex=True)
    return text.to_numpy(dtype=object)


_MOTOR = {
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
}
_BIKE_DEFAULT = (_MOTOR - {"motorway", "motorway_link"}) | {"cycleway", "track", "path"}
_PEDESTRIAN = {"footway", "pedestrian", "bridleway", "corridor"}
_SHARED = {"footway", "pedestrian", "living_street", "path", "bridleway", "corridor"}
_YES = {"yes", "designated", "permissive", "destination", "official"}
_NO = {"no", "private", "agricultural", "forestry", "use_sidepath", "discouraged_no"}
_NO_SERVICE = {"private", "parking_aisle", "driveway", "emergency_access"}


def _per_value(column: npt.NDArray[np.object_], parse: Callable[[object], float]) -> FloatArray:
    """``parse`` applied once per distinct tag value (a city has a few dozen), then spread."""
    uniq = pd.unique(column)
    values = np.array([parse(x) for x in uniq], dtype=float)
    return values[pd.Index(uniq).get_indexer(pd.Index(column))] if column.size else np.zeros(0)


def _allowed(tags: list[npt.NDArray[np.object_]], default: BoolArray) -> BoolArray:
    """Access from the most specific tag that says yes or no, else ``default``."""
    out = default.copy()
    decided = np.zeros(out.size, dtype=bool)
    for tag in tags:  # most specific first
        yes = np.isin(tag, list(_YES)) & ~decided
        no = np.isin(tag, list(_NO)) & ~decided
        out[yes] = True
        out[no] = False
        decided |= yes | no
    return out


def _oneway(edges: pd.DataFrame, highway: npt.NDArray[np.object_]) -> tuple[BoolArray, BoolArray]:
    """(forward only, backward only) from ``oneway``, motorways and roundabouts."""
    ow = _tag(edges, "oneway")
    junction = _tag(edges, "junction")
    implied = np.isin(highway, ["motorway"]) | np.isin(junction, ["roundabout", "circular"])
    fwd_only = np.isin(ow, ["yes", "true", "1"]) | (implied & ~np.isin(ow, ["no", "false", "0"]))
    back_only = np.isin(ow, ["-1", "reverse"])
    return fwd_only & ~back_only, back_only


def mode_edges(
    edges: pd.DataFrame, mode: TravelMode, *, options: ModeOptions | None = None
) -> ModeEdges:
    """Directions and speed of every segment for ``mode``.

    Parameters
    ----------
    edges
        One row per segment u→v with OSM tag columns (``highway``, ``oneway``,
        ``access``, ``bicycle``, ``maxspeed``, ``hgv``, ``maxheight`` …);
        missing columns count as untagged.
    mode
        One of :data:`MODES`.
    options
        Speeds and the truck's dimensions (defaults: :class:`ModeOptions`).

    Returns
    -------
    ModeEdges
        A segment with neither direction allowed is closed to the mode.

    Examples
    --------
    >>> frame = pd.DataFrame({"highway": ["footway", "primary", "steps"],
    ...                       "bicycle": ["yes", None, "yes"]})
    >>> e = mode_edges(frame, "ebike")
    >>> e.forward.tolist(), e.speed_kmh.tolist()
    ([True, True, False], [10.0, 15.0, 15.0])
    """
    check_mode(mode)
    opts = options or ModeOptions()
    n = len(edges)
    highway = _tag(edges, "highway")
    access = _tag(edges, "access")
    vehicle = _tag(edges, "vehicle")
    if mode == "walk":
        foot = _tag(edges, "foot")
        ok = ~np.isin(highway, ["motorway", "motorway_link", "cycleway", "bus_guideway", ""])
        ok &= _allowed([foot, access], np.ones(n, dtype=bool))
        return ModeEdges(ok, ok.copy(), np.full(n, opts.walk_kmh))
    if mode in ("bike", "ebike"):
        bicycle = _tag(edges, "bicycle")
        base = np.isin(highway, list(_BIKE_DEFAULT))
        explicit = np.isin(bicycle, list(_YES))
        ok = (base | (np.isin(highway, list(_PEDESTRIAN)) & explicit)) & (highway != "steps")
        ok &= ~np.isin(highway, ["motorway", "motorway_link"])
        ok &= _allowed([bicycle, vehicle, access], np.ones(n, dtype=bool))
        ok &= ~((highway == "service") & np.isin(_tag(edges, "service"), ["private"]))
        fwd_only, back_only = _oneway(edges, highway)
        contra = np.isin(_tag(edges, "oneway:bicycle"), ["no", "false", "0"]) | np.char.startswith(
            _tag(edges, "cycleway").astype(str), "opposite"
        )
        fwd_only &= ~contra
        back_only &= ~contra
        kmh = opts.ebike_kmh if mode == "ebike" else opts.bike_kmh
        shared = np.isin(highway, list(_SHARED)) & ~np.isin(_tag(edges, "segregated"), ["yes"])
        speed = np.where(shared, min(kmh, opts.shared_kmh), kmh)
        speed = np.where(bicycle == "dismount", opts.walk_kmh, speed)
        return ModeEdges(ok & ~back_only, ok & ~fwd_only, speed.astype(float))
    # drive and truck
    motor = _tag(edges, "motor_vehicle")
    motorcar = _tag(edges, "motorcar")
    ok = np.isin(highway, list(_MOTOR))
    ok &= ~((highway == "service") & np.isin(_tag(edges, "service"), list(_NO_SERVICE)))
    tags = [motorcar, motor, vehicle, access]
    if mode == "truck":
        hgv = _tag(edges, "hgv")
        tags = [hgv, motor, vehicle, access]
        v = opts.vehicle
        limits = [
            (_tag(edges, "maxheight"), parse_length_m, v.height_m),
            (_tag(edges, "maxlength"), parse_length_m, v.length_m),
            (_tag(edges, "maxweight"), parse_weight_t, v.weight_t),
        ]
        for column, parse, size in limits:
            ok &= ~(_per_value(column, parse) < size)  # nan (no limit tagged) compares False
    ok &= _allowed(tags, np.ones(n, dtype=bool))
    fwd_only, back_only = _oneway(edges, highway)
    ok &= ~np.isin(_tag(edges, "oneway"), ["reversible", "alternating"])
    speed = _per_value(_tag(edges, "maxspeed"), parse_speed_kmh)
    by_class = pd.Series(highway).map(DRIVE_SPEEDS_KMH).fillna(_DEFAULT_DRIVE_KMH).to_numpy(float)
    speed = np.where(np.isfinite(speed), speed, by_class)
    if mode == "truck":
        speed = np.minimum(speed, opts.truck_max_kmh)
    return ModeEdges(ok & ~back_only, ok & ~fwd_only, speed.astype(float))
