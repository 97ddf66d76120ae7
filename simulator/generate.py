"""Responses derived from their index: the same (seed, index) yields the same Answer.

Nothing here holds responses: the account asks for the Answer of one key when it serves it.
Timestamps are a monotonic function of the index (responses come in bursts sharing one second,
some sharing one instant), so a date window maps to an index range by binary search.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.catalog import (
    FIRST_NAMES,
    LAST_NAMES,
    QUESTION_SPECS,
    QUESTIONNAIRE_WEIGHTS,
    QUESTIONNAIRES,
    Catalog,
    QuestionSpec,
    _ascii,
)
from simulator.mixing import MASK64, mix64, mix64_array
from simulator.timefmt import _Formatter

BURST = 8  # responses per burst (a burst shares one second, or one instant)
MAX_STEP_MS = 37
ARCHIVED_PCT = 4
PARTIAL_PCT = 8
NOTES_PCT = 10
TICKET_PCT = 5
LONG_TEXT_PER_MILLE = 10

COMMENTS = [
    "Great service, thank you! 😊",
    'Queue was long; staff were "friendly" though.',
    "Très bien — rien à redire.",
    "Muy rápido y eficiente 👍",
    "非常好的服务，谢谢！",
    "Die Wartezeit war zu lang.\nSonst alles gut.",
    "App crashed twice 🙄 please fix",
    "Could be better. Prices, fees and delivery times need work.",
    "Best experience ever!!! 🎉🎉🎉",
    "Nothing to add.",
    "The agent (Ms. O'Brien) solved it in 5 min\tthanks",
    "Ужасно долго ждал ответа.",
    "Zölle & Gebühren: unklar 🤔",
    "👍",
    "",
]
LONG_SENTENCE = (
    "I want to describe my experience in full detail, because it matters to me — "
    "from arriving at the store 🏬 to leaving with my order, every step was documented. "
)
NOTE_TEXTS = [
    "Called the customer back, issue explained.",
    "Escalated to the store manager 📞",
    "Customer asked for a refund, approved.",
    "Duplicate of an earlier complaint",
    "Follow-up e-mail sent; awaiting reply.",
]
CLIENTS = {
    "Mobile App": ["InApp-Droid", "InApp-iOS"],
    "Support Call": ["voice", "email"],
}
DEFAULT_CLIENTS = ["JS-Web", "email", "JS-Web", "kiosk"]
TICKET_STATUSES = ["Open", "Resolved", "Declined", "Closed"]


class Generator:
    """Derives responses (time, questionnaire, flags, content) from their integer key."""

    def __init__(
        self,
        seed: int,
        catalog: Catalog,
        fmt: _Formatter,
        start_ms: int,
        span_ms: int,
        base_count: int,
        whole_seconds: bool,
    ) -> None:
        self.seed = seed
        self.catalog = catalog
        self.fmt = fmt
        self.start_ms = start_ms
        self.span_ms = span_ms
        self.base_count = base_count
        self.whole_seconds = whole_seconds
        self.retire_ms = start_ms + span_ms // 2
        self.buckets = max(1, -(-base_count // BURST))
        self.step_ms = min(MAX_STEP_MS, (span_ms // self.buckets) // BURST)
        self.salt = mix64(seed * 0x100000001B3 + 0xC0FFEE)
        self.id_mask = self.salt & 0xFFFFFFFFFF
        self.id_tag = (self.salt >> 40) & 0xFFFFFF
        cumulative, total = [], 0
        for weight in QUESTIONNAIRE_WEIGHTS:
            total += weight
            cumulative.append(total)
        self.cumulative = np.array(cumulative, dtype=np.uint64)
        self.by_questionnaire: dict[str, list[QuestionSpec]] = {
            name: [s for s in QUESTION_SPECS if name in s.locations and not s.api_fill]
            for name, _ in QUESTIONNAIRES
        }
        self.tier = next(s for s in QUESTION_SPECS if s.api_fill)

    # ---- per-key attributes (scalar and vectorised must agree) ----------------------------------

    def base_time_ms(self, index: int) -> int:
        """`responseDateTime` (epoch ms) of base response `index`."""
        bucket, within = divmod(index, BURST)
        step = 0 if mix64(bucket ^ self.salt) % 5 == 0 else self.step_ms
        moment = self.start_ms + (bucket * self.span_ms) // self.buckets + within * step
        return moment - moment % 1000 if self.whole_seconds else moment

    def base_times_ms(self) -> npt.NDArray[np.int64]:
        """`base_time_ms` of every base response, as one array."""
        index = np.arange(self.base_count, dtype=np.int64)
        bucket, within = np.divmod(index, BURST)
        same = mix64_array(bucket.astype(np.uint64) ^ np.uint64(self.salt)) % np.uint64(5) == 0
        step = np.where(same, 0, self.step_ms).astype(np.int64)
        moment = self.start_ms + (bucket * self.span_ms) // self.buckets + within * step
        return moment - moment % 1000 if self.whole_seconds else moment

    def _hash(self, key: int) -> int:
        return mix64((key * 0x2545F4914F6CDD1D + self.salt) & MASK64)

    def location_index(self, key: int) -> int:
        """Questionnaire (index into QUESTIONNAIRES) of response `key`."""
        bucket = self._hash(key) % 100
        return int(np.searchsorted(self.cumulative, bucket, side="right"))

    def archived(self, key: int) -> bool:
        """Whether response `key` starts archived."""
        return (self._hash(key) >> 8) % 100 < ARCHIVED_PCT

    def partial(self, key: int) -> bool:
        """Whether response `key` starts partial (some required questions unanswered)."""
        return (self._hash(key) >> 16) % 100 < PARTIAL_PCT

    def attributes(
        self, keys: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
        """Questionnaire index and archived flag of many keys at once."""
        with np.errstate(over="ignore"):
            mixed = keys.astype(np.uint64) * np.uint64(0x2545F4914F6CDD1D) + np.uint64(self.salt)
        hashed = mix64_array(mixed)
        loc = np.searchsorted(self.cumulative, hashed % np.uint64(100), side="right")
        archived = (hashed >> np.uint64(8)) % np.uint64(100) < ARCHIVED_PCT
        return loc.astype(np.uint8), archived

    def response_id(self, key: int, time_ms: int) -> str:
        """The 24-hex id of response `key` (object-id-like: its second, then a tag and the key)."""
        return f"{(time_ms // 1000) & 0xFFFFFFFF:08x}{self.id_tag:06x}{key ^ self.id_mask:010x}"

    def key_of_id(self, response_id: str) -> int | None:
        """The key encoded in a generated id (None when it is not one of ours)."""
        if len(response_id) != 24 or response_id[8:14] != f"{self.id_tag:06x}":
            return None
        try:
            return int(response_id[14:], 16) ^ self.id_mask
        except ValueError:
            return None

    # ---- content ------------------------------------------------------------------------------

    def answer(
        self, key: int, response_id: str, time_ms: int, location: int, archived: bool, partial: bool
    ) -> dict[str, Any]:
        """The Answer of response `key`, in wire shape and model order."""
        rng = random.Random(self.salt ^ (key * 0x9E3779B1))
        questionnaire = QUESTIONNAIRES[location][0]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        person = {
            "Name": f"{first} {last}",
            "Email": f"{_ascii(first)}.{_ascii(last)}{rng.randrange(1000)}@mail.example",
            "Mobile": f"+1555{rng.randrange(10**7):07d}",
        }
        specs = [
            s
            for s in self.by_questionnaire[questionnaire]
            if not s.retired or time_ms < self.retire_ms
        ]
        if partial:
            specs = specs[: rng.randrange(1, 4)]
        responses = []
        for spec in specs:
            if not spec.required and not partial and rng.random() < 0.12:
                continue
            item = self.response_item(spec, rng, time_ms, person, key)
            if item is not None:
                responses.append(item)
        clients = CLIENTS.get(questionnaire, DEFAULT_CLIENTS)
        client = rng.choice(clients)
        roll = rng.randrange(100)
        return {
            "id": response_id,
            "user": self.catalog.username,
            "locationId": questionnaire,
            "responseDateTime": self.fmt(time_ms),
            "responseDuration": rng.randrange(5, 900),
            "surveyClient": client,
            "responses": responses,
            "archived": archived,
            "notes": self.notes(rng, time_ms) if roll < NOTES_PCT else None,
            "openTicket": self.ticket(rng, time_ms) if roll < TICKET_PCT else None,
            "deviceId": f"dev-{rng.getrandbits(48):012x}" if client.startswith("InApp") else None,
        }

    def response_item(
        self, spec: QuestionSpec, rng: random.Random, time_ms: int, person: dict[str, str], key: int
    ) -> dict[str, Any] | None:
        """One answered question, consistent with its displayType."""
        text: str | None = None
        number = 0
        kind = spec.display_type
        if kind in ("Scale", "Slider", "Number", "Smile-5", "Star-5"):
            number = rng.randint(spec.low, spec.high)
            if "NPS" in spec.tags:
                number = min(10, max(0, int(rng.triangular(0, 10.99, 9))))
        elif kind == "Text":
            text = person[spec.pii_type] if spec.pii_type else rng.choice(COMMENTS[:-1])
        elif kind == "MultilineText":
            text = (
                self.long_text(rng)
                if rng.randrange(1000) < LONG_TEXT_PER_MILLE
                else rng.choice(COMMENTS)
            )
            if text == "":
                return None
        elif kind in ("Select", "Dropdown", "Flag"):
            text = rng.choice(spec.options)
        elif kind == "MultiSelect":
            text = ",".join(rng.sample(spec.options, rng.randint(1, len(spec.options))))
        elif kind == "OrderBy":
            text = ",".join(rng.sample(spec.options, len(spec.options)))
        elif kind == "Date":
            day = self.fmt(time_ms - rng.randrange(0, 14) * 86_400_000)[:10]
            text = day
        elif kind == "File":
            text = f"https://files.example/uploads/{key:x}-{rng.getrandbits(32):08x}.jpg"
        return {
            "questionId": self.catalog.question_ids[spec.key],
            "questionText": spec.text,
            "textInput": text,
            "numberInput": number,
        }

    def tier_item(self, key: int) -> dict[str, Any]:
        """The post-fill (apiFill) answer an integration adds later (`edit(add_answer=True)`)."""
        rng = random.Random(self.salt ^ key ^ 0x7137)
        return {
            "questionId": self.catalog.question_ids[self.tier.key],
            "questionText": self.tier.text,
            "textInput": rng.choice(self.tier.options),
            "numberInput": 0,
        }

    def complete_items(self, key: int, time_ms: int, location: int) -> list[dict[str, Any]]:
        """Every question of the response's questionnaire answered (to complete a partial one)."""
        full = self.answer(key, "", time_ms, location, False, partial=False)
        return list(full["responses"])

    @staticmethod
    def long_text(rng: random.Random) -> str:
        """A text of tens of kilobytes."""
        repeats = rng.randint(20_000, 60_000) // len(LONG_SENTENCE)
        return (LONG_SENTENCE * repeats).strip()

    def notes(self, rng: random.Random, time_ms: int) -> list[dict[str, Any]]:
        """One or two notes."""
        return [
            self.note(rng, time_ms + 3_600_000 * (n + 1), rng.choice(NOTE_TEXTS))
            for n in range(rng.randint(1, 2))
        ]

    def note(self, rng: random.Random, time_ms: int, text: str) -> dict[str, Any]:
        """One Note in model order."""
        author = rng.choice(self.catalog.subusers)
        return {
            "user": author["userName"],
            "authorName": author["name"],
            "noteTime": self.fmt(time_ms),
            "note": text,
            "noteSurveyID": None,
            "attachments": None,
            "theme": None,
            "mood": None,
            "attached": False,
            "tags": [],
        }

    def ticket(self, rng: random.Random, time_ms: int) -> dict[str, Any]:
        """An open ticket (model order, wire typos included)."""
        status = rng.choice(TICKET_STATUSES)
        owner = rng.choice(self.catalog.subusers)["userName"]
        closed = status != "Open"
        return {
            "status": status,
            "assignedBy": self.catalog.username,
            "action": None,
            "department": rng.choice(["Support", "Retail", None]),
            "language": "en",
            "orginalRoutedTo": owner,
            "created": self.fmt(time_ms + 60_000),
            "after": None,
            "sequence": rng.randrange(1, 99_999),
            "nextEscalationIn": None,
            "nextEscalationUser": None,
            "closed": self.fmt(time_ms + 86_400_000) if closed else None,
            "rating": rng.randint(1, 5) if closed else 0,
            "routeHistory": [owner],
            "currentAssignedTo": owner,
            "cCedTo": [],
            "priority": rng.choice(["Low", "Medium", "High"]),
            "isEscalated": rng.random() < 0.2,
            "description": "Detractor follow-up",
            "comments": None,
        }
