"""stationfinder's library: stations, nearest queries, street networks, coverage and siting.

The errors and the data model are imported here at once; the station stores
(:mod:`geo.stations`) and riders' feedback (:mod:`geo.feedback`) are imported
on first use of one of their names, so ``import geo`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from geo.errors import *  # noqa: F403
from geo.errors import __all__ as _errors_all
from geo.types import *  # noqa: F403
from geo.types import __all__ as _types_all

__version__ = "0.1.0"

_LAZY = {
    "geo.stations": (
        "HistoryEntry",
        "StationFilter",
        "StationStore",
        "Transaction",
        "open_store",
    ),
    "geo.feedback": (
        "Feedback",
        "Proposal",
        "ProposalGroup",
        "Report",
        "ReportKind",
        "ReviewStatus",
        "SubmissionLimiter",
    ),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}

__all__ = [*_errors_all, *_types_all, *_HOME, "__version__"]


def __getattr__(name: str) -> Any:
    """Names of :mod:`geo.stations` and :mod:`geo.feedback`, imported on first use."""
    if name in _HOME:
        value = getattr(import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'geo' has no attribute {name!r}")
