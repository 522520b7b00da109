ALTER TABLE organisations DROP COLUMN bank_changed_at;
ALTER TABLE organisations DROP COLUMN iban;
