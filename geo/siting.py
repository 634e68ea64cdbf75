"""Siting: which candidate sites close the most coverage gaps.

Every problem starts from a demand × candidate cost matrix (metres or seconds;
``inf`` where a candidate cannot reach a demand point) and demand weights, as
spopt's ``from_cost_matrix`` does; :func:`cost_matrix` builds one from a
street network or straight lines. Existing stations count as covering already.

- :func:`max_coverage`: choose ``k`` sites that maximise newly covered demand
  (or, with ``double=True``, demand covered by two or more stations);
- :func:`min_sites`: the fewest sites that bring covered demand to a target share.

``method="exact"`` solves an integer programme (HiGHS through scipy's
``milp`` by default, or PuLP's bundled CBC with ``solver="cbc"``) under a
time limit and says whether the answer is proven optimal, and the gap if not.
``method="greedy"`` adds the best site at a time, and states its coverage
beside the linear-relaxation bound.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.errors import GeoError, InvalidInputError, SolverError

__all__ = [
    "InfeasibleTargetError",
    "SitingResult",
    "cost_matrix",
    "max_coverage",
    "min_sites",
    "osm_candidates",
    "suggest_sites",
]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
Method = Literal["exact", "greedy"]
Solver = Literal["auto", "highs", "cbc"]


class InfeasibleTargetError(GeoError, ValueError):
    """No set of candidates reaches the target share; ``best_share`` is what all of them reach."""

    def __init__(self, target: float, best_share: float) -> None:
        self.target = target
        self.best_share = best_share
        super().__init__(
            f"no set of candidates reaches a covered share of {target:.1%}: "
            f"with every candidate the share is {best_share:.1%}"
        )


@dataclass(frozen=True, slots=True)
class SitingResult:
    """Chosen sites, in the order they add most, and what they achieve.

    Attributes
    ----------
    chosen
        Candidate indices, each adding the most to those before it.
    gains
        Demand weight each chosen site adds at the margin, in that order.
    covered_before, covered_after
        Covered demand weight (twice-covered with ``double``) without and with the sites.
    total
        All demand weight.
    optimal
        Whether the solver proved the answer optimal (never for greedy unless
        it meets the bound).
    gap
        Relative distance to ``bound``: 0 when proven optimal.
    bound
        Best bound known: the most weight any choice could cover (max
        problems) or the fewest sites any choice needs (min problems).
    method, solver, status
        How it was found.
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

    @property
    def share_before(self) -> float:
        return self.covered_before / self.total if self.total else float("nan")

    @property
    def share_after(self) -> float:
        return self.covered_after / self.total if self.total else float("nan")


def _inputs(
    cost: ArrayLike | sp.spmatrix,
    weights: ArrayLike,
    max_cost: float,
    existing: ArrayLike | None,
) -> tuple[sp.csc_matrix, FloatArray, npt.NDArray[np.int64]]:
    """Validate; return the boolean coverage matrix (demand × candidate), weights, counts."""
    if sp.issparse(cost):
        c = sp.csr_matrix(cost)
        cover = sp.csr_matrix((c.data <= max_cost, c.indices, c.indptr), shape=c.shape)
        cover.eliminate_zeros()
        shape = c.shape
    else:
        arr = np.asarray(cost, dtype=float)
        if arr.ndim != 2:
            raise InvalidInputError(
                f"cost must be a 2-D demand × candidate matrix, got {arr.ndim}-D"
            )
        if np.isnan(arr).any():
            raise InvalidInputError("cost has NaN entries; use inf for unreachable")
        cover = sp.csr_matrix(arr <= max_cost)
        shape = arr.shape
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.size != shape[0]:
        raise InvalidInputError(f"weights has {w.size} entries for {shape[0]} demand points")
    if not np.isfinite(w).all() or (w < 0).any():
        raise InvalidInputError("weights must be finite and not negative")
    if not max_cost > 0:
        raise InvalidInputError(f"max_cost={max_cost!r} must be > 0")
    if existing is None:
        ex = np.zeros(shape[0], dtype=np.int64)
    else:
        ex = np.asarray(existing).reshape(-1).astype(np.int64)
        if ex.size != shape[0]:
            raise InvalidInputError(f"existing has {ex.size} entries for {shape[0]} demand points")
    return sp.csc_matrix(cover.astype(np.float64)), w, np.minimum(ex, 2)


