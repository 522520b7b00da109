ALTER TABLE audit_events DROP COLUMN client_ip;
DROP TABLE rate_limit_events;
DROP TABLE one_time_tokens;
DROP TABLE refresh_tokens;
DROP TABLE accounts;
DROP TABLE organisations;
