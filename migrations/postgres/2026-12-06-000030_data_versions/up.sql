-- A counter per kind of public answer, bumped by the database itself in the transaction of every
-- write the answer depends on, so every instance sharing this database sees a committed change
-- the moment it is visible (an in-process cache of openings lists keys on it). Triggers rather
-- than service code: bulk jobs, erasure and direct fixes bump it too. Statement-level and BEFORE
-- the statement: one bump per statement however many rows, and the counter's row lock is taken
-- before any row of the statement, so writers always lock in the same order.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('openings', 0);

CREATE FUNCTION bump_openings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
    RETURN NULL;
END
$$;

CREATE TRIGGER openings_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON openings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_openings_version();
CREATE TRIGGER opening_skills_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON opening_skills
    FOR EACH STATEMENT EXECUTE FUNCTION bump_openings_version();
-- Lists show the organisation's name.
CREATE TRIGGER organisations_version BEFORE UPDATE OF name OR DELETE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_openings_version();
