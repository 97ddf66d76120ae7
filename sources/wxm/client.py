"""The one HTTP client every resource of a sync shares.

One `requests.Session` per source instance, with:

* a `RateLimitedAdapter` mounted for http and https, so every attempt (first tries, retries,
  logins) passes the shared limiter and is counted (`ratelimit.py`);
* `WxmTokenAuth` passed on each API call (not set on the session, so the login call itself goes out
  without it) (`auth.py`);
* the retry loop of `retry.py` around each attempt, which also parses the body: a truncated or
  non-JSON body, or an HTML page sent with status 200, is a transient failure like a 5xx;
* a re-login on 401 (at most two per call, for revocation races), then `AuthenticationError`;
* TLS verification on by default; `verify_tls` may be False or a CA bundle path (corporate CA).

dlt's `RESTClient` is not used: WXM's paging puts page numbers in the path of a POST with a filter
body and needs reconciliation against counts, which is the window fetcher's job (`responses.py`),
and the configuration endpoints are single GETs. The client is plain and small instead.

Empty 200 bodies, `null` and `[]` all mean "no data" and come back as None or [] (wxm-api.md §1).
Log lines carry the method and path only: no host credentials, headers or bodies.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from sources.wxm import retry
from sources.wxm.auth import WxmTokenAuth
from sources.wxm.exceptions import ApiError, AuthenticationError, WxmError
from sources.wxm.ratelimit import RateLimitedAdapter, parse_retry_after, shared_limiter
from sources.wxm.retry import RetryPolicy, TransientError, call_with_retries
from sources.wxm.stats import SyncStats

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 120.0)
"""Connect and read timeouts in seconds; a page of big responses can take a while to build."""
USER_AGENT = "wxm-pipeline (dlt source)"
RELOGINS_PER_CALL = 2
"""New logins one call may make after 401s: one per refused token, so a revocation that also hits
the token the first re-login fetched (a revocation race) does not fail the sync; a call refused
with two fresh tokens in a row is an `AuthenticationError`."""


class _Unauthorized(Exception):
    """A 401 on an API call; carries the Authorization header that was refused."""

    def __init__(self, header: str | None) -> None:
        super().__init__("HTTP 401")
        self.header = header


@dataclass(frozen=True)
class AnswersPage:
    """One page of `POST /api/answers/page/{page}/{rows}`.

    Attributes:
        requested: the page number that was requested.
        current_page: `currentPage` as the API reported it (None when absent).
        responses: the Answers on the page (empty for an empty body, `null` or `[]`).
        total_count: `totalCount`, the number of responses in the filter (None when absent).
        total_pages: `totalPages` (None when absent).
    """

    requested: int
    current_page: int | None
    responses: list[dict[str, Any]]
    total_count: int | None
    total_pages: int | None


class WxmClient:
    """A small WXM API client: rate-limited, retried, authenticated.

    Args:
        base_url: e.g. ``https://api.getcloudcherry.com`` (no trailing ``/api``).
        username: the WXM login.
        api_key: its API key.
        rate_limit: requests per second over all threads; 0 or less turns limiting off.
        max_in_flight: concurrent requests the caller intends (sizes the connection pool).
        verify_tls: True, False, or the path of a CA bundle.
        stats: the sync's counters.
        retry_policy: retry bounds.
        timeout: (connect, read) timeouts in seconds.
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        api_key: str,
        *,
        rate_limit: float = 14.0,
        max_in_flight: int = 8,
        verify_tls: bool | str = True,
        stats: SyncStats | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        if self.base_url.endswith("/api"):
            self.base_url = self.base_url[: -len("/api")]
        self.stats = stats if stats is not None else SyncStats()
        self.retry_policy = retry_policy or RetryPolicy()
        self.timeout = timeout
        self._stop = threading.Event()
        self.limiter = shared_limiter(self.base_url, username, rate_limit)

        self.session = requests.Session()
        self.session.verify = verify_tls
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        adapter = RateLimitedAdapter(
            self.limiter,
            self.stats,
            self._stop,
            pool_connections=1,
            pool_maxsize=max(4, max_in_flight + 2),
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

        self.auth = WxmTokenAuth(
            username=username,
            api_key=api_key,
            login_url=f"{self.base_url}/api/LoginToken",
            session=self.session,
            stats=self.stats,
            retry_policy=self.retry_policy,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"WxmClient(base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the session's connections (the limiter is shared by the process: it stays)."""
        self.session.close()

    def cancel(self) -> None:
        """Stop the sync's calls: waits end early and every further attempt raises `WxmError`.

        Used when the responses resource stops on an error or is closed (SIGTERM, Ctrl-C), so
        worker threads do not keep retrying for minutes after the run has failed.
        """
        self._stop.set()

    def pause(self, seconds: float) -> None:
        """Wait `seconds`, cut short when the sync is cancelled."""
        self._sleep(seconds)

    def _sleep(self, seconds: float) -> None:
        retry.pause(seconds, self._stop)  # via the module, so tests can replace it

    def get(self, path: str) -> Any:
        """GET an API path (e.g. ``/api/questions``) and return its parsed JSON (None if empty)."""
        return self.request("GET", path)

    def post(self, path: str, body: Any) -> Any:
        """POST a JSON body to an API path and return the parsed JSON (None if empty)."""
        return self.request("POST", path, body)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Send one API call with retries and one re-login on 401.

        Args:
            method: "GET" or "POST".
            path: the API path, starting with ``/api/``.
            body: the JSON body of a POST.

        Returns:
            The parsed JSON body; None for an empty body.

        Raises:
            AuthenticationError: credentials refused, or a 401 survived a fresh login.
            ApiError: a non-retryable HTTP error, or retries spent.
            WxmError: the sync was cancelled.
        """
        what = f"{method} {path}"
        for relogins in range(RELOGINS_PER_CALL + 1):
            try:
                return call_with_retries(
                    lambda: self._attempt(method, path, body),
                    self.retry_policy,
                    self.stats,
                    what=what,
                    sleep=self._sleep,
                )
            except requests.exceptions.SSLError:
                raise ApiError(
                    f"TLS verification of {self.host} failed: behind a TLS-inspecting proxy set "
                    "sources.wxm.verify_tls to the path of the corporate CA bundle",
                    path=path,
                ) from None
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema,
            ):
                raise ApiError(
                    f"sources.wxm.base_url {self.base_url!r} is not a valid http(s) URL",
                    path=path,
                ) from None
            except requests.RequestException as error:
                raise ApiError(
                    f"could not reach WXM at {self.host} ({type(error).__name__}, attempts spent): "
                    "check sources.wxm.base_url and the network",
                    path=path,
                ) from None
            except _Unauthorized as refused:
                if relogins == RELOGINS_PER_CALL:
                    break
                logger.info("`%s` answered 401: logging in again", what)
                self.auth.invalidate(refused.header)
        raise AuthenticationError(
            f"WXM refused fresh access tokens for `{what}` (HTTP 401 after {RELOGINS_PER_CALL} "
            "new logins): the user lacks permission for this call or its tokens keep being "
            "revoked; check the user's role in WXM"
        )

    @property
    def host(self) -> str:
        """The API host (for messages; no credentials are ever part of `base_url`)."""
        return self.base_url.split("://", 1)[-1].split("/", 1)[0]

    def _attempt(self, method: str, path: str, body: Any) -> Any:
        if self._stop.is_set():
            raise WxmError("the sync was stopped before all requests were sent")
        started = time.monotonic()
        response = self.session.request(
            method,
            f"{self.base_url}{path}",
            json=body if method != "GET" else None,
            auth=self.auth,
            timeout=self.timeout,
            allow_redirects=False,
            # explicit, so REQUESTS_CA_BUNDLE cannot replace a configured CA bundle or `false`
            # (requests lets it override the session's setting); with `true` it still applies
            verify=self.session.verify,
        )
        status = response.status_code
        logger.debug(
            "%s %s -> %d (%.0f ms)", method, path, status, (time.monotonic() - started) * 1000
        )
        if status == 401:
            raise _Unauthorized(response.request.headers.get("Authorization"))
        if status == 429 or status >= 500:
            raise TransientError(
                f"HTTP {status} from `{method} {path}`",
                status=status,
                path=path,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 300:
            raise ApiError(f"HTTP {status} from `{method} {path}`", status=status, path=path)
        return parse_body(response, f"{method} {path}")

    # --- typed calls ---------------------------------------------------------------------------

    def answers_count(self, filter_by: dict[str, Any]) -> int:
        """`POST /api/answers/count`: responses matching a FilterBy (an empty body is 0)."""
        value = self.post("/api/answers/count", filter_by)
        if value is None or value == []:
            return 0
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise TransientError(
                f"`/api/answers/count` answered {type(value).__name__}, not a number",
                path="/api/answers/count",
            )
        try:
            return int(value)
        except ValueError as error:
            raise TransientError(
                "`/api/answers/count` answered text that is not a number",
                path="/api/answers/count",
            ) from error

    def answers_page(self, filter_by: dict[str, Any], page: int, rows: int) -> AnswersPage:
        """`POST /api/answers/page/{page}/{rows}`: one page of responses for a FilterBy."""
        path = f"/api/answers/page/{page}/{rows}"
        payload = self.post(path, filter_by)
        if payload is None or payload == []:
            return AnswersPage(page, None, [], None, None)
        if isinstance(payload, list):  # a bare list of Answers
            return AnswersPage(page, None, _answers(payload, path), None, None)
        if not isinstance(payload, dict):
            raise TransientError(f"`{path}` answered {type(payload).__name__}", path=path)
        return AnswersPage(
            requested=page,
            current_page=_int_or_none(payload.get("currentPage")),
            responses=_answers(payload.get("responses") or [], path),
            total_count=_int_or_none(payload.get("totalCount")),
            total_pages=_int_or_none(payload.get("totalPages")),
        )


def parse_body(response: requests.Response, what: str) -> Any:
    """Parse a 2xx body as JSON; empty means None; HTML or broken JSON is a transient failure."""
    content = response.content
    if not content or not content.strip():
        return None
    content_type = response.headers.get("Content-Type", "").lower()
    if "html" in content_type or content.lstrip()[:1] == b"<":
        raise TransientError(
            f"`{what}` answered an HTML page with HTTP {response.status_code}",
            status=response.status_code,
        )
    try:
        return json.loads(content)
    except ValueError as error:
        raise TransientError(
            f"`{what}` answered a truncated or invalid JSON body ({len(content)} bytes)",
            status=response.status_code,
        ) from error


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _answers(items: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise TransientError(
            f"`{path}` answered responses that are not a list of objects", path=path
        )
    return items
