"""Settings: defaults, a TOML file, the environment on top, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from guarantor.bootstrap.settings import load_settings
from guarantor.errors import ConfigurationError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "DATA_DIR",
        "CONFIG",
        "ENVIRONMENT",
        "SECRET_KEY",
        "READ_TIMEOUT_MS",
    ):
        monkeypatch.delenv(f"GUARANTOR_{name}", raising=False)


def test_the_default_database_is_sqlite_in_the_data_folder() -> None:
    assert load_settings().resolved_database_url == "sqlite:///var/guarantor.db"


def test_the_environment_overrides_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "guarantor.toml"
    config.write_text('[guarantor]\nread_timeout_ms = 1234\ndatabase_url = "sqlite:///a.db"\n')
    monkeypatch.setenv("GUARANTOR_CONFIG", str(config))
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", "sqlite:///b.db")
    settings = load_settings()
    assert settings.read_timeout_ms == 1234
    assert settings.resolved_database_url == "sqlite:///b.db"


def test_production_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARANTOR_ENVIRONMENT", "production")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "GUARANTOR_SECRET_KEY" in str(caught.value)


def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARANTOR_READ_TIMEOUT_MS", "soon")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "GUARANTOR_READ_TIMEOUT_MS" in str(caught.value) and "'soon'" in str(caught.value)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(tmp_path / "nope.toml")
    assert "nope.toml" in str(caught.value)


def test_an_unknown_key_in_the_config_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "g.toml"
    config.write_text('databse_url = "sqlite:///x.db"\n')
    with pytest.raises(ConfigurationError) as caught:
        load_settings(config)
    assert "databse_url" in str(caught.value)
