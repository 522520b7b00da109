-- Stipend payouts: one per enrollment and period (calendar month, Asia/Almaty), whatever runs twice.
-- `inputs` holds what the stipend rule used (sessions, attendance, rule, rounding) as JSON.
CREATE TABLE payouts (
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
CREATE INDEX payouts_seeker ON payouts (seeker_id, period);
CREATE INDEX payouts_period ON payouts (period, status);
