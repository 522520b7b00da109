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

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        dedup_key -> Text,
        state -> Text,
        attempts -> Integer,
        run_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        scheduled_for -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}
diesel::allow_tables_to_appear_in_same_query!(districts, audit_events, jobs);
