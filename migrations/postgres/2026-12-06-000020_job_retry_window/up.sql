-- Emails are retried for a span of time (SJ_EMAIL_RETRY_HOURS), not a number of attempts.
-- queued_at: when the job last entered the queue afresh (enqueued, or requeued from dead); the
-- retry window is counted from it. NULL in rows older than this column: created_at counts.
ALTER TABLE jobs ADD COLUMN queued_at TIMESTAMP;
-- stalls: how many times the job was taken over from a worker that stopped while running it (its
-- lease lapsed). A job that stops its worker again and again is abandoned, however it is retried.
ALTER TABLE jobs ADD COLUMN stalls INTEGER NOT NULL DEFAULT 0;
