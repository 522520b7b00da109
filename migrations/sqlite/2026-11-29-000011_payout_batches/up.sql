-- Batches of approved payouts handed to the bank as one file, settled by its confirmation.
CREATE TABLE payout_batches (
    id TEXT PRIMARY KEY,
    period TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'exported', 'settled')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    exported_at TIMESTAMP,
    settled_at TIMESTAMP
);
CREATE INDEX payouts_batch ON payouts (batch_id);
