"""Palettes and icons: one colour and one Font Awesome glyph per station kind.

The colours are the Okabe–Ito palette (distinguishable with the common colour
vision deficiencies) plus a dark grey; each kind also has its own glyph, so
colour is never the only cue.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.types import Kind

__all__ = [
    "CANDIDATE_COLOR",
    "CHOSEN_COLOR",
    "CIRCLE_COLOR",
    "COVERAGE_COLORS",
    "DEMAND_COLORS",
    "GAP_COLOR",
    "KIND_STYLES",
    "LAYER_COLORS",
    "NARROW_PX",
    "PROPOSAL_COLOR",
    "WALK_COLOR",
    "KindStyle",
    "coverage_class",
    "marker_css",
]


@dataclass(frozen=True, slots=True)
class KindStyle:
    """How one station kind is drawn.

    Parameters
    ----------
    color
        Fill colour of the marker, as ``#rrggbb``.
    icon
        Font Awesome 6 solid glyph name, without the ``fa-`` prefix.
    """

    color: str
    icon: str


KIND_STYLES: dict[Kind, KindStyle] = {
    Kind.WORKER_STATION: KindStyle("#D55E00", "mug-hot"),
    Kind.SMART_STATION: KindStyle("#0072B2", "bolt"),
    Kind.DRIVER_HOME: KindStyle("#009E73", "truck"),
    Kind.RIDER_STATION: KindStyle("#E69F00", "motorcycle"),
    Kind.SAFETY_STATION: KindStyle("#CC79A7", "shield-heart"),
    Kind.WORKERS_HOME: KindStyle("#555555", "people-roof"),
}
"""Colour and glyph of each kind; every kind has its own of both."""

COVERAGE_COLORS: dict[str, str] = {
    "not_covered": "#D55E00",
    "covered_once": "#DDCC77",
    "covered_twice": "#4477AA",
}
"""Fill of hexagon cells covered by no station, one, or two and more."""

# The coverage layers' colours were picked together from the Okabe-Ito and Paul Tol
# palettes so that every pair stays apart (CAM02-UCS distance at least 20) for normal
# vision and under full deuteranomaly, protanomaly and tritanomaly
# (tests/maps/test_palette.py checks it with colorspacious).
CIRCLE_COLOR = "#555555"
WALK_COLOR = "#332288"
GAP_COLOR = "#000000"
CANDIDATE_COLOR = "#777777"
CHOSEN_COLOR = "#1f2937"
PROPOSAL_COLOR = "#66CCEE"

LAYER_COLORS: dict[str, str] = {
    **COVERAGE_COLORS,
    "walk_areas": WALK_COLOR,
    "circles": CIRCLE_COLOR,
    "gaps": GAP_COLOR,
    "proposals": PROPOSAL_COLOR,
}
"""Every coverage-map layer's colour, by the layer's label key."""

DEMAND_COLORS: tuple[str, ...] = ("#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725")
"""Demand classes, lowest first (viridis: lightness grows monotonically, also under
colour-vision deficiencies)."""

NARROW_PX = 600
"""Screens up to this wide (CSS pixels) fold the legend and the layer control behind buttons."""


def coverage_class(count: int) -> str:
    """The coverage class of a cell reached by ``count`` stations.

    Examples
    --------
    >>> [coverage_class(c) for c in (0, 1, 2, 5)]
    ['not_covered', 'covered_once', 'covered_twice', 'covered_twice']
    """
    if count <= 0:
        return "not_covered"
    return "covered_once" if count == 1 else "covered_twice"


def marker_css() -> str:
    """CSS of the station pins (``.sf-pin``), drawn as HTML ``divIcon`` markers.

    One rule per kind sets the colour; the glyph comes from Font Awesome.
    """
    rules = [
        ".sf-pin{width:26px;height:26px;border-radius:50% 50% 50% 0;transform:rotate(-45deg);"
        "border:2px solid #fff;box-shadow:0 1px 3px rgba(0,0,0,.5);display:flex;"
        "align-items:center;justify-content:center;box-sizing:border-box;cursor:pointer}",
        ".sf-pin i{transform:rotate(45deg);color:#fff;font-size:12px}",
        ".sf-icon{background:none;border:none}",
        ".sf-legend{background:#fff;padding:6px 8px;border-radius:4px;"
        "box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.5 sans-serif;max-width:16em}",
        ".sf-legend .sf-swatch{display:inline-flex;width:16px;height:16px;border-radius:50%;"
        "margin-right:6px;vertical-align:middle;align-items:center;justify-content:center}",
        ".sf-legend .sf-swatch i{color:#fff;font-size:9px}",
        ".sf-legend h4{margin:0 0 4px;font-size:13px}",
        ".sf-legend h5{margin:6px 0 2px;font-size:12px}",
        ".sf-kind-filter{background:#fff;padding:4px 8px;border-radius:4px;"
        "box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.6 sans-serif}",
        ".sf-kind-filter summary{cursor:pointer;font-weight:bold}",
        ".sf-kind-filter label{display:block;cursor:pointer}",
        ".sf-kind-filter .sf-swatch{display:inline-flex;width:16px;height:16px;border-radius:50%;"
        "margin:0 4px;vertical-align:middle;align-items:center;justify-content:center}",
        ".sf-kind-filter .sf-swatch i{color:#fff;font-size:9px}",
        ".sf-legend-body{max-height:60vh;overflow:auto}",
        ".sf-legend .sf-swatch:empty{border-radius:3px}",
        ".sf-legend-toggle{display:none;font:13px sans-serif;background:#fff;border:0;"
        "padding:2px 4px;cursor:pointer}",
        f"@media (max-width:{NARROW_PX}px){{.sf-legend-toggle{{display:block}}"
        ".sf-legend:not(.sf-unfolded) .sf-legend-body{display:none}"
        ".sf-legend.sf-unfolded .sf-legend-body{margin-top:4px;max-height:45vh;overflow:auto}"
        ".sf-legend.sf-unfolded .sf-legend-body h4{display:none}}",
        ".sf-popup{font:13px/1.4 sans-serif}.sf-popup dl{margin:4px 0 0}",
        ".sf-popup dt{font-weight:bold;margin-top:4px}.sf-popup dd{margin:0}",
        ".sf-cluster{background:rgba(55,65,81,.3);border-radius:50%;cursor:pointer}",
        ".sf-cluster div{margin:4px;height:calc(100% - 8px);border-radius:50%;display:flex;"
        "align-items:center;justify-content:center;background:rgba(31,41,55,.88);"
        "color:#fff;font:bold 12px sans-serif}",
        ".sf-open{color:#1a7f37;font-weight:bold}.sf-closed{color:#b42318;font-weight:bold}",
        f".sf-num{{background:{CHOSEN_COLOR};color:#fff;border-radius:50%;width:24px;height:24px;"
        "display:flex;align-items:center;justify-content:center;font:bold 12px sans-serif;"
        "border:2px solid #fff;box-shadow:0 1px 3px rgba(0,0,0,.5);box-sizing:border-box}",
    ]
    rules += [f".sf-kind-{k.value}{{background:{s.color}}}" for k, s in KIND_STYLES.items()]
    return "\n".join(rules)
