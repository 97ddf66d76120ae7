-- answer_options: one row per chosen option of an option answer (Select, Dropdown, MultiSelect,
-- OrderBy), read from answers.value_options so an edited answer never leaves stale rows behind.
-- Responses deleted upstream are left out.
CREATE OR REPLACE VIEW $schema.answer_options AS
SELECT
    a.response_id,
    a.question_id,
    a.questionnaire,
    a.response_date_time,
    a.question_label,
    a.display_type,
    o.option_index,
    o.option,
    a.is_pii
FROM $answers AS a,
    unnest(from_json(a.value_options, '["VARCHAR"]')) WITH ORDINALITY AS o(option, option_index)
WHERE a.value_options IS NOT NULL
    AND a.response_id NOT IN (SELECT r.id FROM $responses AS r WHERE r.deleted_at IS NOT NULL)
