"""Settings from STATIONFINDER_* variables and a settings file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings, load_settings


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATIONFINDER_DB", "/tmp/x.sqlite")
    monkeypatch.setenv("STATIONFINDER_API_KEYS", "key-one, key-two,")
    monkeypatch.setenv("STATIONFINDER_CORS_ORIGINS", "https://app.example")
    monkeypatch.setenv("STATIONFINDER_TZ", "Asia/Urumqi")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.db == Path("/tmp/x.sqlite")
    assert s.api_keys == ["key-one", "key-two"]
    assert s.cors_origins == ["https://app.example"]
    assert s.tz == "Asia/Urumqi"


def test_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "stationfinder.env"
    f.write_text(
        "STATIONFINDER_API_KEYS=abc\nSTATIONFINDER_FRAME_ANCESTORS=https://union.example,'self'\n"
    )
    monkeypatch.setenv("STATIONFINDER_SETTINGS_FILE", str(f))
    s = load_settings()
    assert s.api_keys == ["abc"]
    assert s.frame_ancestors == ["https://union.example", "'self'"]


def test_cross_field_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATIONFINDER_DEFAULT_RADIUS_M", "90000")
    with pytest.raises(ValidationError, match="exceeds max_radius_m"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_trusted_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATIONFINDER_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")
    assert Settings(_env_file=None).trusted_proxies == ["10.0.0.0/8", "127.0.0.1", "::1"]  # type: ignore[call-arg]
    monkeypatch.setenv("STATIONFINDER_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local")
    with pytest.raises(ValidationError, match=r"'proxy\.local' is not an IP address or network"):
        Settings(_env_file=None)  # type: ignore[call-arg]
