PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE payouts_new (
    id TEXT PRIMARY KEY,
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id),
    seeker_id TEXT NOT NULL REFERENCES accounts (id),
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
    UNIQUE (enrollment_id, period)
);
DELETE FROM payout_batch_lines WHERE payout_id IN
    (SELECT id FROM payouts WHERE payee_kind = 'organisation');
INSERT INTO payouts_new (id, enrollment_id, seeker_id, opening_id, period, amount_tiyn, inputs,
    status, batch_id, bank_reference, failure_reason, created_at, updated_at)
SELECT id, enrollment_id, seeker_id, opening_id, period, amount_tiyn, inputs, status, batch_id,
    bank_reference, failure_reason, created_at, updated_at
FROM payouts WHERE payee_kind = 'person';
DROP TABLE payouts;
ALTER TABLE payouts_new RENAME TO payouts;
CREATE INDEX payouts_seeker ON payouts (seeker_id, period);
CREATE INDEX payouts_period ON payouts (period, status);
CREATE INDEX payouts_batch ON payouts (batch_id);
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
