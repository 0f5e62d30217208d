"""Analyst decisions on incidents, and how they become constraints and statuses.

Decisions name *reports*, never incident ids: incident ids follow membership, reports do
not change. So a decision survives every re-run of fusion, including runs with new reports.

- :class:`Merge` these reports are one event (must-links).
- :class:`Split` these groups of reports are different events (must-links inside each group,
  the groups exclusive).
- :class:`NotSame` these two reports are not the same event (an exclusive pair).
- :class:`Confirm` / :class:`Reject` the incident holding this report is confirmed / rejected.

Contradictions are settled by time: when a merge and a "not the same" name the same pair of
reports, the later decision wins. Indirect contradictions (a merge chain across a pair kept
apart) are refused by the clustering, which reports the refused merge as ``conflict``.
Of several Confirm/Reject decisions on one incident, the latest wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

__all__ = [
    "Confirm",
    "Decision",
    "Merge",
    "NotSame",
    "Reject",
    "Split",
    "decision_from_dict",
    "decision_reports",
    "decision_to_dict",
    "must_links",
    "not_same_groups",
    "status_decisions",
]


@dataclass(frozen=True, slots=True)
class Merge:
    report_keys: tuple[str, ...]
    who: str
    when: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Split:
    groups: tuple[tuple[str, ...], ...]
    who: str
    when: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class NotSame:
    first: str
    second: str
    who: str
    when: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Confirm:
    report_key: str
    who: str
    when: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Reject:
    report_key: str
    who: str
    when: datetime
    reason: str = ""


Decision = Merge | Split | NotSame | Confirm | Reject
_KINDS: dict[str, type[Decision]] = {
    "merge": Merge,
    "split": Split,
    "not_same": NotSame,
    "confirm": Confirm,
    "reject": Reject,
}


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    """A JSON-ready record of the decision (``when`` as ISO 8601), for storage."""
    kind = next(k for k, cls in _KINDS.items() if isinstance(decision, cls))
    record: dict[str, Any] = {"kind": kind, "who": decision.who, "reason": decision.reason}
    record["when"] = decision.when.isoformat()
    if isinstance(decision, Merge):
        record["report_keys"] = list(decision.report_keys)
    elif isinstance(decision, Split):
        record["groups"] = [list(g) for g in decision.groups]
    elif isinstance(decision, NotSame):
        record["first"], record["second"] = decision.first, decision.second
    else:
        record["report_key"] = decision.report_key
    return record


def decision_from_dict(record: Mapping[str, Any]) -> Decision:
    """The decision stored by :func:`decision_to_dict`."""
    who, reason = str(record["who"]), str(record.get("reason", ""))
    when = datetime.fromisoformat(str(record["when"]))
    kind = record["kind"]
    if kind == "merge":
        return Merge(tuple(record["report_keys"]), who, when, reason)
    if kind == "split":
        return Split(tuple(tuple(g) for g in record["groups"]), who, when, reason)
    if kind == "not_same":
        return NotSame(str(record["first"]), str(record["second"]), who, when, reason)
    if kind == "confirm":
        return Confirm(str(record["report_key"]), who, when, reason)
    if kind == "reject":
        return Reject(str(record["report_key"]), who, when, reason)
    raise ValueError(
        f"unknown decision kind {kind!r}; expected one of {', '.join(_KINDS)}, e.g. 'merge'"
    )


def decision_reports(decision: Decision) -> tuple[str, ...]:
    """Every report a decision names."""
    if isinstance(decision, Merge):
        return decision.report_keys
    if isinstance(decision, Split):
        return tuple(k for g in decision.groups for k in g)
    if isinstance(decision, NotSame):
        return (decision.first, decision.second)
    return (decision.report_key,)


def _pairs(decision: Decision) -> Iterable[tuple[str, str, bool]]:
    """(first, second, must) pairs a decision asks for."""
    if isinstance(decision, Merge):
        head = decision.report_keys[0] if decision.report_keys else ""
        yield from ((head, k, True) for k in decision.report_keys[1:])
    elif isinstance(decision, Split):
        for group in decision.groups:
            yield from ((group[0], k, True) for k in group[1:])
        heads = [g[0] for g in decision.groups if g]
        yield from ((x, y, False) for i, x in enumerate(heads) for y in heads[i + 1 :])
    elif isinstance(decision, NotSame):
        yield (decision.first, decision.second, False)


def _settled(decisions: Sequence[Decision]) -> dict[tuple[str, str], tuple[bool, datetime]]:
    """For each pair of reports, whether the latest decision on it joins or parts them."""
    latest: dict[tuple[str, str], tuple[bool, datetime]] = {}
    for decision in decisions:  # analyst decisions: a few, never one per report
        for x, y, must in _pairs(decision):
            if x == y:
                continue
            key = (min(x, y), max(x, y))
            if key not in latest or decision.when >= latest[key][1]:
                latest[key] = (must, decision.when)
    return latest


def must_links(decisions: Sequence[Decision]) -> pl.DataFrame:
    """Pairs to join (``first``, ``second``, ``when``), latest decision first."""
    rows = [(x, y, when) for (x, y), (must, when) in _settled(decisions).items() if must]
    frame = pl.DataFrame(
        rows,
        schema={"first": pl.Utf8, "second": pl.Utf8, "when": pl.Datetime("us", "UTC")},
        orient="row",
    )
    return frame.sort(["when", "first", "second"], descending=[True, False, False])


def not_same_groups(decisions: Sequence[Decision]) -> pl.DataFrame:
    """Exclusive groups (``report_key``, ``group`` as a number) from the kept cannot-links."""
    pairs = sorted((x, y) for (x, y), (must, _) in _settled(decisions).items() if not must)
    keys = [k for pair in pairs for k in pair]
    groups = [i for i in range(len(pairs)) for _ in (0, 1)]
    return pl.DataFrame(
        {"report_key": keys, "group": groups}, schema={"report_key": pl.Utf8, "group": pl.Int64}
    )


def status_decisions(decisions: Sequence[Decision]) -> pl.DataFrame:
    """Confirm and Reject decisions as rows: ``report_key``, ``status``, ``when``, ``who``."""
    rows = [
        (d.report_key, "confirmed" if isinstance(d, Confirm) else "rejected", d.when, d.who)
        for d in decisions
        if isinstance(d, Confirm | Reject)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "report_key": pl.Utf8,
            "status": pl.Utf8,
            "when": pl.Datetime("us", "UTC"),
            "who": pl.Utf8,
        },
        orient="row",
    )
