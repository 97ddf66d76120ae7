"""The ASGI application: WXM's routes, auth, rate limit, faults and FilterBy semantics.

Routes are matched case-insensitively with a trailing slash tolerated, as WXM's ASP.NET back end
does; responses are pre-serialized with orjson so a 1000-row page costs milliseconds.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import orjson

from simulator.account import Account, ArchivedMode
from simulator.faults import Fault, Faults
from simulator.protocol import reset_connection
from simulator.ratelimit import SlidingWindowLimiter
from simulator.stats import Stats
from simulator.timefmt import parse_ticks, rfc1123
from simulator.tokens import TokenStore

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

JSON = b"application/json; charset=utf-8"
DENIED = b'{"Message":"Authorization has been denied for this request."}'
HTML_ERROR = (
    b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    b"<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>"
)
SUBUSERS_PER_PAGE = 10
TOKENS_PER_PAGE = 100
SURVEY_TOKENS_MAX = 5_000


@dataclass
class Reply:
    """An HTTP answer before it is sent."""

    status: int = 200
    body: bytes = b""
    content_type: bytes = JSON
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    rows: int = 0


class ApiError(Exception):
    """Turns into a JSON error reply."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.reply = Reply(status, orjson.dumps(body))


def _message(status: int, text: str) -> ApiError:
    return ApiError(status, {"Message": text})


@dataclass(frozen=True)
class Route:
    """A resolved route: its name, allowed method and path parameters."""

    name: str
    method: str
    params: tuple[str, ...] = ()


def resolve(segments: list[str]) -> Route | None:
    """Match `api/...` path segments (original case) to a route, case-insensitively."""
    low = [s.lower() for s in segments]
    if len(low) < 2 or low[0] != "api":
        return None
    rest, raw = low[1:], segments[1:]
    fixed: dict[tuple[str, ...], Route] = {
        ("logintoken",): Route("login", "POST"),
        ("status",): Route("status", "GET"),
        ("answers", "count"): Route("answers/count", "POST"),
        ("answers",): Route("answers", "POST"),
        ("questions",): Route("questions", "GET"),
        ("questions", "active"): Route("questions/active", "GET"),
        ("settings",): Route("settings", "GET"),
        ("allsurveyquestionnaires",): Route("allsurveyquestionnaires", "GET"),
        ("account", "getsubusers"): Route("account/getsubusers", "GET"),
        ("dispatches",): Route("dispatches", "GET"),
        ("deliveryplan",): Route("deliveryplan", "GET"),
        ("contenttemplates",): Route("contenttemplates", "GET"),
    }
    if tuple(rest) in fixed:
        return fixed[tuple(rest)]
    if len(rest) == 4 and rest[:2] == ["answers", "page"]:
        return Route("answers/page", "POST", (raw[2], raw[3]))
    if len(rest) == 2 and rest[0] == "answer":
        return Route("answer", "GET", (raw[1],))
    if len(rest) in (4, 5) and rest[:3] == ["account", "getsubusers", "page"]:
        return Route("account/getsubusers/page", "GET", tuple(raw[3:]))
    if len(rest) == 3 and rest[:2] == ["surveytoken", "page"]:
        return Route("surveytoken/page", "GET", (raw[2],))
    return None


