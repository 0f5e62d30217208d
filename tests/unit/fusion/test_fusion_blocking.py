from datetime import timedelta

import numpy as np
import polars as pl
from fusion_reports import DAY, make_frame, make_report

from guarantor.evidence.fusion.blocking import candidate_pairs, grid_pairs
from guarantor.evidence.fusion.config import FusionConfig
from guarantor.evidence.fusion.links import links
from guarantor.evidence.fusion.prepare import prepare
from guarantor.evidence.precision import place_radius_km


def random_reports(seed: int, size: int = 400, spread: float = 0.6) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(size):
        start = DAY + timedelta(hours=float(rng.integers(0, 24 * 6)))
        exact_time = bool(rng.random() < 0.3)
        rows.append(
            make_report(
                f"r{i:04d}",
                lat=float(48 + rng.uniform(-spread, spread)),
                lon=float(38 + rng.uniform(-spread, spread)),
                place_precision=int(rng.choice([1, 2])),
                observed_at=start if exact_time else start.replace(hour=0),
                observed_until=None,
                type=str(rng.choice(["shelling", "armed_clash"])),
            )
        )
    return make_frame(rows)


def brute_force(frame: pl.DataFrame) -> set[tuple[int, int]]:
    lat, lon = np.radians(frame["lat"].to_numpy()), np.radians(frame["lon"].to_numpy())
    h0, h1, slack = (frame[c].to_numpy() for c in ("h0", "h1", "slack"))
    exact = place_radius_km(1)
    kinds = frame["type_group"].to_numpy()
    found = set()
    for a in range(frame.height):
        for b in range(a + 1, frame.height):
            h = (
                np.sin((lat[b] - lat[a]) / 2) ** 2
                + np.cos(lat[a]) * np.cos(lat[b]) * np.sin((lon[b] - lon[a]) / 2) ** 2
            )
            km = 2 * 6371.0088 * np.arcsin(np.sqrt(h))
            gap = max(h0[a], h0[b]) - min(h1[a], h1[b])
            near_in_time = gap < 0 or gap <= max(slack[a], slack[b])
            if km <= exact and near_in_time and kinds[a] == kinds[b]:
                found.add((a, b))
    return found


def test_the_grid_join_finds_every_pair_within_the_exact_tolerance_that_brute_force_finds() -> None:
    for seed in (1, 2):
        frame = prepare(random_reports(seed), FusionConfig())
        found = set(grid_pairs(frame, FusionConfig()).select("a", "b").rows())
        expected = brute_force(frame)
        assert expected, "the random reports should hold some close pairs"
        assert expected <= found


def linked(frame: pl.DataFrame, probes: pl.Series | None = None) -> set[tuple[int, int]]:
    config = FusionConfig()
    return set(links(frame, candidate_pairs(frame, config, probes), config).select("a", "b").rows())


def test_incremental_blocking_finds_the_links_touching_the_probes() -> None:
    frame = prepare(random_reports(3, spread=0.15), FusionConfig())
    probes = pl.Series([5, 17, 99], dtype=pl.Int64)
    touching = {p for p in linked(frame) if set(p) & {5, 17, 99}}
    found = {p for p in linked(frame, probes) if set(p) & {5, 17, 99}}
    assert touching
    assert found == touching


def test_an_exact_report_pairs_only_within_a_few_kilometres() -> None:
    reports = make_frame(
        [make_report("a"), make_report("b", lat=48.0733 + 0.01), make_report("c", lat=48.2)]
    )
    assert linked(prepare(reports, FusionConfig())) == {(0, 1)}


def test_a_province_level_report_reaches_what_its_words_share_across_the_province() -> None:
    reports = make_frame(
        [
            make_report("a", text="shelling of Avdiivka coke plant"),
            make_report(
                "b", lat=48.3, lon=37.6, place_precision=4, text="Avdiivka shelled, oblast says"
            ),
            make_report("c", lat=48.6, lon=38.0, text="clashes near Horlivka"),
        ]
    )
    assert linked(prepare(reports, FusionConfig())) == {(0, 1)}
