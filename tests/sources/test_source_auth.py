"""Unit tests of `sources.wxm.auth` via the client: token reuse, expiry, 401, bad credentials."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import pytest

from sources.wxm.exceptions import AuthenticationError
from tests.sources.conftest import canned_client, login_ok

SECRET = "key-123"


class Account:
    """A fake API: tokens tok-1, tok-2, ...; `revoked` tokens answer 401."""

    def __init__(self, expires_in: int = 3600) -> None:
        self.expires_in = expires_in
        self.logins = 0
        self.revoked: set[str] = set()
        self.refuse_all = False
        self.login_status = 200

    def __call__(self, request):  # type: ignore[no-untyped-def]
        if request.path_url == "/api/LoginToken":
            form = parse_qs(request.body)
            assert form["grant_type"] == ["password"] and form["password"] == [SECRET]
            assert "Authorization" not in request.headers
            if self.login_status != 200:
                return self.login_status, {"error": "invalid_grant", "error_description": "x"}, {}
            self.logins += 1
            return login_ok(f"tok-{self.logins}", self.expires_in)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.refuse_all or token in self.revoked:
            return 401, {"Message": "Authorization has been denied for this request."}, {}
        return 200, [{"token": token}], {}


def test_token_is_reused_until_shortly_before_expiry() -> None:
    api = Account(expires_in=100)
    client = canned_client(api)
    now = {"t": 1000.0}
    client.auth._clock = lambda: now["t"]
    assert client.get("/api/questions") == [{"token": "tok-1"}]
    now["t"] += 80
    assert client.get("/api/questions") == [{"token": "tok-1"}]
    now["t"] += 11  # within the last 10 % of the lifetime: renewed before it expires
    assert client.get("/api/questions") == [{"token": "tok-2"}]
    assert api.logins == 2


def test_relogin_on_401_then_authentication_error() -> None:
    api = Account()
    client = canned_client(api)
    assert client.get("/api/questions") == [{"token": "tok-1"}]
    api.revoked.add("tok-1")
    assert client.get("/api/questions") == [{"token": "tok-2"}]
    assert api.logins == 2
    api.refuse_all = True
    with pytest.raises(AuthenticationError, match="HTTP 401 after 2 new logins"):
        client.get("/api/questions")
    assert api.logins == 4  # a refused call costs at most two new logins


def test_wrong_credentials_fail_with_a_fix_and_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    api = Account()
    api.login_status = 400
    client = canned_client(api)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as raised:
        client.get("/api/questions")
    message = str(raised.value)
    assert "SOURCES__WXM__API_KEY" in message and "\n" not in message
    assert SECRET not in message and SECRET not in caplog.text
    assert SECRET not in repr(client.auth) and SECRET not in repr(client)


def test_token_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    api = Account()
    client = canned_client(api)
    caplog.set_level(logging.DEBUG)
    client.get("/api/questions")
    api.revoked.add("tok-1")
    client.get("/api/questions")
    assert "tok-1" not in caplog.text and "tok-2" not in caplog.text
    assert "/api/questions" in caplog.text
