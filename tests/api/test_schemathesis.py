"""Property tests over the OpenAPI schema: no server error, no response breaking the schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.main import create_app, open_service_store
from api.service import Service
from api.settings import Settings
from tests.api.conftest import HELSINKI_ONLY, SEED

_tmp = Path(tempfile.mkdtemp(prefix="sf-schemathesis-"))
(_tmp / "seed.csv").write_text(SEED, encoding="utf-8")
_settings = Settings(
    _env_file=None,  # type: ignore[call-arg]
    db=_tmp / "api.sqlite",
    seed_stations=_tmp / "seed.csv",
    api_keys=["secret-key"],
    cache_dir=_tmp / "cache",
    **HELSINKI_ONLY,  # type: ignore[arg-type]
)
app = create_app(_settings)
# Schemathesis calls the ASGI app without running its lifespan: build the state here.
app.state.service = Service.start(_settings, open_service_store(_settings))

schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # Schema-valid requests may still be rejected on meaning (a bbox with south > north,
    # a station id that does not exist), so positive_data_acceptance is left out.
    # Cases that carry a key get the valid one, so writes succeed; cases built
    # without the header must stay without it (they test the 401).
    has_key = "X-API-Key" in (case.headers or {})
    case.call_and_validate(
        headers={"X-API-Key": "secret-key"} if has_key else None,
        excluded_checks=[positive_data_acceptance],
    )
