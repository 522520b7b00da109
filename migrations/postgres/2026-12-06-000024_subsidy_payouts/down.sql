DELETE FROM payout_batch_lines WHERE payout_id IN
    (SELECT id FROM payouts WHERE payee_kind = 'organisation');
DELETE FROM payouts WHERE payee_kind = 'organisation';
DROP INDEX payouts_organisation;
DROP INDEX payouts_placement_period;
ALTER TABLE payouts DROP CONSTRAINT payouts_one_payee;
ALTER TABLE payouts DROP COLUMN organisation_id;
ALTER TABLE payouts DROP COLUMN placement_id;
ALTER TABLE payouts DROP COLUMN payee_kind;
ALTER TABLE payouts ALTER COLUMN seeker_id SET NOT NULL;
ALTER TABLE payouts ALTER COLUMN enrollment_id SET NOT NULL;
