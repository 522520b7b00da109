-- The durable job queue: every piece of background work (emails included) is a row here.
-- state: queued -> running -> done | dead. A running job whose lease (locked_until) has passed
-- belongs to a worker that died, and may be claimed again.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- Enqueueing an existing key is a no-op: the same email, tick or request never makes two jobs.
    dedup_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_until TIMESTAMP,
    last_error TEXT,
    -- For scheduled jobs, the occurrence (UTC) this job stands for; used to catch up after downtime.
    scheduled_for TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);

CREATE INDEX jobs_claimable ON jobs (state, run_at);
CREATE INDEX jobs_kind_state ON jobs (kind, state);
CREATE INDEX jobs_scheduled ON jobs (kind, scheduled_for);
