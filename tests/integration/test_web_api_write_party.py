"""What a party user may learn from the write routes, on SQLite and PostgreSQL: its records'
sources are its own, so they never meet the cell's reports; a record whose report is held
but not released to its party is answered exactly like a new report (the cell sees the
duplicate; the stored batch and its audit entry keep the true counts); and every refusal
for something it may not see is word for word the refusal for something that does not
exist."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from test_web_api_write import (  # the shared fixtures and helpers of the write API tests
    User,
    World,
    application,  # noqa: F401
    audit_entries,
    ok,
    web,  # noqa: F401
    world,  # noqa: F401
)

from guarantor.bootstrap.app import Application
from guarantor.services import audit

RECORD = {
    "observed_at": "2015-03-14T09:00:00+02:00", "type": "heavy_weapons_presence",
    "weapon": "artillery_100mm_plus", "calibre_mm": 152, "lat": 48.7311, "lon": 37.5678,
    "source_id": "patrol-9", "source_record_id": "x-1",
}  # fmt: skip
HELD = {**RECORD, "releasability": "REL TO osce-smm"}  # the cell's report, not released to tcg
SAME = {**RECORD, "releasability": "REL TO tcg"}  # tcg's record naming the same source and id
NEW = {**RECORD, "source_record_id": "x-2", "releasability": "REL TO tcg"}  # a new report
# A record tcg sends, marked so that tcg itself may not see it (for osce-smm only).
NOT_OURS = {**RECORD, "source_record_id": "x-4", "releasability": "REL TO osce-smm"}


def shape(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer without what differs between any two posts (batch id, key values)."""
    assert all(isinstance(k, str) for k in answer["report_keys"])
    return {
        **{k: v for k, v in answer.items() if k not in ("batch_id", "report_keys")},
        "report_keys": len(answer["report_keys"]),
    }


def test_a_party_cannot_tell_a_report_held_from_it_from_a_new_one(
    application: Application,  # noqa: F811
    web: FastAPI,  # noqa: F811
) -> None:
    ana, tcg = User(web, "ana"), User(web, "tcg")
    held = ok(ana.post("/api/reports", HELD))
    assert (held["accepted"], held["duplicate"]) == (1, 0)
    held_key = held["report_keys"][0]

    # The party's sources are its own: its record cannot meet the cell's report, neither in
    # the answer nor when it reads its report back.
    collided = ok(tcg.post("/api/reports", SAME))
    fresh = ok(tcg.post("/api/reports", NEW))
    assert shape(collided) == shape(fresh)
    assert (collided["read"], collided["accepted"], collided["duplicate"]) == (1, 1, 0)
    assert collided["report_keys"] != [held_key]
    for answer in (collided, fresh):
        report = tcg.client.get(f"/api/reports/{answer['report_keys'][0]}")
        assert report.status_code == 200, report.text
        assert report.json()["summary"]["source_id"] == "tcg/patrol-9"
    assert tcg.client.get(f"/api/reports/{held_key}").status_code == 404

    # A report held that tcg may not see (one it marked for osce-smm) is answered like a new
    # one, alone or twice in one request; a report released to tcg is a plain duplicate.
    first = ok(tcg.post("/api/reports", NOT_OURS))
    masked = ok(tcg.post("/api/reports", NOT_OURS))
    assert shape(masked) == shape(fresh) and masked["report_keys"] == first["report_keys"]
    twice = ok(tcg.post("/api/reports/batch", {"reports": [NOT_OURS, NOT_OURS]}))
    new_twice = {**NEW, "source_record_id": "x-3"}
    fresh_twice = ok(tcg.post("/api/reports/batch", {"reports": [new_twice, new_twice]}))
    assert shape(twice) == shape(fresh_twice)
    assert (twice["accepted"], twice["duplicate"]) == (1, 1)
    again = ok(tcg.post("/api/reports", NEW))
    assert (again["accepted"], again["duplicate"]) == (0, 1)

    # The cell sees every duplicate as it is.
    cell = ok(ana.post("/api/reports", {**NOT_OURS, "source_id": "tcg/patrol-9"}))
    assert (cell["accepted"], cell["duplicate"]) == (0, 1)
    assert cell["report_keys"] == first["report_keys"]
    assert ok(ana.post("/api/reports", HELD))["duplicate"] == 1

    # The stored batches and their audit entries keep the true counts, under a description.
    store = application.report_store()
    truth = {
        b: store.batch_summary(b)  # type: ignore[attr-defined]
        for b in (masked["batch_id"], fresh["batch_id"], twice["batch_id"])
    }
    assert [(r.accepted, r.duplicate) for r in truth.values()] == [(0, 1), (1, 0), (0, 2)]
    assert {r.file_name for r in truth.values()} == {
        "POST /api/reports by tcg", "POST /api/reports/batch by tcg",
    }  # fmt: skip
    assert all(r.balanced and r.status == "complete" for r in truth.values())
    entries = audit_entries(application)
    imports = {e.subject: e for e in entries if e.action == "reports.import"}
    assert imports[masked["batch_id"]].details["duplicate"] == 1
    assert imports[masked["batch_id"]].actor == "tcg"
    assert imports[twice["batch_id"]].details["route"] == "/api/reports/batch"
    assert len(imports) == 10 and audit.verify(entries) == []


