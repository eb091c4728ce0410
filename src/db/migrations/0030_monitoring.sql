-- 0030 monitoring: platforms' details, reference data (districts, the
-- occupation catalogue, the data dictionary), feed batches and what they
-- carry (rosters, daily work records, penalty events, deactivations, and the
-- departments' traffic incidents and social-insurance records), skills
-- certificates and trainings, daily aggregates behind the indicators, alert
-- rules and alerts, and platform scorecards.
-- Conventions as in 0001: @ID@ auto BIGINT key; *_at Unix seconds; dates
-- 'YYYY-MM-DD' TEXT (Asia/Shanghai); money BIGINT fen; booleans INTEGER 0/1;
-- values scaled by 10^4 end in _e4; coordinates are integer micro-degrees.
-- @all

-- What monitoring keeps about a platform besides its organisations row.
CREATE TABLE mon_platforms (
    organisation_id BIGINT PRIMARY KEY REFERENCES organisations(id),
    code TEXT UNIQUE,                     -- short code, e.g. 'luda' (demo logins 'platform.<code>')
    contact_phone TEXT NOT NULL DEFAULT '', -- the company's business line (not a person's mobile)
    contact_email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    appeal_channel TEXT NOT NULL DEFAULT '', -- how workers appeal penalties and deactivations ('' = none named)
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The city's districts (reference data; a city is configuration and data).
CREATE TABLE mon_districts (
    code TEXT PRIMARY KEY,                -- administrative division code, e.g. '350206'
    name TEXT NOT NULL,                   -- '湖里区'
    name_en TEXT NOT NULL DEFAULT '',
    lat_e6 BIGINT NOT NULL,               -- centre latitude, micro-degrees
    lng_e6 BIGINT NOT NULL,               -- centre longitude, micro-degrees
    sort INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

-- The occupation catalogue (新就业形态职业工种目录): codes that rosters use,
-- with the names and aliases platforms send (外卖骑手 → 网约配送员).
CREATE TABLE mon_occupations (
    code TEXT PRIMARY KEY,                -- stable code, e.g. 'online_delivery'
    name TEXT NOT NULL,                   -- '网约配送员'
    name_en TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',    -- a sector code, e.g. 'food_delivery'
    gb_code TEXT NOT NULL DEFAULT '',     -- code in the national occupational classification, where known
    aliases TEXT NOT NULL DEFAULT '[]',   -- JSON array of other names mapped to this code
    sort INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

-- The data dictionary: every other code list (sectors, statuses, kinds …).
CREATE TABLE mon_dictionary (
    list TEXT NOT NULL,                   -- list name, e.g. 'sector'
    code TEXT NOT NULL,                   -- the code used in the API and the database
    label TEXT NOT NULL,                  -- Chinese label
    label_en TEXT NOT NULL DEFAULT '',
    sort INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (list, code)
);

-- Feed batches that were stored. A rejected batch leaves no row, so its id
-- can be sent again once the data is fixed.
CREATE TABLE mon_batches (
    id @ID@,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('platform', 'department')),
    source_id BIGINT NOT NULL,            -- organisations.id or departments.id of the sender
    feed TEXT NOT NULL,                   -- 'roster', 'work-records', 'penalties', 'deactivations', 'traffic-incidents', 'social-insurance'
    batch_key TEXT NOT NULL,              -- the sender's Idempotency-Key
    body_hash TEXT NOT NULL,              -- BLAKE2b-256 (hex) of content type and body: a resend must match
    format TEXT NOT NULL CHECK (format IN ('csv', 'json')),
    rows BIGINT NOT NULL,                 -- data rows
    inserted BIGINT NOT NULL,             -- rows that were new
    updated BIGINT NOT NULL,              -- rows that replaced earlier ones (corrections)
    result TEXT NOT NULL,                 -- the JSON answer, repeated for a resend
    received_by TEXT NOT NULL,            -- login or 'key:<prefix>'
    created_at BIGINT NOT NULL,
    UNIQUE (source_kind, source_id, feed, batch_key)
);
CREATE INDEX mon_batches_source ON mon_batches(source_kind, source_id, id);

-- Platform rosters: a platform's worker id linked to a person through the
-- ID number's blind index (the person's name, ID number and phone live in people).
CREATE TABLE mon_roster (
    id @ID@,
    platform_id BIGINT NOT NULL REFERENCES organisations(id),
    platform_worker_id TEXT NOT NULL,     -- the platform's own id for the worker
    person_id BIGINT NOT NULL REFERENCES people(id),
    occupation TEXT NOT NULL,             -- mon_occupations.code
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'deactivated', 'left')),
    joined_on TEXT NOT NULL,
    district TEXT NOT NULL DEFAULT '',    -- usual district (mon_districts.code), '' if not given
    batch_id BIGINT NOT NULL,             -- mon_batches.id that last wrote the row
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (platform_id, platform_worker_id)
);
CREATE INDEX mon_roster_person ON mon_roster(person_id);

