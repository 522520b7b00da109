// One schema for both backends: only types the MultiConnection supports (no Uuid, Timestamptz or
// Json: UUIDs and JSON are Text, instants are Timestamp holding UTC).

diesel::table! {
    districts (code) {
        code -> Text,
        name_kk -> Text,
        name_ru -> Text,
        name_en -> Text,
        sort_order -> Integer,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(districts, audit_events);
