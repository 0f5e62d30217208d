"""The two rules that keep a party from learning of reports held from it through intake:
its sources are its own (:func:`party_scoped`), and a report held but not released to it is
answered like a new one (:func:`as_seen_by`)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from guarantor.services.intake import BatchSummary
from guarantor.services.intake_records import RecordsOutcome, as_seen_by, party_scoped
from guarantor.services.security import Principal

CELL = Principal(1, None, frozenset({"analyst"}), "ana")
TCG = Principal(2, "tcg", frozenset({"analyst"}), "tcg-analyst")
THIS_BATCH = "batch-now"


class Held:
    """Stored reports: key -> (batch that stored it, marking); records which keys were asked."""

    def __init__(self, rows: dict[str, tuple[str, str | None]]) -> None:
        self.rows, self.asked = rows, 0

    def holders(self, report_keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        self.asked += 1
        return {k: self.rows[k] for k in report_keys if k in self.rows}


def outcome(keys: tuple[str | None, ...], accepted: int, duplicate: int) -> RecordsOutcome:
    rejected = sum(k is None for k in keys)
    summary = BatchSummary(
        THIS_BATCH, "POST /api/reports/batch by x", "canonical_jsonl", len(keys), accepted,
        rejected, duplicate, 0, 0.1,
    )  # fmt: skip
    return RecordsOutcome(summary, keys, pl.DataFrame())


def counts(seen: RecordsOutcome) -> tuple[int, int, int, int]:
    s = seen.summary
    return s.read, s.accepted, s.rejected, s.duplicate


def test_a_party_record_gets_a_source_of_the_party_and_keeps_everything_else() -> None:
    records = [
        {"type": "shelling", "source_id": "patrol-9", "text": "t"},
        {"type": "shelling"},
        {"type": "shelling", "source_id": "tcg/patrol-9"},
        {"type": "shelling", "source_id": "osce-smm/patrol-9"},
        {"type": "shelling", "source_id": 7},
        {"type": "shelling", "source_id": "  "},
    ]
    scoped = party_scoped(records, "tcg", "analyst-upload")
    assert [r["source_id"] for r in scoped] == [
        "tcg/patrol-9", "tcg/analyst-upload", "tcg/patrol-9", "tcg/osce-smm/patrol-9",
        "tcg/7", "tcg/analyst-upload",
    ]  # fmt: skip
    assert scoped[0] == {**records[0], "source_id": "tcg/patrol-9"}
    assert records[0]["source_id"] == "patrol-9"  # the request's records are left as they are


def test_a_report_held_from_the_party_counts_as_accepted_for_it_only() -> None:
    held = Held({
        "hidden": ("batch-before", "REL TO osce-smm"),
        "shared": ("batch-before", "REL TO tcg,osce-smm"),
        "new": (THIS_BATCH, "REL TO tcg"),
    })  # fmt: skip
    # Records: hidden twice, shared (a true duplicate), new, one rejected.
    stored = outcome(("hidden", "hidden", "shared", "new", None), accepted=1, duplicate=3)
    assert counts(as_seen_by(stored, CELL, held)) == (5, 1, 1, 3)
    seen = as_seen_by(stored, TCG, held)
    assert counts(seen) == (5, 2, 1, 2)
    assert seen.report_keys == stored.report_keys and seen.summary.batch_id == THIS_BATCH
    assert held.asked == 1  # the cell's answer needs no look-up


def test_no_look_up_without_duplicates_and_a_held_report_of_its_own_stays_a_duplicate() -> None:
    held = Held({"ours": ("batch-before", "PUBLIC")})
    fresh = outcome(("a", "b"), accepted=2, duplicate=0)
    assert as_seen_by(fresh, TCG, held) is fresh and held.asked == 0
    again = outcome(("ours",), accepted=0, duplicate=1)
    assert counts(as_seen_by(again, TCG, held)) == (1, 0, 0, 1)
