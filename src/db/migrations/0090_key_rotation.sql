-- 0090 core: the state of a master-key rotation (`egret key rotate`,
-- src/app/cmd_key.c). While a row is 'running', servers encrypt under the
-- new key (the key file with ".next" appended), read under both, and the
-- command re-encrypts personal data table by table in batches, each batch
-- committed with its place (step, after_id), so that a run killed midway
-- resumes where it stopped. 'finished' is written in the transaction that
-- stores the new key's check value in key_check. Conventions as in 0001.
-- @all

CREATE TABLE key_rotation (
    id INTEGER PRIMARY KEY CHECK (id = 1),  -- one row: the last rotation
    next_check_value TEXT NOT NULL,         -- check value of the new key (64 hex)
    state TEXT NOT NULL CHECK (state IN ('running', 'finished')),
    step TEXT NOT NULL DEFAULT '',          -- the table being re-encrypted ('' = not begun)
    after_id BIGINT NOT NULL DEFAULT 0,     -- rows of step up to this id are done
    rows_done BIGINT NOT NULL DEFAULT 0,    -- values re-encrypted so far
    started_at BIGINT NOT NULL,             -- Unix seconds
    finished_at BIGINT                      -- Unix seconds; NULL while running
);
