-- 0041 places: a place's check-in count is the number of its place_checkins
-- rows, counted when read; the stored counter, which could disagree with
-- the rows, goes.
-- @all

ALTER TABLE places DROP COLUMN checkins;
