-- The service catalogue, partner profiles with their service areas, connections analytics and
-- the staff audit log.

CREATE TABLE categories (
    id               TEXT PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    assignment_mode  TEXT NOT NULL CHECK (assignment_mode IN ('instant', 'review')),
    -- the fixed price of an instant job, in minor units; review jobs are quoted per job
    list_price_cents BIGINT CHECK (list_price_cents IS NULL OR list_price_cents >= 0),
    currency         TEXT NOT NULL,
    active           BOOLEAN NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK ((assignment_mode = 'instant') = (list_price_cents IS NOT NULL))
);

INSERT INTO categories (id, slug, name, assignment_mode, list_price_cents, currency, active, created_at, updated_at) VALUES
    ('0192f000-0000-7000-8000-000000000001', 'plumbing', 'Plumbing', 'review', NULL, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-000000000002', 'electrical', 'Electrical', 'review', NULL, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-000000000003', 'cleaning', 'Home cleaning', 'instant', 14900, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-000000000004', 'handyman', 'Handyman (2 hours)', 'instant', 12900, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-000000000005', 'painting', 'Painting', 'review', NULL, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-000000000006', 'hvac', 'Heating and cooling', 'review', NULL, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-000000000007', 'landscaping', 'Lawn care', 'instant', 7900, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-000000000008', 'moving', 'Moving', 'review', NULL, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-000000000009', 'roofing', 'Roofing', 'review', NULL, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')),
    ('0192f000-0000-7000-8000-00000000000a', 'appliance-repair', 'Appliance repair visit', 'instant', 11900, 'CAD', TRUE, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'));

CREATE TABLE partner_profiles (
    user_id         TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    business_name   TEXT NOT NULL,
    description     TEXT NOT NULL,
    phone           TEXT,
    website         TEXT,
    city            TEXT NOT NULL,
    center_lat      DOUBLE PRECISION NOT NULL CHECK (center_lat BETWEEN -90 AND 90),
    center_lon      DOUBLE PRECISION NOT NULL CHECK (center_lon BETWEEN -180 AND 180),
    radius_km       DOUBLE PRECISION NOT NULL CHECK (radius_km BETWEEN 1 AND 200),
    -- the bounding box of the service area, for the first, indexed cut of a search
    min_lat         DOUBLE PRECISION NOT NULL,
    max_lat         DOUBLE PRECISION NOT NULL,
    min_lon         DOUBLE PRECISION NOT NULL,
    max_lon         DOUBLE PRECISION NOT NULL,
    tier            TEXT NOT NULL CHECK (tier IN ('basic', 'brand_builder')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    accepting_leads BOOLEAN NOT NULL,
    -- JSON of shared_types::partners::Availability (time zone, weekly hours, days off)
    availability    TEXT NOT NULL,
    star_score      DOUBLE PRECISION,
    review_count    BIGINT NOT NULL,
    average_stars   DOUBLE PRECISION,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX partner_profiles_status_tier ON partner_profiles (status, tier);

CREATE TABLE partner_categories (
    partner_id  TEXT NOT NULL REFERENCES partner_profiles (user_id) ON DELETE CASCADE,
    category_id TEXT NOT NULL REFERENCES categories (id),
    PRIMARY KEY (partner_id, category_id)
);
CREATE INDEX partner_categories_category ON partner_categories (category_id, partner_id);

-- The grid cells (0.5 degree squares) a partner's service-area box overlaps, once per category
-- served: a search looks up (its point's cell, its category), then checks the box and the exact
-- distance.
CREATE TABLE partner_area_cells (
    cell        BIGINT NOT NULL,
    category_id TEXT NOT NULL REFERENCES categories (id),
    partner_id  TEXT NOT NULL REFERENCES partner_profiles (user_id) ON DELETE CASCADE,
    PRIMARY KEY (cell, category_id, partner_id)
);
CREATE INDEX partner_area_cells_partner ON partner_area_cells (partner_id);

-- Every contact a partner gets (002): views, leads, phone and website clicks.
CREATE TABLE connections (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('profile_view', 'profile_lead', 'marketplace_lead', 'phone_click', 'website_click')),
    occurred_at TIMESTAMP NOT NULL,
    -- who: a user id, or a hash of the client address for anonymous visitors
    viewer_key  TEXT,
    -- the service request behind a lead
    request_id  TEXT,
    -- set for debounced kinds (one profile view per viewer per hour); NULLs never collide
    dedup_key   TEXT UNIQUE
);
CREATE INDEX connections_partner_time ON connections (partner_id, occurred_at);

-- Every change staff make: who, what, when, before and after.
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    actor_id     TEXT NOT NULL REFERENCES users (id),
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    reason       TEXT,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, id);
