"""The anonymous-submission rate limit, kept in the store so every worker shares it.

Each client has a token bucket of ``per_hour`` tokens that refills at
``per_hour`` an hour; a submission takes one token. The buckets are rows of
:data:`SUBMISSION_BUCKETS` in the stations' own database (SQLite or PostGIS),
read and written in one transaction, so two workers of one deployment (or two
processes on one SQLite file) count every submission once, and a restart
forgets nothing.

The work per submission is constant whatever the number of clients: one
keyed read, one keyed write, and the deletion of at most :data:`PRUNE_PER_TAKE`
buckets untouched for an hour (found through an index on their time). A
bucket left alone for an hour is full again, so forgetting it changes no
answer; the table therefore holds about the clients of the last hour, and
each submission removes more stale rows than it can add.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from geo.errors import InvalidInputError
from geo.stations.store import StationStore
from geo.stations.tables import Column, Table

__all__ = ["PRUNE_PER_TAKE", "SUBMISSION_BUCKETS", "SubmissionLimiter"]

SUBMISSION_BUCKETS = Table(
    "submission_buckets",
    (Column("client", "text"), Column("tokens", "real", 0.0), Column("at", "real", 0.0)),
    key="client",
    indexes=(("at",),),
)
"""One row per client that submitted in the last hour: tokens left, and when (epoch seconds)."""

PRUNE_PER_TAKE = 2
"""Stale buckets deleted per submission: more than the one a submission can add."""


@dataclass(frozen=True)
class SubmissionLimiter:
    """Per-client token buckets of ``per_hour`` tokens, kept in ``store``.

    Parameters
    ----------
    store
        The station store whose database holds the buckets.
    per_hour
        Submissions one client may make in an hour (also the largest burst).
    """

    store: StationStore
    per_hour: int

    def __post_init__(self) -> None:
        if not isinstance(self.per_hour, int) or self.per_hour < 1:
            raise InvalidInputError(f"per_hour={self.per_hour!r} must be a whole number ≥ 1")
        self.store.ensure_tables([SUBMISSION_BUCKETS])

    def take(self, client: str, *, now: datetime | None = None) -> float:
        """Spend one of ``client``'s tokens; 0, or the seconds until one is free (nothing spent).

        Parameters
        ----------
        client
            The client's address (or another stable identity).
        now
            The time of the submission; default the store's clock.
        """
        t = (now or self.store.now()).timestamp()
        rate = self.per_hour / 3600.0
        cap = float(self.per_hour)
        with self.store.transaction(actor="limiter") as tx:
            tx.remove(
                SUBMISSION_BUCKETS, {"at <": t - 3600.0}, order_by=("at",), limit=PRUNE_PER_TAKE
            )
            # Make the row first, so concurrent first submissions of a client lock one row.
            tx.insert(
                SUBMISSION_BUCKETS, {"client": client, "tokens": cap, "at": t}, if_absent=True
            )
            (row,) = tx.select(SUBMISSION_BUCKETS, {"client": client}, lock=True)
            tokens = min(cap, float(row["tokens"]) + max(0.0, t - float(row["at"])) * rate)
            if tokens < 1.0:
                tx.change(SUBMISSION_BUCKETS, {"tokens": tokens, "at": t}, {"client": client})
                return float(max(1, math.ceil((1.0 - tokens) / rate)))
            tx.change(SUBMISSION_BUCKETS, {"tokens": tokens - 1.0, "at": t}, {"client": client})
            return 0.0

    def held(self) -> int:
        """How many client buckets the store holds now."""
        return self.store.count(SUBMISSION_BUCKETS)