def _covered(
    cover: sp.csc_matrix, chosen: list[int], ex: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    counts = ex.copy()
    if chosen:
        counts += np.asarray(cover[:, chosen].sum(axis=1)).reshape(-1).astype(np.int64)
    return counts


def _value(counts: npt.NDArray[np.int64], w: FloatArray, double: bool) -> float:
    return float(w[counts >= (2 if double else 1)].sum())


def _order(
    cover: sp.csc_matrix, w: FloatArray, ex: npt.NDArray[np.int64], chosen: list[int], double: bool
) -> tuple[list[int], list[float]]:
    """Order a set of sites by marginal gain, best first; return the gains."""
    left, order, gains = list(chosen), [], []
    counts = ex.copy()
    while left:
        base = _value(counts, w, double)
        vals = [
            _value(counts + cover[:, [j]].toarray().reshape(-1).astype(np.int64), w, double)
            for j in left
        ]
        best = int(np.argmax(vals))
        j = left.pop(best)
        order.append(j)
        gains.append(vals[best] - base)
        counts = counts + cover[:, [j]].toarray().reshape(-1).astype(np.int64)
    return order, gains


def _greedy(
    cover: sp.csc_matrix,
    w: FloatArray,
    ex: npt.NDArray[np.int64],
    *,
    k: int | None,
    need: float | None,
    double: bool,
) -> list[int]:
    """Add the site with the largest gain until k sites, or until ``need`` weight is covered."""
    counts = ex.copy()
    chosen: list[int] = []
    available = np.ones(cover.shape[1], dtype=bool)
    cover_t = cover.T.tocsr()
    while available.any():
        if k is not None and len(chosen) >= k:
            break
        if need is not None and _value(counts, w, double) >= need - 1e-9:
            break
        if double:
            gain = cover_t @ (w * (counts == 1)) + 1e-6 * (cover_t @ (w * (counts == 0)))
        else:
            gain = cover_t @ (w * (counts == 0))
        gain = np.where(available, gain, -np.inf)
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        available[j] = False
        counts = counts + cover[:, [j]].toarray().reshape(-1).astype(np.int64)
    return chosen


def _model(cover: sp.csc_matrix, w: FloatArray, ex: npt.NDArray[np.int64], *, double: bool):  # type: ignore[no-untyped-def]
    """Variables [x (candidates, binary) | y (demand not yet covered, 0..1)].

    Single: y_i ≤ Σ_j a_ij x_j. Double: 2 y_i ≤ (e_i) + Σ_j a_ij x_j for points with e_i < 2.
    """
    need = ex < (2 if double else 1)
    rows = np.flatnonzero(need)
    a = cover[rows, :]
    m, n = a.shape
    factor = 2.0 if double else 1.0
    link = sp.hstack([-a, factor * sp.identity(m, format="csc")], format="csc")
    rhs = ex[rows].astype(float) if double else np.zeros(m)
    return rows, n, m, link, rhs


def _solve(
    c: FloatArray,
    integrality: npt.NDArray[np.int64],
    constraints: list[LinearConstraint],
    ub: FloatArray,
    *,
    solver: Solver,
    time_limit_s: float,
    relax: bool = False,
):  # type: ignore[no-untyped-def]
    """Minimise c·v; returns (v, objective, optimal, gap, bound, solver name, status)."""
    if relax:
        integrality = np.zeros_like(integrality)
    if solver == "cbc":
        return _solve_cbc(c, integrality, constraints, ub, time_limit_s)
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(0, ub),
        constraints=constraints,
        options={"time_limit": float(time_limit_s), "disp": False},
    )
    if res.x is None:
        raise SolverError(f"HiGHS found no solution: status {res.status} ({res.message})")
    optimal = res.status == 0
    bound = getattr(res, "mip_dual_bound", None)
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0) if not optimal else 0.0
    status = "optimal" if optimal else f"time limit ({res.message})"
    return res.x, float(res.fun), optimal, gap, bound, "highs", status


