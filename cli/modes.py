"""``--mode``: the travel mode of a measurement, and that mode's network."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from geo.errors import InvalidInputError

if TYPE_CHECKING:
    from geo.modes import TravelMode
    from geo.network import StreetNetwork
    from geo.stations import StationStore

TRAVEL_MODES = ["walk", "ebike", "bike", "drive", "truck"]


def add_mode_options(p: argparse.ArgumentParser, *, straight: bool = False) -> None:
    """``--mode`` (and ``--ebike-speed``) on a command that measures travel."""
    choices = (["straight"] if straight else []) + TRAVEL_MODES
    p.add_argument(
        "--mode",
        choices=choices,
        help="travel mode on the streets (minutes are minutes of it); default: the mode of "
        "the station kinds asked for ($STATIONFINDER_DEFAULT_MODES: driver homes truck, "
        "rider stations ebike), else " + ("straight" if straight else "walk"),
    )
    p.add_argument("--ebike-speed", type=float, default=15.0, help="e-bike km/h (default 15)")


def default_modes() -> dict[str, TravelMode]:
    """``$STATIONFINDER_DEFAULT_MODES`` (kind:mode pairs), else the built-in defaults."""
    from geo.mode_networks import DEFAULT_MODES, parse_default_modes

    text = os.environ.get("STATIONFINDER_DEFAULT_MODES")
    return parse_default_modes(text) if text else dict(DEFAULT_MODES)


def chosen_mode(args: argparse.Namespace, kinds: Any = None) -> TravelMode:
    """``--mode``, or the common default of the station kinds asked for, else walk."""
    from geo.mode_networks import default_mode

    if getattr(args, "mode", None):
        return args.mode  # type: ignore[no-any-return]
    if kinds is None:
        kinds = getattr(args, "station_kind", None) or ()
    return default_mode([str(k) for k in kinds], default_modes())


def mode_networks(
    args: argparse.Namespace, reg: StationStore, mode: TravelMode
) -> tuple[StreetNetwork, StreetNetwork]:
    """The ``mode`` network of ``--region`` or ``--network`` as built, and in the coverage
    engine's unit (:func:`geo.mode_networks.engine_network`); walking is the one network."""
    from cli.common import network_cache, network_for
    from cli.regions import chosen_region
    from geo.mode_networks import engine_network
    from geo.modes import ModeOptions, Vehicle
    from geo.network import load_network

    walk_kmh = getattr(args, "walk_speed", 4.8)
    if mode == "walk":
        net = network_for(args, reg)
        return net, net
    region = chosen_region(args)
    path = region.network_path if region is not None else args.network
    if not path:
        raise InvalidInputError("give --network FILE (.osm.pbf or .graphml) or --region NAME")
    try:
        options = ModeOptions(walk_kmh=walk_kmh, ebike_kmh=getattr(args, "ebike_speed", 15.0))
        if getattr(args, "height", None) is not None:  # a truck's dimensions (corridor)
            options = replace(options, vehicle=Vehicle(args.height, args.weight, args.length))
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"--ebike-speed/--walk-speed/--height/--weight/--length: {exc}"
        ) from None
    raw = load_network(
        path, mode=mode, options=options, cache_dir=network_cache(reg), progress=sys.stderr.isatty()
    )
    return raw, engine_network(raw, walk_speed_kmh=walk_kmh)


def reach_for(args: argparse.Namespace, raw: StreetNetwork, mode: TravelMode) -> float:
    """How far (straight) stations can be from a region and still count within ``--minutes``."""
    from geo.mode_networks import reach_m
    from geo.network import walk_limit_m

    if mode == "walk":
        return walk_limit_m(args.minutes, args.walk_speed)
    return reach_m(raw, args.minutes, walk_speed_kmh=args.walk_speed)
