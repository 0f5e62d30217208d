"""The peers of the rules-engine benchmark (see engine.py): raw DuckDB, raw Polars, Rust CEL
and durable_rules, each returning the same comparison sets as ours."""

from __future__ import annotations

import contextlib
import os
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "scenarios"))

from engine_workload import (  # noqa: E402
    COMPOUND_SECTORS,
    COS_HQ,
    FENCE,
    HQ,
    KM_PER_DEG,
    PREDICATES,
    RADIUS_KM,
    SECTORS,
    SET_SECTORS,
    SET_TYPES,
    TYPES,
    WINDOW_US,
    Activations,
    Violations,
    Workload,
    flat_km,
)


def rising_edges(
    rule_ids: list[str], rule_idx: np.ndarray, rows: np.ndarray, counts: np.ndarray, n_of: list[int]
) -> Activations:
    """Activations from per-pair window counts sorted by (rule, time)."""
    thresholds = np.array(n_of)[rule_idx]
    holds = counts > thresholds
    first = np.ones(len(rule_idx), dtype=bool)
    first[1:] = rule_idx[1:] != rule_idx[:-1]
    prev = np.zeros(len(rule_idx), dtype=bool)
    prev[1:] = holds[:-1]
    prev &= ~first
    act = holds & ~(prev & (counts - 1 > thresholds))
    return {
        (rule_ids[r], int(i), int(c))
        for r, i, c in zip(rule_idx[act], rows[act], counts[act], strict=True)
    }


def peer_tables(w: Workload) -> tuple[pl.DataFrame, pl.DataFrame]:
    incidents = pl.DataFrame(
        {
            "row": np.arange(len(w), dtype=np.int64),
            "t": w.times,
            "type": np.array(TYPES)[w.types],
            "severity": w.severity.astype(np.int64),
            "sector": np.array(SECTORS)[w.sectors],
            "lon": w.lon,
            "lat": w.lat,
        }
    )
    rules = pl.DataFrame(
        {
            "rule": np.arange(len(w.windows), dtype=np.int64),
            "r_type": [x.type for x in w.windows],
            "r_sev": [x.min_severity for x in w.windows],
            "r_sector": [x.sector for x in w.windows],
        }
    )
    return incidents, rules


def _fence_sql(lon: str, lat: str) -> str:
    """Inside the triangle: the same side of all three edges (counter-clockwise ring)."""
    terms = []
    for (x1, y1), (x2, y2) in zip(FENCE, (*FENCE[1:], FENCE[0]), strict=True):
        terms.append(f"(({x2} - {x1}) * ({lat} - {y1}) - ({y2} - {y1}) * ({lon} - {x1}) > 0)")
    return " AND ".join(terms)


def _radius_sql(lon: str, lat: str) -> str:
    dx = f"(({lon} - {HQ[0]}) * {KM_PER_DEG * COS_HQ})"
    dy = f"(({lat} - {HQ[1]}) * {KM_PER_DEG})"
    return f"({dx} * {dx} + {dy} * {dy} <= {RADIUS_KM * RADIUS_KM})"


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


PREDICATE_SQL = {
    "p_type_severity": "type = 'shelling' AND severity >= 4",
    "p_geofence": _fence_sql("lon", "lat"),
    "p_set": f"sector IN ({_quoted(SET_SECTORS)}) AND type IN ({_quoted(SET_TYPES)})",
    "p_radius": _radius_sql("lon", "lat"),
    "p_compound": (
        "type IN ('shelling', 'drone') AND severity >= 3 AND "
        f"sector IN ({_quoted(COMPOUND_SECTORS)}) AND NOT (severity = 5)"
    ),
}


