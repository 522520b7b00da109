DROP TABLE course_sessions;
DROP TABLE opening_skills;
DROP TABLE openings;
