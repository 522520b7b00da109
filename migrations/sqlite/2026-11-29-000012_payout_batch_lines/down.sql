DROP INDEX payout_batch_lines_payout;
DROP TABLE payout_batch_lines;
