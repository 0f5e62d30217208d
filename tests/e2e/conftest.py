"""The browser tests' fixtures: ``site``, the desk served by uvicorn over a database filled
through the real services (one per test module, so each module starts from the same data),
and ``browser``, Debian's Chromium driven by Playwright (see :mod:`e2e.desk_site`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from e2e.desk_site import ROOT, Site, chromium, fill, free_port
from guarantor.bootstrap.app import build_application
from guarantor.web.app import create_app


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("desk")
    application = build_application(
        database_url=f"sqlite:///{folder / 'desk.db'}",
        data_dir=folder,
        agreements_dir=ROOT / "agreements",
        secret_key="a-test-secret-key-that-is-long-enough-for-sessions",
    )
    fill(application, folder)
    port = free_port()
    config = uvicorn.Config(
        create_app(application), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", application)
    server.should_exit = True
    thread.join(timeout=10)
    application.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing; run `bash scripts/setup.sh`")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()
