"""Before/after equality of the engine's results, explanations included (issue #5, point 8).

Dumps every result frame (violations, activations, obligations, with their JSON
explanations: what ``guarantor explain``, storage and the API show) for three inputs, or
compares a dump with the current code:

* the benchmark workload (``engine_workload``), batch, and the stream (``push_frame`` and,
  on its first ``--stream-incidents``, ``push`` one by one);
* the incidents of a database where ``guarantor replay minsk`` ran (``--minsk-db``),
  evaluated over history under ``minsk-2015``;
* the incidents of a database where the Framework 2025 tabletop was ingested and fused
  (``--tabletop-db``), evaluated over history under ``framework-2025``.

Run the dump with the code before a change (e.g. ``git archive HEAD src`` extracted to a
folder, put first on ``PYTHONPATH``), then the comparison with the code after it::

    PYTHONPATH=/tmp/old/src .venv/bin/python benchmarks/engine_equality.py --dump /tmp/before
    .venv/bin/python benchmarks/engine_equality.py --compare /tmp/before
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine_workload import build_version, generate  # noqa: E402

import guarantor  # noqa: E402
from guarantor.agreement.loader import load_agreement  # noqa: E402
from guarantor.scenarios import (  # noqa: E402
    LiveResults,
    Results,
    StreamEvaluator,
    evaluate_batch,
    evaluate_history,
)
from guarantor.storage import make_engine  # noqa: E402
from guarantor.storage.incident_store import SqlIncidentStore  # noqa: E402

KINDS = ("violations", "activations", "obligations")


def _stored(url: str) -> pl.DataFrame:
    frame = SqlIncidentStore(make_engine(url)).incidents_frame()
    return frame.filter(pl.col("status").ne_missing("rejected"))


def _stream(version: object, frame: pl.DataFrame, *, one_by_one: bool) -> Results:
    stream = StreamEvaluator(version, lateness_seconds=3600)  # type: ignore[arg-type]
    live = LiveResults()
    if one_by_one:
        for row in frame.iter_rows(named=True):
            live.apply(stream.push(row))
    else:
        for offset in range(0, frame.height, 5_000):
            live.apply(stream.push_frame(frame.slice(offset, 5_000)))
    return live.results()


def cases(args: argparse.Namespace) -> Iterator[tuple[str, Results]]:
    work = generate(args.incidents)
    version = build_version(work)
    frame = work.frame()
    yield "workload-batch", evaluate_batch(version, frame, deduplicate=False)
    small = frame.head(args.stream_incidents)
    yield "workload-stream-frames", _stream(version, small, one_by_one=False)
    yield "workload-stream-push", _stream(version, small, one_by_one=True)
    for name, url, agreement in (
        ("minsk", args.minsk_db, "minsk-2015"),
        ("tabletop", args.tabletop_db, "framework-2025"),
    ):
        if url:
            loaded = load_agreement(ROOT / "agreements" / agreement)
            yield name, evaluate_history(loaded, _stored(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--dump", type=Path)
    what.add_argument("--compare", type=Path)
    parser.add_argument("--incidents", type=int, default=200_000)
    parser.add_argument("--stream-incidents", type=int, default=20_000)
    parser.add_argument("--minsk-db", default="")
    parser.add_argument("--tabletop-db", default="")
    args = parser.parse_args()
    print(f"code: {Path(guarantor.__file__).parent}")
    same = True
    for name, results in cases(args):
        for kind in KINDS:
            frame: pl.DataFrame = getattr(results, kind)
            path = (args.dump or args.compare) / f"{name}-{kind}.parquet"
            if args.dump:
                path.parent.mkdir(parents=True, exist_ok=True)
                frame.write_parquet(path)
                print(f"{name} {kind}: {frame.height:,} rows dumped")
                continue
            before = pl.read_parquet(path)
            equal = before.equals(frame) and before.schema == frame.schema
            same &= equal
            print(f"{name} {kind}: {frame.height:,} rows, identical to before: {equal}")
    if args.compare:
        print(f"all identical: {same}")
        sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
