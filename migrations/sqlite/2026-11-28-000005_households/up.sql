-- A seeker's household as she declares it, and the case worker's verification of it.
-- members: JSON array of {relation, birth_date, disability, incomes: [{source, monthly_tiyn}]}.
-- minors and per_capita_income_tiyn are derived on every write (for lists and eligibility).
-- status: unverified -> pending -> verified | rejected; a change to a verified household makes it pending.
CREATE TABLE households (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
    members TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    minors INTEGER NOT NULL,
    total_income_tiyn BIGINT NOT NULL,
    per_capita_income_tiyn BIGINT NOT NULL,
    has_disability BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('unverified', 'pending', 'verified', 'rejected')),
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    decided_by TEXT,
    decision_note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX households_status ON households (status, submitted_at, id);
