DROP TABLE iin_claims;
DROP INDEX seeker_profiles_iin;
ALTER TABLE seeker_profiles ADD CONSTRAINT seeker_profiles_iin_key UNIQUE (iin);
