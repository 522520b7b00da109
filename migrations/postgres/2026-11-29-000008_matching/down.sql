DROP TABLE enrollments;
DROP TABLE placements;
DROP TABLE offers;
DROP TABLE round_results;
DROP TABLE matching_rounds;
DROP TABLE applications;
