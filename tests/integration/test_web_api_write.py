"""The write side of the desk's JSON API, in-process over a real migrated database filled
through the real services, on SQLite and PostgreSQL: reports in (single, batch, idempotent,
rejections pointing into the body), analyst decisions, obligation status; permissions, party
visibility (404 like an unknown id), CSRF, and the audit chain after every change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from guarantor.bootstrap.app import Application, build_application
from guarantor.cli.main import main
from guarantor.evidence.reports import Source
from guarantor.services import agreements as agreement_svc
from guarantor.services import audit
from guarantor.services import incidents as incident_svc
from guarantor.services.intake_records import ingest_records
from guarantor.services.obligations import current_statuses
from guarantor.storage.security_store import SqlSecurityUnitOfWork
from guarantor.storage.security_tables import audit_log
from guarantor.web.app import create_app
from guarantor.web.sessions import CSRF_COOKIE
from web_session import add_users, signed_in

SECRET = "a-test-secret-that-is-long-enough-for-production-0123456789"
AGREEMENTS = Path(__file__).resolve().parents[2] / "agreements"
ENVELOPE_KEYS = {"code", "message", "problems", "request_id"}
USERS = [
    ("ana", None, ["analyst"]),  # verification cell
    ("coord", None, ["coordinator"]),
    ("smm", "osce-smm", ["coordinator", "liaison"]),
    ("tcg", "tcg", ["coordinator", "liaison", "analyst"]),
    ("view", None, ["viewer"]),
]
SHELLING = "152-mm artillery fire on the eastern districts of Kostiantynivka"
KOSTIANTYNIVKA = {
    "observed_at": "2015-04-10T05:40:00+02:00",
    "type": "shelling",
    "lat": 48.5277,
    "lon": 37.7069,
    "place_name": "Kostiantynivka",
    "severity": 3,
    "text": SHELLING,
}
# 0, 1: heavy weapons near the line of contact; 1 is released to tcg only and activates the
# verification duty of osce-smm. 3, 4: one event from two sources. 5 (public, MLRS in the zone)
# activates the same duty. 2, 7, 8: rejected (latitude, time, type).
REPORTS: list[dict[str, Any]] = [
    {
        "observed_at": "2015-03-10T10:00:00+02:00", "type": "heavy_weapons_presence",
        "weapon": "artillery_100mm_plus", "calibre_mm": 152, "lat": 48.7311, "lon": 37.5678,
        "source_id": "patrol-7", "source_record_id": "hw-1", "releasability": "REL TO osce-smm",
    },
    {
        "observed_at": "2015-03-12T10:00:00+02:00", "type": "heavy_weapons_presence",
        "weapon": "artillery_100mm_plus", "calibre_mm": 122, "lat": 47.6008, "lon": 37.4936,
        "source_id": "patrol-7", "source_record_id": "hw-2", "releasability": "REL TO tcg",
    },
    {"observed_at": "2015-03-12T10:00:00+02:00", "type": "shelling", "lat": 123, "lon": 37.49},
    {**KOSTIANTYNIVKA, "source_id": "src-one", "source_record_id": "a1"},
    {**KOSTIANTYNIVKA, "source_id": "src-two", "source_record_id": "a2"},
    {
        "observed_at": "2015-04-12T10:00:00+02:00", "type": "shelling", "weapon": "mlrs",
        "lat": 47.0951, "lon": 37.5413, "place_name": "Mariupol", "severity": 3,
        "text": "Port shelled", "source_id": "src-one", "source_record_id": "b",
    },
    {
        "observed_at": "2015-04-20T22:00:00+02:00", "type": "sniper_fire", "lat": 49.9935,
        "lon": 36.2304, "place_name": "Kharkiv", "severity": 2, "text": "Sniper fire",
        "source_id": "src-two", "source_record_id": "c",
    },
    {"observed_at": "not a time", "type": "shelling"},
    {"observed_at": "2015-04-20T22:00:00+02:00", "type": "no_such_type"},
]  # fmt: skip
REJECTED = {
    2: "body.reports[2].lat",
    7: "body.reports[7].observed_at",
    8: "body.reports[8].type",
}


@pytest.fixture
def application(database_url: str, tmp_path: Path) -> Iterator[Application]:
    made = build_application(
        database_url=database_url,
        data_dir=tmp_path / "var",
        secret_key=SECRET,
        agreements_dir=AGREEMENTS,
    )
    made.migrate()
    add_users(made.engine, USERS)
    yield made
    made.engine.dispose()


@pytest.fixture
def web(application: Application) -> FastAPI:
    return create_app(application)


class User:
    """A signed-in client: ``post`` sends the CSRF header unless ``csrf=False``."""

    def __init__(self, web: FastAPI, username: str) -> None:
        self.client = signed_in(TestClient(web, raise_server_exceptions=False), username)
        self.token = str(self.client.cookies.get(CSRF_COOKIE))

    def post(self, path: str, body: Any = None, *, csrf: bool = True) -> Any:
        headers = {"X-CSRF-Token": self.token} if csrf else {}
        return self.client.post(path, json=body, headers=headers)


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == ENVELOPE_KEYS
    assert body["error"]["code"] == code
    return dict(body["error"])


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def audit_entries(application: Application) -> list[audit.AuditEntry]:
    with SqlSecurityUnitOfWork(application.engine, read_only=True) as uow:
        return list(uow.audit.entries())


def stored_keys(application: Application) -> list[str]:
    return sorted(application.report_source().reports_frame()["report_key"].to_list())


# --- reports --------------------------------------------------------------------------------


def test_reports_go_through_intake_once_with_rejections_pointing_into_the_body(
    application: Application, web: FastAPI
) -> None:
    ana, view = User(web, "ana"), User(web, "view")
    paths = ana.client.get("/openapi.json").json()["paths"]
    written = {p for p, operations in paths.items() if "post" in operations}
    assert {
        "/api/reports", "/api/reports/batch", "/api/incidents/merge", "/api/incidents/not-same",
        "/api/incidents/{incident_id}/split", "/api/obligations/{obligation_id}/waive",
    } <= written  # fmt: skip

    first = ok(ana.post("/api/reports/batch", {"reports": REPORTS}))
    assert (first["read"], first["accepted"], first["rejected"], first["duplicate"]) == (9, 6, 3, 0)
    assert [r["location"] for r in first["rejections"]] == list(REJECTED.values())
    assert first["rejections"][0]["found"] == "123.0"
    assert "between -90 and 90" in first["rejections"][0]["expected"]
    keys = first["report_keys"]
    assert [i for i, k in enumerate(keys) if k is None] == list(REJECTED)
    assert stored_keys(application) == sorted(k for k in keys if k is not None)

    again = ok(ana.post("/api/reports/batch", {"reports": REPORTS}))
    assert (again["accepted"], again["rejected"], again["duplicate"]) == (0, 3, 6)
    assert again["report_keys"] == keys and again["batch_id"] != first["batch_id"]

    single = ok(ana.post("/api/reports", REPORTS[3]))
    assert (single["read"], single["accepted"], single["duplicate"]) == (1, 0, 1)
    assert single["report_keys"] == [keys[3]]
    bad = ok(ana.post("/api/reports", REPORTS[2]))
    assert [r["location"] for r in bad["rejections"]] == ["body.lat"]
    assert bad["report_keys"] == [None] and bad["rejected"] == 1
    new = ok(ana.post("/api/reports", {**REPORTS[3], "source_record_id": "a3"}))
    assert new["accepted"] == 1 and new["report_keys"][0] not in keys
    assert len(stored_keys(application)) == 7

    # A record without a required field refuses the request, pointing at the field.
    missing = error_of(
        ana.post("/api/reports/batch", {"reports": [REPORTS[0], {"observed_at": "2015-03-01"}]}),
        422,
        "request_invalid",
    )
    assert [p["location"] for p in missing["problems"]] == ["body.reports[1].type"]
    error_of(ana.post("/api/reports/batch", {"reports": []}), 422, "request_invalid")

    # A viewer may not write; no CSRF header is refused; nothing is stored by either.
    forbidden = error_of(view.post("/api/reports", REPORTS[6]), 403, "forbidden")
    assert "reports.write" in forbidden["message"]
    error_of(ana.post("/api/reports", {**REPORTS[3], "source_record_id": "a9"}, csrf=False),
             403, "csrf_refused")  # fmt: skip
    assert len(stored_keys(application)) == 7

    entries = audit_entries(application)
    imports = [e for e in entries if e.action == "reports.import"]
    assert [e.subject for e in imports] == [
        first["batch_id"], again["batch_id"], single["batch_id"], bad["batch_id"],
        new["batch_id"],
    ]  # fmt: skip
    assert {e.actor for e in imports} == {"ana"}
    assert imports[0].details["accepted"] == 6 and imports[1].details["duplicate"] == 6
    assert audit.verify(entries) == []


# --- the world of the decision and obligation tests -----------------------------------------


@dataclass
class World:
    application: Application
    web: FastAPI
    keys: list[str | None]

    def incident_of(self, index: int) -> str:
        key = self.keys[index]
        assert key is not None
        return self.application.incident_store().incidents_of([key])[key]

    def incidents(self) -> pl.DataFrame:
        return self.application.incident_store().incidents_frame()

    def obligation_on(self, index: int) -> str:
        """The obligation resting on the incident of report ``index``."""
        store = self.application.incident_store()
        activations = store.activations_frame("minsk-2015")  # type: ignore[attr-defined]
        obligations = store.obligations_frame("minsk-2015")  # type: ignore[attr-defined]
        incident = self.incident_of(index)
        activation = activations.filter(pl.col("contributing").list.contains(incident))
        assert activation.height == 1
        found = obligations.filter(pl.col("activation_id") == activation["activation_id"][0])
        assert found.height == 1 and found["party"][0] == "osce-smm"
        return str(found["obligation_id"][0])


@pytest.fixture
def world(application: Application, web: FastAPI) -> World:
    outcome = ingest_records(
        REPORTS,
        application.importer(application.settings.data_dir, "canonical_jsonl", None),
        Source("analyst-upload", "analyst-upload", "media", "F"),
        application.report_store(),
        application.geocoder(),
    )
    assert outcome.summary.accepted == 6
    incident_svc.fuse_all(application.report_source(), application.incident_store())
    loaded, _ = agreement_svc.load_ref("minsk-2015", AGREEMENTS)
    incident_svc.evaluate(application.incident_store(), loaded)
    return World(application, web, list(outcome.report_keys))


# --- analyst decisions ----------------------------------------------------------------------


def test_analyst_decisions_are_taken_through_the_use_cases_and_audited(world: World) -> None:
    ana, view, tcg = User(world.web, "ana"), User(world.web, "view"), User(world.web, "tcg")
    pair = world.incident_of(3)
    assert pair == world.incident_of(4)

    confirmed = ok(ana.post(f"/api/incidents/{pair}/confirm", {"reason": "two patrols saw it"}))
    assert confirmed["kind"] == "confirm" and confirmed["by"] == "ana"
    assert confirmed["fusion"]["reports"] == 6 and confirmed["fusion"]["incidents"] == 5
    assert confirmed["incident_ids"] == [world.incident_of(3)]
    status = dict(world.incidents().select("incident_id", "status").iter_rows())
    assert status[world.incident_of(3)] == "confirmed"

    rejected = ok(ana.post(f"/api/incidents/{world.incident_of(6)}/reject"))
    status = dict(world.incidents().select("incident_id", "status").iter_rows())
    assert rejected["kind"] == "reject" and status[world.incident_of(6)] == "rejected"

    split = ok(ana.post(f"/api/incidents/{world.incident_of(3)}/split",
                        {"report_keys": [world.keys[4]], "reason": "two shellings"}))  # fmt: skip
    assert split["kind"] == "split"
    assert world.incident_of(3) != world.incident_of(4)
    assert sorted(split["incident_ids"]) == sorted([world.incident_of(3), world.incident_of(4)])

    parts = [world.incident_of(5), world.incident_of(6)]
    merged = ok(ana.post("/api/incidents/merge", {"incident_ids": parts}))
    assert merged["kind"] == "merge" and world.incident_of(5) == world.incident_of(6)
    assert merged["incident_ids"] == [world.incident_of(5)]

    apart_ids = {"first": world.incident_of(3), "second": world.incident_of(4)}
    apart = ok(ana.post("/api/incidents/not-same", apart_ids))
    assert apart["kind"] == "not_same" and world.incident_of(3) != world.incident_of(4)

    # Errors: a split naming every member; a viewer; a party analyst on an incident not
    # released to its party (404 exactly like an unknown id); no CSRF header.
    whole = ana.post(f"/api/incidents/{world.incident_of(5)}/split",
                     {"report_keys": [world.keys[5], world.keys[6]]})  # fmt: skip
    assert "nothing is left" in error_of(whole, 400, "guarantor_error")["message"]
    error_of(view.post(f"/api/incidents/{world.incident_of(5)}/confirm"), 403, "forbidden")
    hidden = world.incident_of(0)  # REL TO osce-smm
    unknown = "inc-0000000000000000"
    for target in (hidden, unknown):
        error = error_of(tcg.post(f"/api/incidents/{target}/confirm"), 404, "not_found")
        assert target in error["message"]
    error_of(tcg.post("/api/incidents/merge", {"incident_ids": [hidden, world.incident_of(3)]}),
             404, "not_found")  # fmt: skip
    released = world.incident_of(1)  # REL TO tcg
    by_party = ok(tcg.post(f"/api/incidents/{released}/confirm"))
    assert by_party["by"] == "tcg" and by_party["incident_ids"] == [world.incident_of(1)]
    assert by_party["fusion"] is None  # totals over every report: for the cell only
    error_of(ana.post(f"/api/incidents/{world.incident_of(5)}/confirm", csrf=False),
             403, "csrf_refused")  # fmt: skip

    decisions = [d for d in world.application.incident_store().decisions()]
    assert [type(d).__name__ for d in decisions] == [
        "Confirm", "Reject", "Split", "Merge", "NotSame", "Confirm",
    ]  # fmt: skip
    entries = audit_entries(world.application)
    actions = [e.action for e in entries if e.action.startswith("incident.")]
    assert actions == [
        "incident.confirm", "incident.reject", "incident.split", "incident.merge",
        "incident.not_same", "incident.confirm",
    ]  # fmt: skip
    assert audit.verify(entries) == []


# --- obligations ----------------------------------------------------------------------------


def test_obligation_status_follows_its_transitions_for_the_right_people_only(
    world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    smm, tcg = User(world.web, "smm"), User(world.web, "tcg")
    coord, view = User(world.web, "coord"), User(world.web, "view")
    public = world.obligation_on(5)  # rests on a PUBLIC incident; for osce-smm
    tcg_only = world.obligation_on(1)  # rests on an incident released to tcg; for osce-smm
    store = world.application.obligation_store()
    assert current_statuses(store, [public, tcg_only]) == {public: "open", tcg_only: "open"}

    error_of(view.post(f"/api/obligations/{public}/acknowledge"), 403, "forbidden")
    for who, target in ((tcg, public), (smm, tcg_only), (smm, "minsk-2015/none/inc-0/d/p")):
        error = error_of(who.post(f"/api/obligations/{target}/acknowledge"), 404, "not_found")
        assert target in error["message"]
    error_of(smm.post(f"/api/obligations/{public}/acknowledge", csrf=False), 403, "csrf_refused")

    acknowledged = ok(smm.post(f"/api/obligations/{public}/acknowledge"))
    assert (acknowledged["status"], acknowledged["previous"], acknowledged["by"]) == (
        "acknowledged", "open", "smm",
    )  # fmt: skip
    twice = error_of(smm.post(f"/api/obligations/{public}/acknowledge"), 409, "transition_refused")
    assert "is acknowledged" in twice["message"] and "done or waived" in twice["message"]

    for body in (None, {}, {"reason": "   "}):
        error = error_of(smm.post(f"/api/obligations/{public}/waive", body), 422, "request_invalid")
        assert [p["location"] for p in error["problems"]] == (
            ["body"] if body is None else ["body.reason"]
        )

    finished = ok(smm.post(f"/api/obligations/{public}/done", {"reason": "spot report 41/2015"}))
    assert (finished["status"], finished["previous"]) == ("done", "acknowledged")
    final = coord.post(f"/api/obligations/{public}/waive", {"reason": "late"})
    assert "done is final" in error_of(final, 409, "transition_refused")["message"]

    waived = ok(coord.post(f"/api/obligations/{tcg_only}/waive", {"reason": "  no access  "}))
    assert (waived["status"], waived["previous"], waived["reason"]) == (
        "waived",
        "open",
        "no access",
    )
    assert current_statuses(store, [public, tcg_only, "unknown"]) == {
        public: "done", tcg_only: "waived", "unknown": "open",
    }  # fmt: skip
    history = store.updates(public)
    assert [(u.status, u.by_user, u.reason) for u in history] == [
        ("acknowledged", "smm", None), ("done", "smm", "spot report 41/2015"),
    ]  # fmt: skip

    entries = audit_entries(world.application)
    changes = [(e.action, e.subject, e.actor) for e in entries if e.action.startswith("oblig")]
    assert changes == [
        ("obligation.acknowledge", public, "smm"),
        ("obligation.done", public, "smm"),
        ("obligation.waive", tcg_only, "coord"),
    ]
    assert entries[-1].details["reason"] == "no access"
    assert audit.verify(entries) == []
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(world.application.settings.data_dir))
    assert main(["audit", "verify"]) == 0

    # Editing the audit entry of the waiver breaks the chain, and `guarantor audit verify`
    # says so.
    with world.application.engine.begin() as connection:
        connection.execute(
            audit_log.update()
            .where(audit_log.c.seq == entries[-1].seq)
            .values(details={**entries[-1].details, "reason": "edited"})
        )
    broken = audit.verify(audit_entries(world.application))
    assert [(b.seq, b.kind) for b in broken] == [(entries[-1].seq, "edited")]
    assert main(["audit", "verify"]) == 1
