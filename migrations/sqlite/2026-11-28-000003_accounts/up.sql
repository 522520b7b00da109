-- Employers and training providers. Members act for an organisation only once an admin approved it.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('employer', 'provider')),
    name TEXT NOT NULL,
    bin TEXT NOT NULL UNIQUE,
    district TEXT NOT NULL REFERENCES districts (code),
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved')),
    approved_at TIMESTAMP,
    approved_by TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Everyone who signs in. Email is stored case-folded. tokens_valid_after ends every session issued
-- before it (password change or reset, disabling).
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('seeker', 'employer', 'provider', 'caseworker', 'admin')),
    locale TEXT NOT NULL CHECK (locale IN ('kk', 'ru', 'en')),
    organisation_id TEXT REFERENCES organisations (id),
    email_verified_at TIMESTAMP,
    disabled_at TIMESTAMP,
    tokens_valid_after TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX accounts_organisation ON accounts (organisation_id);

-- Refresh tokens, stored as SHA-256 of the random token. Each login starts a family; a refresh
-- replaces the token within its family; presenting a used one revokes the family.
CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);

-- Single-use tokens sent by email, one purpose each, stored as SHA-256.
CREATE TABLE one_time_tokens (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- Sliding-window counters for abuse limits, shared by every instance (e.g. failed sign-ins per
-- account and per client address).
CREATE TABLE rate_limit_events (
    id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);

CREATE INDEX rate_limit_events_bucket ON rate_limit_events (bucket, occurred_at);

ALTER TABLE audit_events ADD COLUMN client_ip TEXT;
