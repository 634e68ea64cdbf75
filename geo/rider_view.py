"""What a rider sees on each nearest result: open now or not, labels, links to navigate.

:func:`add_rider_properties` adds to each station feature of a GeoJSON
FeatureCollection (as :func:`geo.io.to_feature_collection` makes them):
``open_now`` and ``closes_at`` / ``opens_at`` (in the registry's time zone),
``navigation`` (Amap, Baidu and Tencent links, see :mod:`geo.navigation`) and
the kind and amenity labels in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from geo.hours import DEFAULT_TZ
from geo.names import Lang, label_features
from geo.navigation import navigation_links
from geo.open_state import open_states
from geo.types import Station

__all__ = ["add_rider_properties"]


def add_rider_properties(
    collection: dict[str, Any],
    stations: Sequence[Station],
    *,
    when: datetime,
    tz: str = DEFAULT_TZ,
    lang: Lang = "en",
) -> dict[str, Any]:
    """Add open state, navigation links and labels to each feature (in place; returned).

    Parameters
    ----------
    collection
        A FeatureCollection whose ``features`` are ``stations``, in order.
    stations
        The stations, with WGS-84 positions (the links convert them).
    when
        The time "open now" refers to; naive means local to ``tz``.
    tz
        The registry's time zone.
    lang
        Language of the labels.
    """
    features = collection["features"]
    if len(features) != len(stations):
        raise ValueError("one station per feature is needed")
    states = open_states([s.opening_hours for s in stations], when, tz=tz)
    links = navigation_links(
        [s.lon for s in stations], [s.lat for s in stations], [s.name for s in stations]
    )
    for feature, state, link in zip(features, states, links, strict=True):
        feature["properties"].update(state.as_properties(), navigation=link)
    return label_features(collection, lang)
