-- A payout's status moves only along its allowed transitions (payouts::transition_allowed):
-- whatever the code does, paid stays paid and nothing reaches the bank twice.
CREATE FUNCTION payouts_status_transition() RETURNS trigger AS $$
BEGIN
    IF (OLD.status, NEW.status) NOT IN (VALUES
        ('scheduled', 'approved'),
        ('scheduled', 'held'),
        ('scheduled', 'cancelled'),
        ('held', 'approved'),
        ('held', 'held'),
        ('held', 'cancelled'),
        ('approved', 'sent'),
        ('approved', 'cancelled'),
        ('sent', 'paid'),
        ('sent', 'failed'),
        ('failed', 'approved'),
        ('failed', 'held'),
        ('cancelled', 'scheduled'),
        ('cancelled', 'cancelled')) THEN
        RAISE EXCEPTION 'payout status transition not allowed: % -> %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payouts_status_transition
BEFORE UPDATE OF status ON payouts
FOR EACH ROW EXECUTE FUNCTION payouts_status_transition();
