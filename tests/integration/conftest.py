"""Fixtures for integration tests: one database URL per backend, each test on a fresh database.

``database_url`` is parametrized over ``sqlite`` (a file in ``tmp_path``) and ``postgres``.
The PostgreSQL server comes from ``GUARANTOR_TEST_POSTGRES_URL`` (``bash scripts/test.sh``
starts one on loopback with ``scripts/postgres.sh`` and exports it). Each postgres test gets
its own database, created through an admin connection to that URL and dropped afterwards.
Without the variable, or without a reachable server, the postgres case fails: it is never
skipped, so a green run always means both backends passed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.agreement.model import (
    Clause,
    Commitment,
    Directive,
    Geofence,
    IncidentType,
    Interval,
    ObligationTemplate,
    Party,
    ResolvedVersion,
    Rule,
    SeverityLevel,
    SourceRef,
    Taxonomy,
    VersionInfo,
    WeaponClass,
    Window,
    Zone,
)
from guarantor.storage import make_engine, normalize_url, upgrade

POSTGRES_URL_ENV = "GUARANTOR_TEST_POSTGRES_URL"
_HOW = (
    "run the test suite with `bash scripts/test.sh`, which starts a PostgreSQL server on "
    f"loopback and exports {POSTGRES_URL_ENV} (or start one with `bash scripts/postgres.sh "
    f"start` and export {POSTGRES_URL_ENV} to the URL it prints)"
)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An autocommit engine on the test server, for creating and dropping databases."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not url:
        pytest.fail(f"{POSTGRES_URL_ENV} is not set, so the postgres case cannot run; {_HOW}")
    admin = sa.create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(f"cannot reach the PostgreSQL server at {POSTGRES_URL_ENV}: {exc}; {_HOW}")
    yield admin
    admin.dispose()


def fresh_postgres_database(admin: Engine) -> Iterator[str]:
    """A new, empty PostgreSQL database on ``admin``'s server (its URL), dropped after."""
    name = f"guarantor_t_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'guarantor.db'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    yield from fresh_postgres_database(admin)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the empty database of ``database_url``."""
    made = make_engine(database_url)
    yield made
    made.dispose()


@pytest.fixture
def migrated_engine(engine: Engine) -> Engine:
    """``engine`` with every migration applied."""
    upgrade(engine)
    return engine


@pytest.fixture
def make_version() -> Callable[..., ResolvedVersion]:
    """A factory of Minsk-like resolved versions: ``make_version("2015-03", title=...)``."""
    return build_version


# --- data -----------------------------------------------------------------------------------

KYIV = timezone(timedelta(hours=2))


