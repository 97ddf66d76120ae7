"""SQL models built on DuckDB after each load: option rows, daily NPS and one wide view per
questionnaire.

The models are views, so they are never stale between loads; `build_models` re-creates them after
every load, which also adds columns for new questions to the wide views. They read the shaped
tables through small relations that supply a typed NULL for any column (or table) not loaded yet,
so a dataset without notes, settings or questions still gets every model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

import duckdb

from transforms.catalog import MULTI_OPTION_TYPES, column_names, value_kind
from transforms.tables import TABLES

logger = logging.getLogger(__name__)

SQL_DIR = Path(__file__).with_name("models")

DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "json": "JSON",
}
"""DuckDB type of each dlt data type used in `TABLES`."""

MODEL_INPUTS: dict[str, tuple[str, ...]] = {
    "responses": (
        "id",
        "questionnaire",
        "response_date_time",
        "survey_client",
        "archived",
        "nps_score",
        "nps_category",
        "csat_score",
        "ces_score",
        "deleted_at",
    ),
    "answers": (
        "response_id",
        "question_id",
        "questionnaire",
        "response_date_time",
        "question_label",
        "display_type",
        "value_kind",
        "value_number",
        "value_text",
        "value_date",
        "value_options",
        "is_pii",
    ),
    "questions": (
        "id",
        "label",
        "display_type",
        "questionnaires",
        "sequence",
        "is_retired",
        "is_pii",
    ),
    "account_settings": ("time_zone_offset",),
}
"""The columns of the loaded tables the models read (see design section 3)."""

WIDE_BASE_COLUMNS: dict[str, str] = {
    "response_id": "Response id (`responses.id`).",
    "questionnaire": "Questionnaire name.",
    "response_date_time": "When the response was submitted (UTC).",
    "survey_client": "Channel the response came from.",
    "archived": "True when the response is archived in WXM.",
    "nps_score": "Answer to the NPS-tagged question, 0-10.",
    "nps_category": "promoter / passive / detractor.",
    "csat_score": "Answer to the CSAT-tagged question.",
    "ces_score": "Answer to the CES-tagged question.",
}

MODEL_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "answer_options": (
        "One row per chosen option of an option answer (from answers.value_options); "
        "responses deleted upstream left out.",
        {
            "response_id": "The response (`responses.id`).",
            "question_id": "The question (`questions.id`).",
            "questionnaire": "Questionnaire of the response.",
            "response_date_time": "When the response was submitted (UTC).",
            "question_label": "Question's short label.",
            "display_type": "Question's WXM displayType.",
            "option_index": "Position of the option in the answer (1-based; the rank for OrderBy).",
            "option": "The chosen option label (hashed when the question is personal).",
            "is_pii": "True when the question is personal data.",
        },
    ),
    "daily_nps": (
        "Per questionnaire and day in the account's time zone: response volume and NPS. "
        "Archived responses and responses deleted upstream left out.",
        {
            "questionnaire": "Questionnaire name.",
            "day": "Calendar day in the account time zone (settings timeZoneOffset).",
            "responses": "Responses submitted that day.",
            "scored": "Responses with an NPS answer.",
            "promoters": "Responses scoring above the passive band.",
            "passives": "Responses scoring inside the passive band (settings npsRange).",
            "detractors": "Responses scoring below the passive band.",
            "nps": "100 * (promoters - detractors) / scored; NULL without NPS answers.",
            "csat_average": "Average CSAT answer.",
            "ces_average": "Average CES answer.",
        },
    ),
}
"""Hand-written meanings of the fixed models (the data dictionary and view comments use them)."""


@dataclass(frozen=True)
class WideColumn:
    """One question column of a wide view."""

    question_id: str
    name: str
    source: str
    label: str | None
    display_type: str | None
    is_retired: bool


def build_models(con: duckdb.DuckDBPyConnection, schema: str = "wxm") -> list[str]:
    """Create or replace every model view in `schema`.

    Args:
        con: A DuckDB connection holding the loaded tables (or the Parquet catalog's views).
        schema: The dataset schema, `wxm` by default.

    Returns:
        Names of the views built: `answer_options`, `daily_nps`, then `wide_<questionnaire>` ones.
    """
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(schema)}")
    relations = {table: _relation(con, schema, table) for table in MODEL_INPUTS}
    params = {"schema": _ident(schema), **relations}

    built: list[str] = []
    for name in ("answer_options", "daily_nps"):
        con.execute(_template(name).substitute(params))
        _comment(con, schema, name, *MODEL_DOCS[name])
        built.append(name)

    built.extend(_build_wide_views(con, schema, relations))
    logger.info("Built %d models in `%s`", len(built), schema)
    return built


def _build_wide_views(
    con: duckdb.DuckDBPyConnection, schema: str, relations: Mapping[str, str]
) -> list[str]:
    questions = _catalog_questions(con, relations["questions"])
    answered = con.execute(
        f"""
        SELECT questionnaire, question_id, min(question_label), min(display_type),
               bool_and(value_kind = 'number'), bool_or(is_pii)
        FROM {relations["answers"]} AS a
        WHERE questionnaire IS NOT NULL
        GROUP BY ALL
        """
    ).fetchall()
    per_questionnaire: dict[str, dict[str, tuple[str | None, str | None, bool, bool]]] = {}
    for questionnaire, question_id, label, display_type, all_numbers, is_pii in answered:
        per_questionnaire.setdefault(questionnaire, {})[question_id] = (
            label,
            display_type,
            bool(all_numbers),
            bool(is_pii),
        )
    for question_id, (_, _, where, _, _, is_pii) in questions.items():
        for questionnaire in where:
            per_questionnaire.setdefault(questionnaire, {}).setdefault(
                question_id, (None, None, False, is_pii)
            )
    names = con.execute(
        f"SELECT DISTINCT questionnaire FROM {relations['responses']}"
        " WHERE questionnaire IS NOT NULL"
    ).fetchall()
    for (questionnaire,) in names:
        per_questionnaire.setdefault(questionnaire, {})

    view_names = column_names((q, q) for q in per_questionnaire)
    built = []
    for questionnaire in sorted(per_questionnaire):
        view = f"wide_{view_names[questionnaire]}"
        columns = _wide_columns(per_questionnaire[questionnaire], questions)
        select = "".join(
            f",\n    any_value({c.source})"
            f" FILTER (WHERE a.question_id = {_literal(c.question_id)}) AS {_ident(c.name)}"
            for c in columns
        )
        sql = _template("wide").substitute(
            schema=_ident(schema),
            view=_ident(view),
            responses=relations["responses"],
            answers=relations["answers"],
            questionnaire=_literal(questionnaire),
            question_columns=select,
        )
        con.execute(sql)
        docs = dict(WIDE_BASE_COLUMNS)
        for c in columns:
            retired = ", retired" if c.is_retired else ""
            docs[c.name] = (
                f"Answer to question `{c.question_id}` ({c.label or 'no label'}; "
                f"{c.display_type or 'unknown type'}{retired}), from `{c.source}`."
            )
        _comment(
            con, schema, view, f"One row per response of questionnaire `{questionnaire}`.", docs
        )
        built.append(view)
    return built


def _catalog_questions(
    con: duckdb.DuckDBPyConnection, questions: str
) -> dict[str, tuple[str | None, str | None, list[str], int | None, bool, bool]]:
    rows = con.execute(
        f"""
        SELECT id, label, display_type,
               CAST(from_json(questionnaires, '["VARCHAR"]') AS VARCHAR[]),
               sequence, coalesce(is_retired, false), coalesce(is_pii, false)
        FROM {questions} WHERE id IS NOT NULL
        """
    ).fetchall()
    return {
        row[0]: (row[1], row[2], [q for q in (row[3] or []) if q], row[4], bool(row[5]), row[6])
        for row in rows
    }


def _wide_columns(
    answered: Mapping[str, tuple[str | None, str | None, bool, bool]],
    questions: Mapping[str, tuple[str | None, str | None, list[str], int | None, bool, bool]],
) -> list[WideColumn]:
    labels: list[tuple[str, str | None]] = []
    info: dict[str, tuple[str | None, str | None, str, int | None, bool]] = {}
    for question_id, (answer_label, answer_type, all_numbers, is_pii) in answered.items():
        label, display_type, sequence, retired = answer_label, answer_type, None, False
        if question_id in questions:
            label, display_type, _, sequence, retired, catalog_pii = questions[question_id]
            label = label or answer_label
            is_pii = is_pii or catalog_pii
        source = _source_column(display_type, all_numbers, is_pii)
        info[question_id] = (label, display_type, source, sequence, retired)
        labels.append((question_id, label))

    names = column_names(labels, reserved=WIDE_BASE_COLUMNS)
    columns = [
        WideColumn(qid, names[qid], source, label, dtype, retired)
        for qid, (label, dtype, source, _, retired) in info.items()
    ]
    order = {qid: (info[qid][3] is None, info[qid][3] or 0) for qid in info}
    return sorted(columns, key=lambda c: (*order[c.question_id], c.name))


def _source_column(display_type: str | None, all_numbers: bool, is_pii: bool) -> str:
    """The SQL expression over `answers` (alias `a`) that gives a question's wide column."""
    kind = value_kind(display_type)
    multi = kind == "options" and (display_type or "").strip().lower() in MULTI_OPTION_TYPES
    if multi:
        return "a.value_options"
    if is_pii:
        # NOTE: hashed personal answers live in value_text whatever the question's type.
        return "coalesce(a.value_text, CAST(a.value_number AS VARCHAR))"
    if kind == "number" or (kind is None and all_numbers):
        return "a.value_number"
    if kind == "date":
        return "a.value_date"
    return "a.value_text"


def _relation(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """A subquery with exactly the model inputs of `table`, typed; NULLs where not loaded."""
    spec = TABLES[table]
    present = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?"
            " AND database_name = current_database()",
            [schema, table],
        ).fetchall()
    }
    selects = []
    for name in MODEL_INPUTS[table]:
        sql_type = DUCKDB_TYPES[spec.column(name).data_type]
        source = _ident(name) if name in present else "NULL"
        selects.append(f"CAST({source} AS {sql_type}) AS {_ident(name)}")
    if not present:
        logger.info("Table `%s.%s` is not loaded yet; its models read it as empty", schema, table)
        return f"(SELECT {', '.join(selects)} WHERE false)"
    return f"(SELECT {', '.join(selects)} FROM {_ident(schema)}.{_ident(table)})"


def _comment(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    view: str,
    description: str,
    columns: Mapping[str, str],
) -> None:
    qualified = f"{_ident(schema)}.{_ident(view)}"
    con.execute(f"COMMENT ON VIEW {qualified} IS {_literal(description)}")
    for column, meaning in columns.items():
        con.execute(f"COMMENT ON COLUMN {qualified}.{_ident(column)} IS {_literal(meaning)}")


def _template(name: str) -> Template:
    return Template((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def wide_view_name(questionnaire: str, questionnaires: Iterable[str] = ()) -> str:
    """The wide view name of a questionnaire, given all questionnaire names (for collisions)."""
    names = column_names((q, q) for q in {questionnaire, *questionnaires})
    return f"wide_{names[questionnaire]}"


def model_names(con: duckdb.DuckDBPyConnection, schema: str = "wxm") -> Sequence[str]:
    """Names of the model views present in `schema` (fixed models first, then wide views)."""
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = ? AND NOT internal"
        " AND database_name = current_database() ORDER BY view_name",
        [schema],
    ).fetchall()
    views = [name for (name,) in rows]
    fixed = [name for name in MODEL_DOCS if name in views]
    return fixed + [name for name in views if name.startswith("wide_")]
