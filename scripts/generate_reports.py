"""Deterministic generator of realistic reports in the canonical CSV layout.

    .venv/bin/python scripts/generate_reports.py --rows 1000000 --seed 7 --out var/reports.csv

The columns are those of :data:`guarantor.evidence.reports.REPORT_SCHEMA` less the ones the
intake derives (``report_key``, ``raw``, ``row_number``, ``admin1``, ``admin2``), in that
order. Times are UTC (``2015-02-15T06:30:00Z``), 2015 to February 2022, with a daily rhythm
(fire mostly in the evening and at night) and bursts (Debaltseve 2015, Avdiivka 2017, the
weeks before 24 February 2022). Places cluster along the line of contact in Donbas with a
few in other cities; some reports give only a place name. Several reports of different
sources describe one event (they share its time and place within a little noise, and
``event_ref`` where the source groups events). A share of the records are exact re-sends of
an earlier one (``--duplicates``) and, on request, some break one validation rule
(``--invalid``).

Everything is vectorised (NumPy + Polars): 1,000,000 rows take a few seconds. The same
arguments always give a byte-identical file.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from guarantor.evidence.reports import REPORT_SCHEMA

__all__ = ["CSV_COLUMNS", "generate", "main", "write_csv"]

DERIVED = ("report_key", "raw", "row_number", "admin1", "admin2")
CSV_COLUMNS = tuple(c for c in REPORT_SCHEMA if c not in DERIVED)

START, END = datetime(2015, 1, 1, tzinfo=UTC), datetime(2022, 2, 24, tzinfo=UTC)
US_PER_DAY = 86_400_000_000

# (name, lat, lon, geonames id) from the shipped gazetteer; spellings as sources write them.
PLACES = (
    ("Avdiivka", 48.14019, 37.75008, 713122),
    ("Horlivka", 48.29986, 38.01709, 707753),
    ("Debaltseve", 48.33592, 38.40261, 710229),
    ("Shchastia", 48.73784, 39.23047, 694725),
    ("Popasna", 48.63168, 38.37104, 696566),
    ("Marinka", 47.94527, 37.50544, 701845),
    ("Shyrokyne", 47.09839, 37.81795, 694053),
    ("Krasnohorivka", 48.00462, 37.50692, 704393),
    ("Toretsk", 48.39477, 37.84780, 709354),
    ("Svitlodarsk", 48.43374, 38.22331, 692093),
    ("Zolote", 48.69516, 38.51512, 686868),
    ("Stanytsia Luhanska", 48.66247, 39.48358, 692953),
    ("Vuhlehirsk", 48.31488, 38.27179, 690822),
    ("Novoluhanske", 48.42610, 38.17510, 9115363),
    ("Hnutove", 47.21095, 37.75279, 9529748),
    ("Talakivka", 47.18497, 37.72118, 691947),
    ("Opytne", 48.09660, 37.72182, 9113127),
    ("Zaitseve", 48.39478, 38.02945, 687470),
    ("Donetsk", 48.02300, 37.80224, 709717),
    ("Luhansk", 48.56814, 39.30553, 702658),
)
ELSEWHERE = (
    ("Kyiv", 50.45466, 30.52380, 703448),
    ("Kharkiv", 49.98177, 36.25475, 706483),
    ("Odesa", 46.48572, 30.74383, 698740),
    ("Dnipro", 48.46664, 35.04066, 709930),
    ("Mariupol", 47.09514, 37.54131, 701822),
    ("Kramatorsk", 48.73106, 37.56779, 704508),
    ("Slovyansk", 48.84974, 37.59739, 693468),
    ("Lysychansk", 48.91211, 38.42088, 702972),
)
# The line of contact, roughly, south to north-east.
LINE = np.array(
    [[47.10, 37.90], [47.60, 37.65], [48.00, 37.60], [48.14, 37.78], [48.30, 38.05],
     [48.40, 38.30], [48.62, 38.45], [48.70, 38.95], [48.75, 39.25], [48.90, 39.80]]
)  # fmt: skip

# type id, weight, aliases (the source's words), weights over WEAPONS
WEAPONS = (
    "small_arms", "mortar", "artillery_below_100mm", "artillery_100mm_plus", "mlrs",
    "tank", "uav", "unknown", None,
)  # fmt: skip
CALIBRES = {1: (82.0, 120.0), 2: (73.0, 76.0, 85.0), 3: (122.0, 152.0), 4: (122.0,), 5: (125.0,)}
WEAPON_WORDS = {
    0: ("AK-74", "PKM", "AGS-17", "RPG-7", "SPG-9"),
    1: ("82 mm mortar", "120 mm mortar", "2B9 Vasilek"),
    2: ("ZU-23-2", "D-44", "MT-12"),
    3: ("D-30", "2S1 Gvozdika", "2S3 Akatsiya", "2A65 Msta-B"),
    4: ("BM-21 Grad",),
    5: ("T-64", "T-72"),
    6: ("Orlan-10", "quadcopter", "dropped munition"),
    7: (None,),
    8: (None,),
}
TYPES = (
    ("shelling", 34, ("artillery fire", "mortar fire", "shelling", "explosions"),
     (0, 40, 6, 25, 10, 6, 1, 12, 0)),
    ("small_arms_fire", 20, ("small-arms fire", "bursts and shots", "heavy-machine-gun fire"),
     (85, 0, 2, 0, 0, 0, 0, 13, 0)),
    ("armed_clash", 11, ("firefight", "exchange of fire", "armed clash"),
     (55, 20, 3, 5, 0, 5, 0, 12, 0)),
    ("sniper_fire", 5, ("sniper", "sniper attack"), (90, 0, 0, 0, 0, 0, 0, 10, 0)),
    ("explosion", 9, ("explosion", "blast", "undetermined explosion"),
     (0, 5, 0, 5, 0, 0, 0, 90, 0)),
    ("drone_strike", 5, ("drone strike", "drone-dropped munition"),
     (0, 0, 0, 0, 0, 0, 95, 5, 0)),
    ("mine_ied", 4, ("landmine", "IED", "tripwire"), (0, 0, 0, 0, 0, 0, 0, 100, 0)),
    ("violence_against_civilians", 3, ("attack on civilians", "violence against civilians"),
     (40, 10, 0, 10, 0, 0, 0, 40, 0)),
    ("heavy_weapons_presence", 4, ("weapons in violation of withdrawal lines",),
     (0, 10, 5, 45, 20, 20, 0, 0, 0)),
    ("reconnaissance_sabotage", 2, ("sabotage", "reconnaissance-sabotage group", "DRG"),
     (60, 10, 0, 0, 0, 0, 0, 30, 0)),
    ("troop_presence", 2, ("troop sighting", "military presence"), (0, 0, 0, 0, 0, 0, 0, 0, 1)),
    ("freedom_of_movement_restriction", 1, ("access denied", "monitors denied passage"),
     (0, 0, 0, 0, 0, 0, 0, 0, 1)),
)  # fmt: skip
KINDS = ("patrol", "sensor", "partner_intelligence", "media", "official_statement")
# (source id, kind index, reliability, weight, outlet)
SOURCES = (
    *[(f"osce-smm-patrol-{i:02d}", 0, "B", 14 - i, None) for i in range(1, 13)],
    *[(f"osce-smm-camera-{i:02d}", 1, "A", 6, None) for i in range(1, 7)],
    ("osce-smm-uav-long-range", 1, "A", 5, None),
    ("osce-smm-uav-mini", 1, "B", 3, None),
    ("partner-intel-a", 2, "B", 4, None),
    ("partner-intel-b", 2, "C", 3, None),
    ("partner-intel-c", 2, "D", 1, None),
    ("ua-jfo-hq", 4, "C", 9, None),
    ("ua-mod", 4, "C", 4, None),
    ("ua-jccc", 4, "C", 6, None),
    ("cadlr-jccc", 4, "E", 5, None),
    ("cadlr-people-militia", 4, "E", 4, None),
    ("media:ukrinform.ua", 3, "C", 4, "ukrinform.ua"),
    ("media:unian.ua", 3, "C", 4, "unian.ua"),
    ("media:pravda.com.ua", 3, "C", 3, "pravda.com.ua"),
    ("media:interfax.com.ua", 3, "C", 3, "interfax.com.ua"),
    ("media:hromadske.ua", 3, "C", 2, "hromadske.ua"),
    ("media:ostro.org", 3, "D", 2, "ostro.org"),
    ("media:novosti.dn.ua", 3, "D", 2, "novosti.dn.ua"),
    ("media:dan-news.info", 3, "E", 3, "dan-news.info"),
    ("media:lug-info.com", 3, "E", 2, "lug-info.com"),
    ("media:tass.ru", 3, "E", 2, "tass.ru"),
    ("media:ria.ru", 3, "F", 1, "ria.ru"),
)
# (centre as a fraction of the span, width in days, intensity): escalations
BURSTS = (
    (0.01, 18, 6.0), (0.08, 25, 2.5), (0.29, 20, 3.0), (0.38, 30, 2.0), (0.46, 15, 1.5),
    (0.63, 25, 1.6), (0.86, 30, 1.4), (0.99, 10, 9.0),
)  # fmt: skip
# Share of events per hour of the day (UTC): quiet mornings, fire in the evening and night.
HOURLY = np.array(
    [6, 5, 4, 3, 2, 1.5, 1, 1, 1, 1.2, 1.5, 1.8, 2, 2, 2.2, 2.5, 3.5, 5, 7, 8, 8.5, 8, 7.5, 7]
)
TARGETS = ("residential area", "checkpoint", "positions", "water station", "power line",
           "school", "road", "agricultural land")  # fmt: skip
NEAR = ("near", "north of", "south of", "east of", "west of", "on the outskirts of", "in")


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="number of records")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same file)")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--duplicates", type=float, default=0.005, help="share of re-sends")
    parser.add_argument("--invalid", type=float, default=0.0, help="share of faulty records")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1, e.g. --rows 1000")
    frame = generate(args.rows, args.seed, duplicates=args.duplicates, invalid=args.invalid)
    write_csv(frame, args.out)
    print(f"wrote {frame.height} records to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
