//! The access matrix: every route, called as anonymous, as each role, and as a member of another
//! organisation, with the status each must get. The matrix is data: each capability adds its rows,
//! and a test fails if a route exists that no row calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{
    api::{PASSWORD, organisation},
    spawn_app,
};
use serde_json::{Value, json};

/// Callers, in the order of each row's expected statuses.
const ACTORS: [&str; 7] = [
    "anonymous",
    "seeker",
    "employer",
    "provider",
    "caseworker",
    "admin",
    "outsider",
];

struct Row {
    method: &'static str,
    /// The OpenAPI path template this row exercises.
    template: &'static str,
    /// The concrete path; `{org}`, `{staff}` are filled in.
    path: &'static str,
    /// `{actor}` in string values is replaced by the caller's name (unique emails), `{jobs}` by
    /// a jobs programme's id.
    body: Option<Value>,
    expect: [u16; 7],
}

fn rows() -> Vec<Row> {
    let all = |s: u16| [s; 7];
    let signed_in = |s: u16| [401, s, s, s, s, s, s];
    let admin_only = |s: u16| [401, 403, 403, 403, 403, s, 403];
    vec![
        Row {
            method: "GET",
            template: "/health",
            path: "/health",
            body: None,
            expect: all(200),
        },
        Row {
            method: "GET",
            template: "/ready",
            path: "/ready",
            body: None,
            expect: all(200),
        },
        Row {
            method: "GET",
            template: "/metrics",
            path: "/metrics",
            body: None,
            // Only the scraper's token opens it, not anyone's sign-in.
            expect: all(401),
        },
        Row {
            method: "GET",
            template: "/openapi.yaml",
            path: "/openapi.yaml",
            body: None,
            expect: all(200),
        },
        Row {
            method: "POST",
            template: "/api/v1/auth/register",
            path: "/api/v1/auth/register",
            body: Some(
                json!({ "email": "{actor}-new@example.kz", "password": PASSWORD, "role": "seeker" }),
            ),
            expect: all(202),
        },
        Row {
            method: "POST",
            template: "/api/v1/auth/verify-email",
            path: "/api/v1/auth/verify-email",
            body: Some(json!({ "token": "nope" })),
            expect: all(400),
        },
        Row {
            method: "POST",
            template: "/api/v1/auth/login",
            path: "/api/v1/auth/login",
            body: Some(
                json!({ "email": "{actor}-nobody@example.kz", "password": "wrong-password" }),
            ),
            expect: all(401),
        },
        Row {
            method: "POST",
            template: "/api/v1/auth/refresh",
            path: "/api/v1/auth/refresh",
            body: Some(json!({ "refresh_token": "nope" })),
            expect: all(401),
        },
        Row {
            method: "POST",
            template: "/api/v1/auth/logout",
            path: "/api/v1/auth/logout",
            body: Some(json!({ "refresh_token": "nope" })),
            expect: all(204),
        },
        Row {
            method: "POST",
            template: "/api/v1/auth/password-reset",
            path: "/api/v1/auth/password-reset",
            body: Some(json!({ "email": "{actor}@nowhere.kz" })),
            expect: all(202),
        },
        Row {
            method: "POST",
            template: "/api/v1/auth/password-reset/confirm",
            path: "/api/v1/auth/password-reset/confirm",
            body: Some(json!({ "token": "nope", "new_password": "Жаңа құпиясөз 2027" })),
            expect: all(400),
        },
        Row {
            method: "GET",
            template: "/api/v1/me",
            path: "/api/v1/me",
            body: None,
            expect: signed_in(200),
        },
        Row {
            method: "PUT",
            template: "/api/v1/me/password",
            path: "/api/v1/me/password",
            body: Some(
                json!({ "current_password": "not-the-password", "new_password": "Жаңа құпиясөз 2027" }),
            ),
            expect: signed_in(422),
        },
        Row {
            method: "PUT",
            template: "/api/v1/me/profile",
            path: "/api/v1/me/profile",
            body: Some(common::api::profile("791028302728")),
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/profile",
            path: "/api/v1/me/profile",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "PUT",
            template: "/api/v1/me/household",
            path: "/api/v1/me/household",
            body: Some(common::api::household("1979-10-28", 4, 15_000_000)),
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/household",
            path: "/api/v1/me/household",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/me/household/submit",
            path: "/api/v1/me/household/submit",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/households",
            path: "/api/v1/households?status=pending",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/households/{id}/verify",
            path: "/api/v1/households/{household}/verify",
            body: Some(json!({ "decision": "verified" })),
            // The case worker decides first; by the admin's turn it is no longer pending.
            expect: [401, 403, 403, 403, 200, 409, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/eligibility",
            path: "/api/v1/me/eligibility",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/programmes",
            path: "/api/v1/programmes",
            body: None,
            expect: all(200),
        },
        Row {
            method: "GET",
            template: "/api/v1/programmes/{id}",
            path: "/api/v1/programmes/{programme}",
            body: None,
            expect: all(200),
        },
        Row {
            method: "GET",
            template: "/api/v1/programmes/{id}/versions",
            path: "/api/v1/programmes/{programme}/versions",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/programmes",
            path: "/api/v1/programmes",
            body: Some(common::api::programme_body()),
            expect: admin_only(201),
        },
        Row {
            method: "PUT",
            template: "/api/v1/programmes/{id}",
            path: "/api/v1/programmes/{programme}",
            body: Some(common::api::programme_body()),
            expect: admin_only(200),
        },
        Row {
            method: "GET",
            template: "/api/v1/admin/staff",
            path: "/api/v1/admin/staff",
            body: None,
            expect: admin_only(200),
        },
        Row {
            method: "POST",
            template: "/api/v1/admin/staff",
            path: "/api/v1/admin/staff",
            body: Some(
                json!({ "email": "{actor}-staff@almaty.kz", "password": PASSWORD, "role": "caseworker" }),
            ),
            expect: admin_only(201),
        },
        Row {
            method: "POST",
            template: "/api/v1/admin/staff/{id}/disable",
            path: "/api/v1/admin/staff/{staff}/disable",
            body: None,
            expect: admin_only(200),
        },
        Row {
            method: "POST",
            template: "/api/v1/organisations",
            path: "/api/v1/organisations",
            body: Some(organisation("employer", 90)),
            // Employer and outsider already belong to one; a provider may not register an employer.
            expect: [401, 403, 409, 409, 403, 403, 409],
        },
        Row {
            method: "GET",
            template: "/api/v1/payout-batches",
            path: "/api/v1/payout-batches",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/openings",
            path: "/api/v1/me/openings",
            body: None,
            // Members of an approved employer or provider (the outsider's organisation is approved too).
            expect: [401, 403, 200, 200, 403, 403, 200],
        },
        Row {
            method: "GET",
            template: "/api/v1/organisations",
            path: "/api/v1/organisations?status=pending",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/organisations/{id}",
            path: "/api/v1/organisations/{org}",
            body: None,
            expect: [401, 404, 200, 404, 200, 200, 404],
        },
        Row {
            method: "POST",
            template: "/api/v1/organisations/{id}/approve",
            path: "/api/v1/organisations/{org}/approve",
            body: None,
            expect: admin_only(200),
        },
        Row {
            method: "POST",
            template: "/api/v1/openings",
            path: "/api/v1/openings",
            body: Some(common::api::job_opening("{jobs}")),
            // A provider may not post a job; staff and seekers post nothing.
            expect: [401, 403, 201, 403, 403, 403, 201],
        },
        Row {
            method: "GET",
            template: "/api/v1/openings",
            path: "/api/v1/openings",
            body: None,
            expect: all(200),
        },
        Row {
            method: "GET",
            template: "/api/v1/openings/{id}",
            path: "/api/v1/openings/{opening}",
            body: None,
            expect: all(200),
        },
        Row {
            method: "PATCH",
            template: "/api/v1/openings/{id}",
            path: "/api/v1/openings/{opening}",
            body: Some(json!({ "capacity": 5 })),
            // Only the employer's own organisation; the outsider's is another employer.
            expect: [401, 403, 200, 403, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/openings/{id}/publish",
            path: "/api/v1/openings/{draft}/publish",
            body: None,
            // Once the employer has published it, others see a published opening: 403.
            expect: [401, 403, 200, 403, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/openings/{id}/close",
            path: "/api/v1/openings/{closable}/close",
            body: None,
            expect: [401, 403, 200, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/recommendations",
            path: "/api/v1/me/recommendations",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/me/applications",
            path: "/api/v1/me/applications",
            body: Some(json!({ "opening_id": "{opening}" })),
            // The seeker's household was verified by the case worker's row above.
            expect: [401, 201, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/applications",
            path: "/api/v1/me/applications",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "PUT",
            template: "/api/v1/me/applications/order",
            path: "/api/v1/me/applications/order",
            body: Some(json!({ "programme_id": "{jobs}", "application_ids": [] })),
            expect: [401, 422, 403, 403, 403, 403, 403],
        },
        Row {
            method: "DELETE",
            template: "/api/v1/me/applications/{id}",
            path: "/api/v1/me/applications/no-such-application",
            body: None,
            expect: [401, 404, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/openings/{id}/applications",
            path: "/api/v1/openings/{opening}/applications",
            body: None,
            expect: [401, 403, 200, 403, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/matching-rounds",
            path: "/api/v1/matching-rounds",
            body: Some(json!({ "programme_id": "{jobs}", "kind": "job" })),
            // The case worker starts it; by the admin's turn it is running.
            expect: [401, 403, 403, 403, 202, 409, 403],
        },
        Row {
            method: "PUT",
            template: "/api/v1/me/organisation/bank-account",
            path: "/api/v1/me/organisation/bank-account",
            // A valid IBAN, but another BIN than the caller's organisation's.
            body: Some(json!({ "iban": "KZ86125KZT5004100100", "holder_bin": "000000000000" })),
            expect: [401, 403, 422, 422, 403, 403, 422],
        },
        Row {
            method: "POST",
            template: "/api/v1/placements/{id}/wage-reports",
            path: "/api/v1/placements/no-such-placement/wage-reports",
            body: Some(
                json!({ "period": "2026-05", "days_worked": 1, "gross_wage_tiyn": 1, "payroll_reference": "PR-1" }),
            ),
            expect: [401, 403, 404, 404, 403, 403, 404],
        },
        Row {
            method: "PUT",
            template: "/api/v1/wage-reports/{id}",
            path: "/api/v1/wage-reports/no-such-report",
            body: Some(
                json!({ "period": "2026-05", "days_worked": 1, "gross_wage_tiyn": 1, "payroll_reference": "PR-1" }),
            ),
            expect: [401, 403, 404, 404, 403, 403, 404],
        },
        Row {
            method: "POST",
            template: "/api/v1/wage-reports/{id}/decision",
            path: "/api/v1/wage-reports/no-such-report/decision",
            body: Some(json!({ "decision": "confirmed" })),
            expect: [401, 403, 403, 403, 404, 404, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/wage-reports",
            path: "/api/v1/wage-reports",
            body: None,
            expect: [401, 403, 200, 200, 200, 200, 200],
        },
        Row {
            method: "GET",
            template: "/api/v1/reports/summary",
            path: "/api/v1/reports/summary",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/open-data/summary",
            // Anyone: small cells are hidden.
            path: "/api/v1/open-data/summary",
            body: None,
            expect: [200, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/data-export",
            path: "/api/v1/me/data-export",
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: "GET",
            template: "/api/v1/erasure-requests",
            path: "/api/v1/erasure-requests?status=requested",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/me/erasure-request",
            path: "/api/v1/me/erasure-request",
            body: Some(json!({ "reason": "{actor} leaves the city" })),
            // Anyone signed in may ask; nothing is erased until a case worker approves.
            expect: signed_in(201),
        },
        Row {
            method: "GET",
            template: "/api/v1/me/erasure-request",
            path: "/api/v1/me/erasure-request",
            body: None,
            expect: signed_in(200),
        },
        Row {
            method: "POST",
            template: "/api/v1/erasure-requests/{id}/approve",
            // Approving a real request would erase an actor of this test: an unknown one is
            // enough to tell who may approve.
            path: "/api/v1/erasure-requests/no-such-request/approve",
            body: None,
            expect: [401, 403, 403, 403, 404, 404, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/erasure-requests/{id}/reject",
            path: "/api/v1/erasure-requests/no-such-request/reject",
            body: Some(json!({ "note": "Please come to the centre first" })),
            expect: [401, 403, 403, 403, 404, 404, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/notification-preferences",
            path: "/api/v1/me/notification-preferences",
            body: None,
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: "PUT",
            template: "/api/v1/me/notification-preferences",
            path: "/api/v1/me/notification-preferences",
            body: Some(json!({ "reminders": true, "attendance_warnings": false, "digest": true })),
            expect: [401, 200, 200, 200, 200, 200, 200],
        },
        Row {
            method: "POST",
            template: "/api/v1/email/unsubscribe",
            // No sign-in: the token is the proof, and this one is not the service's.
            path: "/api/v1/email/unsubscribe?token=someone.digest.AAAA",
            body: None,
            expect: [422, 422, 422, 422, 422, 422, 422],
        },
        Row {
            method: "GET",
            template: "/api/v1/wage-reports/overdue",
            path: "/api/v1/wage-reports/overdue",
            body: None,
            expect: [401, 403, 200, 200, 200, 200, 200],
        },
        Row {
            method: "GET",
            template: "/api/v1/people",
            path: "/api/v1/people?q=mother",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/matching-rounds",
            path: "/api/v1/matching-rounds",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/matching-rounds/{id}",
            path: "/api/v1/matching-rounds/{round}",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/matching-rounds/{id}/results",
            path: "/api/v1/matching-rounds/{round}/results",
            body: None,
            expect: [401, 403, 403, 403, 200, 200, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/offers",
            path: "/api/v1/me/offers",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/offers/{id}/accept",
            path: "/api/v1/offers/no-such-offer/accept",
            body: None,
            expect: [401, 404, 403, 403, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/offers/{id}/decline",
            path: "/api/v1/offers/no-such-offer/decline",
            body: None,
            expect: [401, 404, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/openings/{id}/placements",
            path: "/api/v1/openings/{opening}/placements",
            body: None,
            expect: [401, 403, 200, 403, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/placements/{id}/start",
            path: "/api/v1/placements/no-such-placement/start",
            body: Some(json!({ "started_on": "2027-02-01" })),
            expect: [401, 403, 404, 404, 403, 403, 404],
        },
        Row {
            method: "POST",
            template: "/api/v1/placements/{id}/end",
            path: "/api/v1/placements/no-such-placement/end",
            body: Some(json!({ "ended_on": "2027-06-01", "reason": "completed" })),
            expect: [401, 403, 404, 404, 403, 403, 404],
        },
        Row {
            method: "GET",
            template: "/api/v1/courses/{id}/sessions",
            path: "/api/v1/courses/{course}/sessions",
            body: None,
            expect: [401, 403, 403, 200, 200, 200, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/courses/{id}/enrollments",
            path: "/api/v1/courses/{course}/enrollments",
            body: None,
            expect: [401, 403, 403, 200, 200, 200, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/courses/{id}/sessions",
            path: "/api/v1/courses/{course}/sessions",
            body: Some(
                json!({ "action": "add", "date": "{in_course}", "start_time": "10:00", "end_time": "12:00" }),
            ),
            expect: [401, 403, 403, 200, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/courses/{id}/dates",
            path: "/api/v1/courses/{course}/dates",
            body: Some(
                json!({ "start_date": "{in_course}", "end_date": "{in_course}", "reason": "Перенос по заявлению" }),
            ),
            // The provider gets past the checks to her sessions, which lie on other days.
            expect: [401, 403, 403, 422, 403, 403, 403],
        },
        Row {
            method: "PUT",
            template: "/api/v1/sessions/{id}/attendance",
            path: "/api/v1/sessions/{session}/attendance",
            body: Some(json!({ "entries": [] })),
            // The provider gets past the checks to the empty list.
            expect: [401, 403, 403, 422, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/sessions/{id}/attendance",
            path: "/api/v1/sessions/{session}/attendance",
            body: None,
            expect: [401, 403, 403, 200, 200, 200, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/courses/{id}/periods/{period}/close",
            path: "/api/v1/courses/{course}/periods/2026-01/close",
            body: None,
            expect: [401, 403, 403, 200, 403, 403, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/courses/{id}/periods/{period}/reopen",
            path: "/api/v1/courses/{course}/periods/2026-01/reopen",
            body: None,
            // The case worker reopens it; by the admin's turn it is open.
            expect: [401, 403, 403, 403, 200, 409, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/enrollments",
            path: "/api/v1/me/enrollments",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/enrollments/{id}/attendance",
            path: "/api/v1/me/enrollments/no-such-enrollment/attendance",
            body: None,
            expect: [401, 404, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/me/payouts",
            path: "/api/v1/me/payouts",
            body: None,
            expect: [401, 200, 403, 403, 403, 403, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/payouts",
            path: "/api/v1/payouts?status=scheduled",
            body: None,
            // Organisations see only what is paid to them (wage subsidies): the test below.
            expect: [401, 403, 200, 200, 200, 200, 200],
        },
        Row {
            method: "POST",
            template: "/api/v1/payout-batches",
            path: "/api/v1/payout-batches",
            body: Some(json!({ "period": "2026-01" })),
            expect: [401, 403, 403, 403, 409, 409, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/payout-batches/{id}",
            path: "/api/v1/payout-batches/no-such-batch",
            body: None,
            expect: [401, 403, 403, 403, 404, 404, 403],
        },
        Row {
            method: "GET",
            template: "/api/v1/payout-batches/{id}/export",
            path: "/api/v1/payout-batches/no-such-batch/export",
            body: None,
            expect: [401, 403, 403, 403, 404, 404, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/payout-batches/{id}/confirmation",
            path: "/api/v1/payout-batches/no-such-batch/confirmation",
            body: None,
            // Staff get past the role check to the body, which is not text/csv.
            expect: [401, 403, 403, 403, 415, 415, 403],
        },
        Row {
            method: "POST",
            template: "/api/v1/jobs/{name}/run",
            path: "/api/v1/jobs/purge_finished_jobs/run",
            body: None,
            expect: admin_only(202),
        },
        Row {
            method: "GET",
            template: "/api/v1/admin/outbox",
            path: "/api/v1/admin/outbox",
            body: None,
            expect: admin_only(200),
        },
        Row {
            method: "POST",
            template: "/api/v1/admin/outbox/{id}/retry",
            path: "/api/v1/admin/outbox/no-such-message/retry",
            body: None,
            expect: admin_only(404),
        },
        Row {
            method: "POST",
            template: "/api/v1/admin/outbox/retry-dead",
            path: "/api/v1/admin/outbox/retry-dead",
            body: None,
            expect: admin_only(200),
        },
    ]
}

fn fill(value: &Value, actor: &str, jobs: &str, opening: &str, in_course: &str) -> Value {
    match value {
        Value::String(s) => Value::String(
            s.replace("{actor}", actor)
                .replace("{jobs}", jobs)
                .replace("{opening}", opening)
                .replace("{in_course}", in_course),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), fill(v, actor, jobs, opening, in_course)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn every_route_has_a_row_in_the_matrix() {
    let api = social_jobs::http::openapi();
    let mut routes = BTreeSet::new();
    for (path, item) in &api.paths.paths {
        for (has, method) in [
            (item.get.is_some(), "GET"),
            (item.post.is_some(), "POST"),
            (item.put.is_some(), "PUT"),
            (item.patch.is_some(), "PATCH"),
            (item.delete.is_some(), "DELETE"),
        ] {
            if has {
                routes.insert((method.to_owned(), path.clone()));
            }
        }
    }
    let covered: BTreeSet<(String, String)> = rows()
        .iter()
        .map(|r| (r.method.to_owned(), r.template.to_owned()))
        .collect();
    let missing: Vec<_> = routes.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the access matrix: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );
}

backend_tests! {
    async fn every_route_answers_each_caller_as_the_matrix_says(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, admin) = app.admin().await;
        let (_, seeker, _) = app.verified_account("seeker@example.kz", "seeker").await;
        let (_, employer, _) = app.verified_account("employer@example.kz", "employer").await;
        let (_, provider, _) = app.verified_account("provider@example.kz", "provider").await;
        let (_, outsider, _) = app.verified_account("outsider@example.kz", "employer").await;
        let mut org_ids = Vec::new();
        for (token, kind, serial) in [(&employer, "employer", 1), (&provider, "provider", 2), (&outsider, "employer", 3)] {
            let org: Value = app.post_json("/api/v1/organisations", &organisation(kind, serial), Some(token)).await.json().await.unwrap();
            let id = org["id"].as_str().unwrap().to_owned();
            assert_eq!(app.post_json(&format!("/api/v1/organisations/{id}/approve"), &json!({}), Some(&admin)).await.status(), 200);
            org_ids.push(id);
        }
        app.post_json("/api/v1/admin/staff", &json!({ "email": "cw@almaty.kz", "password": PASSWORD, "role": "caseworker" }), Some(&admin)).await;
        let (caseworker, _) = app.sign_in("cw@almaty.kz", PASSWORD).await;
        let victim: Value = app.post_json("/api/v1/admin/staff", &json!({ "email": "victim@almaty.kz", "password": PASSWORD, "role": "caseworker" }), Some(&admin)).await.json().await.unwrap();
        // A course (days 40..68), then the clock moves into its run (day 45) so that a session held
        // yesterday lies within its dates; everything with a deadline is made after the move.
        let courses: Value = app.post_json("/api/v1/programmes", &common::api::programme_in_force("courses"), Some(&admin)).await.json().await.unwrap();
        let course = app.published(&provider, &common::api::course_opening(courses["id"].as_str().unwrap())).await["id"].as_str().unwrap().to_owned();
        common::clock().advance(chrono::Duration::days(45));
        let yesterday = common::api::day(-1);
        let in_course = common::api::day(10);
        let session: Value = app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "add", "date": yesterday, "start_time": "10:00", "end_time": "12:00" }), Some(&provider)).await.json().await.unwrap();
        let session = session["id"].as_str().unwrap().to_owned();
        let programme: Value = app.post_json("/api/v1/programmes", &common::api::programme_body(), Some(&admin)).await.json().await.unwrap();
        let programme_id = programme["id"].as_str().unwrap().to_owned();
        let jobs: Value = app.post_json("/api/v1/programmes", &common::api::programme_in_force("jobs"), Some(&admin)).await.json().await.unwrap();
        let jobs = jobs["id"].as_str().unwrap().to_owned();
        let opening = app.published(&employer, &common::api::job_opening(&jobs)).await["id"].as_str().unwrap().to_owned();
        let closable = app.published(&employer, &common::api::job_opening(&jobs)).await["id"].as_str().unwrap().to_owned();
        let draft: Value = app.post_json("/api/v1/openings", &common::api::job_opening(&jobs), Some(&employer)).await.json().await.unwrap();
        let draft = draft["id"].as_str().unwrap().to_owned();
        let round: Value = app.post_json("/api/v1/matching-rounds", &json!({ "programme_id": programme_id, "kind": "job" }), Some(&admin)).await.json().await.unwrap();
        let round = round["id"].as_str().unwrap().to_owned();
        let tokens = [None, Some(seeker), Some(employer), Some(provider), Some(caseworker), Some(admin), Some(outsider)];

        let mut failures = Vec::new();
        for row in rows() {
            let mut path = row.path.replace("{programme}", &programme_id).replace("{org}", &org_ids[0]).replace("{staff}", victim["id"].as_str().unwrap()).replace("{opening}", &opening).replace("{draft}", &draft).replace("{closable}", &closable).replace("{round}", &round).replace("{course}", &course).replace("{session}", &session);
            if path.contains("{household}") {
                let household: Value = app.get_as("/api/v1/me/household", tokens[1].as_deref().unwrap()).await.json().await.unwrap();
                path = path.replace("{household}", household["id"].as_str().unwrap());
            }
            for (i, actor) in ACTORS.iter().enumerate() {
                let method = reqwest::Method::from_bytes(row.method.as_bytes()).unwrap();
                let mut req = app.client.request(method, app.url(&path));
                if let Some(token) = &tokens[i] {
                    req = req.bearer_auth(token);
                }
                if let Some(body) = &row.body {
                    req = req.json(&fill(body, actor, &jobs, &opening, &in_course));
                } else if row.method != "GET" {
                    req = req.json(&json!({}));
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                // Nothing a signed-in caller gets is kept by a cache.
                if tokens[i].is_some() && res.headers().get("cache-control").and_then(|v| v.to_str().ok()) != Some("no-store") {
                    failures.push(format!("{} {} as {actor}: no Cache-Control: no-store", row.method, row.path));
                }
                if status != row.expect[i] {
                    failures.push(format!("{} {} as {actor}: got {status}, expected {}", row.method, row.path, row.expect[i]));
                }
                if status >= 400 {
                    assert_eq!(res.headers()["content-type"], "application/problem+json", "{} {} as {actor}", row.method, row.path);
                }
            }
        }
        assert!(failures.is_empty(), "access matrix mismatches:\n{}", failures.join("\n"));

        // The same calls with a NUL in every id, filter and string of the body: a clear 4xx from
        // every route and caller, the same on both backends (PostgreSQL refuses NUL in text).
        let mut fives = Vec::new();
        for row in rows() {
            let ids = [("{programme}", programme_id.as_str()), ("{org}", org_ids[0].as_str()), ("{staff}", victim["id"].as_str().unwrap()), ("{opening}", &opening), ("{draft}", &draft), ("{closable}", &closable), ("{round}", &round), ("{course}", &course), ("{session}", &session), ("{household}", "h")];
            let mut path = row.path.to_owned();
            for (k, v) in ids {
                path = path.replace(k, &format!("{v}%00"));
            }
            path.push_str(if path.contains('?') { "&status=%00" } else { "?cursor=%00" });
            for (i, actor) in ACTORS.iter().enumerate() {
                let method = reqwest::Method::from_bytes(row.method.as_bytes()).unwrap();
                let mut req = app.client.request(method, app.url(&path));
                if let Some(token) = &tokens[i] {
                    req = req.bearer_auth(token);
                }
                if let Some(body) = &row.body {
                    req = req.json(&with_nul(&fill(body, actor, &jobs, &opening, &in_course)));
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                if !(400..500).contains(&status) || res.headers()["content-type"] != "application/problem+json" {
                    fives.push(format!("{} {path} as {actor}: {status}", row.method));
                }
            }
        }
        assert!(fives.is_empty(), "NUL not refused:\n{}", fives.join("\n"));
    }

    async fn a_nul_in_a_body_or_a_forged_cursor_is_a_clear_4xx(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, admin) = app.admin().await;
        let (_, seeker, _) = app.verified_account("seeker@example.kz", "seeker").await;
        // Tokens are never cached.
        let res = app.post_json("/api/v1/auth/login", &json!({ "email": "seeker@example.kz", "password": PASSWORD }), None).await;
        assert_eq!((res.status().as_u16(), res.headers()["cache-control"].to_str().unwrap()), (200, "no-store"));
        // Sign-in with a NUL in the address, a bank file with one in a reference.
        let res = app.post_json("/api/v1/auth/login", &json!({ "email": "admin\u{0}@almaty.kz", "password": PASSWORD }), None).await;
        assert_eq!(res.status(), 400);
        let body: Value = res.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("NUL"), "{body}");
        assert!(!body.to_string().contains("admin"), "the value is not echoed: {body}");
        let res = app.client.post(app.url("/api/v1/payout-batches/x/confirmation")).bearer_auth(&admin).header("content-type", "text/csv").body("payout_id,status,amount_kzt,reference,reason\nx,paid,1.00,R\u{0},\n").send().await.unwrap();
        assert_eq!(res.status(), 400);
        // Cursors this service never gave out, decoding to out-of-range instants and dates, NULs
        // and numbers past 64 bits: 422 on every list.
        use base64::Engine;
        let forge = |t: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t);
        let lists = [("/api/v1/openings", &seeker), ("/api/v1/households?status=submitted", &admin), ("/api/v1/payouts", &admin)];
        let forged = ["n|253402300800000000|x", "n|-62135596800000001|x", "n|99999999999999999999|x", "d|9999-12-31|x", "d|0000-01-01|x", "r|99999999999999999999|0|x", "g|18444492273895866368|x", "253402300800000000|x", "99999999999|x", "9999-12|x", "2026-01|\u{0}", "n|0|\u{0}"];
        for (list, token) in lists {
            for f in forged {
                let sep = if list.contains('?') { '&' } else { '?' };
                let res = app.get_as(&format!("{list}{sep}cursor={}", forge(f)), token).await;
                assert_eq!(res.status(), 422, "{list} with {f:?}");
                assert_eq!(res.headers()["content-type"], "application/problem+json");
            }
        }
    }
}

/// `value` with a NUL added to every string in it.
fn with_nul(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(format!("{s}\u{0}")),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), with_nul(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(with_nul).collect()),
        other => other.clone(),
    }
}
