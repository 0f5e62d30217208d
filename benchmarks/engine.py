"""Rules-engine benchmark (issue #5, point 8): our batch and stream against peers.

Workload (deterministic, NumPy): ``--incidents`` incidents over 180 days (background plus
bursts so that thresholds fire); 20 sliding-24-hour rules "count of type T with severity >= k
in sector S over (t - 24 h, t] > N" and 5 per-incident predicates (type and severity; a
geofence polygon; set membership; a radius; a compound condition). Ours gives explanations.

Ours, measured separately and labelled:

* batch (explanations columnar): every violation's explanation is held as a struct
  (revision index -> rule, version hash, clause; the cited incident and its grades) and its
  JSON text is rendered when ``Results.violations`` is first read (to show or store);
  activation and obligation explanations are JSON text;
* batch + every JSON text rendered: the same, rendering all violation texts in the run;
* stream push_frame: micro-batches (``--stream-chunk`` rows, in time order: the columnar
  path of ``guarantor.scenarios.stream_columnar``), events applied to ``LiveResults``;
* stream, frame of events: the same micro-batches through ``push_frame_events``, which
  returns a frame's events as one Polars frame (``guarantor.scenarios.stream_events``: no
  Python object per violation), applied to ``LiveFrames``; violation explanations columnar
  as in batch (rendered when read): compared with batch (explanations columnar) on equal
  terms, and after the run both are rendered and their result frames (texts included)
  compared;
* stream push: one incident (a dict) at a time, on the slow-peer subset.

Wall seconds, process CPU seconds and the load average are printed: the machine is shared.

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
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "scenarios"))


from engine_peers import (  # noqa: E402
    run_cel,
    run_duckdb,
    run_durable,
    run_polars,
)
from engine_workload import (  # noqa: E402
    Activations,
    Violations,
    Workload,
    build_version,
    generate,
    results_sets,
)

from guarantor.agreement.model import ResolvedVersion  # noqa: E402
from guarantor.scenarios import LiveResults, StreamEvaluator, evaluate_batch  # noqa: E402
from guarantor.scenarios.stream_events import LiveFrames  # noqa: E402


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
    cpu: float
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
        began, cpu = time.perf_counter(), time.process_time()
        activations, violations = fn()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    return Run(name, n, seconds, cpu, mem.delta_mb, activations, violations, note)


# ------------------------------------------------------------------------------ ours


def run_batch(
    version: ResolvedVersion, frame: pl.DataFrame, *, render: bool = False
) -> Callable[[], Any]:
    """Batch with explanations built columnar (violations) or as JSON (activations,
    obligations); with ``render``, every violation's JSON text is rendered too."""

    def go() -> tuple[Activations, Violations]:
        results = evaluate_batch(version, frame, deduplicate=False)
        _ = results.activations["explanation"], results.obligations["explanation"]
        _ = results.violation_table()["explanation"]
        if render:
            _ = results.violations["explanation"]
        go.results = results  # type: ignore[attr-defined]
        return set(), set()

    return go


def run_stream(version: ResolvedVersion, frame: pl.DataFrame, chunk: int) -> Callable[[], Any]:
    """Micro-batches of ``chunk`` rows through ``push_frame`` (the columnar path: rows in
    order), events applied to a LiveResults, whose frames are built at the end."""

    def go() -> tuple[Activations, Violations]:
        stream = StreamEvaluator(version, lateness_seconds=3600)
        live = LiveResults()
        for offset in range(0, frame.height, chunk):
            live.apply(stream.push_frame(frame.slice(offset, chunk)))
        go.results = live.results()  # type: ignore[attr-defined]
        return set(), set()

    return go


def run_stream_frames(
    version: ResolvedVersion, frame: pl.DataFrame, chunk: int
) -> Callable[[], Any]:
    """Micro-batches of ``chunk`` rows through ``push_frame_events`` (the columnar path:
    rows in order; events as a frame, no object per violation), applied to a LiveFrames."""

    def go() -> tuple[Activations, Violations]:
        stream = StreamEvaluator(version, lateness_seconds=3600)
        live = LiveFrames(stream.program)
        for offset in range(0, frame.height, chunk):
            live.apply(stream.push_frame_events(frame.slice(offset, chunk)))
        go.results = live.results()  # type: ignore[attr-defined]
        return set(), set()

    return go


