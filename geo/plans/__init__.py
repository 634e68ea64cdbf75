"""What-if plans: named sets of changes to a region's stations, compared and applied.

- :mod:`geo.plans.model`: changes, plans and their table;
- :mod:`geo.plans.checks`: changes as clients send them, checked, naming change and field;
- :mod:`geo.plans.book`: :class:`Plans`, kept in the stations' store, applied in one transaction;
- :mod:`geo.plans.compare`: the region's figures before and after a plan.
"""

from __future__ import annotations

from geo.plans.book import Plans, new_station, write_changes
from geo.plans.checks import check_name, parse_changes
from geo.plans.compare import (
    PlanComparison,
    Side,
    compare_changes,
    compare_in_region,
    default_night,
    measure_side,
)
from geo.plans.model import (
    MAX_CHANGES,
    PLANS,
    PLANS_COUNTER,
    ChangeKind,
    Plan,
    PlanChange,
    PlanChangeError,
    PlanStatus,
)

__all__ = [
    "MAX_CHANGES",
    "PLANS",
    "PLANS_COUNTER",
    "ChangeKind",
    "Plan",
    "PlanChange",
    "PlanChangeError",
    "PlanComparison",
    "PlanStatus",
    "Plans",
    "Side",
    "check_name",
    "compare_changes",
    "compare_in_region",
    "default_night",
    "measure_side",
    "new_station",
    "parse_changes",
    "write_changes",
]
