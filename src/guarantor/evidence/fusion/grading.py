"""Admiralty grades rolled up from reports to incidents, and the analyst status.

Reliability and credibility are judged separately ("each descriptor is considered in
isolation"), as the NATO Admiralty code says:

- **Reliability** of an incident is the best grade (A best, E worst) among its independent
  sources; F ("cannot be judged") only when no source has a grade from A to E.
- **Credibility** follows the code's own definitions: 1 "confirmed by other sources" when
  two or more *independent* sources report the incident (echoes do not count); otherwise
  the best credibility its reports were given, but never 1 (one source cannot confirm
  itself); 6 ("truth cannot be judged") when no report was graded.

**Status.** An analyst's latest Confirm or Reject wins; otherwise ``disputed`` when the
independent sources name different claimed actors, ``corroborated`` with two or more
independent sources, ``unverified`` with one.
"""

from __future__ import annotations

import polars as pl

__all__ = ["credibility", "reliability", "status"]

_GRADES = ["A", "B", "C", "D", "E"]


def reliability(grade: pl.Expr) -> pl.Expr:
    """Aggregation: the best A..E grade, else F (use inside ``group_by().agg``)."""
    cleaned = grade.str.strip_chars().str.to_uppercase()
    # Null out the other values, then min (nulls skipped): no per-group filter, which is slow.
    return pl.when(cleaned.is_in(_GRADES)).then(cleaned).min().fill_null(pl.lit("F"))


def credibility(grade: pl.Expr, sources: pl.Expr) -> pl.Expr:
    """Aggregation: 1 with two or more independent sources, else the best grade (2..6)."""
    best = pl.when(grade.is_between(1, 6)).then(grade).min()
    single = best.clip(2, 6).fill_null(6)
    return pl.when(sources >= 2).then(1).otherwise(single).cast(pl.Int8)


def status(sources: pl.Expr, actors: pl.Expr, decided: pl.Expr) -> pl.Expr:
    """The analyst status from the decided status (or null), sources and distinct actors."""
    return (
        pl.when(decided.is_not_null())
        .then(decided)
        .when(actors > 1)
        .then(pl.lit("disputed"))
        .when(sources >= 2)
        .then(pl.lit("corroborated"))
        .otherwise(pl.lit("unverified"))
    )
