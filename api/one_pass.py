"""Query parameters parsed in one pass, with FastAPI's validation errors and documentation.

FastAPI solves each declared query parameter on its own, re-inspecting its
annotation on every request; over the fourteen parameters of ``/nearest`` that
cost more than the query itself. Here the same declarations
(``Annotated[T, Query(...)]``, in parameter-group dataclasses or dependency
signatures) are read once into :class:`QueryField` s with a pydantic
``TypeAdapter`` each; :func:`parse_query` then reads a request's query string
in one pass and gives the values, or the errors FastAPI would have raised
(same ``type``, ``loc``, ``msg``, ``input``, ``ctx``, in the order given).
:func:`openapi_parameters` documents the fields as FastAPI would, for a route
that reads its query through one dependency (``openapi_extra``).
``tests/api/test_one_pass.py`` compares both with FastAPI's own.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any

from fastapi import params
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import QueryParams

__all__ = [
    "QueryField",
    "dataclass_fields",
    "missing",
    "openapi_parameters",
    "parse_query",
    "signature_fields",
]

REF_TEMPLATE = "#/components/schemas/{model}"


@dataclasses.dataclass(frozen=True)
class QueryField:
    """One declared query parameter: its name, validator and default."""

    name: str
    annotation: Any
    info: params.Query
    default: Any
    adapter: TypeAdapter[Any] = dataclasses.field(repr=False, compare=False)
    many: bool
    """Repeatable (a list): every value of the name is validated as the list."""

    @classmethod
    def of(cls, name: str, annotated: Any, default: Any) -> QueryField:
        """The field of a parameter declared ``Annotated[T, Query(...)] = default``."""
        annotation, *meta = typing.get_args(annotated)
        info = next(m for m in meta if isinstance(m, params.Query))
        adapter: TypeAdapter[Any] = TypeAdapter(Annotated[annotation, info])
        return cls(name, annotation, info, default, adapter, _is_list(annotation))

    @property
    def key(self) -> str:
        """The name in the query string (the declared ``alias``, else the parameter's name)."""
        return self.info.alias or self.name

    @property
    def required(self) -> bool:
        """No default: a request without the parameter is refused."""
        return self.default is inspect.Parameter.empty


def _is_list(annotation: Any) -> bool:
    """``list[T]`` or ``list[T] | None``."""
    choices = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    return any(typing.get_origin(c) is list for c in choices)


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def dataclass_fields(group: type[Any]) -> list[QueryField]:
    """The query fields of a parameter-group dataclass (like ``FilterParams``), in order."""
    hints = typing.get_type_hints(group, include_extras=True)
    return [
        QueryField.of(
            f.name,
            hints[f.name],
            inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
        )
        for f in dataclasses.fields(group)
        if _is_query(hints[f.name])
    ]


def signature_fields(call: Callable[..., Any]) -> list[QueryField]:
    """The query fields among a function's parameters (a dependency's), in order."""
    sig = inspect.signature(call, eval_str=True)
    return [
        QueryField.of(p.name, p.annotation, p.default)
        for p in sig.parameters.values()
        if _is_query(p.annotation)
    ]


def _is_query(annotated: Any) -> bool:
    return typing.get_origin(annotated) is Annotated and any(
        isinstance(m, params.Query) for m in typing.get_args(annotated)[1:]
    )


def parse_query(
    fields: Iterable[QueryField], query: QueryParams
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The fields' values in ``query``, and FastAPI's errors for those it refuses.

    A repeatable field takes every value of its name; another the last one
    (as Starlette's ``QueryParams.get``). An absent field takes its default,
    or is a ``missing`` error when it has none.
    """
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for f in fields:
        raw: Any = query.getlist(f.key) if f.many else query.get(f.key)
        loc = ("query", f.key)
        if raw is None or (f.many and not raw):
            if f.required:
                errors.append(missing(loc))
            elif type(f.default) in _IMMUTABLE:
                values[f.name] = f.default
            else:  # a fresh copy, as FastAPI gives: a handler may change it
                values[f.name] = copy.deepcopy(f.default)
            continue
        try:
            values[f.name] = f.adapter.validate_python(raw)
        except ValidationError as exc:
            errors.extend({**e, "loc": (*loc, *e["loc"])} for e in exc.errors(include_url=False))
    return values, errors


def missing(loc: tuple[str, ...]) -> dict[str, Any]:
    """FastAPI's error for a required parameter that is absent."""
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


_IMMUTABLE = (type(None), bool, int, float, str)


def openapi_parameters(fields: Sequence[QueryField]) -> list[dict[str, Any]]:
    """The OpenAPI ``parameters`` of the fields, as FastAPI writes them for declared ones
    (references to enums point at ``#/components/schemas``, which other routes declare)."""
    out = []
    for f in fields:
        schema = f.adapter.json_schema(ref_template=REF_TEMPLATE, mode="validation")
        schema.pop("$defs", None)
        if f.default is not None and not f.required:
            schema["default"] = f.default
        if "$ref" not in schema:
            schema["title"] = f.info.title or f.key.title().replace("_", " ")
        param: dict[str, Any] = {
            "name": f.key,
            "in": "query",
            "required": f.required,
            "schema": schema,
        }
        if f.info.description:
            param["description"] = f.info.description
        out.append(param)
    return out
