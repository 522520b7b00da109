-- Which non-essential emails an account receives. No row: all of them. Emails about her money,
-- offers and account security are not here: they are always sent.
CREATE TABLE email_preferences (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    reminders BOOLEAN NOT NULL,
    attendance_warnings BOOLEAN NOT NULL,
    digest BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