def _solve_cbc(c, integrality, constraints, ub, time_limit_s):  # type: ignore[no-untyped-def]
    try:
        import pulp
    except ImportError as exc:  # pragma: no cover - pulp is a dependency
        raise SolverError("solver='cbc' needs PuLP: pip install pulp") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.3 deprecates its bundled CBC
        prob = pulp.LpProblem("siting", pulp.LpMinimize)
        v = [
            pulp.LpVariable(
                f"v{i}", 0, float(ub[i]), cat="Integer" if integrality[i] else "Continuous"
            )
            for i in range(c.size)
        ]
        prob += pulp.lpSum(float(c[i]) * v[i] for i in np.flatnonzero(c))
        for con in constraints:
            a = sp.csr_matrix(con.A)
            for r in range(a.shape[0]):
                lo, hi = float(np.atleast_1d(con.lb)[r]), float(np.atleast_1d(con.ub)[r])
                expr = pulp.lpSum(
                    float(val) * v[int(j)]
                    for j, val in zip(
                        a.indices[a.indptr[r] : a.indptr[r + 1]],
                        a.data[a.indptr[r] : a.indptr[r + 1]],
                        strict=True,
                    )
                )
                if np.isfinite(lo):
                    prob += expr >= lo
                if np.isfinite(hi):
                    prob += expr <= hi
        status = prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    name = pulp.LpStatus[status]
    x = np.array([vv.value() or 0.0 for vv in v])
    if name not in ("Optimal",) and not np.isfinite(x).all():
        raise SolverError(f"CBC found no solution: status {name}")
    optimal = name == "Optimal" and prob.sol_status == 1
    obj = float(c @ x)
    return x, obj, optimal, 0.0 if optimal else float("nan"), None, "cbc", name.lower()


def _check_choice(method: str, solver: str) -> None:
    if method not in ("exact", "greedy"):
        raise InvalidInputError(f"method={method!r} is not a method; use exact or greedy")
    if solver not in ("auto", "highs", "cbc"):
        raise InvalidInputError(f"solver={solver!r} is not a solver; use auto, highs or cbc")


