-- daily_nps: per questionnaire and day (in the account's time zone, settings timeZoneOffset),
-- the response volume and the NPS figures. Archived responses and responses deleted upstream are
-- left out; nps = 100 * (promoters - detractors) / scored, NULL on a day without NPS answers.
CREATE OR REPLACE VIEW $schema.daily_nps AS
WITH local_responses AS (
    SELECT
        r.questionnaire,
        CAST(
            timezone('UTC', r.response_date_time)
            + to_minutes(CAST(coalesce(
                (SELECT max(s.time_zone_offset) FROM $account_settings AS s), 0) AS BIGINT))
            AS DATE
        ) AS day,
        r.nps_score,
        r.nps_category,
        r.csat_score,
        r.ces_score
    FROM $responses AS r
    WHERE r.deleted_at IS NULL
        AND coalesce(r.archived, false) = false
        AND r.response_date_time IS NOT NULL
)
SELECT
    questionnaire,
    day,
    count(*) AS responses,
    count(nps_category) AS scored,
    count(*) FILTER (WHERE nps_category = 'promoter') AS promoters,
    count(*) FILTER (WHERE nps_category = 'passive') AS passives,
    count(*) FILTER (WHERE nps_category = 'detractor') AS detractors,
    CASE WHEN count(nps_category) > 0 THEN
        100.0 * (count(*) FILTER (WHERE nps_category = 'promoter')
                 - count(*) FILTER (WHERE nps_category = 'detractor'))
        / count(nps_category)
    END AS nps,
    avg(csat_score) AS csat_average,
    avg(ces_score) AS ces_average
FROM local_responses
GROUP BY questionnaire, day
