"""The admin HTTP routes (`/_admin/...`, off unless enabled) for scripting out-of-process runs.

| route | does |
|---|---|
| `GET /_admin/stats` | the request counters |
| `GET /_admin/now` | the account's virtual now |
| `POST /_admin/advance` `{"seconds", "new_responses"}` | `Account.advance` -> `{"ids": [...]}` |
| `POST /_admin/insert_late` `{"n", "at", "spread_seconds"}` | `Account.insert_late` |
| `POST /_admin/edit` `{"id", "add_answer", "append_note", ...}` | `Account.edit` |
| `POST /_admin/delete` `{"ids": [...]}` | `Account.delete` |
| `GET/POST/DELETE /_admin/faults` | list, add (`Faults.add` keywords), clear |
| `GET /_admin/ground_truth?after=&before=&with_archived=&hashes=` | count (+ id -> hash) |
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import orjson

from simulator.account import Account
from simulator.app import Reply, Scope, _message
from simulator.faults import Faults
from simulator.hashing import content_hash
from simulator.stats import Stats
from simulator.timefmt import datetime_of, parse_ticks


class AdminRoutes:
    """Handler of `/_admin/...` requests."""

    def __init__(self, account: Account, faults: Faults, stats: Stats) -> None:
        self.account = account
        self.faults = faults
        self.stats = stats

    async def __call__(self, scope: Scope, method: str, path: str, body: bytes) -> Reply:
        """Dispatch one admin request."""
        data: dict[str, Any] = orjson.loads(body) if body.strip() else {}
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        account = self.account
        result: Any
        if (method, path) == ("GET", "stats"):
            result = self.stats.snapshot()
        elif (method, path) == ("GET", "now"):
            result = {"now": account.now.isoformat()}
        elif (method, path) == ("POST", "advance"):
            result = {
                "ids": account.advance(float(data["seconds"]), int(data.get("new_responses", 0)))
            }
        elif (method, path) == ("POST", "insert_late"):
            result = {
                "ids": account.insert_late(
                    int(data["n"]), _when(data["at"]), float(data.get("spread_seconds", 0.0))
                )
            }
        elif (method, path) == ("POST", "edit"):
            options = {
                k: data[k]
                for k in ("add_answer", "append_note", "flip_archived", "complete_partial")
                if k in data
            }
            result = {"ids": account.edit(str(data["id"]), **options)}
        elif (method, path) == ("POST", "delete"):
            result = {"ids": account.delete([str(i) for i in data["ids"]])}
        elif (method, path) == ("GET", "faults"):
            result = self.faults.describe()
        elif (method, path) == ("POST", "faults"):
            self.faults.add(**data)
            result = self.faults.describe()
        elif (method, path) == ("DELETE", "faults"):
            self.faults.clear()
            result = []
        elif (method, path) == ("GET", "ground_truth"):
            truth = account.ground_truth(
                _when(query["after"]) if query.get("after") else None,
                _when(query["before"]) if query.get("before") else None,
                query.get("with_archived", "true").lower() != "false",
            )
            result = {"count": len(truth)}
            if query.get("hashes", "false").lower() == "true":
                result["hashes"] = {rid: content_hash(a) for rid, a in truth.items()}
        else:
            raise _message(404, f"No admin route {method} /_admin/{path}.")
        return Reply(200, orjson.dumps(result))


def _when(text: str) -> Any:
    return datetime_of(parse_ticks(text) // 10_000)
