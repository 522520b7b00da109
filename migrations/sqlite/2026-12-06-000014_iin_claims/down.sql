DROP TABLE iin_claims;
DROP INDEX seeker_profiles_iin;
CREATE UNIQUE INDEX seeker_profiles_iin_unique ON seeker_profiles (iin);
