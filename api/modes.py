"""The ``mode`` query parameter every measurement takes (see :mod:`geo.mode_networks`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

TravelModeName = Literal["walk", "ebike", "bike", "drive", "truck"]

ModeQuery = Annotated[
    TravelModeName | None,
    Query(
        description="Travel mode on the region's streets: walk, ebike, bike, drive or truck "
        "(minutes are minutes of that travel); default: the mode of the station kinds asked "
        "for (settings' default_modes: driver homes truck, rider stations e-bike), else walk",
        examples=["ebike"],
    ),
]

__all__ = ["ModeQuery", "TravelModeName"]
