"""Rules request bodies share: station text fields, JSON integers, amenity codes, no null.

Each rule is declared so that the OpenAPI schema says what the server checks: the
station limits come from :mod:`geo.limits`, the one source the library checks too.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.json_schema import JsonDict, SkipJsonSchema

from geo.limits import HOURS_FORMAT, NAME_PATTERN, TEXT_MAX_LENGTH, TEXT_PATTERN
from geo.names import AMENITY_WORDS
from geo.types import AMENITIES

__all__ = ["JSON_INTEGER", "Absent", "AmenityCode", "AmenityWord", "RequestBody", "station_text"]

Absent = SkipJsonSchema[None]
"""A field's Python default when left out; not a value a client may send (not in the schema)."""


def station_text(field: str, **kwargs: Any) -> Any:
    """A station text field's constraints: its length limit and pattern (no control characters;
    a name not blank; hours in OSM syntax) from :mod:`geo.limits`, the one source the library
    checks too, with its own messages. Use inside ``Annotated``."""
    extra: JsonDict = {"pattern": NAME_PATTERN if field == "name" else TEXT_PATTERN}
    if field == "opening_hours":
        extra["format"] = HOURS_FORMAT
    return Field(max_length=TEXT_MAX_LENGTH[field], json_schema_extra=extra, **kwargs)


def _json_integer(value: Any) -> Any:
    """A JSON integer: a number with no fraction (``3`` or ``3.0``), not text or a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    return int(value)


JSON_INTEGER = BeforeValidator(_json_integer)
"""For ``Annotated[int, …]``: an integer as JSON Schema means it (``3.0`` is one, ``"3"`` not)."""

AmenityCode = Annotated[str, Field(json_schema_extra={"enum": list(AMENITIES)})]
AmenityWord = Annotated[str, Field(json_schema_extra={"enum": list(AMENITY_WORDS)})]
"""An amenity code or its Chinese name: listed in the schema, checked by the handler (which
names an unknown one in the request's language)."""


class RequestBody(BaseModel):
    """A request body: unknown fields are refused, and so is null where the schema has none."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_null_for_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(
                name
                for name, field in cls.model_fields.items()
                if data.get(name, 0) is None and _is_absent_optional(field.annotation)
            )
            if nulls:
                raise ValueError(
                    f"{', '.join(nulls)}: null is not a value; leave a field out to keep it"
                )
        return data


def _is_absent_optional(annotation: Any) -> bool:
    """Whether a field is typed ``T | Absent`` (None only as the left-out default)."""
    return any(
        get_origin(a) is Annotated
        and any(type(m) is SkipJsonSchema for m in get_args(a)[1:])  # an instance, not generic
        for a in get_args(annotation)
    )
