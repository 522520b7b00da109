DROP TABLE programme_versions;
DROP TABLE programmes;
