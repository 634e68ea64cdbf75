"""/nearest's one-pass query parsing against FastAPI's own solving of the same declarations.

The oracle is FastAPI: a route declaring ``/nearest``'s parameters the usual way
(``ServiceDep``, ``CrsDep``, ``FilterDep``, ``LangDep`` and each of
:class:`NearestParams` as its own ``Query``) beside a route reading them through
:func:`nearest_query`. Both echo what they parsed; every query must give the
same status, the same values or the same 422 body, and the same header.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from starlette.datastructures import QueryParams

from api.deps import CrsDep, FilterDep, FilterParams, ServiceDep
from api.lang import LangDep
from api.main import create_app
from api.nearest_query import NEAREST_PARAMETERS, NearestDep, NearestParams, NearestQuery
from api.one_pass import QueryField, dataclass_fields, openapi_parameters, parse_query
from api.settings import Settings


def _echo(crs: str, filters: FilterParams, params: NearestParams, lang: str) -> dict[str, Any]:
    return {
        "crs": crs,
        "filters": dataclasses.asdict(filters),
        "params": dataclasses.asdict(params),
        "lang": lang,
    }


async def declared(
    service: ServiceDep, crs: CrsDep, filters: FilterDep, lang: LangDep, **own: Any
) -> dict[str, Any]:
    """The oracle: FastAPI solves every parameter on its own."""
    return _echo(crs, filters, NearestParams(**own), lang)


HINTS = typing.get_type_hints(NearestParams, include_extras=True)
# ``declared`` takes NearestParams' fields, each declared as a query parameter of its own.
declared.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        p
        for p in inspect.signature(declared).parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    + [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=HINTS[p.name])
        for p in inspect.signature(NearestParams).parameters.values()
    ]
)


async def one_pass(q: NearestDep) -> dict[str, Any]:
    return _echo(q.crs, q.filters, q.params, q.lang)


def with_routes(app: FastAPI) -> FastAPI:
    app.get("/declared")(declared)
    app.get("/one-pass", openapi_extra={"parameters": NEAREST_PARAMETERS})(one_pass)
    return app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("one_pass")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp / "api.sqlite",
        seed_stations=[],
        cache_dir=tmp / "cache",
    )
    with TestClient(with_routes(create_app(settings))) as c:
        yield c


N = "lat=60.17&lon=24.94"
QUERIES = [
    N,
    f"{N}&k=7",
    f"{N}&k=100&radius=1000.5",
    f"{N}&mode=straight",
    f"{N}&mode=walk&minutes=15",
    f"{N}&exclude_reported_closed=true",
    f"{N}&exclude_reported_closed=1&exclude_reported_closed=no",  # the last counts
    f"{N}&at=now&open_at=2026-05-01T23:00:00%2B08:00",
    f"{N}&at=tomorrow&open_at=yesterday",  # strings here; the handler's parse_when refuses
    f"{N}&kind=driver_home&kind=%E5%8F%B8%E6%9C%BA%E4%B9%8B%E5%AE%B6",  # 司机之家
    f"{N}&amenity=water&amenity=%E9%A5%AE%E7%94%A8%E6%B0%B4",  # 饮用水
    f"{N}&status=open&status=planned",
    f"{N}&lang=zh",
    f"{N}&lang=en&crs=gcj02",
    f"{N}&crs=amap",  # an alias
    f"{N}&crs=bd09&crs=wgs84",  # the last counts
    "lat=1&lat=2&lon=3",
    "lat=-90&lon=-180",
    "lat=90&lon=180",
    "lat=%2B45.5&lon=1e1",
    # refused
    "lat=91&lon=24.94",
    "lat=-90.01&lon=24.94",
    "lat=60&lon=181",
    "lat=abc&lon=24.94",
    "lat=&lon=24.94",
    "lat=nan&lon=24.94",
    "lat=inf&lon=24.94",
    "lon=24.94",
    "",
    f"{N}&k=0",
    f"{N}&k=101",
    f"{N}&k=1.5",
    f"{N}&k=five",
    f"{N}&k=5&k=0",
    f"{N}&radius=0",
    f"{N}&radius=-1",
    f"{N}&mode=fly",
    f"{N}&minutes=0",
    f"{N}&minutes=601",
    f"{N}&exclude_reported_closed=maybe",
    f"{N}&kind=bus",
    f"{N}&kind=driver_home&kind=bus",
    f"{N}&amenity=gold",
    f"{N}&status=weird",
    f"{N}&lang=fr",
    f"{N}&crs=utm",
    f"{N}&crs=",
    f"{N}&bogus=1",
    f"{N}&Lat=1",
    "lat=91&lon=x&k=0&kind=bus&amenity=gold&lang=fr&mode=fly",  # many errors: the order
    "lat=91&crs=utm",  # the crs error comes first
    "lat=91&bogus=1",  # and the unknown parameter before it
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("accept", [None, "zh-CN,zh;q=0.9"])
def test_one_pass_answers_as_fastapi_does(
    client: TestClient, query: str, accept: str | None
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    want = client.get(f"/declared?{query}", headers=headers)
    got = client.get(f"/one-pass?{query}", headers=headers)
    assert got.status_code == want.status_code, (query, want.text, got.text)
    assert got.headers.get("x-coordinate-system") == want.headers.get("x-coordinate-system")
    body, expected = got.json(), want.json()
    if want.status_code != 200:
        assert body["instance"] == "/one-pass"
        body["instance"] = expected["instance"]
    assert body == expected, query


def test_there_are_refusals_and_answers_among_the_cases(client: TestClient) -> None:
    codes = {client.get(f"/declared?{q}").status_code for q in QUERIES}
    assert codes == {200, 422}
    many = client.get("/one-pass?lat=91&lon=x&k=0&kind=bus&amenity=gold&lang=fr&mode=fly")
    locs = [e["loc"] for e in many.json()["errors"]]
    assert [loc[1] for loc in locs] == ["kind", "amenity", "lang", "lat", "lon", "k", "mode"]


def test_openapi_documents_the_parameters_as_fastapi_did(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    want = doc["paths"]["/declared"]["get"]["parameters"]
    assert doc["paths"]["/one-pass"]["get"]["parameters"] == want
    assert doc["paths"]["/nearest"]["get"]["parameters"] == want
    names = [p["name"] for p in want]
    assert names[:3] == ["lat", "lon", "k"] and len(names) == len(set(names)) == 14
    refs = {
        i["$ref"].rsplit("/", 1)[1]
        for p in want
        for s in p["schema"].get("anyOf", [])
        if "items" in s and "$ref" in (i := s["items"])
    }
    assert refs == {"KindName", "AmenityName", "Status"} <= set(doc["components"]["schemas"])


def test_nearest_refuses_a_bad_time_after_parsing(client: TestClient) -> None:
    r = client.get(f"/nearest?{N}&at=tomorrow")
    assert r.status_code == 422 and "at" in r.json()["detail"]


def test_parse_query_defaults_are_fresh_copies() -> None:
    field = QueryField.of("kind", Annotated[list[str] | None, Query()], None)
    listed = QueryField.of("tags", Annotated[list[str], Query()], ["a"])
    first, errors = parse_query([field, listed], QueryParams(""))
    assert first == {"kind": None, "tags": ["a"]} and not errors
    first["tags"].append("b")
    again, _ = parse_query([listed], QueryParams(""))
    assert again == {"tags": ["a"]}
    assert listed.many and field.many and not listed.required


def test_dataclass_fields_keep_declaration_order_and_requiredness() -> None:
    fields = dataclass_fields(NearestParams)
    assert [f.name for f in fields] == [f.name for f in dataclasses.fields(NearestParams)]
    assert [f.name for f in fields if f.required] == ["lat", "lon"]
    assert NearestQuery.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_declared_oracle_really_declares_each_parameter(client: TestClient) -> None:
    route = next(r for r in client.app.routes if getattr(r, "path", "") == "/declared")  # type: ignore[attr-defined]
    own = [p.name for p in route.dependant.query_params]
    assert own == [f.name for f in dataclasses.fields(NearestParams)]


def test_an_alias_is_the_name_in_the_query_and_in_errors() -> None:
    field = QueryField.of("max_k", Annotated[int, Query(alias="max-k", ge=1)], 3)
    assert parse_query([field], QueryParams("max-k=4&max_k=9")) == ({"max_k": 4}, [])
    _, errors = parse_query([field], QueryParams("max-k=0"))
    assert [e["loc"] for e in errors] == [("query", "max-k")]
    (doc,) = openapi_parameters([field])
    assert doc["name"] == "max-k" and doc["schema"]["default"] == 3
