-- 0070 core: the soft lockout of signing in (src/auth/lockout.h) counts
-- failures of a known device as well as of an account and an address, and
-- remembers solved proof-of-work challenges so that each works once. The
-- table is rebuilt to widen its kind check (SQLite cannot alter a check);
-- recent failures are kept. Conventions as in 0001.
-- @all

CREATE TABLE login_failures_v2 (
    id @ID@,
    -- account: key = login; address: key = client address; device: key = the
    -- device id of a device token; challenge: key = a solved challenge's id
    kind TEXT NOT NULL CHECK (kind IN ('account', 'address', 'device', 'challenge')),
    key TEXT NOT NULL,
    at BIGINT NOT NULL -- Unix seconds of the failure (of the solution, for a challenge)
);
INSERT INTO login_failures_v2 (kind, key, at) SELECT kind, key, at FROM login_failures;
DROP TABLE login_failures;
ALTER TABLE login_failures_v2 RENAME TO login_failures;
CREATE INDEX login_failures_key ON login_failures(kind, key, at);