class SimulatorApp:
    """ASGI callable serving one simulated account."""

    def __init__(self, account: Account, faults: Faults, stats: Stats, tokens: TokenStore) -> None:
        self.account = account
        self.config = account.config
        self.faults = faults
        self.stats = stats
        self.tokens = tokens
        self.limiter = SlidingWindowLimiter(self.config.rate_limit)
        self.admin: Callable[[Scope, str, str, bytes], Awaitable[Reply]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request."""
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        path = scope["path"]
        segments = [s for s in path.split("/") if s]
        method = scope["method"].upper()
        if segments and segments[0].lower() == "_admin":
            reply = await self._admin(scope, method, segments, body)
            await _send(send, reply)
            return

        route = resolve(segments)
        if route is None:
            await _send(
                send,
                _message(
                    404, f"No HTTP resource was found that matches the request URI '{path}'."
                ).reply,
            )
            return
        self.stats.record_request(route.name)
        fault = self.faults.take(route.name)
        if fault is not None:
            early = await self._apply_fault(fault, scope)
            if early is not None:
                if early.status >= 0:
                    self.stats.record_status(early.status)
                    await _send(send, early)
                return
        try:
            reply = await self._handle(scope, method, route, body, fault)
        except ApiError as error:
            reply = error.reply
        if reply.rows and self.config.row_cost_us:
            await asyncio.sleep(reply.rows * self.config.row_cost_us / 1e6)
        if fault is not None and fault.kind == "truncated" and reply.status == 200:
            reply.body = reply.body[: max(1, len(reply.body) // 2)]
        self.stats.record_status(reply.status)
        await _send(send, reply)

    async def _admin(self, scope: Scope, method: str, segments: list[str], body: bytes) -> Reply:
        if self.admin is None:
            return _message(404, "No HTTP resource was found that matches the request URI.").reply
        try:
            return await self.admin(scope, method, "/".join(s.lower() for s in segments[1:]), body)
        except ApiError as error:
            return error.reply
        except (KeyError, ValueError, TypeError) as error:
            return Reply(400, orjson.dumps({"Message": f"bad admin request: {error!r}"}))

    async def _apply_fault(self, fault: Fault, scope: Scope) -> Reply | None:
        """Apply a fault; a Reply ends the request (status -1 = connection already reset)."""
        logger.debug("fault %s on %s", fault.kind, scope["path"])
        kind = fault.kind
        if kind == "latency":
            await asyncio.sleep(fault.ms / 1000)
        elif kind == "slow":
            await asyncio.sleep(fault.seconds)
        elif kind == "revoke_token":
            self.tokens.revoke_all()
        elif kind == "5xx":
            return Reply(fault.status, b'{"Message":"An error has occurred."}')
        elif kind == "429":
            send_header = (
                self.config.send_retry_after if fault.retry_after is None else fault.retry_after
            )
            return self._too_many(float(self.config.retry_after_seconds), send_header)
        elif kind == "html200":
            return Reply(200, HTML_ERROR, b"text/html; charset=utf-8")
        elif kind == "empty":
            return Reply(200, b"")
        elif kind == "null":
            return Reply(200, b"null")
        elif kind == "reset":
            if await reset_connection(scope.get("client")):
                self.stats.record_status(0)
                return Reply(-1)
            return Reply(502, b"")
        return None

    def _too_many(self, wait: float, send_header: bool) -> Reply:
        headers = []
        if send_header:
            seconds = max(self.config.retry_after_seconds, math.ceil(wait))
            headers.append((b"retry-after", str(seconds).encode()))
        body = b'{"Message":"API calls quota exceeded! maximum admitted 15 per Second."}'
        return Reply(429, body, headers=headers)

    async def _handle(
        self, scope: Scope, method: str, route: Route, body: bytes, fault: Fault | None = None
    ) -> Reply:
        if method != route.method:
            raise _message(405, f"The requested resource does not support http method '{method}'.")
        if route.name == "status":
            return Reply(200, b'{"status":"ok"}')
        if route.name == "login":
            client = scope.get("client") or ("?", 0)
            wait = self.limiter.allow(f"login:{client[0]}")
            if wait is not None:
                return self._too_many(wait, self.config.send_retry_after)
            return self._login(body)

        key = self._authenticate(scope)
        wait = self.limiter.allow(key)
        if wait is not None:
            return self._too_many(wait, self.config.send_retry_after)
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        if route.name == "answers/page":
            return self._r_answers_page(route.params, body, fault)
        handler = getattr(self, "_r_" + route.name.replace("/", "_"))
        reply: Reply = handler(route.params, body)
        return reply

    # ---- auth -----------------------------------------------------------------------------------

    def _login(self, body: bytes) -> Reply:
        form = {k.lower(): v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "password":
            raise ApiError(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be 'password'.",
                },
            )
        username, secret = form.get("username", ""), form.get("password", "")
        if username.lower() != self.config.username.lower() or secret not in (
            self.config.api_key,
            self.config.password,
        ):
            raise ApiError(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The user name or password is incorrect.",
                },
            )
        token = self.tokens.issue()
        issued = datetime.now(UTC)
        body_out = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(self.config.token_ttl),
            "userName": self.config.username,
            "email": f"{self.config.username}@acme.example",
            "primaryRole": "Admin",
            "managedBy": "",
            "preview": "False",
            "station": "eu",
            "hash": f"{abs(hash(token)) % 10**12:012d}",
            ".issued": rfc1123(issued),
            ".expires": rfc1123(issued + timedelta(seconds=self.config.token_ttl)),
        }
        return Reply(200, orjson.dumps(body_out))

    def _authenticate(self, scope: Scope) -> str:
        """The rate-limit key of an authorised request; raises the API's 401 otherwise."""
        header = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value.decode("latin-1")
        scheme, _, credential = header.partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and self.tokens.check(credential) == "ok":
            return "token:" + credential
        if scheme.lower() == "basic":
            try:
                login, _, secret = base64.b64decode(credential).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                login, secret = "", ""
            if login.lower() == self.config.username.lower() and secret == self.config.api_key:
                return "basic:" + login.lower()
        raise ApiError(401, orjson.loads(DENIED))

    # ---- feedback -------------------------------------------------------------------------------

    def _selection(self, body: bytes) -> tuple[Any, bool]:
        """Parse a FilterBy body into the matching positions and the sort direction."""
        try:
            raw = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError as error:
            raise _message(400, "The request is invalid: body is not JSON.") from error
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise _message(400, "The request is invalid: FilterBy must be an object.")
        data = {str(k).lower(): v for k, v in raw.items()}
        lo = self._bound(data.get("afterdate"), lower=True)
        hi = self._bound(data.get("beforedate"), lower=False)
        names = data.get("location") or []
        if isinstance(names, str):
            names = [names]
        locations = self.account.questionnaire_index(names) if names else None
        mashup = data.get("mashup")
        with_archived = isinstance(mashup, dict) and any(
            str(k).lower() == "witharchived" and v is True for k, v in mashup.items()
        )
        mode: ArchivedMode = (
            "both" if with_archived else ("archived" if data.get("archived") is True else "normal")
        )
        oldest = data.get("sortbyoldest") is True
        if names and not locations:
            return range(0), oldest
        return self.account.select(lo, hi, locations, mode), oldest

    def _bound(self, value: Any, lower: bool) -> int | None:
        if value in (None, ""):
            return None
        try:
            ticks = parse_ticks(str(value))
        except ValueError as error:
            raise _message(400, f"The request is invalid: bad date {value!r}.") from error
        if self.config.inclusive_bounds:
            return -(-ticks // 10_000) if lower else ticks // 10_000
        return ticks // 10_000 + 1 if lower else -(-ticks // 10_000) - 1

    def _rows_bytes(self, positions: Any) -> list[bytes]:
        account = self.account
        with account.lock:
            return [account.answer_bytes(account.key_at(int(p)), int(p)) for p in positions]

    def _r_answers_page(
        self, params: tuple[str, ...], body: bytes, fault: Fault | None = None
    ) -> Reply:
        """One page; a `duplicate` fault repeats a neighbour page's response on it, a
        `total_pages` fault misreports `totalPages` by `fault.pages`."""
        try:
            page, rows = int(params[0]), int(params[1])
        except ValueError as error:
            raise _message(
                400, "The request is invalid: page and rows must be integers."
            ) from error
        if rows < 1 or rows > self.config.max_rows:
            raise _message(
                400, f"The request is invalid: rows must be within 1 and {self.config.max_rows}."
            )
        first = self.config.first_page
        if page < 0 or (first == "one" and page == 0):
            raise _message(400, "The request is invalid: page out of range.")
        index = page if first == "zero" else max(page - 1, 0)
        with self.account.lock:
            selection, oldest = self._selection(body)
            total = len(selection)
            ordered = selection if oldest else selection[::-1]
            lo, hi = index * rows, (index + 1) * rows
            chunk = self._rows_bytes(ordered[lo:hi])
            kind = fault.kind if fault is not None else None
            if kind == "duplicate" and lo < total:
                if lo > 0:  # the previous page's last response, again on this page
                    chunk = self._rows_bytes(ordered[lo - 1 : lo]) + chunk
                elif hi < total:  # the next page's first response, on this page too
                    chunk = chunk + self._rows_bytes(ordered[hi : hi + 1])
        total_pages = -(-total // rows)
        if fault is not None and fault.kind == "total_pages":
            total_pages = max(0, total_pages + fault.pages)
        out = b"".join(
            [
                b'{"currentPage":',
                str(page).encode(),
                b',"responses":[',
                b",".join(chunk),
                b'],"totalCount":',
                str(total).encode(),
                b',"totalPages":',
                str(total_pages).encode(),
                b"}",
            ]
        )
        return Reply(200, out, rows=len(chunk))

    def _r_answers_count(self, params: tuple[str, ...], body: bytes) -> Reply:
        selection, _ = self._selection(body)
        return Reply(200, str(len(selection)).encode())

    def _r_answers(self, params: tuple[str, ...], body: bytes) -> Reply:
        with self.account.lock:
            selection, oldest = self._selection(body)
            chunk = self._rows_bytes(selection if oldest else selection[::-1])
        return Reply(200, b"[" + b",".join(chunk) + b"]", rows=len(chunk))

    def _r_answer(self, params: tuple[str, ...], body: bytes) -> Reply:
        key = self.account.key_of(params[0])
        if key is None:
            raise _message(404, "Response not found.")
        return Reply(200, self.account.answer_bytes(key), rows=1)

    # ---- configuration --------------------------------------------------------------------------

    def _r_questions(self, params: tuple[str, ...], body: bytes) -> Reply:
        return Reply(200, orjson.dumps(self.account.catalog.questions))

    def _r_questions_active(self, params: tuple[str, ...], body: bytes) -> Reply:
        active = [q for q in self.account.catalog.questions if not q["isRetired"]]
        return Reply(200, orjson.dumps(active))

    def _r_settings(self, params: tuple[str, ...], body: bytes) -> Reply:
        return Reply(200, orjson.dumps(self.account.catalog.settings))

    def _r_allsurveyquestionnaires(self, params: tuple[str, ...], body: bytes) -> Reply:
        return Reply(200, orjson.dumps(self.account.catalog.questionnaires))

    def _r_account_getsubusers(self, params: tuple[str, ...], body: bytes) -> Reply:
        return Reply(200, orjson.dumps(self.account.catalog.subusers))

    def _r_account_getsubusers_page(self, params: tuple[str, ...], body: bytes) -> Reply:
        page = _int(params[0])
        search = params[1].lower() if len(params) > 1 else ""
        users = [
            u
            for u in self.account.catalog.subusers
            if not search or search in f"{u['userName']} {u['name']} {u['email']}".lower()
        ]
        start = (max(page, 1) - 1) * SUBUSERS_PER_PAGE
        return Reply(
            200,
            orjson.dumps(
                {
                    "currentPage": page,
                    "users": users[start : start + SUBUSERS_PER_PAGE],
                    "totalCount": len(users),
                    "totalPages": -(-len(users) // SUBUSERS_PER_PAGE),
                }
            ),
        )

    def _r_dispatches(self, params: tuple[str, ...], body: bytes) -> Reply:
        return Reply(200, orjson.dumps(self.account.catalog.dispatches))

    def _r_deliveryplan(self, params: tuple[str, ...], body: bytes) -> Reply:
        return Reply(200, orjson.dumps(self.account.catalog.delivery_plans))

    def _r_contenttemplates(self, params: tuple[str, ...], body: bytes) -> Reply:
        return Reply(200, orjson.dumps(self.account.catalog.content_templates))

    def _r_surveytoken_page(self, params: tuple[str, ...], body: bytes) -> Reply:
        page = _int(params[0])
        total = min(self.config.responses, SURVEY_TOKENS_MAX)
        start = (max(page, 1) - 1) * TOKENS_PER_PAGE
        tokens = [self._survey_token(n) for n in range(start, min(total, start + TOKENS_PER_PAGE))]
        return Reply(
            200,
            orjson.dumps(
                {
                    "currentPage": page,
                    "tokens": tokens,
                    "totalCount": total,
                    "totalPages": -(-total // TOKENS_PER_PAGE),
                }
            ),
        )

    def _survey_token(self, number: int) -> dict[str, Any]:
        account = self.account
        gen = account.gen
        moment = account.start_now_ms - (number + 1) * 3_600_000
        location = gen.location_index(number)
        email_q = account.catalog.question_ids["email"]
        return {
            "id": f"tok{gen.response_id(number, moment)[:21]}",
            "user": self.config.username,
            "location": account.catalog.questionnaires[location]["name"],
            "validUses": 1,
            "usedCount": number % 2,
            "validTill": account.fmt(moment + 30 * 86_400_000),
            "created": account.fmt(moment),
            "preFill": [
                {
                    "questionId": email_q,
                    "textInput": f"invitee{number}@mail.example",
                    "numberInput": 0,
                }
            ],
        }


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError as error:
        raise _message(400, "The request is invalid: page must be an integer.") from error


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _send(send: Send, reply: Reply) -> None:
    headers = [
        (b"content-type", reply.content_type),
        (b"content-length", str(len(reply.body)).encode()),
        *reply.headers,
    ]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})
