-- Case workers find a person by name: a lower-cased copy of her name that both backends compare
-- alike (SQLite's own lower() folds only ASCII; the service writes this with Unicode folding).
ALTER TABLE seeker_profiles ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE seeker_profiles SET name_key = lower(full_name);
CREATE INDEX seeker_profiles_name_key ON seeker_profiles (name_key, account_id);