def build_version(
    version_id: str = "2015-02", *, title: str = "Package of Measures"
) -> ResolvedVersion:
    """A Minsk-like resolved version that uses every kind of part the store keeps."""
    ceasefire = datetime(2015, 2, 15, 0, 0, tzinfo=KYIV)
    info = VersionInfo(
        id=version_id,
        title=title,
        adopted=date(2015, 2, 12),
        effective=ceasefire,
        source="minsk-2015",
        base=None,
        file="agreement.yaml",
    )
    source = SourceRef(
        id="minsk-2015",
        title="Package of Measures for the Implementation of the Minsk Agreements",
        publisher="OSCE",
        date=date(2015, 2, 12),
        url="https://www.osce.org/cio/140156",
    )
    line = Zone(
        id="line-of-contact",
        name="Line of contact",
        kind="geometry",
        source="minsk-2015",
        status="official",
        geometry={
            "type": "LineString",
            "coordinates": [[37.5, 47.1], [38.2, 48.0], [39.8, 48.6]],
        },
    )
    artillery = Zone(
        id="security-zone-artillery",
        name="Security zone for artillery of 100 mm and more",
        kind="buffer",
        source="minsk-2015",
        status="official",
        of="line-of-contact",
        buffer_km=25.0,
        note="50 km wide in all: 25 km on each side",
    )
    donetsk = Zone(
        id="donetsk",
        name="Donetsk oblast",
        kind="admin_units",
        source="minsk-2015",
        status="illustrative",
        admin_level=1,
        units=("Donetsk Oblast",),
    )
    clause = Clause(
        id="minsk-2015-2",
        document="package-of-measures",
        title="Withdrawal of heavy weapons",
        text="Withdrawal of heavy weapons {km} km from the line, calibre {calibre} mm and more.",
        source="minsk-2015",
        status="official",
        params={"km": 50, "calibre": 100.0, "verified": True, "monitor": "OSCE"},
        rationale="Point 2 of the Package of Measures.",
        revision="2015-02",
    )
    violation = Rule(
        id="heavy-weapon-in-zone",
        kind="violation",
        clause="minsk-2015-2",
        title="Heavy weapon inside the security zone",
        when='weapon == "artillery" && calibre_mm >= calibre && in_zone("security-zone-artillery")',
        applies=(
            Interval(datetime(2015, 3, 1, tzinfo=UTC), datetime(2016, 1, 1, tzinfo=UTC)),
            Interval(datetime(2017, 1, 1, tzinfo=KYIV), datetime(2020, 7, 27, tzinfo=KYIV)),
        ),
        status="official",
        params={"calibre": 100},
        responsible="party-of-actor",
        revision="2015-02",
    )
    strengthened = replace(
        violation,
        applies=(Interval(datetime(2020, 7, 27, tzinfo=KYIV)),),
        params={"calibre": 82},
        revision="2020-07",
    )
    escalation = Rule(
        id="shelling-surge",
        kind="scenario",
        clause="minsk-2015-2",
        title="Surge of shelling near the line",
        when='type == "shelling"',
        applies=(Interval(ceasefire),),
        status="illustrative",
        params={"limit": 20},
        window=Window(
            length_seconds=86_400,
            group_by=("sector", "actor"),
            measure="count",
            op=">=",
            threshold="limit",
        ),
        geofence=Geofence(zone="line-of-contact", within_km=15.0),
        rationale="Made up to make the framework executable.",
    )
    directive = Directive(
        id="surge-consultations",
        scenario="shelling-surge",
        clause="minsk-2015-2",
        title="Consult within the Trilateral Contact Group",
        obligations=(
            ObligationTemplate(
                parties=("ua", "ru"), action="report positions", within_seconds=172_800
            ),
            ObligationTemplate(parties=("osce",), action="verify", within_seconds=86_400),
        ),
        status="illustrative",
    )
    commitment = Commitment(
        id="withdrawal-done",
        party="ua",
        title="Heavy weapons withdrawn",
        indicator="weapons_withdrawn_pct",
        unit="percent",
        target=100.0,
        direction="at_least",
        due=date(2015, 3, 1),
        clause="minsk-2015-2",
        status="official",
    )
    return ResolvedVersion(
        agreement_id="minsk",
        title="Minsk agreements",
        version=info,
        lineage=(info,),
        sources=(source,),
        parties=(
            Party(id="ua", name="Ukraine", kind="state", roles=("signatory",)),
            Party(id="ru", name="Russian Federation", kind="state", roles=("signatory",)),
            Party(
                id="osce",
                name="OSCE",
                kind="organisation",
                roles=("monitor",),
                members=("ua", "ru"),
            ),
        ),
        zones=(line, artillery, donetsk),
        taxonomy=Taxonomy(
            incident_types=(IncidentType(id="shelling", label="Shelling", aliases=("shelled",)),),
            weapon_classes=(
                WeaponClass(id="artillery", label="Artillery", heavy=True, min_calibre_mm=100.0),
                WeaponClass(id="small-arms", label="Small arms", examples=("AK-74",)),
            ),
            severity=(SeverityLevel(1, "minor"), SeverityLevel(3, "serious")),
        ),
        clauses=(clause,),
        rules=(violation, strengthened, escalation),
        directives=(directive,),
        commitments=(commitment,),
    )


@pytest.fixture
def postgres_migrated_engine(postgres_admin: Engine) -> Iterator[Engine]:
    """A migrated engine on a new PostgreSQL database, for behaviour only PostgreSQL has
    (SQLite has one writer); it runs once, never as a skipped SQLite case."""
    for url in fresh_postgres_database(postgres_admin):
        made = make_engine(url)
        upgrade(made)
        yield made
        made.dispose()
