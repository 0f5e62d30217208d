import polars as pl

from guarantor.evidence.fusion import grading


def rolled(
    grades: list[str | None], credibility: list[int | None], sources: int
) -> tuple[str, int]:
    frame = pl.DataFrame(
        {"reliability": grades, "credibility": credibility},
        schema={"reliability": pl.Utf8, "credibility": pl.Int8},
    )
    row = frame.select(
        reliability=grading.reliability(pl.col("reliability")),
        credibility=grading.credibility(pl.col("credibility"), pl.lit(sources)),
    ).row(0)
    return row[0], row[1]


def test_two_independent_sources_make_the_information_confirmed() -> None:
    assert rolled(["C", "E"], [3, 4], 2) == ("C", 1)


def test_one_source_cannot_confirm_itself() -> None:
    assert rolled(["A"], [1], 1) == ("A", 2)


def test_ungraded_reports_give_f_and_6() -> None:
    assert rolled([None, "x"], [None, None], 1) == ("F", 6)


def test_reliability_is_judged_apart_from_credibility() -> None:
    assert rolled(["F", "B"], [5, 6], 1) == ("B", 5)


def test_status_follows_decisions_then_actors_then_sources() -> None:
    frame = pl.DataFrame(
        {"sources": [1, 2, 2, 1], "actors": [0, 0, 2, 0], "decided": [None, None, None, "rejected"]}
    )
    statuses = frame.select(
        grading.status(pl.col("sources"), pl.col("actors"), pl.col("decided"))
    ).to_series()
    assert statuses.to_list() == ["unverified", "corroborated", "disputed", "rejected"]
