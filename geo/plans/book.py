"""Plans kept in the stations' store (either backend), and applying one in one transaction.

:class:`Plans` keeps plans in :data:`~geo.plans.model.PLANS`, beside the
stations, through the store protocol's reads and transactions only, so SQLite
and PostGIS run the same code. A plan never touches the stations until
:meth:`Plans.apply` writes all its changes in one transaction, recorded in each
station's history with the planner as actor and the plan in the note.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from geo.errors import ConflictError, NotFoundError
from geo.plans.checks import check_name, parse_changes
from geo.plans.model import (
    PLANS,
    PLANS_COUNTER,
    ChangeKind,
    Plan,
    PlanChange,
    PlanChangeError,
    PlanStatus,
    plan_from_row,
)
from geo.stations import StationStore, Transaction
from geo.types import Station, Status

__all__ = ["Plans", "new_station", "write_changes"]


def new_station(change: PlanChange, *, source: str) -> Station:
    """The station an ``add`` change makes (open)."""
    if change.kind is not ChangeKind.ADD or change.station_kind is None:
        raise ValueError("only an add change makes a station")
    assert change.lon is not None and change.lat is not None
    return Station(
        change.station_id,
        change.name,
        change.station_kind,
        change.lon,
        change.lat,
        opening_hours=change.hours,
        opening_hours_text=change.hours_text,
        capacity=change.capacity,
        status=Status.OPEN,
        source=source,
    )


def write_changes(tx: Transaction, changes: Sequence[PlanChange], *, source: str) -> None:
    """Write ``changes`` in the transaction ``tx``, in order (the caller commits).

    Raises
    ------
    ConflictError
        Naming the change: a station it changes no longer exists, or the id a
        new station would get is taken.
    """
    for i, change in enumerate(changes):
        try:
            if change.kind is ChangeKind.ADD:
                tx.add(new_station(change, source=source))
            else:
                tx.get(change.station_id)
                tx.update(change.station_id, **change.station_fields())
        except NotFoundError:
            raise ConflictError(
                f"changes[{i}].station_id: station {change.station_id!r} no longer exists"
            ) from None
        except ConflictError as exc:
            raise ConflictError(f"changes[{i}].station_id: {exc}") from None


class Plans:
    """What-if plans kept beside a store's stations.

    Examples
    --------
    >>> from geo.stations import open_store
    >>> from geo.types import Kind
    >>> store = open_store(":memory:")
    >>> _ = store.add(Station("a", "Depot", Kind.DRIVER_HOME, 114.0, 22.5))
    >>> plans = Plans(store)
    >>> plan = plans.create("winter", "futian", [{"kind": "capacity", "station_id": "a",
    ...                                          "capacity": 12}], actor="li")
    >>> store.get("a").capacity is None, plans.apply(plan.id, actor="li").status.value
    (True, 'applied')
    >>> store.get("a").capacity, store.history("a")[-1].note
    (12.0, "plan 1 'winter'")
    """

    def __init__(self, store: StationStore) -> None:
        self.store = store
        store.ensure_tables([PLANS])

    @property
    def version(self) -> int:
        """Grows with every plan write (a cache key)."""
        return self.store.counter(PLANS_COUNTER)

    def check_stations(self, changes: Sequence[PlanChange]) -> None:
        """Raise :class:`PlanChangeError` for a change naming a station the store lacks, or
        adding one whose id it has."""
        for i, change in enumerate(changes):
            there = change.station_id in self.store
            if change.kind is ChangeKind.ADD and there:
                raise PlanChangeError(
                    i, "station_id", f"a station with id {change.station_id!r} exists already"
                )
            if change.kind is not ChangeKind.ADD and not there:
                raise PlanChangeError(i, "station_id", f"no station with id {change.station_id!r}")

    def create(
        self,
        name: str,
        region: str,
        changes: Sequence[Mapping[str, Any]] | Sequence[PlanChange],
        *,
        actor: str = "planner",
    ) -> Plan:
        """Keep a new draft plan; its changes checked against the stations.

        Parameters
        ----------
        name
            What the planner calls it.
        region
            The region it is measured in (the caller checks it exists).
        changes
            :class:`PlanChange` objects, or mappings as
            :func:`~geo.plans.model.parse_changes` takes them.
        actor
            Who makes it.

        Raises
        ------
        PlanChangeError
            Naming the change and field at fault (an unknown station among them).
        """
        title = check_name(name)
        parsed = [c for c in changes if isinstance(c, PlanChange)]
        if not parsed or len(parsed) != len(changes):
            parsed = parse_changes(cast(Sequence[Mapping[str, Any]], changes), plan_name=title)
        self.check_stations(parsed)
        with self.store.transaction(actor=actor, note=f"plan {title!r}") as tx:
            row = {
                "name": title,
                "region": str(region),
                "changes": json.dumps([c.to_dict() for c in parsed], ensure_ascii=False),
                "status": str(PlanStatus.DRAFT),
                "created_at": tx.at,
                "created_by": actor,
            }
            plan_id = int(tx.insert(PLANS, row))
            tx.bump(PLANS_COUNTER)
            return plan_from_row(tx.select(PLANS, {"id": plan_id})[0])

    def get(self, plan_id: int) -> Plan:
        """One plan; :class:`NotFoundError` when there is none with this id."""
        if not 1 <= int(plan_id) < 2**63:  # past what any database's key can hold
            raise NotFoundError(f"no plan with id {plan_id}")
        rows = self.store.select(PLANS, {"id": int(plan_id)})
        if not rows:
            raise NotFoundError(f"no plan with id {plan_id}")
        return plan_from_row(rows[0])

    def list(self, *, status: PlanStatus | str | None = None) -> list[Plan]:
        """Every plan (of ``status`` when given), newest first."""
        where = None if status is None else {"status": str(PlanStatus(status))}
        return [plan_from_row(r) for r in self.store.select(PLANS, where, order_by=("-id",))]

    def delete(self, plan_id: int, *, actor: str = "planner") -> None:
        """Remove a draft plan; :class:`ConflictError` for an applied one (kept as a record)."""
        self.get(plan_id)
        with self.store.transaction(actor=actor) as tx:
            rows = tx.select(PLANS, {"id": int(plan_id)}, lock=True)
            if not rows:
                raise NotFoundError(f"no plan with id {plan_id}")
            if rows[0]["status"] == PlanStatus.APPLIED:
                raise ConflictError(f"plan {plan_id} was applied; it stays as a record")
            tx.remove(PLANS, {"id": int(plan_id)})
            tx.bump(PLANS_COUNTER)

    def apply(self, plan_id: int, *, actor: str = "planner") -> Plan:
        """Write every change of a draft plan in one transaction and mark it applied.

        Each station's history records ``actor`` and the note ``plan ID 'NAME'``.

        Raises
        ------
        NotFoundError
            When there is no such plan.
        ConflictError
            When it was applied already (by anyone, also concurrently), or a
            change no longer fits the stations (nothing is written then).
        """
        plan = self.get(plan_id)
        note = f"plan {plan.id} {plan.name!r}"
        with self.store.transaction(actor=actor, note=note) as tx:
            rows = tx.select(PLANS, {"id": plan.id}, lock=True)
            if not rows:
                raise NotFoundError(f"no plan with id {plan_id}")
            if rows[0]["status"] == PlanStatus.APPLIED:
                raise ConflictError(
                    f"plan {plan.id} was applied already, at {rows[0]['applied_at']} "
                    f"by {rows[0]['applied_by']}"
                )
            write_changes(tx, plan_from_row(rows[0]).changes, source=f"plan:{plan.id}")
            tx.change(
                PLANS,
                {"status": str(PlanStatus.APPLIED), "applied_at": tx.at, "applied_by": actor},
                {"id": plan.id},
            )
            tx.bump(PLANS_COUNTER)
            return plan_from_row(tx.select(PLANS, {"id": plan.id})[0])
