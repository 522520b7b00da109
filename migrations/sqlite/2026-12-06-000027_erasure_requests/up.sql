-- A person's request to erase her personal data (Law on Personal Data): she asks, a case worker
-- approves (her data are then erased in the same transaction: status `erased`) or rejects it with
-- a note. The row itself holds nothing personal once erased: the account id is opaque, her reason
-- is cleared, and `iin_hash` (a salted HMAC of her IIN) is kept only when payment records of hers
-- must stay for the retention period the law requires.
CREATE TABLE erasure_requests (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    status TEXT NOT NULL CHECK (status IN ('requested', 'erased', 'rejected')),
    reason TEXT CHECK (length(reason) <= 1000),
    decision_note TEXT CHECK (length(decision_note) <= 1000),
    iin_hash TEXT,
    requested_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by TEXT
);

-- At most one open request per account.
CREATE UNIQUE INDEX erasure_requests_one_open ON erasure_requests (account_id)
    WHERE status = 'requested';
-- The case workers' queue: by status, oldest first.
CREATE INDEX erasure_requests_queue ON erasure_requests (status, requested_at, id);
CREATE INDEX erasure_requests_of_account ON erasure_requests (account_id, requested_at);
