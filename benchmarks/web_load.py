"""The server and the load of :mod:`web` (the desk under load): ``guarantor serve`` in a
subprocess on a free loopback port, every user signed in with its own client, the users'
loops (the dashboard, the first page of incidents, two next pages, with think times), and
the figures per endpoint against the goal.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import socket
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from web_database import BENCH, PASSWORD, REPO, usernames

NEXT_PAGES = 2
REQUEST_TIMEOUT_S = 60  # a request without an answer by then counts as an error
GOAL_P99_MS = 300.0


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(path: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "GUARANTOR_DATABASE_URL": f"sqlite:///{path}",
        "GUARANTOR_DATA_DIR": str(BENCH),
        "GUARANTOR_AGREEMENTS_DIR": str(REPO / "agreements"),
        "GUARANTOR_SECRET_KEY": secrets.token_urlsafe(48),
        "GUARANTOR_LOG_LEVEL": "WARNING",
        "GUARANTOR_ENVIRONMENT": "development",
    }
    command = [str(REPO / ".venv" / "bin" / "guarantor"), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--load", "never"]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not answer /api/health within 120 s")


# --- the load -------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)


async def sign_in(client: httpx.AsyncClient, username: str, gate: asyncio.Semaphore) -> None:
    """Sign in; a few at a time (each is an Argon2id check of 64 MiB), with time to spare."""
    async with gate:
        token = (await client.get("/api/session")).json()["csrf_token"]
        response = await client.post(
            "/api/session",
            json={"username": username, "password": PASSWORD},
            headers={"X-CSRF-Token": token},
            timeout=300,
        )
        response.raise_for_status()


async def timed(
    client: httpx.AsyncClient, tally: Tally, name: str, path: str, params: dict[str, Any]
) -> dict[str, Any] | None:
    started = time.perf_counter()
    try:
        response = await client.get(path, params=params)
    except httpx.HTTPError as exc:
        tally.errors[name] += 1
        tally.examples.append(f"{name}: {type(exc).__name__} {exc}")
        return None
    tally.latencies[name].append(time.perf_counter() - started)
    if response.status_code != 200:
        tally.errors[name] += 1
        tally.examples.append(f"{name}: {response.status_code} {response.text[:200]}")
        return None
    body: dict[str, Any] = response.json()
    return body


async def one_user(client: httpx.AsyncClient, tally: Tally, end: float, think: float) -> None:
    """One user's loop until ``end``: the dashboard, then incidents and their next pages."""

    async def pause() -> None:
        if think:  # never past the end, so that the run lasts what was asked
            await asyncio.sleep(
                min(random.uniform(0, 2 * think), max(0.0, end - time.perf_counter()))
            )

    while time.perf_counter() < end:
        await pause()
        if time.perf_counter() >= end:
            break
        await timed(client, tally, "GET /api/dashboard", "/api/dashboard",
                    {"agreement": "minsk-2015"})  # fmt: skip
        await pause()
        if time.perf_counter() >= end:
            break
        page = await timed(client, tally, "GET /api/incidents", "/api/incidents", {})
        for _ in range(NEXT_PAGES):
            cursor = page and page.get("next_cursor")
            if not cursor or time.perf_counter() >= end:
                break
            await pause()
            page = await timed(client, tally, "GET /api/incidents?cursor= (next pages)",
                               "/api/incidents", {"cursor": cursor})  # fmt: skip


async def warm_up(groups: dict[str, httpx.AsyncClient]) -> None:
    """The first answers after a start build the server's caches: the counts per data version
    (built in the background from the start; a request before they are ready waits), and the
    answers kept per visibility (one per party, and one for the cell). Timed here, once per
    user group, outside the measured load: the load measures the answers users get after
    those first ones."""
    for who, client in groups.items():
        for path, params in (
            ("/api/dashboard", {"agreement": "minsk-2015"}),
            ("/api/incidents", {}),
        ):
            started = time.perf_counter()
            response = await client.get(path, params=params, timeout=600)
            took = time.perf_counter() - started
            status = response.status_code
            print(f"  first {path} as {who} after the start: {status} in {took:.2f} s")


async def load(base: str, users: int, seconds: float, think: float) -> tuple[Tally, float]:
    """Sign every user in (Argon2id checks, before the clock), then run them all at once."""
    tally = Tally()
    # idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them, as
    # browsers do; otherwise a request can race the server's close and fail
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4, keepalive_expiry=4.0)
    clients = [
        httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S, limits=limits)
        for _ in range(users)
    ]
    try:
        made = usernames(users)
        gate = asyncio.Semaphore(4)
        pairs = zip(clients, made, strict=True)
        await asyncio.gather(*(sign_in(c, n, gate) for c, (n, _, _) in pairs))
        groups: dict[str, httpx.AsyncClient] = {}
        for client, (_, party, _) in zip(clients, made, strict=True):
            groups.setdefault("a cell user" if party is None else f"a {party} user", client)
        await warm_up(groups)
        print(f"{users} users signed in; {seconds:.0f} s of load ...", flush=True)
        began = time.perf_counter()
        await asyncio.gather(*(one_user(c, tally, began + seconds, think) for c in clients))
        return tally, time.perf_counter() - began
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def report(tally: Tally, elapsed: float, users: int, reports: int, think: float) -> None:
    print(
        f"\n{users} users, {reports:,} reports, {elapsed:.1f} s, think time "
        f"{think * 1000:.0f} ms mean (uniform 0 to {2 * think * 1000:.0f} ms)"
    )
    header = f"{'endpoint':44} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p90 ms':>8} "
    print(header + f"{'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    worst = 0.0
    total = errors = 0
    for name in sorted(set(tally.latencies) | set(tally.errors)):
        ms = np.asarray(tally.latencies.get(name, [0.0])) * 1000
        p50, p90, p99 = np.percentile(ms, [50, 90, 99])
        count = len(tally.latencies.get(name, []))
        total += count
        errors += tally.errors.get(name, 0)
        worst = max(worst, float(p99))
        print(
            f"{name:44} {count:8d} {count / elapsed:7.1f} {p50:8.1f} {p90:8.1f} {p99:8.1f} "
            f"{ms.max():8.1f} {tally.errors.get(name, 0):6d}"
        )
    print(f"{'all':44} {total:8d} {total / elapsed:7.1f}")
    verdict = "met" if worst < GOAL_P99_MS and errors == 0 else "MISSED"
    print(
        f"goal p99 < {GOAL_P99_MS:.0f} ms and 0 errors: {verdict} (worst p99 {worst:.1f} ms, "
        f"{errors} error(s))"
    )
    for example in tally.examples[:5]:
        print(f"  error: {example}")
