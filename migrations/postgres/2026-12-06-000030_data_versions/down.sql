DROP TRIGGER organisations_version ON organisations;
DROP TRIGGER opening_skills_version ON opening_skills;
DROP TRIGGER openings_version ON openings;
DROP FUNCTION bump_openings_version();
DROP TABLE data_versions;