def run_duckdb(w: Workload) -> Callable[[], tuple[Activations, Violations]]:
    import duckdb

    incidents, rules = peer_tables(w)
    con = duckdb.connect()
    con.register("incidents_view", incidents.to_arrow())
    con.register("rules_view", rules.to_arrow())
    con.execute("CREATE TABLE incidents AS SELECT * FROM incidents_view")
    con.execute("CREATE TABLE rules AS SELECT * FROM rules_view")
    rule_ids = [x.id for x in w.windows]
    windows_sql = f"""
        SELECT r.rule, i.row, count(*) OVER (
            PARTITION BY r.rule ORDER BY i.t
            RANGE BETWEEN {WINDOW_US - 1} PRECEDING AND CURRENT ROW) AS cnt
        FROM incidents i JOIN rules r
          ON i.type = r.r_type AND i.sector = r.r_sector AND i.severity >= r.r_sev
        ORDER BY r.rule, i.t"""
    violations_sql = " UNION ALL ".join(
        f"SELECT {k} AS p, row FROM incidents WHERE {cond}"
        for k, cond in enumerate(PREDICATE_SQL.values())
    )
    names = list(PREDICATE_SQL)

    def go() -> tuple[Activations, Violations]:
        pairs = con.execute(windows_sql).fetchnumpy()
        found = con.execute(violations_sql).fetchnumpy()
        acts = rising_edges(
            rule_ids, pairs["rule"], pairs["row"], pairs["cnt"], [x.threshold for x in w.windows]
        )
        return acts, {(names[p], int(r)) for p, r in zip(found["p"], found["row"], strict=True)}

    return go


def run_polars(w: Workload) -> Callable[[], tuple[Activations, Violations]]:
    incidents, rules = peer_tables(w)
    incidents = incidents.with_columns(ts=pl.col("t").cast(pl.Datetime("us")))
    rule_ids = [x.id for x in w.windows]
    c = pl.col
    fence = pl.lit(True)
    for (x1, y1), (x2, y2) in zip(FENCE, (*FENCE[1:], FENCE[0]), strict=True):
        fence = fence & ((x2 - x1) * (c("lat") - y1) - (y2 - y1) * (c("lon") - x1) > 0)
    dx = (c("lon") - HQ[0]) * (KM_PER_DEG * COS_HQ)
    dy = (c("lat") - HQ[1]) * KM_PER_DEG
    predicates = {
        "p_type_severity": (c("type") == "shelling") & (c("severity") >= 4),
        "p_geofence": fence,
        "p_set": c("sector").is_in(SET_SECTORS) & c("type").is_in(SET_TYPES),
        "p_radius": dx * dx + dy * dy <= RADIUS_KM * RADIUS_KM,
        "p_compound": c("type").is_in(["shelling", "drone"])
        & (c("severity") >= 3)
        & c("sector").is_in(COMPOUND_SECTORS)
        & ~(c("severity") == 5),
    }

    def go() -> tuple[Activations, Violations]:
        pairs = (
            incidents.lazy()
            .join(rules.lazy(), left_on=["type", "sector"], right_on=["r_type", "r_sector"])
            .filter(c("severity") >= c("r_sev"))
            .sort("rule", "ts")
            .with_columns(one=pl.lit(1, pl.Int64))
            .with_columns(
                cnt=pl.col("one").rolling_sum_by("ts", "24h", closed="right").over("rule")
            )
            .select("rule", "row", "cnt")
            .collect()
        )
        found = (
            incidents.lazy()
            .select(*[pl.when(e).then(c("row")).alias(k) for k, e in predicates.items()])
            .collect()
        )
        acts = rising_edges(
            rule_ids,
            pairs["rule"].to_numpy(),
            pairs["row"].to_numpy(),
            pairs["cnt"].to_numpy(),
            [x.threshold for x in w.windows],
        )
        violations = {(k, int(r)) for k in predicates for r in found[k].drop_nulls().to_list()}
        return acts, violations

    return go


