"""The tables' contract: ordered columns with dlt types, keys and meanings.

`TABLES` is the single source of the shaped tables' schema: the source passes `dlt_columns(table)`
as column hints, the shaper fills every column of every row (None where absent), the data
dictionary prints the descriptions, and a snapshot test fails when a column or type changes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dlt.common.schema.typing import TColumnSchema, TDataType, TTableSchemaColumns

from transforms.timestamps import parse_date, parse_timestamp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColumnSpec:
    """One column: name, dlt data type, nullability and meaning."""

    name: str
    data_type: TDataType
    nullable: bool
    description: str


@dataclass(frozen=True)
class TableSpec:
    """One table: ordered columns, primary key and meaning."""

    name: str
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    description: str

    @property
    def column_names(self) -> list[str]:
        """Column names in table order."""
        return [column.name for column in self.columns]

    def column(self, name: str) -> ColumnSpec:
        """The column called `name` (KeyError when absent)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name: str, data_type: TDataType, description: str, nullable: bool = True) -> ColumnSpec:
    return ColumnSpec(name, data_type, nullable, description)


RESPONSES = TableSpec(
    name="responses",
    primary_key=("id",),
    description="One row per survey response (a WXM Answer), with its scores and counts.",
    columns=(
        _c("id", "text", "Response id (WXM Answer `id`).", nullable=False),
        _c("questionnaire", "text", "Questionnaire name (the Answer's `locationId`)."),
        _c("user", "text", "WXM account login that owns the response (the Answer's `user`)."),
        _c("response_date_time", "timestamp", "When the response was submitted (UTC)."),
        _c("response_duration", "bigint", "Time taken to respond, in seconds."),
        _c("survey_client", "text", "Channel the response came from (e.g. `JS-Web`, `email`)."),
        _c("device_id", "text", "Device id reported by the survey client."),
        _c("archived", "bool", "True when the response is archived in WXM."),
        _c("answer_count", "bigint", "Number of answered questions (rows in `answers`)."),
        _c("note_count", "bigint", "Number of notes (rows in `notes`)."),
        _c(
            "ticket_count", "bigint", "1 when the response has a ticket (row in `tickets`), else 0."
        ),
        _c(
            "ticket_status",
            "text",
            "Ticket status (Open/Resolved/Declined/Closed); None: no ticket.",
        ),
        _c("nps_score", "bigint", "Answer to the NPS-tagged question, 0-10."),
        _c(
            "nps_category",
            "text",
            "promoter / passive / detractor, by the account's NPS passive band (`npsRange`).",
        ),
        _c("csat_score", "double", "Answer to the CSAT-tagged question, on that question's scale."),
        _c("ces_score", "double", "Answer to the CES-tagged question, on that question's scale."),
        _c(
            "content_hash",
            "text",
            "SHA-256 of the Answer as received (sorted-key compact JSON); changes on any edit.",
        ),
        _c(
            "deleted_at",
            "timestamp",
            "When the pipeline found the response deleted upstream (UTC).",
        ),
    ),
)

ANSWERS = TableSpec(
    name="answers",
    primary_key=("response_id", "question_id"),
    description="One row per answered question of a response, value in the typed column.",
    columns=(
        _c("response_id", "text", "The response (`responses.id`).", nullable=False),
        _c("question_id", "text", "The question (`questions.id`).", nullable=False),
        _c("questionnaire", "text", "Questionnaire of the response."),
        _c("response_date_time", "timestamp", "When the response was submitted (UTC)."),
        _c("question_label", "text", "Question's short label: its WXM `note`, else from its text."),
        _c("question_text", "text", "Question text as shown when the answer was given."),
        _c("display_type", "text", "Question's WXM `displayType` (None: unknown question)."),
        _c("value_kind", "text", "Which value column holds the answer: number/text/date/options."),
        _c("value_number", "double", "Numeric answer (Scale, Slider, Number, Smile-5, Star-5)."),
        _c(
            "value_text", "text", "The answer's text as received (`textInput`); hashed if personal."
        ),
        _c("value_date", "date", "Date answer (Date questions), as written."),
        _c(
            "value_options",
            "json",
            "Chosen options as a JSON list (Select, Dropdown, MultiSelect, OrderBy, in order).",
        ),
        _c("is_pii", "bool", "True when the question is personal data (policy applied)."),
        _c("question_known", "bool", "False when the question id was not in the catalog."),
    ),
)