def max_coverage(
    cost: ArrayLike | sp.spmatrix,
    weights: ArrayLike,
    max_cost: float,
    k: int,
    *,
    existing: ArrayLike | None = None,
    method: Method = "exact",
    double: bool = False,
    solver: Solver = "auto",
    time_limit_s: float = 60.0,
) -> SitingResult:
    """Choose ``k`` candidates that maximise newly covered demand.

    Parameters
    ----------
    cost
        Demand × candidate matrix of distances or times; ``inf`` = unreachable.
        Dense, or scipy sparse whose stored entries are the reachable pairs.
    weights
        Demand weight of each row.
    max_cost
        A candidate covers a demand point when ``cost <= max_cost``.
    k
        How many new sites.
    existing
        How many existing stations already cover each demand point (or a
        boolean mask); those points count as covered.
    method
        ``exact`` (integer programme) or ``greedy``.
    double
        Maximise demand covered by two or more stations instead (overlapping circles).
    solver, time_limit_s
        Exact solver (``auto`` = HiGHS) and its time limit.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[100, 900], [100, 2000], [2000, 500]], dtype=float)
    >>> r = max_coverage(cost, [1, 1, 5], 1000, 1)
    >>> r.chosen, r.covered_after, r.optimal
    ((1,), 6.0, True)
    """
    _check_choice(method, solver)
    if not isinstance(k, int | np.integer) or k < 0:
        raise InvalidInputError(f"k={k!r} must be a whole number ≥ 0")
    cover, w, ex = _inputs(cost, weights, max_cost, existing)
    start = time.perf_counter()
    before = _value(ex, w, double)
    n_cand = cover.shape[1]
    k = min(int(k), n_cand)
    rows, n, m, link, rhs = _model(cover, w, ex, double=double)
    c = np.concatenate([np.zeros(n), -w[rows]])
    # Single coverage: y may be continuous (y ≤ Σ x is integral). Double: 2y ≤ e + Σ x
    # would give half credit to a point covered once, so y must be binary there.
    integrality = np.concatenate(
        [np.ones(n, dtype=np.int64), np.full(m, 1 if double else 0, dtype=np.int64)]
    )
    ub = np.ones(n + m)
    cons = [
        LinearConstraint(link, -np.inf, rhs),
        LinearConstraint(sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(m)])), 0, k),
    ]
    sv: Solver = "highs" if solver == "auto" else solver
    if method == "greedy":
        chosen = _greedy(cover, w, ex, k=k, need=None, double=double)
        _, relax_obj, *_ = _solve(
            c, integrality, cons, ub, solver="highs", time_limit_s=time_limit_s, relax=True
        )
        bound = before - relax_obj
        after = _value(_covered(cover, chosen, ex), w, double)
        order, gains = _order(cover, w, ex, chosen, double)
        gap = (bound - after) / bound if bound > 0 else 0.0
        return SitingResult(
            tuple(order),
            tuple(gains),
            before,
            after,
            float(w.sum()),
            gap <= 1e-9,
            max(gap, 0.0),
            bound,
            "greedy",
            "greedy+lp-bound",
            "heuristic",
            time.perf_counter() - start,
        )
    x, _, optimal, _, dual, name, status = _solve(
        c, integrality, cons, ub, solver=sv, time_limit_s=time_limit_s
    )
    chosen = [int(j) for j in np.flatnonzero(x[:n] > 0.5)]
    after = _value(_covered(cover, chosen, ex), w, double)
    # The solver's dual bound is on the objective -(newly covered); without one,
    # all demand is the trivial bound.
    if optimal:
        bound = after
    elif dual is not None and np.isfinite(dual):
        bound = before - dual
    else:
        bound = float(w.sum())
    order, gains = _order(cover, w, ex, chosen, double)
    return SitingResult(
        tuple(order),
        tuple(gains),
        before,
        after,
        float(w.sum()),
        optimal,
        0.0 if optimal else max(0.0, (bound - after) / bound if bound else 0.0),
        bound,
        "exact",
        name,
        status,
        time.perf_counter() - start,
    )


def min_sites(
    cost: ArrayLike | sp.spmatrix,
    weights: ArrayLike,
    max_cost: float,
    target_share: float,
    *,
    existing: ArrayLike | None = None,
    method: Method = "exact",
    solver: Solver = "auto",
    time_limit_s: float = 60.0,
) -> SitingResult:
    """The fewest candidates that bring covered demand to ``target_share`` of all demand.

    Raises
    ------
    InfeasibleTargetError
        When even every candidate together falls short; it says the best share.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[100, 900], [100, 2000], [2000, 500]], dtype=float)
    >>> min_sites(cost, [1, 1, 5], 1000, 0.7).chosen
    (1,)
    """
    _check_choice(method, solver)
    if not 0 < target_share <= 1:
        raise InvalidInputError(f"target_share={target_share!r} must be in (0, 1]")
    cover, w, ex = _inputs(cost, weights, max_cost, existing)
    start = time.perf_counter()
    total = float(w.sum())
    before = _value(ex, w, False)
    need = target_share * total
    best = _value(_covered(cover, list(range(cover.shape[1])), ex), w, False)
    if best < need - 1e-9:
        raise InfeasibleTargetError(target_share, best / total if total else 0.0)
    rows, n, m, link, rhs = _model(cover, w, ex, double=False)
    c = np.concatenate([np.ones(n), np.zeros(m)])
    integrality = np.concatenate([np.ones(n, dtype=np.int64), np.zeros(m, dtype=np.int64)])
    ub = np.ones(n + m)
    cons = [
        LinearConstraint(link, -np.inf, rhs),
        LinearConstraint(
            sp.csr_matrix(np.concatenate([np.zeros(n), w[rows]])), need - before - 1e-9, np.inf
        ),
    ]
    if method == "greedy":
        chosen = _greedy(cover, w, ex, k=None, need=need, double=False)
        _, relax_obj, *_ = _solve(
            c, integrality, cons, ub, solver="highs", time_limit_s=time_limit_s, relax=True
        )
        bound = float(np.ceil(relax_obj - 1e-9))
        order, gains = _order(cover, w, ex, chosen, False)
        after = _value(_covered(cover, chosen, ex), w, False)
        return SitingResult(
            tuple(order),
            tuple(gains),
            before,
            after,
            total,
            len(chosen) <= bound,
            max(0.0, (len(chosen) - bound) / max(bound, 1)),
            bound,
            "greedy",
            "greedy+lp-bound",
            "heuristic",
            time.perf_counter() - start,
        )
    sv: Solver = "highs" if solver == "auto" else solver
    x, _, optimal, _, dual, name, status = _solve(
        c, integrality, cons, ub, solver=sv, time_limit_s=time_limit_s
    )
    chosen = [int(j) for j in np.flatnonzero(x[:n] > 0.5)]
    after = _value(_covered(cover, chosen, ex), w, False)
    bound = (
        float(np.ceil(dual - 1e-9))
        if dual is not None and np.isfinite(dual)
        else float(len(chosen))
    )
    order, gains = _order(cover, w, ex, chosen, False)
    return SitingResult(
        tuple(order),
        tuple(gains),
        before,
        after,
        total,
        optimal,
        0.0 if optimal else max(0.0, (len(chosen) - bound) / max(bound, 1)),
        float(len(chosen)) if optimal else bound,
        "exact",
        name,
        status,
        time.perf_counter() - start,
    )


