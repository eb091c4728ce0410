-- 0060 core: self-registrations that claim a person already on file, and
-- the registration throttle. A registration whose ID number matches an
-- existing person creates no account until the registrant proves to be that
-- person: a one-time code sent to the phone on file, or a check of the ID
-- card at a service window (src/auth/register.c). Conventions as in 0001.
-- @all

CREATE TABLE pending_registrations (
    id @ID@,
    person_id BIGINT NOT NULL REFERENCES people(id), -- the existing record claimed
    login TEXT NOT NULL,                  -- the account to create once verified
    password_hash TEXT NOT NULL,          -- argon2id, as users.password_hash
    display_name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'verified', 'superseded')),
    code_hash TEXT,                       -- keyed BLAKE2b of the one-time code; NULL = none sent
    code_expires_at BIGINT,               -- Unix seconds
    code_attempts INTEGER NOT NULL DEFAULT 0, -- wrong codes against the current code
    code_sends INTEGER NOT NULL DEFAULT 0,    -- codes sent so far
    code_sent_at BIGINT,                  -- the last send, for the resend wait
    verified_by TEXT CHECK (verified_by IN ('sms', 'in_person')),
    user_id BIGINT REFERENCES users(id),  -- the account made on verification
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL            -- a pending registration lapses (7 days)
);
CREATE INDEX pending_registrations_person ON pending_registrations(person_id);

-- One row per registration attempt that passed the cheap checks.
CREATE TABLE registration_attempts (
    id @ID@,
    kind TEXT NOT NULL CHECK (kind IN ('address', 'id_number')),
    subject TEXT NOT NULL,                -- the client address, or the ID number's blind index
    at BIGINT NOT NULL                    -- Unix seconds
);
CREATE INDEX registration_attempts_subject ON registration_attempts(kind, subject, at);
