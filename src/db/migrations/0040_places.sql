-- 0040 places: service points and worker-friendly places (rights-protection
-- service points, insurance service points, 爱心驿站 rest stations, 爱心餐
-- providers, drinking water, charging, toilets) and workers' check-ins.
-- Conventions as in 0001; coordinates are integer micro-degrees (WGS-84
-- degrees × 10^6), never floating point.
-- @all

CREATE TABLE places (
    id @ID@,
    type TEXT NOT NULL CHECK (type IN ('rights_service_point', 'insurance_point', 'rest_station',
        'love_meal', 'water', 'charging', 'toilet')),
    name TEXT NOT NULL,
    district TEXT NOT NULL,               -- mon_districts.code
    address TEXT NOT NULL DEFAULT '',
    lat_e6 BIGINT NOT NULL CHECK (lat_e6 BETWEEN -90000000 AND 90000000),   -- latitude, micro-degrees
    lng_e6 BIGINT NOT NULL CHECK (lng_e6 BETWEEN -180000000 AND 180000000), -- longitude, micro-degrees
    phone TEXT NOT NULL DEFAULT '',       -- the place's business number
    hours TEXT NOT NULL DEFAULT '',       -- opening hours as shown, e.g. '08:00-22:00'
    amenities TEXT NOT NULL DEFAULT ',',  -- amenity codes (dictionary list 'amenity') as ',water,toilet,'
    note TEXT NOT NULL DEFAULT '',
    checkins BIGINT NOT NULL DEFAULT 0,   -- check-ins counted so far
    archived INTEGER NOT NULL DEFAULT 0,  -- places are archived, never deleted
    archived_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- The nearest search narrows by a latitude band first, then longitude.
CREATE INDEX places_geo ON places(archived, lat_e6, lng_e6);
CREATE INDEX places_type_geo ON places(archived, type, lat_e6, lng_e6);
CREATE INDEX places_district ON places(district, type);

-- Workers' check-ins at places (one counted per worker and place per 30 minutes).
CREATE TABLE place_checkins (
    id @ID@,
    place_id BIGINT NOT NULL REFERENCES places(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    at BIGINT NOT NULL,
    day TEXT NOT NULL                     -- Shanghai date of at
);
CREATE INDEX place_checkins_place ON place_checkins(place_id, day);
CREATE INDEX place_checkins_person ON place_checkins(person_id, place_id, at);
CREATE INDEX place_checkins_day ON place_checkins(day, place_id);
