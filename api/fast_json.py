"""JSON responses for hot paths: encoded with orjson, without FastAPI's re-validation.

A route returning a plain ``dict`` has it validated against its
``response_model`` and then encoded; for a body the route has built in the
model's shape already, :func:`json_response` skips the validation. It leaves
out ``None`` values at every level, as ``response_model_exclude_none`` does,
so the body is the one the model would have sent (``tests/api/test_hot_path.py``
checks it against the model).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import Response

__all__ = ["json_response", "without_none"]


def without_none(value: Any) -> Any:
    """``value`` with every ``None`` member of its dicts left out, at any depth.

    A dict or list holding neither ``None`` members nor containers is given back as it is
    (the types of its members are gathered in C first: most lists hold only strings).
    """
    if type(value) is dict:
        if _SKIP_DICT.isdisjoint(map(type, value.values())):
            return value
        return {
            k: without_none(v) if type(v) in _NESTED else v
            for k, v in value.items()
            if v is not None
        }
    if type(value) in _NESTED:
        if _NESTED.isdisjoint(map(type, value)):
            return value if type(value) is list else list(value)
        return [without_none(v) if type(v) in _NESTED else v for v in value]
    return value


_NESTED = frozenset((dict, list, tuple))
_SKIP_DICT = _NESTED | {type(None)}


def json_response(content: Any, *, headers: Mapping[str, str] | None = None) -> Response:
    """A ``200 application/json`` response of ``content`` (``None`` members left out)."""
    body = orjson.dumps(without_none(content), option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, media_type="application/json", headers=headers)
