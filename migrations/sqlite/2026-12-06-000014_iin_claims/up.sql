-- Declaring an IIN no longer claims it: a new, unverified account could take anyone's IIN and
-- lock its owner out. Any number of accounts may declare an IIN; one holds it, and only once a
-- case worker has verified that account's household against documents.
-- SQLite cannot drop a UNIQUE constraint: the table is rebuilt (no table refers to it).
CREATE TABLE seeker_profiles_new (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    iin TEXT NOT NULL,
    birth_date DATE NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male')),
    full_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    district TEXT NOT NULL REFERENCES districts (code),
    skills TEXT NOT NULL,
    languages TEXT NOT NULL,
    employment TEXT NOT NULL CHECK (employment IN ('full_time', 'part_time', 'any')),
    hours_per_week INTEGER NOT NULL,
    needs_childcare BOOLEAN NOT NULL,
    iban TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO seeker_profiles_new SELECT account_id, iin, birth_date, sex, full_name, phone, district,
    skills, languages, employment, hours_per_week, needs_childcare, iban, created_at, updated_at
FROM seeker_profiles;
DROP TABLE seeker_profiles;
ALTER TABLE seeker_profiles_new RENAME TO seeker_profiles;
CREATE INDEX seeker_profiles_iin ON seeker_profiles (iin);

CREATE TABLE iin_claims (
    iin TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
    claimed_at TIMESTAMP NOT NULL,
    claimed_by TEXT
);

INSERT INTO iin_claims (iin, account_id, claimed_at, claimed_by)
SELECT p.iin, p.account_id, COALESCE(h.decided_at, h.updated_at), h.decided_by
FROM seeker_profiles p JOIN households h ON h.account_id = p.account_id
WHERE h.status = 'verified';
