-- 0100 monitoring: the days whose figures from the other pillars (cases
-- filed, injury claims, cover) changed after the fact, queued by
-- monitoring's event subscriber (src/monitoring/events.c) in the transaction
-- of the change, and refreshed by the next daily job even when they lie
-- before the week it refreshes anyway (a claim reported for an injury a
-- month ago). One row per day; the job deletes the rows it has refreshed.
-- Conventions as in 0001.
-- @all

CREATE TABLE mon_refresh_days (
    day TEXT PRIMARY KEY,        -- YYYY-MM-DD, Asia/Shanghai
    first_reason TEXT NOT NULL,  -- the event that queued it first ('claim.reported', ...)
    queued_at BIGINT NOT NULL    -- Unix seconds it was first queued
);