def cost_matrix(
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    cand_lon: ArrayLike,
    cand_lat: ArrayLike,
    *,
    network: object | None = None,
    max_cost: float = np.inf,
    walk_speed_kmh: float = 4.8,
) -> FloatArray:
    """Demand × candidate distances in metres: geodesic, or walking along ``network``.

    Walking costs include both legs to the street; pairs beyond ``max_cost``
    (and unreachable pairs) are ``inf``.
    """
    from geo._validate import check_lonlat

    dx, dy = check_lonlat(demand_lon, demand_lat, names=("demand lon", "demand lat"))
    cx, cy = check_lonlat(cand_lon, cand_lat, names=("candidate lon", "candidate lat"))
    if network is None:
        geod = pyproj.Geod(ellps="WGS84")
        _, _, d = geod.inv(
            np.repeat(dx, cx.size),
            np.repeat(dy, cx.size),
            np.tile(cx, dx.size),
            np.tile(cy, dx.size),
        )
        out = np.asarray(d, dtype=float).reshape(dx.size, cx.size)
        return np.where(out <= max_cost, out, np.inf)
    from geo.coverage import StationSet, point_labels, station_labels
    from geo.network import StreetNetwork

    if not isinstance(network, StreetNetwork):
        raise InvalidInputError("network must be a geo.network.StreetNetwork")
    out = np.full((dx.size, cx.size), np.inf)
    snap = network.snap(dx, dy)
    # One small Dijkstra per candidate, limited to max_cost: the nearest-station
    # labels of a one-station set are exactly that candidate's costs.
    for j in range(cx.size):
        s = StationSet.build(network, [str(j)], [cx[j]], [cy[j]])
        lab = station_labels(network, s, limit=max_cost, walk_speed_kmh=walk_speed_kmh)
        d1, _, _, _ = point_labels(network, s, lab, snap, walk_speed_kmh=walk_speed_kmh)
        out[:, j] = np.where(d1 <= max_cost, d1, np.inf)
    return out


OSM_CANDIDATE_TAGS: dict[str, list[str]] = {
    "amenity": [
        "community_centre",
        "townhall",
        "social_facility",
        "library",
        "marketplace",
        "fuel",
        "post_office",
        "police",
    ],
    "shop": ["supermarket", "convenience", "mall"],
    "office": ["government"],
}
"""OpenStreetMap places that may host a station: union and government premises,
community centres, logistics-adjacent places, shops that join as rider stations."""


