-- Programmes and their rules. Rules are never edited in place: each change is a new version, and
-- decisions name the version they used.
CREATE TABLE programmes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('jobs', 'courses')),
    name TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE NOT NULL,
    current_version INTEGER NOT NULL,
    -- Demo programmes carry example values, not a decree's.
    is_example BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE programme_versions (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    version INTEGER NOT NULL,
    rules TEXT NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (programme_id, version)
);
