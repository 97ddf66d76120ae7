"""The question catalog: what each question id means, built once per run from the API.

`Catalog.from_api` reads `/api/questions` (every question, retired ones included) and
`/api/settings` and keeps what shaping needs: each question's short label, display type, option
labels, tags and personal-data flag, plus the account's NPS passive band and time zone offset.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

logger = logging.getLogger(__name__)

ValueKind = Literal["number", "text", "date", "options"]
"""Which typed column holds an answer's value."""

NUMBER_TYPES = frozenset({"scale", "slider", "number", "smile-5", "star-5", "smile", "star", "nps"})
TEXT_TYPES = frozenset({"text", "multilinetext", "file"})
OPTION_TYPES = frozenset({"select", "multiselect", "dropdown", "orderby"})
MULTI_OPTION_TYPES = frozenset({"multiselect", "orderby"})
DATE_TYPES = frozenset({"date"})

PII_TAGS = frozenset({"name", "email", "mobile"})
DEFAULT_NPS_PASSIVE = (7, 8)
LABEL_MAX_CHARS = 60
COLUMN_MAX_CHARS = 48


def value_kind(display_type: str | None) -> ValueKind | None:
    """Map a WXM `displayType` to the typed column its answers go to.

    Args:
        display_type: The question's `displayType`, any case.

    Returns:
        The value kind, or None when the type is unknown (e.g. `Flag`), in which case answers are
        typed best-effort from what the answer carries.
    """
    key = (display_type or "").strip().lower()
    if key in NUMBER_TYPES or key.startswith(("smile", "star")):
        return "number"
    if key in TEXT_TYPES:
        return "text"
    if key in OPTION_TYPES:
        return "options"
    if key in DATE_TYPES:
        return "date"
    return None


def derive_label(note: object, text: object) -> str | None:
    """The short label of a question: its `note` when set, else a shortened plain form of its text.

    Args:
        note: The question's `note` (WXM's export column label).
        text: The question's text (HTML tags and entities are removed).

    Returns:
        The label, or None when both are empty.
    """
    if isinstance(note, str) and note.strip():
        return " ".join(note.split())
    if not isinstance(text, str):
        return None
    plain = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())
    if not plain:
        return None
    if len(plain) <= LABEL_MAX_CHARS:
        return plain
    cut = plain[:LABEL_MAX_CHARS].rsplit(" ", 1)[0]
    return cut or plain[:LABEL_MAX_CHARS]


def snake_case(label: str, max_chars: int = COLUMN_MAX_CHARS) -> str:
    """Turn a label into a snake_case SQL identifier (ASCII, lower case, not starting with a digit).

    Args:
        label: Any text.
        max_chars: Longest identifier returned.

    Returns:
        The identifier; `q` when nothing usable is left.
    """
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    ident = re.sub(r"[^0-9a-zA-Z]+", "_", ascii_text).strip("_").lower()
    ident = re.sub(r"_+", "_", ident)[:max_chars].rstrip("_")
    if not ident:
        return "q"
    if ident[0].isdigit():
        ident = f"q_{ident}"
    return ident


def column_names(
    questions: Iterable[tuple[str, str | None]], reserved: Iterable[str] = ()
) -> dict[str, str]:
    """Collision-safe, stable snake_case column names for questions (used by the wide models).

    Each question gets `snake_case(label)`. When several questions share a name, the one with the
    smallest id keeps it and the others get `<name>_<last 6 chars of their id>`; WXM ids are object
    ids that grow over time, so adding a question never renames an existing column. Names listed
    in `reserved` (e.g. `response_id`) are never handed out.

    Args:
        questions: `(question id, short label)` pairs; a missing label falls back to the id.
        reserved: Names that must not be used.

    Returns:
        Question id to column name.
    """
    taken = {name.lower() for name in reserved}
    by_name: dict[str, list[str]] = {}
    for question_id, label in sorted(set(questions)):
        base = snake_case(label or f"q_{question_id}")
        by_name.setdefault(base, []).append(question_id)

    names: dict[str, str] = {}
    for base, ids in sorted(by_name.items()):
        for position, question_id in enumerate(sorted(ids)):
            name = (
                base if position == 0 and base not in taken else f"{base}_{_id_tail(question_id)}"
            )
            while name in taken:
                name = f"{name}_"
            taken.add(name)
            names[question_id] = name
    return names


def _id_tail(question_id: str) -> str:
    return snake_case(question_id[-6:], max_chars=6).removeprefix("q_") or "x"


