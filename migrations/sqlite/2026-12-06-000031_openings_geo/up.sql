-- `near` bounds latitude and longitude: both in one index, so candidates outside the box are
-- dropped without reading their rows; with what the page's order and the open-openings test
-- need, so a `near` page is ordered from the index alone and only its own rows are read.
DROP INDEX openings_latitude;
CREATE INDEX openings_geo ON openings (latitude, longitude, status, application_deadline, published_at, id)
    WHERE latitude IS NOT NULL;
