-- 0020 insurance: 益鹭保 daily occupational-injury insurance — products and
-- their versions, cover-days, payment orders, the premium ledger,
-- auto-renewal, claims with their items, materials and timeline, and the
-- daily job's runs. See docs/insurance.md for the rules.
-- Conventions as in 0001: @ID@ auto BIGINT key; *_at Unix seconds;
-- dates 'YYYY-MM-DD' TEXT (Asia/Shanghai); money BIGINT fen; bp = basis points.
-- @all

-- Insurance products; the figures of each live in its versions.
CREATE TABLE ins_products (
    id @ID@,
    code TEXT NOT NULL UNIQUE,            -- stable code used in the API, e.g. 'yilubao'
    name TEXT NOT NULL,                   -- display name, e.g. '益鹭保'
    created_at BIGINT NOT NULL
);

-- Versions of a product. The version in force on a date is the one with the
-- latest effective_from on or before it; a new version is only ever added
-- for a future date, so what was sold under a version never changes.
CREATE TABLE ins_product_versions (
    id @ID@,
    product_id BIGINT NOT NULL REFERENCES ins_products(id),
    version INTEGER NOT NULL,             -- 1, 2, 3 … within the product
    effective_from TEXT NOT NULL,         -- first date in force
    daily_premium_fen BIGINT NOT NULL,    -- premium of one cover-day (40)
    subsidy_bp INTEGER NOT NULL,          -- public subsidy share of the premium (5000 = 50 %)
    min_age INTEGER NOT NULL,             -- youngest age covered on the day (16)
    max_age INTEGER NOT NULL,             -- oldest age covered on the day (65)
    max_payout_fen BIGINT NOT NULL,       -- sum insured; cap per incident and per person per year
    death_bp INTEGER NOT NULL,            -- death benefit as a share of the sum insured
    disability_g1_bp INTEGER NOT NULL,    -- disability grade 1 as a share of the sum insured
    disability_g2_bp INTEGER NOT NULL,    -- grade 2
    disability_g3_bp INTEGER NOT NULL,    -- grade 3
    disability_g4_bp INTEGER NOT NULL,    -- grade 4
    disability_g5_bp INTEGER NOT NULL,    -- grade 5
    disability_g6_bp INTEGER NOT NULL,    -- grade 6
    disability_g7_bp INTEGER NOT NULL,    -- grade 7
    disability_g8_bp INTEGER NOT NULL,    -- grade 8
    disability_g9_bp INTEGER NOT NULL,    -- grade 9
    disability_g10_bp INTEGER NOT NULL,   -- grade 10
    medical_limit_fen BIGINT NOT NULL,    -- most paid for medical costs per incident
    medical_deductible_fen BIGINT NOT NULL, -- medical costs below this are not paid
    medical_ratio_bp INTEGER NOT NULL,    -- share of medical costs above the deductible paid
    hospital_daily_fen BIGINT NOT NULL,   -- hospital allowance per day
    hospital_max_days INTEGER NOT NULL,   -- most hospital days paid per incident
    note TEXT NOT NULL DEFAULT '',        -- why this version exists; which figures are assumptions
    created_by TEXT NOT NULL,             -- login of the administrator, or 'system'
    created_at BIGINT NOT NULL,
    UNIQUE (product_id, version),
    UNIQUE (product_id, effective_from)
);