NOTES = TableSpec(
    name="notes",
    primary_key=("response_id", "note_index"),
    description="Notes added to responses by staff, in the order WXM lists them.",
    columns=(
        _c("response_id", "text", "The response (`responses.id`).", nullable=False),
        _c(
            "note_index",
            "bigint",
            "Position of the note in the response (0-based).",
            nullable=False,
        ),
        _c("user", "text", "Login of the note's author (personal: policy applied)."),
        _c("author_name", "text", "Name of the note's author (personal: policy applied)."),
        _c("note_time", "timestamp", "When the note was written (UTC)."),
        _c("note", "text", "The note text."),
        _c("note_survey_id", "text", "Survey id the note refers to."),
        _c("theme", "text", "Theme assigned to the note."),
        _c("mood", "text", "Mood assigned to the note."),
        _c("attached", "bool", "True when the note is attached (WXM `attached`)."),
        _c("tags", "json", "Tags of the note (JSON list)."),
        _c("attachments", "json", "Attachments of the note (JSON)."),
    ),
)

TICKETS = TableSpec(
    name="tickets",
    primary_key=("response_id",),
    description="The ticket (WXM `openTicket`) of a response, when there is one.",
    columns=(
        _c("response_id", "text", "The response (`responses.id`).", nullable=False),
        _c("status", "text", "Open / Resolved / Declined / Closed."),
        _c("assigned_by", "text", "Who assigned the ticket (personal: policy applied)."),
        _c("action", "text", "Action taken."),
        _c("department", "text", "Department the ticket is routed to."),
        _c("language", "text", "Language of the ticket."),
        _c("original_routed_to", "text", "First assignee (`orginalRoutedTo`; personal)."),
        _c("created", "timestamp", "When the ticket was created (UTC)."),
        _c("after", "text", "WXM `after` field, as text."),
        _c("sequence", "bigint", "Ticket sequence number."),
        _c("next_escalation_in", "text", "WXM `nextEscalationIn`, as text."),
        _c("next_escalation_user", "text", "Next escalation assignee (personal)."),
        _c("closed", "timestamp", "When the ticket was closed (UTC)."),
        _c("rating", "double", "Rating given on the ticket."),
        _c("current_assigned_to", "text", "Current assignee (personal: policy applied)."),
        _c("cced_to", "json", "Users copied on the ticket (`cCedTo`, JSON list; personal)."),
        _c("priority", "text", "Ticket priority, as text."),
        _c("is_escalated", "bool", "True when the ticket was escalated."),
        _c("description", "text", "Ticket description."),
    ),
)

QUESTIONS = TableSpec(
    name="questions",
    primary_key=("id",),
    description="Every question ever defined (retired ones included), from `/api/questions`.",
    columns=(
        _c("id", "text", "Question id.", nullable=False),
        _c("label", "text", "Short label: the WXM `note` when set, else derived from the text."),
        _c("note", "text", "WXM `note` (export column label), as set in WXM."),
        _c("text", "text", "Question text (current)."),
        _c("title_text", "text", "Question title text."),
        _c("display_type", "text", "WXM `displayType` (Scale, Text, MultiSelect, Date, ...)."),
        _c("value_kind", "text", "Which `answers` value column holds its answers."),
        _c("options", "json", "Option labels of option questions (`multiSelect`, JSON list)."),
        _c("tags", "json", "WXM `questionTags` (NPS, CSAT, CES, Name, Email, Mobile, ...)."),
        _c("topic_tags", "json", "WXM `topicTags`."),
        _c("questionnaires", "json", "Questionnaires the question is on (`displayLocation`)."),
        _c("set_name", "text", "WXM `setName`."),
        _c("sequence", "bigint", "Position of the question in its questionnaire."),
        _c("is_required", "bool", "True when an answer is required."),
        _c("is_retired", "bool", "True when the question is retired (old answers remain)."),
        _c("is_pii", "bool", "True when answers are personal (`piiSettings.isPII` or tags)."),
        _c("staff_fill", "bool", "True when staff fill the answer."),
        _c("api_fill", "bool", "True when an integration fills the answer."),
        _c("last_update", "timestamp", "When the question was last edited (UTC)."),
    ),
)

