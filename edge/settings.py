"""Settings: one frozen object, built once at the entry point and passed down.

Sources, strongest first: keyword arguments (tests, CLI flags), ``EDGE_*`` environment variables
(nested keys with ``__``, e.g. ``EDGE_SERVER__PORT=8080``), the TOML file, then defaults.
The TOML file is ``$EDGE_CONFIG``, else ``/etc/edge/edge.toml`` when it exists, else none.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SYSTEM_CONFIG = Path("/etc/edge/edge.toml")
PI_DATA_DIR = Path("/var/lib/edge")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the key and what is wrong."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(Section):
    host: str = "0.0.0.0"
    port: int = Field(3001, ge=1, le=65535)
    threads: int = Field(128, ge=2, le=1024, description="request threads: they run the app only (connections, "
                         "slow requests and WebSockets wait on the event loop, not in a thread)")
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=64 * 1024 * 1024)
    graceful_timeout_s: int = Field(10, ge=1, le=300)
    ws_heartbeat_s: float = Field(10.0, ge=0.2, le=60, description="WebSocket ping interval; a tablet "
                                  "that misses one is dropped at the next (so within 2x this)")
    ws_queue_max: int = Field(500, ge=10, le=100_000, description="events a slow tablet may lag "
                              "behind before it is told to resync")
    header_timeout_s: float = Field(10.0, ge=0.5, le=300, description="a request's line and headers must "
                                    "arrive within this (a new connection's first request too), else 408")
    body_timeout_s: float = Field(30.0, ge=0.5, le=600, description="a request's body must arrive within this")
    keepalive_s: float = Field(5.0, ge=0.5, le=300, description="an idle kept-alive connection is closed after this")
    connections_per_client: int = Field(64, ge=4, le=65536, description="open connections (feeds included) "
                                        "one client address may hold; more are answered 503 and closed")
    max_connections: int = Field(4096, ge=16, le=65536, description="open connections in all")
    ws_feeds_per_session: int = Field(8, ge=1, le=1024, description="live feeds one login session or paired "
                                      "device may hold; a new one beyond it ends that session's oldest")
    public_url: str | None = Field(None, pattern=r"^https?://[^/\s]+/?$",
                                   description="where tablets open the box, e.g. http://kitchen.local")


class RestaurantSettings(Section):
    name: str = Field("My Restaurant", min_length=1, max_length=80)
    timezone: str = "UTC"
    # Service often runs past midnight: the order number resets at this local time, not at 00:00.
    day_starts_at: str = Field("04:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Europe/Paris')")
        return value


class AuthSettings(Section):
    token_ttl_minutes: int = Field(15, ge=1, le=7 * 24 * 60, description="people's access tokens")
    refresh_ttl_hours: int = Field(16, ge=1, le=30 * 24, description="a refresh token's life (a shift)")
    key_grace_minutes: int | None = Field(None, ge=0, le=7 * 24 * 60, description=(
        "how long the previous signing key is still accepted after a rotation "
        "(default: token_ttl_minutes, so nobody is logged out)"))
    device_token_ttl_days: int = Field(365, ge=1, le=3650)


class SecuritySettings(Section):
    lockout_after: int = Field(5, ge=1, le=100, description="wrong PINs (per device or user) before a lockout")
    ip_lockout_after: int = Field(20, ge=1, le=1000, description="wrong PINs from one address, any device id")
    failure_window_s: int = Field(600, ge=10, description="wrong PINs older than this are forgotten")
    lockout_base_s: int = Field(30, ge=1, description="first lockout; each next one doubles")
    lockout_max_s: int = Field(15 * 60, ge=1, description="the longest lockout")
    user_lockout_max_s: int = Field(5 * 60, ge=1, description="cap for a named user (an attacker can "
                                    "lock a named user out, so their lockout stays short)")
    api_rate_limit: str = Field("6000 per minute;500 per second", description=(
        "per client with a valid token (address + token): room for a tablet replaying its queue"))
    anonymous_rate_limit: str = Field("600 per minute;50 per second", description=(
        "per address, requests without a valid token"))
    login_rate_limit: str = Field("30 per minute", description="login attempts per client address")
    allowed_origins: list[str] = Field(default_factory=list, description=(
        "origins besides the box's own that browsers may call the API from (CORS)"))
    allowed_hosts: list[str] = Field(default_factory=list, description=(
        "names the box answers to besides its own (localhost, its host name, <hostname>.local, "
        "the host of server.public_url, its addresses), e.g. a name the restaurant's router gives it"))

    @field_validator("api_rate_limit", "anonymous_rate_limit", "login_rate_limit")
    @classmethod
    def _parsable_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit (write e.g. '600 per minute;50 per second')")
        return value


class BackupSettings(Section):
    enabled: bool = True
    at: str = Field("03:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local time of the nightly backup")
    keep: int = Field(14, ge=1, le=365, description="nightly backups kept in each folder")
    directory: Path | None = Field(None, description="default: <data_dir>/backups")
    usb_path: Path | None = Field(None, description="also copy each nightly backup here when mounted")


class StationTiming(Section):
    warn_after_s: int = Field(ge=10)
    late_after_s: int = Field(ge=10)


class KdsSettings(Section):
    warn_after_s: int = Field(300, ge=10, description="ticket turns amber")
    late_after_s: int = Field(480, ge=10, description="ticket turns red")
    per_station: dict[str, StationTiming] = Field(default_factory=dict)
    staff_may_86: bool = Field(True, description="staff may 86 an item from a kitchen screen (audited)")


class PrinterSettings(Section):
    name: str = Field(min_length=1, max_length=40)
    backend: Literal["network", "usb", "serial", "file", "dummy"]
    host: str | None = None
    port: int = Field(9100, ge=1, le=65535)
    vendor_id: int | None = None
    product_id: int | None = None
    device: str | None = None
    baudrate: int = 19200
    path: str | None = None
    profile: str = "default"
    width: int = Field(42, ge=24, le=64, description="characters per line")
    stations: list[str] = Field(default_factory=list)
    receipt: bool = False
    timeout_s: float = Field(5.0, gt=0, le=60)


ButtonAction = Literal["bump", "recall", "next", "previous", "talk"]


class ButtonSettings(Section):
    pin: int | str
    station: str
    action: ButtonAction = "bump"
    long_press_action: ButtonAction | None = None
    hold_time_s: float = Field(1.0, gt=0, le=10)
    bounce_time_s: float = Field(0.05, ge=0, le=1)


class BumpBarSettings(Section):
    device: str = Field(description="evdev path or a substring of the device name")
    station: str
    keymap: dict[str, str] = Field(default_factory=dict, description="key name -> action")
    grab: bool = True


class AlertSettings(Section):
    pin: int | str
    station: str
    kind: Literal["buzzer", "led"] = "led"


class VoiceSettings(Section):
    engine: Literal["auto", "vosk", "pocketsphinx", "off"] = Field("auto", description=(
        "auto: vosk when model_path is set, else off (edge serve --demo: pocketsphinx's English); "
        "pocketsphinx: the US English model its wheel ships (model_path optional)"))
    model_path: Path | None = None
    language: Literal["en", "ko"] = "en"
    device: str | None = Field(None, description="substring of the microphone's name")
    spoken_confirm: bool = False
    max_wav_bytes: int = Field(4 * 1024 * 1024, ge=1024)


class SyncSettings(Section):
    supabase_url: str | None = None
    anon_key: str | None = None
    box_token: str | None = None
    box_token_file: Path | None = None
    box_id: str | None = None
    interval_s: float = Field(2.0, gt=0, le=3600)
    menu_pull_interval_s: float = Field(60.0, gt=0, le=86400)
    timeout_s: float = Field(10.0, gt=0, le=120)
    batch_max_events: int = Field(500, ge=1, le=500)
    batch_max_bytes: int = Field(256 * 1024, ge=1024, le=256 * 1024)

    def resolved_box_token(self) -> str | None:
        """The box's cloud credential: ``box_token``, else ``box_token_file``, else the systemd
        credential ``edge-box-token`` (``LoadCredential=edge-box-token:/path`` in the unit).
        The one reader of these settings: the sync worker, `edge doctor` and the status ticket
        all ask here, so they never disagree on whether the box has a credential. Raises
        SecretFileError when a named file cannot be read."""
        from edge.security.secretfiles import read_secret

        token = read_secret(self.box_token, self.box_token_file, "edge-box-token")
        return token.strip() or None if token else None  # a pasted value may carry a newline


def _default_data_dir() -> Path:
    return PI_DATA_DIR if PI_DATA_DIR.is_dir() and os.access(PI_DATA_DIR, os.W_OK) else Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EDGE_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    restaurant_id: str = Field("demo-restaurant", min_length=1, max_length=64)
    box_id: str = Field("box-1", min_length=1, max_length=64)
    demo: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    min_free_disk_mb: int = Field(200, ge=0)
    web_dir: Path | None = Field(None, description="the tablet app's files; default: web/ beside the "
                                 "edge package (a source checkout)")
    server: ServerSettings = ServerSettings()
    restaurant: RestaurantSettings = RestaurantSettings()
    auth: AuthSettings = AuthSettings()
    security: SecuritySettings = SecuritySettings()
    backup: BackupSettings = BackupSettings()
    kds: KdsSettings = KdsSettings()
    printers: list[PrinterSettings] = Field(default_factory=list)
    buttons: list[ButtonSettings] = Field(default_factory=list)
    bumpbars: list[BumpBarSettings] = Field(default_factory=list)
    alerts: list[AlertSettings] = Field(default_factory=list)
    voice: VoiceSettings = VoiceSettings()
    sync: SyncSettings = SyncSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = config_path()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "edge.sqlite"


def config_path() -> Path | None:
    explicit = os.environ.get("EDGE_CONFIG")
    if explicit:
        return Path(explicit)
    return SYSTEM_CONFIG if SYSTEM_CONFIG.is_file() else None


def load_settings(**overrides) -> Settings:
    """Build the settings once; a bad value raises SettingsError naming the key."""
    config_file = config_path()
    if config_file is not None and not config_file.is_file():
        raise SettingsError(f"EDGE_CONFIG: no such file {config_file}")
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None
    except ValueError as error:  # a TOML syntax error reaches us as tomllib.TOMLDecodeError
        raise SettingsError(f"{config_file}: {error}") from None


def describe_validation_error(error: ValidationError) -> str:
    lines = ["invalid settings:"]
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(root)"
        lines.append(f"  {key}: {problem['msg']} (got {problem.get('input')!r})")
    return "\n".join(lines)
