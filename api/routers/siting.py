"""Suggestions: where the next stations should go."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, HTTPException

from api.deps import CrsDep, PlannerDep, RegionQuery, ServiceDep
from api.schemas import SuggestIn, SuggestOut
from geo.crs import convert
from geo.errors import InvalidInputError
from geo.feedback import groups_as_candidates

router = APIRouter(tags=["siting"])


@router.post("/suggest", response_model=SuggestOut, summary="Choose new station sites")
def suggest(
    body: SuggestIn,
    service: ServiceDep,
    crs: CrsDep,
    planner: PlannerDep,
    region: RegionQuery = None,
) -> dict[str, Any]:
    """Maximal covering (``k``), fewest sites for a target share, or ``objective`` p-median,
    p-center or capacitated coverage; existing stations fixed."""
    if (body.k is None) == (body.target_share is None):
        raise InvalidInputError("give exactly one of k and target_share")
    cands = None
    if body.candidate_source == "proposals":
        if body.candidates is not None:
            raise InvalidInputError("give candidates or candidate_source='proposals', not both")
        if not planner:
            raise HTTPException(
                401,
                "candidate_source='proposals' needs the planner key in the X-API-Key header",
                headers={"WWW-Authenticate": "X-API-Key"},
            )
        cands = groups_as_candidates(
            service.feedback.groups(radius_m=service.settings.proposal_group_m)
        )
        if cands.empty:
            raise InvalidInputError("there are no open proposals to site")
    elif body.candidates is not None:
        if not body.candidates:
            raise InvalidInputError("candidates is empty")
        x, y = convert(
            [c.lon for c in body.candidates], [c.lat for c in body.candidates], src=crs, dst="wgs84"
        )
        cands = pd.DataFrame(
            {
                "id": [c.id or f"candidate-{i}" for i, c in enumerate(body.candidates, start=1)],
                "name": [c.name for c in body.candidates],
                "lon": x,
                "lat": y,
                "source": "request",
            }
        )
    result, scored, value = service.suggest_objective(
        region,
        candidates=cands,
        standard=body.standard,
        minutes=body.minutes,
        radius_m=body.radius_m,
        k=body.k,
        target_share=body.target_share,
        double=body.double,
        method=body.method,
        solver=body.solver,
        objective=body.objective,
        site_capacity=body.site_capacity,
        mode=body.mode,
    )
    chosen = scored[scored["order"] > 0].sort_values("order")
    ox, oy = convert(
        chosen["lon"].to_numpy(float), chosen["lat"].to_numpy(float), src="wgs84", dst=crs
    )
    features = [
        {
            "type": "Feature",
            "id": str(r["id"]),
            "geometry": {"type": "Point", "coordinates": [round(float(a), 7), round(float(b), 7)]},
            "properties": {
                "order": int(r["order"]),
                "gain": float(r["gain"]),
                "name": str(r.get("name") or ""),
                "source": str(r.get("source") or ""),
            },
        }
        for (_, r), a, b in zip(
            chosen.iterrows(), np.atleast_1d(ox), np.atleast_1d(oy), strict=True
        )
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "method": result.method,
        "solver": result.solver,
        "optimal": result.optimal,
        "gap": result.gap,
        "bound": result.bound,
        "share_before": value.share_before,
        "share_after": value.share_after,
        **value.to_dict(),
    }
