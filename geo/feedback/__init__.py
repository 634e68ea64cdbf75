"""Riders' voice: reports on stations, proposals for new ones, reviewed by planners.

- :mod:`geo.feedback.model`: kinds, review states, records and their tables;
- :mod:`geo.feedback.groups`: grouping and ranking proposals (pure functions);
- :mod:`geo.feedback.reports`: reports on stations, confirmations, their review;
- :mod:`geo.feedback.proposals`: proposals for new stations and their review by group;
- :mod:`geo.feedback.review`: :class:`Feedback`, both of them over any store;
- :mod:`geo.feedback.limits`: the anonymous-submission rate limit, kept in the store;
- :mod:`geo.feedback.receipts`: receipt tokens and follow-up steps (their tables);
- :mod:`geo.feedback.workflow`: receipts' views, replies, a proposal's steps;
- :mod:`geo.feedback.response_times`: response-time figures per district and planner key.
"""

from __future__ import annotations

from geo.feedback.groups import group_points, groups_as_candidates, make_groups, rank_groups
from geo.feedback.limits import SUBMISSION_BUCKETS, SubmissionLimiter
from geo.feedback.model import (
    MAX_CONTACT,
    MAX_TEXT,
    PROPOSAL_GROUP_M,
    PROPOSALS,
    REPORTS,
    Proposal,
    ProposalGroup,
    Report,
    ReportKind,
    ReviewStatus,
)
from geo.feedback.receipts import RECEIPTS, STEPS, Item, StepKind
from geo.feedback.response_times import (
    DEFAULT_LIMIT_DAYS,
    ResponseFigures,
    ResponseTimes,
    response_times,
)
from geo.feedback.review import CONFIRMATION_WINDOW, Feedback
from geo.feedback.workflow import ReceiptView, State, Step, Workflow

__all__ = [
    "CONFIRMATION_WINDOW",
    "DEFAULT_LIMIT_DAYS",
    "MAX_CONTACT",
    "MAX_TEXT",
    "PROPOSALS",
    "PROPOSAL_GROUP_M",
    "RECEIPTS",
    "REPORTS",
    "STEPS",
    "SUBMISSION_BUCKETS",
    "Feedback",
    "Item",
    "Proposal",
    "ProposalGroup",
    "ReceiptView",
    "Report",
    "ReportKind",
    "ResponseFigures",
    "ResponseTimes",
    "ReviewStatus",
    "State",
    "Step",
    "StepKind",
    "SubmissionLimiter",
    "Workflow",
    "group_points",
    "groups_as_candidates",
    "make_groups",
    "rank_groups",
    "response_times",
]
