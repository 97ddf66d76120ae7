"""Configuration resources: questions, questionnaires, users, dispatches, delivery plans, content
templates and the account settings.

Each resource maps an explicit ALLOW-LIST of wire fields to snake_case columns (`Field`); nothing
else of the API object is read, so new fields -- and secrets such as the integration keys in
`/api/settings` or `DeliveryPlan.routeEmailSMTP.password` -- never reach a table. There is no
deny-list anywhere. Timestamps (with or without `Z`) become tz-aware UTC datetimes; lists become
JSON columns. Users' people fields (name, e-mail, mobile phone, login, manager login) follow the PII
policy (`transforms.pii.PiiPolicy.protect_contact`), so hashed logins still join with the hashed
`notes.user` and ticket assignees. Every table merges (upsert) on its key.

`questions` and `account_settings` use the shaping of `transforms.shape` (the models read them);
`/api/questions` and `/api/settings` are fetched once per sync and shared with the `responses`
resource, which builds its question catalog from them (`ApiCache`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.schema.typing import (
    TColumnSchema,
    TDataType,
    TTableSchemaColumns,
    TWriteDispositionConfig,
)
from dlt.extract import DltResource

from sources.wxm.client import WxmClient
from sources.wxm.exceptions import ApiError
from transforms.pii import PiiPolicy
from transforms.shape import TABLES, dlt_columns, shape_question, shape_settings
from transforms.tables import coerce
from transforms.timestamps import parse_timestamp

logger = logging.getLogger(__name__)

MERGE: TWriteDispositionConfig = {"disposition": "merge", "strategy": "upsert"}


BLANK_REREADS = 3
"""How often a configuration GET that answered a blank body (empty or `null`) is read again."""
BLANK_PAUSE = 0.5
"""Seconds before the first re-read of a blank body (doubling)."""


class ApiCache:
    """GET results memoized for one sync (thread-safe), so shared endpoints are read once."""

    def __init__(self, client: WxmClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}

    def get(self, path: str) -> Any:
        """The parsed body of `GET path`, fetched on first use.

        A 403 or 404 (a user whose role may not read this object, an endpoint an account lacks)
        is logged as a warning and read as no data, so one configuration object never stops the
        responses from loading.
        """
        with self._lock:
            if path not in self._values:
                try:
                    self._values[path] = self._get_not_blank(path)
                except ApiError as error:
                    if error.status not in (403, 404):
                        raise
                    logger.warning(
                        "`GET %s` answered %d: its table is not loaded this run (check the "
                        "user's role in WXM)",
                        path,
                        error.status,
                    )
                    self._values[path] = None
            return self._values[path]

    def _get_not_blank(self, path: str) -> Any:
        """`GET path`; an empty body or `null` is read again (`BLANK_REREADS` times) first.

        A configuration endpoint of a real account answers `[]` or `{}` when it has nothing;
        a blank body is a glitch, and taking it as "no data" would build the responses' catalog
        without questions or settings (untyped answers, default NPS band) and overwrite good
        configuration rows with empty ones.
        """
        value = self.client.get(path)
        for attempt in range(BLANK_REREADS):
            if value is not None:
                break
            logger.info("`GET %s` answered a blank body: reading it again", path)
            self.client.pause(BLANK_PAUSE * 2**attempt)
            value = self.client.get(path)
        return value

    def get_list(self, path: str) -> list[dict[str, Any]]:
        """`GET path` as a list of objects (empty body, `null` and `[]` are an empty list)."""
        value = self.get(path)
        if not isinstance(value, list):
            return []
        return [item for item in value if isinstance(item, dict)]

    def get_object(self, path: str) -> dict[str, Any]:
        """`GET path` as an object (empty body and `null` are an empty dict)."""
        value = self.get(path)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Field:
    """One allow-listed field: where it is on the wire, its column and its type.

    Attributes:
        wire: the camelCase wire name; a dotted path reads a nested object (`counters.x`).
        column: the snake_case column.
        data_type: the dlt data type.
    """

    wire: str
    column: str
    data_type: TDataType = "text"

    def read(self, record: dict[str, Any]) -> Any:
        """The field's value from a wire object, converted to the column's type (None if absent)."""
        value: Any = record
        for part in self.wire.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if self.data_type == "timestamp":
            return parse_timestamp(value)
        if self.data_type == "json":
            return value if isinstance(value, list | dict) else None
        return coerce(value, self.data_type)


def project(record: dict[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """A row of exactly the allow-listed columns of a wire object."""
    return {f.column: f.read(record) for f in fields}


def columns_of(fields: Sequence[Field], key: str) -> TTableSchemaColumns:
    """dlt column hints for an allow-list (the key column is not nullable)."""
    columns: TTableSchemaColumns = {}
    for f in fields:
        hint: TColumnSchema = {"name": f.column, "data_type": f.data_type, "nullable": True}
        if f.column == key:
            hint["nullable"] = False
            hint["primary_key"] = True
        columns[f.column] = hint
    return columns


QUESTIONNAIRE_FIELDS = (
    Field("name", "name"),
    Field("displayName", "display_name"),
    Field("isNameImmutable", "is_name_immutable", "bool"),
    Field("brand", "brand"),
    Field("group", "group"),
    Field("tags", "tags", "json"),
    Field("dataRetentionDays", "data_retention_days", "bigint"),
    Field("hashPIIBy", "hash_pii_by"),
)
QUESTIONNAIRE_EXTRA: TTableSchemaColumns = {
    "in_survey_questionnaires": {
        "name": "in_survey_questionnaires",
        "data_type": "bool",
        "nullable": True,
        "description": "listed by /api/AllSurveyQuestionnaires (a live survey questionnaire)",
    },
    "in_location_list": {
        "name": "in_location_list",
        "data_type": "bool",
        "nullable": True,
        "description": "listed in the settings' locationList",
    },
}
USER_FIELDS = (
    Field("id", "id"),
    Field("userName", "user_name"),
    Field("name", "name"),
    Field("email", "email"),
    Field("mobilePhone", "mobile_phone"),
    Field("primaryRole", "primary_role"),
    Field("department", "department"),
    Field("enterpriseRole", "enterprise_role"),
    Field("reportsTo", "reports_to"),
    Field("locationFilter", "location_filter", "json"),
    Field("regions", "regions", "json"),
    Field("languages", "languages", "json"),
    Field("isEmailVerified", "is_email_verified", "bool"),
    Field("isMobilePhoneVerified", "is_mobile_phone_verified", "bool"),
)
USER_PERSONAL_COLUMNS = ("name", "email", "mobile_phone", "user_name", "reports_to")
DISPATCH_FIELDS = (
    Field("id", "id"),
    Field("name", "name"),
    Field("created", "created", "timestamp"),
    Field("updated", "updated", "timestamp"),
    Field("deliveryPlanId", "delivery_plan_id"),
    Field("questionnaireName", "questionnaire_name"),
    Field("questionnaireDisplayName", "questionnaire_display_name"),
    Field("isLive", "is_live", "bool"),
    Field("expiryDays", "expiry_days", "bigint"),
)
DELIVERY_PLAN_FIELDS = (
    Field("id", "id"),
    Field("name", "name"),
    Field("description", "description"),
    Field("created", "created", "timestamp"),
    Field("updated", "updated", "timestamp"),
    Field("isLive", "is_live", "bool"),
    Field("status", "status"),
    Field("lastRun", "last_run", "timestamp"),
    Field("counters.surveysDelivered", "surveys_delivered", "bigint"),
    Field("counters.surveysAnswered", "surveys_answered", "bigint"),
    Field("counters.surveysBounced", "surveys_bounced", "bigint"),
    Field("counters.unsubscribed", "unsubscribed", "bigint"),
)
DELIVERY_PLAN_EXTRA: TTableSchemaColumns = {
    "channels": {
        "name": "channels",
        "data_type": "json",
        "nullable": True,
        "description": "the channels of the plan's schedule steps, in order",
    },
}
CONTENT_TEMPLATE_FIELDS = (
    Field("id", "id"),
    Field("name", "name"),
    Field("account", "account"),
)


def _merge_resource(
    rows: Callable[[], Iterator[dict[str, Any]]],
    name: str,
    table: str,
    key: str,
    columns: TTableSchemaColumns,
) -> DltResource:
    return dlt.resource(
        rows,
        name=name,
        table_name=table,
        write_disposition=MERGE,
        primary_key=key,
        columns=columns,
    )


def config_resources(cache: ApiCache, pii: PiiPolicy, account_fallback: str) -> list[DltResource]:
    """Every configuration resource, sharing one cache of GET results.

    Args:
        cache: GET results of this sync.
        pii: the PII policy for users' people fields.
        account_fallback: the account key when settings carry no `user` (the login).

    Returns:
        The resources `questions`, `questionnaires`, `users`, `dispatches`, `delivery_plans`,
        `content_templates` and `settings` (table `account_settings`).
    """

    def questions() -> Iterator[dict[str, Any]]:
        for question in cache.get_list("/api/questions"):
            if question.get("id"):
                yield shape_question(question)

    def questionnaires() -> Iterator[dict[str, Any]]:
        locations = cache.get_object("/api/settings").get("locationList") or []
        survey = {q.get("name"): q for q in cache.get_list("/api/AllSurveyQuestionnaires")}
        seen: set[str] = set()
        for location in locations:
            if not isinstance(location, dict) or not location.get("name"):
                continue
            row = project(location, QUESTIONNAIRE_FIELDS)
            listed = survey.get(location["name"])
            if row["display_name"] is None and listed:
                row["display_name"] = Field("displayName", "display_name").read(listed)
            row.update(in_survey_questionnaires=listed is not None, in_location_list=True)
            seen.add(location["name"])
            yield row
        for name, listed in survey.items():
            if name and name not in seen:
                row = project(listed, QUESTIONNAIRE_FIELDS)
                row.update(in_survey_questionnaires=True, in_location_list=False)
                yield row

    def users() -> Iterator[dict[str, Any]]:
        for user in cache.get_list("/api/account/getsubusers"):
            if user.get("id"):
                yield pii.protect_contact(project(user, USER_FIELDS), USER_PERSONAL_COLUMNS)

    def dispatches() -> Iterator[dict[str, Any]]:
        for dispatch in cache.get_list("/api/Dispatches"):
            if dispatch.get("id"):
                yield project(dispatch, DISPATCH_FIELDS)

    def delivery_plans() -> Iterator[dict[str, Any]]:
        for plan in cache.get_list("/api/DeliveryPlan"):
            if not plan.get("id"):
                continue
            row = project(plan, DELIVERY_PLAN_FIELDS)
            schedule = plan.get("schedule")
            steps = schedule if isinstance(schedule, list) else []
            channels = [s.get("channel") for s in steps if isinstance(s, dict)]
            row["channels"] = [c for c in channels if isinstance(c, str)] or None
            yield row

    def content_templates() -> Iterator[dict[str, Any]]:
        for template in cache.get_list("/api/ContentTemplates"):
            if template.get("id"):
                yield project(template, CONTENT_TEMPLATE_FIELDS)

    def settings() -> Iterator[dict[str, Any]]:
        values = cache.get_object("/api/settings")
        account = values.get("user")
        yield shape_settings(values, account if isinstance(account, str) else account_fallback)

    return [
        _merge_resource(questions, "questions", "questions", "id", dlt_columns("questions")),
        _merge_resource(
            questionnaires,
            "questionnaires",
            "questionnaires",
            "name",
            {**columns_of(QUESTIONNAIRE_FIELDS, "name"), **QUESTIONNAIRE_EXTRA},
        ),
        _merge_resource(users, "users", "users", "id", columns_of(USER_FIELDS, "id")),
        _merge_resource(
            dispatches, "dispatches", "dispatches", "id", columns_of(DISPATCH_FIELDS, "id")
        ),
        _merge_resource(
            delivery_plans,
            "delivery_plans",
            "delivery_plans",
            "id",
            {**columns_of(DELIVERY_PLAN_FIELDS, "id"), **DELIVERY_PLAN_EXTRA},
        ),
        _merge_resource(
            content_templates,
            "content_templates",
            "content_templates",
            "id",
            columns_of(CONTENT_TEMPLATE_FIELDS, "id"),
        ),
        _merge_resource(
            settings,
            "settings",
            "account_settings",
            TABLES["account_settings"].primary_key[0],
            dlt_columns("account_settings"),
        ),
    ]
