-- 0001 core: departments, people, organisations, users, sessions, API keys,
-- login throttling, holidays and the audit trail.
-- Conventions (see src/db/db.h): @ID@ is an auto-assigned BIGINT primary key;
-- instants are BIGINT Unix seconds (*_at); dates are 'YYYY-MM-DD' TEXT;
-- booleans are INTEGER 0/1; money is BIGINT fen (*_fen).
-- @all

-- The department tree: the centre, member departments, district sub-centres.
CREATE TABLE departments (
    id @ID@,
    code TEXT NOT NULL UNIQUE,            -- stable short code, e.g. 'centre', 'hrss'
    name TEXT NOT NULL,                   -- Chinese name, e.g. '人社局'
    name_en TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('centre', 'member', 'district')),
    parent_id BIGINT REFERENCES departments(id),
    path TEXT NOT NULL,                   -- materialised path '/1/5/' for scope checks
    archived INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Natural persons. ID number and phone are encrypted; *_idx are keyed blind
-- indexes for look-up; *_masked are what lists show.
CREATE TABLE people (
    id @ID@,
    name TEXT NOT NULL,
    id_number_enc TEXT NOT NULL,
    id_number_idx TEXT NOT NULL UNIQUE,
    id_number_masked TEXT NOT NULL,
    birth_date TEXT NOT NULL,             -- from the ID number
    gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    region_code TEXT NOT NULL DEFAULT '', -- first six digits of the ID number
    phone_enc TEXT,
    phone_idx TEXT,
    phone_masked TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX people_phone_idx ON people(phone_idx);

-- Platforms, partner companies, the insurer, other organisations.
CREATE TABLE organisations (
    id @ID@,
    name TEXT NOT NULL,
    credit_code TEXT UNIQUE,              -- 统一社会信用代码, checked
    kind TEXT NOT NULL CHECK (kind IN ('platform', 'company', 'insurer', 'other')),
    sector TEXT NOT NULL DEFAULT '',      -- e.g. 'food_delivery', 'ride_hailing'
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone_masked TEXT NOT NULL DEFAULT '',
    archived INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Sign-in accounts of people, platforms and staff.
CREATE TABLE users (
    id @ID@,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,          -- argon2id (libsodium crypto_pwhash_str)
    role TEXT NOT NULL CHECK (role IN ('worker', 'platform', 'mediator', 'insurer', 'analyst', 'supervisor', 'admin')),
    display_name TEXT NOT NULL DEFAULT '',
    person_id BIGINT REFERENCES people(id),             -- workers
    organisation_id BIGINT REFERENCES organisations(id), -- platform and insurer accounts
    department_id BIGINT REFERENCES departments(id),     -- staff
    scope_below INTEGER NOT NULL DEFAULT 1,  -- staff see their department and below
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_person ON users(person_id);

-- Sessions: only a keyed hash of the token is stored.
CREATE TABLE sessions (
    id @ID@,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

-- API keys of platforms (organisation_id) and government departments (department_id).
CREATE TABLE api_keys (
    id @ID@,
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,                 -- first characters, to tell keys apart
    organisation_id BIGINT REFERENCES organisations(id),
    department_id BIGINT REFERENCES departments(id),
    label TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);

-- Failed sign-ins, for throttling per account and per address.
CREATE TABLE login_failures (
    id @ID@,
    kind TEXT NOT NULL CHECK (kind IN ('account', 'address')),
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(kind, key, at);

-- Public holidays and make-up working days for working-day deadlines.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,                 -- 'YYYY-MM-DD'
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
);

-- The audit trail: append-only, hash-chained (see src/auth/audit.h).
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user_id BIGINT NOT NULL DEFAULT 0,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    summary TEXT NOT NULL,                -- JSON; never raw personal data
    address TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events(entity, entity_id);
CREATE INDEX audit_events_action ON audit_events(action);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_actor ON audit_events(actor);

-- The chain head: one row; updating it serialises appenders.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- @sqlite
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

-- @postgres
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
