"""Live changes (advance, late inserts, edits, deletes) as the API and the ground truth see them."""

from __future__ import annotations

from datetime import timedelta

from sim_helpers import BASE, NOW, login

from simulator import content_hash, run_simulator

ALL = {"mashup": {"withArchived": True}}


def test_advance_moves_the_clock_and_adds_newest_responses() -> None:
    with run_simulator(BASE.replace(responses=300)) as sim:
        api = login(sim)
        ids = sim.account.advance(3600, new_responses=25)
        assert len(ids) == 25 and sim.account.now == NOW + timedelta(hours=1)
        newest = api.post(f"{sim.url}/api/answers/page/1/25", json=ALL, timeout=5).json()
        assert {a["id"] for a in newest["responses"]} == set(ids)
        assert all(a["responseDateTime"] > "2024-06-01T12:00:00" for a in newest["responses"])
        assert newest["totalCount"] == 325 == len(sim.account.ground_truth())


def test_insert_late_stamps_responses_in_the_past() -> None:
    with run_simulator(BASE.replace(responses=300)) as sim:
        api = login(sim)
        at = NOW - timedelta(days=5)
        ids = sim.account.insert_late(8, at=at)
        assert any(i.startswith("import-") for i in ids)  # client-made ids
        body = {
            "afterdate": "2024-05-27T12:00:00.000Z",
            "beforedate": "2024-05-27T12:00:00Z",
            **ALL,
        }
        window = api.post(f"{sim.url}/api/answers", json=body, timeout=5).json()
        assert set(ids) <= {a["id"] for a in window}
        assert set(ids) <= set(sim.account.ground_truth(at, at))
        for rid in ids:
            assert api.get(f"{sim.url}/api/answer/{rid}", timeout=5).status_code == 200


def test_edits_change_content_without_any_modified_stamp() -> None:
    with run_simulator(BASE.replace(responses=300)) as sim:
        api = login(sim)
        truth = sim.account.ground_truth()
        partial = next(i for i, a in truth.items() if len(a["responses"]) <= 3)
        target = next(iter(truth))
        for kwargs in (
            {"add_answer": True},
            {"append_note": "Called back"},
            {"flip_archived": True},
        ):
            before = api.get(f"{sim.url}/api/answer/{target}", timeout=5).json()
            assert sim.account.edit(target, **kwargs) == [target]
            after = api.get(f"{sim.url}/api/answer/{target}", timeout=5).json()
            assert content_hash(after) != content_hash(before)
            assert after["responseDateTime"] == before["responseDateTime"]
            assert sim.account.ground_truth()[target] == after
        assert after["archived"] != truth[target]["archived"]
        assert after["notes"][-1]["note"] == "Called back"
        sim.account.edit(partial, complete_partial=True)
        assert len(sim.account.ground_truth()[partial]["responses"]) > len(
            truth[partial]["responses"]
        )


def test_flip_archived_moves_a_response_between_filters() -> None:
    with run_simulator(BASE.replace(responses=200)) as sim:
        api = login(sim)
        target = next(i for i, a in sim.account.ground_truth().items() if not a["archived"])
        count = int(api.post(f"{sim.url}/api/answers/count", json={}, timeout=5).text)
        sim.account.edit(target, flip_archived=True)
        assert int(api.post(f"{sim.url}/api/answers/count", json={}, timeout=5).text) == count - 1
        archived = api.post(f"{sim.url}/api/answers", json={"archived": True}, timeout=5).json()
        assert target in {a["id"] for a in archived}


def test_delete_leaves_no_trace() -> None:
    with run_simulator(BASE.replace(responses=200)) as sim:
        api = login(sim)
        victims = list(sim.account.ground_truth())[:5]
        assert sim.account.delete([*victims, "unknown"]) == victims
        assert api.get(f"{sim.url}/api/answer/{victims[0]}", timeout=5).status_code == 404
        served = api.post(f"{sim.url}/api/answers", json=ALL, timeout=5).json()
        assert len(served) == 195 and not set(victims) & {a["id"] for a in served}
        assert not set(victims) & set(sim.account.ground_truth())
