-- 0010 cases: rights-protection cases (维权案件) — intake, routing, the state
-- machine's timeline, evidence, mediation sessions, respondents' answers,
-- agreements, payments, ratings — and one-stop consultations.
-- Conventions as in 0001: @ID@ auto BIGINT key, *_at BIGINT Unix seconds,
-- *_on 'YYYY-MM-DD' TEXT (Asia/Shanghai), booleans INTEGER 0/1, money BIGINT fen.
-- @all

-- Per-year case number counters: the row for a year is bumped with
-- INSERT … ON CONFLICT DO UPDATE … RETURNING in the transaction that
-- creates the case, so numbers are unique and gap-free per year.
CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY,             -- calendar year (Asia/Shanghai) of submission
    last_seq BIGINT NOT NULL              -- the last sequence number handed out that year
);

-- Routing rules: case type and respondent sector → handling department.
-- The most specific rule wins (see src/cases/rules.h); '*' means any.
CREATE TABLE case_routing_rules (
    id @ID@,  -- row id
    case_type TEXT NOT NULL,              -- a case type, or '*'
    sector TEXT NOT NULL,                 -- a respondent sector, or '*'
    department_code TEXT NOT NULL,        -- departments.code of the handling department
    updated_at BIGINT NOT NULL,           -- when the rule was last written
    UNIQUE (case_type, sector)
);

-- The cases themselves.
CREATE TABLE cases (
    id @ID@,  -- row id
    number TEXT NOT NULL UNIQUE,          -- human-readable, '<prefix>-<year>-<seq>' e.g. XM-2026-000123
    channel TEXT NOT NULL CHECK (channel IN ('online', 'window', 'hotline', 'qr', 'referral')),  -- how the complaint came in
    oral INTEGER NOT NULL DEFAULT 0,      -- 1 = an oral complaint taken at the window (art. 12)
    case_type TEXT NOT NULL CHECK (case_type IN ('unpaid_pay', 'penalty', 'deactivation',  -- what the complaint is about
        'occupational_injury', 'labour_relation', 'social_insurance', 'safety', 'other')),
    state TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'rejected', 'mediating',  -- where the case stands (src/cases/rules.h)
        'agreed', 'fulfilled', 'failed', 'referred', 'closed', 'withdrawn')),
    applicant_person_id BIGINT NOT NULL REFERENCES people(id),       -- the worker
    respondent_org_id BIGINT NOT NULL REFERENCES organisations(id),  -- platform or partner company
    department_id BIGINT NOT NULL REFERENCES departments(id),        -- handling department
    referred_from_department_id BIGINT REFERENCES departments(id),   -- channel 'referral': the sender
    matter TEXT NOT NULL,                 -- the matter complained of (事项), one line
    facts TEXT NOT NULL DEFAULT '',       -- the facts as told
    reasons TEXT NOT NULL DEFAULT '',     -- the applicant's reasons (理由)
    incident_on TEXT,                     -- date of the incident, if known
    claimed_total_fen BIGINT NOT NULL DEFAULT 0, -- sum of case_claims
    submitted_at BIGINT NOT NULL,         -- instant of intake
    submitted_on TEXT NOT NULL,           -- business date of intake (filters, deadlines)
    accept_due_on TEXT NOT NULL,          -- last day to accept (working days)
    accepted_at BIGINT,                   -- instant of acceptance
    mediation_due_on TEXT,                -- last day of mediation (set on acceptance)
    extension_days INTEGER NOT NULL DEFAULT 0, -- days added by the one extension (0 = none)
    due_on TEXT,                          -- the deadline in force: acceptance or mediation; NULL once past those states
    reject_reason TEXT NOT NULL DEFAULT '',  -- why it was not accepted (state rejected)
    referral TEXT CHECK (referral IN ('arbitration', 'litigation', 'legal_aid')), -- where a failed case went
    referral_note TEXT NOT NULL DEFAULT '',  -- what was said about the referral
    agreed_total_fen BIGINT NOT NULL DEFAULT 0,  -- sum of the agreement's terms once in effect
    paid_total_fen BIGINT NOT NULL DEFAULT 0,    -- sum of case_payments
    closed_at BIGINT,                     -- instant the case reached a terminal state
    created_by_user_id BIGINT REFERENCES users(id), -- who recorded the intake (NULL for API keys)
    created_at BIGINT NOT NULL,  -- when the row was written
    updated_at BIGINT NOT NULL  -- when the row last changed
);
-- Lists are keyset-paginated on id (newest first) within the caller's
-- filters: department and state, and a submission date range, which the
-- second index answers alone (an index-only scan yielding the ids to sort).
CREATE INDEX cases_dept_state ON cases(department_id, state, id);
CREATE INDEX cases_dept_state_day ON cases(department_id, state, submitted_on, id);
CREATE INDEX cases_state ON cases(state, id);
CREATE INDEX cases_respondent ON cases(respondent_org_id, id);
CREATE INDEX cases_applicant ON cases(applicant_person_id, id);
CREATE INDEX cases_submitted_on ON cases(submitted_on, id);
CREATE INDEX cases_due ON cases(due_on);

