"""Fusion speed on synthetic reports with a realistic duplicate structure, against DBSCAN.

Run: ``.venv/bin/python benchmarks/fusion_speed.py [--sizes 100000 1000000] [--no-dbscan]
[--sweep-size 100000] [--sweep-eps 1 2 5 10 20] [--more-eps 2 5]``.

The generator makes events in eastern Ukraine over three years, each reported by one to
several sources (1 + Poisson(2)), with jittered places and times and mixed precision:
55 % exact places (jitter up to 2 km), 30 % within 25 km (jitter up to 10 km), 10 % only
the oblast (its centroid), 5 % between places (a point up to 40 km off); 80 % exact days,
10 % exact times (within two hours), 7 % weeks, 3 % months. Texts are headlines built from
the event's village (one of 27,000 names, as many as the populated places of Ukraine),
type and toll in an outlet's own words (English, Ukrainian or Russian
Cyrillic); 10 % of the reports republish another report of the same event (same URL and
text). Truth is the generator's event id.

For each size it prints wall time (with the CPU time of all threads and the load average
before and after, since the host may be shared), peak memory (RSS high-water mark of the
process) and pairwise precision, recall and F1 of ``fuse``, then scikit-learn DBSCAN
(haversine metric, ball tree, min_samples 1) on the same points: per calendar day (a strong
baseline that knows the time) and on all points at once (space only, as the issue names it,
eps 10 km), the latter skipped, with the estimate, when its neighbourhoods would not fit the
machine (it would not finish within ten minutes).

DBSCAN has one knob, eps, and no single value suits mixed precision, so the comparison is
made fair by a sweep: at ``--sweep-size`` reports (100,000; run first when not among
``--sizes``) per-day DBSCAN runs at each of ``--sweep-eps`` (1, 2, 5, 10, 20 km), each line
with its F1, time and time ratio to ``fuse``, then a summary: the best F1 of any setting,
whether any setting reaches fuse's F1, and how much faster fuse is than the best-F1 setting
and than the fastest setting at equal or better F1 (if there is one). At the other sizes
per-day DBSCAN runs at 10 km, at the sweep's best-F1 eps and at any ``--more-eps`` (the best
eps shrinks as reports get denser: pass smaller values to see it at 1,000,000). Prints
figures and the ratios; asserts nothing. The peak RSS is the process's high-water mark so
far (cumulative).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import UTC, datetime

import numpy as np
import polars as pl

from guarantor.evidence.fusion import fuse
from guarantor.evidence.reports import REPORT_SCHEMA

_START = datetime(2015, 1, 1, tzinfo=UTC)
_TYPES = np.array(["shelling", "armed_clash", "drone_strike", "mine_ied", "sniper_fire"])
_WORDS = {
    "shelling": ("shelling", "обстріл", "обстрел"),
    "armed_clash": ("clashes", "бій", "бой"),
    "drone_strike": ("drone strike", "удар дрона", "удар беспилотника"),
    "mine_ied": ("mine blast", "підрив на міні", "подрыв на мине"),
    "sniper_fire": ("sniper fire", "снайпер", "снайпер"),
}
_SYLLABLES = np.array(
    ["no", "vo", "ka", "te", "ri", "ny", "iv", "ba", "lo", "po", "sel", "mar", "ho", "ly", "dy",
     "za", "ze", "mi", "ro", "pe", "su", "hu", "ve", "sta", "kra", "bi", "ol", "ne", "ty", "do"]
)  # fmt: skip
_DEFAULT_EPS = 10.0  # km, the DBSCAN setting of the comparison
_OBLASTS = np.array([[48.0, 37.8], [48.6, 39.3], [47.1, 37.5], [49.9, 36.3], [47.8, 35.2]])


def _villages(rng: np.random.Generator, count: int) -> np.ndarray:
    parts = rng.integers(0, len(_SYLLABLES), size=(count, 3))
    names = np.char.add(np.char.add(_SYLLABLES[parts[:, 0]], _SYLLABLES[parts[:, 1]]), "vka")
    return np.char.add(np.char.capitalize(names), _SYLLABLES[parts[:, 2]].astype("U3"))


def _events(rng: np.random.Generator, count: int) -> pl.DataFrame:
    oblast = rng.integers(0, len(_OBLASTS), count)
    centre = _OBLASTS[oblast]
    return pl.DataFrame(
        {
            "event": np.arange(count),
            "elat": centre[:, 0] + rng.normal(0, 0.45, count),
            "elon": centre[:, 1] + rng.normal(0, 0.6, count),
            "oblast": oblast,
            "day": rng.integers(0, 3 * 365, count),
            "hour": rng.uniform(0, 24, count),
            "type": _TYPES[rng.integers(0, len(_TYPES), count)],
            "village": _villages(rng, count),
            "killed": rng.integers(1, 9, count),
        }
    )


def _precision(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    place = rng.choice([1, 2, 4, 5], size=size, p=[0.55, 0.30, 0.10, 0.05])
    timing = rng.choice([1, 0, 3, 4], size=size, p=[0.80, 0.10, 0.07, 0.03])
    return place, timing


def _headlines(reports: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
    language = rng.integers(0, 3, reports.height)
    word = pl.Series([_WORDS[t][k] for t, k in zip(reports["type"], language, strict=True)])
    killed = reports["killed"].cast(pl.Utf8)
    style = rng.integers(0, 3, reports.height)
    return (
        pl.DataFrame({"w": word, "v": reports["village"], "k": killed, "s": style})
        .select(
            pl.when(pl.col("s") == 0)
            .then(pl.format("{} near {}: {} killed", "w", "v", "k"))
            .when(pl.col("s") == 1)
            .then(pl.format("{} killed in {} at {}", "k", "w", "v"))
            .otherwise(pl.format("{}, {} — {} загиблих", "v", "w", "k"))
        )
        .to_series()
    )


def generate(size: int, seed: int = 7) -> pl.DataFrame:
    """``size`` synthetic reports (REPORT_SCHEMA) with their true event in ``event_ref``."""
    rng = np.random.default_rng(seed)
    events = _events(rng, int(size / 3.0) + 1)
    copies = 1 + rng.poisson(2.0, events.height)
    reports = events.select(pl.all().gather(np.repeat(np.arange(events.height), copies)))
    reports = reports.head(size)
    n = reports.height
    place, timing = _precision(rng, n)
    jitter_km = np.select([place == 1, place == 2, place == 5], [2.0, 10.0, 40.0], 0.0)
    angle, radius = rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 1, n) * jitter_km
    centre = _OBLASTS[reports["oblast"].to_numpy()]
    lat = np.where(place == 4, centre[:, 0], reports["elat"] + radius * np.sin(angle) / 111.2)
    lon = np.where(place == 4, centre[:, 1], reports["elon"] + radius * np.cos(angle) / 74.0)
    day = reports["day"].to_numpy()
    start_days = np.select([timing == 3, timing == 4], [day - day % 7, day - day % 30], day)
    span_us = np.select([timing == 0, timing == 3, timing == 4], [1, 7, 30], 1) * 86_400_000_000
    span_us = np.where(timing == 0, 1, span_us)
    hour = np.where(timing == 0, reports["hour"] + rng.uniform(-1, 1, n), 0.0)
    start = pl.Series(start_days * 86_400_000_000 + (hour * 3_600_000_000).astype(np.int64))
    outlet = rng.integers(0, 60, n)
    text = _headlines(reports, rng)
    url = pl.format("https://outlet{}.example/{}", pl.lit(pl.Series(outlet)), pl.int_range(n))
    keys = pl.int_range(n, eager=True).cast(pl.Utf8).str.zfill(8)
    frame = pl.DataFrame({"report_key": "r" + keys}).with_columns(
        source_id=pl.lit("synthetic"),
        event_ref=reports["event"].cast(pl.Utf8),
        observed_at=pl.lit(_START) + pl.duration(microseconds=pl.lit(start)),
        observed_until=pl.lit(_START)
        + pl.duration(microseconds=pl.lit(start + pl.Series(span_us - 1))).cast(pl.Duration("us")),
        time_precision=pl.Series(np.select([timing == 3, timing == 4], [3, 4], 1)),
        lat=pl.Series(lat),
        lon=pl.Series(lon),
        place_precision=pl.Series(place),
        admin1=pl.format("oblast-{}", pl.lit(reports["oblast"])),
        type=reports["type"],
        deaths=reports["killed"],
        text=text,
        outlet=pl.format("Outlet {}", pl.lit(pl.Series(outlet))),
        urls=pl.select(url).to_series(),
        raw=pl.lit("{}"),
    )
    frame = _republish(frame, rng)
    return frame.select(
        [
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in REPORT_SCHEMA.items()
        ]
    )


def _republish(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """10 % of reports copy the URL and text of the previous report of the same event."""
    previous = frame.select(
        prev_url=pl.col("urls").shift(1),
        prev_text=pl.col("text").shift(1),
        same=pl.col("event_ref") == pl.col("event_ref").shift(1),
    )
    copy = pl.Series(rng.random(frame.height) < 0.10) & previous["same"].fill_null(False)
    return frame.with_columns(
        urls=pl.when(copy).then(previous["prev_url"]).otherwise(pl.col("urls")),
        text=pl.when(copy).then(previous["prev_text"]).otherwise(pl.col("text")),
    )


def pairwise(labels: pl.DataFrame) -> tuple[float, float, float]:
    """Pairwise P/R/F1 of ``cluster`` against ``event`` (columns of ``labels``)."""

    def pairs(by: list[str]) -> int:
        sizes = labels.group_by(by).len()["len"].cast(pl.Int64)
        return int((sizes * (sizes - 1) // 2).sum())

    both, found, true = pairs(["cluster", "event"]), pairs(["cluster"]), pairs(["event"])
    p = both / found if found else 1.0
    r = both / true if true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes): wall times mean little on a busy host."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run_fusion(reports: pl.DataFrame) -> tuple[float, float, tuple[float, float, float]]:
    """(wall seconds, CPU seconds of all threads, pairwise P/R/F1)."""
    truth = reports.select("report_key", event="event_ref")
    blind = reports.with_columns(event_ref=pl.lit(None, pl.Utf8))
    started, cpu = time.perf_counter(), time.process_time()
    result = fuse(blind)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    labels = result.membership.select("report_key", cluster="incident_id").join(
        truth, on="report_key"
    )
    return seconds, cpu, pairwise(labels)


def run_dbscan(
    reports: pl.DataFrame, eps_km: float = 10.0
) -> tuple[float, float, tuple[float, float, float]]:
    """DBSCAN per calendar day: (wall seconds, CPU seconds, pairwise P/R/F1)."""
    from sklearn.cluster import DBSCAN

    points = reports.select(
        "event_ref",
        day=pl.col("observed_at").dt.date(),
        lat=pl.col("lat").radians(),
        lon=pl.col("lon").radians(),
    ).with_row_index("i")
    labels = np.full(points.height, -1, dtype=np.int64)
    started, cpu = time.perf_counter(), time.process_time()
    offset = 0
    for (_,), group in points.group_by(["day"], maintain_order=True):
        model = DBSCAN(
            eps=eps_km / 6371.0088, min_samples=1, metric="haversine", algorithm="ball_tree"
        )
        found = model.fit_predict(group.select("lat", "lon").to_numpy())
        labels[group["i"].to_numpy()] = found + offset
        offset += int(found.max()) + 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    frame = pl.DataFrame({"cluster": labels, "event": points["event_ref"]})
    return seconds, cpu, pairwise(frame)


def _dbscan_line(
    size: int,
    eps: float,
    fused: tuple[float, float],
    found: tuple[float, float, tuple[float, float, float]],
) -> str:
    seconds, f = fused
    db_seconds, db_cpu, (dp, dr, df) = found
    verdict = "F1 reaches fuse's" if df >= f else "F1 below fuse's"
    return (
        f"DBSCAN per day {size:>9,} eps {eps:>4g} km: {db_seconds:7.2f} s (CPU {db_cpu:.1f} s), "
        f"P {dp:.4f} R {dr:.4f} F1 {df:.4f} ({verdict}, {df - f:+.4f}); "
        f"DBSCAN/fuse time {db_seconds / seconds:.2f}x"
    )


def sweep_dbscan(
    reports: pl.DataFrame, size: int, fused: tuple[float, float], eps_values: list[float]
) -> float:
    """DBSCAN per day at each eps (printed); returns the eps of the best F1."""
    results = {}
    for eps in eps_values:
        results[eps] = run_dbscan(reports, eps)
        print(_dbscan_line(size, eps, fused, results[eps]), flush=True)
    best = max(results, key=lambda e: results[e][2][2])
    seconds, f = fused
    reaching = [e for e in eps_values if results[e][2][2] >= f]
    best_seconds, _, (_, _, best_f) = results[best]
    if reaching:
        fastest = min(reaching, key=lambda e: results[e][0])
        equal = (
            f"fastest setting at equal or better F1: eps {fastest:g} km, fuse "
            f"{results[fastest][0] / seconds:.2f}x faster"
        )
    else:
        equal = "no setting reaches fuse's F1 (no DBSCAN time at equal F1 to compare)"
    print(
        f"DBSCAN sweep {size:,}: best F1 {best_f:.4f} at eps {best:g} km ({best_seconds:.2f} s) "
        f"against fuse's F1 {f:.4f} ({seconds:.2f} s): fuse {best_seconds / seconds:.2f}x "
        f"faster than the best-F1 setting; {equal}",
        flush=True,
    )
    return best


def run_dbscan_space_only(
    reports: pl.DataFrame, eps_km: float = 10.0, budget: float = 3e8
) -> tuple[float, tuple[float, float, float]] | str:
    """DBSCAN on all points at once (no time), as the issue names it; a reason if too big."""
    from sklearn.cluster import DBSCAN
    from sklearn.neighbors import BallTree

    points = np.radians(reports.select("lat", "lon").to_numpy())
    eps = eps_km / 6371.0088
    sample = points[np.random.default_rng(1).choice(len(points), 1000, replace=False)]
    counts = BallTree(points, metric="haversine").query_radius(sample, eps, count_only=True)
    neighbours = float(counts.mean()) * len(points)
    if neighbours > budget:
        return f"skipped: about {neighbours:,.0f} neighbour entries (over {budget:,.0f})"
    started = time.perf_counter()
    found = DBSCAN(eps=eps, min_samples=1, metric="haversine", algorithm="ball_tree").fit_predict(
        points
    )
    seconds = time.perf_counter() - started
    return seconds, pairwise(pl.DataFrame({"cluster": found, "event": reports["event_ref"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-dbscan", action="store_true")
    parser.add_argument("--sweep-size", type=int, default=100_000)
    parser.add_argument("--sweep-eps", type=float, nargs="+", default=[1.0, 2.0, 5.0, 10.0, 20.0])
    parser.add_argument("--more-eps", type=float, nargs="*", default=[])
    args = parser.parse_args()
    sizes = list(args.sizes)
    if not args.no_dbscan and args.sweep_size not in sizes:
        sizes.insert(0, args.sweep_size)  # the sweep picks the eps run at the other sizes
    best_eps: float | None = None
    for size in sizes:
        reports = generate(size)
        events = reports["event_ref"].n_unique()
        before = _load()
        seconds, cpu, (p, r, f) = run_fusion(reports)
        print(
            f"fuse   {size:>9,} reports ({events:,} events): {seconds:7.2f} s (CPU {cpu:.1f} s; "
            f"load {before} before, {_load()} after), peak RSS {_peak_mb():,.0f} MB, "
            f"P {p:.4f} R {r:.4f} F1 {f:.4f}",
            flush=True,
        )
        if args.no_dbscan:
            continue
        if size == args.sweep_size:
            best_eps = sweep_dbscan(reports, size, (seconds, f), args.sweep_eps)
        else:
            for eps in dict.fromkeys([_DEFAULT_EPS, best_eps or _DEFAULT_EPS, *args.more_eps]):
                print(_dbscan_line(size, eps, (seconds, f), run_dbscan(reports, eps)), flush=True)
        whole = run_dbscan_space_only(reports)
        if isinstance(whole, str):
            print(f"DBSCAN all points {size:>9,}: {whole}", flush=True)
            continue
        w_seconds, (wp, wr, wf) = whole
        print(
            f"DBSCAN all points {size:>9,}: {w_seconds:7.2f} s, peak RSS {_peak_mb():,.0f} MB, "
            f"P {wp:.4f} R {wr:.4f} F1 {wf:.4f}; fuse is {w_seconds / seconds:.1f}x faster, "
            f"F1 {f - wf:+.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
