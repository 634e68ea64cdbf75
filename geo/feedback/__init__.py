"""Riders' voice: reports on stations, proposals for new ones, reviewed by planners.

- :mod:`geo.feedback.model`: kinds, review states, records and their tables;
- :mod:`geo.feedback.groups`: grouping and ranking proposals (pure functions);
- :mod:`geo.feedback.review`: :class:`Feedback`, submissions and review on any store;
- :mod:`geo.feedback.limits`: the anonymous-submission rate limit, kept in the store.
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
from geo.feedback.review import CONFIRMATION_WINDOW, Feedback

__all__ = [
    "CONFIRMATION_WINDOW",
    "MAX_CONTACT",
    "MAX_TEXT",
    "PROPOSALS",
    "PROPOSAL_GROUP_M",
    "REPORTS",
    "SUBMISSION_BUCKETS",
    "Feedback",
    "Proposal",
    "ProposalGroup",
    "Report",
    "ReportKind",
    "ReviewStatus",
    "SubmissionLimiter",
    "group_points",
    "groups_as_candidates",
    "make_groups",
    "rank_groups",
]