def parse_nps_range(value: object) -> tuple[int, int]:
    """Parse the account's `npsRange` setting into the inclusive passive band.

    `"7,8"` means scores 7 and 8 are passive, lower scores detractors, higher ones promoters.

    Args:
        value: The raw setting (`"7,8"`, `"6-8"`, `[7, 8]`, `7`, or None).

    Returns:
        `(lowest passive, highest passive)`; the standard `(7, 8)` when the value is unusable.
    """
    numbers: list[int] = []
    if isinstance(value, str):
        numbers = [int(n) for n in re.findall(r"\d+", value)]
    elif isinstance(value, int | float) and not isinstance(value, bool):
        numbers = [int(value)]
    elif isinstance(value, list | tuple):
        numbers = [int(n) for n in value if isinstance(n, int | float) and not isinstance(n, bool)]
    if not numbers:
        return DEFAULT_NPS_PASSIVE
    low, high = min(numbers[:2]), max(numbers[:2])
    if not 0 <= low <= high <= 10:
        logger.warning("Ignoring npsRange `%s`: outside 0-10; using 7,8", value)
        return DEFAULT_NPS_PASSIVE
    return low, high


def parse_time_zone_offset(value: object) -> int:
    """The account's time zone offset in minutes east of UTC (0 when unset or unusable)."""
    if isinstance(value, bool) or value is None:
        return 0
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _str_list(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value if item is not None and str(item) != "")
    return ()


@dataclass(frozen=True)
class QuestionInfo:
    """What shaping needs to know about one question."""

    id: str
    label: str | None
    text: str | None
    display_type: str | None
    options: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    is_pii: bool = False
    is_retired: bool = False
    questionnaires: tuple[str, ...] = ()

    @property
    def kind(self) -> ValueKind | None:
        """The typed column this question's answers go to (None: best-effort)."""
        return value_kind(self.display_type)

    @property
    def is_multi_option(self) -> bool:
        """True when an answer may hold several options joined with commas."""
        return (self.display_type or "").strip().lower() in MULTI_OPTION_TYPES

    def has_tag(self, tag: str) -> bool:
        """True when the question carries the `questionTags` tag (case-insensitive)."""
        return tag.lower() in self.tags

    @classmethod
    def from_api(cls, question: Mapping[str, Any]) -> QuestionInfo:
        """Build from one Question as `/api/questions` returns it."""
        tags = frozenset(tag.strip().lower() for tag in _str_list(question.get("questionTags")))
        pii_settings = question.get("piiSettings")
        is_pii = bool(isinstance(pii_settings, Mapping) and pii_settings.get("isPII"))
        text = question.get("text") or question.get("titleText")
        return cls(
            id=str(question["id"]),
            label=derive_label(question.get("note"), text),
            text=text if isinstance(text, str) else None,
            display_type=question.get("displayType"),
            options=_str_list(question.get("multiSelect")),
            tags=tags,
            is_pii=is_pii or bool(tags & PII_TAGS),
            is_retired=bool(question.get("isRetired")),
            questionnaires=_str_list(question.get("displayLocation")),
        )


@dataclass(frozen=True)
class Catalog:
    """Questions by id and the account settings that change how answers are read."""

    questions: Mapping[str, QuestionInfo] = field(default_factory=dict)
    nps_passive: tuple[int, int] = DEFAULT_NPS_PASSIVE
    time_zone_offset: int = 0

    @classmethod
    def from_api(
        cls, questions: Iterable[Mapping[str, Any]], settings: Mapping[str, Any] | None
    ) -> Catalog:
        """Build the catalog from the `/api/questions` list and the `/api/settings` dict.

        Args:
            questions: Every Question (retired ones included, so old answers keep their meaning).
            settings: The account settings (`npsRange`, `timeZoneOffset`); None for defaults.

        Returns:
            The catalog.
        """
        by_id: dict[str, QuestionInfo] = {}
        for question in questions or ():
            if not isinstance(question, Mapping) or question.get("id") in (None, ""):
                logger.warning("Skipping a question without an id")
                continue
            info = QuestionInfo.from_api(question)
            by_id[info.id] = info
        settings = settings or {}
        return cls(
            questions=by_id,
            nps_passive=parse_nps_range(settings.get("npsRange")),
            time_zone_offset=parse_time_zone_offset(settings.get("timeZoneOffset")),
        )

    def get(self, question_id: str | None) -> QuestionInfo | None:
        """The question with this id, or None when the catalog does not know it."""
        if question_id is None:
            return None
        return self.questions.get(question_id)

    def tagged(self, tag: str) -> list[QuestionInfo]:
        """Questions carrying `tag` in their `questionTags`."""
        return [q for q in self.questions.values() if q.has_tag(tag)]