-- Penalty events. One per platform, worker and instant.
CREATE TABLE mon_penalties (
    id @ID@,
    platform_id BIGINT NOT NULL REFERENCES organisations(id),
    worker_id BIGINT NOT NULL REFERENCES mon_roster(id),
    occurred_at BIGINT NOT NULL,
    day TEXT NOT NULL,                    -- Shanghai date of occurred_at
    reason TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    appealed INTEGER NOT NULL,            -- 1 = the worker appealed
    batch_id BIGINT NOT NULL,
    UNIQUE (platform_id, worker_id, occurred_at)
);
CREATE INDEX mon_penalties_day ON mon_penalties(day, platform_id);

-- Account deactivations (封号).
CREATE TABLE mon_deactivations (
    id @ID@,
    platform_id BIGINT NOT NULL REFERENCES organisations(id),
    worker_id BIGINT NOT NULL REFERENCES mon_roster(id),
    occurred_at BIGINT NOT NULL,
    day TEXT NOT NULL,
    reason TEXT NOT NULL,
    appeal_channel TEXT NOT NULL DEFAULT '', -- '' = none offered
    batch_id BIGINT NOT NULL,
    UNIQUE (platform_id, worker_id, occurred_at)
);
CREATE INDEX mon_deactivations_day ON mon_deactivations(day, platform_id);

-- Traffic incidents of known workers, from the traffic police's feed.
CREATE TABLE mon_traffic_incidents (
    id @ID@,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    reference TEXT NOT NULL,              -- the department's own record number
    person_id BIGINT NOT NULL REFERENCES people(id),
    occurred_at BIGINT NOT NULL,
    day TEXT NOT NULL,
    district TEXT NOT NULL,
    kind TEXT NOT NULL,                   -- collision, violation
    severity TEXT NOT NULL,               -- none, minor, serious, fatal
    vehicle TEXT NOT NULL,                -- e_bike, motorcycle, car, van, truck, other
    batch_id BIGINT NOT NULL,
    UNIQUE (department_id, reference)
);
CREATE INDEX mon_traffic_day ON mon_traffic_incidents(day, district);

-- Social-insurance contribution records of known workers, from the departments' feeds.
CREATE TABLE mon_social_insurance (
    id @ID@,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    month TEXT NOT NULL,                  -- 'YYYY-MM'
    scheme TEXT NOT NULL,                 -- pension, medical, unemployment, work_injury, occupational_injury
    status TEXT NOT NULL,                 -- paid, arrears, stopped
    payer_credit_code TEXT NOT NULL DEFAULT '', -- the paying employer or platform; '' = the worker
    batch_id BIGINT NOT NULL,
    UNIQUE (person_id, month, scheme)
);
CREATE INDEX mon_social_month ON mon_social_insurance(month, scheme, status);

-- Skills certificates (职业技能等级证书, safety certificates …) per worker.
CREATE TABLE mon_certificates (
    id @ID@,
    person_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,                   -- dictionary list 'certificate_kind'
    name TEXT NOT NULL,                   -- e.g. '网约配送员 四级/中级工'
    level INTEGER,                        -- skill level 1 (highest) … 5, when it has one
    number TEXT NOT NULL DEFAULT '',      -- the certificate number
    issuer TEXT NOT NULL DEFAULT '',
    issued_on TEXT NOT NULL,
    expires_on TEXT,
    organisation_id BIGINT REFERENCES organisations(id), -- the platform that recorded it, if any
    recorded_by TEXT NOT NULL,            -- login or 'key:<prefix>'
    created_at BIGINT NOT NULL
);
CREATE INDEX mon_certificates_person ON mon_certificates(person_id, id);

