"""The OpenAPI docs render offline: Swagger UI and ReDoc come from the package, not a CDN."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Console

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_every_endpoint(
    page: Page, service_url: str, console: Console, shots: Path
) -> None:
    page.goto(f"{service_url}/docs")
    for path in (
        "/nearest",
        "/stations",
        "/coverage",
        "/gaps",
        "/suggest",
        "/isochrones/{station_id}",
    ):
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]').first).to_be_visible(
            timeout=15_000
        )
    page.screenshot(path=str(shots / "docs.png"))
    assert console.unexpected() == []
    assert console.blocked == []  # nothing at all left the host
