"""The shortcuts fusion takes for speed give what the long way gives."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
from fusion_reports import DAY, make_frame, make_report
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from guarantor.evidence.fusion import fuse, fuse_incremental
from guarantor.evidence.fusion.links import _shared_url
from guarantor.evidence.fusion.similarity import normalise_text, normalised_tokens, token_count

_WORDS = st.sampled_from(
    ["Іловайськ", "обстріл", "shelling", "near", "3", "—", "'s", "Kharkiv", "", "  ", "!!"]
)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.lists(_WORDS, max_size=8).map(" ".join), min_size=1), chars=st.integers(1, 40)
)
def test_tokens_counted_by_spaces_equal_tokens_counted_by_pattern(
    texts: list[str], chars: int
) -> None:
    frame = pl.DataFrame({"t": texts}).with_columns(n=normalise_text("t", chars))
    counted = frame.select(
        by_spaces=normalised_tokens(pl.col("n")), by_regex=token_count(pl.col("n"))
    )
    assert counted["by_spaces"].to_list() == counted["by_regex"].to_list()


_URLS = st.lists(st.sampled_from(["a.ua/1", "b.ua/2", "c.ua/3"]), max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    urls=st.lists(st.one_of(st.none(), _URLS), min_size=2, max_size=12),
    data=st.data(),
)
def test_shared_url_by_hash_equals_the_intersection_of_the_lists(
    urls: list[list[str] | None], data: st.DataObject
) -> None:
    n = len(urls)
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1))
    series = pl.Series("urls", urls, dtype=pl.List(pl.Utf8))
    a = pl.Series([p[0] for p in pairs], dtype=pl.Int64)
    b = pl.Series([p[1] for p in pairs], dtype=pl.Int64)
    expected = [bool(set(urls[i] or []) & set(urls[j] or [])) for i, j in pairs]
    assert _shared_url(series, a, b).to_list() == expected


def _reports() -> pl.DataFrame:
    """Wire reports and register records (items) around one place over two days."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(60):
        register = i % 4 == 0
        rows.append(
            make_report(
                f"r{i:03d}",
                lat=float(48.07 + rng.uniform(-0.03, 0.03)),
                lon=float(37.74 + rng.uniform(-0.03, 0.03)),
                observed_at=DAY + timedelta(days=int(rng.integers(0, 2))),
                observed_until=None,
                deaths=int(rng.integers(1, 3)),
                outlet="MemoryBook" if register else f"Outlet {i % 5}",
                text=f"Shelling of Pisky village {int(rng.integers(0, 3))} killed",
            )
        )
    return make_frame(rows)


def test_reports_in_key_order_in_several_chunks_fuse_as_the_same_reports_shuffled() -> None:
    reports = _reports()
    chunked = pl.concat([reports.head(25), reports.slice(25)], rechunk=False)
    assert chunked["report_key"].n_chunks() == 2
    assert chunked["report_key"].is_sorted()
    shuffled = reports.sample(fraction=1.0, shuffle=True, seed=3)
    first, second = fuse(chunked), fuse(shuffled)
    assert first.incidents.height < reports.height  # some reports were fused
    assert first.membership.filter(pl.col("joined_by").is_not_null()).height > 0
    assert_frame_equal(first.incidents, second.incidents)
    assert_frame_equal(first.membership, second.membership)
    assert_frame_equal(first.pairs, second.pairs)


def test_an_incident_whose_members_disagree_takes_the_most_frequent_value() -> None:
    text = "Shelling hits Donetsk airport, two killed"
    reports = make_frame(
        [
            make_report("a", target="depot", text=text),
            make_report("b", target="school", text=text),
            make_report("c", target="school", text=text),
            make_report("d", target="shop", text=text, lat=48.9, lon=38.5),
            make_report("e", text=text, lat=48.9, lon=38.5),
        ]
    )
    incidents = fuse(reports).incidents.sort("reports")
    assert incidents["reports"].to_list() == [2, 3]
    assert incidents["target"].to_list() == ["shop", "school"]


def test_register_records_out_of_key_order_fuse_incrementally_as_from_scratch() -> None:
    # Prepared frames came in two chunks here, on which Polars panicked when the incremental
    # run grouped the register records; the wide final sort that hid it is gone.
    keys = [f"k{i:02d}" for i in (4, 5, 11, 10, 12, 8, 0, 9, 14, 7, 6, 2, 13, 1, 3)]
    outlets = ["Unian", "Reuters News", "Unian", "Reuters News", "AFP", "AFP", "Reuters News"]
    outlets += ["MemoryBook", "Reuters Pictures", "AFP", "Reuters Pictures", "AFP", "MemoryBook"]
    outlets += ["AFP", "AFP"]
    rows = [
        make_report(key, outlet=outlet, text="Shelling of Pisky", deaths=1)
        for key, outlet in zip(keys, outlets, strict=True)
    ]
    everything = make_frame(rows)
    for split in (4, 10):
        before = fuse(make_frame(rows[:split]))
        after = fuse_incremental(before, make_frame(rows[split:]), everything)
        scratch = fuse(everything)
        assert_frame_equal(after.incidents, scratch.incidents)
        assert_frame_equal(after.membership, scratch.membership)
        assert_frame_equal(after.pairs, scratch.pairs)
