"""Rules-engine benchmark (issue #5, point 8): our batch and stream against peers.

Workload (deterministic, NumPy): ``--incidents`` incidents over 180 days (background plus
bursts so that thresholds fire); 20 sliding-24-hour rules "count of type T with severity >= k
in sector S over (t - 24 h, t] > N" and 5 per-incident predicates (type and severity; a
geofence polygon; set membership; a radius; a compound condition). Ours gives explanations.

Peers: raw DuckDB (rules as a table joined to incidents, a RANGE window), raw Polars (the same
join, ``rolling_sum_by``), Rust CEL (``common-expression-language``, per event, host-kept
window) and ``durable_rules`` (per event, host-kept window). The per-event peers run on
``--slow-peer-incidents`` (the first incidents in time order); their rate is extrapolated.

Every engine's results are compared with ours on the same incidents: the set of
(rule, incident, window count) activations, an activation being the rising edge defined in
``guarantor.scenarios.windows`` (count > N, and not (previous count > N and count - 1 > N)),
and the set of (rule, incident) violations.

Peers are not project dependencies; install them for the run::

    .venv/bin/pip install duckdb common-expression-language durable_rules
    .venv/bin/python benchmarks/engine.py --incidents 1000000 --slow-peer-incidents 20000
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "scenarios"))

from engine_factories import engine_version, rule, window_rule  # noqa: E402

from guarantor.agreement.model import ResolvedVersion, Zone  # noqa: E402
from guarantor.scenarios import LiveResults, StreamEvaluator, evaluate_batch  # noqa: E402

DAY_US = 86_400_000_000
WINDOW_US = DAY_US
START_US = 1_577_836_800_000_000 + 10 * DAY_US  # 2020-01-11 UTC, after the rules apply
TYPES = ("shelling", "drone", "clash", "sniper")
TYPE_P = np.array([0.4, 0.25, 0.2, 0.15])
SECTORS = tuple(f"S{i:02d}" for i in range(20))
SEVERITY_P = np.array([0.3, 0.3, 0.2, 0.12, 0.08])  # severity 1..5
FENCE = ((37.0, 47.0), (38.5, 47.2), (37.5, 48.4))  # a triangle (lon, lat)
HQ = (37.8, 48.0)  # the radius centre (lon, lat)
RADIUS_KM = 30.0
KM_PER_DEG = 111.19
COS_HQ = math.cos(math.radians(HQ[1]))
SET_SECTORS = ("S01", "S05", "S09")
SET_TYPES = ("clash", "sniper")
COMPOUND_SECTORS = ("S02", "S03", "S04", "S10")

Activations = set[tuple[str, int, int]]  # (rule, incident row, window count)
Violations = set[tuple[str, int]]  # (rule, incident row)


@dataclass(frozen=True)
class WindowSpec:
    id: str
    type: str
    min_severity: int
    sector: str
    threshold: int


@dataclass(frozen=True)
class Workload:
    times: np.ndarray  # int64 microseconds UTC, strictly increasing
    types: np.ndarray  # int index into TYPES
    severity: np.ndarray  # int 1..5
    sectors: np.ndarray  # int index into SECTORS
    lon: np.ndarray
    lat: np.ndarray
    windows: tuple[WindowSpec, ...]

    def __len__(self) -> int:
        return len(self.times)

    def head(self, n: int) -> Workload:
        cut = {k: getattr(self, k)[:n] for k in ("times", "types", "severity", "sectors")}
        return Workload(**cut, lon=self.lon[:n], lat=self.lat[:n], windows=self.windows)

    def frame(self) -> pl.DataFrame:
        n = len(self)
        ids = pl.Series("incident_id", np.arange(n)).cast(pl.String).str.zfill(8)
        return pl.DataFrame(
            {
                "incident_id": ("i" + ids).to_numpy(),
                "time": pl.Series(self.times).cast(pl.Datetime("us", "UTC")),
                "lat": self.lat,
                "lon": self.lon,
                "sector": np.array(SECTORS)[self.sectors],
                "type": np.array(TYPES)[self.types],
                "severity": pl.Series(self.severity).cast(pl.Int8),
            }
        )


def flat_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distance to HQ on the local equirectangular plane (every peer uses this formula)."""
    dx = (lon - HQ[0]) * KM_PER_DEG * COS_HQ
    dy = (lat - HQ[1]) * KM_PER_DEG
    return np.sqrt(dx * dx + dy * dy)


