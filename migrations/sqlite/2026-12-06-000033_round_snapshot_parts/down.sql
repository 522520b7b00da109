ALTER TABLE matching_rounds ADD COLUMN snapshot TEXT;
UPDATE matching_rounds SET snapshot = (
    SELECT group_concat(text, '') FROM (
        SELECT text FROM round_snapshot_parts
        WHERE round_id = matching_rounds.id ORDER BY part
    )
);
DROP TABLE round_snapshot_parts;
