"""Riders' reports on stations: submission, confirmations, and the planners' review.

:class:`ReportReview` is the half of :class:`~geo.feedback.review.Feedback`
that handles :data:`~geo.feedback.model.REPORTS`, written against the store
protocol (either backend). Reports and what accepting one does to its station:

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
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from geo._validate import check_page
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.feedback.model import (
    FEEDBACK_COUNTER,
    MAX_CONTACT,
    REPORTS,
    Report,
    ReportKind,
    ReviewStatus,
    clean_text,
    parse_review_status,
    position_wgs84,
    report_from_row,
    review_by,
    row_id,
)
from geo.feedback.receipts import Item, issue_receipt
from geo.hours_zh import normalize_hours
from geo.names import AMENITY_WORDS
from geo.stations.model import stamp
from geo.stations.store import StationStore, Transaction
from geo.types import AMENITIES, CoordSystem, Status

__all__ = ["CONFIRMATION_WINDOW", "ReportReview"]

CONFIRMATION_WINDOW = timedelta(days=7)
"""Two anonymous confirmations from different clients within this time verify a station."""


class ReportReview:
    """Reports on a store's stations: submit, list, accept, reject.

    A part of :class:`~geo.feedback.review.Feedback`, which sets ``store`` and
    ``confirmation_window`` (see its parameters).
    """

    store: StationStore
    confirmation_window: timedelta

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

    def open_report_counts(self) -> dict[str, int]:
        """Station id → number of open problem reports (pending confirmations are no problem)."""
        counts = self.store.count_by(
            REPORTS,
            "station_id",
            {"status": str(ReviewStatus.OPEN), "kind !=": str(ReportKind.CONFIRMED)},
        )
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
        who, why = review_by(actor, note)
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
        who, why = review_by(actor, note)
        rid = row_id(report_id, what="report")
        with self.store.transaction(actor=who) as tx:
            self._close_report(tx, rid, ReviewStatus.REJECTED, who, why)
            tx.bump(FEEDBACK_COUNTER)
            return self._report_in(tx, rid)
