"""Each travel mode's network of a region, loaded on first use, and the default mode per kind.

The coverage engine (:mod:`geo.coverage`, :mod:`geo.gaps`, :mod:`geo.siting`,
:mod:`geo.access`, :mod:`geo.fairness`) measures in walking metres: a limit of
``minutes`` at ``walk_speed_kmh``, and the leg from a point to its street walked
at that speed. :func:`engine_network` gives any mode's network in that unit,
unchanged otherwise: each edge costs the metres one would *walk* in the time the
mode takes to travel it (``seconds × walk speed``), one-way edges stay one-way.
So the limit ``walk_limit_m(minutes, walk_speed_kmh)`` is exactly ``minutes`` of
travel by the mode, the leg to the street is walked, and a cost divided by the
walking speed is the travel time in seconds, on every mode's network alike.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from geo.errors import InvalidInputError
from geo.modes import ModeOptions, TravelMode, check_mode
from geo.network import WALK_SPEED_KMH, StreetNetwork, load_network

__all__ = [
    "DEFAULT_MODES",
    "MEASURES",
    "Measure",
    "ModeNetworks",
    "check_measure",
    "default_mode",
    "engine_network",
    "mode_label",
    "parse_default_modes",
    "reach_m",
]

Measure = Literal["straight", "walk", "ebike", "bike", "drive", "truck"]
"""How a measurement travels: a travel mode on streets, or ``straight`` (geodesic)."""
MEASURES: tuple[Measure, ...] = get_args(Measure)

DEFAULT_MODES: dict[str, TravelMode] = {"driver_home": "truck", "rider_station": "ebike"}
"""The mode a station kind's users travel by, where a request names none (others walk)."""


MODE_LABELS: dict[str, tuple[str, str]] = {
    "straight": ("straight line", "直线"),
    "walk": ("on foot", "步行"),
    "ebike": ("by e-bike", "电动自行车"),
    "bike": ("by bicycle", "自行车"),
    "drive": ("by car", "驾车"),
    "truck": ("by truck", "货车"),
}
"""English and Chinese names of each way of measuring, for pages and tables."""


def mode_label(mode: str, lang: str = "en") -> str:
    """The mode in the reader's language.

    Examples
    --------
    >>> mode_label("ebike", "zh"), mode_label("truck")
    ('电动自行车', 'by truck')
    """
    en, zh = MODE_LABELS[check_measure(mode)]
    return zh if lang == "zh" else en


def check_measure(mode: object) -> Measure:
    """``mode`` if it is ``straight`` or a travel mode, else an error listing them."""
    if mode not in MEASURES:
        raise InvalidInputError(f"mode={mode!r} is not a mode; use one of {', '.join(MEASURES)}")
    return mode


def parse_default_modes(text: str) -> dict[str, TravelMode]:
    """``kind:mode`` pairs separated by commas (``"driver_home:truck,rider_station:ebike"``).

    Examples
    --------
    >>> parse_default_modes("driver_home:truck, rider_station:ebike")
    {'driver_home': 'truck', 'rider_station': 'ebike'}
    """
    from geo.types import Kind

    kinds = [k.value for k in Kind]
    out: dict[str, TravelMode] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        kind, sep, mode = (s.strip() for s in item.partition(":"))
        if not sep or kind not in kinds:
            raise InvalidInputError(
                f"default modes {item!r}: write kind:mode with a kind of {', '.join(kinds)}"
            )
        out[kind] = check_mode(mode)
    return out


def default_mode(
    kinds: Iterable[str], defaults: Mapping[str, TravelMode] | None = None
) -> TravelMode:
    """The mode of the stations' users when a request names none.

    The kinds' common default (``defaults``, else :data:`DEFAULT_MODES`; a kind
    without one walks); ``walk`` for no kind or kinds whose defaults differ.

    Examples
    --------
    >>> default_mode(["driver_home"]), default_mode([])
    ('truck', 'walk')
    >>> default_mode(["driver_home", "smart_station"])  # defaults differ
    'walk'
    """
    table = DEFAULT_MODES if defaults is None else defaults
    modes = {table.get(str(k), "walk") for k in kinds}
    return modes.pop() if len(modes) == 1 else "walk"


