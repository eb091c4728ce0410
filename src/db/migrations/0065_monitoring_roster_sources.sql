-- 0065 monitoring: each platform's roster entry keeps what that platform
-- sent (the name, the phone encrypted, an occupation outside the catalogue
-- as written), and the person record says which kind of source set its
-- name and phone, so that a roster correction reaches it unless a verified
-- source set the value (src/auth/person_roster.h,
-- docs/monitoring-feeds.md). Conventions as in 0001 and 0030.
-- @all

ALTER TABLE mon_roster ADD COLUMN name TEXT NOT NULL DEFAULT '';            -- the name as this platform sent it
ALTER TABLE mon_roster ADD COLUMN phone_enc TEXT;                           -- the phone as sent, encrypted; NULL = none sent
ALTER TABLE mon_roster ADD COLUMN phone_idx TEXT;                           -- its blind index, to tell a change
ALTER TABLE mon_roster ADD COLUMN phone_masked TEXT;                        -- 139****0001
ALTER TABLE mon_roster ADD COLUMN occupation_sent TEXT NOT NULL DEFAULT ''; -- the value sent when it was not in the catalogue (occupation is then 'other')

ALTER TABLE people ADD COLUMN name_source TEXT NOT NULL DEFAULT 'verified';  -- 'verified' (the person himself, staff) or 'platform' (a roster)
ALTER TABLE people ADD COLUMN phone_source TEXT NOT NULL DEFAULT 'verified'; -- the same for the phone

-- Entries stored before: the name the person record had; people known only
-- from rosters (no account of their own) were set by platforms.
UPDATE mon_roster SET name = (SELECT p.name FROM people p WHERE p.id = mon_roster.person_id);
UPDATE people SET name_source = 'platform', phone_source = 'platform'
    WHERE id IN (SELECT person_id FROM mon_roster)
      AND id NOT IN (SELECT person_id FROM users WHERE person_id IS NOT NULL);
