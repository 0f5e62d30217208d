"""The one error envelope, on a bare app with the handlers installed (no database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from guarantor.errors import Location, NotFound, Problem
from guarantor.services.access_errors import Forbidden, Unauthenticated
from guarantor.web.errors import REQUEST_ID_HEADER, install_error_handlers, request_location

SECRET_IN_TRACEBACK = "database password is hunter2"


class Report(BaseModel):
    observed_at: datetime
    text: str


class Batch(BaseModel):
    reports: list[Report]


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/api/batches")
    def post_batch(batch: Batch) -> dict[str, int]:
        return {"reports": len(batch.reports)}

    @app.get("/api/things/{thing_id}")
    def get_thing(thing_id: int) -> dict[str, int]:
        raise NotFound(
            f"no thing {thing_id}",
            problems=(Problem(Location("path", field="thing_id"), str(thing_id), "1..9", "ask 1"),),
        )

    @app.get("/api/secret")
    def secret() -> None:
        raise Forbidden("viewer may not do 'users.manage'")

    @app.get("/api/private")
    def private() -> None:
        raise Unauthenticated("sign in first")

    @app.get("/reports")
    def reports_page() -> None:
        raise Unauthenticated("sign in first")

    @app.get("/api/crash")
    def crash() -> None:
        raise RuntimeError(SECRET_IN_TRACEBACK)

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app(), raise_server_exceptions=False)


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "problems", "request_id"}
    assert error["request_id"] == response.headers[REQUEST_ID_HEADER]
    for problem in error["problems"]:
        assert set(problem) == {"location", "found", "expected", "fix"}
    return dict(error)


def test_an_unknown_route_is_a_404_envelope_that_points_to_the_route_list(
    client: TestClient,
) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert "GET /api/nothing-here" in str(error["message"])
    assert "/openapi.json" in str(error["message"])


def test_a_guarantor_error_keeps_its_status_code_and_problems(client: TestClient) -> None:
    response = client.get("/api/things/12")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert error["problems"] == [
        {"location": "path.thing_id", "found": "12", "expected": "1..9", "fix": "ask 1"}
    ]


def test_a_body_that_does_not_validate_is_a_422_pointing_into_the_body(client: TestClient) -> None:
    reports = [{"observed_at": "2015-02-15T06:30:00Z", "text": "shelling"}] * 3
    reports.append({"observed_at": "yesterday-ish", "text": "mortar"})
    response = client.post("/api/batches", json={"reports": reports})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "request_invalid"
    (problem,) = error["problems"]
    assert problem["location"] == "body.reports[3].observed_at"
    assert problem["found"] == '"yesterday-ish"'
    assert "datetime" in problem["expected"]
    assert "body.reports[3].observed_at" in problem["fix"]


def test_a_missing_field_says_what_to_add_and_where(client: TestClient) -> None:
    response = client.post("/api/batches", json={"reports": [{"text": "x"}]})
    (problem,) = error_of(response)["problems"]
    assert problem == {
        "location": "body.reports[0].observed_at",
        "found": "nothing",
        "expected": "field required",
        "fix": "add 'observed_at' to body.reports[0]",
    }


def test_malformed_json_is_a_422_envelope_too(client: TestClient) -> None:
    response = client.post(
        "/api/batches", content=b'{"reports": [', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert error_of(response)["problems"][0]["location"].startswith("body")


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [("/api/private", 401, "unauthenticated"), ("/api/secret", 403, "forbidden")],
)
def test_access_errors_have_their_status_and_code(
    client: TestClient, path: str, status: int, code: str
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_an_unexpected_error_is_a_500_envelope_that_leaks_nothing(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/api/crash")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert error["problems"] == []
    assert str(error["request_id"]) in str(error["message"])
    for leak in ("Traceback", "RuntimeError", SECRET_IN_TRACEBACK, "crash"):
        assert leak not in response.text
    assert SECRET_IN_TRACEBACK in caplog.text  # the server log has it, under the request id
    assert str(error["request_id"]) in caplog.text


def test_a_wrong_method_is_a_405_envelope(client: TestClient) -> None:
    response = client.delete("/api/secret")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_browser_gets_the_same_error_as_a_page_and_is_sent_to_sign_in(
    client: TestClient,
) -> None:
    page = client.get("/nothing", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "not_found" in page.text
    assert client.get("/api/nothing", headers={"accept": "text/html"}).json()


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        (("body", "reports", 3, "observed_at"), "body.reports[3].observed_at"),
        (("query", "limit"), "query.limit"),
        (("body",), "body"),
        (("body", 0), "body[0]"),
        ((), "request"),
    ],
)
def test_request_locations_read_like_paths_into_the_request(
    loc: tuple[int | str, ...], text: str
) -> None:
    assert request_location(loc) == text


def test_a_page_that_needs_a_session_sends_the_browser_to_sign_in(client: TestClient) -> None:
    response = client.get("/reports", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/reports"
    assert client.get("/reports").json()["error"]["code"] == "unauthenticated"
