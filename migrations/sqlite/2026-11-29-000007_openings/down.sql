DROP TRIGGER openings_fts_delete;
DROP TRIGGER openings_fts_update;
DROP TRIGGER openings_fts_insert;
DROP TABLE openings_fts;
DROP TABLE course_sessions;
DROP TABLE opening_skills;
DROP TABLE openings;
