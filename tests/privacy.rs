//! A family's rights over its data: her export holds what the service holds about her; case
//! workers' reads of a person's record are audit events (who looked at whom, and where). Both
//! backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::spawn_app;
use std::collections::BTreeMap;

use serde_json::Value;

backend_tests! {
    async fn a_case_workers_reads_of_a_person_are_audit_events_under_her_name(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin_id, admin) = app.admin().await;
        let (mother, _) = app.eligible_seeker(&admin, 1, 4, "auezov").await;
        let (neighbour, _) = app.eligible_seeker(&admin, 2, 4, "auezov").await;
        let iin = common::api::iin(1).0;
        let found: Value = app.get_as(&format!("/api/v1/people?q={iin}"), &admin).await.json().await.unwrap();
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
        let views = |id: String| {
            let store = app.store.clone();
            async move {
                store.run(move |c| social_jobs::audit::for_entity(c, "account", &id).map_err(social_jobs::db::DbError::from)).await.unwrap()
                    .into_iter().filter(|e| e.action == "person.viewed").collect::<Vec<_>>()
            }
        };
        let hers = views(mother.clone()).await;
        assert_eq!(hers.len(), 1);
        assert_eq!(hers[0].actor_id.as_deref(), Some(admin_id.as_str()));
        assert!(hers[0].after_json.as_deref().unwrap().contains("people_search"));
        assert!(views(neighbour.clone()).await.is_empty(), "only whom she saw");
        // The household queue shows both: each is told.
        app.get_as("/api/v1/households?status=verified", &admin).await;
        assert_eq!(views(mother).await.len(), 2);
        assert_eq!(views(neighbour).await.len(), 1);
    }

    async fn her_export_shows_her_row_of_every_personal_table(backend: Backend) {
        use common::stipends::{attendance_month, ok};
        let app = spawn_app(backend).await;
        // A course with her attendance and a stipend; then a job she is placed in; her email
        // preferences, an erasure request, a case worker's look at her record.
        let (admin, _, mothers, _) = attendance_month(&app, 1, true).await;
        let mother = mothers[0].clone();
        social_jobs::payouts::cycle::run(&app.store, &social_jobs::config::Settings::default(), None).await.unwrap();
        let programmes: Value = ok(app.get("/api/v1/programmes").await).await;
        let jobs = programmes.as_array().unwrap().iter().find(|p| p["kind"] == "jobs").unwrap()["id"].as_str().unwrap().to_owned();
        let (employer, _) = app.approved_member(&admin, "employer", 7).await;
        let opening = app.published(&employer, &common::api::job_opening(&jobs)).await["id"].as_str().unwrap().to_owned();
        let placed = app.matched(&admin, &jobs, "job", &opening, std::slice::from_ref(&mother)).await;
        assert!(placed[0]["placement_id"].is_string());
        ok(app.client.put(app.url("/api/v1/me/notification-preferences")).bearer_auth(&mother).json(&serde_json::json!({ "reminders": true, "attendance_warnings": true, "digest": false })).send().await.unwrap()).await;
        ok(app.post_json("/api/v1/me/erasure-request", &serde_json::json!({ "reason": "moving" }), Some(&mother)).await).await;
        let iin = common::api::iin(1).0;
        ok(app.get_as(&format!("/api/v1/people?q={iin}"), &admin).await).await;
        let me: Value = ok(app.get_as("/api/v1/me", &mother).await).await;
        let (id, email) = (me["id"].as_str().unwrap().to_owned(), me["email"].as_str().unwrap().to_owned());
        let export: Value = ok(app.get_as("/api/v1/me/data-export", &mother).await).await;
        // Her ids that other tables hold instead of her account's.
        let mut hers: Vec<String> = vec![id.clone(), email.clone()];
        for section in ["enrollments", "applications", "placements"] {
            hers.extend(export[section].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        }
        let rows = app.store.run(|c| social_jobs::db::all_rows_as_text(c).map_err(social_jobs::db::DbError::from)).await.unwrap();
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (table, line) in rows {
            if hers.iter().any(|h| line.contains(h.as_str())) {
                tables.entry(table).or_default().push(line);
            }
        }
        let text = export.to_string();
        let ids = |section: &str| -> Vec<String> {
            export[section].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
        };
        for (table, _) in EXPORTED {
            let lines = tables.get(*table).unwrap_or_else(|| panic!("the fixture has no row of hers in {table}"));
            match *table {
                "accounts" => assert_eq!(export["account"]["id"], id.as_str()),
                "email_preferences" => assert_eq!(export["email_preferences"]["digest"], false),
                "seeker_profiles" => assert_eq!(export["profile"]["iin"], iin.as_str()),
                "households" => assert!(lines.iter().any(|l| l.contains(export["household"]["id"].as_str().unwrap()))),
                "applications" | "offers" | "placements" | "enrollments" | "payouts" => {
                    for l in lines.iter().filter(|l| *table != "applications" || !l.contains("withdrawn")) {
                        assert!(ids(table).iter().any(|i| l.contains(i.as_str())), "{table}: {l} is not in her export");
                    }
                }
                "round_results" => assert!(export["applications"].as_array().unwrap().iter().all(|a| !a["last_round"].is_null()), "{}", export["applications"]),
                "attendance" => {
                    let sessions: Vec<&str> = export["attendance"].as_array().unwrap().iter()
                        .flat_map(|e| e["sessions"].as_array().unwrap().iter().map(|s| s["session"]["id"].as_str().unwrap())).collect();
                    for l in lines {
                        assert!(sessions.iter().any(|s| l.contains(s)), "attendance {l} is not in her export");
                    }
                }
                "jobs" => {
                    let emails = lines.iter().filter(|l| l.contains("send_email")).count();
                    assert_eq!(export["emails"].as_array().unwrap().len(), emails, "every email written to her");
                }
                "audit_events" => assert!(export["audit_events"].as_array().unwrap().len() >= lines.len().min(1)),
                "erasure_requests" => assert_eq!(export["erasure_request"]["reason"], "moving"),
                other => panic!("{other}: say how her export shows it"),
            }
        }
        assert!(text.contains(&iin));
    }

    async fn her_data_export_holds_what_the_service_holds_about_her_and_nobody_elses(backend: Backend) {
        use common::api::job_opening;
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (mother_id, mother) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, neighbour) = app.eligible_seeker(&m.admin, 2, 4, "auezov").await;
        let opening = app.published(&m.employer, &job_opening(&m.jobs_programme)).await["id"].as_str().unwrap().to_owned();
        let accepted = app.matched(&m.admin, &m.jobs_programme, "job", &opening, &[mother.clone(), neighbour.clone()]).await;
        assert_eq!(accepted.len(), 2);
        let iin = common::api::iin(1).0;
        app.get_as(&format!("/api/v1/people?q={iin}"), &m.admin).await;
        assert_eq!(app.client.get(app.url("/api/v1/me/data-export")).send().await.unwrap().status(), 401);
        let res = app.client.get(app.url("/api/v1/me/data-export")).bearer_auth(&mother).header("Accept-Language", "kk").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let export: Value = res.json().await.unwrap();
        assert_eq!(export["lang"], "kk");
        assert_eq!(export["account"]["id"], mother_id.as_str());
        assert_eq!(export["profile"]["iin"], iin.as_str());
        assert!(export["household"]["members"].as_array().is_some_and(|m| !m.is_empty()), "{}", export["household"]);
        assert!(!export["eligibility"].as_array().unwrap().is_empty());
        // Her application, its outcome and the offer; every email written to her.
        let mine: Value = app.get_as("/api/v1/me/applications", &mother).await.json().await.unwrap();
        let ids = |v: &Value| v.as_array().unwrap().iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&export["applications"]), ids(&mine));
        assert!(!export["offers"].as_array().unwrap().is_empty());
        assert_eq!(export["placements"][0]["id"], accepted[0]["placement_id"], "{}", export["placements"]);
        let templates: Vec<&str> = export["emails"].as_array().unwrap().iter().map(|e| e["template"].as_str().unwrap()).collect();
        assert!(templates.contains(&"verify_email") && templates.contains(&"offer_update"), "{templates:?}");
        // Who looked at her: the case worker's search.
        let events = export["audit_events"].as_array().unwrap();
        assert!(events.iter().any(|e| e["action"] == "person.viewed" && e["entity_id"] == mother_id.as_str()), "{events:?}");
        // As the contract says: what changed is an object (or absent), whatever was stored.
        assert!(events.iter().all(|e| ["before", "after"].iter().all(|k| e[k].is_null() || e[k].is_object())), "{events:?}");
        // Nothing of the neighbour's.
        let text = export.to_string();
        assert!(!text.contains(&common::api::iin(2).0) && !text.contains("mother2@example.kz"));
        // Staff and employers get theirs too (their account, emails, what they did).
        let staff: Value = app.get_as("/api/v1/me/data-export", &m.admin).await.json().await.unwrap();
        assert!(staff["profile"].is_null() && staff["audit_events"].as_array().is_some_and(|e| !e.is_empty()));
    }
}

