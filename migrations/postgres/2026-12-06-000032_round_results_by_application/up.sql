-- A round no longer rewrites every application it considered: an application left without an
-- offer keeps its status, and its last round's word is found here, by application. Writing
-- 500,000 status updates (five indexes each) was most of a national round's time.
CREATE INDEX round_results_application ON round_results (application_id, round_id);