ACCOUNT_SETTINGS = TableSpec(
    name="account_settings",
    primary_key=("account",),
    description="The account settings the models need (allow-listed from `/api/settings`).",
    columns=(
        _c("account", "text", "The WXM account (login) the settings belong to.", nullable=False),
        _c("time_zone_offset", "bigint", "Account time zone, minutes east of UTC."),
        _c("nps_range", "text", "WXM `npsRange` as set (the NPS passive band, e.g. `7,8`)."),
        _c("nps_passive_low", "bigint", "Lowest passive NPS score (parsed from `npsRange`)."),
        _c("nps_passive_high", "bigint", "Highest passive NPS score (parsed from `npsRange`)."),
    ),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec for spec in (RESPONSES, ANSWERS, NOTES, TICKETS, QUESTIONS, ACCOUNT_SETTINGS)
}
"""Every table whose schema this package fixes, by name."""

RESPONSE_TABLES: tuple[str, ...] = ("responses", "answers", "notes", "tickets")
"""The tables `Shaper.rows` yields rows for."""


def dlt_columns(table: str) -> TTableSchemaColumns:
    """dlt column hints for a table, in column order.

    Args:
        table: A key of `TABLES`.

    Returns:
        `{column: {"name", "data_type", "nullable", "description", "primary_key"?}}`.
    """
    spec = TABLES[table]
    columns: TTableSchemaColumns = {}
    for column in spec.columns:
        hint: TColumnSchema = {
            "name": column.name,
            "data_type": column.data_type,
            "nullable": column.nullable,
            "description": column.description,
        }
        if column.name in spec.primary_key:
            hint["primary_key"] = True
        columns[column.name] = hint
    return columns


def conform(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A row with exactly the table's columns, in order, each coerced to its declared type.

    Missing columns become None; extra keys are dropped; a value that cannot be coerced becomes
    None (logged at debug), so one odd field never changes a column's type.

    Args:
        table: A key of `TABLES`.
        values: The row's values by column name.

    Returns:
        The conformed row.
    """
    row: dict[str, Any] = {}
    for name, data_type, exact in _CONFORM_PLAN[table]:
        raw = values.get(name)
        # already of the declared type (the common case; a timestamp must be in UTC too)
        if raw is None or (
            type(raw) in exact and (data_type != "timestamp" or raw.tzinfo is dt.UTC)
        ):
            row[name] = raw
            continue
        value = coerce(raw, data_type)
        if value is None and raw is not None:
            logger.debug("Dropped a value of `%s.%s` that is not %s", table, name, data_type)
        row[name] = value
    return row


_EXACT_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "bigint": (int,),
    "double": (float,),
    "bool": (bool,),
    "timestamp": (dt.datetime,),
    "date": (dt.date,),
    "json": (list, dict),
}
"""Python types a value of each dlt type may already have (checked with `type() in`, so a bool
is never taken for a bigint); a timestamp must also be in UTC."""

_CONFORM_PLAN: dict[str, tuple[tuple[str, TDataType, tuple[type, ...]], ...]] = {
    name: tuple((c.name, c.data_type, _EXACT_TYPES.get(c.data_type, ())) for c in spec.columns)
    for name, spec in TABLES.items()
}


def coerce(value: Any, data_type: TDataType) -> Any:
    """Coerce one value to a dlt data type (None when it does not fit)."""
    if value is None:
        return None
    if data_type == "text":
        if isinstance(value, str):
            return value
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        return str(value)
    if data_type == "bigint":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                return None
        return None
    if data_type == "double":
        if isinstance(value, bool):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None
    if data_type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        return None
    if data_type == "timestamp":
        return parse_timestamp(value)
    if data_type == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        return parse_date(value)
    if data_type == "json":
        return value if isinstance(value, list | dict) else [value]
    return value