def engine_network(net: StreetNetwork, *, walk_speed_kmh: float = WALK_SPEED_KMH) -> StreetNetwork:
    """``net`` with costs in walking metres (module docstring); walking networks as they are.

    Examples
    --------
    >>> from geo.network import network_from_arrays
    >>> ebike = network_from_arrays([1, 2], [114.0, 114.001], [22.5, 22.5], [1], [2], [100.0],
    ...                             mode="ebike", speed_kmh=[18.0])
    >>> float(engine_network(ebike, walk_speed_kmh=3.6).edge_cost[0])  # 20 s at 1 m/s
    20.0
    """
    if net.mode == "walk":
        return net
    if not walk_speed_kmh > 0:
        raise InvalidInputError(f"walk_speed_kmh={walk_speed_kmh!r} must be > 0")
    factor = walk_speed_kmh / 3.6
    # Labelled walk so the engine walks the legs to the streets in metres; one-way kept.
    return replace(net, mode="walk", edge_cost=net.edge_cost * factor, csr=net.csr * factor)


def reach_m(net: StreetNetwork, minutes: float, *, walk_speed_kmh: float = WALK_SPEED_KMH) -> float:
    """The farthest straight-line distance travelled in ``minutes`` on ``net`` (its
    fastest edge or walking, whichever is faster): stations farther than this from a
    region cannot cover any of it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        seconds = net.edge_cost if net.mode != "walk" else net.edge_len_m / (walk_speed_kmh / 3.6)
        speed = np.where(seconds > 0, net.edge_len_m / seconds, 0.0)
    v = max(float(speed.max(initial=0.0)), walk_speed_kmh / 3.6)
    return float(minutes) * 60.0 * v


@dataclass
class ModeNetworks:
    """Travel-mode networks of network files, built on first use, at most ``max_held`` kept.

    Thread-safe: two requests for the same network build it once. Each is kept
    as read (:func:`geo.network.load_network`, disk-cached in ``cache_dir``) and
    as the engine's view (:func:`engine_network`).
    """

    cache_dir: Path | None = None
    options: ModeOptions = field(default_factory=ModeOptions)
    walk_speed_kmh: float = WALK_SPEED_KMH
    max_held: int = 8
    _held: OrderedDict[tuple[str, str, str], tuple[StreetNetwork, StreetNetwork]] = field(
        default_factory=OrderedDict
    )
    _locks: dict[tuple[str, str, str], threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def _pair(
        self, path: str, mode: TravelMode, options: ModeOptions | None = None
    ) -> tuple[StreetNetwork, StreetNetwork]:
        opts = options or self.options
        key = (path, check_mode(mode), opts.key())
        with self._guard:
            got = self._held.get(key)
            if got is not None:
                self._held.move_to_end(key)
                return got
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                got = self._held.get(key)
            if got is None:
                net = load_network(path, mode=mode, options=opts, cache_dir=self.cache_dir)
                got = (net, engine_network(net, walk_speed_kmh=self.walk_speed_kmh))
            with self._guard:
                self._held[key] = got
                while len(self._held) > self.max_held:
                    self._held.popitem(last=False)
            return got

    def network(
        self,
        path: str,
        mode: TravelMode,
        *,
        walk: StreetNetwork | None = None,
        options: ModeOptions | None = None,
    ) -> StreetNetwork:
        """The ``mode`` network of the file as built (costs in seconds but walking's);
        ``walk`` is the walking network already loaded, used as it is; ``options`` replace
        the held ones (another truck's dimensions)."""
        if mode == "walk" and walk is not None:
            return walk
        return self._pair(path, mode, options)[0]

    def engine(
        self, path: str, mode: TravelMode, *, walk: StreetNetwork | None = None
    ) -> StreetNetwork:
        """The ``mode`` network in the coverage engine's unit (:func:`engine_network`)."""
        if mode == "walk" and walk is not None:
            return walk
        return self._pair(path, mode)[1]
