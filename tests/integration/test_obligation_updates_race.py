"""Two updates of one obligation at the same moment take turns, on SQLite and PostgreSQL: the
second reads the status the first appended, so an obligation is never both done and waived.

The first update pauses between reading the status and appending its row until the second has
finished or a few seconds have passed. Were the two not serialised, the second would read
``open`` and append while the first waits; serialised, it waits for the first to commit.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from guarantor.services.obligation_ports import ObligationUpdate
from guarantor.storage.obligation_store import SqlObligationStore

OBLIGATION = "framework-2025/activation-x/directive-y/us"
PAUSE_S = 3.0


def _update(status: str, previous: str) -> ObligationUpdate:
    return ObligationUpdate(
        obligation_id=OBLIGATION,
        agreement_id="framework-2025",
        status=status,
        reason="duplicate report" if status == "waived" else None,
        by_user=f"coordinator.{status}",
        at=datetime.now(UTC),
        previous=previous,
    )


def test_concurrent_updates_of_one_obligation_see_each_other(migrated_engine: Engine) -> None:
    store = SqlObligationStore(migrated_engine)
    first_has_read = threading.Event()
    second_finished = threading.Event()
    seen_by_second: list[str] = []
    errors: list[BaseException] = []

    def first_step(current: str) -> ObligationUpdate:
        first_has_read.set()
        second_finished.wait(PAUSE_S)
        return _update("done", current)

    def second_step(current: str) -> ObligationUpdate:
        seen_by_second.append(current)
        return _update("waived", current)

    def first() -> None:
        try:
            store.apply(OBLIGATION, first_step, audit_details={})
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_has_read.wait(30)
    store.apply(OBLIGATION, second_step, audit_details={})
    second_finished.set()
    thread.join(30)

    assert errors == []
    assert seen_by_second == ["done"]
    assert [(u.previous, u.status) for u in store.updates(OBLIGATION)] == [
        ("open", "done"),
        ("done", "waived"),
    ]
