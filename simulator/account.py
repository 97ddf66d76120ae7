"""The live simulated account: generated responses plus the overlays scripted changes leave behind.

Base responses are never stored: five small numpy columns (time, key, questionnaire, archived,
alive) keep them sorted by time so a date window is found by binary search. Responses added later
(`advance`, `insert_late`) keep a small record; edited responses keep their whole edited Answer.
"""

from __future__ import annotations

import copy
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import orjson

from simulator.catalog import QUESTIONNAIRES, Catalog
from simulator.config import SimulatorConfig
from simulator.generate import Generator
from simulator.timefmt import datetime_of, formatter, ms_of, parse_ticks, ticks_of

logger = logging.getLogger(__name__)

ArchivedMode = Literal["normal", "archived", "both"]
Selection = range | npt.NDArray[np.intp]


class Account:
    """A WXM account whose responses are derived from the seed and changed by scripted events.

    All public methods are thread-safe (the server runs in another thread).
    """

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        start_ms = ms_of(config.now) if config.now else int(time.time()) * 1000
        self.start_now_ms = start_ms
        self.advanced_ms = 0
        span_ms = int(config.days * 86_400_000)
        self.fmt = formatter(config.fraction_digits, config.trailing_z)
        self.catalog = Catalog.build(
            config.seed,
            config.username,
            start_ms,
            self.fmt,
            formatter(config.fraction_digits, trailing_z=False),
        )
        self.gen = Generator(
            config.seed,
            self.catalog,
            self.fmt,
            start_ms - span_ms,
            span_ms,
            config.responses,
            whole_seconds=config.fraction_digits == 0,
        )
        self.times = self.gen.base_times_ms()
        self.keys = np.arange(config.responses, dtype=np.int64)
        self.locs, self.archived_flags = self.gen.attributes(self.keys)
        self.alive = np.ones(config.responses, dtype=np.bool_)
        self.deleted = 0
        self.next_key = config.responses
        self.added: dict[int, tuple[int, str, int, bool]] = {}  # key -> time, id, loc, partial
        self.client_ids: dict[str, int] = {}
        self.edits: dict[int, dict[str, Any]] = {}
        self.version = 0
        self._bytes: OrderedDict[int, bytes] = OrderedDict()
        self._selections: OrderedDict[tuple[Any, ...], Selection] = OrderedDict()

    # ---- clock ----------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The account's virtual now: start-up instant plus every `advance`."""
        return datetime_of(self.start_now_ms + self.advanced_ms)

    # ---- lookups used by the API ----------------------------------------------------------------

    def _record(self, key: int) -> tuple[int, str, int, bool]:
        if key in self.added:
            return self.added[key]
        moment = self.gen.base_time_ms(key)
        return (
            moment,
            self.gen.response_id(key, moment),
            self.gen.location_index(key),
            self.gen.partial(key),
        )

    def _position(self, key: int) -> int | None:
        moment = self._record(key)[0]
        left = int(np.searchsorted(self.times, moment, side="left"))
        right = int(np.searchsorted(self.times, moment, side="right"))
        hits = np.flatnonzero(self.keys[left:right] == key)
        return left + int(hits[0]) if len(hits) else None

    def key_of(self, response_id: str) -> int | None:
        """The key of a live (not deleted) response id, or None."""
        with self.lock:
            key = self.client_ids.get(response_id)
            if key is None:
                key = self.gen.key_of_id(response_id)
                if key is None or not 0 <= key < self.next_key:
                    return None
                if key in self.added and self.added[key][1] != response_id:
                    return None
                if key not in self.added and self._record(key)[1] != response_id:
                    return None
            position = self._position(key)
            return key if position is not None and self.alive[position] else None

    def answer(self, key: int) -> dict[str, Any]:
        """The Answer of a key as served (a fresh copy)."""
        return orjson.loads(self.answer_bytes(key))  # type: ignore[no-any-return,unused-ignore]

    def answer_bytes(self, key: int, position: int | None = None) -> bytes:
        """The serialized Answer of a key (LRU-cached); `position` saves a lookup if known."""
        with self.lock:
            cached = self._bytes.get(key)
            if cached is not None:
                self._bytes.move_to_end(key)
                return cached
            edited = self.edits.get(key)
            if edited is not None:
                data = orjson.dumps(edited)
            else:
                moment, rid, loc, partial = self._record(key)
                if position is None:
                    position = self._position(key)
                archived = bool(self.archived_flags[position]) if position is not None else False
                generated = self.gen.answer(key, rid, moment, loc, archived, partial)
                if self.config.extra_fields:
                    _add_extra_fields(generated, key)
                data = orjson.dumps(generated)
            self._bytes[key] = data
            if len(self._bytes) > self.config.cache_size:
                self._bytes.popitem(last=False)
            return data

    def select(
        self,
        lo_ms: int | None,
        hi_ms: int | None,
        locations: frozenset[int] | None,
        mode: ArchivedMode,
    ) -> Selection:
        """Positions (ascending time) of live responses in [lo_ms, hi_ms] matching the filter."""
        with self.lock:
            cache_key = (lo_ms, hi_ms, locations, mode, self.version)
            cached = self._selections.get(cache_key)
            if cached is not None:
                return cached
            start = 0 if lo_ms is None else int(np.searchsorted(self.times, lo_ms, side="left"))
            end = (
                len(self.times)
                if hi_ms is None
                else int(np.searchsorted(self.times, hi_ms, side="right"))
            )
            end = max(start, end)
            result: Selection
            if not locations and mode == "both" and self.deleted == 0:
                result = range(start, end)
            else:
                mask = self.alive[start:end].copy()
                if locations:
                    mask &= np.isin(self.locs[start:end], np.array(sorted(locations)))
                if mode == "normal":
                    mask &= ~self.archived_flags[start:end]
                elif mode == "archived":
                    mask &= self.archived_flags[start:end]
                result = np.flatnonzero(mask) + start
            self._selections[cache_key] = result
            if len(self._selections) > 16:
                self._selections.popitem(last=False)
            return result

    def key_at(self, position: int) -> int:
        """The key stored at a position."""
        return int(self.keys[position])

    # ---- ground truth and the data other tests need ---------------------------------------------

    def ground_truth(
        self,
        after: datetime | None = None,
        before: datetime | None = None,
        with_archived: bool = True,
    ) -> dict[str, dict[str, Any]]:
        """The Answers a correct pipeline holds for `[after, before]` (inclusive), by id.

        Answers are exactly as the API serves them (with this simulator's wire options), after
        every scripted change. With many responses, ask only for small windows.
        """
        with self.lock:
            lo = None if after is None else -(-_ticks(after) // 10_000)
            hi = None if before is None else _ticks(before) // 10_000
            positions = self.select(lo, hi, None, "both" if with_archived else "normal")
            truth: dict[str, dict[str, Any]] = {}
            for position in positions:
                answer = self.answer(int(self.keys[position]))
                truth[answer["id"]] = answer
            return truth

    def count(self, with_archived: bool = True) -> int:
        """Number of live responses."""
        with self.lock:
            return len(self.select(None, None, None, "both" if with_archived else "normal"))

    def questions(self, active_only: bool = False) -> list[dict[str, Any]]:
        """The Question objects as served by `/api/questions` (or `/api/questions/active`)."""
        items = self.catalog.questions
        return copy.deepcopy([q for q in items if not (active_only and q["isRetired"])])

    def settings(self) -> dict[str, Any]:
        """The settings object as served by `/api/settings` (fake secrets included)."""
        return copy.deepcopy(self.catalog.settings)

    def secret_values(self) -> list[str]:
        """Every fake secret served (integration keys, SMTP password) plus the credentials."""
        return [*self.catalog.secrets, self.config.api_key, self.config.password]

    def pii_values(
        self, after: datetime | None = None, before: datetime | None = None
    ) -> list[str]:
        """Answer texts of PII questions (names, e-mails, mobiles) in `[after, before]`, sorted."""
        pii_ids = {q["id"] for q in self.catalog.questions if q["piiSettings"]["isPII"]}
        values: set[str] = set()
        for answer in self.ground_truth(after, before).values():
            for item in answer["responses"]:
                if item["questionId"] in pii_ids and item["textInput"]:
                    values.add(item["textInput"])
        return sorted(values)

    # ---- live changes ---------------------------------------------------------------------------

    def advance(self, seconds: float, new_responses: int = 0) -> list[str]:
        """Move the clock forward; `new_responses` arrive spread over the advanced period.

        Returns:
            The ids of the new responses.
        """
        with self.lock:
            old_now = self.start_now_ms + self.advanced_ms
            step = int(seconds * 1000)
            self.advanced_ms += step
            moments = [
                old_now + ((n + 1) * step) // max(1, new_responses) for n in range(new_responses)
            ]
            return self._add(moments, client_made_every=0)

    def insert_late(self, n: int, at: datetime, spread_seconds: float = 0.0) -> list[str]:
        """Add `n` responses stamped in the past, at `at` (spread over `spread_seconds` if > 0).

        Every fourth one has a client-made id (`import-...`), as bulk imports do.

        Returns:
            The ids of the inserted responses.
        """
        with self.lock:
            base = ms_of(at)
            if self.config.fraction_digits == 0:
                base -= base % 1000
            spread = int(spread_seconds * 1000)
            moments = [base + (k * spread) // max(1, n) for k in range(n)]
            return self._add(moments, client_made_every=4)

    def _add(self, moments: list[int], client_made_every: int) -> list[str]:
        ids: list[str] = []
        keys = []
        for number, moment in enumerate(moments):
            key = self.next_key
            self.next_key += 1
            if client_made_every and number % client_made_every == client_made_every - 1:
                rid = f"import-{self.config.seed}-{key}"
                self.client_ids[rid] = key
            else:
                rid = self.gen.response_id(key, moment)
            self.added[key] = (moment, rid, self.gen.location_index(key), self.gen.partial(key))
            ids.append(rid)
            keys.append(key)
        if keys:
            order = sorted(range(len(keys)), key=lambda i: moments[i])
            new_times = np.array([moments[i] for i in order], dtype=np.int64)
            new_keys = np.array([keys[i] for i in order], dtype=np.int64)
            where = np.searchsorted(self.times, new_times, side="right")
            locs, archived = self.gen.attributes(new_keys)
            self.times = np.insert(self.times, where, new_times)
            self.keys = np.insert(self.keys, where, new_keys)
            self.locs = np.insert(self.locs, where, locs)
            self.archived_flags = np.insert(self.archived_flags, where, archived)
            self.alive = np.insert(self.alive, where, True)
            self.version += 1
        logger.debug("added %d responses", len(ids))
        return ids

    def edit(
        self,
        response_id: str,
        *,
        add_answer: bool = False,
        append_note: str | None = None,
        flip_archived: bool = False,
        complete_partial: bool = False,
    ) -> list[str]:
        """Change a response as WXM lets them change, with no modified stamp.

        Args:
            response_id: the response to change.
            add_answer: add the post-fill "Customer tier" answer (or change it when present).
            append_note: append a note with this text.
            flip_archived: toggle `archived`.
            complete_partial: answer every question of its questionnaire not yet answered.

        Returns:
            `[response_id]`.

        Raises:
            KeyError: when the id is unknown or deleted.
        """
        with self.lock:
            key = self.key_of(response_id)
            if key is None:
                raise KeyError(response_id)
            answer = self.answer(key)
            moment, _, loc, _ = self._record(key)
            if add_answer:
                item = self.gen.tier_item(key + len(answer["responses"]))
                present = [r for r in answer["responses"] if r["questionId"] == item["questionId"]]
                if present:
                    options = [o for o in self.gen.tier.options if o != present[0]["textInput"]]
                    present[0]["textInput"] = options[0]
                else:
                    answer["responses"].append(item)
            if append_note is not None:
                notes = answer["notes"] or []
                last = max([moment, *[ms_of_text(n["noteTime"]) for n in notes]])
                note = self.gen.note(_rng(key, len(notes)), last + 60_000, append_note)
                answer["notes"] = [*notes, note]
            if flip_archived:
                answer["archived"] = not answer["archived"]
                position = self._position(key)
                if position is not None:
                    self.archived_flags[position] = answer["archived"]
            if complete_partial:
                have = {r["questionId"] for r in answer["responses"]}
                full = self.gen.complete_items(key, moment, loc)
                answer["responses"].extend(r for r in full if r["questionId"] not in have)
            self.edits[key] = answer
            self._bytes.pop(key, None)
            self.version += 1
            return [response_id]

    def delete(self, ids: Sequence[str]) -> list[str]:
        """Delete responses (as a purge does: no trace left). Returns the ids actually deleted."""
        with self.lock:
            done = []
            for response_id in ids:
                key = self.key_of(response_id)
                if key is None:
                    continue
                position = self._position(key)
                if position is not None:
                    self.alive[position] = False
                    self.deleted += 1
                    self._bytes.pop(key, None)
                    done.append(response_id)
            self.version += 1
            return done

    def questionnaire_index(self, names: Sequence[str]) -> frozenset[int]:
        """Indexes of the named questionnaires (unknown names match nothing)."""
        wanted = {name.lower() for name in names}
        return frozenset(i for i, (name, _) in enumerate(QUESTIONNAIRES) if name.lower() in wanted)


def _add_extra_fields(answer: dict[str, Any], key: int) -> None:
    """Fields a newer API version might send: unknown names, nesting, a type that varies."""
    answer["sentimentScore"] = round((key % 21) / 10 - 1, 1) if key % 2 else f"s{key % 5}"
    answer["channelInfo"] = {"kind": "web", "tags": [key % 3, "x"], "nested": {"depth": 2}}
    for item in answer["responses"]:
        item["confidence"] = (key % 100) / 100


def _ticks(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("ground truth bounds must be timezone-aware")
    return ticks_of(moment)


def ms_of_text(text: str) -> int:
    """Epoch ms of a served timestamp."""
    return parse_ticks(text) // 10_000


def _rng(key: int, salt: int) -> random.Random:
    return random.Random(key * 31 + salt)