-- Claimed amounts per money category.
CREATE TABLE case_claims (
    case_id BIGINT NOT NULL REFERENCES cases(id),  -- the case
    category TEXT NOT NULL CHECK (category IN ('pay', 'injury_medical', 'disability_subsidy',  -- money category
        'fine_refund', 'deposit_refund', 'other')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),  -- amount in fen
    PRIMARY KEY (case_id, category)
);

-- Co-handling departments (矛盾联调) besides the handling one.
CREATE TABLE case_departments (
    case_id BIGINT NOT NULL REFERENCES cases(id),  -- the case
    department_id BIGINT NOT NULL REFERENCES departments(id),  -- the department
    added_at BIGINT NOT NULL,             -- when it joined
    added_by TEXT NOT NULL,               -- login of who added it
    PRIMARY KEY (case_id, department_id)
);
CREATE INDEX case_departments_dept ON case_departments(department_id, case_id);

-- The case timeline: every intake, move, routing, session, answer,
-- agreement step, payment and rating, in order.
CREATE TABLE case_events (
    id @ID@,  -- row id
    case_id BIGINT NOT NULL REFERENCES cases(id),  -- the case
    at BIGINT NOT NULL,                   -- instant
    kind TEXT NOT NULL,                   -- 'submitted', 'transition', 'assigned', 'co_handling', 'evidence', …
    from_state TEXT,                      -- for transitions
    to_state TEXT,                        -- for transitions
    actor TEXT NOT NULL,                  -- login, 'key:<prefix>' or 'system'
    actor_role TEXT NOT NULL,             -- role name
    detail TEXT NOT NULL DEFAULT '{}'     -- JSON: reasons, departments, amounts (no personal data)
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- Evidence files; the bytes live under [files] data_dir/evidence/ by storage_name.
CREATE TABLE case_evidence (
    id @ID@,  -- row id
    case_id BIGINT NOT NULL REFERENCES cases(id),  -- the case
    party TEXT NOT NULL CHECK (party IN ('applicant', 'respondent', 'staff')), -- who produced it
    filename TEXT NOT NULL,               -- the uploader's name for it, cleaned
    content_type TEXT NOT NULL,           -- sniffed from the bytes: image/jpeg, image/png, application/pdf, image/webp
    size_bytes BIGINT NOT NULL,  -- file size in bytes
    sha256 TEXT NOT NULL,                 -- hex digest of the bytes
    storage_name TEXT NOT NULL UNIQUE,    -- random file name under data_dir/evidence
    uploaded_by TEXT NOT NULL,            -- login of the uploader
    created_at BIGINT NOT NULL  -- when the row was written
);
CREATE INDEX case_evidence_case ON case_evidence(case_id, id);

-- Mediation sessions.
CREATE TABLE case_sessions (
    id @ID@,  -- row id
    case_id BIGINT NOT NULL REFERENCES cases(id),  -- the case
    starts_at BIGINT NOT NULL,            -- when it takes (or took) place
    mode TEXT NOT NULL CHECK (mode IN ('in_person', 'online')),  -- in person or online
    place TEXT NOT NULL DEFAULT '',       -- room or address; the meeting link for online sessions
    place_id BIGINT,                      -- a service point (places module), if held at one
    participants TEXT NOT NULL DEFAULT '[]', -- JSON array of names and roles as recorded
    minutes TEXT NOT NULL DEFAULT '',     -- the record of the session (笔录)
    created_by TEXT NOT NULL,             -- login of the mediator who recorded it
    created_at BIGINT NOT NULL,  -- when the row was written
    updated_at BIGINT NOT NULL  -- when the row last changed
);
CREATE INDEX case_sessions_case ON case_sessions(case_id, id);

-- The respondent's answers (答辩).
CREATE TABLE case_responses (
    id @ID@,  -- row id
    case_id BIGINT NOT NULL REFERENCES cases(id),  -- the case
    body TEXT NOT NULL,                   -- the answer
    proposal_fen BIGINT,                  -- an amount the respondent offers, if any
    author TEXT NOT NULL,                 -- login or 'key:<prefix>'
    author_role TEXT NOT NULL,            -- 'platform', or staff recording it
    created_at BIGINT NOT NULL  -- when the row was written
);
CREATE INDEX case_responses_case ON case_responses(case_id, id);

-- The mediation agreement (调解协议书): at most one per case; replaced
-- (confirmations cleared) until it takes effect.
CREATE TABLE case_agreements (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),  -- the case
    version INTEGER NOT NULL,             -- 1, 2 … each replacement counts
    pay_by TEXT NOT NULL,                 -- last day of payment
    pay_method TEXT NOT NULL,             -- how the money is paid
    other_terms TEXT NOT NULL DEFAULT '', -- non-money terms (e.g. account restored)
    respondent_position TEXT NOT NULL DEFAULT '', -- the respondent's position as recorded
    total_fen BIGINT NOT NULL,            -- sum of case_agreement_terms
    drafted_by TEXT NOT NULL,             -- login of the mediator
    mediator_user_id BIGINT REFERENCES users(id),  -- the mediator account that drafted it
    applicant_confirmed_at BIGINT,  -- the applicant's confirmation (NULL until given)
    applicant_confirmed_by TEXT,          -- login of who recorded it
    respondent_confirmed_at BIGINT,  -- the respondent's confirmation
    respondent_confirmed_by TEXT,  -- login of who recorded it
    mediator_confirmed_at BIGINT,  -- the mediator's confirmation
    mediator_confirmed_by TEXT,  -- login of who recorded it
    effective_at BIGINT,                  -- when the third confirmation arrived
    created_at BIGINT NOT NULL,  -- when the row was written
    updated_at BIGINT NOT NULL  -- when the row last changed
);