def refusal(user: User, path: str, body: Any, target: str) -> dict[str, Any]:
    """The 404 envelope of ``path`` with ``target`` written as ``<ID>`` (and no request id)."""
    response = user.post(path.replace("<ID>", target), _fill(body, target))
    assert response.status_code == 404, response.text
    error = dict(response.json()["error"])
    assert error["code"] == "not_found" and target in error["message"]
    del error["request_id"]
    return dict(_fill(error, "<ID>", target))


def _fill(value: Any, new: str, old: str = "<ID>") -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_fill(v, new, old) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, new, old) for k, v in value.items()}
    return value


def test_refusals_for_what_a_party_may_not_see_are_those_for_what_does_not_exist(
    world: World,  # noqa: F811
) -> None:
    tcg, smm = User(world.web, "tcg"), User(world.web, "smm")
    hidden, released = world.incident_of(0), world.incident_of(1)  # REL TO osce-smm; tcg
    unknown = "inc-0000000000000000"
    routes: list[tuple[str, Any]] = [
        ("/api/incidents/<ID>/confirm", None),
        ("/api/incidents/<ID>/reject", {"reason": "no"}),
        ("/api/incidents/<ID>/split", {"report_keys": ["0" * 32]}),
        ("/api/incidents/merge", {"incident_ids": [released, "<ID>"]}),
        ("/api/incidents/not-same", {"first": released, "second": "<ID>"}),
    ]
    for path, body in routes:
        seen = refusal(tcg, path, body, hidden)
        assert seen == refusal(tcg, path, body, unknown), path
        assert released not in seen["message"] and world.keys[0] not in str(seen), path

    # Splitting a released incident: a report held from tcg is refused like an unknown key,
    # and the members named are those of the released incident only.
    split = f"/api/incidents/{released}/split"
    stranger = refusal(tcg, split, {"report_keys": ["<ID>"]}, str(world.keys[0]))
    assert stranger == refusal(tcg, split, {"report_keys": ["<ID>"]}, "f" * 32)
    assert hidden not in stranger["message"] and str(world.keys[1]) in stranger["message"]

    tcg_only, nowhere = world.obligation_on(1), "minsk-2015/none/inc-0/d/osce-smm"
    for action, body in (("acknowledge", None), ("done", {}), ("waive", {"reason": "r"})):
        path = f"/api/obligations/<ID>/{action}"
        assert refusal(smm, path, body, tcg_only) == refusal(smm, path, body, nowhere)
    assert [d for d in world.application.incident_store().decisions()] == []
    assert world.application.obligation_store().updates(tcg_only) == []
