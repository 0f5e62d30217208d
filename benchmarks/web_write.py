"""Write API latency, in-process (FastAPI TestClient, no network): POST /api/reports (one
report) and POST /api/reports/batch (N reports), through the same intake as ``guarantor
ingest``, on an embedded SQLite database in a temporary folder. Prints the median and worst
time of each, records per second for the batch, and the ratio of the API's batch to the
same records ingested by the service directly from a JSON Lines file (the cost of the HTTP
layer, the temporary file and the report-key pass).

    .venv/bin/python benchmarks/web_write.py [--batch 10000] [--singles 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from guarantor.bootstrap.app import build_application
from guarantor.evidence.reports import Source
from guarantor.services import users
from guarantor.services.intake import ingest
from guarantor.services.intake_records import record_line
from guarantor.storage.security_store import SqlSecurityUnitOfWork
from guarantor.web.app import create_app

PASSWORD = "correct horse battery staple"
START = datetime(2015, 3, 1, tzinfo=UTC)


def record(n: int, prefix: str) -> dict[str, Any]:
    return {
        "observed_at": (START + timedelta(minutes=n)).isoformat(),
        "type": "shelling",
        "lat": 48.0 + (n % 1000) / 2000,
        "lon": 37.5 + (n % 997) / 2000,
        "severity": 1 + n % 3,
        "source_id": "bench",
        "source_record_id": f"{prefix}-{n}",
        "text": f"report {n}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=50)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="guarantor-bench-"))
    app = build_application(
        database_url=f"sqlite:///{folder / 'bench.db'}",
        data_dir=folder / "var",
        secret_key="b" * 48,
    )
    app.migrate()
    users.add_user(
        SqlSecurityUnitOfWork(app.engine),
        users.Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)),
        username="ana",
        party=None,
        roles=["analyst"],
        password=PASSWORD,
        actor="bench",
        now=datetime.now(UTC),
    )
    app.geocoder().resolver.resolve  # noqa: B018  (loaded before the clock starts)
    client = TestClient(create_app(app))
    token = client.get("/api/session").json()["csrf_token"]
    client.post(
        "/api/session",
        json={"username": "ana", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    headers = {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}

    singles = []
    for n in range(args.singles):
        began = time.perf_counter()
        response = client.post("/api/reports", json=record(n, "single"), headers=headers)
        singles.append(time.perf_counter() - began)
        assert response.status_code == 200 and response.json()["accepted"] == 1, response.text
    batch = [record(n, "batch") for n in range(args.batch)]
    began = time.perf_counter()
    response = client.post("/api/reports/batch", json={"reports": batch}, headers=headers)
    api_seconds = time.perf_counter() - began
    assert response.status_code == 200 and response.json()["accepted"] == args.batch

    direct = [record(n, "direct") for n in range(args.batch)]
    path = folder / "direct.jsonl"
    path.write_text("".join(record_line(r) + "\n" for r in direct), encoding="utf-8")
    began = time.perf_counter()
    summary = ingest(
        path,
        app.importer(path, "canonical_jsonl", None),
        Source("bench", "bench", "patrol", "B"),
        app.report_store(),
        app.geocoder(),
    )
    direct_seconds = time.perf_counter() - began
    assert summary.accepted == args.batch

    ms = [s * 1000 for s in singles]
    print(
        f"POST /api/reports, {args.singles} single reports: median {statistics.median(ms):.1f} ms,"
        f" worst {max(ms):.1f} ms"
    )
    print(
        f"POST /api/reports/batch, {args.batch:,} reports: {api_seconds:.2f} s "
        f"({args.batch / api_seconds:,.0f} reports/s)"
    )
    print(
        f"ingest() of the same {args.batch:,} records from a JSONL file: {direct_seconds:.2f} s "
        f"({args.batch / direct_seconds:,.0f} reports/s)"
    )
    print(f"ratio API batch / direct ingest: {api_seconds / direct_seconds:.2f}")
    app.engine.dispose()


if __name__ == "__main__":
    main()
