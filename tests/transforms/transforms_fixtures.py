"""Hand-made WXM Questions, settings and Answers shared by the transforms tests."""

from __future__ import annotations

from typing import Any

from transforms.shape import Shaper

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "q_nps",
        "note": "Recommend",
        "text": "How likely are you to recommend us?",
        "displayType": "Scale",
        "questionTags": ["NPS"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_csat",
        "note": None,
        "text": "How satisfied were you?",
        "displayType": "Star-5",
        "questionTags": ["CSAT"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_ces",
        "note": "Effort",
        "text": "How easy was it?",
        "displayType": "Smile-5",
        "questionTags": ["CES"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_slider",
        "note": "Slider",
        "text": "Slide",
        "displayType": "Slider",
        "displayLocation": ["Store"],
    },
    {
        "id": "q_number",
        "note": "Visits",
        "text": "How many visits?",
        "displayType": "Number",
        "displayLocation": ["Store"],
    },
    {
        "id": "q_text",
        "note": "Comment",
        "text": "Tell us more",
        "displayType": "Text",
        "questionTags": ["Comments"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_mltext",
        "note": "Story",
        "text": "<b>Your</b> story",
        "displayType": "MultilineText",
        "displayLocation": ["Store"],
    },
    {
        "id": "q_select",
        "note": "Visit reason",
        "text": "Why did you visit?",
        "displayType": "Select",
        "multiSelect": ["Shopping, browsing", "Returns"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_multi",
        "note": "Liked",
        "text": "What did you like?",
        "displayType": "MultiSelect",
        "multiSelect": ["Price, value", "Speed", "Staff, friendly and helpful", "Parking"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_dropdown",
        "note": "Region",
        "text": "Region?",
        "displayType": "Dropdown",
        "multiSelect": ["North", "South, East"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_orderby",
        "note": "Rank",
        "text": "Rank these",
        "displayType": "OrderBy",
        "multiSelect": ["Price", "Quality", "Service"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_date",
        "note": "Visit date",
        "text": "When did you visit?",
        "displayType": "Date",
        "displayLocation": ["Store"],
    },
    {
        "id": "q_flag",
        "note": "Flag",
        "text": "Flag",
        "displayType": "Flag",
        "displayLocation": ["Store"],
    },
    {
        "id": "q_file",
        "note": "Receipt",
        "text": "Upload your receipt",
        "displayType": "File",
        "displayLocation": ["Store"],
    },
    {
        "id": "q_name",
        "note": "Name",
        "text": "Your name",
        "displayType": "Text",
        "questionTags": ["Name"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_email",
        "note": "Email",
        "text": "Your email",
        "displayType": "Text",
        "questionTags": ["Email"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_mobile",
        "note": "Mobile",
        "text": "Your phone",
        "displayType": "Number",
        "questionTags": ["Mobile"],
        "displayLocation": ["Store"],
    },
    {
        "id": "q_secret",
        "note": "Member no",
        "text": "Membership number",
        "displayType": "Text",
        "piiSettings": {"isPII": True, "piiType": "Other"},
        "displayLocation": ["Store"],
    },
    {
        "id": "q_old",
        "note": "Recommend",
        "text": "Old recommend question",
        "displayType": "Scale",
        "isRetired": True,
        "displayLocation": ["Store"],
    },
]

SETTINGS: dict[str, Any] = {"npsRange": "7,8", "timeZoneOffset": 330, "apiKey": "secret-key"}

NAME = "Ada Lovelace"
EMAIL = "ada@example.com"
MOBILE = 447700900123


def answer(
    answer_id: str = "r1",
    when: str = "2024-05-01T10:00:00.123Z",
    responses: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A WXM Answer with the given responses (question id, text, number triples)."""
    body: dict[str, Any] = {
        "id": answer_id,
        "user": "acme",
        "locationId": "Store",
        "responseDateTime": when,
        "responseDuration": 42,
        "surveyClient": "JS-Web",
        "responses": responses or [],
        "archived": False,
        "notes": None,
        "openTicket": None,
        "deviceId": None,
    }
    body.update(extra)
    return body


def resp(question_id: str, text: str | None = None, number: int = 0) -> dict[str, Any]:
    """One Response item of an Answer."""
    return {
        "questionId": question_id,
        "questionText": f"text of {question_id}",
        "textInput": text,
        "numberInput": number,
    }


def full_answer(answer_id: str = "r1", nps: int = 9) -> dict[str, Any]:
    """An Answer that answers every question of `QUESTIONS` once."""
    return answer(
        answer_id,
        responses=[
            resp("q_nps", None, nps),
            resp("q_csat", None, 4),
            resp("q_ces", "2", 2),
            resp("q_slider", None, 0),
            resp("q_number", "12", 12),
            resp("q_text", "Great, thanks"),
            resp("q_mltext", "line one\nline two"),
            resp("q_select", "Shopping, browsing"),
            resp("q_multi", "Price, value,Staff, friendly and helpful,Mystery, option"),
            resp("q_dropdown", "South, East"),
            resp("q_orderby", "Service,Price,Quality"),
            resp("q_date", "2024-04-30"),
            resp("q_flag", "true"),
            resp("q_file", "https://files.example/receipt.png"),
            resp("q_name", NAME),
            resp("q_email", EMAIL),
            resp("q_mobile", None, MOBILE),
            resp("q_secret", "M-0042"),
        ],
        notes=[
            {
                "user": "ops@example.com",
                "authorName": "Grace Hopper",
                "noteTime": "2024-05-01T11:00:00",
                "note": "Called back",
                "noteSurveyID": None,
                "attachments": None,
                "theme": None,
                "mood": "happy",
                "attached": None,
                "tags": ["vip"],
            }
        ],
        openTicket={
            "status": "Open",
            "assignedBy": "lead@example.com",
            "created": "2024-05-01T11:05:00.1234567Z",
            "sequence": 3,
            "rating": 4,
            "cCedTo": ["boss@example.com"],
            "isEscalated": False,
            "routeHistory": [{}],
        },
    )


def rows_by_table(shaper: Shaper, *answers: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Shape Answers and group the rows by table."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for body in answers:
        for table, row in shaper.rows(body):
            tables.setdefault(table, []).append(row)
    return tables


def create_tables(con: Any, schema: str = "wxm", tables: Any = None) -> None:
    """Create the shaped tables in DuckDB from `TABLES` (as the destination would)."""
    from transforms.models import DUCKDB_TYPES
    from transforms.tables import TABLES

    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for name in tables or TABLES:
        spec = TABLES[name]
        columns = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.data_type]}' for c in spec.columns)
        con.execute(f'CREATE TABLE IF NOT EXISTS {schema}."{name}" ({columns})')


def insert_rows(con: Any, table: str, rows: list[dict[str, Any]], schema: str = "wxm") -> None:
    """Insert shaped rows (JSON columns serialised) into a table made by `create_tables`."""
    import json

    from transforms.tables import TABLES

    if not rows:
        return
    spec = TABLES[table]
    json_columns = {c.name for c in spec.columns if c.data_type == "json"}
    values = [
        [
            json.dumps(r[c]) if c in json_columns and r[c] is not None else r[c]
            for c in spec.column_names
        ]
        for r in rows
    ]
    marks = ", ".join("?" for _ in spec.columns)
    con.executemany(f'INSERT INTO {schema}."{table}" VALUES ({marks})', values)


def load_shaped(
    con: Any,
    shaper: Any,
    answers: list[dict[str, Any]],
    questions: list[dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
    schema: str = "wxm",
) -> dict[str, list[dict[str, Any]]]:
    """Create the tables and load shaped Answers, questions and settings; returns the rows."""
    from transforms.shape import shape_question, shape_settings

    create_tables(con, schema)
    tables = rows_by_table(shaper, *answers)
    if questions is not None:
        tables["questions"] = [shape_question(q) for q in questions]
    if settings is not None:
        tables["account_settings"] = [shape_settings(settings, "acme")]
    for table, rows in tables.items():
        insert_rows(con, table, rows, schema)
    return tables
