-- 0080 core: the last run of each scheduled job (egret insurance daily,
-- egret monitoring daily, egret audit anchor), recorded by the command that
-- runs it (src/app/job_runs.c), so that `egret doctor` can say that a timer
-- has stopped firing. One row per job, overwritten by every run.
-- Conventions as in 0001.
-- @all

CREATE TABLE job_runs (
    job TEXT PRIMARY KEY,             -- 'insurance.daily', 'monitoring.daily', 'audit.anchor'
    last_started_at BIGINT NOT NULL,  -- Unix seconds the last run started
    last_finished_at BIGINT NOT NULL, -- … and ended (successfully or not)
    last_ok_at BIGINT,                -- Unix seconds the last successful run ended; NULL: none yet
    last_status TEXT NOT NULL CHECK (last_status IN ('ok', 'failed')),
    last_day TEXT NOT NULL DEFAULT '' -- the date the last run was for, YYYY-MM-DD ('' if none)
);
