-- Openings: social jobs posted by employers and courses posted by training providers. Titles and
-- descriptions are JSON objects by language ({"kk": …, "ru": …, "en": …}); `search_text` and
-- `title_search` hold them lower-cased for full-text search and the relevance score.
CREATE TABLE openings (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    kind TEXT NOT NULL CHECK (kind IN ('job', 'course')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'closed')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    search_text TEXT NOT NULL,
    title_search TEXT NOT NULL,
    district TEXT NOT NULL REFERENCES districts (code),
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    employment TEXT NOT NULL CHECK (employment IN ('full_time', 'part_time')),
    hours_per_week INTEGER NOT NULL,
    work_days TEXT NOT NULL,
    skills TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    -- Offers accepted (placements, enrollments): capacity never shrinks below it.
    places_given INTEGER NOT NULL DEFAULT 0 CHECK (places_given >= 0 AND places_given <= capacity),
    application_deadline DATE NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    wage_monthly_tiyn BIGINT,
    subsidy_percent INTEGER,
    subsidy_months INTEGER,
    stipend_monthly_tiyn BIGINT,
    has_stipend BOOLEAN NOT NULL,
    published_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (application_deadline < start_date),
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);

CREATE INDEX openings_newest ON openings (status, published_at DESC, id DESC);
CREATE INDEX openings_deadline ON openings (status, application_deadline, id);
CREATE INDEX openings_district ON openings (district, status);
CREATE INDEX openings_programme ON openings (programme_id, status);
CREATE INDEX openings_organisation ON openings (organisation_id);
CREATE INDEX openings_latitude ON openings (latitude) WHERE latitude IS NOT NULL;

-- One row per required skill, for the `skill` filter and facet.
CREATE TABLE opening_skills (
    opening_id TEXT NOT NULL REFERENCES openings (id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    PRIMARY KEY (opening_id, skill)
);
CREATE INDEX opening_skills_skill ON opening_skills (skill, opening_id);

-- A course's calendar. Instants are UTC; the provider gives them in Asia/Almaty time.
CREATE TABLE course_sessions (
    id TEXT PRIMARY KEY,
    opening_id TEXT NOT NULL REFERENCES openings (id) ON DELETE CASCADE,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    cancel_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX course_sessions_opening ON course_sessions (opening_id, starts_at);

-- Full-text index: the `simple` configuration (no stemming: there is no Kazakh stemmer, and one
-- configuration must serve both languages); the text is lower-cased by the service.
CREATE INDEX openings_fts ON openings USING GIN (to_tsvector('simple', search_text));
