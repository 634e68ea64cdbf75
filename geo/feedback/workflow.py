"""The rider's loop: what a receipt shows, planners' replies, and a proposal's way to a station.

A report or proposal passes through these states (:class:`State`)::

    submitted → under_review → accepted → building → done     (proposals)
    submitted → under_review → done                           (reports: the change was made)
              ↘ rejected

``under_review`` starts with a planner's first reply; acceptance and rejection
are those of :class:`~geo.feedback.review.Feedback`; a proposal's group is
``accepted`` when a planned station is made of it (or it is linked to an
existing station that answers it), then ``building`` and ``done`` when that
station opens (its status becomes ``open`` in the same transaction). Every step
carries its actor and time; a rider reads them by receipt token and learns
nothing about other riders (no contact, client, position or other proposals).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.feedback.model import (
    FEEDBACK_COUNTER,
    MAX_CONTACT,
    PROPOSAL_GROUP_M,
    PROPOSALS,
    REPORTS,
    ProposalGroup,
    ReviewStatus,
    clean_text,
    proposal_from_row,
    review_by,
    row_id,
)
from geo.feedback.receipts import RECEIPTS, STEPS, Item, StepKind, is_receipt_token
from geo.feedback.review import Feedback
from geo.stations.store import RecordReader, Transaction
from geo.types import Status

__all__ = ["ReceiptView", "State", "Step", "Workflow", "item_steps"]


class State(enum.StrEnum):
    """Where a report or proposal stands, as its rider sees it."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    BUILDING = "building"
    DONE = "done"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an item's history.

    Attributes
    ----------
    state
        The state the item is in after this step.
    event
        What happened: ``submitted``, ``reply``, ``accepted``, ``rejected``,
        ``building`` or ``opened``.
    at
        ISO 8601 UTC time.
    actor
        Who took the step (a planner key's name; empty for the rider's submission).
    reply
        The planner's text, if any.
    station_id
        The station the step concerns (a proposal's answering station), if any.
    """

    state: State
    event: str
    at: str
    actor: str = ""
    reply: str = ""
    station_id: str = ""


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """What a receipt token shows its rider.

    Attributes
    ----------
    item
        ``report`` or ``proposal``.
    kind
        The report's kind, or the kind of station proposed (may be empty).
    state
        The current state (that of the last step).
    steps
        Every step, oldest first.
    station_id
        The station reported on, or the one answering the proposal (empty until then).
    """

    item: Item
    kind: str
    state: State
    steps: tuple[Step, ...]
    station_id: str


_ORDER = {"submitted": 0, "reply": 1, "accepted": 2, "rejected": 2, "building": 3, "opened": 4}


def item_steps(reader: RecordReader, item: Item, row: dict[str, Any]) -> list[Step]:
    """Every step of one report or proposal (its table row), oldest first, with states.

    Steps at the same second keep the workflow's order (reply before acceptance).
    """
    events: list[tuple[str, str, str, str, str]] = [("submitted", row["created_at"], "", "", "")]
    if row["status"] != ReviewStatus.OPEN:
        events.append(
            (
                str(row["status"]),
                row["resolved_at"],
                row["resolved_by"],
                row["resolution"],
                row["station_id"] if item is Item.PROPOSAL else "",
            )
        )
    for s in reader.select(STEPS, {"item": str(item), "item_id": row["id"]}, order_by=("id",)):
        events.append((s["step"], s["at"], s["actor"], s["reply"], s["station_id"]))
    events.sort(key=lambda e: (e[1], _ORDER[e[0]]))
    steps, state = [], State.SUBMITTED
    for event, at, actor, reply, station in events:
        if event == "reply":
            state = State.UNDER_REVIEW if state is State.SUBMITTED else state
        elif event == "rejected":
            state = State.REJECTED
        elif event == "accepted":
            state = State.DONE if item is Item.REPORT else State.ACCEPTED
        elif event == "building":
            state = State.BUILDING
        elif event == "opened":
            state = State.DONE
        steps.append(Step(state, event, at, actor, reply, station))
    return steps


class Workflow:
    """Receipts, replies and a proposal's steps, over a :class:`Feedback` (either backend).

    Examples
    --------
    >>> from geo.stations import open_store
    >>> from geo.types import Kind, Station
    >>> store = open_store(":memory:")
    >>> fb = Feedback(store)
    >>> flow = Workflow(fb)
    >>> p = fb.propose(114.05, 22.54, note="no shade near the metro exit")
    >>> flow.receipt(p.receipt).state
    <State.SUBMITTED: 'submitted'>
    >>> _ = flow.reply("proposal", p.id, "we will look at it", actor="planner-li")
    >>> station, _ = fb.accept_proposal(p.id, name="Metro exit station")
    >>> _ = flow.advance(p.id, "opened", actor="planner-li")
    >>> [s.state.value for s in flow.receipt(p.receipt).steps]
    ['submitted', 'under_review', 'accepted', 'done']
    >>> store.get(station.id).status
    <Status.OPEN: 'open'>
    """

    def __init__(self, feedback: Feedback) -> None:
        self.feedback = feedback
        self.store = feedback.store

    @staticmethod
    def _row(reader: RecordReader, item: Item, item_id: int) -> dict[str, Any]:
        table = REPORTS if item is Item.REPORT else PROPOSALS
        rows = reader.select(table, {"id": item_id})
        if not rows:
            raise NotFoundError(f"no {item} with id {item_id}")
        return rows[0]

    def receipt(self, token: str) -> ReceiptView:
        """Where the item of a receipt stands.

        Raises
        ------
        NotFoundError
            For any token that is not a receipt (the same message whether or
            not receipts exist, or the token is malformed).
        """
        rows = self.store.select(RECEIPTS, {"token": token}) if is_receipt_token(token) else []
        if not rows:
            raise NotFoundError("no receipt with this token")
        item = Item(rows[0]["item"])
        row = self._row(self.store, item, int(rows[0]["item_id"]))
        steps = item_steps(self.store, item, row)
        return ReceiptView(item, row["kind"], steps[-1].state, tuple(steps), row["station_id"])

    def steps(self, item: Item | str, item_id: int) -> list[Step]:
        """Every step of one report or proposal (for planners), oldest first."""
        it = _item(item)
        return item_steps(self.store, it, self._row(self.store, it, row_id(item_id, what=str(it))))

    def reply(self, item: Item | str, item_id: int, text: str, *, actor: str) -> Step:
        """Record a planner's reply to a report or proposal (the rider sees it).

        Raises
        ------
        InvalidInputError
            When the text is empty or too long.
        NotFoundError
            When the item does not exist.
        """
        it = _item(item)
        body = clean_text(text, name="text")
        if not body:
            raise InvalidInputError("text: a reply needs some text")
        who = clean_text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        rid = row_id(item_id, what=str(it))
        with self.store.transaction(actor=who) as tx:
            self._row(tx, it, rid)
            self._step(tx, it, [rid], StepKind.REPLY, who, body, "")
            steps = item_steps(tx, it, self._row(tx, it, rid))
            return next(s for s in reversed(steps) if s.event == "reply")

    @staticmethod
    def _step(
        tx: Transaction,
        item: Item,
        ids: list[int],
        step: StepKind,
        actor: str,
        reply: str,
        station_id: str,
    ) -> None:
        for i in ids:
            tx.insert(
                STEPS,
                {
                    "item": str(item),
                    "item_id": i,
                    "step": str(step),
                    "actor": actor,
                    "at": tx.at,
                    "reply": reply,
                    "station_id": station_id,
                },
            )
        tx.bump(FEEDBACK_COUNTER)

    def advance(
        self, proposal_id: int, step: StepKind | str, *, actor: str, note: str = ""
    ) -> list[int]:
        """Move an accepted proposal's group (every proposal answered by its station) on.

        ``building``: the station is being built (it must still be ``planned``).
        ``opened``: the station opened; its status becomes ``open`` in the
        same transaction.

        Returns
        -------
        list of int
            The proposals moved (all those linked to the station).

        Raises
        ------
        ConflictError
            When the proposal is not accepted, the step was taken already, or
            the station is not in the state the step needs; nothing changes.
        """
        try:
            kind = StepKind(str(step))
        except ValueError:
            kind = StepKind.REPLY
        if kind is StepKind.REPLY:
            raise InvalidInputError(f"step={step!r}: use building or opened")
        who, why = review_by(actor, note)
        pid = row_id(proposal_id, what="proposal")
        with self.store.transaction(actor=who, note=f"proposal {pid}: {kind}") as tx:
            prop = proposal_from_row(self._row(tx, Item.PROPOSAL, pid))
            if prop.status is not ReviewStatus.ACCEPTED or not prop.station_id:
                raise ConflictError(f"proposal {pid} is {prop.status}, not accepted")
            linked = tx.select(PROPOSALS, {"station_id": prop.station_id}, order_by=("id",))
            ids = [int(r["id"]) for r in linked if r["status"] == ReviewStatus.ACCEPTED]
            taken = {
                s["step"] for s in tx.select(STEPS, {"item": str(Item.PROPOSAL), "item_id": pid})
            }
            if str(kind) in taken or "opened" in taken:
                raise ConflictError(f"proposal {pid} is past {kind} already")
            station = tx.get(prop.station_id)
            if kind is StepKind.BUILDING and station.status is not Status.PLANNED:
                raise ConflictError(
                    f"station {station.id} is {station.status}; only a planned one is built"
                )
            if kind is StepKind.OPENED and station.status is not Status.OPEN:
                tx.update(station.id, status=Status.OPEN, last_verified=tx.at)
            self._step(tx, Item.PROPOSAL, ids, kind, who, why, station.id)
            return ids

    def link(
        self,
        proposal_id: int,
        station_id: str,
        *,
        actor: str,
        note: str = "",
        radius_m: float = PROPOSAL_GROUP_M,
    ) -> ProposalGroup:
        """Accept an open proposal's group as answered by an existing station.

        When that station is already open, the group's riders see it ``done``
        at once (an ``opened`` step is recorded); else it moves on with
        :meth:`advance`.

        Raises
        ------
        NotFoundError
            When the proposal or the station does not exist.
        ConflictError
            When the proposal is not open; nothing changes.
        """
        who, why = review_by(actor, note)
        pid = row_id(proposal_id, what="proposal")
        with self.store.transaction(actor=who) as tx:
            station = tx.get(station_id)
            grp = self.feedback.open_group_in(tx, pid, radius_m)
            self.feedback.close_group_in(
                tx,
                grp,
                ReviewStatus.ACCEPTED,
                {
                    "station_id": station.id,
                    "resolved_at": tx.at,
                    "resolved_by": who,
                    "resolution": why,
                },
            )
            if station.status is Status.OPEN:
                self._step(
                    tx, Item.PROPOSAL, list(grp.proposal_ids), StepKind.OPENED, who, "", station.id
                )
            tx.bump(FEEDBACK_COUNTER)
            return grp


def _item(item: Item | str) -> Item:
    try:
        return Item(str(item))
    except ValueError:
        raise InvalidInputError(f"item={item!r}: use report or proposal") from None
