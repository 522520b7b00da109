DROP INDEX seeker_profiles_name_key;
ALTER TABLE seeker_profiles DROP COLUMN name_key;
