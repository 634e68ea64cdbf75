"""Riders' reports and proposals, and the planners' review, written once against the store protocol.

:class:`Feedback` keeps its tables (:data:`~geo.feedback.model.REPORTS`,
:data:`~geo.feedback.model.PROPOSALS`) in the store that holds the stations,
SQLite or PostGIS alike. A review that changes a station runs in one
:meth:`~geo.stations.StationStore.transaction`: the station change, the
report's or proposals' new status and the station history commit together or
not at all. Every status change is guarded with ``… WHERE status='open'``: of
two concurrent accepts of one report (in any process, on either backend), one
applies and the other raises :class:`~geo.errors.ConflictError`.

Reports and what accepting one does to its station:

=================  ==============================  =====================================
kind               needs                           on accept
=================  ==============================  =====================================
closed             —                               status ``closed``
wrong_location     a position                      moved to the position
wrong_hours        ``hours`` (OSM opening_hours)   opening hours replaced
amenity_missing    ``amenity`` (vocabulary code)   amenity removed
full               —                               nothing but ``last_verified``
confirmed          —                               ``last_verified``
=================  ==============================  =====================================

Every accept sets the station's ``last_verified``. A confirmation ("visited
and all fine") verifies the station by itself only when a planner sends it;
an anonymous one waits until a confirmation from a different client arrives
within :data:`CONFIRMATION_WINDOW` (a week), and then both are accepted
together.

Submitters' contact, client address and exact position are stored for
planners; which of them a caller may see is the caller's decision (the API
shows them only with a planner key).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from geo._validate import check_page, parse_amenities, parse_kinds
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.feedback.groups import make_groups
from geo.feedback.model import (
    MAX_CONTACT,
    PROPOSAL_GROUP_M,
    PROPOSALS,
    REPORTS,
    Proposal,
    ProposalGroup,
    Report,
    ReportKind,
    ReviewStatus,
    clean_text,
    parse_review_status,
    position_wgs84,
    proposal_from_row,
    report_from_row,
    row_id,
)
from geo.feedback.receipts import RECEIPTS, STEPS, Item, issue_receipt
from geo.hours_zh import normalize_hours
from geo.names import AMENITY_WORDS
from geo.stations.model import stamp
from geo.stations.store import StationStore, Transaction
from geo.types import AMENITIES, CoordSystem, Kind, Station, Status

__all__ = ["CONFIRMATION_WINDOW", "FEEDBACK_COUNTER", "Feedback"]

CONFIRMATION_WINDOW = timedelta(days=7)
"""Two anonymous confirmations from different clients within this time verify a station."""
FEEDBACK_COUNTER = "feedback_version"
"""The store counter bumped by every report or proposal write (for caches)."""


class Feedback:
    """Reports and proposals stored beside a store's stations.

    Parameters
    ----------
    store
        The station store (either backend) whose database holds the tables.
    confirmation_window
        How close in time two anonymous confirmations must be to verify a station.

    Examples
    --------
    >>> from geo.stations import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.add(Station("a", "Library", Kind.WORKER_STATION, 24.94, 60.17,
    ...                       opening_hours="Mo-Fr 08:00-18:00"))
    >>> fb = Feedback(store)
    >>> r = fb.report("a", "wrong_hours", hours="Mo-Su 07:00-22:00", text="open on weekends now")
    >>> fb.open_report_counts()
    {'a': 1}
    >>> _ = fb.accept_report(r.id, actor="planner-li")
    >>> store.get("a").opening_hours, store.history("a")[-1].actor
    ('Mo-Su 07:00-22:00', 'planner-li')
    """

    def __init__(
        self, store: StationStore, *, confirmation_window: timedelta = CONFIRMATION_WINDOW
    ) -> None:
        self.store = store
        self.confirmation_window = confirmation_window
        store.ensure_tables([REPORTS, PROPOSALS, RECEIPTS, STEPS])

    @property
    def registry(self) -> StationStore:
        """The store (the name earlier versions used)."""
        return self.store

    @property
    def version(self) -> int:
        """A counter that grows with every report or proposal write (for caches)."""
        return self.store.counter(FEEDBACK_COUNTER)

    # -- reports ---------------------------------------------------------------
    def report(
        self,
        station_id: str,
        kind: ReportKind | str,
        *,
        text: str = "",
        lon: float | None = None,
        lat: float | None = None,
        crs: CoordSystem | str = "wgs84",
        hours: str = "",
        amenity: str = "",
        contact: str = "",
        client: str = "",
        planner: str | None = None,
    ) -> Report:
        """Record a report on a station.

        Parameters
        ----------
        station_id
            The station; raises :class:`~geo.errors.NotFoundError` if absent.
        kind
            One of :class:`~geo.feedback.model.ReportKind`.
        text
            Free text, at most :data:`~geo.feedback.model.MAX_TEXT` characters.
        lon, lat, crs
            Optional position (required for ``wrong_location``), in ``crs``.
        hours
            Proposed opening hours; required for ``wrong_hours``.
        amenity
            Amenity code; required for ``amenity_missing``.
        contact, client
            The submitter's contact and client address (kept for planners).
        planner
            The name of the planner sending it, if one does: a planner's
            confirmation verifies the station at once.

        Returns
        -------
        Report
            The stored report (a confirmation that verified its station is
            ``accepted``), with its rider's ``receipt`` token.

        Raises
        ------
        InvalidInputError
            On a wrong field; the message names it. Nothing is written.
        """
        try:
            k = ReportKind(str(kind).strip())
        except ValueError:
            raise InvalidInputError(
                f"kind={kind!r} is not a report kind; use one of {', '.join(ReportKind)}"
            ) from None
        x, y = position_wgs84(lon, lat, crs)
        hrs = clean_text(hours, name="hours")
        code = clean_text(amenity, name="amenity").strip()
        code = AMENITY_WORDS.get(code, code.lower())  # 饮用水 as well as water
        if k is ReportKind.WRONG_LOCATION and x is None:
            raise InvalidInputError("lon/lat: a wrong_location report needs the right position")
        if k is ReportKind.WRONG_HOURS:
            if not hrs:
                raise InvalidInputError("hours: a wrong_hours report needs the right hours")
            hrs = normalize_hours(hrs, field_name="hours")  # Chinese phrasings too
        elif hrs:
            raise InvalidInputError(f"hours is only for wrong_hours reports, not {k}")
        if k is ReportKind.AMENITY_MISSING:
            if code not in AMENITIES:
                raise InvalidInputError(
                    f"amenity={amenity!r} is not in the amenity vocabulary; use one of "
                    + ", ".join(AMENITIES)
                )
        elif code:
            raise InvalidInputError(f"amenity is only for amenity_missing reports, not {k}")
        address = clean_text(client, name="client", limit=MAX_CONTACT)
        row = {
            "station_id": station_id,
            "kind": str(k),
            "text": clean_text(text, name="text"),
            "lon": x,
            "lat": y,
            "hours": hrs,
            "amenity": code,
            "contact": clean_text(contact, name="contact", limit=MAX_CONTACT),
            "client": address,
        }
        who = clean_text(planner, name="planner", limit=MAX_CONTACT) if planner else ""
        with self.store.transaction(actor=who or "riders") as tx:
            tx.get(station_id)  # NotFoundError, and on PostGIS a lock on the station
            row["created_at"] = tx.at
            rid = int(tx.insert(REPORTS, row))
            if k is ReportKind.CONFIRMED:
                self._confirm(tx, rid, station_id, address, planner=who)
            token = issue_receipt(tx, Item.REPORT, rid)
            tx.bump(FEEDBACK_COUNTER)
            return dataclasses.replace(self._report_in(tx, rid), receipt=token)

    def _confirm(
        self, tx: Transaction, report_id: int, station_id: str, client: str, *, planner: str
    ) -> None:
        """Inside a report's transaction: verify the station if this confirmation suffices.

        A planner's confirmation does; an anonymous one does when another
        client confirmed the same station within the window (an unknown
        client never counts as a different one).
        """
        if planner:
            ids = [report_id]
            tx.note = "confirmed by a planner"
        else:
            if not client:
                return
            since = stamp(self.store.now() - self.confirmation_window)
            others = tx.select(
                REPORTS,
                {
                    "station_id": station_id,
                    "kind": str(ReportKind.CONFIRMED),
                    "created_at >=": since,
                    "client !=": client,
                    "status !=": str(ReviewStatus.REJECTED),
                },
                lock=True,
            )
            others = [r for r in others if r["client"] and r["id"] != report_id]
            if not others:
                return
            ids = [report_id, *(int(r["id"]) for r in others if r["status"] == "open")]
            tx.note = f"confirmed by {len({r['client'] for r in others}) + 1} riders"
        tx.change(
            REPORTS,
            {
                "status": str(ReviewStatus.ACCEPTED),
                "resolved_at": tx.at,
                "resolved_by": planner or "confirmations",
                "resolution": "visited and all fine",
            },
            {"id in": ids, "status": str(ReviewStatus.OPEN)},
        )
        tx.update(station_id, last_verified=tx.at)

    @staticmethod
    def _report_in(tx: Transaction, report_id: int) -> Report:
        rows = tx.select(REPORTS, {"id": report_id}, lock=True)
        if not rows:
            raise NotFoundError(f"no report with id {report_id}")
        return report_from_row(rows[0])

    def get_report(self, report_id: int) -> Report:
        """One report; raises :class:`~geo.errors.NotFoundError` when absent."""
        rows = self.store.select(REPORTS, {"id": row_id(report_id, what="report")})
        if not rows:
            raise NotFoundError(f"no report with id {report_id}")
        return report_from_row(rows[0])

    def reports(
        self,
        *,
        status: ReviewStatus | str | None = None,
        station_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[Report]]:
        """Reports, newest first, filtered by status and station.

        Returns
        -------
        tuple
            The number matching in all, and the page.
        """
        check_page(limit, offset)
        where: dict[str, Any] = {}
        st = parse_review_status(status)
        if st is not None:
            where["status"] = str(st)
        if station_id is not None:
            where["station_id"] = station_id
        total = self.store.count(REPORTS, where)
        rows = self.store.select(REPORTS, where, order_by=("-id",), limit=limit, offset=offset)
        return total, [report_from_row(r) for r in rows]

    def open_report_counts(self, station_ids: Iterable[str] | None = None) -> dict[str, int]:
        """Station id → number of open problem reports (pending confirmations are no problem).

        With ``station_ids``, only those stations are counted (what a nearest
        answer needs for its few, instead of a pass over every open report).
        """
        where: dict[str, Any] = {"status": str(ReviewStatus.OPEN)}
        where["kind !="] = str(ReportKind.CONFIRMED)
        if station_ids is not None:
            where["station_id in"] = list(station_ids)
        counts = self.store.count_by(REPORTS, "station_id", where)
        return {str(k): v for k, v in counts.items()}

    def reported_closed(self) -> frozenset[str]:
        """Ids of stations with an unresolved "closed for good" report.

        Pass them as :attr:`geo.stations.StationFilter.exclude_ids` to leave
        those stations out of nearest queries and listings.
        """
        counts = self.store.count_by(
            REPORTS, "station_id", {"status": str(ReviewStatus.OPEN), "kind": "closed"}
        )
        return frozenset(str(k) for k in counts)

    def accept_report(self, report_id: int, *, actor: str = "planner", note: str = "") -> Report:
        """Apply a report to its station, in one transaction with its status and history.

        Parameters
        ----------
        report_id
            An open report.
        actor
            Who accepts it (recorded in the station's history).
        note
            Why, for the history and the report.

        Returns
        -------
        Report
            The report, now ``accepted``.

        Raises
        ------
        NotFoundError
            When the report (or its station) does not exist; nothing changes.
        ConflictError
            When it is not open (accepted or rejected already, perhaps by a
            concurrent request, in any process); nothing changes.
        """
        who = clean_text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        why = clean_text(note, name="note")
        rid = row_id(report_id, what="report")
        history_note = f"report {rid} accepted" + (f": {why}" if why else "")
        with self.store.transaction(actor=who, note=history_note) as tx:
            # Lock the station before the report, as a submission does: one lock order, so
            # an accept and a confirmation of the same station never wait for each other.
            found = tx.select(REPORTS, {"id": rid})
            if not found:
                raise NotFoundError(f"no report with id {rid}")
            tx.get(found[0]["station_id"])
            rep = self._close_report(tx, rid, ReviewStatus.ACCEPTED, who, why)
            changes: dict[str, Any] = {"last_verified": tx.at}
            if rep.kind is ReportKind.CLOSED:
                changes["status"] = Status.CLOSED
            elif rep.kind is ReportKind.WRONG_LOCATION:
                changes.update(lon=rep.lon, lat=rep.lat)
            elif rep.kind is ReportKind.WRONG_HOURS:
                # The report's hours are normalised; the station's old wording no longer holds.
                changes.update(opening_hours=rep.hours, opening_hours_text="")
            elif rep.kind is ReportKind.AMENITY_MISSING:
                have = tx.get(rep.station_id).amenities
                changes["amenities"] = tuple(a for a in have if a != rep.amenity)
            tx.update(rep.station_id, **changes)
            tx.bump(FEEDBACK_COUNTER)
            return self._report_in(tx, rid)

    def _close_report(
        self, tx: Transaction, rid: int, status: ReviewStatus, who: str, why: str
    ) -> Report:
        """Inside a transaction: move an open report to ``status``; ConflictError when not open."""
        rep = self._report_in(tx, rid)
        n = tx.change(
            REPORTS,
            {"status": str(status), "resolved_at": tx.at, "resolved_by": who, "resolution": why},
            {"id": rid, "status": str(ReviewStatus.OPEN)},
        )
        if n != 1:
            raise ConflictError(f"report {rid} is {rep.status} already, not open")
        return rep

    def reject_report(self, report_id: int, *, actor: str = "planner", note: str = "") -> Report:
        """Mark an open report rejected; its station is not touched.

        Raises
        ------
        NotFoundError
            When the report does not exist.
        ConflictError
            When it is not open.
        """
        who = clean_text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        why = clean_text(note, name="note")
        rid = row_id(report_id, what="report")
        with self.store.transaction(actor=who) as tx:
            self._close_report(tx, rid, ReviewStatus.REJECTED, who, why)
            tx.bump(FEEDBACK_COUNTER)
            return self._report_in(tx, rid)

    # -- proposals ---------------------------------------------------------------
    def propose(
        self,
        lon: float,
        lat: float,
        *,
        crs: CoordSystem | str = "wgs84",
        note: str = "",
        kind: Kind | str | None = None,
        amenities: Iterable[str] | str | None = None,
        proposer: str = "",
        contact: str = "",
        client: str = "",
    ) -> Proposal:
        """Record a proposed site for a new station.

        Parameters
        ----------
        lon, lat, crs
            The site, in ``crs``.
        note
            Free text, at most :data:`~geo.feedback.model.MAX_TEXT` characters.
        kind
            Kind of station wanted, or None.
        amenities
            Amenity codes wanted.
        proposer
            The proposer's id (an app's user id), for counting distinct proposers.
        contact, client
            Contact and client address, kept for planners.

        Returns
        -------
        Proposal
            The stored proposal, with its rider's ``receipt`` token.
        """
        x, y = position_wgs84(lon, lat, crs)
        kinds = parse_kinds(None if kind is None or kind == "" else [str(kind)])
        row = {
            "lon": x,
            "lat": y,
            "note": clean_text(note, name="note"),
            "kind": str(next(iter(kinds))) if kinds else "",
            "amenities": ";".join(parse_amenities(amenities, argument="amenities")),
            "proposer": clean_text(proposer, name="proposer", limit=MAX_CONTACT),
            "contact": clean_text(contact, name="contact", limit=MAX_CONTACT),
            "client": clean_text(client, name="client", limit=MAX_CONTACT),
        }
        with self.store.transaction(actor="riders") as tx:
            pid = int(tx.insert(PROPOSALS, {**row, "created_at": tx.at}))
            token = issue_receipt(tx, Item.PROPOSAL, pid)
            tx.bump(FEEDBACK_COUNTER)
            prop = proposal_from_row(tx.select(PROPOSALS, {"id": pid})[0])
            return dataclasses.replace(prop, receipt=token)

    def get_proposal(self, proposal_id: int) -> Proposal:
        """One proposal; raises :class:`~geo.errors.NotFoundError` when absent."""
        rows = self.store.select(PROPOSALS, {"id": row_id(proposal_id, what="proposal")})
        if not rows:
            raise NotFoundError(f"no proposal with id {proposal_id}")
        return proposal_from_row(rows[0])

    def proposals(self, *, status: ReviewStatus | str | None = ReviewStatus.OPEN) -> list[Proposal]:
        """Proposals with ``status`` (None: all), by id."""
        st = parse_review_status(status)
        where = None if st is None else {"status": str(st)}
        return [proposal_from_row(r) for r in self.store.select(PROPOSALS, where, order_by=("id",))]

    def groups(
        self,
        *,
        radius_m: float = PROPOSAL_GROUP_M,
        status: ReviewStatus | str | None = ReviewStatus.OPEN,
    ) -> list[ProposalGroup]:
        """Proposals with ``status`` grouped within ``radius_m`` (single linkage), by id."""
        return make_groups(self.proposals(status=status), radius_m)

    @staticmethod
    def open_group_in(tx: Transaction, proposal_id: int, radius_m: float) -> ProposalGroup:
        """Inside a transaction: the open group holding ``proposal_id``."""
        rows = tx.select(PROPOSALS, {"id": proposal_id})
        if not rows:
            raise NotFoundError(f"no proposal with id {proposal_id}")
        prop = proposal_from_row(rows[0])
        if prop.status is not ReviewStatus.OPEN:
            raise ConflictError(f"proposal {proposal_id} is {prop.status} already, not open")
        open_rows = tx.select(PROPOSALS, {"status": "open"}, order_by=("id",))
        for grp in make_groups([proposal_from_row(r) for r in open_rows], radius_m):
            if proposal_id in grp.proposal_ids:
                return grp
        raise ConflictError(f"proposal {proposal_id} is not open")  # pragma: no cover

    @staticmethod
    def close_group_in(
        tx: Transaction, grp: ProposalGroup, status: ReviewStatus, values: dict[str, str]
    ) -> None:
        """Inside a transaction: move every proposal of an open group to ``status``."""
        n = tx.change(
            PROPOSALS,
            {"status": str(status), **values},
            {"status": "open", "id in": list(grp.proposal_ids)},
        )
        if n != len(grp.proposals):
            raise ConflictError(f"proposal group {grp.id} changed while it was reviewed; try again")

    def accept_proposal(
        self,
        proposal_id: int,
        *,
        name: str,
        actor: str = "planner",
        note: str = "",
        kind: Kind | str | None = None,
        station_id: str | None = None,
        radius_m: float = PROPOSAL_GROUP_M,
    ) -> tuple[Station, ProposalGroup]:
        """Make a ``planned`` station of the group holding a proposal, in one transaction.

        The station stands at the group's centroid, with the kind given, else
        the kind most asked for, else ``worker_station``, and the amenities
        asked for. Every member proposal is marked accepted with its id.

        Parameters
        ----------
        proposal_id
            Any open proposal of the group.
        name
            The new station's name.
        actor, note
            Who accepts it and why (the station's history).
        kind
            The station's kind; default as above.
        station_id
            The new station's id; default ``proposal-<group id>``.
        radius_m
            Grouping distance, metres.

        Returns
        -------
        tuple
            The new station and the group as it was accepted.

        Raises
        ------
        NotFoundError
            When there is no such proposal.
        ConflictError
            When it is not open, or the station id exists; nothing changes.
        InvalidInputError
            On a wrong name or kind.
        """
        who = clean_text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        why = clean_text(note, name="note")
        title = clean_text(name, name="name", limit=200)
        if not title:
            raise InvalidInputError("name: the new station needs a name")
        want = parse_kinds(None if kind is None or kind == "" else [str(kind)])
        pid = row_id(proposal_id, what="proposal")
        history_note = f"from proposal {pid}'s group" + (f": {why}" if why else "")
        with self.store.transaction(actor=who, note=history_note) as tx:
            grp = self.open_group_in(tx, pid, radius_m)
            sid = station_id or f"proposal-{grp.id}"
            self.close_group_in(
                tx,
                grp,
                ReviewStatus.ACCEPTED,
                {"station_id": sid, "resolved_at": tx.at, "resolved_by": who, "resolution": why},
            )
            (station,) = tx.add(
                Station(
                    id=sid,
                    name=title,
                    kind=next(iter(want)) if want else (grp.kind or Kind.WORKER_STATION),
                    lon=grp.lon,
                    lat=grp.lat,
                    amenities=grp.amenities,
                    status=Status.PLANNED,
                    source="proposals:" + ",".join(str(i) for i in grp.proposal_ids),
                )
            )
            tx.bump(FEEDBACK_COUNTER)
            return station, grp

    def reject_proposal(
        self,
        proposal_id: int,
        *,
        actor: str = "planner",
        note: str = "",
        radius_m: float = PROPOSAL_GROUP_M,
    ) -> ProposalGroup:
        """Mark the group holding a proposal rejected.

        Raises
        ------
        NotFoundError
            When there is no such proposal.
        ConflictError
            When it is not open.
        """
        who = clean_text(actor, name="actor", limit=MAX_CONTACT) or "planner"
        why = clean_text(note, name="note")
        with self.store.transaction(actor=who) as tx:
            grp = self.open_group_in(tx, row_id(proposal_id, what="proposal"), radius_m)
            self.close_group_in(
                tx,
                grp,
                ReviewStatus.REJECTED,
                {"station_id": "", "resolved_at": tx.at, "resolved_by": who, "resolution": why},
            )
            tx.bump(FEEDBACK_COUNTER)
            return grp
