"""Fixtures of the source's tests: a canned HTTP transport for unit tests, and helpers to run the
source against the simulator into a DuckDB file in `tmp_path`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

from sources.wxm import SyncStats, wxm_source
from sources.wxm.client import WxmClient
from sources.wxm.ratelimit import RateLimitedAdapter

Handler = Callable[[PreparedRequest], tuple[int, Any, dict[str, str]]]


class CannedTransport(HTTPAdapter):
    """Answers every request with `handler(request)`: (status, body, headers); records them."""

    def __init__(self, handler: Handler) -> None:
        super().__init__()
        self.handler = handler
        self.sent: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()

    def send(self, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        with self._lock:
            self.sent.append((time.monotonic(), str(request.method), str(request.path_url)))
        status, body, headers = self.handler(request)
        response = Response()
        response.status_code = status
        response.headers.update(headers)
        if isinstance(body, bytes):
            response._content = body
        elif body is None:
            response._content = b""
        else:
            response._content = json.dumps(body).encode()
            response.headers.setdefault("Content-Type", "application/json")
        response.request = request
        response.url = str(request.url)
        return response


class _Limited(RateLimitedAdapter, CannedTransport):
    """The source's real adapter (limiter, counters) in front of a canned transport."""

    def __init__(self, limiter: Any, stats: SyncStats, stop: Any, handler: Handler) -> None:
        CannedTransport.__init__(self, handler)
        self.limiter = limiter
        self.stats = stats
        self.stop = stop


def canned_client(handler: Handler, *, rate_limit: float = 0, **kwargs: Any) -> WxmClient:
    """A `WxmClient` whose transport is `handler` (the rate limiter and counters stay real)."""
    client = WxmClient("http://wxm.test", "user", "key-123", rate_limit=rate_limit, **kwargs)
    adapter = _Limited(client.limiter, client.stats, client._stop, handler)
    client.session.mount("http://", adapter)
    client.transport = adapter  # type: ignore[attr-defined]
    return client


def login_ok(token: str = "tok-1", expires_in: int = 3600) -> tuple[int, Any, dict[str, str]]:
    """A successful /api/LoginToken answer."""
    return 200, {"access_token": token, "token_type": "bearer", "expires_in": expires_in}, {}


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without waiting (tenacity's sleep is time.sleep by default)."""
    monkeypatch.setattr("sources.wxm.retry.time.sleep", lambda _s: None)
    monkeypatch.setattr("sources.wxm.retry.pause", lambda _s, _stop: None)


def run_sync(
    sim: Any,
    tmp_path: Path,
    name: str = "wxm_test",
    stats: SyncStats | None = None,
    **options: Any,
) -> dlt.Pipeline:
    """Run the whole source against a simulator into `tmp_path/wxm.duckdb`."""
    options.setdefault("rate_limit", 0)
    options.setdefault("pii_salt", "test-salt")
    pipeline = dlt.pipeline(
        name,
        destination=dlt.destinations.duckdb(str(tmp_path / "sync.duckdb")),
        dataset_name="wxm",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    source = wxm_source(
        base_url=sim.url,
        username=sim.username,
        api_key=sim.api_key,
        stats=stats or SyncStats(),
        **options,
    )
    pipeline.run(source, loader_file_format="parquet")
    return pipeline


def loaded_hashes(tmp_path: Path) -> dict[str, str]:
    """`responses` ids and content hashes in the DuckDB file."""
    con = duckdb.connect(str(tmp_path / "sync.duckdb"), read_only=True)
    try:
        return dict(con.execute("select id, content_hash from wxm.responses").fetchall())
    finally:
        con.close()


def query(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the DuckDB file."""
    con = duckdb.connect(str(tmp_path / "sync.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make sure no WXM credentials leak in from the environment."""
    for name in ("SOURCES__WXM__USERNAME", "SOURCES__WXM__API_KEY", "SOURCES__WXM__BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    yield