-- Trainings (技能提升、安全培训) per worker.
CREATE TABLE mon_trainings (
    id @ID@,
    person_id BIGINT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,                   -- dictionary list 'training_kind'
    title TEXT NOT NULL,
    provider TEXT NOT NULL DEFAULT '',
    hours INTEGER NOT NULL,
    completed_on TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id),
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX mon_trainings_person ON mon_trainings(person_id, id);

-- Daily aggregates per (day, platform, district): sums that every indicator
-- is computed from; weeks, sectors, districts and the city add these rows up.
-- Work columns are updated in the transaction of each batch; cases, claims
-- and covered_days are refreshed from the other modules by the daily job.
CREATE TABLE mon_daily (
    day TEXT NOT NULL,
    platform_id BIGINT NOT NULL,          -- organisations.id
    district TEXT NOT NULL,               -- mon_districts.code, '' when unknown
    sector TEXT NOT NULL,                 -- the platform's sector (copied for sector views)
    records BIGINT NOT NULL DEFAULT 0,    -- work records
    worker_days BIGINT NOT NULL DEFAULT 0, -- records with orders or online time
    orders BIGINT NOT NULL DEFAULT 0,
    online_minutes BIGINT NOT NULL DEFAULT 0,
    order_minutes BIGINT NOT NULL DEFAULT 0,
    income_fen BIGINT NOT NULL DEFAULT 0,
    penalty_count BIGINT NOT NULL DEFAULT 0,
    penalty_fen BIGINT NOT NULL DEFAULT 0,
    fatigue_days BIGINT NOT NULL DEFAULT 0, -- worker-days online over the fatigue limit
    paid_days BIGINT NOT NULL DEFAULT 0,  -- worker-days with online time
    low_pay_days BIGINT NOT NULL DEFAULT 0, -- of those, below the hourly minimum wage
    income_hist TEXT NOT NULL DEFAULT '', -- hourly income histogram 'bucket:count,…' (50 fen buckets)
    penalty_events BIGINT NOT NULL DEFAULT 0,
    penalty_events_fen BIGINT NOT NULL DEFAULT 0,
    penalty_appealed BIGINT NOT NULL DEFAULT 0,
    deactivations BIGINT NOT NULL DEFAULT 0,
    deactivations_with_channel BIGINT NOT NULL DEFAULT 0,
    cases BIGINT NOT NULL DEFAULT 0,      -- cases submitted against the platform that day
    claims BIGINT NOT NULL DEFAULT 0,     -- injury claims of its workers active that day
    covered_days BIGINT NOT NULL DEFAULT 0, -- active worker-days with a cover-day
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (day, platform_id, district)
);
CREATE INDEX mon_daily_platform ON mon_daily(platform_id, day);

-- Case and claim backlogs as counted at each evaluation (for trends).
CREATE TABLE mon_backlog (
    day TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cases', 'claims')),
    organisation_id BIGINT NOT NULL,      -- the respondent for cases; 0 = all
    open BIGINT NOT NULL,
    overdue BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (day, kind, organisation_id)
);

