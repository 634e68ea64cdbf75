"""Siting: which candidate sites close the most coverage gaps.

Every problem starts from a demand × candidate cost matrix (metres or seconds;
``inf`` where a candidate cannot reach a demand point) and demand weights, as
spopt's ``from_cost_matrix`` does; :func:`cost_matrix` builds one from a
street network or straight lines. Existing stations count as covering already.

- :func:`max_coverage`: choose ``k`` sites that maximise covered demand (or,
  with ``double=True``, demand covered by two or more stations, existing and new);
- :func:`min_sites`: the fewest sites that bring covered demand to a target share.

``method="exact"`` solves an integer programme under a time limit, with CBC
through PuLP (``solver="cbc"``; ``"auto"`` prefers it) or HiGHS through
:func:`scipy.optimize.milp` (``solver="highs"``, and ``"auto"`` when no CBC
binary is found), and says whether the answer is proven optimal, with the gap
to the solver's bound if not. ``solver="reduce"`` (single-coverage
:func:`max_coverage`) proves candidates out first and solves the rest with
HiGHS (:mod:`geo.siting.reduce`); it is much faster where the relaxation
leaves a gap. ``method="greedy"`` adds the best site at a
time (vectorised, with gains updated only where a pick changes them) and
states its coverage beside the tightest bound known: the linear-programming
relaxation (HiGHS) or, for single coverage, the submodular bounds.

The integer programme (for ``level`` = 1, or 2 with ``double``)::

    x_j ∈ {0, 1}                    candidate j is opened
    y_i ∈ [0, 1]                    demand point i reaches the level
    (level − e_i) y_i ≤ Σ_j a_ij x_j  for every point with e_i < level
    max Σ_i w_i y_i  s.t.  Σ_j x_j ≤ k                     (max_coverage)
    min Σ_j x_j      s.t.  Σ_i w_i y_i ≥ target·W − covered (min_sites)

where ``a_ij = 1`` when ``cost[i, j] <= max_cost`` and ``e_i`` is the number of
existing stations covering point i. ``y_i`` is binary only where
``level − e_i = 2``; elsewhere the constraint makes it integral. Demand points
that are already at the level, weigh nothing or cannot reach it are left out,
and points with the same candidates and existing count are merged (weights
summed) before solving; every reported coverage is recounted from the chosen
indices.
"""

from __future__ import annotations

from geo.siting.matrix import cost_matrix
from geo.siting.problems import max_coverage, min_sites
from geo.siting.result import (
    METHODS,
    SOLVERS,
    InfeasibleTargetError,
    Method,
    SitingResult,
    Solver,
)
from geo.siting.solvers import available_solvers
from geo.siting.suggest import OSM_CANDIDATE_TAGS, osm_candidates, site_gains, suggest_sites

__all__ = [
    "METHODS",
    "OSM_CANDIDATE_TAGS",
    "SOLVERS",
    "InfeasibleTargetError",
    "Method",
    "SitingResult",
    "Solver",
    "available_solvers",
    "cost_matrix",
    "max_coverage",
    "min_sites",
    "osm_candidates",
    "site_gains",
    "suggest_sites",
]
