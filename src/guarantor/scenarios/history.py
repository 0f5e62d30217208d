"""History: judge every incident by the version in force at its time, re-evaluate all of it
under one chosen version, and list what two versions would decide differently.

Versions apply in event time from their ``effective`` time until the next version's
(``[effective_i, effective_{i+1})``). :func:`evaluate_history` runs the batch target once per
version over the incidents before that version's end (earlier incidents are kept, since
windows reach back across the amendment) and keeps the results whose time lies in the
version's own interval; incidents before the first version's ``effective`` time are judged by
no version. Within a version each rule revision applies over its own ``applies``, so an
overlay's clipped baseline revisions still judge the incidents before the amendment.

:func:`evaluate_under` is "what if this version had always been the text": the batch target
over all history with one version. :func:`diff` compares two versions over the same
incidents. Activation and obligation ids do not contain the version, so the same activation
under both versions is matched, and differences are ``added`` (only under ``b``),
``removed`` (only under ``a``) or ``changed`` (present under both, with a different revision,
measure, threshold or due time).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from guarantor.agreement.loader import LoadedAgreement
from guarantor.agreement.model import ResolvedVersion
from guarantor.scenarios.batch import evaluate_batch, evaluate_prepared
from guarantor.scenarios.compile import timestamp_us
from guarantor.scenarios.frame import prepare_incidents
from guarantor.scenarios.program import compile_version
from guarantor.scenarios.results import Results

__all__ = ["VersionDiff", "diff", "evaluate_history", "evaluate_under", "version_intervals"]

_UTC = pl.Datetime("us", "UTC")
_NO_END = 2**62


def version_intervals(agreement: LoadedAgreement) -> list[tuple[ResolvedVersion, int, int]]:
    """Each version with the event-time interval ``[start, end)`` (microseconds) it governs."""
    ordered = sorted(agreement.versions, key=lambda v: v.version.effective)
    starts = [timestamp_us(v.version.effective) for v in ordered]
    ends = [*starts[1:], _NO_END]
    return list(zip(ordered, starts, ends, strict=True))


def evaluate_history(agreement: LoadedAgreement, incidents: pl.DataFrame) -> Results:
    """Every incident judged by the version in force at its event time."""
    frame = prepare_incidents(incidents)
    pieces: list[Results] = []
    notes: list[str] = []
    for version, start, end in version_intervals(agreement):
        program = compile_version(version)
        notes.extend(n for n in program.notes if n not in notes)
        result = evaluate_prepared(program, frame.filter(pl.col("_t") < end))
        pieces.append(_within(result, start, end))
    if not pieces:
        return Results.empty(tuple(notes))
    return Results(
        pl.concat([p.violations for p in pieces]),
        pl.concat([p.activations for p in pieces]),
        pl.concat([p.obligations for p in pieces]),
        tuple(notes),
    ).sorted()


def _within(result: Results, start: int, end: int) -> Results:
    def inside(column: str) -> pl.Expr:
        moment = pl.col(column).cast(pl.Int64)
        return (moment >= start) & (moment < end)

    activations = result.activations.filter(inside("time"))
    kept = activations["activation_id"].implode()
    return Results(
        result.violations.filter(inside("time")),
        activations,
        result.obligations.filter(pl.col("activation_id").is_in(kept)),
        result.notes,
    )


def evaluate_under(
    agreement: LoadedAgreement, incidents: pl.DataFrame, version_id: str | None = None
) -> Results:
    """All history re-evaluated under one version (the latest when ``version_id`` is None)."""
    return evaluate_batch(agreement.version(version_id), incidents)


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """What two versions decide differently over the same incidents.

    Each frame has a ``change`` column (``added``, ``removed``, ``changed``) and the values
    under ``a`` and under ``b`` side by side (suffixes ``_a`` and ``_b``).
    """

    a: str
    b: str
    violations: pl.DataFrame
    activations: pl.DataFrame
    obligations: pl.DataFrame

    @property
    def empty(self) -> bool:
        return (
            self.violations.is_empty()
            and self.activations.is_empty()
            and (self.obligations.is_empty())
        )


def diff(a: ResolvedVersion, b: ResolvedVersion, incidents: pl.DataFrame) -> VersionDiff:
    """The violations, activations and obligations that differ between versions a and b."""
    first, second = evaluate_batch(a, incidents), evaluate_batch(b, incidents)
    return VersionDiff(
        a=a.version.id,
        b=b.version.id,
        violations=_compare(
            first.violations,
            second.violations,
            ["incident_id", "rule_id"],
            ["revision", "clause", "time"],
        ),
        activations=_compare(
            first.activations,
            second.activations,
            ["activation_id"],
            ["rule_id", "incident_id", "revision", "group", "time", "measure", "threshold"],
        ),
        obligations=_compare(
            first.obligations,
            second.obligations,
            ["obligation_id"],
            ["activation_id", "directive_id", "party", "action", "due"],
        ),
    )


def _compare(a: pl.DataFrame, b: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    left = a.select(*keys, *values, pl.lit(True).alias("_in_a"))
    right = b.select(*keys, *values, pl.lit(True).alias("_in_b"))
    joined = left.join(right, on=keys, how="full", coalesce=True, suffix="_b")
    joined = joined.rename({v: f"{v}_a" for v in values})
    differs = pl.any_horizontal(*[pl.col(f"{v}_a").ne_missing(pl.col(f"{v}_b")) for v in values])
    change = (
        pl.when(pl.col("_in_a").is_null())
        .then(pl.lit("added"))
        .when(pl.col("_in_b").is_null())
        .then(pl.lit("removed"))
        .when(differs)
        .then(pl.lit("changed"))
        .otherwise(None)
    )
    columns = [c for v in values for c in (f"{v}_a", f"{v}_b")]
    return (
        joined.with_columns(change.alias("change"))
        .filter(pl.col("change").is_not_null())
        .select("change", *keys, *columns)
        .sort(keys)
    )