def osm_candidates(pbf: str | Path) -> pd.DataFrame:
    """Candidate sites from the OSM file's places (:data:`OSM_CANDIDATE_TAGS`).

    Columns ``id``, ``name``, ``lon``, ``lat``, ``source`` (the tag, as ``amenity=townhall``).
    """
    from geo._osm import read_pois

    pois = read_pois(pbf, OSM_CANDIDATE_TAGS)
    return pd.DataFrame(
        {
            "id": "osm-" + pois["osm_id"].astype(str),
            "name": pois["name"].where(pois["name"] != "", pois["value"]),
            "lon": pois["lon"],
            "lat": pois["lat"],
            "source": pois["key"] + "=" + pois["value"],
        }
    )


def suggest_sites(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None = None,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = 4.8,
    k: int | None = None,
    target_share: float | None = None,
    double: bool = False,
    method: Method = "exact",
    time_limit_s: float = 60.0,
    solver: Solver = "auto",
) -> tuple[SitingResult, pd.DataFrame]:
    """Where the next stations go: candidates scored against demand, existing stations fixed.

    Parameters
    ----------
    candidates
        ``lon``, ``lat`` (WGS-84) and any other columns (``id``, ``name`` …), kept.
    demand
        ``lon``, ``lat`` and ``weight``.
    station_lon, station_lat
        Existing open stations, which cover already.
    network
        Walking network; needed for ``standard="walk"``.
    k, target_share
        Exactly one: choose ``k`` sites (:func:`max_coverage`), or the fewest
        reaching ``target_share`` (:func:`min_sites`).

    Returns
    -------
    tuple
        The :class:`SitingResult` and the candidates with ``order`` (1… for
        chosen sites, 0 otherwise) and ``gain`` (marginal demand weight).
    """
    from geo.coverage import StationSet, point_labels, station_labels, straight_counts

    if (k is None) == (target_share is None):
        raise InvalidInputError("give exactly one of k and target_share")
    if double and target_share is not None:
        raise InvalidInputError("double coverage is solved for k sites; give k, not target_share")
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    for col in ("lon", "lat"):
        for name, frame in (("candidates", candidates), ("demand", demand)):
            if col not in frame:
                raise InvalidInputError(f"{name} has no {col!r} column")
    if len(candidates) == 0:
        raise InvalidInputError("there are no candidate sites")
    w = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(len(demand))
    dlon, dlat = demand["lon"].to_numpy(float), demand["lat"].to_numpy(float)
    slon = np.asarray(station_lon, dtype=float).reshape(-1)
    slat = np.asarray(station_lat, dtype=float).reshape(-1)
    if standard == "walk":
        from geo.network import StreetNetwork, walk_limit_m

        if not isinstance(network, StreetNetwork):
            raise InvalidInputError("the walk standard needs a street network")
        limit = walk_limit_m(minutes, walk_speed_kmh)
        s = StationSet.build(network, [str(i) for i in range(slon.size)], slon, slat)
        lab = station_labels(network, s, limit=limit, walk_speed_kmh=walk_speed_kmh)
        d1, _, d2, _ = point_labels(
            network, s, lab, network.snap(dlon, dlat), walk_speed_kmh=walk_speed_kmh
        )
        existing = (d1 <= limit).astype(int) + (d2 <= limit).astype(int)
        cost = cost_matrix(
            dlon,
            dlat,
            candidates["lon"],
            candidates["lat"],
            network=network,
            max_cost=limit,
            walk_speed_kmh=walk_speed_kmh,
        )
    else:
        limit = radius_m
        existing, _, _ = straight_counts(slon, slat, dlon, dlat, radius_m)
        cost = cost_matrix(dlon, dlat, candidates["lon"], candidates["lat"], max_cost=limit)
    if k is not None:
        result = max_coverage(
            cost,
            w,
            limit,
            k,
            existing=existing,
            method=method,
            double=double,
            time_limit_s=time_limit_s,
            solver=solver,
        )
    else:
        result = min_sites(
            cost,
            w,
            limit,
            float(target_share),
            existing=existing,  # type: ignore[arg-type]
            method=method,
            time_limit_s=time_limit_s,
            solver=solver,
        )
    out = candidates.reset_index(drop=True).copy()
    out["order"] = 0
    out["gain"] = 0.0
    for rank, (j, g) in enumerate(zip(result.chosen, result.gains, strict=True), start=1):
        out.loc[j, "order"] = rank
        out.loc[j, "gain"] = g
    return result, out
