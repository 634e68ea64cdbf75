"""Suggest bodies: candidates in, chosen sites out."""

from __future__ import annotations

from typing import Annotated, Literal

from geojson_pydantic import (
    Feature,
    FeatureCollection,
    Point,
)
from pydantic import BaseModel, ConfigDict, Field

from api.body_rules import (
    JSON_INTEGER,
    Absent,
    RequestBody,
)


class CandidateIn(BaseModel):
    """A candidate site (coordinates in the request's ``crs``)."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, strict=True, examples=[24.945])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[60.168])
    id: str | None = Field(None, max_length=100, examples=["proposal-1"])
    name: str = Field("", max_length=200, examples=["Next to the supermarket"])


class SuggestIn(RequestBody):
    """What to optimise: ``k`` new sites, or the fewest reaching ``target_share``."""

    model_config = ConfigDict(
        json_schema_extra={
            # The rules the server checks, so that every body the schema allows is accepted.
            "allOf": [
                {"anyOf": [{"required": ["k"]}, {"required": ["target_share"]}]},
                {"not": {"required": ["k", "target_share"]}},
                {
                    "if": {"required": ["target_share"]},
                    "then": {"properties": {"double": {"const": False}}},
                },
                {
                    "if": {"required": ["candidates"]},
                    "then": {"properties": {"candidate_source": {"const": "osm"}}},
                },
                {  # fewest sites is the target-share objective; the others take k
                    "if": {
                        "required": ["objective"],
                        "properties": {"objective": {"const": "fewest"}},
                    },
                    "then": {"required": ["target_share"]},
                },
                {
                    "if": {
                        "required": ["objective"],
                        "properties": {
                            "objective": {
                                "enum": ["coverage", "p-median", "p-center", "capacitated"]
                            }
                        },
                    },
                    "then": {"not": {"required": ["target_share"]}},
                },
                {  # double coverage is a coverage objective
                    "if": {"required": ["double"], "properties": {"double": {"const": True}}},
                    "then": {"properties": {"objective": {"enum": ["coverage", None]}}},
                },
            ]
        },
    )

    k: Annotated[int, Field(ge=0, le=200), JSON_INTEGER] | Absent = Field(
        None, description="How many new sites (give k or target_share)", examples=[3]
    )
    target_share: Annotated[float, Field(gt=0, le=1, strict=True)] | Absent = Field(
        None, description="Instead: the fewest sites reaching this covered share"
    )
    standard: Literal["walk", "radius"] = "walk"
    mode: Literal["walk", "ebike", "bike", "drive", "truck"] = Field(
        "walk", description="Travel mode of the walk standard; minutes are minutes of it"
    )
    minutes: float = Field(15.0, gt=0, le=120, strict=True)
    radius_m: float = Field(1000.0, gt=0, le=50_000, strict=True)
    double: bool = Field(
        False, strict=True, description="Maximise demand covered twice or more (k only)"
    )
    objective: Literal["coverage", "fewest", "p-median", "p-center", "capacitated"] | None = Field(
        None,
        description="coverage (k; default), fewest (target_share; default with it), p-median "
        "(least total walk), p-center (shortest worst walk), capacitated (most demand the "
        "sites can take)",
    )
    site_capacity: float | None = Field(
        None,
        ge=0,
        strict=True,
        allow_inf_nan=False,
        description="capacitated: capacity of candidates and stations without one",
    )
    method: Literal["exact", "greedy"] = "exact"
    solver: Literal["auto", "cbc", "highs", "reduce"] = Field(
        "auto",
        description="Exact solver: auto (CBC where its binary runs, else HiGHS), cbc, highs, "
        "or reduce (maximal covering: candidates no better set can hold are proven out first)",
    )
    # minItems only in the schema: the handler says "candidates is empty" itself.
    candidates: (
        Annotated[list[CandidateIn], Field(max_length=5000, json_schema_extra={"minItems": 1})]
        | Absent
    ) = Field(
        None,
        description="Candidate sites; default: the region's (its candidates file, the OSM "
        "places of its extract, or its street junctions)",
    )
    candidate_source: Literal["osm", "proposals"] = Field(
        "osm",
        description="Without candidates: the region's candidate sites, or the riders' open "
        "proposal groups (planner key: their sites are private)",
    )


class SiteProperties(BaseModel):
    """A chosen site."""

    order: int = Field(description="1 = adds the most", examples=[1])
    gain: float = Field(description="Demand weight it adds at the margin", examples=[14])
    name: str = Field("", examples=["Kauppakeskus Kluuvi"])
    source: str = Field("", examples=["shop=mall"])


class SuggestOut(FeatureCollection[Feature[Point, SiteProperties]]):  # type: ignore[misc]
    """The chosen sites in order, with the coverage before and after."""

    method: str = Field(examples=["exact"])
    solver: str = Field(examples=["highs"])
    optimal: bool = Field(description="Proven optimal by the solver")
    gap: float = Field(description="Relative gap to the bound (0 when optimal)")
    bound: float = Field(description="Best bound: most coverable weight, or fewest sites")
    share_before: float = Field(description="Covered share of demand before", examples=[0.47])
    share_after: float = Field(description="Covered share of demand after", examples=[0.57])
    objective: str = Field("coverage", description="What was optimised")
    objective_unit: str = Field("demand", description="Unit of the objective's values")
    objective_before: float | None = Field(
        None, description="Objective with existing stations only (null: some demand unserved)"
    )
    objective_after: float | None = Field(None, description="Objective with the chosen sites")
    left_out: float = Field(0.0, description="Demand that reaches no station (left out)")