-- Payment orders: one payer's premium shares for a set of cover-days, paid
-- through the payment channel's signed callback.
CREATE TABLE payment_orders (
    id @ID@,
    order_no TEXT NOT NULL UNIQUE,        -- the number given to the channel
    kind TEXT NOT NULL CHECK (kind IN ('enrollment', 'auto_renew')),
    payer_kind TEXT NOT NULL CHECK (payer_kind IN ('person', 'organisation')),
    payer_person_id BIGINT REFERENCES people(id),        -- a worker paying for themself
    payer_org_id BIGINT REFERENCES organisations(id),    -- a platform or company paying
    amount_fen BIGINT NOT NULL,           -- what the payer owes: the sum of the payer shares
    premium_fen BIGINT NOT NULL,          -- the whole premium of the cover-days
    subsidy_fen BIGINT NOT NULL,          -- the subsidy shares (settled monthly, not paid here)
    cover_days INTEGER NOT NULL,          -- number of cover-days on the order
    first_day TEXT NOT NULL,              -- earliest covered date
    last_day TEXT NOT NULL,               -- latest covered date
    state TEXT NOT NULL CHECK (state IN ('pending', 'paid', 'expired', 'cancelled')),
    created_by TEXT NOT NULL,             -- login of whoever enrolled, or 'system'
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,           -- unpaid past this instant, the order lapses
    paid_at BIGINT,                       -- when the channel says it was paid
    channel_ref TEXT UNIQUE,              -- the channel's payment reference (replay guard)
    confirmed_at BIGINT,                  -- when the callback was accepted
    refunded_fen BIGINT NOT NULL DEFAULT 0, -- payer shares refunded for cancelled days
    closed_at BIGINT                      -- when it expired or was cancelled
);
CREATE INDEX payment_orders_state_exp ON payment_orders(state, expires_at);
CREATE INDEX payment_orders_org ON payment_orders(payer_org_id, id);
CREATE INDEX payment_orders_person ON payment_orders(payer_person_id, id);
CREATE INDEX payment_orders_kind_day ON payment_orders(kind, first_day);

-- Cover-days: one person insured for one date by one payer. Never two for
-- the same person and date.
CREATE TABLE cover_days (
    id @ID@,
    person_id BIGINT NOT NULL REFERENCES people(id),
    day TEXT NOT NULL,                    -- the covered date
    product_id BIGINT NOT NULL REFERENCES ins_products(id),
    version_id BIGINT NOT NULL REFERENCES ins_product_versions(id), -- version in force on day
    state TEXT NOT NULL CHECK (state IN ('awaiting_payment', 'active', 'expired', 'cancelled')),
    payer_kind TEXT NOT NULL CHECK (payer_kind IN ('person', 'organisation')),
    payer_person_id BIGINT REFERENCES people(id),     -- the worker, when self-paid
    payer_org_id BIGINT REFERENCES organisations(id), -- the platform or company, otherwise
    premium_fen BIGINT NOT NULL,          -- premium of the day under its version
    subsidy_fen BIGINT NOT NULL,          -- subsidy share
    payer_fen BIGINT NOT NULL,            -- payer share; subsidy + payer = premium
    order_id BIGINT REFERENCES payment_orders(id), -- the order paying for it
    day_start_at BIGINT NOT NULL,         -- 00:00 of day, Asia/Shanghai
    cover_start_at BIGINT,                -- max(day start, payment time), once paid
    cover_end_at BIGINT NOT NULL,         -- 00:00 of the next day
    source TEXT NOT NULL CHECK (source IN ('self', 'platform', 'staff', 'auto_renew')),
    enrolled_by TEXT NOT NULL,            -- login of whoever enrolled, or 'system'
    cancel_reason TEXT,                   -- 'requested' or 'unpaid' when cancelled
    created_at BIGINT NOT NULL,
    activated_at BIGINT,                  -- when payment activated it
    cancelled_at BIGINT,
    UNIQUE (person_id, day)
);
CREATE INDEX cover_days_state_day ON cover_days(state, day);
CREATE INDEX cover_days_day ON cover_days(day);
CREATE INDEX cover_days_order ON cover_days(order_id);
CREATE INDEX cover_days_org ON cover_days(payer_org_id, id);

