"""One typed settings object, read from ``GUARANTOR_*`` environment variables and an optional
TOML config file; built once in the composition root. See docs/settings.md."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from guarantor.errors import ConfigurationError, Location, Problem

__all__ = ["Settings", "load_settings"]


class Settings(BaseSettings):
    """Every setting of Guarantor. Each field is documented in docs/settings.md (a test
    keeps the two in step)."""

    model_config = SettingsConfigDict(env_prefix="GUARANTOR_", extra="forbid", frozen=True)

    environment: Literal["development", "production"] = Field(
        "development", description="production refuses missing secrets"
    )
    data_dir: Path = Field(Path("var"), description="folder for the embedded database and files")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/guarantor.db"
    )
    agreements_dir: Path = Field(Path("agreements"), description="folder of agreement folders")
    read_timeout_ms: int = Field(5000, gt=0, description="time limit of one read statement")
    secret_key: SecretStr | None = Field(None, description="signs sessions; required in production")
    session_max_age_s: int = Field(
        28_800, gt=0, description="a session ends this many seconds after sign-in"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="log level")

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production" and self.secret_key is None:
            raise ValueError(
                "GUARANTOR_SECRET_KEY is required when GUARANTOR_ENVIRONMENT=production; "
                "set it to a long random string, e.g. from 'python -c \"import secrets; "
                "print(secrets.token_urlsafe(48))\"'"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'guarantor.db'}"


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"config file '{path}' (from GUARANTOR_CONFIG or --config) does not exist; "
            "create it or unset GUARANTOR_CONFIG"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"config file '{path}' is not valid TOML ({exc}); expected lines like "
            'database_url = "sqlite:///var/guarantor.db"'
        ) from exc
    section = data.get("guarantor", data)
    return dict(section)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from, in rising priority: defaults, the config file, the environment, and
    explicit ``overrides``. Invalid values raise :class:`ConfigurationError` naming them."""
    import os

    file_values: dict[str, Any] = {}
    path = config_file or (
        Path(os.environ["GUARANTOR_CONFIG"]) if "GUARANTOR_CONFIG" in os.environ else None
    )
    if path is not None:
        file_values = _read_config(path)
    env_names = {
        name for name in Settings.model_fields if f"GUARANTOR_{name.upper()}" in os.environ
    }
    values = {k: v for k, v in file_values.items() if k not in env_names}
    try:
        return Settings(**values, **overrides)
    except ValidationError as exc:
        problems = tuple(
            Problem(
                Location(str(path) if path else "environment", field=".".join(map(str, e["loc"]))),
                repr(e.get("input")),
                e["msg"],
                f"set GUARANTOR_{str(e['loc'][0]).upper() if e['loc'] else ''} correctly",
                e["type"],
            )
            for e in exc.errors()
        )
        raise ConfigurationError("settings are invalid", problems=problems) from exc
