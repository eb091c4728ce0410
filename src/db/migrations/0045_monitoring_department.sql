-- 0045 monitoring: the departments' feeds in the daily aggregates — traffic
-- incidents and injuries of each platform's workers, the injured with no
-- cover in force and no claim, and active worker-days with social insurance
-- paid. Refreshed from the stored incidents and records by the daily job
-- (and POST /api/v1/indicators/refresh). Conventions as in 0001 and 0030.
-- @all

ALTER TABLE mon_daily ADD COLUMN traffic_incidents BIGINT NOT NULL DEFAULT 0;  -- incidents of its workers in the district that day
ALTER TABLE mon_daily ADD COLUMN traffic_injuries BIGINT NOT NULL DEFAULT 0;   -- of those, severity minor, serious or fatal
ALTER TABLE mon_daily ADD COLUMN uncovered_injuries BIGINT NOT NULL DEFAULT 0; -- injured with no cover-day in force and no claim
ALTER TABLE mon_daily ADD COLUMN social_days BIGINT NOT NULL DEFAULT 0;        -- active worker-days with social insurance paid that month

-- The platform a traffic incident is counted on is found through the roster.
CREATE INDEX mon_traffic_person ON mon_traffic_incidents(person_id, occurred_at);
CREATE INDEX mon_social_person ON mon_social_insurance(person_id, month, status);
