"""Property tests over the OpenAPI schema: no server error, no response breaking the schema,
and every request the schema calls valid accepted (the schema says what the server checks)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.main import create_app, open_service_store
from api.service import Service
from api.settings import Settings
from geo.hours import hours_error
from geo.limits import HOURS_FORMAT
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
    # Valid bodies now reach the solver: keep each exact solve short (the answer may be
    # non-optimal; the schema check is about the response's form).
    solver_time_limit_s=1.0,
)
app = create_app(_settings)
# Schemathesis calls the ASGI app without running its lifespan: build the state here.
app.state.service = Service.start(_settings, open_service_store(_settings))

# The schema marks opening hours with a format of their own (OSM syntax, which no regular
# expression describes); generate them from the grammar's parts.
_DAYS = st.sampled_from(["Mo-Fr", "Sa", "Su", "Mo-Su", "Mo,We,Fr", "Sa-Su", "PH"])
_HOUR = st.integers(0, 23).map(lambda h: f"{h:02d}")
_RULE = st.builds(lambda d, a, b: f"{d} {a}:00-{b}:30", _DAYS, _HOUR, _HOUR)
HOURS = st.one_of(
    st.sampled_from(["", "24/7"]), _RULE, st.lists(_RULE, min_size=2, max_size=3).map("; ".join)
)
schemathesis.openapi.format(HOURS_FORMAT, HOURS.filter(lambda h: hours_error(h) is None))

schema = schemathesis.openapi.from_asgi("/openapi.json", app)

# Rejections that depend on the data, or on two parameters at once, which a schema of
# separate query parameters cannot say (each is in the parameter's description).
# Each rule is matched in both languages a request may ask for (lang=zh, Accept-Language).
DATA_DEPENDENT = {
    "GET /stations": r"south > north|南边界大于北边界",
    "GET /maps/stations": r"south > north|南边界大于北边界",
    "GET /maps/stations/clusters": r"south > north|南边界大于北边界",
    # An uploaded file's content is a whole station file; the schema only says "a file".
    "POST /stations/import": r"",
    # A point on the street network depends on where streets are.
    "GET /nearest": r"from any street|no street network here|minutes limits travel time",
    "GET /corridor": r"from any street|no street network here|cannot be reached",
    "POST /corridor": r"from any street|no street network here|cannot be reached",
    "GET /maps/embed": r"from any street|lat and lon must be given together|lat 和 lon 须同时给出",
    # Open proposals to site from, and targets the candidates can reach, depend on the data.
    # ... and whether every station has a capacity (capacitated siting) too.
    "POST /suggest": r"no open proposals|no set of candidates reaches|needs a capacity for every",
    # With crs=gcj02 or bd09 a new position needs both coordinates (a query and a body field).
    "PATCH /stations/{station_id}": r"lon and lat must change together",
    # A report's crs in the body and the query (both are allowed) must agree.
    "POST /stations/{station_id}/reports": (
        r"in the body and .* in the query|请求内容中的 crs .*查询参数中的 crs"
    ),
    # A closure's end after its start; a previous POI sheet's content (an uploaded file).
    "POST /stations/{station_id}/closures": r"must be after since",
    "POST /exports/{platform}/changes": r"not a POI sheet",
    # Free text keeps printable characters only; a name of none is empty (no pattern says it).
    "POST /proposals/{proposal_id}/accept": r"needs a name",
    "POST /reports/{item_id}/replies": r"needs some text",
    # A plan's changes name stations that must exist (or must not, for a new id), and one
    # change may not follow another on a station it closes, nor reuse a new id.
    "POST /plans": r"no station with id|exists already|is closed by changes|is added by changes",
    "POST /proposals/{item_id}/replies": r"needs some text",
}
# OSM opening hours: the schema's format (see HOURS), which the coverage phase's boundary
# values (a string of maxLength zeros) do not follow.
HOURS_REJECTED = (
    r"opening_hours': cannot parse|is not OSM opening_hours|cannot be parsed as opening hours"
    r"|无法识别开放时间"
)


def schema_valid_requests_are_accepted(
    ctx: object, response: object, case: schemathesis.Case
) -> None:
    """Like schemathesis' positive_data_acceptance, less the rejections DATA_DEPENDENT names."""
    status = response.status_code  # type: ignore[attr-defined]
    if case.meta is None or not case.meta.generation.mode.is_positive or status not in (400, 422):
        return
    detail = str(response.json().get("detail", ""))  # type: ignore[attr-defined]
    allowed = DATA_DEPENDENT.get(case.operation.label)
    if (allowed is not None and re.search(allowed, detail)) or re.search(HOURS_REJECTED, detail):
        return
    raise AssertionError(f"schema-valid request rejected with {status}: {detail}")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # Cases that carry a key get the valid one, so writes succeed; cases built
    # without the header must stay without it (they test the 401).
    has_key = "X-API-Key" in (case.headers or {})
    case.call_and_validate(
        headers={"X-API-Key": "secret-key"} if has_key else None,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_requests_are_accepted],
        # A 120-minute walking map can take over the default 10 s on a loaded machine.
        timeout=60,
    )
