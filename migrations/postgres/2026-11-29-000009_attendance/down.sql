DROP TABLE idempotency_keys;
DROP TABLE closed_periods;
DROP TABLE attendance_corrections;
DROP TABLE attendance;