def run_push(version: ResolvedVersion, frame: pl.DataFrame) -> Callable[[], Any]:
    """One incident at a time through ``push`` (a dict per incident), into LiveResults."""
    records = frame.to_dicts()

    def go() -> tuple[Activations, Violations]:
        stream = StreamEvaluator(version, lateness_seconds=3600)
        live = LiveResults()
        for record in records:
            live.apply(stream.push(record))
        go.results = live.results()  # type: ignore[attr-defined]
        return set(), set()

    return go


# ----------------------------------------------------------------------------- peers


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

    def measure_ours(name: str, n: int, fn: Any, note: str = "", against: Run | None = None) -> Run:
        """Measure one of our engines, keep its result sets and list it against ``against``."""
        run = measure(name, n, fn, note)
        run.activations, run.violations = results_sets(fn.results)
        runs.append((run, against))
        return run

    batch_fn = run_batch(version, frame)
    batch = measure_ours("guarantor batch (explanations columnar)", len(work), batch_fn)
    print(f"  ours: {len(batch.activations):,} activations, {len(batch.violations):,} violations")
    rendered_fn = run_batch(version, frame, render=True)
    measure_ours("guarantor batch + every JSON text rendered", len(work), rendered_fn, "", batch)
    stream_fn = run_stream(version, frame, args.stream_chunk)
    stream = measure_ours(
        "guarantor stream push_frame (micro-batches)",
        len(work),
        stream_fn,
        f"frames of {args.stream_chunk:,}",
        batch,
    )
    frames_fn = run_stream_frames(version, frame, args.stream_chunk)
    framed = measure_ours(
        "guarantor stream, frame of events",
        len(work),
        frames_fn,
        f"push_frame_events, frames of {args.stream_chunk:,}",
        batch,
    )
    texts_equal = all(
        getattr(frames_fn.results, name).equals(getattr(batch_fn.results, name))  # type: ignore[attr-defined]
        for name in ("violations", "activations", "obligations")
    )

    small_fn = run_batch(version, small_frame)
    small_run = measure("guarantor batch (slow-peer subset)", len(small), small_fn)
    small_run.activations, small_run.violations = results_sets(small_fn.results)  # type: ignore[attr-defined]
    push_fn = run_push(version, small_frame)
    push_note = f"from {len(small):,}"
    push = measure_ours(
        "guarantor stream push (one at a time)", len(small), push_fn, push_note, small_run
    )

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
    header = (
        f"{'engine':44} {'incidents/s':>13} {'wall s':>8} {'cpu s':>7} {'peak MB':>8} "
        f"{'ours/it':>8}  equal"
    )
    print(header)
    print("-" * len(header))
    for run, compared in runs:
        reference = compared or batch
        equal = (
            "(reference)"
            if compared is None
            else str(
                run.activations == compared.activations and run.violations == compared.violations
            )
        )
        ratio = batch.rate / run.rate
        print(
            f"{run.name:44} {run.rate:13,.0f} {run.seconds:8.2f} {run.cpu:7.2f} {run.mem_mb:8.0f} "
            f"{ratio:8.2f}  {equal}{'  ' + run.note if run.note else ''}"
        )
        if compared is not None and equal == "False":
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
    print(
        f"goal stream >= 500,000/s: {max(stream.rate, framed.rate) >= 5e5} (frame of events "
        f"{framed.rate:,.0f}; push_frame {stream.rate:,.0f}; push one at a time "
        f"{push.rate:,.0f})"
    )
    print(f"stream frame of events == batch, rendered result frames (texts): {texts_equal}")
    print(f"load average at the end (1, 5, 15 min): {os.getloadavg()}; cpu s is process CPU")
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
