"""The coverage map's colours under simulated colour-vision deficiencies (colorspacious)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colorspacious import cspace_convert

from maps.style import COVERAGE_COLORS, DEMAND_COLORS, LAYER_COLORS, WALK_COLOR

VISIONS = {
    "normal": None,
    **{
        t: {"name": "sRGB1+CVD", "cvd_type": t, "severity": 100}
        for t in ("deuteranomaly", "protanomaly", "tritanomaly")
    },
}
MIN_DISTANCE = 20.0  # CAM02-UCS; about 10 is "just noticeably different" side by side


def seen(color: str, vision: dict[str, object] | None) -> np.ndarray:
    """``#rrggbb`` as a person with ``vision`` sees it, in CAM02-UCS."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    if vision is not None:
        rgb = np.clip(cspace_convert(rgb, vision, "sRGB1"), 0, 1)
    return cspace_convert(rgb, "sRGB1", "CAM02-UCS")


@pytest.mark.parametrize("vision", list(VISIONS))
def test_every_pair_of_layer_colours_stays_apart(vision: str) -> None:
    too_close = [
        (
            a,
            b,
            round(float(np.linalg.norm(seen(ca, VISIONS[vision]) - seen(cb, VISIONS[vision]))), 1),
        )
        for (a, ca), (b, cb) in itertools.combinations(LAYER_COLORS.items(), 2)
        if np.linalg.norm(seen(ca, VISIONS[vision]) - seen(cb, VISIONS[vision])) < MIN_DISTANCE
    ]
    assert too_close == []


def test_covered_twice_and_walking_areas_cannot_be_confused() -> None:
    worst = min(
        np.linalg.norm(seen(COVERAGE_COLORS["covered_twice"], v) - seen(WALK_COLOR, v))
        for v in VISIONS.values()
    )
    assert worst >= MIN_DISTANCE


@pytest.mark.parametrize("vision", list(VISIONS))
def test_demand_classes_grow_lighter_in_order(vision: str) -> None:
    lightness = [seen(c, VISIONS[vision])[0] for c in DEMAND_COLORS]
    assert all(b - a > 8 for a, b in itertools.pairwise(lightness)), lightness
