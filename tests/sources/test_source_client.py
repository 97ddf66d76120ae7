"""Unit tests of `sources.wxm.client`: failures become one clear `WxmError`, cancellation."""

from __future__ import annotations

import socket

import pytest

from simulator import SimulatorConfig, run_simulator
from sources.wxm import ConfigurationError, _verify_tls, wxm_source
from sources.wxm.client import WxmClient
from sources.wxm.exceptions import ApiError, WxmError
from tests.sources.conftest import canned_client, login_ok


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("fast_retries")
def test_unreachable_api_is_an_api_error_naming_the_setting() -> None:
    client = WxmClient(f"http://127.0.0.1:{free_port()}", "user", "key-123", rate_limit=0)
    with pytest.raises(ApiError) as raised:
        client.get("/api/questions")
    assert "base_url" in str(raised.value) and "key-123" not in str(raised.value)
    assert client.stats.requests == 8  # the login's attempts, not 8 x 8


def test_tls_failure_is_not_retried_and_names_verify_tls() -> None:
    with run_simulator(SimulatorConfig(responses=10, rate_limit=0)) as sim:
        client = WxmClient(sim.url.replace("http://", "https://"), "u", "k", rate_limit=0)
        with pytest.raises(ApiError, match="verify_tls"):
            client.get("/api/questions")
        assert client.stats.requests == 1


def test_bad_base_url_is_named() -> None:
    client = WxmClient("api.getcloudcherry.com", "u", "k", rate_limit=0)
    with pytest.raises(ApiError, match="base_url"):
        client.get("/api/questions")


def test_cancel_stops_further_calls() -> None:
    client = canned_client(lambda r: login_ok() if "Login" in r.path_url else (200, [], {}))
    assert client.get("/api/questions") == []
    client.cancel()
    with pytest.raises(WxmError, match="stopped"):
        client.get("/api/questions")


@pytest.mark.parametrize(
    ("configured", "expected"),
    [("false", False), ("true", True), ("0", False), (__file__, __file__)],
)
def test_verify_tls_is_read_from_config(
    monkeypatch: pytest.MonkeyPatch, configured: str, expected: bool | str
) -> None:
    monkeypatch.setenv("SOURCES__WXM__VERIFY_TLS", configured)
    assert _verify_tls(True) == expected
    assert _verify_tls(False) is False  # an explicit argument wins over the default


def test_verify_tls_rejects_a_missing_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__WXM__VERIFY_TLS", "/no/such/ca.pem")
    with pytest.raises(ValueError, match="CA bundle"):
        _verify_tls(True)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("base_url", "api.getcloudcherry.com"),
        ("page_size", 5000),
        ("lookback_days", -1),
        ("max_in_flight", 0),
        ("pii", "maybe"),
        ("request_timeout", 0),
        ("start_date", "yesterday"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(setting: str, value: object) -> None:
    args: dict[str, object] = {"base_url": "http://wxm.test", "username": "u", "api_key": "k"}
    args[setting] = value
    with pytest.raises(ConfigurationError, match=f"sources.wxm.{setting}"):
        wxm_source(pii_salt="s", **args)
