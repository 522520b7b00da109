-- One payment model, two kinds of payee: a person's stipend (for an enrollment's month) or an
-- organisation's wage subsidy (for a placement's month). Each kind names its own source and payee
-- and nothing of the other, and each source is paid once per month. SQLite cannot drop NOT NULL
-- in place: the table is rebuilt (https://sqlite.org/lang_altertable.html#otheralter).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE payouts_new (
    id TEXT PRIMARY KEY,
    enrollment_id TEXT REFERENCES enrollments (id),
    seeker_id TEXT REFERENCES accounts (id),
    opening_id TEXT NOT NULL REFERENCES openings (id),
    period TEXT NOT NULL,
    amount_tiyn BIGINT NOT NULL CHECK (amount_tiyn >= 0),
    inputs TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('scheduled', 'approved', 'held', 'sent', 'paid', 'failed', 'cancelled')),
    batch_id TEXT,
    bank_reference TEXT,
    failure_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    payee_kind TEXT NOT NULL DEFAULT 'person' CHECK (payee_kind IN ('person', 'organisation')),
    placement_id TEXT REFERENCES placements (id),
    organisation_id TEXT REFERENCES organisations (id),
    UNIQUE (enrollment_id, period),
    CONSTRAINT payouts_one_payee CHECK (
        (payee_kind = 'person' AND enrollment_id IS NOT NULL AND seeker_id IS NOT NULL
            AND placement_id IS NULL AND organisation_id IS NULL)
        OR (payee_kind = 'organisation' AND placement_id IS NOT NULL
            AND organisation_id IS NOT NULL AND enrollment_id IS NULL AND seeker_id IS NULL))
);
INSERT INTO payouts_new (id, enrollment_id, seeker_id, opening_id, period, amount_tiyn, inputs,
    status, batch_id, bank_reference, failure_reason, created_at, updated_at, payee_kind)
SELECT id, enrollment_id, seeker_id, opening_id, period, amount_tiyn, inputs, status, batch_id,
    bank_reference, failure_reason, created_at, updated_at, 'person'
FROM payouts;
DROP TABLE payouts;
ALTER TABLE payouts_new RENAME TO payouts;
CREATE INDEX payouts_seeker ON payouts (seeker_id, period);
CREATE INDEX payouts_period ON payouts (period, status);
CREATE INDEX payouts_batch ON payouts (batch_id);
CREATE UNIQUE INDEX payouts_placement_period ON payouts (placement_id, period);
CREATE INDEX payouts_organisation ON payouts (organisation_id, period);
CREATE TRIGGER payouts_status_transition
BEFORE UPDATE OF status ON payouts
FOR EACH ROW
WHEN (OLD.status, NEW.status) NOT IN (VALUES
        ('scheduled', 'approved'),
        ('scheduled', 'held'),
        ('scheduled', 'cancelled'),
        ('held', 'approved'),
        ('held', 'held'),
        ('held', 'cancelled'),
        ('approved', 'sent'),
        ('approved', 'cancelled'),
        ('sent', 'paid'),
        ('sent', 'failed'),
        ('failed', 'approved'),
        ('failed', 'held'),
        ('cancelled', 'scheduled'),
        ('cancelled', 'cancelled'))
BEGIN
    SELECT RAISE(ABORT, 'payout status transition not allowed');
END;
COMMIT;
PRAGMA foreign_keys = ON;
