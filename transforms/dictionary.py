"""The data dictionary: every table and view of the dataset with its columns, types and meanings,
and the example queries the demo prints and runs.

Meanings come from `TABLES` (shaped tables), from the comments `build_models` writes on its views
(hand-written in `models.MODEL_DOCS`, generated for the wide views) and from a few dlt columns;
types come from the live database, so the dictionary always matches what a BI tool sees.
"""

from __future__ import annotations

import duckdb

from transforms.models import MODEL_DOCS
from transforms.tables import TABLES

DLT_COLUMNS: dict[str, str] = {
    "_dlt_load_id": "dlt load package that last wrote the row.",
    "_dlt_id": "dlt's unique row id.",
}

EXAMPLE_QUERIES: list[tuple[str, str]] = [
    (
        "NPS and response volume by questionnaire over the last 30 days",
        """SELECT questionnaire,
       sum(responses) AS responses,
       sum(scored) AS scored,
       round(100.0 * (sum(promoters) - sum(detractors)) / nullif(sum(scored), 0), 1) AS nps
FROM wxm.daily_nps
WHERE day >= current_date - 30
GROUP BY questionnaire
ORDER BY responses DESC""",
    ),
    (
        "Most chosen options of each multi-select question",
        """SELECT question_label, option, count(*) AS times_chosen
FROM wxm.answer_options
WHERE display_type = 'MultiSelect'
GROUP BY question_label, option
ORDER BY question_label, times_chosen DESC
LIMIT 15""",
    ),
    (
        "Detractors with an open ticket, newest first",
        """SELECT r.id, r.questionnaire, r.response_date_time, r.nps_score, t.status, t.department
FROM wxm.responses AS r
JOIN wxm.tickets AS t ON t.response_id = r.id
WHERE r.nps_category = 'detractor' AND t.status = 'Open' AND r.deleted_at IS NULL
ORDER BY r.response_date_time DESC
LIMIT 10""",
    ),
]
"""(title, SQL) pairs over the `wxm` dataset; they run on DuckDB and on the Parquet catalog."""


def data_dictionary(con: duckdb.DuckDBPyConnection, schema: str = "wxm") -> str:
    """Markdown describing every table and view of `schema`: columns, types and meanings.

    dlt's own bookkeeping tables (`_dlt_*`) are left out.

    Args:
        con: Connection to the DuckDB destination or the Parquet catalog file.
        schema: The dataset schema.

    Returns:
        The dictionary as markdown.
    """
    relations = con.execute(
        """
        SELECT table_name, 'table', comment FROM duckdb_tables()
        WHERE schema_name = $schema AND database_name = current_database()
        UNION ALL
        SELECT view_name, 'view', comment FROM duckdb_views()
        WHERE schema_name = $schema AND database_name = current_database() AND NOT internal
        """,
        {"schema": schema},
    ).fetchall()
    order = {name: i for i, name in enumerate([*TABLES, *MODEL_DOCS])}
    relations = sorted(
        (r for r in relations if not r[0].startswith("_dlt")),
        key=lambda r: (order.get(r[0], len(order)), r[0]),
    )

    lines = [f"# Data dictionary: `{schema}`", ""]
    for name, kind, comment in relations:
        spec = TABLES.get(name)
        description = comment or (spec.description if spec else "Loaded by the source.")
        lines += [f"## `{name}` ({kind})", "", description, ""]
        if spec and spec.primary_key:
            lines += [f"Key: {', '.join(f'`{k}`' for k in spec.primary_key)}.", ""]
        lines += ["| column | type | meaning |", "|---|---|---|"]
        columns = con.execute(
            """
            SELECT column_name, data_type, comment FROM duckdb_columns()
            WHERE schema_name = $schema AND table_name = $name
                AND database_name = current_database()
            ORDER BY column_index
            """,
            {"schema": schema, "name": name},
        ).fetchall()
        for column, data_type, column_comment in columns:
            meaning = column_comment or _meaning(name, column)
            lines.append(f"| `{column}` | {data_type} | {meaning.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def _meaning(table: str, column: str) -> str:
    spec = TABLES.get(table)
    if spec is not None:
        for candidate in spec.columns:
            if candidate.name == column:
                return candidate.description
    if column in DLT_COLUMNS:
        return DLT_COLUMNS[column]
    model = MODEL_DOCS.get(table)
    if model is not None and column in model[1]:
        return model[1][column]
    return ""
