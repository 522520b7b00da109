-- A seeker's own data. The IIN identifies one person: one account per IIN. Skills and languages are
-- JSON arrays of strings.
CREATE TABLE seeker_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    iin TEXT NOT NULL UNIQUE,
    birth_date DATE NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male')),
    full_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    district TEXT NOT NULL REFERENCES districts (code),
    skills TEXT NOT NULL,
    languages TEXT NOT NULL,
    employment TEXT NOT NULL CHECK (employment IN ('full_time', 'part_time', 'any')),
    hours_per_week INTEGER NOT NULL,
    needs_childcare BOOLEAN NOT NULL,
    iban TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