-- The agreed amount per money category.
CREATE TABLE case_agreement_terms (
    case_id BIGINT NOT NULL REFERENCES cases(id),  -- the case
    category TEXT NOT NULL CHECK (category IN ('pay', 'injury_medical', 'disability_subsidy',  -- money category
        'fine_refund', 'deposit_refund', 'other')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),  -- amount in fen
    PRIMARY KEY (case_id, category)
);

-- Payments actually made under an agreement.
CREATE TABLE case_payments (
    id @ID@,  -- row id
    case_id BIGINT NOT NULL REFERENCES cases(id),  -- the case
    category TEXT NOT NULL CHECK (category IN ('pay', 'injury_medical', 'disability_subsidy',  -- money category
        'fine_refund', 'deposit_refund', 'other')),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),  -- amount in fen
    paid_on TEXT NOT NULL,                -- date of payment
    method TEXT NOT NULL DEFAULT '',      -- bank transfer, cash …
    reference TEXT NOT NULL DEFAULT '',   -- transfer reference
    recorded_by TEXT NOT NULL,            -- login or 'key:<prefix>'
    created_at BIGINT NOT NULL  -- when the row was written
);
CREATE INDEX case_payments_case ON case_payments(case_id, id);

-- The applicant's rating (评议), once per case.
CREATE TABLE case_ratings (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),  -- the case
    department_id BIGINT NOT NULL REFERENCES departments(id), -- handling department when rated
    speed INTEGER NOT NULL CHECK (speed BETWEEN 1 AND 5),  -- how quickly it was handled, 1-5
    attitude INTEGER NOT NULL CHECK (attitude BETWEEN 1 AND 5),  -- the staff's attitude, 1-5
    result INTEGER NOT NULL CHECK (result BETWEEN 1 AND 5),  -- the outcome, 1-5
    comment TEXT NOT NULL DEFAULT '',  -- the applicant's comment
    created_at BIGINT NOT NULL  -- when the row was written
);
CREATE INDEX case_ratings_dept ON case_ratings(department_id);

