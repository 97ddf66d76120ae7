"""Shaping: one raw WXM Answer into rows of the `responses`, `answers`, `notes`, `tickets` tables.

This is the import point the source uses (design section 3)::

    catalog = Catalog.from_api(questions, settings)
    shaper = Shaper(catalog, PiiPolicy(mode="hash", salt=salt))
    for table, row in shaper.rows(answer):
        ...

Typing lives in `answer_typing`, personal data in `pii`, scores in `scores` and the schema in
`tables`; this module only assembles rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from transforms.answer_typing import TypedValue, split_options, type_answer
from transforms.catalog import Catalog, QuestionInfo, derive_label, parse_nps_range
from transforms.pii import CONTACT_FIELDS, PiiMode, PiiPolicy
from transforms.scores import nps_category, response_scores
from transforms.tables import (
    RESPONSE_TABLES,
    TABLES,
    ColumnSpec,
    TableSpec,
    coerce,
    conform,
    dlt_columns,
)
from transforms.timestamps import parse_timestamp

__all__ = [
    "CONTACT_FIELDS",
    "RESPONSE_TABLES",
    "TABLES",
    "Catalog",
    "ColumnSpec",
    "PiiMode",
    "PiiPolicy",
    "QuestionInfo",
    "Shaper",
    "TableSpec",
    "TypedValue",
    "content_hash",
    "dlt_columns",
    "nps_category",
    "parse_timestamp",
    "shape_question",
    "shape_settings",
    "split_options",
    "type_answer",
]

logger = logging.getLogger(__name__)

_NOTE_PERSON_FIELDS = ("user", "author_name")
_TICKET_PERSON_FIELDS = (
    "assigned_by",
    "original_routed_to",
    "next_escalation_user",
    "current_assigned_to",
)


def _text(value: Any) -> str | None:
    """A `text` column's value: strings as they are, anything else as `conform` coerces it."""
    if value is None or type(value) is str:
        return value
    coerced: str | None = coerce(value, "text")
    return coerced


