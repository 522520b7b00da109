DROP TRIGGER IF EXISTS payouts_status_transition;
