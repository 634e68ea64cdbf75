"""Checking a plan's changes as a client sends them (plain mappings), naming the change and
the field at fault (:class:`~geo.plans.model.PlanChangeError`); nothing here touches a store."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from geo.errors import InvalidInputError
from geo.hours_zh import hours_fields
from geo.io import stable_id
from geo.limits import station_id_problem, text_problem
from geo.names import parse_kind_name
from geo.plans.model import MAX_CHANGES, MAX_NAME, ChangeKind, PlanChange, PlanChangeError

__all__ = ["check_name", "parse_changes"]


def _number(index: int, name: str, value: Any, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PlanChangeError(index, name, f"{value!r} is not a number")
    try:
        x = float(value)
    except ValueError:
        raise PlanChangeError(index, name, f"{value!r} is not a number") from None
    if not (math.isfinite(x) and low <= x <= high):
        raise PlanChangeError(index, name, f"{value!r} must lie in [{low:g}, {high:g}]")
    return x


def _text(index: int, name: str, value: Any, *, station_field: str = "name") -> str:
    if not isinstance(value, str):
        raise PlanChangeError(index, name, f"{value!r} is not text")
    problem = text_problem(station_field, value)
    if problem:
        raise PlanChangeError(index, name, problem)
    return value.strip()


def _station_id(index: int, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise PlanChangeError(index, "station_id", "a station id is needed")
    problem = station_id_problem(value)
    if problem:
        raise PlanChangeError(index, "station_id", problem)
    return value


def _capacity(index: int, value: Any) -> float | None:
    return None if value is None else _number(index, "capacity", value, low=0.0, high=1e9)


def _hours(index: int, value: Any) -> tuple[str, str]:
    if not isinstance(value, str):
        raise PlanChangeError(index, "hours", f"{value!r} is not text")
    try:
        got = hours_fields(value, field_name=f"changes[{index}].hours")
    except InvalidInputError as exc:
        raise PlanChangeError(index, "hours", str(exc)) from None
    return got["opening_hours"], got["opening_hours_text"]


_FIELDS = {
    ChangeKind.ADD: {
        "kind",
        "lon",
        "lat",
        "station_kind",
        "name",
        "station_id",
        "hours",
        "capacity",
    },
    ChangeKind.CLOSE: {"kind", "station_id"},
    ChangeKind.HOURS: {"kind", "station_id", "hours"},
    ChangeKind.CAPACITY: {"kind", "station_id", "capacity"},
}


def _one(index: int, raw: Mapping[str, Any], plan_name: str) -> PlanChange:
    if not isinstance(raw, Mapping):
        raise PlanChangeError(index, "kind", f"a change is an object, not {raw!r}")
    try:
        kind = ChangeKind(str(raw.get("kind")))
    except ValueError:
        choices = ", ".join(k.value for k in ChangeKind)
        raise PlanChangeError(
            index, "kind", f"{raw.get('kind')!r} is not one of {choices}"
        ) from None
    extra = sorted(set(raw) - _FIELDS[kind])
    if extra:
        raise PlanChangeError(index, extra[0], f"a {kind} change has no field {extra[0]!r}")
    for need in sorted(_FIELDS[kind] - {"name", "station_id", "hours", "capacity"}):
        if raw.get(need) is None:
            raise PlanChangeError(index, need, f"a {kind} change needs {need}")
    if kind is ChangeKind.ADD:
        lon = _number(index, "lon", raw["lon"], low=-180.0, high=180.0)
        lat = _number(index, "lat", raw["lat"], low=-90.0, high=90.0)
        try:
            station_kind = parse_kind_name(str(raw["station_kind"]), argument="station_kind")
        except InvalidInputError as exc:
            raise PlanChangeError(index, "station_kind", str(exc)) from None
        suffix = f" #{index + 1}"
        name = _text(index, "name", raw.get("name") or plan_name[: MAX_NAME - len(suffix)] + suffix)
        sid = raw.get("station_id")
        sid = _station_id(index, sid) if sid is not None else stable_id(name, lon, lat)
        hours, text = _hours(index, raw.get("hours") or "")
        return PlanChange(
            kind,
            sid,
            lon,
            lat,
            station_kind,
            name,
            hours,
            text,
            _capacity(index, raw.get("capacity")),
        )
    sid = _station_id(index, raw.get("station_id"))
    if kind is ChangeKind.HOURS:
        if raw.get("hours") is None:
            raise PlanChangeError(index, "hours", "an hours change needs hours")
        hours, text = _hours(index, raw["hours"])
        return PlanChange(kind, sid, hours=hours, hours_text=text)
    if kind is ChangeKind.CAPACITY:
        if "capacity" not in raw:
            raise PlanChangeError(index, "capacity", "a capacity change needs capacity (or null)")
        return PlanChange(kind, sid, capacity=_capacity(index, raw["capacity"]))
    return PlanChange(kind, sid)


def parse_changes(raw: Sequence[Mapping[str, Any]], *, plan_name: str = "plan") -> list[PlanChange]:
    """Check a plan's changes as a client sends them; the changes, in order.

    Parameters
    ----------
    raw
        One mapping per change: ``kind`` (``add``, ``close``, ``hours``,
        ``capacity``); ``station_id`` (the station changed; for ``add`` an
        optional id); for ``add``: ``lon``, ``lat`` (WGS-84),
        ``station_kind``, optional ``name``, ``hours``, ``capacity``; for
        ``hours``: ``hours`` (OSM or Chinese wording); for ``capacity``:
        ``capacity`` (a number ≥ 0, or None to clear it).
    plan_name
        Names new stations that have no name (``NAME #3``).

    Returns
    -------
    list of PlanChange

    Raises
    ------
    PlanChangeError
        Naming the change (from 0) and the field at fault: a wrong value, a
        station changed after the plan closes it, a new id used twice.

    Examples
    --------
    >>> [c.kind.value for c in parse_changes([
    ...     {"kind": "close", "station_id": "a"},
    ...     {"kind": "hours", "station_id": "b", "hours": "每天9点到21点"}])]
    ['close', 'hours']
    >>> parse_changes([{"kind": "capacity", "station_id": "a", "capacity": -1}])
    Traceback (most recent call last):
    ...
    geo.plans.model.PlanChangeError: changes[0].capacity: -1 must lie in [0, 1e+09]
    """
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise InvalidInputError("changes must be a list of changes")
    if not raw:
        raise InvalidInputError("changes: a plan needs at least one change")
    if len(raw) > MAX_CHANGES:
        raise InvalidInputError(f"changes: {len(raw)} changes; at most {MAX_CHANGES}")
    out: list[PlanChange] = []
    closed: dict[str, int] = {}
    added: dict[str, int] = {}
    for i, item in enumerate(raw):
        change = _one(i, item, plan_name)
        sid = change.station_id
        if sid in closed:
            raise PlanChangeError(
                i, "station_id", f"station {sid!r} is closed by changes[{closed[sid]}]"
            )
        if change.kind is ChangeKind.ADD:
            if sid in added:
                raise PlanChangeError(
                    i, "station_id", f"id {sid!r} is added by changes[{added[sid]}] too"
                )
            added[sid] = i
        if change.kind is ChangeKind.CLOSE:
            closed[sid] = i
        out.append(change)
    return out


def check_name(name: Any) -> str:
    """A plan's name, stripped; :class:`InvalidInputError` when empty or too long."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("name: a plan needs a name")
    problem = text_problem("name", name)
    if problem:
        raise InvalidInputError(f"name: {problem}")
    return name.strip()
