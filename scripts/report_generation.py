"""How :mod:`generate_reports` makes its records: events drawn over time (trend, bursts, daily
rhythm) and along the line of contact, then several reports per event from different sources,
each with its own time, place, words and text; then re-sends and, on request, faulty records.

Everything is vectorised (NumPy + Polars), and the draws are made in a fixed order from one
seeded generator: the same arguments always give the same frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from report_vocabulary import (
    BURSTS,
    CALIBRES,
    ELSEWHERE,
    END,
    HOURLY,
    LINE,
    NEAR,
    PLACES,
    SOURCES,
    START,
    TARGETS,
    TYPES,
    US_PER_DAY,
    WEAPON_WORDS,
    WEAPONS,
)

from guarantor.evidence.reports import REPORT_SCHEMA

__all__ = ["CSV_COLUMNS", "generate", "write_csv"]

DERIVED = ("report_key", "raw", "row_number", "admin1", "admin2")
CSV_COLUMNS = tuple(c for c in REPORT_SCHEMA if c not in DERIVED)


def _choice(rng: np.random.Generator, n: int, weights: object) -> np.ndarray:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(p.size, size=n, p=p / p.sum())


def _conditional(rng: np.random.Generator, given: np.ndarray, table: np.ndarray) -> np.ndarray:
    """For each row, an index drawn from the row ``table[given]`` of weights."""
    cdf = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(given.size)
    index: np.ndarray = np.minimum((u[:, None] >= cdf[given]).sum(axis=1), table.shape[1] - 1)
    return index


def _pick(words: tuple[str | None, ...], idx: np.ndarray) -> pl.Series:
    """``words[idx]`` as a string column (None for null), without Python objects per row."""
    return pl.Series(list(words), dtype=pl.Utf8).gather(idx)


def _event_days(rng: np.random.Generator, m: int) -> np.ndarray:
    days = int((END - START).days)
    x = np.arange(days) / days
    trend = 2.5 * np.exp(-3 * x) + 0.6 - 0.35 * (x > 0.775)  # July 2020: fewer violations
    for centre, width, gain in BURSTS:
        trend = trend + gain * np.exp(-0.5 * ((x - centre) * days / width) ** 2)
    weekly_noise = rng.gamma(4.0, 0.25, size=days)
    return _choice(rng, m, trend * weekly_noise)


def _line_points(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    seg = rng.integers(0, len(LINE) - 1, m)
    t = rng.random(m)
    a, b = LINE[seg], LINE[seg + 1]
    lat = a[:, 0] + t * (b[:, 0] - a[:, 0])
    lon = a[:, 1] + t * (b[:, 1] - a[:, 1])
    spread = rng.standard_t(4, size=(m, 2)) * np.array([0.05, 0.07])
    return lat + spread[:, 0], lon + spread[:, 1]


def _events(rng: np.random.Generator, m: int) -> dict[str, np.ndarray]:
    day = _event_days(rng, m)
    second = _choice(rng, m, HOURLY) * 3600 + rng.integers(0, 3600, m)
    at = np.datetime64(START.replace(tzinfo=None), "us") + (
        day.astype(np.int64) * US_PER_DAY + second.astype(np.int64) * 1_000_000
    ).astype("timedelta64[us]")
    lat, lon = _line_points(rng, m)
    away = rng.random(m) < 0.04
    city = rng.integers(0, len(ELSEWHERE), m)
    city_xy = np.array([(p[1], p[2]) for p in ELSEWHERE])[city]
    lat = np.where(away, city_xy[:, 0] + rng.normal(0, 0.04, m), lat)
    lon = np.where(away, city_xy[:, 1] + rng.normal(0, 0.06, m), lon)
    kind = _choice(rng, m, [t[1] for t in TYPES])
    weapon = _conditional(rng, kind, np.array([t[3] for t in TYPES], dtype=np.float64))
    deaths = np.where(rng.random(m) < 0.03, rng.geometric(0.55, m), 0)
    injured = np.where(rng.random(m) < 0.06, rng.geometric(0.45, m), 0)
    order = np.argsort(at, kind="stable")
    return {
        "at": at[order],
        "lat": lat[order],
        "lon": lon[order],
        "type": kind[order],
        "weapon": weapon[order],
        "deaths": deaths[order],
        "injured": injured[order],
    }


def _nearest_place(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    xy = np.array([(p[1], p[2]) for p in PLACES])
    best = np.zeros(lat.size, dtype=np.int64)
    best_d = np.full(lat.size, np.inf)
    for i, (plat, plon) in enumerate(xy):
        d = (lat - plat) ** 2 + ((lon - plon) * 0.66) ** 2
        closer = d < best_d
        best[closer], best_d[closer] = i, d[closer]
    return best


def _times(rng: np.random.Generator, at: np.ndarray) -> dict[str, np.ndarray]:
    n = at.size
    jitter = rng.normal(0, 600, n).astype(np.int64) * 1_000_000
    at = at + jitter.astype("timedelta64[us]")
    at = at - (at.astype(np.int64) % 1_000_000).astype("timedelta64[us]")
    at = np.maximum(at, np.datetime64(START.replace(tzinfo=None), "us"))
    precision = _choice(rng, n, [80, 8, 5, 5, 2]) + 1
    day = at.astype("datetime64[D]").astype("datetime64[us]")
    span_days = np.array([0, 0, 4, 7, 30, 365])[precision]
    coarse = precision > 1
    at = np.where(coarse, day, at)
    until = np.where(
        coarse, day + (span_days * US_PER_DAY - 1_000_000).astype("timedelta64[us]"), at
    )
    return {"observed_at": at, "observed_until": until, "time_precision": precision}


def _places(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray) -> dict[str, object]:
    n = lat.size
    precision = _choice(rng, n, [52, 33, 10, 5]) + 1
    lat = np.round(lat + rng.normal(0, 0.01, n), 5)
    lon = np.round(lon + rng.normal(0, 0.014, n), 5)
    place = _nearest_place(lat, lon)
    ids = np.array([p[3] for p in PLACES])[place]
    named = rng.random(n) < 0.7
    name_only = pl.Series(rng.random(n) < 0.06)
    names = (None, *(p[0] for p in PLACES))
    return {
        "lat": pl.Series(lat).set(name_only, None),
        "lon": pl.Series(lon).set(name_only, None),
        "place_precision": pl.Series(precision, dtype=pl.Int8).set(name_only, None),
        "place_name": _pick(names, np.where(named | name_only.to_numpy(), place + 1, 0)),
        "geonames_id": pl.Series(
            np.where(named & ~name_only.to_numpy() & (rng.random(n) < 0.3), ids, 0),
            dtype=pl.Int64,
        ).replace(0, None),
    }


def _sources(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    src = _choice(rng, n, [s[3] for s in SOURCES])
    credibility = _choice(rng, n, [8, 30, 32, 12, 6, 12]) + 1
    return {"src": src, "credibility": credibility}


def _texts(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = frame.height
    count = pl.Series(rng.geometric(0.15, n))
    near = _pick(NEAR, rng.integers(0, len(NEAR), n))
    text = pl.concat_str(
        [
            pl.col("type_original").str.slice(0, 1).str.to_uppercase(),
            pl.col("type_original").str.slice(1),
            pl.lit(" ("),
            pl.lit(count),
            pl.lit(" recorded) "),
            pl.lit(near),
            pl.lit(" "),
            pl.col("place_name").fill_null("positions in the area"),
            pl.lit("."),
            pl.when(pl.col("deaths") > 0)
            .then(pl.format(" {} killed.", pl.col("deaths")))
            .otherwise(pl.lit("")),
        ]
    )
    year = pl.col("observed_at").dt.year().cast(pl.Utf8)
    serial = pl.int_range(pl.len()).cast(pl.Utf8)
    smm = pl.concat_str([pl.lit("https://www.osce.org/special-monitoring-mission-to-ukraine/"),
                         (pl.int_range(pl.len()) // 11 + 140_000).cast(pl.Utf8)])  # fmt: skip
    media = pl.concat_str([pl.lit("https://"), pl.col("outlet"), pl.lit("/news/"), year,
                           pl.lit("/"), serial])  # fmt: skip
    two = pl.lit(pl.Series(rng.random(n) < 0.1))
    urls = (
        pl.when(pl.col("outlet").is_not_null())
        .then(pl.when(two).then(pl.concat_str([media, pl.lit(";"), smm])).otherwise(media))
        .when(pl.col("source_id").str.starts_with("osce"))
        .then(smm)
        .otherwise(None)
    )
    return frame.with_columns(text.alias("text"), urls.alias("urls"))


def generate(
    rows: int, seed: int, *, duplicates: float = 0.005, invalid: float = 0.0
) -> pl.DataFrame:
    """The canonical report frame of ``rows`` records (columns :data:`CSV_COLUMNS`)."""
    rng = np.random.default_rng(seed)
    m = max(1, int(rows * 0.62))
    events = _events(rng, m)
    which = np.sort(rng.integers(0, m, rows))
    times = _times(rng, events["at"][which])
    places = _places(rng, events["lat"][which], events["lon"][which])
    sources = _sources(rng, rows)
    src = sources["src"]
    kind = events["type"][which]
    weapon = events["weapon"][which]
    alias = rng.integers(0, 1 << 30, rows)
    type_words = _pick(
        tuple(t[2][a % len(t[2])] for t in TYPES for a in range(12)), kind * 12 + alias % 12
    )
    weapon_words = _pick(
        tuple(w[a % len(w)] for i in range(len(WEAPONS)) for w in [WEAPON_WORDS[i]]
              for a in range(12)),
        weapon * 12 + alias % 12,
    )  # fmt: skip
    calibre = np.full(rows, np.nan)
    for w, options in CALIBRES.items():
        hit = (weapon == w) & (rng.random(rows) < 0.6)
        calibre[hit] = np.asarray(options)[rng.integers(0, len(options), hit.sum())]
    deaths = events["deaths"][which] * (rng.random(rows) < 0.8)
    injured = events["injured"][which] * (rng.random(rows) < 0.8)
    severity = np.select(
        [deaths >= 5, deaths > 0, injured > 0, rng.random(rows) < 0.25], [5, 4, 3, 2], 1
    )
    target = np.where(rng.random(rows) < 0.45, rng.integers(1, len(TARGETS) + 1, rows), 0)
    kind_of_source = np.array([s[1] for s in SOURCES])[src]
    grouped = np.isin(kind_of_source, (0, 1)) | (rng.random(rows) < 0.2)
    frame = pl.DataFrame(
        {
            "source_id": _pick(tuple(s[0] for s in SOURCES), src),
            "source_record_id": np.arange(rows),
            "event_ref": np.where(grouped, which, -1),
            "reliability": _pick(tuple(s[2] for s in SOURCES), src),
            "credibility": pl.Series(sources["credibility"], dtype=pl.Int8),
            "observed_at": pl.Series(times["observed_at"]).dt.replace_time_zone("UTC"),
            "observed_until": pl.Series(times["observed_until"]).dt.replace_time_zone("UTC"),
            "time_precision": pl.Series(times["time_precision"], dtype=pl.Int8),
            **places,
            "type": _pick(tuple(t[0] for t in TYPES), kind),
            "type_original": type_words,
            "weapon": _pick(WEAPONS, weapon),
            "weapon_original": weapon_words.set(pl.Series(rng.random(rows) >= 0.6), None),
            "calibre_mm": calibre,
            "severity": pl.Series(np.where(rng.random(rows) < 0.1, -1, severity), dtype=pl.Int8),
            "deaths": pl.Series(deaths, dtype=pl.Int32),
            "injured": pl.Series(injured, dtype=pl.Int32),
            "claimed_actor": _pick(
                (None, "ua", "cadlr-armed-formations", "ru"), _choice(rng, rows, [55, 20, 22, 3])
            ),
            "target": _pick((None, *TARGETS), target),
            "outlet": _pick(tuple(s[4] for s in SOURCES), src),
            "releasability": _pick(
                ("PUBLIC", "REL TO ua,us", "INTERNAL ua", "REL TO de,fr,ua"),
                _choice(rng, rows, [85, 8, 4, 3]),
            ),
        },
        strict=False,
    )
    frame = frame.with_columns(
        pl.concat_str([pl.col("source_id"), pl.lit("-"), pl.col("source_record_id")]).alias(
            "source_record_id"
        ),
        pl.when(pl.col("event_ref") >= 0)
        .then(pl.format("EV{}", pl.col("event_ref").cast(pl.Utf8).str.zfill(8)))
        .alias("event_ref"),
        pl.col("calibre_mm").fill_nan(None),
        pl.col("severity").replace(-1, None),
    )
    frame = _texts(frame, rng)
    frame = _resend(frame, rng, duplicates)
    frame = _spoil(frame, rng, invalid)
    return frame.select(CSV_COLUMNS)


def _resend(frame: pl.DataFrame, rng: np.random.Generator, share: float) -> pl.DataFrame:
    """Replace a share of the records by exact copies of earlier ones (re-sent records)."""
    n = frame.height
    k = int(n * share)
    if k == 0 or n < 2:
        return frame
    idx = np.arange(n)
    at = np.sort(rng.choice(np.arange(1, n), size=k, replace=False))
    idx[at] = (rng.random(k) * at).astype(np.int64)
    while True:
        again = idx[idx]
        if np.array_equal(again, idx):
            break
        idx = again
    return frame[idx]


def _spoil(frame: pl.DataFrame, rng: np.random.Generator, share: float) -> pl.DataFrame:
    """Break one validation rule in a share of the records (for tests of rejections)."""
    k = int(frame.height * share)
    if k == 0:
        return frame
    rows = pl.Series(rng.choice(frame.height, size=k, replace=False))
    fault = rng.integers(0, 4, k)
    mask = [pl.Series(np.zeros(frame.height, dtype=bool)).scatter(rows.filter(pl.Series(
        fault == f)), True) for f in range(4)]  # fmt: skip
    return frame.with_columns(
        pl.when(pl.lit(mask[0])).then(9).otherwise(pl.col("credibility")).cast(pl.Int8)
        .alias("credibility"),
        pl.when(pl.lit(mask[1]) & pl.col("lat").is_not_null()).then(95.5)
        .otherwise(pl.col("lat")).alias("lat"),
        pl.when(pl.lit(mask[2])).then(pl.lit("SECRET")).otherwise(pl.col("releasability"))
        .alias("releasability"),
        pl.when(pl.lit(mask[3])).then(None).otherwise(pl.col("type")).alias("type"),
    )  # fmt: skip


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write ``frame`` in the canonical CSV layout (UTC times with ``Z``, empty for null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.with_columns(
        pl.col("observed_at", "observed_until").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    text.write_csv(path, line_terminator="\n")
