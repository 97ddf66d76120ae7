"""WXM authentication: an access token from /api/LoginToken, reused until shortly before it expires.

`WxmTokenAuth` is a dlt `AuthConfigBase` (a `requests` auth that is also a dlt credentials spec):

* login: `POST /api/LoginToken`, form-encoded `grant_type=password&username=...&password=<API key>`
  through the sync's shared session, so the login passes the rate limiter and the retry loop like
  any other request (429/5xx on login are retried; 400/401 are not);
* reuse: the token is sent as `Authorization: Bearer ...` until `expires_in` minus a margin (10 % of
  the lifetime, at most 5 minutes), then a new one is fetched before the next request;
* threads: one lock around the token, so an expiry seen by eight threads at once costs one login;
* 401: the client calls `invalidate(header)` and retries with a fresh token; a call refused with
  two fresh tokens in a row is an `AuthenticationError` (see `client.py`);
* failures: wrong username or API key (400 `invalid_grant`), a two-factor account or a locked one
  (401) raise `AuthenticationError` with a message saying what to fix;
* secrets: the API key and the token never appear in a log line, an error message or `repr()`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

import requests
from dlt.common.configuration.specs.base_configuration import NotResolved, configspec
from dlt.common.typing import TSecretStrValue
from dlt.sources.helpers.rest_client.auth import AuthConfigBase
from requests import PreparedRequest
from requests import Session as BaseSession

from sources.wxm.exceptions import ApiError, AuthenticationError
from sources.wxm.retry import RetryPolicy, TransientError, call_with_retries
from sources.wxm.stats import SyncStats

logger = logging.getLogger(__name__)

LOGIN_PATH = "/api/LoginToken"
DEFAULT_LIFETIME_S = 3600.0
MAX_MARGIN_S = 300.0
CREDENTIALS_HINT = (
    "set SOURCES__WXM__USERNAME and SOURCES__WXM__API_KEY (or [sources.wxm] username and api_key "
    "in .dlt/secrets.toml) to a WXM login and its API key"
)


@configspec
class WxmTokenAuth(AuthConfigBase):
    """Bearer-token auth for WXM, logging in with the username and API key.

    Attributes:
        username: the WXM login (a user or sub-user without two-factor login).
        api_key: the user's API key (secret).
        login_url: the full URL of /api/LoginToken.
        session: the sync's shared session (rate-limited adapter mounted).
    """

    username: str | None = None
    api_key: TSecretStrValue | None = None
    login_url: str | None = None
    session: Annotated[BaseSession | None, NotResolved()] = None
    stats: Annotated[SyncStats | None, NotResolved()] = None
    retry_policy: Annotated[RetryPolicy | None, NotResolved()] = None
    timeout: Annotated[Any, NotResolved()] = None
    clock: Annotated[Callable[[], float] | None, NotResolved()] = None

    def __post_init__(self) -> None:
        self._stats = self.stats or SyncStats()
        self._policy = self.retry_policy or RetryPolicy()
        self._clock = self.clock or time.monotonic
        self._session = self.session or BaseSession()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return f"WxmTokenAuth(username={self.username!r}, login_url={self.login_url!r})"

    __str__ = __repr__

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        """Set the bearer header, logging in first when there is no valid token."""
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def token(self) -> str:
        """The current access token, fetched or renewed when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._login()
            assert self._token is not None
            return self._token

    def invalidate(self, authorization_header: str | None) -> None:
        """Forget the token that was sent in `authorization_header` (after a 401).

        A token another thread already renewed is kept, so a burst of 401s costs one login.
        """
        with self._lock:
            if self._token is not None and authorization_header == f"Bearer {self._token}":
                self._token = None

    def _login(self) -> None:
        if not self.username or not self.api_key:
            raise AuthenticationError(f"WXM credentials are missing: {CREDENTIALS_HINT}")
        self._stats.add("logins")
        started = self._clock()
        try:
            body = call_with_retries(
                self._login_attempt, self._policy, self._stats, what=f"POST {LOGIN_PATH}"
            )
        except TransientError as error:
            # retries are spent: not transient any more for the caller's own retry loop
            raise ApiError(
                f"WXM's login kept failing ({error}); try again later",
                status=error.status,
                path=LOGIN_PATH,
            ) from None
        except requests.RequestException as error:
            raise ApiError(
                f"could not reach WXM's login ({type(error).__name__}): check "
                "sources.wxm.base_url, the network and, behind a TLS-inspecting proxy, "
                "sources.wxm.verify_tls",
                path=LOGIN_PATH,
            ) from None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token or not isinstance(token, str):
            raise AuthenticationError("WXM's login answered without an access token")
        lifetime = _lifetime(body.get("expires_in"))
        margin = min(MAX_MARGIN_S, lifetime * 0.1)
        self._token = token
        self._expires_at = started + lifetime - margin
        logger.info(
            "logged in to WXM (token valid for %.0f s, renewed %.0f s early)", lifetime, margin
        )

    def _login_attempt(self) -> Any:
        response = self._session.post(
            str(self.login_url),
            data={"grant_type": "password", "username": self.username, "password": self.api_key},
            headers={"Accept": "application/json"},
            timeout=self.timeout,
            allow_redirects=False,
            verify=self._session.verify,  # see WxmClient._attempt
        )
        status = response.status_code
        if status == 429 or status >= 500:
            raise TransientError(f"login failed with HTTP {status}", status=status, path=LOGIN_PATH)
        if status in (400, 401, 403):
            raise AuthenticationError(_login_refusal(status, response.text))
        if status != 200:
            raise ApiError(f"login failed with HTTP {status}", status=status, path=LOGIN_PATH)
        try:
            return response.json()
        except ValueError as error:
            raise TransientError(
                "login answered with a body that is not JSON", status=status, path=LOGIN_PATH
            ) from error


def _lifetime(expires_in: Any) -> float:
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME_S
    return lifetime if lifetime > 0 else DEFAULT_LIFETIME_S


def _login_refusal(status: int, text: str) -> str:
    """A one-line, secret-free reason for a refused login (only the OAuth `error` code is kept)."""
    try:
        payload = json.loads(text) if text else {}
    except ValueError:
        payload = {}
    code = str(payload.get("error", "")) if isinstance(payload, dict) else ""
    description = (
        str(payload.get("error_description", "")).lower() if isinstance(payload, dict) else ""
    )
    if "two_factor" in code.lower() or "two-factor" in description or "2fa" in description:
        return (
            "WXM refused the login: this account requires two-factor login, which API logins "
            "cannot do; use a sub-user without two-factor login and its API key"
        )
    if code.lower() == "invalid_grant" or status == 400:
        return (
            f"WXM refused the username or API key (HTTP {status} invalid_grant): {CREDENTIALS_HINT}"
        )
    return (
        f"WXM refused the login (HTTP {status}{' ' + code[:40] if code else ''}): the account may "
        f"be locked or lack API access; {CREDENTIALS_HINT}"
    )