-- The premium ledger: each paid cover-day books its premium, subsidy share
-- and payer share (which sum exactly); a refunded one books the negatives.
-- Settlements are sums over it.
CREATE TABLE ins_ledger (
    id @ID@,
    cover_day_id BIGINT NOT NULL REFERENCES cover_days(id),
    order_id BIGINT NOT NULL REFERENCES payment_orders(id),
    kind TEXT NOT NULL CHECK (kind IN ('premium', 'refund')),
    day TEXT NOT NULL,                    -- the covered date
    month TEXT NOT NULL,                  -- 'YYYY-MM' of the covered date (settlement month)
    payer_kind TEXT NOT NULL CHECK (payer_kind IN ('person', 'organisation')),
    payer_person_id BIGINT REFERENCES people(id),
    payer_org_id BIGINT REFERENCES organisations(id),
    premium_fen BIGINT NOT NULL,          -- negative for a refund
    subsidy_fen BIGINT NOT NULL,          -- negative for a refund
    payer_fen BIGINT NOT NULL,            -- negative for a refund
    booked_at BIGINT NOT NULL,
    UNIQUE (cover_day_id, order_id, kind)
);
CREATE INDEX ins_ledger_month ON ins_ledger(month, payer_kind, payer_org_id);
CREATE INDEX ins_ledger_day ON ins_ledger(day);

-- Workers who renew their cover daily; the daily job enrolls them for the
-- next day, paid by themselves (see docs/insurance.md).
CREATE TABLE ins_auto_renew (
    person_id BIGINT PRIMARY KEY REFERENCES people(id),
    enabled INTEGER NOT NULL,             -- 1 = renew every day
    product_id BIGINT NOT NULL REFERENCES ins_products(id),
    updated_at BIGINT NOT NULL
);
CREATE INDEX ins_auto_renew_enabled ON ins_auto_renew(enabled, person_id);

-- Claims (出险报案) against a cover-day.
CREATE TABLE claims (
    id @ID@,
    claim_no TEXT NOT NULL UNIQUE,        -- human-readable, e.g. 'XM-CL-2026-000123'
    person_id BIGINT NOT NULL REFERENCES people(id),  -- the insured person
    cover_day_id BIGINT NOT NULL REFERENCES cover_days(id), -- the cover-day spanning the incident
    version_id BIGINT NOT NULL REFERENCES ins_product_versions(id), -- in force on the incident date
    incident_at BIGINT NOT NULL,          -- when it happened
    incident_day TEXT NOT NULL,           -- its Shanghai date
    incident_year INTEGER NOT NULL,       -- its year (the yearly cap)
    place TEXT NOT NULL,                  -- where it happened
    description TEXT NOT NULL,            -- what happened
    injury_type TEXT NOT NULL,            -- fracture, sprain_strain, laceration, burn, head_injury,
                                          -- multiple, death, other
    hospital TEXT NOT NULL DEFAULT '',    -- where treated
    state TEXT NOT NULL CHECK (state IN ('reported', 'accepted', 'assessed', 'approved', 'paid', 'rejected')),
    reject_reason TEXT,                   -- not_covered, age, not_work_related, duplicate,
                                          -- incomplete_after_deadline
    reject_note TEXT,
    reported_by TEXT NOT NULL,            -- login of whoever reported it
    reported_at BIGINT NOT NULL,
    materials_due TEXT NOT NULL,          -- last date for complete materials
    accepted_at BIGINT,                   -- materials complete
    decision_due TEXT,                    -- last date for the decision (working days)
    assessed_at BIGINT,
    assessment_round INTEGER NOT NULL DEFAULT 0, -- the current round in claim_items
    assessed_total_fen BIGINT,            -- the items' total before caps
    payout_fen BIGINT,                    -- payable after caps (set at assessment and approval)
    capped_by TEXT,                       -- 'none', 'incident' or 'year'
    approved_at BIGINT,
    paid_at BIGINT,
    payout_ref TEXT,                      -- the insurer's payment reference
    rejected_at BIGINT,
    case_id BIGINT,                       -- a linked work-injury dispute case (cases.id)
    updated_at BIGINT NOT NULL
);
CREATE INDEX claims_person ON claims(person_id, incident_at);
CREATE INDEX claims_state ON claims(state, id);
CREATE INDEX claims_cover_day ON claims(cover_day_id);

