"""The generated account: questions, typed answers, configuration objects, secrets."""

from __future__ import annotations

from collections import Counter
from typing import Any

import requests
from sim_helpers import BASE

from simulator import Simulator
from simulator.account import Account

DISPLAY_TYPES = {
    "Scale",
    "Slider",
    "Number",
    "Smile-5",
    "Star-5",
    "Text",
    "MultilineText",
    "Select",
    "MultiSelect",
    "Dropdown",
    "Date",
    "Flag",
    "OrderBy",
    "File",
}
NUMERIC = {"Scale", "Slider", "Number", "Smile-5", "Star-5"}


def get(api: requests.Session, sim: Simulator, path: str) -> Any:
    reply = api.get(f"{sim.url}{path}", timeout=10)
    assert reply.status_code == 200
    return reply.json()


def test_questions_cover_every_type_tag_and_pii(api: requests.Session, sim: Simulator) -> None:
    questions = get(api, sim, "/api/questions")
    assert questions == sim.account.questions()
    assert len(questions) >= 40
    assert {q["displayType"] for q in questions} == DISPLAY_TYPES
    tags = Counter(t for q in questions for t in q["questionTags"])
    assert all(tags[t] for t in ("NPS", "CSAT", "CES", "Name", "Email", "Mobile"))
    assert {q["piiSettings"]["piiType"] for q in questions if q["piiSettings"]["isPII"]} == {
        "Name",
        "Email",
        "Mobile",
    }
    assert any(
        "," in o for q in questions if q["displayType"] == "MultiSelect" for o in q["multiSelect"]
    )
    retired = [q for q in questions if q["isRetired"]]
    active = get(api, sim, "/api/questions/active")
    assert retired and len(active) == len(questions) - len(retired)
    assert all(not q["lastUpdate"].endswith("Z") for q in questions)  # config field without Z


def test_answers_are_consistent_with_question_types(sim: Simulator) -> None:
    types = {q["id"]: q for q in sim.account.questions()}
    truth = sim.account.ground_truth()
    retired_answered = 0
    for answer in truth.values():
        for item in answer["responses"]:
            question = types[item["questionId"]]
            retired_answered += question["isRetired"]
            if question["displayType"] in NUMERIC:
                low, high = map(int, question["displayLegend"].split(","))
                assert low <= item["numberInput"] <= high and item["textInput"] is None
            else:
                assert item["numberInput"] == 0 and isinstance(item["textInput"], str)
            if question["displayType"] in ("Select", "Dropdown", "Flag"):
                assert item["textInput"] in question["multiSelect"]
    assert retired_answered > 0


def test_hard_content_is_present(sim: Simulator) -> None:
    truth = list(sim.account.ground_truth().values())
    texts = [r["textInput"] or "" for a in truth for r in a["responses"]]
    assert len({a["locationId"] for a in truth}) >= 5
    assert any(a["notes"] for a in truth) and any(a["notes"] is None for a in truth)
    assert any(a["openTicket"] for a in truth)
    assert any(a["archived"] for a in truth)
    assert any(ord(ch) > 0xFFFF for t in texts for ch in t)  # emoji
    assert max(map(len, texts)) > 20_000
    complete = max(len(a["responses"]) for a in truth)
    assert any(len(a["responses"]) <= 3 for a in truth) and complete > 6  # partial responses
    ticket = next(a["openTicket"] for a in truth if a["openTicket"])
    assert "orginalRoutedTo" in ticket and "cCedTo" in ticket
    note = next(a["notes"][0] for a in truth if a["notes"])
    assert list(note) == [
        "user",
        "authorName",
        "noteTime",
        "note",
        "noteSurveyID",
        "attachments",
        "theme",
        "mood",
        "attached",
        "tags",
    ]


def test_secrets_are_served_where_the_real_api_has_them(
    api: requests.Session, sim: Simulator
) -> None:
    settings = api.get(f"{sim.url}/api/settings", timeout=5).text
    plans = api.get(f"{sim.url}/api/DeliveryPlan", timeout=5)
    secrets = sim.account.secret_values()
    assert sum(s in settings for s in secrets) >= 3
    smtp = plans.json()[0]["routeEmailSMTP"]["password"]
    assert smtp in secrets
    assert sim.api_key in secrets


def test_pii_values_are_what_answers_carry(sim: Simulator) -> None:
    pii = sim.account.pii_values()
    assert any("@" in v for v in pii) and any(v.startswith("+1555") for v in pii)
    assert any(" " in v for v in pii)
    served = {r["textInput"] for a in sim.account.ground_truth().values() for r in a["responses"]}
    assert set(pii) <= served


def test_configuration_endpoints(api: requests.Session, sim: Simulator) -> None:
    settings = get(api, sim, "/api/settings")
    assert settings == sim.account.settings()
    assert {"timeZoneOffset", "npsRange", "locationList"} <= set(settings)
    names = [q["name"] for q in get(api, sim, "/api/AllSurveyQuestionnaires")]
    assert names == [loc["name"] for loc in settings["locationList"]] and len(names) >= 5
    users = get(api, sim, "/api/account/getsubusers")
    paged = get(api, sim, "/api/account/getsubusers/page/1/")
    assert list(paged) == ["currentPage", "users", "totalCount", "totalPages"]
    assert paged["totalCount"] == len(users) and paged["users"] == users[:10]
    assert get(api, sim, "/api/account/getsubusers/page/2")["users"] == users[10:20]
    dispatches = get(api, sim, "/api/Dispatches")
    plan_ids = {p["id"] for p in get(api, sim, "/api/DeliveryPlan")}
    assert dispatches and all(d["deliveryPlanId"] in plan_ids for d in dispatches)
    assert get(api, sim, "/api/ContentTemplates")[0].keys() == {"id", "account", "name"}
    tokens = get(api, sim, "/api/surveytoken/page/1")
    assert list(tokens) == ["currentPage", "tokens", "totalCount", "totalPages"]
    assert len(tokens["tokens"]) == 100


def test_same_seed_same_data_other_seed_other_data() -> None:
    one = Account(BASE.replace(responses=200)).ground_truth()
    two = Account(BASE.replace(responses=200)).ground_truth()
    other = Account(BASE.replace(responses=200, seed=12)).ground_truth()
    assert one == two and set(one) != set(other)
