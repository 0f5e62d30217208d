"""The database of :mod:`web` (the desk under load): N canonical reports made by
``scripts/generate_reports.py`` (seed 7), stored, fused and judged by the product's own use
cases, and the benchmark's users; cached in ``var/bench/web-<N>.db`` while its stamp matches.

The build runs in a child process (``web.py --build-child``), so that its memory goes when it
ends; a build that stopped half-way goes on from its last finished step.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "var" / "bench"
GENERATOR = REPO / "scripts" / "generate_reports.py"
WEB = Path(__file__).with_name("web.py")  # its --build-child runs build_child
SEED = 7
STAMP_VERSION = 1
PASSWORD = "bench-password-not-for-use"
PARTY_USERS = (("ua", "liaison"), ("ru", "liaison"), ("us", "viewer"), ("de", "viewer"))


def db_path(reports: int) -> Path:
    return BENCH / f"web-{reports}.db"


def stamp_of(reports: int) -> dict[str, Any]:
    return {"version": STAMP_VERSION, "reports": reports, "seed": SEED}


def usernames(users: int) -> list[tuple[str, str | None, str]]:
    """(username, party, role) of every benchmark user: a fifth of the cell, the rest parties."""
    cell = max(1, users // 5)
    made: list[tuple[str, str | None, str]] = [
        (f"cell{i:02d}", None, "analyst") for i in range(cell)
    ]
    for i in range(users - cell):
        party, role = PARTY_USERS[i % len(PARTY_USERS)]
        made.append((f"{party}{i:02d}", party, role))
    return made


def build(reports: int, users: int, *, fresh: bool) -> None:
    """Build the benchmark database in a child process (its memory goes when it ends). Not
    ``fresh``: a build that stopped half-way goes on from its last finished step."""
    path = db_path(reports)
    path.with_suffix(".json").unlink(missing_ok=True)
    if fresh:
        for stale in (path, path.with_suffix(".db-wal"), path.with_suffix(".db-shm")):
            stale.unlink(missing_ok=True)
    BENCH.mkdir(parents=True, exist_ok=True)
    csv = BENCH / f"reports-{reports}-seed{SEED}.csv"
    if not csv.is_file():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(GENERATOR), "--rows", str(reports), "--seed", str(SEED),
             "--out", str(csv)],
            check=True,
        )  # fmt: skip
        print(f"  generated {csv.name} in {time.perf_counter() - started:.1f} s", flush=True)
    subprocess.run(
        [sys.executable, str(WEB), "--build-child", str(reports), "--users", str(users)],
        check=True,
    )
    path.with_suffix(".json").write_text(json.dumps(stamp_of(reports) | {"users": users}))


def build_child(reports: int, users: int) -> None:
    """Each step runs unless its result is there already (the build resumes)."""
    from guarantor.bootstrap.app import build_application
    from guarantor.evidence.reports import Source
    from guarantor.services import agreements, incidents
    from guarantor.services import users as user_service
    from guarantor.services.intake import ingest
    from guarantor.storage.security_store import SqlSecurityUnitOfWork

    csv = BENCH / f"reports-{reports}-seed{SEED}.csv"
    app = build_application(
        database_url=f"sqlite:///{db_path(reports)}",
        data_dir=BENCH,
        agreements_dir=REPO / "agreements",
        read_timeout_ms=3_600_000,  # fusion reads every report at once
    )
    app.migrate()

    def step(title: str, began: float) -> None:
        print(f"  {title} in {time.perf_counter() - began:.1f} s", flush=True)

    began = time.perf_counter()
    loaded = {}
    for folder in agreements.shipped_folders(app.agreements_dir):
        loaded[folder.name] = agreements.load_agreement_folder(folder)
        agreements.store_agreement(app.unit_of_work, loaded[folder.name])
    step("stored the shipped agreements", began)
    began = time.perf_counter()
    if app.report_source().count_reports() == 0:
        summary = ingest(
            csv,
            app.importer(csv, None, None),
            Source("bench", "bench", "patrol", "B"),
            app.report_store(),
            app.geocoder(),
        )
        step(f"ingested {summary.accepted:,} reports ({summary.duplicate:,} duplicates)", began)
    began = time.perf_counter()
    if app.incident_store().fused_reports() != app.report_source().count_reports():
        run = incidents.fuse_all(app.report_source(), app.incident_store())
        step(f"fused {run.reports:,} reports into {run.incidents:,} incidents", began)
    began = time.perf_counter()
    if app.incident_store().violations_frame("minsk-2015").is_empty():
        replay = incidents.replay_minsk(
            app.report_source(), app.incident_store(), loaded["minsk-2015"]
        )
        step(f"replayed minsk-2015: {replay.violations:,} violations", began)
    began = time.perf_counter()
    passwords = user_service.Passwords()
    known = {u.username for u in user_service.list_users(SqlSecurityUnitOfWork(app.engine))}
    for username, party, role in usernames(users):
        if username in known:
            continue
        user_service.add_user(
            SqlSecurityUnitOfWork(app.engine),
            passwords,
            username=username,
            party=party,
            roles=[role],
            password=PASSWORD,
            actor="benchmarks/web.py",
            now=datetime.now(UTC),
        )
    step(f"added {users} users", began)


def ensure_database(reports: int, users: int, rebuild: bool) -> Path:
    path = db_path(reports)
    stamp = path.with_suffix(".json")
    want = stamp_of(reports) | {"users": users}
    cached = path.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == want
    if cached and not rebuild:
        print(f"reusing {path.relative_to(REPO)} ({path.stat().st_size / 1e9:.2f} GB)")
        return path
    print(f"building {path.relative_to(REPO)} with {reports:,} reports ...", flush=True)
    started = time.perf_counter()
    build(reports, users, fresh=rebuild)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return path
