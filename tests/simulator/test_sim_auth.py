"""Login, Bearer and Basic auth, 401s, token expiry, routing rules."""

from __future__ import annotations

import base64
import time

import requests
from sim_helpers import BASE, login

from simulator import Simulator, run_simulator

DENIED = {"Message": "Authorization has been denied for this request."}


def test_login_returns_the_documented_fields(sim: Simulator) -> None:
    form = {"grant_type": "password", "username": sim.username, "password": sim.api_key}
    body = requests.post(f"{sim.url}/api/LoginToken", data=form, timeout=5).json()
    assert list(body) == [
        "access_token",
        "token_type",
        "expires_in",
        "userName",
        "email",
        "primaryRole",
        "managedBy",
        "preview",
        "station",
        "hash",
        ".issued",
        ".expires",
    ]
    assert body["token_type"] == "bearer" and body["expires_in"] == 43199
    assert all(isinstance(v, str) for k, v in body.items() if k != "expires_in")


def test_password_also_accepted_and_wrong_password_is_invalid_grant(sim: Simulator) -> None:
    url = f"{sim.url}/api/logintoken/"
    ok = requests.post(
        url,
        data={"grant_type": "password", "username": sim.username, "password": sim.password},
        timeout=5,
    )
    assert ok.status_code == 200
    bad = requests.post(
        url,
        data={"grant_type": "password", "username": sim.username, "password": "nope"},
        timeout=5,
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    grant = requests.post(url, data={"grant_type": "client_credentials"}, timeout=5)
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"


def test_missing_or_wrong_token_is_401_with_the_api_body(sim: Simulator) -> None:
    url = f"{sim.url}/api/answers/count"
    assert requests.post(url, json={}, timeout=5).json() == DENIED
    wrong = requests.post(url, json={}, headers={"Authorization": "Bearer x"}, timeout=5)
    assert wrong.status_code == 401 and wrong.json() == DENIED


def test_basic_auth_with_api_key(sim: Simulator) -> None:
    good = base64.b64encode(f"{sim.username}:{sim.api_key}".encode()).decode()
    bad = base64.b64encode(f"{sim.username}:wrong".encode()).decode()
    url = f"{sim.url}/api/questions"
    assert requests.get(url, headers={"Authorization": f"Basic {good}"}, timeout=5).ok
    assert (
        requests.get(url, headers={"Authorization": f"Basic {bad}"}, timeout=5).status_code == 401
    )


def test_status_needs_no_auth(sim: Simulator) -> None:
    assert requests.get(f"{sim.url}/api/status", timeout=5).status_code == 200


def test_routes_are_case_insensitive_and_tolerate_trailing_slash(
    api: requests.Session, sim: Simulator
) -> None:
    counts = {
        api.post(f"{sim.url}{path}", json={}, timeout=5).text
        for path in ("/api/answers/count", "/API/Answers/COUNT/", "/api/ANSWERS/count/")
    }
    assert len(counts) == 1 and next(iter(counts)).isdigit()
    assert api.get(f"{sim.url}/api/Questions/Active/", timeout=5).status_code == 200


def test_unknown_route_404_and_wrong_method_405(api: requests.Session, sim: Simulator) -> None:
    assert api.get(f"{sim.url}/api/nothing", timeout=5).status_code == 404
    assert api.get(f"{sim.url}/api/answers/count", timeout=5).status_code == 405


def test_token_expires_after_its_lifetime() -> None:
    with run_simulator(BASE.replace(token_ttl=0.3)) as sim:
        session = login(sim)
        url = f"{sim.url}/api/answers/count"
        assert session.post(url, json={}, timeout=5).status_code == 200
        time.sleep(0.5)
        expired = session.post(url, json={}, timeout=5)
        assert expired.status_code == 401 and expired.json() == DENIED
