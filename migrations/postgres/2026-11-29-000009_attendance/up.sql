-- Attendance per enrollment and course session, with every correction kept (who, when,
-- before/after); months a provider has closed; and the first response to each Idempotency-Key.
CREATE TABLE attendance (
    session_id TEXT NOT NULL REFERENCES course_sessions (id),
    enrollment_id TEXT NOT NULL REFERENCES enrollments (id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'excused', 'absent')),
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, enrollment_id)
);
CREATE INDEX attendance_enrollment ON attendance (enrollment_id);

CREATE TABLE attendance_corrections (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    enrollment_id TEXT NOT NULL,
    before_status TEXT NOT NULL,
    after_status TEXT NOT NULL,
    before_note TEXT,
    after_note TEXT,
    corrected_by TEXT NOT NULL,
    corrected_at TIMESTAMP NOT NULL
);
CREATE INDEX attendance_corrections_entry ON attendance_corrections (session_id, enrollment_id);

-- A course month (YYYY-MM, Asia/Almaty) closed by its provider: attendance is final unless a case
-- worker reopens it.
CREATE TABLE closed_periods (
    opening_id TEXT NOT NULL REFERENCES openings (id),
    period TEXT NOT NULL,
    closed_at TIMESTAMP NOT NULL,
    closed_by TEXT NOT NULL,
    PRIMARY KEY (opening_id, period)
);

CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
