-- 0050 core: the master key's check value, so that a missing or wrong key
-- stops start-up instead of being silently replaced (src/app/cli.c). The
-- value is a keyed BLAKE2b of a fixed label under the master key
-- (eg_keys_check_value), never the key itself. `egret migrate` stores it
-- when it creates the key of a new database; a database that predates this
-- migration gets it at its first start with the key present. Conventions
-- as in 0001.
-- @all

CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1), -- one row
    check_value TEXT NOT NULL,            -- 64 hex characters
    created_at BIGINT NOT NULL            -- Unix seconds
);