def content_hash(answer: Mapping[str, Any]) -> str:
    """SHA-256 hex of the Answer as received (sorted keys, compact separators, UTF-8 text).

    Equal to `simulator.content_hash` for the same dict, so a changed response is detectable.
    """
    text = json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Shaper:
    """Turns raw WXM Answers into table rows, using the run's catalog and personal-data policy.

    Example:
        >>> shaper = Shaper(Catalog.from_api(questions, settings), PiiPolicy("hash", salt))
        >>> for table, row in shaper.rows(answer): ...
    """

    def __init__(self, catalog: Catalog, pii: PiiPolicy) -> None:
        """Keep the catalog and the policy for every Answer of the run."""
        self.catalog = catalog
        self.pii = pii
        self._unknown_seen: set[str] = set()

    def rows(self, answer: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Rows for one raw Answer: one `responses` row, then its `answers`, `notes`, `tickets`.

        Every row has every column of its table (None where absent), values of the declared types.

        Args:
            answer: One Answer exactly as the API returned it.

        Yields:
            `(table name, row)` pairs.
        """
        response_id = str(answer.get("id"))
        questionnaire = answer.get("locationId")
        response_time = parse_timestamp(answer.get("responseDateTime"))

        answer_rows: list[dict[str, Any]] = []
        typed: list[tuple[QuestionInfo | None, TypedValue]] = []
        seen: set[str] = set()
        for item in answer.get("responses") or ():
            if not isinstance(item, Mapping) or item.get("questionId") in (None, ""):
                continue
            question_id = str(item["questionId"])
            if question_id in seen:
                logger.debug(
                    "Response `%s` answers `%s` twice; kept the first", response_id, question_id
                )
                continue
            seen.add(question_id)
            question = self.catalog.get(question_id)
            value = type_answer(item, question)
            typed.append((question, value))
            answer_rows.append(
                self._answer_row(response_id, questionnaire, response_time, item, question, value)
            )

        notes = [n for n in (answer.get("notes") or ()) if isinstance(n, Mapping)]
        ticket = answer.get("openTicket")
        ticket = ticket if isinstance(ticket, Mapping) else None
        scores = response_scores(typed, self.catalog.nps_passive)

        yield (
            "responses",
            conform(
                "responses",
                {
                    "id": response_id,
                    "questionnaire": questionnaire,
                    "user": answer.get("user"),
                    "response_date_time": response_time,
                    "response_duration": answer.get("responseDuration"),
                    "survey_client": answer.get("surveyClient"),
                    "device_id": answer.get("deviceId"),
                    "archived": answer.get("archived"),
                    "answer_count": len(answer_rows),
                    "note_count": len(notes),
                    "ticket_count": 1 if ticket is not None else 0,
                    "ticket_status": ticket.get("status") if ticket is not None else None,
                    "nps_score": scores.nps_score,
                    "nps_category": scores.nps_category,
                    "csat_score": scores.csat_score,
                    "ces_score": scores.ces_score,
                    "content_hash": content_hash(answer),
                    "deleted_at": None,
                },
            ),
        )
        for row in answer_rows:
            yield "answers", row
        for index, note in enumerate(notes):
            yield "notes", self._note_row(response_id, index, note)
        if ticket is not None:
            yield "tickets", self._ticket_row(response_id, ticket)

    def _answer_row(
        self,
        response_id: str,
        questionnaire: Any,
        response_time: Any,
        item: Mapping[str, Any],
        question: QuestionInfo | None,
        value: TypedValue,
    ) -> dict[str, Any]:
        shown_text = item.get("questionText")
        if question is None:
            question_id = str(item["questionId"])
            if question_id not in self._unknown_seen:
                self._unknown_seen.add(question_id)
                logger.warning(
                    "Question `%s` is not in the catalog; typed best-effort", question_id
                )
            label = derive_label(None, shown_text)
        else:
            label = question.label or derive_label(None, shown_text)
        is_pii = question is not None and question.is_pii
        if is_pii:
            value = self.pii.protect_answer(value)
        # NOTE: built directly (not through `conform`, the hot spot of shaping): every value below
        # is already of its column's type except the API's own fields, which `_text` coerces.
        return {
            "response_id": response_id,
            "question_id": _text(item["questionId"]),
            "questionnaire": _text(questionnaire),
            "response_date_time": response_time,
            "question_label": _text(label),
            "question_text": _text(shown_text if shown_text else (question and question.text)),
            "display_type": _text(question.display_type) if question else None,
            "value_kind": value.kind,
            "value_number": value.value_number,
            "value_text": _text(value.value_text),
            "value_date": value.value_date,
            "value_options": value.value_options,
            "is_pii": is_pii,
            "question_known": question is not None,
        }

    def _note_row(self, response_id: str, index: int, note: Mapping[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "response_id": response_id,
            "note_index": index,
            "user": note.get("user"),
            "author_name": note.get("authorName"),
            "note_time": note.get("noteTime"),
            "note": note.get("note"),
            "note_survey_id": note.get("noteSurveyID", note.get("noteSurveyId")),
            "theme": note.get("theme"),
            "mood": note.get("mood"),
            "attached": note.get("attached"),
            "tags": note.get("tags") or None,
            "attachments": note.get("attachments") or None,
        }
        for name in _NOTE_PERSON_FIELDS:
            row[name] = self.pii.protect(row[name])
        return conform("notes", row)

    def _ticket_row(self, response_id: str, ticket: Mapping[str, Any]) -> dict[str, Any]:
        cced = ticket.get("cCedTo")
        if isinstance(cced, str):
            cced = [cced]
        row: dict[str, Any] = {
            "response_id": response_id,
            "status": ticket.get("status"),
            "assigned_by": ticket.get("assignedBy"),
            "action": ticket.get("action"),
            "department": ticket.get("department"),
            "language": ticket.get("language"),
            "original_routed_to": ticket.get("orginalRoutedTo", ticket.get("originalRoutedTo")),
            "created": ticket.get("created"),
            "after": ticket.get("after"),
            "sequence": ticket.get("sequence"),
            "next_escalation_in": ticket.get("nextEscalationIn"),
            "next_escalation_user": ticket.get("nextEscalationUser"),
            "closed": ticket.get("closed"),
            "rating": ticket.get("rating"),
            "current_assigned_to": ticket.get("currentAssignedTo"),
            "cced_to": [self.pii.protect(p) for p in cced]
            if isinstance(cced, list) and cced
            else None,
            "priority": ticket.get("priority"),
            "is_escalated": ticket.get("isEscalated"),
            "description": ticket.get("description"),
        }
        for name in _TICKET_PERSON_FIELDS:
            row[name] = self.pii.protect(row[name])
        return conform("tickets", row)


def shape_question(question: Mapping[str, Any]) -> dict[str, Any]:
    """A `questions` row from one Question of `/api/questions` (for the `questions` resource).

    Args:
        question: The Question as the API returns it.

    Returns:
        The row, with every column of `TABLES["questions"]`.
    """
    info = QuestionInfo.from_api(question)
    return conform(
        "questions",
        {
            "id": info.id,
            "label": info.label,
            "note": question.get("note"),
            "text": question.get("text"),
            "title_text": question.get("titleText"),
            "display_type": info.display_type,
            "value_kind": info.kind,
            "options": list(info.options) or None,
            "tags": question.get("questionTags") or None,
            "topic_tags": question.get("topicTags") or None,
            "questionnaires": list(info.questionnaires) or None,
            "set_name": question.get("setName"),
            "sequence": question.get("sequence"),
            "is_required": question.get("isRequired"),
            "is_retired": info.is_retired,
            "is_pii": info.is_pii,
            "staff_fill": question.get("staffFill"),
            "api_fill": question.get("apiFill"),
            "last_update": question.get("lastUpdate"),
        },
    )


def shape_settings(settings: Mapping[str, Any] | None, account: str) -> dict[str, Any]:
    """The `account_settings` row: only the allow-listed fields of `/api/settings`.

    Args:
        settings: The settings dict (may hold secrets; only the fields below are read).
        account: The account login, the row's key.

    Returns:
        The row, with every column of `TABLES["account_settings"]`.
    """
    settings = settings or {}
    low, high = parse_nps_range(settings.get("npsRange"))
    catalog = Catalog.from_api([], settings)
    raw_range = settings.get("npsRange")
    return conform(
        "account_settings",
        {
            "account": account,
            "time_zone_offset": catalog.time_zone_offset,
            "nps_range": raw_range if isinstance(raw_range, str) else None,
            "nps_passive_low": low,
            "nps_passive_high": high,
        },
    )
