-- Reference data every capability shares: Almaty's districts, with names in Kazakh, Russian and
-- English. Seeker profiles, openings and recommendations refer to them by code.
CREATE TABLE districts (
    code TEXT PRIMARY KEY,
    name_kk TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sort_order INTEGER NOT NULL
);

INSERT INTO districts (code, name_kk, name_ru, name_en, sort_order) VALUES
    ('alatau', 'Алатау ауданы', 'Алатауский район', 'Alatau', 1),
    ('almaly', 'Алмалы ауданы', 'Алмалинский район', 'Almaly', 2),
    ('auezov', 'Әуезов ауданы', 'Ауэзовский район', 'Auezov', 3),
    ('bostandyk', 'Бостандық ауданы', 'Бостандыкский район', 'Bostandyk', 4),
    ('zhetysu', 'Жетісу ауданы', 'Жетысуский район', 'Zhetysu', 5),
    ('medeu', 'Медеу ауданы', 'Медеуский район', 'Medeu', 6),
    ('nauryzbay', 'Наурызбай ауданы', 'Наурызбайский район', 'Nauryzbay', 7),
    ('turksib', 'Түрксіб ауданы', 'Турксибский район', 'Turksib', 8);

-- Append-only record of who did what to which object. Instants are UTC; ids are UUID text so one
-- schema serves both backends.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT
);

CREATE INDEX audit_events_entity ON audit_events (entity, entity_id, occurred_at);
