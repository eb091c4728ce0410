-- 0011 cases: a payment recorded by the respondent waits for the worker's
-- confirmation (or the mediator's, on evidence) and the worker may dispute
-- it: recorded → confirmed | disputed. Only confirmed payments count toward
-- the agreed amounts (cases.paid_total_fen). Payments recorded before this
-- step were recorded by staff and count: they become confirmed.
-- Conventions as in 0001 and 0010.
-- @all

ALTER TABLE case_payments ADD COLUMN state TEXT NOT NULL DEFAULT 'confirmed'
    CHECK (state IN ('recorded', 'confirmed', 'disputed'));  -- recorded → confirmed | disputed
ALTER TABLE case_payments ADD COLUMN decided_by TEXT;        -- who confirmed or disputed (login); NULL when confirmed at recording
ALTER TABLE case_payments ADD COLUMN decided_at BIGINT;      -- instant of the confirmation or dispute
ALTER TABLE case_payments ADD COLUMN decision_note TEXT NOT NULL DEFAULT '';  -- the dispute's reason or the confirmation's note
ALTER TABLE case_payments ADD COLUMN evidence_id BIGINT REFERENCES case_evidence(id);  -- the evidence a mediator confirmed on
