"""Composition root: settings -> a wired application. Nothing heavy happens at import."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from guarantor.bootstrap.settings import Settings, load_settings
from guarantor.services.incident_ports import IncidentStore, ReportSource
from guarantor.services.intake import Geocoder
from guarantor.services.intake_ports import Importer
from guarantor.services.intake_records import AuditedReportStore
from guarantor.services.obligation_ports import ObligationStore
from guarantor.services.ports import UnitOfWork

__all__ = ["Application", "build_application"]


@dataclass
class Application:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        from guarantor.storage.engine import make_engine

        return make_engine(
            self.settings.resolved_database_url, read_timeout_ms=self.settings.read_timeout_ms
        )

    def migrate(self) -> None:
        from guarantor.storage.migrate import upgrade

        upgrade(self.settings.resolved_database_url)

    def unit_of_work(self) -> UnitOfWork:
        from guarantor.storage.unit_of_work import SqlUnitOfWork

        return SqlUnitOfWork(self.engine)

    def report_store(self) -> AuditedReportStore:
        from guarantor.storage.report_store import SqlReportStore

        return SqlReportStore(self.engine)

    def report_source(self) -> ReportSource:
        from guarantor.storage.report_store import SqlReportStore

        return SqlReportStore(self.engine)

    def incident_store(self) -> IncidentStore:
        from guarantor.storage.incident_store import SqlIncidentStore

        return SqlIncidentStore(self.engine)

    def obligation_store(self) -> ObligationStore:
        from guarantor.storage.obligation_store import SqlObligationStore

        return SqlObligationStore(self.engine)

    def geocoder(self) -> Geocoder:
        from guarantor.io.admin_lookup import assign_admin
        from guarantor.io.gazetteer import Gazetteer

        return Geocoder(Gazetteer.shipped(), assign_admin)

    def importer(self, path: Path, format_name: str | None, mapping: Path | None) -> Importer:
        from guarantor.io.formats.registry import make_importer

        return make_importer(path, format_name, mapping)

    @property
    def agreements_dir(self) -> Path:
        return self.settings.agreements_dir


def build_application(config_file: Path | None = None, **overrides: Any) -> Application:
    return Application(load_settings(config_file, **overrides))
