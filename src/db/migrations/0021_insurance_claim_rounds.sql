-- 0021 insurance: every assessment round of a claim kept whole, and the
-- amounts of each assessment and override on the claim's timeline.
-- Conventions as in 0001 and 0020.
-- @all

-- One row per assessment round of a claim: its totals as they were then.
-- The items of a round are the claim_items rows with the same round.
CREATE TABLE claim_rounds (
    id @ID@,
    claim_id BIGINT NOT NULL REFERENCES claims(id),
    round INTEGER NOT NULL,               -- 1, 2, 3 … (claims.assessment_round is the current one)
    version_id BIGINT NOT NULL REFERENCES ins_product_versions(id), -- the schedule applied
    total_fen BIGINT NOT NULL,            -- the items' total before caps
    payout_fen BIGINT,                    -- payable after caps at that assessment
    capped_by TEXT,                       -- 'none', 'incident' or 'year'
    overrides INTEGER NOT NULL DEFAULT 0, -- items whose amount the adjuster overrode
    note TEXT NOT NULL DEFAULT '',        -- the adjuster's note
    assessed_by TEXT NOT NULL,
    assessed_at BIGINT NOT NULL,
    UNIQUE (claim_id, round)
);

-- Rounds assessed before this table existed, from their items; the current
-- round also gets the claim's payout and cap.
INSERT INTO claim_rounds (claim_id, round, version_id, total_fen, payout_fen, capped_by,
    overrides, note, assessed_by, assessed_at)
SELECT i.claim_id, i.round, cl.version_id, SUM(i.final_fen),
    CASE WHEN i.round = cl.assessment_round THEN cl.payout_fen END,
    CASE WHEN i.round = cl.assessment_round THEN cl.capped_by END,
    SUM(CASE WHEN i.override_fen IS NULL THEN 0 ELSE 1 END), '', MIN(i.assessed_by),
    MIN(i.assessed_at)
FROM claim_items i JOIN claims cl ON cl.id = i.claim_id
GROUP BY i.claim_id, i.round, cl.version_id, cl.assessment_round, cl.payout_fen, cl.capped_by;

-- Amounts on the timeline. An 'assessment' event carries its round, the
-- items' total and the payout after caps; an 'override' event (one per
-- overridden item) carries the round, the item, the computed and the
-- overriding amount, and the adjuster's reason in claim_events.reason.
ALTER TABLE claim_events ADD COLUMN round INTEGER;       -- assessment round
ALTER TABLE claim_events ADD COLUMN item TEXT;           -- death, disability, medical, hospital
ALTER TABLE claim_events ADD COLUMN computed_fen BIGINT; -- by the schedule
ALTER TABLE claim_events ADD COLUMN override_fen BIGINT; -- the adjuster's amount
ALTER TABLE claim_events ADD COLUMN total_fen BIGINT;    -- the round's items before caps
ALTER TABLE claim_events ADD COLUMN payout_fen BIGINT;   -- payable after caps