-- Early-warning rules.
CREATE TABLE mon_alert_rules (
    id @ID@,
    name TEXT NOT NULL,
    indicator TEXT NOT NULL,              -- an indicator name, or overdue_cases / open_cases / overdue_claims / open_claims
    scope TEXT NOT NULL CHECK (scope IN ('city', 'platform', 'sector', 'district')),
    scope_id TEXT NOT NULL DEFAULT '',    -- one platform id, sector or district code; '' = each of them
    mode TEXT NOT NULL CHECK (mode IN ('value', 'pct_change')),
    op TEXT NOT NULL CHECK (op IN ('gt', 'ge', 'lt', 'le')),
    threshold_e4 BIGINT NOT NULL,         -- the threshold × 10^4 (a % change in percent × 10^4)
    window_days INTEGER NOT NULL,         -- value: the days summed; pct_change: each window's length
    pending_periods INTEGER NOT NULL,     -- consecutive evaluations before firing (1 = at once)
    level TEXT NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
    department_id BIGINT NOT NULL REFERENCES departments(id), -- notified
    enabled INTEGER NOT NULL DEFAULT 1,
    builtin INTEGER NOT NULL DEFAULT 0,   -- shipped with egret: editable, not deletable
    deleted INTEGER NOT NULL DEFAULT 0,   -- removed rules stay for their alerts' history
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Alerts: one episode of one rule for one scope member.
CREATE TABLE mon_alerts (
    id @ID@,
    rule_id BIGINT NOT NULL REFERENCES mon_alert_rules(id),
    scope TEXT NOT NULL,
    scope_id TEXT NOT NULL,               -- platform id, sector or district code; '' for the city
    scope_name TEXT NOT NULL,
    platform_id BIGINT,                   -- for platform scope
    state TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
    level TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    value_e4 BIGINT NOT NULL,             -- the last value × 10^4
    threshold_e4 BIGINT NOT NULL,
    consecutive INTEGER NOT NULL,         -- evaluations in a row that met the condition
    last_period TEXT NOT NULL,            -- the last date evaluated
    message TEXT NOT NULL,                -- what triggered it, with the value
    opened_at BIGINT NOT NULL,
    fired_at BIGINT,
    resolved_at BIGINT,
    acked_at BIGINT,
    acked_by TEXT,
    ack_comment TEXT,
    silenced_until TEXT,                  -- date until which it is silenced (inclusive)
    updated_at BIGINT NOT NULL
);
CREATE INDEX mon_alerts_rule ON mon_alerts(rule_id, scope_id, state);
CREATE INDEX mon_alerts_state ON mon_alerts(state, id);

-- Each alert's history: state changes, acknowledgements, silences.
CREATE TABLE mon_alert_events (
    id @ID@,
    alert_id BIGINT NOT NULL REFERENCES mon_alerts(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,                   -- opened, fired, resolved, ack, silence
    from_state TEXT,
    to_state TEXT,
    value_e4 BIGINT,
    period TEXT,                          -- the evaluated date
    actor TEXT NOT NULL,                  -- login or 'system'
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mon_alert_events_alert ON mon_alert_events(alert_id, id);

-- Evidence entered by staff for scorecard points.
CREATE TABLE mon_scorecard_evidence (
    id @ID@,
    platform_id BIGINT NOT NULL REFERENCES organisations(id),
    principle TEXT NOT NULL CHECK (principle IN ('pay', 'conditions', 'contracts', 'management', 'representation')),
    point TEXT NOT NULL CHECK (point IN ('basic', 'advanced')),
    met INTEGER NOT NULL,                 -- 1 = the evidence shows the point is met
    note TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',      -- document, link or inspection reference
    effective_on TEXT NOT NULL,           -- from this date
    expires_on TEXT,                      -- until this date, if it lapses
    recorded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX mon_evidence_platform ON mon_scorecard_evidence(platform_id, principle, point, id);

-- Computed scorecards, one per platform and period.
CREATE TABLE mon_scorecards (
    id @ID@,
    platform_id BIGINT NOT NULL REFERENCES organisations(id),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    score INTEGER NOT NULL,               -- 0–10 points
    detail TEXT NOT NULL,                 -- JSON: every point with its basis and reason
    computed_by TEXT NOT NULL,
    computed_at BIGINT NOT NULL,
    UNIQUE (platform_id, period_from, period_to)
);

-- @sqlite
-- Daily work records: the hot table of the feeds. Keyed by (day, platform,
-- worker) without a rowid, so the table is its own index; no foreign keys
-- (worker ids come from the batch's roster look-up) to keep ingest fast.
CREATE TABLE mon_work_records (
    day TEXT NOT NULL,
    platform_id BIGINT NOT NULL,          -- organisations.id
    worker_id BIGINT NOT NULL,            -- mon_roster.id
    district TEXT,                        -- the day's district when it differs from the roster's
    orders INTEGER NOT NULL,
    online_minutes INTEGER NOT NULL,
    order_minutes INTEGER NOT NULL,
    income_fen BIGINT NOT NULL,
    penalty_count INTEGER NOT NULL,
    penalty_fen BIGINT NOT NULL,
    batch_id BIGINT NOT NULL,             -- mon_batches.id that wrote the row
    PRIMARY KEY (day, platform_id, worker_id)
) WITHOUT ROWID;

-- @postgres
-- Daily work records (see the SQLite section for the reasons of its shape).
CREATE TABLE mon_work_records (
    day TEXT NOT NULL,
    platform_id BIGINT NOT NULL,
    worker_id BIGINT NOT NULL,
    district TEXT,
    orders INTEGER NOT NULL,
    online_minutes INTEGER NOT NULL,
    order_minutes INTEGER NOT NULL,
    income_fen BIGINT NOT NULL,
    penalty_count INTEGER NOT NULL,
    penalty_fen BIGINT NOT NULL,
    batch_id BIGINT NOT NULL,
    PRIMARY KEY (day, platform_id, worker_id)
);
