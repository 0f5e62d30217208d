"""What the desk's page routes share: the signed-in principal, the read port, filter parsing."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from guarantor.errors import Location, Problem
from guarantor.services import agreements as agreement_service
from guarantor.services.desk import FilterInvalid
from guarantor.services.desk_ports import DeskReader
from guarantor.services.security import Principal
from guarantor.storage.desk_store import SqlDeskReader
from guarantor.web.auth import current_principal
from guarantor.web.deps import application_of

__all__ = [
    "SignedIn",
    "agreement_ids",
    "day_start",
    "incident_types",
    "parse_day",
    "reader_of",
]

SignedIn = Annotated[Principal, Depends(current_principal)]


def reader_of(request: Request) -> DeskReader:
    """The desk's read port over the application's database."""
    return SqlDeskReader(application_of(request).engine)


def parse_day(text: str | None, name: str) -> date | None:
    """``YYYY-MM-DD`` from a form field; empty is None; anything else is refused (422)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise FilterInvalid(
            f"the filter '{name}' is '{text}', not a date; expected YYYY-MM-DD",
            problems=(
                Problem(
                    Location("query", field=name),
                    text,
                    "a date YYYY-MM-DD",
                    f"pick a day in the '{name}' field, e.g. 2021-07-01",
                ),
            ),
        ) from exc


def day_start(text: str | None, name: str, *, next_day: bool = False) -> datetime | None:
    """A day from a filter form as 00:00 UTC of that day (of the next day for an inclusive
    ``until``); empty is None."""
    day = parse_day(text, name)
    if day is None:
        return None
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment + timedelta(days=1) if next_day else moment


@cache
def incident_types() -> tuple[str, ...]:
    """The canonical incident types of the shipped vocabulary (for the type filter)."""
    text = (
        resources.files("guarantor")
        .joinpath("data", "vocabularies", "types.csv")
        .read_text("utf-8")
    )
    return tuple(sorted({row["type"] for row in csv.DictReader(text.splitlines()) if row["type"]}))


def agreement_ids(agreements_dir: Path) -> tuple[str, ...]:
    """Ids of the agreement folders the application serves."""
    if not agreements_dir.is_dir():
        return ()
    return tuple(p.name for p in agreement_service.shipped_folders(agreements_dir))
