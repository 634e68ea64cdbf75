"""Riders' proposals for new stations: submission, grouping, and the planners' review.

:class:`ProposalReview` is the half of :class:`~geo.feedback.review.Feedback`
that handles :data:`~geo.feedback.model.PROPOSALS`, written against the store
protocol (either backend). Proposals are reviewed by group (single linkage
within a distance): accepting one makes a ``planned`` station of its whole
group, in one transaction with the members' new status.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from geo._validate import parse_amenities, parse_kinds
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.feedback.groups import make_groups
from geo.feedback.model import (
    FEEDBACK_COUNTER,
    MAX_CONTACT,
    PROPOSAL_GROUP_M,
    PROPOSALS,
    Proposal,
    ProposalGroup,
    ReviewStatus,
    clean_text,
    parse_review_status,
    position_wgs84,
    proposal_from_row,
    review_by,
    row_id,
)
from geo.feedback.receipts import Item, issue_receipt
from geo.stations.store import StationStore, Transaction
from geo.types import CoordSystem, Kind, Station, Status

__all__ = ["ProposalReview"]


class ProposalReview:
    """Proposals for new stations beside a store's stations: submit, group, accept, reject.

    A part of :class:`~geo.feedback.review.Feedback`, which sets ``store`` (see
    its parameters).
    """

    store: StationStore

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
        who, why = review_by(actor, note)
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
        who, why = review_by(actor, note)
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
