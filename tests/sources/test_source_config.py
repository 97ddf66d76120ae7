"""Unit tests of the configuration resources: allow-lists, PII, objects a role may not read."""

from __future__ import annotations

import json
from typing import Any

from sources.wxm.config import ApiCache, config_resources
from tests.sources.conftest import canned_client, login_ok
from transforms.pii import PiiPolicy

SECRET = "FAKE-SMTP-PASSWORD-123"
OBJECTS: dict[str, Any] = {
    "/api/settings": {
        "user": "acme",
        "timeZoneOffset": 330,
        "npsRange": "7,8",
        "locationList": [{"name": "Store", "displayName": "Store survey", "tags": ["a"]}],
        "webhookSigningKey": SECRET,
    },
    "/api/AllSurveyQuestionnaires": [{"name": "Store", "displayName": "Store"}, {"name": "Web"}],
    "/api/questions": [{"id": "q1", "text": "How likely?", "displayType": "Scale"}],
    "/api/account/getsubusers": [
        {
            "id": "u1",
            "userName": "ann.lee",
            "name": "Ann Lee",
            "email": "ann@x.example",
            "mobilePhone": "+4400",
            "primaryRole": "Manager",
            "password": SECRET,
        }
    ],
    "/api/Dispatches": [
        {
            "id": "d1",
            "name": "Invites",
            "created": "2024-01-02T03:04:05",
            "isLive": True,
            "secretToken": SECRET,
        }
    ],
    "/api/DeliveryPlan": [
        {
            "id": "p1",
            "name": "Weekly",
            "updated": "2024-01-02T03:04:05.1234567Z",
            "counters": {"surveysDelivered": 9},
            "schedule": [{"channel": "Email"}],
            "routeEmailSMTP": {"login": "s@x", "password": SECRET},
        }
    ],
    "/api/ContentTemplates": None,  # an empty 200 body
}


def rows_by_table(forbidden: tuple[str, ...] = ()) -> dict[str, list[dict[str, Any]]]:
    def handler(request: Any) -> tuple[int, Any, dict[str, str]]:
        path = request.path_url
        if path.endswith("LoginToken"):
            return login_ok()
        if path in forbidden:
            return 403, {"Message": "Authorization has been denied for this request."}, {}
        body = OBJECTS[path]
        return 200, b"" if body is None else body, {}

    cache = ApiCache(canned_client(handler))
    resources = config_resources(cache, PiiPolicy(mode="hash", salt="s"), account_fallback="me")
    return {r.name: list(r) for r in resources}


def test_only_allow_listed_fields_reach_rows() -> None:
    tables = rows_by_table()
    text = json.dumps(tables, default=str)
    assert SECRET not in text
    plan = tables["delivery_plans"][0]
    assert plan["surveys_delivered"] == 9 and plan["channels"] == ["Email"]
    assert plan["updated"].tzinfo is not None
    assert tables["dispatches"][0]["created"].isoformat() == "2024-01-02T03:04:05+00:00"
    assert tables["content_templates"] == []
    assert {q["name"]: q["in_location_list"] for q in tables["questionnaires"]} == {
        "Store": True,
        "Web": False,
    }
    assert tables["settings"][0]["account"] == "acme"
    assert tables["settings"][0]["time_zone_offset"] == 330
    assert all("_" in key or key.islower() for rows in tables.values() for r in rows for key in r)


def test_users_people_fields_follow_the_pii_policy() -> None:
    user = rows_by_table()["users"][0]
    assert user["primary_role"] == "Manager"
    for field in ("name", "email", "mobile_phone", "user_name"):
        assert user[field] and len(user[field]) == 64  # HMAC-SHA-256 hex


def test_an_object_the_role_may_not_read_is_skipped() -> None:
    tables = rows_by_table(forbidden=("/api/account/getsubusers",))
    assert tables["users"] == []
    assert tables["dispatches"]
