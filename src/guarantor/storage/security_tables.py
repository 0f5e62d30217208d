"""The SQL tables of access: users and the hash-chained audit log.

They live on the same :data:`~guarantor.storage.tables.metadata` as the other tables
(``guarantor.storage`` imports this module, so one schema comparison covers all). Migration
``0003_users_audit`` creates exactly these tables; a test compares the two.

``audit_log.seq`` is assigned by the appender (the last ``seq`` plus one, under the writer
lock), never by a database sequence: a sequence skips numbers on rollback, and a gap reads as
a deleted entry. ``prev_hash`` is unique, so two entries can never chain to the same one.
"""

from __future__ import annotations

import sqlalchemy as sa

from guarantor.storage.tables import UtcDateTime, metadata

__all__ = ["HASH_LENGTH", "USERNAME_LENGTH", "audit_log", "users"]

USERNAME_LENGTH = 64
HASH_LENGTH = 64  # hex SHA-256

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(USERNAME_LENGTH), nullable=False, unique=True),
    sa.Column("party", sa.String(80), nullable=True),  # None: the verification cell
    sa.Column("roles", sa.JSON, nullable=False),  # sorted list of role names
    sa.Column("password_hash", sa.Text, nullable=False),  # Argon2id, PHC string format
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(80), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("prev_hash", sa.CHAR(HASH_LENGTH), nullable=False, unique=True),
    sa.Column("hash", sa.CHAR(HASH_LENGTH), nullable=False),
)
