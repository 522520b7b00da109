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
        client_ip -> Nullable<Text>,
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
        queued_at -> Nullable<Timestamp>,
        stalls -> Integer,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        bin -> Text,
        district -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        contact_email -> Text,
        status -> Text,
        approved_at -> Nullable<Timestamp>,
        approved_by -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Where the organisation is paid (KZ IBAN under its own BIN).
        iban -> Nullable<Text>,
        bank_changed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        locale -> Text,
        organisation_id -> Nullable<Text>,
        email_verified_at -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        tokens_valid_after -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        account_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> Text,
        account_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limit_events (id) {
        id -> Text,
        bucket -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    seeker_profiles (account_id) {
        account_id -> Text,
        iin -> Text,
        birth_date -> Date,
        sex -> Text,
        full_name -> Text,
        phone -> Text,
        district -> Text,
        skills -> Text,
        languages -> Text,
        employment -> Text,
        hours_per_week -> Integer,
        needs_childcare -> Bool,
        iban -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// `full_name` folded to lower case (Unicode) for finding people by name.
        name_key -> Text,
    }
}

diesel::table! {
    /// Who holds an IIN: the one account whose household a case worker verified with it.
    iin_claims (iin) {
        iin -> Text,
        account_id -> Text,
        claimed_at -> Timestamp,
        claimed_by -> Nullable<Text>,
    }
}

