"""Riders' reports and proposals, and the planners' review, written once against the store protocol.

:class:`Feedback` keeps its tables (:data:`~geo.feedback.model.REPORTS`,
:data:`~geo.feedback.model.PROPOSALS`) in the store that holds the stations,
SQLite or PostGIS alike. A review that changes a station runs in one
:meth:`~geo.stations.StationStore.transaction`: the station change, the
report's or proposals' new status and the station history commit together or
not at all. Every status change is guarded with ``… WHERE status='open'``: of
two concurrent accepts of one report (in any process, on either backend), one
applies and the other raises :class:`~geo.errors.ConflictError`.

Reports (:mod:`geo.feedback.reports`: kinds, what accepting one does,
confirmations) and proposals (:mod:`geo.feedback.proposals`: grouping, a
planned station from a group) each have their own module; :class:`Feedback`
joins them over one store.

Submitters' contact, client address and exact position are stored for
planners; which of them a caller may see is the caller's decision (the API
shows them only with a planner key).
"""

from __future__ import annotations

from datetime import timedelta

from geo.feedback.model import FEEDBACK_COUNTER, PROPOSALS, REPORTS
from geo.feedback.proposals import ProposalReview
from geo.feedback.receipts import RECEIPTS, STEPS
from geo.feedback.reports import CONFIRMATION_WINDOW, ReportReview
from geo.stations.store import StationStore

__all__ = ["CONFIRMATION_WINDOW", "FEEDBACK_COUNTER", "Feedback"]


class Feedback(ReportReview, ProposalReview):
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
    >>> from geo.types import Kind, Station
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
