-- What each batch held, line by line, as it went to the bank. A failed payout re-issued into a later
-- batch keeps its line in the earlier one, so that batch's file, totals and confirmation stay as they
-- were; `payouts.batch_id` names the batch currently holding the payout. The IBAN is the one approved:
-- a profile changed or emptied afterwards does not change (or blank) a line of the bank file.
CREATE TABLE payout_batch_lines (
    batch_id TEXT NOT NULL REFERENCES payout_batches (id),
    payout_id TEXT NOT NULL REFERENCES payouts (id),
    amount_tiyn BIGINT NOT NULL CHECK (amount_tiyn > 0),
    iban TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('approved', 'sent', 'paid', 'failed')),
    bank_reference TEXT,
    failure_reason TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (batch_id, payout_id)
);
CREATE INDEX payout_batch_lines_payout ON payout_batch_lines (payout_id);
INSERT INTO payout_batch_lines
    (batch_id, payout_id, amount_tiyn, iban, status, bank_reference, failure_reason, updated_at)
SELECT p.batch_id, p.id, p.amount_tiyn, COALESCE(s.iban, ''), p.status, p.bank_reference,
    p.failure_reason, p.updated_at
FROM payouts p LEFT JOIN seeker_profiles s ON s.account_id = p.seeker_id
WHERE p.batch_id IS NOT NULL AND p.status IN ('approved', 'sent', 'paid', 'failed');
