"""What a siting call returns: :class:`SitingResult`, the target error, the option names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from geo.errors import GeoError

__all__ = ["METHODS", "SOLVERS", "InfeasibleTargetError", "Method", "SitingResult", "Solver"]


Method = Literal["exact", "greedy"]
Solver = Literal["auto", "cbc", "highs", "reduce"]
METHODS: tuple[str, ...] = ("exact", "greedy")
"""Valid values of ``method``."""
SOLVERS: tuple[str, ...] = ("auto", "cbc", "highs", "reduce")
"""Valid values of ``solver``."""


class InfeasibleTargetError(GeoError, ValueError):
    """No set of candidates reaches the target share.

    Attributes
    ----------
    target
        The share asked for.
    best_share
        The share reached with every candidate opened (the best any set reaches).
    """

    def __init__(self, target: float, best_share: float, *, double: bool = False) -> None:
        self.target = target
        self.best_share = best_share
        what = "covered twice or more" if double else "covered"
        super().__init__(
            f"no set of candidates reaches a {what} share of {target:.1%}: "
            f"the best reachable share, with every candidate opened, is {best_share:.1%}"
        )


@dataclass(frozen=True, slots=True)
class SitingResult:
    """Chosen sites, in the order they add most, and what they achieve.

    Attributes
    ----------
    chosen
        Candidate indices (columns of the cost matrix), in the order chosen:
        greedy's order, or for exact answers the greedy order within the
        optimal set (each adds the most to those before it). Sites that add
        nothing at the end of that order are left out, so there may be
        fewer than ``k``.
    gains
        Demand weight each chosen site adds at the margin, in that order;
        they sum to ``covered_after - covered_before``.
    covered_before, covered_after
        Demand weight covered (covered twice or more with ``double``) by the
        existing stations alone, and with the chosen sites too.
    total
        All demand weight.
    optimal
        Whether the answer is proven optimal (greedy: only when it meets the bound).
    gap
        Relative distance to ``bound`` on what the problem optimises, 0 when
        proven optimal: ``(bound - covered_after) / (bound - covered_before)``
        for maximal covering, ``(len(chosen) - bound) / len(chosen)`` for
        :func:`min_sites`.
    bound
        Best bound known: the most weight any choice of ``k`` covers (an upper
        bound, maximal covering) or the fewest sites any choice needs (a lower
        bound, :func:`min_sites`).
    bound_kind
        Where ``bound`` comes from: ``optimal`` (the proven optimum),
        ``mip_dual`` (the solver's dual bound at its limit), ``lp_relaxation``
        (linear relaxation solved with HiGHS), ``submodular`` (greedy's online
        bound ``f(S) + top-k marginal gains``, or ``f/(1-1/e)``; for
        :func:`min_sites` the fewest sites whose top gains reach the target;
        single coverage only), ``coverable`` (all demand any candidate
        reaches) or ``trivial`` (one site, :func:`min_sites`).
    problem
        ``max_coverage``, ``max_double_coverage``, ``min_sites`` or ``min_sites_double``.
    method, solver, status
        ``exact`` or ``greedy``; ``cbc``, ``highs``, ``reduce`` or ``greedy``; the
        solver's status (``optimal``, ``time limit`` …, or ``heuristic``).
    seconds
        Wall time of the whole call.
    """

    chosen: tuple[int, ...]
    gains: tuple[float, ...]
    covered_before: float
    covered_after: float
    total: float
    optimal: bool
    gap: float
    bound: float
    method: str
    solver: str
    status: str
    seconds: float
    bound_kind: str = "optimal"
    problem: str = "max_coverage"

    @property
    def share_before(self) -> float:
        """Covered share of all demand weight before the new sites (nan without weight)."""
        return self.covered_before / self.total if self.total else float("nan")

    @property
    def share_after(self) -> float:
        """Covered share of all demand weight with the new sites (nan without weight)."""
        return self.covered_after / self.total if self.total else float("nan")
