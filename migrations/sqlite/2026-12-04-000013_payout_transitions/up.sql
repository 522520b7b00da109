-- A payout's status moves only along its allowed transitions (payouts::transition_allowed):
-- whatever the code does, paid stays paid and nothing reaches the bank twice.
CREATE TRIGGER payouts_status_transition
BEFORE UPDATE OF status ON payouts
FOR EACH ROW
WHEN (OLD.status, NEW.status) NOT IN (VALUES
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
        ('cancelled', 'cancelled'))
BEGIN
    SELECT RAISE(ABORT, 'payout status transition not allowed');
END;
