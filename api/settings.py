"""Service settings, read once from ``STATIONFINDER_*`` environment variables or a settings file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from geo.limits import DEFAULT_MAX_EXPANDED_BYTES
from geo.regions import RegionSpec, read_regions

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


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
    seed_stations: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [DATA / "futian_stations.csv", DATA / "helsinki_stations.csv"],
        description="Station files imported when the registry is empty (the bundled demo; "
        "comma-separated in the environment)",
    )
    seed_crs: str = Field("wgs84", description="Coordinate system of the seed station files")
    regions_file: Path | None = Field(
        DATA / "regions.toml",
        description="The regions served (TOML, see README 'Regions'); the first is the default "
        "page's; ignored when network_pbf is set",
    )
    network_pbf: str | None = Field(
        None,
        description="A single region's street network (.osm.pbf or OSMnx .graphml[.gz]) "
        "instead of the regions file, with demand as its demand layer",
    )
    demand: Path | None = Field(
        None, description="Demand points CSV of the single network_pbf region"
    )
    max_regions_loaded: int = Field(
        4, ge=1, description="Regions held in memory at once; the least recently used goes"
    )
    cache_entries: int = Field(
        64, ge=1, description="Computed results (coverage, gaps, walking areas …) held at once"
    )
    default_crs: str | None = Field(
        None,
        description="Coordinate system of this deployment: the default of every crs parameter "
        "(wgs84 when unset) and of uploaded station files that declare none (unset: a file with "
        "points in mainland China must say which system it uses)",
    )
    cache_dir: Path = Field(DATA / "cache", description="Where built networks are cached")
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Keys that may write, comma-separated: name:role:SECRET (role planner or "
        "admin), name:SECRET or SECRET (full rights); the name is recorded with every write",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the reverse proxies in front of the "
        "service, comma-separated; only requests from them have X-Forwarded-For read",
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
    seed_tz: str = Field("Asia/Shanghai", description="Time zone of a registry made from the seed")
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
    default_modes: str = Field(
        "driver_home:truck,rider_station:ebike",
        description="Travel mode per station kind where a request names none (kind:mode, "
        "comma-separated; other kinds walk): for nearest filtered to one kind, coverage per kind",
    )
    ebike_speed_kmh: float = Field(15.0, gt=0, le=25, description="E-bike speed (GB 17761: ≤ 25)")
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
    inspection_intervals: str = Field(
        "",
        description="Days between verifications: KIND=DAYS, default=DAYS (365), after_report="
        "DAYS (90, after an accepted problem report), comma-separated",
    )

    @field_validator(
        "api_keys",
        "trusted_proxies",
        "cors_origins",
        "frame_ancestors",
        "seed_stations",
        mode="before",
    )
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, Path):
            return [value]
        if value is None:
            return []
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    def region_specs(self, *, default_tz: str) -> list[RegionSpec]:
        """The regions this service serves: one from ``network_pbf`` when set, else those
        of ``regions_file`` (none when it is unset)."""
        if self.network_pbf:
            layers = () if self.demand is None else (("demand", self.demand),)
            return [
                RegionSpec(
                    id="default",
                    name=Path(self.network_pbf).name,
                    network=self.network_pbf,
                    demand=layers,
                    tz=self.tz or default_tz,
                )
            ]
        if self.regions_file is None:
            return []
        return read_regions(self.regions_file)

    @field_validator("default_crs")
    @classmethod
    def _known_crs(cls, value: str | None) -> str | None:
        from geo.crs import parse_coord_system

        return None if value is None or not value.strip() else parse_coord_system(value)

    @field_validator("default_modes")
    @classmethod
    def _known_modes(cls, value: str) -> str:
        from geo.mode_networks import parse_default_modes

        parse_default_modes(value)  # raises naming the pair
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
