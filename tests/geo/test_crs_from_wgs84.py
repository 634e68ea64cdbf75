"""from_wgs84 (every system in one pass) against convert to each system, and eviltransform."""

from __future__ import annotations

import eviltransform as ev
import numpy as np
import pytest

from geo.crs import COORD_SYSTEMS, convert, from_wgs84, in_china
from geo.errors import InvalidInputError


def test_every_system_equals_convert_exactly() -> None:
    rng = np.random.default_rng(7)
    lon = np.concatenate([rng.uniform(70, 140, 20_000), [114.0624, 114.08, 114.0624, 24.94]])
    lat = np.concatenate([rng.uniform(0, 56, 20_000), [22.515, 22.53, 22.535, 60.17]])
    out = from_wgs84(lon, lat)
    assert set(out) == set(COORD_SYSTEMS)
    for system in COORD_SYSTEMS:
        x, y = convert(lon, lat, src="wgs84", dst=system)
        assert np.array_equal(out[system][0], x) and np.array_equal(out[system][1], y), system
    china = in_china(lon, lat)
    assert 0 < china.sum() < len(lon)  # both kinds of points were tried
    assert np.array_equal(out["bd09"][0][~china], lon[~china])  # outside: WGS-84 everywhere


@pytest.mark.parametrize(("lon", "lat"), [(116.397, 39.909), (112.9772, 28.1959)])
def test_a_point_matches_eviltransform(lon: float, lat: float) -> None:
    out = from_wgs84(lon, lat)
    assert np.shape(out["gcj02"][0]) == ()
    glat, glon = ev.wgs2gcj(lat, lon)
    blat, blon = ev.wgs2bd(lat, lon)
    assert (float(out["gcj02"][0]), float(out["gcj02"][1])) == pytest.approx((glon, glat), abs=1e-6)
    assert (float(out["bd09"][0]), float(out["bd09"][1])) == pytest.approx((blon, blat), abs=1e-6)


def test_shapes_must_agree() -> None:
    with pytest.raises(InvalidInputError, match="different shapes"):
        from_wgs84([1.0, 2.0], [1.0])
