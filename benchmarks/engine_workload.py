"""The workload of the rules-engine benchmark (see engine.py): incidents, the version
with 20 window rules and 5 predicates, and the sets every engine's results are compared by."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "scenarios"))

from engine_factories import engine_version, rule, window_rule  # noqa: E402

from guarantor.agreement.model import ResolvedVersion, Zone  # noqa: E402

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
