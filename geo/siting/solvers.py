"""Exact solvers of the siting programme: CBC through PuLP and HiGHS through scipy."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.errors import SolverError
from geo.siting.cover import read_cover
from geo.siting.model import Model, build_model
from geo.siting.result import Solver

__all__ = ["Answer", "available_solvers", "highs", "lp_relaxation_bound", "solve_exact"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Answer:
    x: FloatArray
    optimal: bool
    bound: float | None  # lower bound on the minimised objective, when known
    solver: str
    status: str


def highs(model: Model, time_limit_s: float, *, relax: bool = False) -> Answer:
    integrality = np.zeros_like(model.integrality) if relax else model.integrality
    res = milp(
        model.c,
        integrality=integrality,
        bounds=Bounds(0, model.ub),
        constraints=LinearConstraint(model.a, model.lo, model.hi),
        options={"time_limit": float(time_limit_s), "disp": False, "mip_rel_gap": 0.0},
    )
    names = {0: "optimal", 1: "time limit", 2: "infeasible", 3: "unbounded"}
    status = names.get(int(res.status), f"error {res.status}")
    if res.x is None:
        raise SolverError(
            f"HiGHS ended without a feasible solution: status {status} ({res.message})"
        )
    optimal = res.status == 0
    if not optimal:
        status += " (feasible solution)"
    bound: float | None = float(res.fun) if optimal else None
    dual = getattr(res, "mip_dual_bound", None)
    if not optimal and dual is not None and np.isfinite(dual):
        bound = float(dual)
    return Answer(np.asarray(res.x, dtype=np.float64), optimal, bound, "highs", status)


def _cbc_command(time_limit_s: float, log_path: str | None = None) -> tuple[Any, str] | None:
    """A PuLP ``COIN_CMD`` for a CBC binary, or None: CBC on PATH (``pulp[cbc]``) first,
    else the binary bundled with PuLP (run through ``COIN_CMD``, as PuLP 3.3 deprecates
    ``PULP_CBC_CMD``)."""
    try:
        import pulp
        from pulp.apis import coin_api
    except ImportError:
        return None
    opts: dict[str, Any] = {"msg": False, "timeLimit": float(time_limit_s), "logPath": log_path}
    cmd = pulp.COIN_CMD(**opts)
    if cmd.available():
        return cmd, f"CBC on PATH ({cmd.path})"
    bundled = os.path.normpath(
        str(
            getattr(getattr(coin_api, "PULP_CBC_CMD", None), "pulp_cbc_path", "")
            or getattr(coin_api, "pulp_cbc_path", "")
        )
    )
    if bundled and os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return pulp.COIN_CMD(path=bundled, **opts), f"CBC bundled with PuLP {pulp.__version__}"
    return None


def available_solvers() -> dict[str, str]:
    """Exact solvers found here, each with a description (binary, version).

    Returns
    -------
    dict
        ``{"cbc": ..., "highs": ...}``; ``cbc`` is absent when no CBC binary is found.

    Examples
    --------
    >>> "highs" in available_solvers()
    True
    """
    import scipy

    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        log_path = os.path.join(tmp, "cbc.log")
        found = _cbc_command(5.0, log_path)
        if found is not None:
            cmd, label = found
            version = ""
            try:
                model = build_model(
                    read_cover(np.zeros((1, 1)), [1.0], 1.0, None), 1, k=1, need_new=None
                )
                _cbc(model, cmd)
                text = Path(log_path).read_text(errors="replace")
                found_v = re.search(r"Version:\s*(\S+)", text)
                version = f" {found_v.group(1)}" if found_v else ""
            except (SolverError, OSError) as exc:  # pragma: no cover - broken binary
                log.warning("CBC found but failed a trivial solve: %s", exc)
            else:
                out["cbc"] = f"CBC{version}: {label}"
    out["highs"] = f"HiGHS via scipy {scipy.__version__} (scipy.optimize.milp)"
    return out


def _cbc(model: Model, cmd: Any) -> Answer:
    import pulp

    prob = pulp.LpProblem("siting", pulp.LpMinimize)
    if hasattr(prob, "add_variable"):
        add = prob.add_variable
    else:  # pragma: no cover - PuLP < 3.3

        def add(name: str, lo: float, hi: float, cat: str) -> Any:
            return pulp.LpVariable(name, lo, hi, cat=cat)

    v = [
        add(f"v{i}", 0.0, float(model.ub[i]), "Integer" if model.integrality[i] else "Continuous")
        for i in range(model.c.size)
    ]
    prob += pulp.LpAffineExpression([(v[i], float(model.c[i])) for i in np.flatnonzero(model.c)])
    a = model.a
    for r in range(a.shape[0]):
        s, e = a.indptr[r], a.indptr[r + 1]
        expr = pulp.LpAffineExpression(
            [(v[int(j)], float(x)) for j, x in zip(a.indices[s:e], a.data[s:e], strict=True)]
        )
        if np.isfinite(model.lo[r]):
            prob += expr >= float(model.lo[r])
        if np.isfinite(model.hi[r]):
            prob += expr <= float(model.hi[r])
    try:
        prob.solve(cmd)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"CBC failed: {exc}") from exc
    sol = int(prob.sol_status)
    status = pulp.LpSolution.get(sol, str(sol)).lower()
    if sol == pulp.LpSolutionOptimal:
        status = "optimal"
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        raise SolverError(
            f"CBC ended without a feasible solution: status {status} "
            f"({pulp.LpStatus.get(prob.status, prob.status)})"
        )
    optimal = sol == pulp.LpSolutionOptimal
    x = np.array([vv.value() or 0.0 for vv in v], dtype=np.float64)
    bound: float | None = float(model.c @ x) if optimal else None
    if not optimal and cmd.optionsDict.get("logPath"):
        text = Path(cmd.optionsDict["logPath"]).read_text(errors="replace")
        found = re.search(r"Lower bound:\s*(\S+)", text)
        if found:
            try:
                bound = float(found.group(1))
            except ValueError:
                bound = None
        status = "time limit (feasible solution)"
    return Answer(x, optimal, bound, "cbc", status)


def solve_exact(model: Model, solver: Solver, time_limit_s: float) -> Answer:
    if solver in ("highs", "reduce"):  # "reduce" applies to single maximal covering only
        return highs(model, time_limit_s)
    with tempfile.TemporaryDirectory() as tmp:
        found = _cbc_command(time_limit_s, os.path.join(tmp, "cbc.log"))
        if found is None:
            if solver == "cbc":
                raise SolverError(
                    "solver='cbc' but no CBC binary was found: install pulp (bundled CBC) or "
                    "pulp[cbc], or use solver='highs'"
                )
            log.info("no CBC binary found; solving with HiGHS")
            return highs(model, time_limit_s)
        cmd, label = found
        log.debug("solving with %s: %d variables, %d rows", label, model.c.size, model.a.shape[0])
        return _cbc(model, cmd)


def lp_relaxation_bound(model: Model, time_limit_s: float) -> float | None:
    """Optimum of the linear relaxation (HiGHS), a bound on the minimised objective."""
    try:
        ans = highs(model, time_limit_s, relax=True)
    except SolverError:
        return None
    return ans.bound if ans.optimal else None
