"""docs/api.md cannot drift from the API: its table lists exactly the routes of the OpenAPI
document, each with what it does, the permission it needs and a releasability note."""

from __future__ import annotations

import re
from pathlib import Path

from guarantor.bootstrap.app import build_application
from guarantor.services.security import Permission
from guarantor.web.app import create_app

API_MD = Path(__file__).parents[3] / "docs" / "api.md"
ROW = re.compile(r"^\| `(?P<method>[A-Z]+)` \| `(?P<path>/[^`]*)` \|(?P<rest>.*)\|\s*$")
METHODS = {"get", "post", "put", "patch", "delete"}


def openapi_routes(tmp_path: Path) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation of the app's OpenAPI document (nothing connects)."""
    application = build_application(
        database_url=f"sqlite:///{tmp_path / 'drift.db'}",
        data_dir=tmp_path / "var",
        secret_key="a-secret-for-building-the-app-only-0123456789abcdef",
    )
    schema = create_app(application).openapi()
    application.engine.dispose()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in METHODS
    }


def documented_rows() -> dict[tuple[str, str], list[str]]:
    """(METHOD, path) -> the other cells of its row in docs/api.md; each route once."""
    rows: dict[tuple[str, str], list[str]] = {}
    for line in API_MD.read_text(encoding="utf-8").splitlines():
        found = ROW.match(line)
        if found is None:
            continue
        route = (found["method"], found["path"])
        assert route not in rows, f"docs/api.md lists {route} twice"
        rows[route] = [cell.strip() for cell in found["rest"].split(" | ")]
    return rows


def test_docs_api_lists_exactly_the_routes_of_the_openapi_document(tmp_path: Path) -> None:
    routes, rows = openapi_routes(tmp_path), documented_rows()
    assert len(routes) >= 30  # the app really was built with its routers
    missing = sorted(routes - set(rows))
    assert missing == [], f"add these routes to the table of docs/api.md: {missing}"
    stale = sorted(set(rows) - routes)
    assert stale == [], f"docs/api.md lists routes that do not exist: {stale}"


def test_every_documented_route_says_what_it_does_who_may_and_what_is_shown() -> None:
    rows = documented_rows()
    incomplete = {r: cells for r, cells in rows.items() if len(cells) != 3 or not all(cells)}
    assert incomplete == {}, "each row: | method | path | what | permission | releasability |"
    allowed = {"none", "none (CSRF header)", "signed in"} | {f"`{p.value}`" for p in Permission}
    unknown = {r: cells[1] for r, cells in rows.items() if cells[1] not in allowed}
    assert unknown == {}, f"permissions are one of {sorted(allowed)}"
    assert rows[("POST", "/api/reports/batch")][1] == f"`{Permission.REPORTS_WRITE.value}`"