-- Assessed benefit items, one set per assessment round.
CREATE TABLE claim_items (
    id @ID@,
    claim_id BIGINT NOT NULL REFERENCES claims(id),
    round INTEGER NOT NULL,               -- assessment round (claims.assessment_round is current)
    kind TEXT NOT NULL CHECK (kind IN ('death', 'disability', 'medical', 'hospital')),
    grade INTEGER,                        -- disability grade 1–10
    costs_fen BIGINT,                     -- medical costs presented
    days INTEGER,                         -- days in hospital
    computed_fen BIGINT NOT NULL,         -- by the product version's schedule
    override_fen BIGINT,                  -- the adjuster's amount, if overridden
    override_reason TEXT,                 -- why (required with an override)
    final_fen BIGINT NOT NULL,            -- override if any, else computed
    assessed_by TEXT NOT NULL,
    assessed_at BIGINT NOT NULL
);
CREATE INDEX claim_items_claim ON claim_items(claim_id, round);

-- Claim materials: files kept under the data directory, never the web root.
CREATE TABLE claim_materials (
    id @ID@,
    claim_id BIGINT NOT NULL REFERENCES claims(id),
    kind TEXT NOT NULL,                   -- id_document, medical_record, invoice, diagnosis,
                                          -- accident_proof, photo, other
    content_type TEXT NOT NULL,           -- sniffed from the bytes
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,                 -- hex digest of the bytes
    stored_name TEXT NOT NULL,            -- path relative to the data directory
    original_name TEXT NOT NULL DEFAULT '', -- the uploader's file name, for display only
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX claim_materials_claim ON claim_materials(claim_id);

-- A claim's timeline: every report, transition, assessment, upload and link.
CREATE TABLE claim_events (
    id @ID@,
    claim_id BIGINT NOT NULL REFERENCES claims(id),
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,                  -- login, 'key:<prefix>' or 'system'
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,                 -- reported, transition, assessment, material, link_case
    from_state TEXT,
    to_state TEXT,
    reason TEXT,                          -- reject reason code or override reason
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX claim_events_claim ON claim_events(claim_id, id);

-- Runs of the daily job, one row per job and date: a finished run is not
-- repeated, an interrupted one is resumed (every step is idempotent).
CREATE TABLE ins_job_runs (
    job TEXT NOT NULL,                    -- 'insurance.daily'
    day TEXT NOT NULL,                    -- the date the run was for
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    summary TEXT NOT NULL DEFAULT '{}',   -- JSON counts of what each step did
    PRIMARY KEY (job, day)
);

-- The product and its first version. The premium, the subsidy, the ages and
-- the maximum payout are published; the per-item schedule is an ASSUMPTION
-- (public sources give none) and is editable by adding a version.
INSERT INTO ins_products (code, name, created_at) VALUES ('yilubao', '益鹭保', 0);
INSERT INTO ins_product_versions (product_id, version, effective_from, daily_premium_fen,
    subsidy_bp, min_age, max_age, max_payout_fen, death_bp,
    disability_g1_bp, disability_g2_bp, disability_g3_bp, disability_g4_bp, disability_g5_bp,
    disability_g6_bp, disability_g7_bp, disability_g8_bp, disability_g9_bp, disability_g10_bp,
    medical_limit_fen, medical_deductible_fen, medical_ratio_bp, hospital_daily_fen,
    hospital_max_days, note, created_by, created_at)
SELECT id, 1, '2020-01-01', 40, 5000, 16, 65, 40000000, 10000,
    10000, 9000, 8000, 7000, 6000, 5000, 4000, 3000, 2000, 1000,
    5000000, 10000, 9000, 10000, 180,
    'Published: premium 0.40 yuan/day, 50% subsidy, ages 16-65, max payout 400,000 yuan. ASSUMPTIONS (no public schedule): death 100%, disability grades 1-10 at 100%..10%, medical limit 50,000 yuan, deductible 100 yuan, ratio 90%, hospital allowance 100 yuan/day up to 180 days.',
    'system', 0
FROM ins_products WHERE code = 'yilubao';
