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
    district TEXT NOT NULL DEFAULT '',    -- the worker's district when it was stored (its aggregate group)
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
    district TEXT NOT NULL DEFAULT '',    -- the worker's district when it was stored (its aggregate group)
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
-- Daily work records: the hot table of the feeds. One row per worker and
-- day, keyed by id = day number (days since 1970-01-01) × 2^44 + worker_id:
-- a worker's roster entry names its platform, so the key is unique per
-- (day, platform, worker); a day is one contiguous key range, so no other
-- index is needed; the day itself is id / 2^44 (an integer division), so it
-- is not stored again; a platform's daily file is appended in key order.
-- The id is the SQLite rowid. No foreign keys (the ids come from the
-- batch's roster look-up) to keep ingest fast.
CREATE TABLE mon_work_records (
    id INTEGER PRIMARY KEY,               -- day number × 2^44 + worker_id
    platform_id BIGINT NOT NULL,          -- organisations.id
    worker_id BIGINT NOT NULL,            -- mon_roster.id
    district TEXT NOT NULL,               -- the day's district (the row's, else the roster's; '' unknown): its aggregate group
    orders INTEGER NOT NULL,
    online_minutes INTEGER NOT NULL,
    order_minutes INTEGER NOT NULL,
    income_fen BIGINT NOT NULL,
    penalty_count INTEGER NOT NULL,
    penalty_fen BIGINT NOT NULL,
    batch_id BIGINT NOT NULL              -- mon_batches.id that wrote the row
);

-- @postgres
-- Daily work records (see the SQLite section for the key).
CREATE TABLE mon_work_records (
    id BIGINT PRIMARY KEY,
    platform_id BIGINT NOT NULL,
    worker_id BIGINT NOT NULL,
    district TEXT NOT NULL,
    orders INTEGER NOT NULL,
    online_minutes INTEGER NOT NULL,
    order_minutes INTEGER NOT NULL,
    income_fen BIGINT NOT NULL,
    penalty_count INTEGER NOT NULL,
    penalty_fen BIGINT NOT NULL,
    batch_id BIGINT NOT NULL
);

-- @all
-- The data dictionary's code lists. Lists whose codes the software acts on
-- (statuses, types, levels …) only take new labels; the others new codes too.
INSERT INTO mon_dictionary (list, code, label, label_en, sort, active, updated_at) VALUES
    ('sector', 'food_delivery', '外卖配送', 'Food delivery', 1, 1, 0),
    ('sector', 'instant_delivery', '即时配送/跑腿', 'Instant delivery and errands', 2, 1, 0),
    ('sector', 'courier', '快递', 'Courier', 3, 1, 0),
    ('sector', 'ride_hailing', '网约车', 'Ride-hailing', 4, 1, 0),
    ('sector', 'freight', '网络货运', 'Online freight', 5, 1, 0),
    ('sector', 'ecommerce', '电子商务', 'E-commerce', 6, 1, 0),
    ('sector', 'livestream', '直播', 'Livestreaming', 7, 1, 0),
    ('sector', 'domestic_service', '家政服务', 'Domestic service', 8, 1, 0),
    ('roster_status', 'active', '在岗', 'Active', 1, 1, 0),
    ('roster_status', 'suspended', '暂停接单', 'Suspended', 2, 1, 0),
    ('roster_status', 'deactivated', '已封号', 'Deactivated', 3, 1, 0),
    ('roster_status', 'left', '已离开平台', 'Left the platform', 4, 1, 0),
    ('place_type', 'rights_service_point', '维权服务站点', 'Rights-protection service point', 1, 1, 0),
    ('place_type', 'insurance_point', '益鹭保服务网点', 'Insurance service point', 2, 1, 0),
    ('place_type', 'rest_station', '爱心驿站', 'Rest station', 3, 1, 0),
    ('place_type', 'love_meal', '爱心餐', 'Discounted meals', 4, 1, 0),
    ('place_type', 'water', '饮水点', 'Drinking water', 5, 1, 0),
    ('place_type', 'charging', '充电点', 'Battery charging', 6, 1, 0),
    ('place_type', 'toilet', '公共厕所', 'Toilet', 7, 1, 0),
    ('amenity', 'water', '饮用水', 'Drinking water', 1, 1, 0),
    ('amenity', 'hot_water', '热水', 'Hot water', 2, 1, 0),
    ('amenity', 'charging', '电动车充电', 'E-bike charging', 3, 1, 0),
    ('amenity', 'phone_charging', '手机充电', 'Phone charging', 4, 1, 0),
    ('amenity', 'toilet', '厕所', 'Toilet', 5, 1, 0),
    ('amenity', 'rest', '休息座椅', 'Seats to rest', 6, 1, 0),
    ('amenity', 'air_conditioning', '空调', 'Air conditioning', 7, 1, 0),
    ('amenity', 'microwave', '微波炉', 'Microwave', 8, 1, 0),
    ('amenity', 'wifi', '无线网络', 'Wi-Fi', 9, 1, 0),
    ('amenity', 'first_aid', '急救药箱', 'First-aid kit', 10, 1, 0),
    ('amenity', 'repair_tools', '维修工具', 'Repair tools', 11, 1, 0),
    ('amenity', 'umbrella', '爱心雨具', 'Umbrellas', 12, 1, 0),
    ('amenity', 'legal_advice', '法律咨询', 'Legal advice', 13, 1, 0),
    ('amenity', 'insurance_enrollment', '益鹭保参保', 'Insurance enrollment', 14, 1, 0),
    ('amenity', 'discount_meal', '优惠餐', 'Discounted meals', 15, 1, 0),
    ('alert_level', 'blue', '蓝色', 'Blue', 1, 1, 0),
    ('alert_level', 'yellow', '黄色', 'Yellow', 2, 1, 0),
    ('alert_level', 'orange', '橙色', 'Orange', 3, 1, 0),
    ('alert_level', 'red', '红色', 'Red', 4, 1, 0),
    ('alert_state', 'pending', '待定', 'Pending', 1, 1, 0),
    ('alert_state', 'firing', '预警中', 'Firing', 2, 1, 0),
    ('alert_state', 'resolved', '已解除', 'Resolved', 3, 1, 0),
    ('scope', 'city', '全市', 'City', 1, 1, 0),
    ('scope', 'platform', '平台', 'Platform', 2, 1, 0),
    ('scope', 'sector', '行业', 'Sector', 3, 1, 0),
    ('scope', 'district', '区', 'District', 4, 1, 0),
    ('scorecard_principle', 'pay', '公平报酬', 'Fair pay', 1, 1, 0),
    ('scorecard_principle', 'conditions', '公平条件', 'Fair conditions', 2, 1, 0),
    ('scorecard_principle', 'contracts', '公平合同', 'Fair contracts', 3, 1, 0),
    ('scorecard_principle', 'management', '公平管理', 'Fair management', 4, 1, 0),
    ('scorecard_principle', 'representation', '公平代表', 'Fair representation', 5, 1, 0),
    ('feed', 'roster', '劳动者名册', 'Worker roster', 1, 1, 0),
    ('feed', 'work-records', '每日工作记录', 'Daily work records', 2, 1, 0),
    ('feed', 'penalties', '处罚记录', 'Penalty events', 3, 1, 0),
    ('feed', 'deactivations', '封号记录', 'Deactivations', 4, 1, 0),
    ('feed', 'traffic-incidents', '交通事故与违法', 'Traffic incidents', 5, 1, 0),
    ('feed', 'social-insurance', '社会保险缴费', 'Social-insurance contributions', 6, 1, 0),
    ('traffic_kind', 'collision', '交通事故', 'Collision', 1, 1, 0),
    ('traffic_kind', 'violation', '交通违法', 'Traffic violation', 2, 1, 0),
    ('traffic_severity', 'none', '无人伤', 'No injury', 1, 1, 0),
    ('traffic_severity', 'minor', '轻微', 'Minor', 2, 1, 0),
    ('traffic_severity', 'serious', '严重', 'Serious', 3, 1, 0),
    ('traffic_severity', 'fatal', '死亡', 'Fatal', 4, 1, 0),
    ('vehicle', 'e_bike', '电动自行车', 'E-bike', 1, 1, 0),
    ('vehicle', 'motorcycle', '摩托车', 'Motorcycle', 2, 1, 0),
    ('vehicle', 'car', '小汽车', 'Car', 3, 1, 0),
    ('vehicle', 'van', '面包车', 'Van', 4, 1, 0),
    ('vehicle', 'truck', '货车', 'Truck', 5, 1, 0),
    ('vehicle', 'other', '其他', 'Other', 6, 1, 0),
    ('social_scheme', 'pension', '养老保险', 'Pension', 1, 1, 0),
    ('social_scheme', 'medical', '医疗保险', 'Medical', 2, 1, 0),
    ('social_scheme', 'unemployment', '失业保险', 'Unemployment', 3, 1, 0),
    ('social_scheme', 'work_injury', '工伤保险', 'Work injury', 4, 1, 0),
    ('social_scheme', 'occupational_injury', '职业伤害保障', 'Occupational injury protection', 5, 1, 0),
    ('social_status', 'paid', '已缴', 'Paid', 1, 1, 0),
    ('social_status', 'arrears', '欠缴', 'In arrears', 2, 1, 0),
    ('social_status', 'stopped', '停保', 'Stopped', 3, 1, 0),
    ('certificate_kind', 'skill_level', '职业技能等级证书', 'Vocational skill level certificate', 1, 1, 0),
    ('certificate_kind', 'safety', '安全培训合格证', 'Safety training certificate', 2, 1, 0),
    ('certificate_kind', 'driving', '驾驶员从业资格证', 'Driver qualification', 3, 1, 0),
    ('certificate_kind', 'health', '健康证', 'Health certificate', 4, 1, 0),
    ('certificate_kind', 'special_operation', '特种作业操作证', 'Special operations certificate', 5, 1, 0),
    ('certificate_kind', 'other', '其他证书', 'Other', 6, 1, 0),
    ('training_kind', 'skills', '技能提升培训', 'Skills upgrading', 1, 1, 0),
    ('training_kind', 'safety', '安全培训', 'Safety training', 2, 1, 0),
    ('training_kind', 'traffic_safety', '交通安全教育', 'Road safety', 3, 1, 0),
    ('training_kind', 'legal', '法律知识培训', 'Legal rights', 4, 1, 0),
    ('training_kind', 'first_aid', '应急救护培训', 'First aid', 5, 1, 0),
    ('training_kind', 'psychological', '心理健康辅导', 'Mental health', 6, 1, 0),
    ('training_kind', 'other', '其他培训', 'Other', 7, 1, 0);

-- The occupation catalogue: the new occupations of platform work and the
-- names platforms use for them. gb_code is left for the administrator to
-- fill in from the current national classification.
INSERT INTO mon_occupations (code, name, name_en, category, gb_code, aliases, sort, active, updated_at) VALUES
    ('online_delivery', '网约配送员', 'Online delivery rider', 'food_delivery', '', '["外卖骑手","外卖员","骑手","配送员","众包骑手","专送骑手","跑腿骑手","即时配送员","跑腿员"]', 1, 1, 0),
    ('courier', '快递员', 'Courier', 'courier', '', '["快递小哥","快递派送员","揽投员","收派员"]', 2, 1, 0),
    ('ride_hailing_driver', '网约车驾驶员', 'Ride-hailing driver', 'ride_hailing', '', '["网约车司机","快车司机","专车司机","顺风车司机"]', 3, 1, 0),
    ('freight_driver', '网约货车司机', 'Online freight driver', 'freight', '', '["货车司机","货运司机","网络货运司机","搬家司机"]', 4, 1, 0),
    ('designated_driver', '网约代驾员', 'Designated driver', 'ride_hailing', '', '["代驾司机","代驾员","代驾"]', 5, 1, 0),
    ('internet_marketer', '互联网营销师', 'Internet marketer', 'livestream', '', '["主播","带货主播","网络主播","直播销售员","直播带货"]', 6, 1, 0),
    ('ecommerce_specialist', '电子商务师', 'E-commerce specialist', 'ecommerce', '', '["电商运营","网店运营","网店店主"]', 7, 1, 0),
    ('domestic_worker', '家政服务员', 'Domestic worker', 'domestic_service', '', '["家政员","保洁员","钟点工","上门保洁"]', 8, 1, 0),
    ('maternity_nurse', '母婴护理员', 'Maternity nurse', 'domestic_service', '', '["月嫂","育婴员","育儿嫂"]', 9, 1, 0),
    ('elderly_carer', '养老护理员', 'Elderly carer', 'domestic_service', '', '["护工","陪护员"]', 10, 1, 0),
    ('online_tutor', '在线学习服务师', 'Online learning service worker', 'ecommerce', '', '["在线辅导员","网课辅导"]', 11, 1, 0),
    ('other', '其他新就业形态劳动者', 'Other platform worker', '', '', '[]', 99, 1, 0);