class HostWindow:
    """The per-rule window a per-event engine cannot keep: times in (t - 24 h, t]."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.times: deque[int] = deque()
        self.holds = False

    def add(self, t: int) -> int | None:
        """The count if this arrival activates (rising edge), else None."""
        self.times.append(t)
        while self.times[0] <= t - WINDOW_US:
            self.times.popleft()
        count = len(self.times)
        holds = count > self.threshold
        fires = holds and not (self.holds and count - 1 > self.threshold)
        self.holds = holds
        return count if fires else None


def _event(w: Workload, i: int) -> dict[str, Any]:
    return {
        "row": i,
        "type": TYPES[w.types[i]],
        "severity": int(w.severity[i]),
        "sector": SECTORS[w.sectors[i]],
        "lon": float(w.lon[i]),
        "lat": float(w.lat[i]),
    }


def run_cel(w: Workload) -> Callable[[], tuple[Activations, Violations]]:
    import cel

    def fence_cel() -> str:
        terms = []
        for (x1, y1), (x2, y2) in zip(FENCE, (*FENCE[1:], FENCE[0]), strict=True):
            terms.append(f"(({x2} - {x1}) * (lat - {y1}) - ({y2} - {y1}) * (lon - {x1}) > 0.0)")
        return " && ".join(terms)

    dx = f"((lon - {HQ[0]}) * {KM_PER_DEG * COS_HQ})"
    dy = f"((lat - {HQ[1]}) * {KM_PER_DEG})"
    sources = {
        "p_type_severity": 'type == "shelling" && severity >= 4',
        "p_geofence": fence_cel(),
        "p_set": PREDICATES["p_set"],
        "p_radius": f"{dx} * {dx} + {dy} * {dy} <= {RADIUS_KM * RADIUS_KM}",
        "p_compound": PREDICATES["p_compound"],
    }
    predicates = {k: cel.compile(v) for k, v in sources.items()}
    windows = [
        (
            x.id,
            cel.compile(
                f'type == "{x.type}" && severity >= {x.min_severity} && sector == "{x.sector}"'
            ),
        )
        for x in w.windows
    ]

    def go() -> tuple[Activations, Violations]:
        state = {x.id: HostWindow(x.threshold) for x in w.windows}
        acts: Activations = set()
        violations: Violations = set()
        for i in range(len(w)):
            event = _event(w, i)
            t = int(w.times[i])
            for rule_id, program in windows:
                if program.execute(event):
                    count = state[rule_id].add(t)
                    if count is not None:
                        acts.add((rule_id, i, count))
            for name, program in predicates.items():
                if program.execute(event):
                    violations.add((name, i))
        return acts, violations

    return go


def run_durable(w: Workload) -> Callable[[], tuple[Activations, Violations]]:
    """One ruleset per rule: in durable_rules an event is consumed by the first rule that
    matches it, so rules sharing a ruleset would not all see it. The geofence and radius
    are computed host-side (its conditions have no arithmetic on two fields)."""
    from durable.engine import MessageNotHandledException
    from durable.lang import m, post, ruleset, when_all

    tag = f"bench{os.getpid()}_{len(w)}"
    acts: Activations = set()
    violations: Violations = set()
    state = {x.id: HostWindow(x.threshold) for x in w.windows}
    names: list[str] = []

    def on_window(rule_id: str) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            count = state[rule_id].add(int(c.m.t))
            if count is not None:
                acts.add((rule_id, int(c.m.row), count))

        return action

    def on_predicate(name: str) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            violations.add((name, int(c.m.row)))

        return action

    conditions: list[tuple[str, Any, Callable[[Any], None]]] = [
        (
            x.id,
            (m.type == x.type) & (m.severity >= x.min_severity) & (m.sector == x.sector),
            on_window(x.id),
        )
        for x in w.windows
    ]
    set_cond = ((m.sector == "S01") | (m.sector == "S05") | (m.sector == "S09")) & (
        (m.type == "clash") | (m.type == "sniper")
    )
    compound = (
        ((m.type == "shelling") | (m.type == "drone"))
        & (m.severity >= 3)
        & ((m.sector == "S02") | (m.sector == "S03") | (m.sector == "S04") | (m.sector == "S10"))
        & (m.severity != 5)
    )
    conditions += [
        ("p_type_severity", (m.type == "shelling") & (m.severity >= 4), None),
        ("p_geofence", m.in_fence == 1, None),
        ("p_set", set_cond, None),
        ("p_radius", m.near == 1, None),
        ("p_compound", compound, None),
    ]
    for rule_id, condition, action in conditions:
        name = f"{tag}_{rule_id}"
        with ruleset(name):
            when_all(condition)(action or on_predicate(rule_id))
        names.append(name)
    in_fence = np.ones(len(w), dtype=bool)
    for (x1, y1), (x2, y2) in zip(FENCE, (*FENCE[1:], FENCE[0]), strict=True):
        in_fence &= (x2 - x1) * (w.lat - y1) - (y2 - y1) * (w.lon - x1) > 0

    def go() -> tuple[Activations, Violations]:
        near = flat_km(w.lon, w.lat) <= RADIUS_KM
        for i in range(len(w)):
            event = _event(w, i)
            event["t"] = int(w.times[i])
            event["in_fence"] = int(in_fence[i])
            event["near"] = int(near[i])
            for name in names:
                with contextlib.suppress(MessageNotHandledException):  # no rule matched
                    post(name, dict(event))
        return acts, violations

    return go


# ------------------------------------------------------------------------------- main
