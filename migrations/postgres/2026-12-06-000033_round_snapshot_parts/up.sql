-- A round's snapshot is stored in parts of a few MiB. A national round's is ~450 MB of JSON: as
-- one value it sat in memory twice (the text and the driver's copy of it) before it was stored.
CREATE TABLE round_snapshot_parts (
    round_id TEXT NOT NULL REFERENCES matching_rounds (id),
    part INTEGER NOT NULL CHECK (part >= 0),
    text TEXT NOT NULL,
    PRIMARY KEY (round_id, part)
);
INSERT INTO round_snapshot_parts (round_id, part, text)
    SELECT id, 0, snapshot FROM matching_rounds WHERE snapshot IS NOT NULL;
ALTER TABLE matching_rounds DROP COLUMN snapshot;
