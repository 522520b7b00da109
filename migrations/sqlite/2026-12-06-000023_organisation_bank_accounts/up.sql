-- Where an organisation is paid (the wage subsidy): a KZ IBAN of an account held under its own
-- BIN. A change applies from the next payment batch.
ALTER TABLE organisations ADD COLUMN iban TEXT;
ALTER TABLE organisations ADD COLUMN bank_changed_at TIMESTAMP;
