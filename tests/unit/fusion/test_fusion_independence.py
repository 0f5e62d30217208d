from collections.abc import Callable
from typing import Any

import polars as pl

from guarantor.evidence.fusion import fuse
from guarantor.evidence.fusion.independence import load_outlets, organisations


def only_incident(result: Any) -> dict[str, Any]:
    assert result.incidents.height == 1
    row: dict[str, Any] = result.incidents.row(0, named=True)
    return row


def test_reuters_news_and_reuters_pictures_are_one_organisation() -> None:
    found = organisations(pl.Series(["Reuters News", "Reuters Pictures", "MeoryBook"]))
    names = dict(found.select("outlet", "organisation").rows())
    assert names["Reuters News"] == names["Reuters Pictures"] == "reuters"
    assert names["MeoryBook"] == "memorybook"


def test_the_shipped_alias_table_has_a_kind_for_every_alias() -> None:
    table = load_outlets()
    assert table.height > 50
    assert table["kind"].null_count() == 0


def test_two_outlets_of_one_organisation_are_one_independent_source(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame(
        [
            report("a", outlet="Reuters News", text="Shelling hits Donetsk airport"),
            report("b", outlet="Reuters Pictures", text="Donetsk airport under fire"),
        ]
    )
    incident = only_incident(fuse(reports))
    assert (incident["reports"], incident["sources"]) == (2, 1)
    assert incident["credibility"] != 1


def test_independent_outlets_confirm_each_other(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame(
        [
            report(
                "a", outlet="Reuters News", text="Shelling hits Donetsk airport", reliability="C"
            ),
            report(
                "b", outlet="Agence France Presse", text="Donetsk airport shelled", reliability="B"
            ),
        ]
    )
    incident = only_incident(fuse(reports))
    assert (incident["sources"], incident["credibility"], incident["reliability"]) == (2, 1, "B")
    assert incident["status"] == "corroborated"


def test_a_shared_url_a_citation_and_a_copied_text_are_echoes(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    copied = "Three civilians were killed when shells hit a residential block in Donetsk today"
    reports = frame(
        [
            report("a", outlet="Reuters News", text="Shelling hits Donetsk airport"),
            report("b", outlet="Kyiv Post", text="Donetsk airport shelled, citing Reuters"),
            report("c", outlet="Unian", urls="https://example.org/x", text="Donetsk shelled"),
            report("d", outlet="Ukrinform", urls="https://www.example.org/x/", text="Shells hit"),
            report("e", outlet="Outlet 1", text=copied),
            report("f", outlet="Outlet 2", text=copied),
        ]
    )
    incident = only_incident(fuse(reports))
    assert (incident["reports"], incident["sources"]) == (6, 3)
