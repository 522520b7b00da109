DROP TRIGGER IF EXISTS payouts_status_transition ON payouts;
DROP FUNCTION IF EXISTS payouts_status_transition();
