DROP INDEX openings_geo;
CREATE INDEX openings_latitude ON openings (latitude) WHERE latitude IS NOT NULL;
