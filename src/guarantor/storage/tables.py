"""The SQL tables of the agreements store, as SQLAlchemy Core (no ORM: rows in, rows out).

One agreement has many versions; each stored version keeps its canonical JSON document
(``agreement_versions.document``, the text its ``content_hash`` certifies) and a projection of
its parts into child tables (parties, zones, clauses, rules, directives, commitments) so that
other adapters can query them in SQL. The document is the source of truth when a version is
read back; the child tables are derived from it in the same transaction.

Types are portable (``JSON``, ``DateTime(timezone=True)``, ``Text``) so the same tables run on
SQLite and PostgreSQL. Timestamps go through :class:`UtcDateTime`, which stores UTC and reads
back aware UTC datetimes on both backends (SQLite keeps no offset of its own).

Migration ``0001_agreements`` creates exactly these tables; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = [
    "ID_LENGTH",
    "UtcDateTime",
    "agreement_versions",
    "agreements",
    "child_tables",
    "clauses",
    "commitments",
    "directives",
    "metadata",
    "parties",
    "rules",
    "zones",
]

ID_LENGTH = 80  # the longest id the agreement file format accepts

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An aware datetime stored in UTC; naive datetimes are refused, results are aware UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} cannot be stored: expected an aware "
                "datetime such as datetime(2015, 2, 15, tzinfo=UTC); fix: attach a tzinfo"
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def _id(name: str = "id") -> sa.Column[str]:
    return sa.Column(name, sa.String(ID_LENGTH), nullable=False)


def _version_key() -> list[sa.Column[Any]]:
    """The columns and foreign key every child table starts with."""
    return [_id("agreement_id"), _id("version_id"), _id("id")]


def _version_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["agreement_id", "version_id"],
        ["agreement_versions.agreement_id", "agreement_versions.version_id"],
        ondelete="CASCADE",
    )


def _status() -> sa.Column[str]:
    return sa.Column("status", sa.String(20), nullable=False)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=nullable)


agreements = sa.Table(
    "agreements",
    metadata,
    _id(),
    _text("title"),
    sa.PrimaryKeyConstraint("id"),
)

agreement_versions = sa.Table(
    "agreement_versions",
    metadata,
    _id("agreement_id"),
    _id("version_id"),
    _text("title"),
    sa.Column("base", sa.String(ID_LENGTH), nullable=True),
    sa.Column("adopted", sa.Date, nullable=False),
    sa.Column("effective", UtcDateTime, nullable=False),
    _text("source"),
    sa.Column("content_hash", sa.CHAR(64), nullable=False),
    _text("document"),
    sa.Column("loaded_at", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("agreement_id", "version_id"),
    sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"], ondelete="CASCADE"),
)

parties = sa.Table(
    "parties",
    metadata,
    *_version_key(),
    _text("name"),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("members", sa.JSON, nullable=False),
    sa.PrimaryKeyConstraint("agreement_id", "version_id", "id"),
    _version_fk(),
)

zones = sa.Table(
    "zones",
    metadata,
    *_version_key(),
    _text("name"),
    sa.Column("kind", sa.String(20), nullable=False),
    _text("source"),
    _status(),
    _text("geometry", nullable=True),  # GeoJSON text of the geometry, when given inline
    _text("geometry_file", nullable=True),
    sa.Column("of_zone", sa.String(ID_LENGTH), nullable=True),
    sa.Column("buffer_km", sa.Float, nullable=True),
    sa.Column("admin_level", sa.Integer, nullable=True),
    sa.Column("units", sa.JSON, nullable=False),
    _text("note"),
    sa.PrimaryKeyConstraint("agreement_id", "version_id", "id"),
    _version_fk(),
)

clauses = sa.Table(
    "clauses",
    metadata,
    *_version_key(),
    _text("document"),
    _text("title"),
    _text("text"),
    sa.Column("params", sa.JSON, nullable=False),
    _status(),
    _text("source"),
    _text("rationale"),
    _text("revision"),
    sa.PrimaryKeyConstraint("agreement_id", "version_id", "id"),
    _version_fk(),
)

rules = sa.Table(
    "rules",
    metadata,
    *_version_key(),
    _text("revision"),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("clause", sa.String(ID_LENGTH), nullable=False),
    _text("title"),
    _text("when_expr"),  # the rule's ``when`` expression (WHEN is an SQL keyword)
    sa.Column("applies", sa.JSON, nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("window", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("geofence", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("responsible", sa.String(ID_LENGTH), nullable=True),
    _status(),
    _text("rationale"),
    # An amended rule keeps its earlier revision (clipped in time) in the resolved version.
    sa.PrimaryKeyConstraint("agreement_id", "version_id", "id", "revision"),
    _version_fk(),
)

directives = sa.Table(
    "directives",
    metadata,
    *_version_key(),
    _text("revision"),
    sa.Column("scenario", sa.String(ID_LENGTH), nullable=False),
    sa.Column("clause", sa.String(ID_LENGTH), nullable=False),
    _text("title"),
    sa.Column("obligations", sa.JSON, nullable=False),
    _status(),
    _text("rationale"),
    sa.PrimaryKeyConstraint("agreement_id", "version_id", "id"),
    _version_fk(),
)

commitments = sa.Table(
    "commitments",
    metadata,
    *_version_key(),
    _text("revision"),
    sa.Column("party", sa.String(ID_LENGTH), nullable=False),
    _text("title"),
    _text("indicator"),
    _text("unit"),
    sa.Column("target", sa.Float, nullable=False),
    sa.Column("direction", sa.String(20), nullable=False),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("clause", sa.String(ID_LENGTH), nullable=False),
    _status(),
    _text("rationale"),
    sa.PrimaryKeyConstraint("agreement_id", "version_id", "id"),
    _version_fk(),
)

child_tables: tuple[sa.Table, ...] = (parties, zones, clauses, rules, directives, commitments)
"""The tables that hold the parts of one version, keyed on (agreement_id, version_id, id) and,
for rules, the revision too."""
