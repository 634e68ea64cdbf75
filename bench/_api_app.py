"""The service as benchmarked: the real app plus a constant-answer route (the framework's ceiling).

Run by bench/bench_api.py as ``uvicorn bench._api_app:app``; settings come from the environment.
"""

from __future__ import annotations

from api.main import create_app

app = create_app()


@app.get("/bench/constant", include_in_schema=False)
def constant() -> dict[str, str]:
    """The same tiny JSON every time: what FastAPI serves with no work behind it."""
    return {"type": "FeatureCollection", "status": "constant"}