const EXPORTED: &[(&str, &str)] = &[
    ("accounts", "account"),
    ("email_preferences", "email_preferences"),
    ("seeker_profiles", "profile"),
    ("households", "household"),
    ("applications", "applications"),
    ("round_results", "applications (each outcome's explanation)"),
    ("offers", "offers"),
    ("placements", "placements"),
    ("enrollments", "enrollments"),
    ("attendance", "attendance"),
    ("payouts", "payouts"),
    ("jobs", "emails (send_email jobs to her address)"),
    ("audit_events", "audit_events"),
    ("erasure_requests", "erasure_request"),
];
const NOT_PERSONAL: &[(&str, &str)] = &[
    ("districts", "reference data"),
    ("organisations", "employers and providers, not people"),
    ("programmes", "rules"),
    ("programme_versions", "rules"),
    ("openings", "published offers of work and courses"),
    ("opening_skills", "openings' skills"),
    ("course_sessions", "course calendars"),
    ("matching_rounds", "a round's parameters and counts"),
    (
        "round_snapshot_parts",
        "a round's input (account ids, tiers, fit scores): her outcome and its reason are in applications",
    ),
    ("closed_periods", "a course's closed months"),
    ("payout_batches", "batches' states"),
    (
        "payout_batch_lines",
        "the bank's copy of her payouts (amount, IBAN as sent): in payouts",
    ),
    (
        "wage_reports",
        "an employer's payroll report (wage and days, no name)",
    ),
    (
        "attendance_corrections",
        "a provider's corrections of marks: in attendance as the corrected mark",
    ),
    (
        "iin_claims",
        "a verified IIN's holder: her IIN is in profile",
    ),
    ("refresh_tokens", "secrets (hashes), never exported"),
    ("one_time_tokens", "secrets (hashes), never exported"),
    ("rate_limit_events", "abuse counters, kept for minutes"),
    ("idempotency_keys", "replay protection, kept for hours"),
    (
        "report_counts",
        "counts per month, programme and district: no person",
    ),
];

/// Every table is either in the export (the section that shows it) or not personal (why). A new
/// table fails here until someone decides which.
#[test]
fn every_table_is_either_exported_or_holds_nothing_personal() {
    let schema =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema.rs")).unwrap();
    let tables: Vec<&str> = schema
        .lines()
        .filter_map(|l| {
            l.strip_prefix("    ")
                .and_then(|l| l.split_once(" ("))
                .map(|(name, _)| name)
        })
        .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !n.is_empty())
        .collect();
    assert!(tables.len() > 25, "{tables:?}");
    for t in &tables {
        let known = EXPORTED
            .iter()
            .chain(NOT_PERSONAL)
            .filter(|(name, _)| name == t)
            .count();
        assert_eq!(
            known, 1,
            "table {t}: say whether her export shows it (and where) or why it is not personal"
        );
    }
    let sections = [
        "account",
        "email_preferences",
        "profile",
        "household",
        "applications",
        "offers",
        "placements",
        "enrollments",
        "attendance",
        "payouts",
        "emails",
        "erasure_request",
        "audit_events",
    ];
    for (table, section) in EXPORTED {
        assert!(
            sections.iter().any(|s| section.starts_with(s)),
            "{table}: {section}"
        );
    }
}
