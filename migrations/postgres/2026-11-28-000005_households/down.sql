DROP TABLE households;
