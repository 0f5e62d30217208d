"""Analyst decisions on incidents through the CLI (issue #4, point 3): merge, split,
not-same, confirm and reject are stored with who and when, audited, and survive every re-run
of fusion. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from guarantor.cli.main import main
from guarantor.storage import SqlReportStore, make_engine
from guarantor.storage.incident_store import SqlIncidentStore
from guarantor.storage.incident_tables import incident_members
from guarantor.storage.security_tables import audit_log

# a1 and a2: one event, reported twice (same time, place and words); b and c: two events
# far apart in place and time.
COLUMNS = "source_id,source_record_id,observed_at,lat,lon,place_name,type,weapon,severity,text"
SHELLING = "152-mm artillery fire on the eastern districts of Kostiantynivka"
ROWS = [
    f"src-one,a1,2026-03-10T05:40:00+02:00,48.5277,37.7069,Kostiantynivka,shelling,,3,{SHELLING}",
    f"src-two,a2,2026-03-10T05:40:00+02:00,48.5277,37.7069,Kostiantynivka,shelling,,3,{SHELLING}",
    "src-one,b,2026-03-12T10:00:00+02:00,47.0951,37.5413,Mariupol,shelling,mlrs,3,Port shelled",
    "src-two,c,2026-03-20T22:00:00+02:00,49.9935,36.2304,Kharkiv,sniper_fire,,2,Sniper fire",
]
CSV = "\n".join([COLUMNS, *ROWS]) + "\n"


def _state(url: str) -> tuple[dict[str, str], dict[str, str | None]]:
    """Record id (a1, a2, b, c) -> incident id, and incident id -> analyst status."""
    engine = make_engine(url)
    try:
        reports = SqlReportStore(engine).reports_frame()
        incidents = SqlIncidentStore(engine).incidents_frame()
        with engine.connect() as connection:
            members = connection.execute(
                sa.select(incident_members.c.report_key, incident_members.c.incident_id)
            ).all()
    finally:
        engine.dispose()
    record = dict(reports.select("report_key", "source_record_id").iter_rows())
    status = dict(incidents.select("incident_id", "status").iter_rows())
    return {record[k]: i for k, i in members}, status


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_analyst_decisions_are_stored_audited_and_survive_every_re_fusion(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    path = tmp_path / "reports.csv"
    path.write_text(CSV, encoding="utf-8")
    assert "accepted 4" in _run(capsys, "ingest", str(path))
    assert "fused 4 reports -> 3 incidents" in _run(capsys, "fuse")
    of, _ = _state(database_url)
    assert of["a1"] == of["a2"] and len({of["a1"], of["b"], of["c"]}) == 3

    # not-same on the merged pair (given by report key) splits it, and a re-fusion keeps it so.
    engine = make_engine(database_url)
    try:
        keys = dict(
            SqlReportStore(engine)
            .reports_frame()
            .select("source_record_id", "report_key")
            .iter_rows()
        )
    finally:
        engine.dispose()
    printed = _run(capsys, "incident", "not-same", keys["a1"], keys["a2"], "--by", "ana")
    assert "4 reports -> 4 incidents" in printed
    for _ in range(2):
        of, _ = _state(database_url)
        assert of["a1"] != of["a2"]
        assert of["a1"] in printed and of["a2"] in printed
        _run(capsys, "fuse")

    # merge of the two distinct events makes one incident, and it survives a re-fusion.
    printed = _run(capsys, "incident", "merge", of["b"], of["c"], "--by", "ana", "--reason", "same")
    of, _ = _state(database_url)
    assert of["b"] == of["c"] and of["b"] in printed and "-> 3 incidents" in printed
    _run(capsys, "fuse")
    of, _ = _state(database_url)
    assert of["b"] == of["c"]

    # split undoes it (the later decision wins).
    _run(
        capsys,
        "incident",
        "split",
        of["b"],
        "--group",
        keys["b"],
        "--group",
        keys["c"],
        "--by",
        "bo",
    )
    of, _ = _state(database_url)
    assert of["b"] != of["c"]

    # confirm and reject set the analyst status, which survives a re-fusion.
    assert of["b"] in _run(capsys, "incident", "confirm", of["b"], "--by", "bo")
    _run(capsys, "incident", "reject", of["c"], "--by", "bo")
    _run(capsys, "fuse")
    of, status = _state(database_url)
    assert status[of["b"]] == "confirmed"
    assert status[of["c"]] == "rejected"
    assert status[of["a1"]] != "confirmed"

    # an unknown id exits 1, naming it.
    capsys.readouterr()
    assert main(["incident", "confirm", "inc-0000000000000000", "--by", "bo"]) == 1
    assert "inc-0000000000000000" in capsys.readouterr().err
    assert main(["incident", "merge", of["b"], "inc-ffffffffffffffff", "--by", "bo"]) == 1
    assert "inc-ffffffffffffffff" in capsys.readouterr().err

    # decisions lists who and when, in order.
    lines = _run(capsys, "incident", "decisions").splitlines()
    assert [line.split()[3] for line in lines] == [
        "not_same", "merge", "split", "confirm", "reject"
    ]  # fmt: skip
    assert [line.split()[2] for line in lines] == ["ana", "ana", "bo", "bo", "bo"]
    assert all(line.split()[1].startswith("20") for line in lines)

    # each decision has its audit entry.
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            actions = connection.scalars(sa.select(audit_log.c.action).order_by(audit_log.c.seq))
            found = [a for a in actions if a.startswith("incident.")]
    finally:
        engine.dispose()
    assert found == [
        "incident.not_same", "incident.merge", "incident.split", "incident.confirm",
        "incident.reject",
    ]  # fmt: skip
