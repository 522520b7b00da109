DROP INDEX payouts_batch;
DROP TABLE payout_batches;