diesel::table! {
    households (id) {
        id -> Text,
        account_id -> Text,
        members -> Text,
        member_count -> Integer,
        minors -> Integer,
        total_income_tiyn -> BigInt,
        per_capita_income_tiyn -> BigInt,
        has_disability -> Bool,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    programmes (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        valid_from -> Date,
        valid_to -> Date,
        current_version -> Integer,
        is_example -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    programme_versions (programme_id, version) {
        programme_id -> Text,
        version -> Integer,
        rules -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    openings (id) {
        id -> Text,
        organisation_id -> Text,
        programme_id -> Text,
        kind -> Text,
        status -> Text,
        title -> Text,
        description -> Text,
        search_text -> Text,
        title_search -> Text,
        district -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        employment -> Text,
        hours_per_week -> Integer,
        work_days -> Text,
        skills -> Text,
        capacity -> Integer,
        places_given -> Integer,
        application_deadline -> Date,
        start_date -> Date,
        end_date -> Nullable<Date>,
        wage_monthly_tiyn -> Nullable<BigInt>,
        subsidy_percent -> Nullable<Integer>,
        subsidy_months -> Nullable<Integer>,
        stipend_monthly_tiyn -> Nullable<BigInt>,
        has_stipend -> Bool,
        published_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    opening_skills (opening_id, skill) {
        opening_id -> Text,
        skill -> Text,
    }
}

diesel::table! {
    course_sessions (id) {
        id -> Text,
        opening_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        seeker_id -> Text,
        opening_id -> Text,
        programme_id -> Text,
        rank -> Integer,
        status -> Text,
        last_round_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    round_snapshot_parts (round_id, part) {
        round_id -> Text,
        part -> Integer,
        text -> Text,
    }
}

diesel::table! {
    matching_rounds (id) {
        id -> Text,
        programme_id -> Text,
        kind -> Text,
        status -> Text,
        seed -> BigInt,
        rules_version -> Integer,
        algorithm -> Text,
        progress -> Integer,
        seekers -> Integer,
        applications -> Integer,
        offers -> Integer,
        error -> Nullable<Text>,
        started_by -> Text,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    round_results (round_id, application_id) {
        round_id -> Text,
        application_id -> Text,
        seeker_id -> Text,
        opening_id -> Text,
        offered -> Bool,
        explanation -> Text,
    }
}

diesel::table! {
    offers (id) {
        id -> Text,
        round_id -> Text,
        application_id -> Text,
        seeker_id -> Text,
        opening_id -> Text,
        status -> Text,
        expires_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    placements (id) {
        id -> Text,
        offer_id -> Text,
        seeker_id -> Text,
        opening_id -> Text,
        status -> Text,
        started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    enrollments (id) {
        id -> Text,
        offer_id -> Text,
        seeker_id -> Text,
        opening_id -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    attendance (session_id, enrollment_id) {
        session_id -> Text,
        enrollment_id -> Text,
        status -> Text,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    attendance_corrections (id) {
        id -> Text,
        session_id -> Text,
        enrollment_id -> Text,
        before_status -> Text,
        after_status -> Text,
        before_note -> Nullable<Text>,
        after_note -> Nullable<Text>,
        corrected_by -> Text,
        corrected_at -> Timestamp,
    }
}

diesel::table! {
    closed_periods (opening_id, period) {
        opening_id -> Text,
        period -> Text,
        closed_at -> Timestamp,
        closed_by -> Text,
    }
}

diesel::table! {
    idempotency_keys (account_id, idempotency_key) {
        account_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payouts (id) {
        id -> Text,
        enrollment_id -> Nullable<Text>,
        seeker_id -> Nullable<Text>,
        opening_id -> Text,
        period -> Text,
        amount_tiyn -> BigInt,
        inputs -> Text,
        status -> Text,
        batch_id -> Nullable<Text>,
        bank_reference -> Nullable<Text>,
        failure_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        payee_kind -> Text,
        placement_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
    }
}

diesel::table! {
    email_preferences (account_id) {
        account_id -> Text,
        reminders -> Bool,
        attendance_warnings -> Bool,
        digest -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payout_batches (id) {
        id -> Text,
        period -> Text,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        exported_at -> Nullable<Timestamp>,
        settled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payout_batch_lines (batch_id, payout_id) {
        batch_id -> Text,
        payout_id -> Text,
        amount_tiyn -> BigInt,
        iban -> Text,
        status -> Text,
        bank_reference -> Nullable<Text>,
        failure_reason -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// An employer's monthly wage report for a placement (the subsidy's input).
    wage_reports (id) {
        id -> Text,
        placement_id -> Text,
        organisation_id -> Text,
        period -> Text,
        days_worked -> Integer,
        gross_wage_tiyn -> BigInt,
        payroll_reference -> Text,
        status -> Text,
        flags -> Text,
        decision_note -> Nullable<Text>,
        submitted_by -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The city's figures per month, programme, district and metric (see `crate::reports`).
    report_counts (period, programme_id, district, metric) {
        period -> Text,
        programme_id -> Text,
        district -> Text,
        metric -> Text,
        count -> BigInt,
        amount_tiyn -> BigInt,
    }
}

diesel::table! {
    /// A person's request to erase her personal data, and its decision.
    erasure_requests (id) {
        id -> Text,
        account_id -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        iin_hash -> Nullable<Text>,
        requested_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::joinable!(accounts -> organisations (organisation_id));
diesel::joinable!(programme_versions -> programmes (programme_id));
diesel::joinable!(households -> accounts (account_id));
diesel::joinable!(seeker_profiles -> accounts (account_id));
diesel::joinable!(refresh_tokens -> accounts (account_id));
diesel::joinable!(one_time_tokens -> accounts (account_id));
diesel::joinable!(openings -> organisations (organisation_id));
diesel::joinable!(openings -> programmes (programme_id));
diesel::joinable!(opening_skills -> openings (opening_id));
diesel::joinable!(course_sessions -> openings (opening_id));
diesel::joinable!(applications -> openings (opening_id));
diesel::joinable!(offers -> openings (opening_id));
diesel::joinable!(offers -> applications (application_id));
diesel::joinable!(placements -> offers (offer_id));
diesel::joinable!(enrollments -> offers (offer_id));

diesel::allow_tables_to_appear_in_same_query!(
    districts,
    wage_reports,
    audit_events,
    jobs,
    organisations,
    accounts,
    refresh_tokens,
    one_time_tokens,
    rate_limit_events,
    seeker_profiles,
    iin_claims,
    households,
    programmes,
    programme_versions,
    openings,
    opening_skills,
    course_sessions,
    applications,
    matching_rounds,
    round_snapshot_parts,
    round_results,
    offers,
    placements,
    enrollments,
    attendance,
    attendance_corrections,
    closed_periods,
    idempotency_keys,
    payouts,
    payout_batches,
    payout_batch_lines,
    email_preferences,
    erasure_requests,
);
