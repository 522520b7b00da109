-- Applications, matching rounds with their results, offers, and what accepting one creates:
-- placements (jobs) and enrollments (courses).
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    seeker_id TEXT NOT NULL REFERENCES accounts (id),
    opening_id TEXT NOT NULL REFERENCES openings (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    -- Her preference among her applications to this programme: 1 is her first choice.
    rank INTEGER NOT NULL CHECK (rank >= 1),
    status TEXT NOT NULL CHECK (status IN
        ('submitted', 'offered', 'accepted', 'declined', 'expired', 'withdrawn', 'not_matched')),
    -- The last round that considered it: its explanation is in round_results.
    last_round_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- No two live applications to one opening; she may apply again after withdrawing.
CREATE UNIQUE INDEX applications_one_per_opening ON applications (seeker_id, opening_id)
    WHERE status <> 'withdrawn';
CREATE INDEX applications_seeker ON applications (seeker_id, programme_id, rank);
CREATE INDEX applications_opening ON applications (opening_id, status);
CREATE INDEX applications_programme ON applications (programme_id, status);

CREATE TABLE matching_rounds (
    id TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    kind TEXT NOT NULL CHECK (kind IN ('job', 'course')),
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    -- The lottery seed; with the snapshot it reproduces the round exactly.
    seed BIGINT NOT NULL,
    rules_version INTEGER NOT NULL,
    algorithm TEXT NOT NULL,
    -- The algorithm's input (JSON) with the ids it stands for, stored before computing.
    snapshot TEXT,
    progress INTEGER NOT NULL DEFAULT 0,
    seekers INTEGER NOT NULL DEFAULT 0,
    applications INTEGER NOT NULL DEFAULT 0,
    offers INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    started_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
-- One running round per programme and kind: the database refuses a second.
CREATE UNIQUE INDEX matching_rounds_one_running ON matching_rounds (programme_id, kind)
    WHERE status = 'running';

CREATE TABLE round_results (
    round_id TEXT NOT NULL REFERENCES matching_rounds (id),
    application_id TEXT NOT NULL REFERENCES applications (id),
    seeker_id TEXT NOT NULL,
    opening_id TEXT NOT NULL,
    offered BOOLEAN NOT NULL,
    explanation TEXT NOT NULL,
    PRIMARY KEY (round_id, application_id)
);

CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES matching_rounds (id),
    application_id TEXT NOT NULL UNIQUE REFERENCES applications (id),
    seeker_id TEXT NOT NULL REFERENCES accounts (id),
    opening_id TEXT NOT NULL REFERENCES openings (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired')),
    expires_at TIMESTAMP NOT NULL,
    reminded_at TIMESTAMP,
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX offers_seeker ON offers (seeker_id, created_at);
CREATE INDEX offers_pending ON offers (status, expires_at);
CREATE INDEX offers_opening ON offers (opening_id, status);

CREATE TABLE placements (
    id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL UNIQUE REFERENCES offers (id),
    seeker_id TEXT NOT NULL REFERENCES accounts (id),
    opening_id TEXT NOT NULL REFERENCES openings (id),
    status TEXT NOT NULL CHECK (status IN ('awaiting_start', 'active', 'ended')),
    started_on DATE,
    ended_on DATE,
    end_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX placements_opening ON placements (opening_id);

CREATE TABLE enrollments (
    id TEXT PRIMARY KEY,
    offer_id TEXT NOT NULL UNIQUE REFERENCES offers (id),
    seeker_id TEXT NOT NULL REFERENCES accounts (id),
    opening_id TEXT NOT NULL REFERENCES openings (id),
    status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'left')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX enrollments_seeker ON enrollments (seeker_id);
CREATE INDEX enrollments_opening ON enrollments (opening_id);
