"""Receipts and follow-up steps: the tables that let a rider see where a submission stands.

Every report and proposal gets a receipt when it is submitted, in the same
transaction: an unguessable token (128 random bits, URL-safe) that maps to the
item and nothing else. Planners' replies and the steps of a proposal after its
acceptance (``building``, ``opened``) are rows of :data:`STEPS`; acceptance and
rejection themselves stay in the report's or proposal's own row.
"""

from __future__ import annotations

import enum
import re
import secrets

from geo.stations import Column, Table, Transaction
from geo.stations.records import text_columns

__all__ = [
    "RECEIPTS",
    "RECEIPT_PATTERN",
    "STEPS",
    "Item",
    "StepKind",
    "is_receipt_token",
    "issue_receipt",
]

RECEIPTS = Table(
    "receipts",
    (*text_columns("token", "item"), Column("item_id", "int", 0), *text_columns("created_at")),
    key="token",
)
"""Receipt token → the report or proposal it follows."""

STEPS = Table(
    "feedback_steps",
    (
        *text_columns("item"),
        Column("item_id", "int", 0),
        *text_columns("step", "actor", "at", "reply", "station_id"),
    ),
    indexes=(("item", "item_id"),),
)
"""Planners' replies and a proposal's steps after acceptance, one row each."""

RECEIPT_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")
"""What a receipt token looks like (16 random bytes in URL-safe base64)."""


class Item(enum.StrEnum):
    """What a receipt follows."""

    REPORT = "report"
    PROPOSAL = "proposal"


class StepKind(enum.StrEnum):
    """Steps recorded in :data:`STEPS`."""

    REPLY = "reply"  # a planner's reply; the item is under review from then on
    BUILDING = "building"  # the proposal's station is being built
    OPENED = "opened"  # the proposal's station opened


def issue_receipt(tx: Transaction, item: Item, item_id: int) -> str:
    """Inside the submission's transaction: a new receipt token for ``item``."""
    token = secrets.token_urlsafe(16)
    while token.startswith("-"):  # `stationfinder receipt TOKEN` would read it as an option
        token = secrets.token_urlsafe(16)
    tx.insert(
        RECEIPTS, {"token": token, "item": str(item), "item_id": item_id, "created_at": tx.at}
    )
    return token


def is_receipt_token(token: str) -> bool:
    """Whether ``token`` has the shape of a receipt (no database needed to refuse junk)."""
    return RECEIPT_PATTERN.fullmatch(token) is not None