def generate(n: int, seed: int = 20240505) -> Workload:
    rng = np.random.default_rng(seed)
    span = 180 * DAY_US
    bursts = max(1, n // 4000)
    per_burst = 120
    n_burst = min(n // 2, bursts * per_burst)
    n_bg = n - n_burst
    times = rng.integers(0, span, n_bg)
    types = rng.choice(len(TYPES), n_bg, p=TYPE_P)
    severity = rng.choice(5, n_bg, p=SEVERITY_P) + 1
    sectors = rng.integers(0, len(SECTORS), n_bg)
    if n_burst:
        k = n_burst // per_burst
        starts = rng.integers(0, span - DAY_US, k)
        b_times = (starts[:, None] + rng.integers(0, 3 * 3_600_000_000, (k, per_burst))).ravel()
        targets = rng.integers(0, 20, k)  # each burst hits one window rule's type and sector
        b_types = np.repeat(targets % len(TYPES), per_burst)
        b_sectors = np.repeat((targets * 7) % len(SECTORS), per_burst)
        b_sev = rng.integers(3, 6, k * per_burst)
        times = np.concatenate([times, b_times])
        types = np.concatenate([types, b_types])
        severity = np.concatenate([severity, b_sev])
        sectors = np.concatenate([sectors, b_sectors])
        extra = n - len(times)
        if extra:
            times = np.concatenate([times, rng.integers(0, span, extra)])
            types = np.concatenate([types, np.zeros(extra, dtype=types.dtype)])
            severity = np.concatenate([severity, np.ones(extra, dtype=severity.dtype)])
            sectors = np.concatenate([sectors, np.zeros(extra, dtype=sectors.dtype)])
    order = np.argsort(times, kind="stable")
    times = times[order]
    # strictly increasing: no ties, so every engine orders incidents the same way
    times = np.maximum.accumulate(times - np.arange(n)) + np.arange(n) + START_US
    lon = rng.uniform(36.0, 39.0, n)
    lat = rng.uniform(46.5, 49.0, n)
    # keep points clear of the radius boundary (the peers use a flat-earth distance):
    # those within 0.6 km of it are moved radially out to 32 km
    distance = flat_km(lon, lat)
    near = np.abs(distance - RADIUS_KM) < 0.6
    lon[near] = HQ[0] + (lon[near] - HQ[0]) * 32.0 / distance[near]
    lat[near] = HQ[1] + (lat[near] - HQ[1]) * 32.0 / distance[near]
    rules = []
    daily = n / 180
    for i in range(20):
        t, k, s = i % len(TYPES), 2 + i % 3, (i * 7) % len(SECTORS)
        expected = daily * TYPE_P[t] * SEVERITY_P[k - 1 :].sum() / len(SECTORS)
        threshold = math.ceil(expected * 1.6 + 4)
        rules.append(WindowSpec(f"w{i + 1:02d}", TYPES[t], k, SECTORS[s], threshold))
    return Workload(
        times.astype(np.int64),
        types[order],
        severity[order],
        sectors[order],
        lon,
        lat,
        tuple(rules),
    )


# ---------------------------------------------------------------- our version of the rules

PREDICATES = {
    "p_type_severity": 'type == "shelling" && severity >= 4',
    "p_geofence": 'in_zone("fence")',
    "p_set": f"sector in {list(SET_SECTORS)} && type in {list(SET_TYPES)}".replace("'", '"'),
    "p_radius": f'within_km("hq", {RADIUS_KM})',
    "p_compound": (
        '(type == "shelling" || type == "drone") && severity >= 3 && '
        f"sector in {list(COMPOUND_SECTORS)} && !(severity == 5)"
    ).replace("'", '"'),
}


def build_version(workload: Workload) -> ResolvedVersion:
    rules = [
        window_rule(
            w.id,
            f'type == "{w.type}" && severity >= {w.min_severity} && sector == "{w.sector}"',
            threshold=w.threshold,
            group_by=("sector",),
        )
        for w in workload.windows
    ]
    rules += [rule(name, text) for name, text in PREDICATES.items()]
    version = engine_version(*rules)
    ring = [list(p) for p in (*FENCE, FENCE[0])]
    fence = Zone(
        "fence",
        "Fence",
        "geometry",
        "src",
        "illustrative",
        {"type": "Polygon", "coordinates": [ring]},
    )
    hq = Zone(
        "hq", "HQ", "geometry", "src", "illustrative", {"type": "Point", "coordinates": list(HQ)}
    )
    from dataclasses import replace

    return replace(version, zones=(*version.zones, fence, hq))


def results_sets(results: Any) -> tuple[Activations, Violations]:
    acts = results.activations
    rows = acts["incident_id"].str.slice(1).cast(pl.Int64).to_list()
    activations = {
        (r, i, int(m))
        for r, i, m in zip(acts["rule_id"].to_list(), rows, acts["measure"].to_list(), strict=True)
    }
    vio = results.violations
    vrows = vio["incident_id"].str.slice(1).cast(pl.Int64).to_list()
    return activations, set(zip(vio["rule_id"].to_list(), vrows, strict=True))


# ------------------------------------------------------------------------- measuring


class PeakRss:
    """Peak resident memory above the level at entry, sampled every 5 ms."""

    def __enter__(self) -> PeakRss:
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    name: str
    n: int
    seconds: float
    mem_mb: float
    activations: Activations
    violations: Violations
    note: str = ""

    @property
    def rate(self) -> float:
        return self.n / self.seconds


def measure(
    name: str, n: int, fn: Callable[[], tuple[Activations, Violations]], note: str = ""
) -> Run:
    with PeakRss() as mem:
        began = time.perf_counter()
        activations, violations = fn()
        seconds = time.perf_counter() - began
    return Run(name, n, seconds, mem.delta_mb, activations, violations, note)


# ------------------------------------------------------------------------------ ours


def run_batch(version: ResolvedVersion, frame: pl.DataFrame) -> Callable[[], Any]:
    def go() -> tuple[Activations, Violations]:
        results = evaluate_batch(version, frame, deduplicate=False)
        _ = results.activations["explanation"], results.violations["explanation"]
        go.results = results  # type: ignore[attr-defined]
        return set(), set()

    return go


def run_stream(version: ResolvedVersion, frame: pl.DataFrame, chunk: int) -> Callable[[], Any]:
    def go() -> tuple[Activations, Violations]:
        stream = StreamEvaluator(version, lateness_seconds=3600)
        live = LiveResults()
        for offset in range(0, frame.height, chunk):
            live.apply(stream.push_frame(frame.slice(offset, chunk)))
        go.results = live.results()  # type: ignore[attr-defined]  # builds explanations
        return set(), set()

    return go


# ----------------------------------------------------------------------------- peers


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


def main() -> None:  # noqa: PLR0915 - one linear report
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--slow-peer-incidents", type=int, default=20_000)
    parser.add_argument("--stream-chunk", type=int, default=50_000)
    args = parser.parse_args()

    began = time.perf_counter()
    work = generate(args.incidents)
    small = work.head(min(args.slow_peer_incidents, args.incidents))
    frame, small_frame = work.frame(), small.frame()
    version = build_version(work)
    print(
        f"workload: {len(work):,} incidents over 180 days, 20 window rules (24 h, by sector), "
        f"5 predicates; generated in {time.perf_counter() - began:.1f} s"
    )
    print(
        "compared: set of (rule, incident, window count) activations (rising edge of "
        "count over (t-24h, t] > N) and set of (rule, incident) violations"
    )

    runs: list[tuple[Run, Run | None]] = []  # (run, the run of ours it is compared with)
    batch_fn = run_batch(version, frame)
    batch = measure("guarantor batch (with explanations)", len(work), batch_fn)
    batch.activations, batch.violations = results_sets(batch_fn.results)  # type: ignore[attr-defined]
    runs.append((batch, None))
    print(f"  ours: {len(batch.activations):,} activations, {len(batch.violations):,} violations")
    stream_fn = run_stream(version, frame, args.stream_chunk)
    stream = measure(
        "guarantor stream (push_frame, LiveResults)",
        len(work),
        stream_fn,
        f"chunks of {args.stream_chunk:,}",
    )
    stream.activations, stream.violations = results_sets(stream_fn.results)  # type: ignore[attr-defined]
    runs.append((stream, batch))

    small_fn = run_batch(version, small_frame)
    small_run = measure("guarantor batch (slow-peer subset)", len(small), small_fn)
    small_run.activations, small_run.violations = results_sets(small_fn.results)  # type: ignore[attr-defined]

    peers: list[tuple[str, Callable[[Workload], Any], Workload, Run, str]] = [
        ("DuckDB raw window query (floor)", run_duckdb, work, batch, ""),
        ("Polars raw (join + rolling_sum_by)", run_polars, work, batch, ""),
        ("Rust CEL per event (host window)", run_cel, small, small_run, "extrapolated"),
        ("durable_rules per event (host window)", run_durable, small, small_run, "extrapolated"),
    ]
    for name, factory, data, ours, note in peers:
        try:
            fn = factory(data)
        except Exception as error:
            print(f"peer {name} unavailable: {type(error).__name__}: {error}")
            continue
        label = f"{note} from {len(data):,}" if note else ""
        runs.append((measure(name, len(data), fn, label), ours))

    print()
    header = f"{'engine':44} {'incidents/s':>13} {'wall s':>8} {'peak MB':>8} {'ours/it':>8}  equal"
    print(header)
    print("-" * len(header))
    for run, ours in runs:
        reference = ours or batch
        equal = (
            "(reference)"
            if ours is None
            else str(run.activations == ours.activations and run.violations == ours.violations)
        )
        ratio = batch.rate / run.rate
        print(
            f"{run.name:44} {run.rate:13,.0f} {run.seconds:8.2f} {run.mem_mb:8.0f} "
            f"{ratio:8.2f}  {equal}{'  ' + run.note if run.note else ''}"
        )
        if ours is not None and equal == "False":
            print(
                f"    differs: activations {len(run.activations):,} vs "
                f"{len(reference.activations):,}"
                f" (sym. diff {len(run.activations ^ reference.activations):,}), violations "
                f"{len(run.violations):,} vs {len(reference.violations):,} "
                f"(sym. diff {len(run.violations ^ reference.violations):,})"
            )
    by_name = {run.name: run for run, _ in runs}
    duck = by_name.get("DuckDB raw window query (floor)")
    per_event = [r for r in by_name.values() if "per event" in r.name]
    print()
    print(f"goal batch >= 5,000,000/s: {batch.rate >= 5e6} ({batch.rate:,.0f})")
    print(f"goal stream >= 500,000/s: {stream.rate >= 5e5} ({stream.rate:,.0f})")
    if duck:
        print(
            f"goal within 3x of DuckDB: {duck.rate / batch.rate <= 3} "
            f"(DuckDB/ours {duck.rate / batch.rate:.2f})"
        )
    if per_event:
        fastest = max(per_event, key=lambda r: r.rate)
        print(
            f"goal >= 100x fastest per-event peer ({fastest.name}): "
            f"{batch.rate / fastest.rate >= 100} ({batch.rate / fastest.rate:,.0f}x)"
        )


if __name__ == "__main__":
    main()
