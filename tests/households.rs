//! Households on both backends: declaring, submitting, case-worker verification with an email to the
//! seeker, bad input, and paging of the case worker's queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{
    TestApp, TestDatabase,
    api::{PASSWORD, household, profile},
    smtp::SmtpSink,
    spawn_app, spawn_with, test_settings,
};
use serde_json::{Value, json};
use social_jobs::config::SmtpTls;

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    res.json().await.unwrap()
}

/// A seeker with a profile (IIN born 1979-10-28); returns her token.
async fn seeker(app: &TestApp, email: &str, iin: &str) -> String {
    let (_, token, _) = app.verified_account(email, "seeker").await;
    assert_eq!(
        put(app, &token, "/api/v1/me/profile", &profile(iin))
            .await
            .status(),
        200
    );
    token
}

async fn caseworker(app: &TestApp) -> String {
    let (_, admin) = app.admin().await;
    app.post_json(
        "/api/v1/admin/staff",
        &json!({ "email": "cw@almaty.kz", "password": PASSWORD, "role": "caseworker" }),
        Some(&admin),
    )
    .await;
    app.sign_in("cw@almaty.kz", PASSWORD).await.0
}

backend_tests! {
    async fn an_iin_is_held_only_by_a_verified_household_and_conflicts_go_to_the_case_worker(backend: Backend) {
        let app = spawn_app(backend).await;
        let cw = caseworker(&app).await;
        // A new, unverified account declares her IIN first (a squatter, or a typing error).
        let squatter = seeker(&app, "squatter@example.kz", "791028302728").await;
        // She still declares it: the answer is the same as anyone's and tells nothing.
        let mother = seeker(&app, "mother@example.kz", "791028302728").await;
        let mine: Value = app.get_as("/api/v1/me/profile", &mother).await.json().await.unwrap();
        assert_eq!(mine["iin"], "791028302728");
        let mut ids = Vec::new();
        for token in [&squatter, &mother] {
            let h: Value = put(&app, token, "/api/v1/me/household", &household("1979-10-28", 4, 15_000_000)).await.json().await.unwrap();
            ids.push(h["id"].as_str().unwrap().to_owned());
            assert_eq!(app.post_json("/api/v1/me/household/submit", &json!({}), Some(token)).await.status(), 200);
        }
        let (squatters, mothers) = (ids[0].clone(), ids[1].clone());
        // The case worker sees the shared IIN on both.
        let queue: Value = app.get_as("/api/v1/households?status=pending", &cw).await.json().await.unwrap();
        for item in queue["items"].as_array().unwrap() {
            assert_eq!(item["iin_declared_by_others"], 1, "{item}");
            assert_eq!(item["iin_held_by_other"], false, "{item}");
        }
        // Her documents match: verified, and she now holds the IIN.
        let verify = |id: &str, decision: &str| {
            let (url, body) = (format!("/api/v1/households/{id}/verify"), json!({ "decision": decision, "note": "Документы сверены" }));
            let (app, cw) = (&app, cw.clone());
            async move { app.post_json(&url, &body, Some(&cw)).await }
        };
        assert_eq!(verify(&mothers, "verified").await.status(), 200);
        let queue: Value = app.get_as("/api/v1/households?status=pending", &cw).await.json().await.unwrap();
        assert_eq!(queue["items"][0]["id"], squatters.as_str());
        assert_eq!(queue["items"][0]["iin_held_by_other"], true);
        // The other account cannot be verified with the same IIN...
        let body = problem(verify(&squatters, "verified").await, 409).await;
        assert!(body["detail"].as_str().unwrap().contains("IIN"), "{body}");
        // ...and is rejected instead.
        assert_eq!(verify(&squatters, "rejected").await.status(), 200);
        // Her eligibility counts: the squatter got nothing of hers.
        let theirs: Value = app.get_as("/api/v1/me/household", &squatter).await.json().await.unwrap();
        assert_eq!(theirs["status"], "rejected");

        // Had the first verification been the mistake, revoking it frees the IIN.
        assert_eq!(verify(&mothers, "rejected").await.status(), 200);
        assert_eq!(app.post_json("/api/v1/me/household/submit", &json!({}), Some(&squatter)).await.status(), 200);
        assert_eq!(verify(&squatters, "verified").await.status(), 200);
    }

    async fn a_verified_seeker_who_changes_her_iin_is_checked_again(backend: Backend) {
        let app = spawn_app(backend).await;
        let cw = caseworker(&app).await;
        let mother = seeker(&app, "mother@example.kz", "791028302728").await;
        let h: Value = put(&app, &mother, "/api/v1/me/household", &household("1979-10-28", 4, 15_000_000)).await.json().await.unwrap();
        let id = h["id"].as_str().unwrap().to_owned();
        app.post_json("/api/v1/me/household/submit", &json!({}), Some(&mother)).await;
        let verify = json!({ "decision": "verified" });
        assert_eq!(app.post_json(&format!("/api/v1/households/{id}/verify"), &verify, Some(&cw)).await.status(), 200);
        // The same IIN saved again changes nothing.
        assert_eq!(put(&app, &mother, "/api/v1/me/profile", &profile("791028302728")).await.status(), 200);
        let h: Value = app.get_as("/api/v1/me/household", &mother).await.json().await.unwrap();
        assert_eq!(h["status"], "verified");
        // Another IIN is another identity: back to the case worker, and the old one is free.
        let other = common::api::iin_born_on(chrono::NaiveDate::from_ymd_opt(1979, 10, 28).unwrap());
        assert_eq!(put(&app, &mother, "/api/v1/me/profile", &profile(&other)).await.status(), 200);
        let h: Value = app.get_as("/api/v1/me/household", &mother).await.json().await.unwrap();
        assert_eq!(h["status"], "pending");
        let newcomer = seeker(&app, "newcomer@example.kz", "791028302728").await;
        let h: Value = put(&app, &newcomer, "/api/v1/me/household", &household("1979-10-28", 4, 15_000_000)).await.json().await.unwrap();
        let newcomers = h["id"].as_str().unwrap().to_owned();
        app.post_json("/api/v1/me/household/submit", &json!({}), Some(&newcomer)).await;
        assert_eq!(app.post_json(&format!("/api/v1/households/{newcomers}/verify"), &verify, Some(&cw)).await.status(), 200);
    }

    async fn a_household_is_declared_submitted_and_verified_by_a_case_worker(backend: Backend) {
        let app = spawn_app(backend).await;
        let token = seeker(&app, "mother@example.kz", "791028302728").await;
        let cw = caseworker(&app).await;
        let res = put(&app, &token, "/api/v1/me/household", &household("1979-10-28", 4, 15_000_000)).await;
        assert_eq!(res.status(), 200);
        let h: Value = res.json().await.unwrap();
        assert_eq!(h["status"], "unverified");
        assert_eq!(h["derived"]["minors"], 4);
        assert_eq!(h["derived"]["members"], 5);
        assert_eq!(h["derived"]["per_capita_income_tiyn"], 3_000_000);
        assert_eq!(h["derived"]["has_disability"], true);
        let id = h["id"].as_str().unwrap().to_owned();
        // Not submitted yet: the case worker cannot decide it.
        problem(app.post_json(&format!("/api/v1/households/{id}/verify"), &json!({ "decision": "verified" }), Some(&cw)).await, 409).await;
        let h: Value = app.post_json("/api/v1/me/household/submit", &json!({}), Some(&token)).await.json().await.unwrap();
        assert_eq!(h["status"], "pending");
        problem(app.post_json("/api/v1/me/household/submit", &json!({}), Some(&token)).await, 409).await;
        let queue: Value = app.get_as("/api/v1/households?status=pending", &cw).await.json().await.unwrap();
        assert_eq!(queue["items"][0]["id"], id);
        assert_eq!(queue["items"][0]["seeker_iin"], "791028302728");
        assert_eq!(queue["items"][0]["seeker_name"], "Айгүл Сейітқызы");
        let res = app.post_json(&format!("/api/v1/households/{id}/verify"), &json!({ "decision": "verified", "note": "Документы в порядке" }), Some(&cw)).await;
        assert_eq!(res.status(), 200);
        let mine: Value = app.get_as("/api/v1/me/household", &token).await.json().await.unwrap();
        assert_eq!((mine["status"].as_str(), mine["decision_note"].as_str()), (Some("verified"), Some("Документы в порядке")));
        let (template, locale, data) = app.emails_to("mother@example.kz").await.pop().unwrap();
        assert_eq!((template.as_str(), locale.as_str(), data["decision"].as_str()), ("household_decision", "ru", Some("verified")));
        // A change to a verified household sends it back for checking.
        let h: Value = put(&app, &token, "/api/v1/me/household", &household("1979-10-28", 5, 15_000_000)).await.json().await.unwrap();
        assert_eq!(h["status"], "pending");
        // Rejection needs a note for her; after it she edits and submits again.
        problem(app.post_json(&format!("/api/v1/households/{id}/verify"), &json!({ "decision": "rejected" }), Some(&cw)).await, 422).await;
        let h: Value = app.post_json(&format!("/api/v1/households/{id}/verify"), &json!({ "decision": "rejected", "note": "Нет справки о доходах" }), Some(&cw)).await.json().await.unwrap();
        assert_eq!(h["status"], "rejected");
        let h: Value = put(&app, &token, "/api/v1/me/household", &household("1979-10-28", 5, 14_000_000)).await.json().await.unwrap();
        assert_eq!(h["status"], "unverified");
        let h: Value = app.post_json("/api/v1/me/household/submit", &json!({}), Some(&token)).await.json().await.unwrap();
        assert_eq!(h["status"], "pending");
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "household", &id).map_err(social_jobs::db::DbError::from)).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["household.created", "household.submitted", "household.decided", "household.updated", "household.decided", "household.updated", "household.submitted"]);
        assert!(events.iter().all(|e| e.before_json.is_some() || e.action == "household.created"));
    }

    async fn bad_households_get_field_problems_and_nothing_is_saved(backend: Backend) {
        let app = spawn_app(backend).await;
        let token = seeker(&app, "bad@example.kz", "791028302728").await;
        let mut negative = household("1979-10-28", 1, 100);
        negative["members"][0]["incomes"][0]["monthly_tiyn"] = json!(-5);
        let mut future = household("1979-10-28", 1, 100);
        future["members"][1]["birth_date"] = json!("2031-01-01");
        let mut two_selves = household("1979-10-28", 1, 100);
        two_selves["members"][1]["relation"] = json!("self");
        let cases = [
            (negative, "members[0].incomes[0].monthly_tiyn"),
            (future, "members[1].birth_date"),
            (household("1980-01-01", 1, 100), "members[0].birth_date"),
            (two_selves, "members"),
            (json!({ "members": [] }), "members"),
        ];
        for (body, field) in cases {
            let p = problem(put(&app, &token, "/api/v1/me/household", &body).await, 422).await;
            assert!(p["errors"][field].is_string(), "{field}: {p}");
        }
        let mut bad_date = household("1979-10-28", 1, 100);
        bad_date["members"][1]["birth_date"] = json!("2020-02-30");
        problem(put(&app, &token, "/api/v1/me/household", &bad_date).await, 422).await;
        problem(app.get_as("/api/v1/me/household", &token).await, 404).await;
        problem(app.post_json("/api/v1/me/household/submit", &json!({}), Some(&token)).await, 404).await;
    }

    async fn the_case_workers_queue_pages_oldest_first_without_repeats(backend: Backend) {
        let app = spawn_app(backend).await;
        let cw = caseworker(&app).await;
        let iins = ["791028302728", "061211600012", "790101300011"];
        let mut submitted = Vec::new();
        for (i, iin) in iins.iter().enumerate() {
            let token = seeker(&app, &format!("m{i}@example.kz"), iin).await;
            let profile_birth: Value = app.get_as("/api/v1/me/profile", &token).await.json().await.unwrap();
            put(&app, &token, "/api/v1/me/household", &household(profile_birth["birth_date"].as_str().unwrap(), 2, 100)).await;
            let h: Value = app.post_json("/api/v1/me/household/submit", &json!({}), Some(&token)).await.json().await.unwrap();
            submitted.push(h["id"].as_str().unwrap().to_owned());
        }
        let first: Value = app.get_as("/api/v1/households?limit=2", &cw).await.json().await.unwrap();
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = app.get_as(&format!("/api/v1/households?limit=2&cursor={cursor}"), &cw).await.json().await.unwrap();
        let ids: Vec<String> = first["items"].as_array().unwrap().iter().chain(second["items"].as_array().unwrap()).map(|h| h["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids, submitted);
        assert!(second["next_cursor"].is_null());
        problem(app.get_as("/api/v1/households?cursor=not-a-cursor", &cw).await, 422).await;
        problem(app.get_as("/api/v1/households?status=lost", &cw).await, 422).await;
    }

    async fn the_decision_email_reaches_the_smtp_server(backend: Backend) {
        let sink = SmtpSink::start();
        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.smtp_host = "127.0.0.1".into();
        settings.smtp_port = sink.port;
        settings.smtp_tls = SmtpTls::None;
        settings.workers = 1;
        settings.job_poll_interval_ms = 50;
        let app = spawn_with(db, settings).await;
        // Her account's language is Russian (registered with `ru`). The worker sends the
        // verification email at once, so its token is read from the SMTP server, not the queue.
        assert_eq!(app.register("kk.mother@example.kz", "seeker", "ru").await.status(), 202);
        let verify = sink.token_for("kk.mother@example.kz").await;
        assert_eq!(app.post_json("/api/v1/auth/verify-email", &json!({ "token": verify }), None).await.status(), 200);
        let (token, _) = app.sign_in("kk.mother@example.kz", PASSWORD).await;
        put(&app, &token, "/api/v1/me/profile", &profile("791028302728")).await;
        put(&app, &token, "/api/v1/me/household", &household("1979-10-28", 4, 100)).await;
        let h: Value = app.post_json("/api/v1/me/household/submit", &json!({}), Some(&token)).await.json().await.unwrap();
        let cw = caseworker(&app).await;
        app.post_json(&format!("/api/v1/households/{}/verify", h["id"].as_str().unwrap()), &json!({ "decision": "rejected", "note": "Справка <о доходах>" }), Some(&cw)).await;
        let deadline = Instant::now() + Duration::from_secs(15);
        let mail = loop {
            let found = sink.received().into_iter().find(|m| m.parsed().subject().is_some_and(|s| s.contains("не подтверждены")));
            if let Some(m) = found {
                break m;
            }
            assert!(Instant::now() < deadline, "the decision email did not arrive");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(mail.to, vec!["kk.mother@example.kz".to_owned()]);
        let parsed = mail.parsed();
        assert!(parsed.body_text(0).unwrap().contains("Справка <о доходах>"));
        assert!(parsed.body_html(0).unwrap().contains("Справка &lt;о доходах&gt;"));
    }
}
