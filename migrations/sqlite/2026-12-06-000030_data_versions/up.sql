-- A counter per kind of public answer, bumped by the database itself in the transaction of every
-- write the answer depends on (an in-process cache of openings lists keys on it). Triggers rather
-- than service code: bulk jobs, erasure and direct fixes bump it too. SQLite has row triggers
-- only; its writers are serialised anyway, so the bump costs no concurrency.
CREATE TABLE data_versions (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('openings', 0);

CREATE TRIGGER openings_version_insert AFTER INSERT ON openings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
END;
CREATE TRIGGER openings_version_update AFTER UPDATE ON openings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
END;
CREATE TRIGGER openings_version_delete AFTER DELETE ON openings BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
END;
CREATE TRIGGER opening_skills_version_insert AFTER INSERT ON opening_skills BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
END;
CREATE TRIGGER opening_skills_version_update AFTER UPDATE ON opening_skills BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
END;
CREATE TRIGGER opening_skills_version_delete AFTER DELETE ON opening_skills BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
END;
-- Lists show the organisation's name.
CREATE TRIGGER organisations_version_name AFTER UPDATE OF name ON organisations BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
END;
CREATE TRIGGER organisations_version_delete AFTER DELETE ON organisations BEGIN
    UPDATE data_versions SET version = version + 1 WHERE name = 'openings';
END;
