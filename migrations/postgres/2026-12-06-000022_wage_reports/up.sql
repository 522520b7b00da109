-- An employer's monthly report of what a placed person worked and was paid: the input of the
-- wage subsidy. One report per placement and month; a case worker confirms it or returns it.
CREATE TABLE wage_reports (
    id TEXT PRIMARY KEY,
    placement_id TEXT NOT NULL REFERENCES placements (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    period TEXT NOT NULL CHECK (length(period) = 7),
    days_worked INTEGER NOT NULL CHECK (days_worked BETWEEN 0 AND 31),
    gross_wage_tiyn BIGINT NOT NULL CHECK (gross_wage_tiyn BETWEEN 0 AND 100000000000),
    payroll_reference TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'confirmed', 'returned')),
    -- JSON array of what a case worker should look at (below the minimum wage, above the
    -- declared wage).
    flags TEXT NOT NULL,
    decision_note TEXT,
    submitted_by TEXT NOT NULL REFERENCES accounts (id),
    decided_by TEXT REFERENCES accounts (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (placement_id, period)
);
CREATE INDEX wage_reports_queue ON wage_reports (status, updated_at, id);
CREATE INDEX wage_reports_organisation ON wage_reports (organisation_id, period, id);
