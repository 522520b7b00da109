ALTER TABLE matching_rounds ADD COLUMN snapshot TEXT;
UPDATE matching_rounds SET snapshot = (
    SELECT string_agg(text, '' ORDER BY part) FROM round_snapshot_parts
    WHERE round_id = matching_rounds.id
);
DROP TABLE round_snapshot_parts;
