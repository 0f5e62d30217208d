"""Incident and rule-result storage: the :class:`~guarantor.services.incident_ports.IncidentStore`.

**Replace, in one transaction.** A fusion run replaces every incident and membership row; an
evaluation run replaces every violation, activation and obligation of its agreement. Each
runs in one writer transaction (:func:`~guarantor.storage.engine.writer_connection`: on SQLite
the single-writer lock and ``BEGIN IMMEDIATE``), so readers see the old set or the new one.

**Fast.** Frames go in the way :mod:`.report_store` writes reports (the helpers of
:mod:`.report_rows`): plain tuples through the driver's ``executemany`` on SQLite, ``COPY``
of CSV written by Polars on PostgreSQL; times are written as text in the form each backend
reads. They come out through :func:`~guarantor.storage.report_rows.result_frame`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.evidence.fusion import FusionResult
from guarantor.evidence.fusion.decisions import Decision, decision_from_dict, decision_to_dict
from guarantor.evidence.incidents import INCIDENT_SCHEMA, MEMBERSHIP_SCHEMA
from guarantor.scenarios import ACTIVATION_SCHEMA, OBLIGATION_SCHEMA, VIOLATION_SCHEMA, Results
from guarantor.services import audit
from guarantor.services.incident_ports import EvaluationRun, FusionRun
from guarantor.storage.engine import BULK_READ_OPTIONS, writer_connection
from guarantor.storage.incident_tables import (
    activations,
    evaluation_runs,
    fusion_decisions,
    fusion_runs,
    incident_members,
    incidents,
    obligations,
    violations,
)
from guarantor.storage.report_rows import PG_TIME, SQLITE_TIME, copy_csv, result_frame, tuples
from guarantor.storage.security_store import SqlAuditLog

__all__ = ["SqlIncidentStore"]

_RESULT_TABLES = (violations, activations, obligations)


class SqlIncidentStore:
    """Incidents, membership, decisions and rule results in SQL (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    # --- fusion ---------------------------------------------------------------------------

    def decisions(self) -> list[Decision]:
        query = sa.select(fusion_decisions.c.record).order_by(fusion_decisions.c.seq)
        with self._engine.connect() as connection:
            return [decision_from_dict(json.loads(r)) for r in connection.scalars(query)]

    def add_decision(self, decision: Decision) -> int:
        record = decision_to_dict(decision)
        row = {
            "kind": record["kind"],
            "record": json.dumps(record, ensure_ascii=False, sort_keys=True),
            "who": decision.who,
            "at": decision.when,
        }
        with writer_connection(self._engine) as connection, connection.begin():
            result = connection.execute(sa.insert(fusion_decisions), row)
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def record_decision(
        self, decision: Decision, *, subject: str, details: Mapping[str, Any]
    ) -> int:
        """Store the decision and append its audit entry (``incident.<kind>``, by its
        ``who`` at its ``when``), in one transaction."""
        record = decision_to_dict(decision)
        row = {
            "kind": record["kind"],
            "record": json.dumps(record, ensure_ascii=False, sort_keys=True),
            "who": decision.who,
            "at": decision.when,
        }
        with writer_connection(self._engine) as connection, connection.begin():
            result = connection.execute(sa.insert(fusion_decisions), row)
            seq = int(result.inserted_primary_key[0])  # type: ignore[index]
            audit.append(
                SqlAuditLog(connection),
                at=decision.when,
                actor=decision.who,
                action=f"incident.{record['kind']}",
                subject=subject,
                details={**details, "decision": seq, "record": record},
            )
            return seq

    def members(self, incident_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        query = (
            sa.select(incident_members.c.incident_id, incident_members.c.report_key)
            .where(incident_members.c.incident_id.in_(list(incident_ids)))
            .order_by(incident_members.c.report_key)
        )
        found: dict[str, list[str]] = {}
        with self._engine.connect() as connection:
            for incident_id, report_key in connection.execute(query):
                found.setdefault(str(incident_id), []).append(str(report_key))
        return {k: tuple(v) for k, v in found.items()}

    def incidents_of(self, report_keys: Sequence[str]) -> dict[str, str]:
        query = sa.select(incident_members.c.report_key, incident_members.c.incident_id).where(
            incident_members.c.report_key.in_(list(report_keys))
        )
        with self._engine.connect() as connection:
            return {str(k): str(i) for k, i in connection.execute(query)}

    def save_fusion(self, result: FusionResult, run: FusionRun) -> None:
        with writer_connection(self._engine) as connection, connection.begin():
            connection.execute(sa.delete(incident_members))
            connection.execute(sa.delete(incidents))
            self._write(connection, "incidents", _cast(result.incidents, INCIDENT_SCHEMA))
            self._write(connection, "incident_members", _cast(result.membership, MEMBERSHIP_SCHEMA))
            connection.execute(
                sa.insert(fusion_runs),
                {
                    "run_id": run.run_id, "at": datetime.now(UTC), "reports": run.reports,
                    "incidents": run.incidents, "seconds": run.seconds,
                },
            )  # fmt: skip

    def incidents_frame(self) -> pl.DataFrame:
        query = sa.select(*_read_columns(incidents, INCIDENT_SCHEMA)).order_by(
            incidents.c.time, incidents.c.incident_id
        )
        return self._frame(query, INCIDENT_SCHEMA)

    def fused_reports(self) -> int:
        query = sa.select(sa.func.count()).select_from(incident_members)
        with self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    # --- evaluation -----------------------------------------------------------------------

    def save_results(self, run: EvaluationRun, results: Results) -> None:
        frames = {
            "violations": results.violations,
            "activations": results.activations.rename({"group": "group_key"}).with_columns(
                pl.col("contributing").map_elements(
                    lambda ids: json.dumps(list(ids)), return_dtype=pl.Utf8
                )
            ),
            "obligations": results.obligations,
        }
        with writer_connection(self._engine) as connection, connection.begin():
            for table in _RESULT_TABLES:
                connection.execute(sa.delete(table).where(table.c.agreement_id == run.agreement_id))
            for name, frame in frames.items():
                tagged = frame.select(
                    pl.lit(run.agreement_id, pl.Utf8).alias("agreement_id"),
                    pl.lit(run.run_id, pl.Utf8).alias("run_id"),
                    pl.all(),
                )
                self._write(connection, name, tagged)
            connection.execute(
                sa.insert(evaluation_runs),
                {
                    "run_id": run.run_id, "agreement_id": run.agreement_id,
                    "version_id": run.version_id, "at": datetime.now(UTC),
                    "counts": json.dumps(dict(run.counts), sort_keys=True),
                },
            )  # fmt: skip

    def violations_frame(self, agreement_id: str) -> pl.DataFrame:
        query = (
            sa.select(*_read_columns(violations, VIOLATION_SCHEMA))
            .where(violations.c.agreement_id == agreement_id)
            .order_by(violations.c.time, violations.c.incident_id, violations.c.rule_id)
        )
        return self._frame(query, VIOLATION_SCHEMA)

    def explanation(self, finding_id: str) -> str | None:
        incident_id, _, rule_id = finding_id.rpartition(":")
        queries = [
            sa.select(activations.c.explanation).where(activations.c.activation_id == finding_id),
            sa.select(obligations.c.explanation).where(obligations.c.obligation_id == finding_id),
        ]
        if incident_id:
            queries.insert(
                0,
                sa.select(violations.c.explanation)
                .where(violations.c.incident_id == incident_id, violations.c.rule_id == rule_id)
                .order_by(violations.c.revision.desc()),
            )
        with self._engine.connect() as connection:
            for query in queries:
                found = connection.execute(query.limit(1)).scalar_one_or_none()
                if found is not None:
                    return str(found)
        return None

    # --- frames in and out ----------------------------------------------------------------

    def _write(self, connection: sa.Connection, table: str, frame: pl.DataFrame) -> None:
        if not frame.height:
            return
        driver: Any = connection.connection.driver_connection
        if self._postgres:
            copy_csv(driver.cursor(), table, _times_as_text(frame, PG_TIME), PG_TIME)
            return
        names = ", ".join(f'"{c}"' for c in frame.columns)
        marks = ", ".join("?" for _ in frame.columns)
        driver.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            tuples(_times_as_text(frame, SQLITE_TIME), SQLITE_TIME),
        )

    def _frame(self, query: sa.Select[Any], schema: Mapping[str, Any]) -> pl.DataFrame:
        """Whole frames for fusion and evaluation: read without the desk's time limit."""
        with self._engine.connect().execution_options(**BULK_READ_OPTIONS) as connection:
            rows = connection.execute(query).all()
        return result_frame(rows, dict(schema))

    # --- kept for the schema of the other results (activations, obligations) -------------

    def activations_frame(self, agreement_id: str) -> pl.DataFrame:
        columns = [
            activations.c.group_key.label("group") if n == "group" else activations.c[n]
            for n in ACTIVATION_SCHEMA
        ]
        query = sa.select(*columns).where(activations.c.agreement_id == agreement_id)
        schema = dict(ACTIVATION_SCHEMA) | {"contributing": pl.Utf8}
        frame = self._frame(query, schema)
        return frame.with_columns(pl.col("contributing").str.json_decode(pl.List(pl.Utf8)))

    def obligations_frame(self, agreement_id: str) -> pl.DataFrame:
        query = sa.select(*_read_columns(obligations, OBLIGATION_SCHEMA)).where(
            obligations.c.agreement_id == agreement_id
        )
        return self._frame(query, OBLIGATION_SCHEMA)


def _cast(frame: pl.DataFrame, schema: Mapping[str, Any]) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def _times_as_text(frame: pl.DataFrame, time_format: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(c).dt.convert_time_zone("UTC").dt.strftime(time_format)
        for c, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    )


def _read_columns(table: sa.Table, schema: Mapping[str, Any]) -> list[Any]:
    """Columns to select (times as text: no per-row processing; result_frame parses them)."""
    return [
        sa.type_coerce(table.c[n], sa.Text) if isinstance(t, pl.Datetime) else table.c[n]
        for n, t in schema.items()
    ]