-- One-stop consultations and service requests.
CREATE TABLE consultations (
    id @ID@,  -- row id
    kind TEXT NOT NULL CHECK (kind IN ('legal_aid', 'employment_startup', 'employment_diagnosis',  -- what kind of service is asked for
        'pay_distribution', 'democratic_management', 'collective_consultation',
        'culture_responsibility', 'psychological', 'skills_training', 'safety_training')),
    state TEXT NOT NULL CHECK (state IN ('requested', 'assigned', 'done')),  -- where the case stands (src/cases/rules.h)
    person_id BIGINT REFERENCES people(id),             -- a worker asking
    organisation_id BIGINT REFERENCES organisations(id), -- a company asking
    department_id BIGINT NOT NULL REFERENCES departments(id), -- who serves it
    assignee_user_id BIGINT REFERENCES users(id),       -- the staff member serving it
    topic TEXT NOT NULL,                  -- one line
    details TEXT NOT NULL DEFAULT '',  -- what the requester wrote
    preferred_on TEXT,                    -- a date the requester prefers
    outcome TEXT NOT NULL DEFAULT '',     -- what was done
    requested_by TEXT NOT NULL,           -- login or 'key:<prefix>'
    requested_at BIGINT NOT NULL,  -- when it was asked for
    assigned_at BIGINT,  -- when staff took it on
    done_at BIGINT,  -- when it was done
    rating INTEGER CHECK (rating BETWEEN 1 AND 5), -- the requester's rating once done
    rating_comment TEXT NOT NULL DEFAULT '',  -- the requester's comment
    rated_at BIGINT,  -- when it was rated
    updated_at BIGINT NOT NULL  -- when the row last changed
);
CREATE INDEX consultations_person ON consultations(person_id, id);
CREATE INDEX consultations_org ON consultations(organisation_id, id);
CREATE INDEX consultations_dept ON consultations(department_id, state, id);

-- Default routing: pay, labour relations, injuries and social insurance to
-- human resources and social security; penalties and deactivations to
-- market regulation for delivery platforms, transport for ride-hailing and
-- freight, the postal administration for couriers; safety to the traffic
-- police; everything else to the centre.
INSERT INTO case_routing_rules (case_type, sector, department_code, updated_at) VALUES
    ('unpaid_pay', '*', 'hrss', 0),
    ('labour_relation', '*', 'hrss', 0),
    ('occupational_injury', '*', 'hrss', 0),
    ('social_insurance', '*', 'hrss', 0),
    ('penalty', '*', 'market', 0),
    ('penalty', 'food_delivery', 'market', 0),
    ('penalty', 'instant_delivery', 'market', 0),
    ('penalty', 'ride_hailing', 'transport', 0),
    ('penalty', 'freight', 'transport', 0),
    ('penalty', 'courier', 'postal', 0),
    ('deactivation', '*', 'market', 0),
    ('deactivation', 'food_delivery', 'market', 0),
    ('deactivation', 'instant_delivery', 'market', 0),
    ('deactivation', 'ride_hailing', 'transport', 0),
    ('deactivation', 'freight', 'transport', 0),
    ('deactivation', 'courier', 'postal', 0),
    ('safety', '*', 'traffic_police', 0),
    ('other', '*', 'centre', 0);
