"""The agreements store on SQLite and PostgreSQL: schema, round trip, idempotence, limits."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from factories import minimal_agreement, write_agreement
from guarantor.agreement.canonical import content_hash
from guarantor.agreement.checks import check_agreement
from guarantor.agreement.loader import read_agreement
from guarantor.agreement.model import ResolvedVersion
from guarantor.errors import NotFound, StorageError
from guarantor.storage import (
    SqlUnitOfWork,
    current_revision,
    head_revision,
    make_engine,
    normalize_url,
    require_current,
    tables,
    upgrade,
)

KYIV = timezone(timedelta(hours=2))
MakeVersion = Callable[..., ResolvedVersion]


def hash_of(version: ResolvedVersion) -> str:
    return content_hash(version)


def store(engine: Engine, version: ResolvedVersion) -> bool:
    with SqlUnitOfWork(engine) as uow:
        added = uow.agreements.add(version, hash_of(version))
        uow.commit()
    return added


def test_migrations_bring_an_empty_database_to_head_and_match_the_tables(engine: Engine) -> None:
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)  # a second run has nothing to do
    assert current_revision(engine) == head_revision()
    require_current(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), tables.metadata)
    assert differences == []


def test_a_database_without_the_schema_is_refused_with_a_message_that_says_to_migrate(
    engine: Engine,
) -> None:
    with pytest.raises(StorageError, match=r"no Guarantor schema.*upgrade"):
        require_current(engine)
    with pytest.raises(StorageError, match=r"upgrade"), SqlUnitOfWork(engine) as uow:
        uow.agreements.list_versions()


def test_a_stored_version_reads_back_equal_to_the_original(
    make_version: MakeVersion, migrated_engine: Engine
) -> None:
    version = make_version()
    assert store(migrated_engine, version) is True
    with SqlUnitOfWork(migrated_engine, read_only=True) as uow:
        again = uow.agreements.get("minsk", "2015-02")
    assert again == version
    assert hash_of(again) == hash_of(version)


def test_versions_read_from_an_agreement_folder_with_an_overlay_read_back_equal(
    migrated_engine: Engine, tmp_path: Path
) -> None:
    surge = minimal_agreement()["rules"][1]
    surge["params"] = {"k": 3, "n": 5}
    overlay = {
        "version": {
            "id": "v2",
            "title": "Strengthened",
            "adopted": "2020-07-22",
            "effective": "2020-07-27T00:01:00+03:00",
            "source": "text",
            "base": "v1",
        },
        "amend": {"rules": [surge]},
    }
    loaded = check_agreement(
        read_agreement(write_agreement(tmp_path / "a", overlays={"v2": overlay}))
    )
    assert not loaded.errors
    versions = [loaded.version("v1"), loaded.version("v2")]
    assert [r.revision for r in versions[1].rules if r.id == "surge"] == ["v1", "v2"]
    for version in versions:
        assert store(migrated_engine, version) is True
    with SqlUnitOfWork(migrated_engine, read_only=True) as uow:
        again = [uow.agreements.get("tiny", v.version.id) for v in versions]
    assert again == versions
    assert [content_hash(v) for v in again] == [content_hash(v) for v in versions]


def test_the_parts_of_a_version_are_queryable_in_their_own_tables(
    make_version: MakeVersion, migrated_engine: Engine
) -> None:
    store(migrated_engine, make_version())
    with migrated_engine.connect() as connection:
        counts = {
            t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in tables.child_tables
        }
        rule = connection.execute(
            sa.select(tables.rules).where(tables.rules.c.id == "shelling-surge")
        ).one()
        zone = connection.execute(
            sa.select(tables.zones).where(tables.zones.c.id == "line-of-contact")
        ).one()
        buffer = connection.execute(
            sa.select(tables.zones).where(tables.zones.c.id == "security-zone-artillery")
        ).one()
    assert counts == {
        "parties": 3,
        "zones": 3,
        "clauses": 1,
        "rules": 3,
        "directives": 1,
        "commitments": 1,
    }
    assert rule.when_expr == 'type == "shelling"'
    assert rule.applies == [{"start": "2015-02-14T22:00:00Z", "end": None}]
    assert rule.window["group_by"] == ["sector", "actor"]
    assert rule.geofence == {"zone": "line-of-contact", "within_km": 15.0}
    assert json.loads(zone.geometry)["type"] == "LineString"
    assert buffer.geometry is None
    assert buffer.of_zone == "line-of-contact"


def test_adding_the_same_version_with_the_same_hash_again_changes_nothing(
    make_version: MakeVersion,
    migrated_engine: Engine,
) -> None:
    version = make_version()
    assert store(migrated_engine, version) is True
    with SqlUnitOfWork(migrated_engine) as uow:
        before = uow.agreements.list_versions("minsk")
    assert store(migrated_engine, version) is False
    with SqlUnitOfWork(migrated_engine) as uow:
        after = uow.agreements.list_versions("minsk")
        assert uow.agreements.hash_of("minsk", "2015-02") == hash_of(version)
    assert after == before
    assert len(after) == 1
    assert after[0].loaded_at.tzinfo is not None
    assert after[0].effective == datetime(2015, 2, 14, 22, 0, tzinfo=UTC)


def test_a_different_hash_under_a_stored_version_id_is_refused_naming_the_version(
    make_version: MakeVersion,
    migrated_engine: Engine,
) -> None:
    store(migrated_engine, make_version())
    changed = make_version(title="Package of Measures, edited")
    with SqlUnitOfWork(migrated_engine) as uow:
        with pytest.raises(StorageError) as caught:
            uow.agreements.add(changed, hash_of(changed))
        assert uow.agreements.get("minsk", "2015-02") == make_version()
    message = str(caught.value)
    assert "'minsk' version '2015-02'" in message
    assert "differs" in message
    assert "new version id" in message


def test_asking_for_a_version_that_is_not_stored_raises_not_found_naming_the_stored_ones(
    make_version: MakeVersion,
    migrated_engine: Engine,
) -> None:
    store(migrated_engine, make_version())
    with SqlUnitOfWork(migrated_engine, read_only=True) as uow:
        with pytest.raises(NotFound, match=r"no stored version '2020-07'.*'2015-02'"):
            uow.agreements.get("minsk", "2020-07")
        with pytest.raises(NotFound, match=r"no agreement 'berlin'.*'minsk'"):
            uow.agreements.get("berlin", "2025-12")
        assert uow.agreements.hash_of("minsk", "2020-07") is None


def test_versions_are_listed_by_effective_time_and_filtered_by_agreement(
    make_version: MakeVersion,
    migrated_engine: Engine,
) -> None:
    base = make_version()
    later_info = replace(
        base.version,
        id="2020-07",
        title="Additional measures",
        adopted=date(2020, 7, 22),
        effective=datetime(2020, 7, 27, tzinfo=KYIV),
        base="2015-02",
    )
    later = replace(base, version=later_info, lineage=(base.version, later_info))
    other = replace(base, agreement_id="berlin", title="Berlin framework")
    for version in (later, other, base):
        store(migrated_engine, version)
    with SqlUnitOfWork(migrated_engine, read_only=True) as uow:
        minsk = uow.agreements.list_versions("minsk")
        everything = uow.agreements.list_versions()
        assert uow.agreements.get("minsk", "2020-07") == later
    assert [v.version_id for v in minsk] == ["2015-02", "2020-07"]
    assert [(v.agreement_id, v.version_id) for v in everything] == [
        ("berlin", "2015-02"),
        ("minsk", "2015-02"),
        ("minsk", "2020-07"),
    ]
    assert minsk[1].adopted == date(2020, 7, 22)


def test_the_unit_of_work_rolls_back_when_the_block_raises(
    make_version: MakeVersion, migrated_engine: Engine
) -> None:
    version = make_version()
    with pytest.raises(RuntimeError, match="boom"), SqlUnitOfWork(migrated_engine) as uow:
        uow.agreements.add(version, hash_of(version))
        raise RuntimeError("boom")
    with SqlUnitOfWork(migrated_engine, read_only=True) as uow:
        assert uow.agreements.list_versions() == []


def test_nothing_persists_unless_the_unit_of_work_commits(
    make_version: MakeVersion, migrated_engine: Engine
) -> None:
    first, second = make_version(), make_version("2015-03")
    with SqlUnitOfWork(migrated_engine) as uow:
        uow.agreements.add(first, hash_of(first))
        uow.commit()
        uow.agreements.add(second, hash_of(second))
        uow.rollback()
        uow.agreements.add(second, "0" * 64)
    with SqlUnitOfWork(migrated_engine, read_only=True) as uow:
        assert [v.version_id for v in uow.agreements.list_versions()] == ["2015-02"]


def test_a_read_longer_than_the_time_limit_is_stopped_with_a_storage_error(
    database_url: str,
) -> None:
    engine = make_engine(database_url, read_timeout_ms=50)
    if engine.dialect.name == "sqlite":
        slow = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
        )
    else:
        slow = "SELECT pg_sleep(5)"
    try:
        with SqlUnitOfWork(engine, read_only=True) as uow:
            with pytest.raises(StorageError, match=r"longer than its time limit of 50 ms"):
                uow.connection.execute(sa.text(slow))
            uow.rollback()
            assert uow.connection.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'g.db'}", busy_timeout_ms=1234)
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 1234,
        "synchronous": 1,
    }
    assert (tmp_path / "new" / "folder" / "g.db").exists()


def test_sqlite_has_one_writer_while_readers_go_on(
    make_version: MakeVersion, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}", busy_timeout_ms=100)
    try:
        upgrade(engine)
        store(engine, make_version())
        with SqlUnitOfWork(engine) as writer:
            writer.agreements.add(make_version("2015-03"), "1" * 64)
            with pytest.raises(StorageError, match=r"busy.*one writer"), SqlUnitOfWork(engine):
                pass
            with SqlUnitOfWork(engine, read_only=True) as reader:
                assert [v.version_id for v in reader.agreements.list_versions()] == ["2015-02"]
            writer.commit()
    finally:
        engine.dispose()


def test_an_unreachable_database_raises_a_storage_error_that_says_what_to_check() -> None:
    engine = make_engine("postgresql://guarantor@127.0.0.1:1/nothing")
    try:
        with pytest.raises(StorageError, match=r"cannot reach the database .*server is running"):
            current_revision(engine)
    finally:
        engine.dispose()


def test_plain_postgresql_urls_are_sent_through_psycopg_3() -> None:
    assert normalize_url("postgresql://u:p@h:5432/d").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/d").drivername == "postgresql+psycopg"
    with pytest.raises(StorageError, match=r"'mysql'.*not support"):
        normalize_url("mysql://u@h/d")
