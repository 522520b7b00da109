-- One payment model, two kinds of payee: a person's stipend (for an enrollment's month) or an
-- organisation's wage subsidy (for a placement's month). Each kind names its own source and payee
-- and nothing of the other, and each source is paid once per month.
ALTER TABLE payouts ALTER COLUMN enrollment_id DROP NOT NULL;
ALTER TABLE payouts ALTER COLUMN seeker_id DROP NOT NULL;
ALTER TABLE payouts ADD COLUMN payee_kind TEXT NOT NULL DEFAULT 'person'
    CHECK (payee_kind IN ('person', 'organisation'));
ALTER TABLE payouts ADD COLUMN placement_id TEXT REFERENCES placements (id);
ALTER TABLE payouts ADD COLUMN organisation_id TEXT REFERENCES organisations (id);
ALTER TABLE payouts ADD CONSTRAINT payouts_one_payee CHECK (
    (payee_kind = 'person' AND enrollment_id IS NOT NULL AND seeker_id IS NOT NULL
        AND placement_id IS NULL AND organisation_id IS NULL)
    OR (payee_kind = 'organisation' AND placement_id IS NOT NULL AND organisation_id IS NOT NULL
        AND enrollment_id IS NULL AND seeker_id IS NULL));
CREATE UNIQUE INDEX payouts_placement_period ON payouts (placement_id, period);
CREATE INDEX payouts_organisation ON payouts (organisation_id, period);
