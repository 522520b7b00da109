-- Declaring an IIN no longer claims it: a new, unverified account could take anyone's IIN and
-- lock its owner out. Any number of accounts may declare an IIN; one holds it, and only once a
-- case worker has verified that account's household against documents.
ALTER TABLE seeker_profiles DROP CONSTRAINT seeker_profiles_iin_key;
CREATE INDEX seeker_profiles_iin ON seeker_profiles (iin);

CREATE TABLE iin_claims (
    iin TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
    claimed_at TIMESTAMP NOT NULL,
    claimed_by TEXT
);

-- Verified households already hold their IINs (they were unique until now).
INSERT INTO iin_claims (iin, account_id, claimed_at, claimed_by)
SELECT p.iin, p.account_id, COALESCE(h.decided_at, h.updated_at), h.decided_by
FROM seeker_profiles p JOIN households h ON h.account_id = p.account_id
WHERE h.status = 'verified';
