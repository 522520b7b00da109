-- What each batch held, line by line, as it went to the bank. A failed payout re-issued into a later
-- batch keeps its line in the earlier one, so that batch's file, totals and confirmation stay as they
-- were; `payouts.batch_id` names the batch currently holding the payout.
CREATE TABLE payout_batch_lines (
    batch_id TEXT NOT NULL REFERENCES payout_batches (id),
    payout_id TEXT NOT NULL REFERENCES payouts (id),
    amount_tiyn BIGINT NOT NULL CHECK (amount_tiyn > 0),
    status TEXT NOT NULL CHECK (status IN ('approved', 'sent', 'paid', 'failed')),
    bank_reference TEXT,
    failure_reason TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (batch_id, payout_id)
);
CREATE INDEX payout_batch_lines_payout ON payout_batch_lines (payout_id);
INSERT INTO payout_batch_lines
    (batch_id, payout_id, amount_tiyn, status, bank_reference, failure_reason, updated_at)
SELECT batch_id, id, amount_tiyn, status, bank_reference, failure_reason, updated_at
FROM payouts
WHERE batch_id IS NOT NULL AND status IN ('approved', 'sent', 'paid', 'failed');
