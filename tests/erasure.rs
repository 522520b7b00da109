//! Erasure requests (issue 16): she asks; a case worker sees what blocks the erasure now and what
//! will be kept; on approval nothing personal of hers is left in any table or email payload, she
//! cannot sign in, her payment records stay with their amounts, and she gets a last email. Both
//! backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Datelike;
use common::{
    TestApp,
    api::{PASSWORD, course_opening, household, iin, job_opening},
    smtp::SmtpSink,
    spawn_app, spawn_with, test_settings,
};
use diesel::prelude::*;
use serde_json::{Value, json};
use social_jobs::{
    config::{Settings, SmtpTls},
    db::{DbError, schema},
    jobs::{QueueConfig, Worker},
    startup::AppState,
};

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn status_and_body(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// `hour`:00 in Almaty on `day`.
fn at_almaty(day: chrono::NaiveDate, hour: u32) -> chrono::DateTime<chrono::Utc> {
    social_jobs::openings::calendar::almaty_to_utc(
        day,
        chrono::NaiveTime::from_hms_opt(hour, 0, 0).unwrap(),
    )
    .unwrap()
    .and_utc()
}

/// A valid KZ IBAN no other test person has.
fn her_iban() -> String {
    (2..99)
        .map(|cc| format!("KZ{cc:02}125KZT5004100199"))
        .find(|i| social_jobs::kz::Iban::parse(i).is_some())
        .unwrap()
}

const HER_EMAIL: &str = "mother1@example.kz";
const HER_NAME: &str = "Әсел Нұрланқызы Бекова";
const HER_PHONE_TYPED: &str = "+7 (705) 111-22-33";
const HER_PHONE: &str = "+77051112233";

/// Gives the seeker signed in as `token` her own profile (name, phone, IBAN nobody else in the
/// test has) and a verified household of four children.
async fn her_profile_and_household(app: &TestApp, admin: &str, token: &str, district: &str) {
    let (iin, birth) = iin(1);
    let profile = json!({
        "iin": iin,
        "full_name": HER_NAME,
        "phone": HER_PHONE_TYPED,
        "district": district,
        "skills": ["кондитер"],
        "languages": ["kk", "ru"],
        "availability": { "employment": "part_time", "hours_per_week": 20, "needs_childcare": true },
        "iban": her_iban(),
    });
    let res = app
        .client
        .put(app.url("/api/v1/me/profile"))
        .bearer_auth(token)
        .json(&profile)
        .send()
        .await
        .unwrap();
    let saved = ok(res).await;
    assert_eq!(saved["phone"], HER_PHONE, "the phone is stored normalised");
    let res = app
        .client
        .put(app.url("/api/v1/me/household"))
        .bearer_auth(token)
        .json(&household(&birth, 4, 15_000_000))
        .send()
        .await
        .unwrap();
    ok(res).await;
    let h = ok(app
        .post_json("/api/v1/me/household/submit", &json!({}), Some(token))
        .await)
    .await;
    ok(app
        .post_json(
            &format!("/api/v1/households/{}/verify", h["id"].as_str().unwrap()),
            &json!({ "decision": "verified" }),
            Some(admin),
        )
        .await)
    .await;
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.store
        .run(move |c| {
            let rows = social_jobs::db::all_rows_as_text(c)?;
            Ok::<_, DbError>(rows.iter().filter(|(t, _)| t == table).count() as i64)
        })
        .await
        .unwrap()
}

/// Every (table, row) whose text holds one of `values` (in any case).
async fn rows_holding(app: &TestApp, values: &[String]) -> Vec<(String, String, String)> {
    let (tables, rows) = app
        .store
        .run(|c| {
            Ok::<_, DbError>((
                social_jobs::db::table_names(c)?,
                social_jobs::db::all_rows_as_text(c)?,
            ))
        })
        .await
        .unwrap();
    // Every table the schema knows is among those searched (listed by the database itself).
    let schema =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema.rs")).unwrap();
    let known: Vec<&str> = schema
        .lines()
        .filter_map(|l| {
            l.strip_prefix("    ")
                .and_then(|l| l.split_once(" ("))
                .map(|(n, _)| n)
        })
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    assert!(known.len() > 25);
    for t in known {
        assert!(tables.iter().any(|x| x == t), "{t} is searched: {tables:?}");
    }
    let mut found = Vec::new();
    for (table, row) in &rows {
        let folded = row.to_lowercase();
        for v in values {
            if folded.contains(&v.to_lowercase()) {
                found.push((table.clone(), v.clone(), row.clone()));
            }
        }
    }
    found
}

backend_tests! {
    async fn an_approved_erasure_leaves_no_personal_value_anywhere_and_keeps_the_payment_records(backend: Backend) {
        let sink = SmtpSink::start();
        let db = common::TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.smtp_host = "127.0.0.1".into();
        settings.smtp_port = sink.port;
        settings.smtp_tls = SmtpTls::None;
        settings.smtp_timeout_secs = 3;
        let worker_settings = settings.clone();
        let app = spawn_with(db, settings).await;

        // A course that ran last month, lived through on the clock.
        let clock = common::clock();
        let started = clock.now();
        let first = clock.today().checked_sub_months(chrono::Months::new(1)).unwrap().with_day(1).unwrap();
        let last = first.checked_add_months(chrono::Months::new(1)).unwrap().pred_opt().unwrap();
        let period = format!("{:04}-{:02}", first.year(), first.month());
        clock.set(at_almaty(first - chrono::Days::new(21), 11));
        let m = app.market().await;
        let mut body = course_opening(&m.courses_programme);
        let days = [3u64, 10, 17].map(|d| first + chrono::Days::new(d));
        body["capacity"] = json!(2);
        body["application_deadline"] = json!((first - chrono::Days::new(7)).to_string());
        body["start_date"] = json!(first.to_string());
        body["end_date"] = json!(last.to_string());
        body.as_object_mut().unwrap().remove("weekly");
        body["sessions"] = json!(days.map(|d| json!({ "date": d.to_string(), "start_time": "10:00", "end_time": "13:00" })));
        let course = app.published(&m.provider, &body).await["id"].as_str().unwrap().to_owned();

        // She registers, fills in her profile and household, applies and takes the place.
        let (her_id, her, _) = app.verified_account(HER_EMAIL, "seeker").await;
        her_profile_and_household(&app, &m.admin, &her, "zhetysu").await;
        let accepted = app.matched(&m.admin, &m.courses_programme, "course", &course, std::slice::from_ref(&her)).await;
        let enrollment = accepted[0]["enrollment_id"].as_str().unwrap().to_owned();
        let sessions: Value = app.get_as(&format!("/api/v1/courses/{course}/sessions"), &m.provider).await.json().await.unwrap();
        let sessions: Vec<String> = sessions.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
        let mark = |session: String, status: &'static str, note: Option<String>| {
            let (app, provider, enrollment) = (&app, &m.provider, &enrollment);
            async move {
                let res = app.client.put(app.url(&format!("/api/v1/sessions/{session}/attendance"))).bearer_auth(provider)
                    .json(&json!({ "entries": [{ "enrollment_id": enrollment, "status": status, "note": note }] })).send().await.unwrap();
                ok(res).await;
            }
        };
        clock.set(at_almaty(days[0], 15));
        mark(sessions[0].clone(), "present", Some(format!("{HER_NAME}: ушла раньше, ребёнок болен"))).await;
        clock.set(at_almaty(days[1], 15));
        mark(sessions[1].clone(), "late", Some("опоздала, автобус".into())).await;
        mark(sessions[1].clone(), "present", Some(format!("исправлено: {HER_PHONE}"))).await;

        // Mid-course she asks: her place is still running, so the erasure waits.
        let (status, asked) = status_and_body(app.post_json("/api/v1/me/erasure-request", &json!({ "reason": format!("Переезд в Шымкент. {HER_NAME}") }), Some(&her)).await).await;
        assert_eq!(status, 201, "{asked}");
        assert_eq!(asked["status"], "requested");
        let request = asked["id"].as_str().unwrap().to_owned();
        assert_eq!(asked["blockers"][0]["code"], "enrollment_open", "{asked}");
        assert_eq!(asked["blockers"][0]["id"], enrollment.as_str());
        assert_eq!(asked["blockers"][0]["periods"], json!([period]));
        assert_eq!(app.post_json("/api/v1/me/erasure-request", &json!({}), Some(&her)).await.status(), 409, "one request at a time");
        let (status, refused) = status_and_body(app.post_json(&format!("/api/v1/erasure-requests/{request}/approve"), &json!({}), Some(&m.admin)).await).await;
        assert_eq!(status, 409, "{refused}");
        assert!(refused["detail"].as_str().unwrap().contains("enrollment_open"), "{refused}");
        clock.set(at_almaty(days[2], 15));
        mark(sessions[2].clone(), "present", None).await;
        clock.set(started);
        ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&m.provider)).await).await;

        // Her stipend is scheduled: money in flight blocks too.
        social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        let (status, refused) = status_and_body(app.post_json(&format!("/api/v1/erasure-requests/{request}/approve"), &json!({}), Some(&m.admin)).await).await;
        assert_eq!(status, 409, "{refused}");
        assert!(refused["detail"].as_str().unwrap().contains("payout_in_flight") && !refused["detail"].as_str().unwrap().contains("enrollment_open"), "{refused}");
        // Batched, exported, confirmed paid.
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&m.admin)).await).await;
        let batch_id = batch["id"].as_str().unwrap().to_owned();
        let file = app.get_as(&format!("/api/v1/payout-batches/{batch_id}/export"), &m.admin).await.text().await.unwrap();
        assert!(file.contains(&her_iban()) && file.contains(&iin(1).0), "{file}");
        let mine: Value = ok(app.get_as("/api/v1/me/payouts", &her).await).await;
        let payout_id = mine[0]["id"].as_str().unwrap().to_owned();
        let amount = mine[0]["amount_tiyn"].as_i64().unwrap();
        assert!(amount > 0);
        let tenge = social_jobs::payouts::tenge(amount);
        let confirmation = format!("payout_id,status,amount_kzt,reference,reason\n{payout_id},paid,{tenge},HB-001,\n");
        let res = app.client.post(app.url(&format!("/api/v1/payout-batches/{batch_id}/confirmation"))).bearer_auth(&m.admin).header("content-type", "text/csv").body(confirmation).send().await.unwrap();
        assert_eq!(ok(res).await["status"], "settled");

        // The case worker's queue: nothing blocks now; the paid stipend will be kept.
        let queue = ok(app.get_as("/api/v1/erasure-requests?status=requested", &m.admin).await).await;
        let item = &queue["items"][0];
        assert_eq!(item["id"], request.as_str());
        assert_eq!(item["full_name"], HER_NAME);
        assert_eq!(item["blockers"], json!([]), "{item}");
        assert_eq!(item["retained_payouts"][0]["id"], payout_id.as_str());
        assert_eq!(item["retained_payouts"][0]["amount_tiyn"], amount);
        // The search finds her everywhere she is, before.
        let (her_iin, _) = iin(1);
        let values: Vec<String> = [her_iin.as_str(), HER_NAME, "Нұрланқызы", HER_EMAIL, HER_PHONE_TYPED, HER_PHONE, &her_iban(), "Шымкент", "автобус", "ребёнок болен"].iter().map(|v| (*v).to_owned()).collect();
        let before: std::collections::BTreeSet<String> = rows_holding(&app, &values).await.into_iter().map(|f| f.0).collect();
        for t in ["accounts", "seeker_profiles", "iin_claims", "jobs", "audit_events", "attendance", "attendance_corrections", "payout_batch_lines", "erasure_requests"] {
            assert!(before.contains(t), "{t} holds her values before: {before:?}");
        }
        let applications = count(&app, "applications").await;
        let enrollments = count(&app, "enrollments").await;
        let attendance = count(&app, "attendance").await;

        // Approved: erased in one go.
        let erased = ok(app.post_json(&format!("/api/v1/erasure-requests/{request}/approve"), &json!({}), Some(&m.admin)).await).await;
        assert_eq!(erased["status"], "erased");
        assert_eq!(erased["iin_kept_as_hash"], true, "payment records stay: her IIN only as a salted hash");
        assert!(erased["reason"].is_null() && erased["full_name"].is_null(), "{erased}");
        assert_eq!(app.post_json(&format!("/api/v1/erasure-requests/{request}/approve"), &json!({}), Some(&m.admin)).await.status(), 409);

        // The last email goes out through the worker, and its job then forgets her address.
        let (state, _) = AppState::build(worker_settings, clock.clone()).await.unwrap();
        let worker = Worker::new(state.job_context(), state.jobs.clone(), QueueConfig::from_settings(&state.settings));
        while worker.run_once().await.unwrap().is_some() {}
        let last: Vec<_> = sink.received().into_iter().filter(|m| m.to.iter().any(|t| t.contains(HER_EMAIL))).collect();
        assert_eq!(last.len(), 1, "only the last email reaches her: the ones queued before were dropped");
        assert_eq!(last[0].parsed().subject(), Some("Ваши персональные данные удалены"));
        let payloads: Vec<(String, String)> = app.store.run(|c| schema::jobs::table.filter(schema::jobs::kind.eq("send_email")).select((schema::jobs::payload, schema::jobs::state)).load(c).map_err(DbError::from)).await.unwrap();
        let last_job = payloads.iter().find(|(p, _)| p.contains("erasure_done")).expect("the last email's job");
        assert_eq!(last_job.1, "done");
        assert!(last_job.0.contains("erased.invalid"), "{}", last_job.0);

        // Nothing of hers anywhere: every table, every column, every job payload.
        let found = rows_holding(&app, &values).await;
        assert!(found.is_empty(), "personal values survive:\n{}", found.iter().map(|(t, v, r)| format!("{t}: {v} in {r}")).collect::<Vec<_>>().join("\n"));
        for (payload, _) in &payloads {
            assert!(values.iter().all(|v| !payload.to_lowercase().contains(&v.to_lowercase())), "{payload}");
        }

        // She can no longer sign in, and her session has ended.
        assert_eq!(app.login(HER_EMAIL, PASSWORD).await.status(), 401);
        assert_eq!(app.get_as("/api/v1/me", &her).await.status(), 401);
        // Her payment record stays, with its amount, under an opaque id; the bank line keeps
        // four characters of the IBAN; counts are unchanged.
        let id = her_id.clone();
        let kept: Vec<(i64, String)> = app.store.run(move |c| schema::payouts::table.filter(schema::payouts::seeker_id.eq(id)).select((schema::payouts::amount_tiyn, schema::payouts::status)).load(c).map_err(DbError::from)).await.unwrap();
        assert_eq!(kept, vec![(amount, "paid".to_owned())]);
        let line: String = app.store.run(|c| schema::payout_batch_lines::table.select(schema::payout_batch_lines::iban).first(c).map_err(DbError::from)).await.unwrap();
        assert!(line.ends_with(&her_iban()[16..]) && line.starts_with('*'), "{line}");
        assert_eq!(count(&app, "applications").await, applications);
        assert_eq!(count(&app, "enrollments").await, enrollments);
        assert_eq!(count(&app, "attendance").await, attendance);
        let hash: Option<String> = app.store.run(|c| schema::erasure_requests::table.select(schema::erasure_requests::iin_hash).first(c).map_err(DbError::from)).await.unwrap();
        assert_eq!(hash.map(|h| h.len()), Some(64));
        // The batch's bank file can still be given again, without her.
        let again = app.get_as(&format!("/api/v1/payout-batches/{batch_id}/export"), &m.admin).await;
        assert_eq!(again.status(), 200);
        let again = again.text().await.unwrap();
        assert!(again.contains(&payout_id) && !again.contains(&her_iin) && !again.contains(HER_NAME), "{again}");
        // The erasure is an audit event that names no one.
        let id = her_id.clone();
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "account", &id).map_err(DbError::from)).await.unwrap();
        let erased_event = events.iter().find(|e| e.action == "person.erased").expect("person.erased");
        assert!(erased_event.after_json.as_deref().unwrap().contains("payouts_kept"));
        let listed = ok(app.get_as("/api/v1/erasure-requests?status=erased", &m.admin).await).await;
        assert_eq!(listed["items"][0]["id"], request.as_str());
        // Her old address is free: she may register again as a new person.
        assert_eq!(app.register(HER_EMAIL, "seeker", "kk").await.status(), 202);
    }

    async fn a_request_shows_its_blockers_a_case_worker_may_reject_it_and_only_staff_decide(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (mother_id, mother) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, placed) = app.eligible_seeker(&m.admin, 2, 4, "auezov").await;
        let opening = app.published(&m.employer, &job_opening(&m.jobs_programme)).await["id"].as_str().unwrap().to_owned();
        let accepted = app.matched(&m.admin, &m.jobs_programme, "job", &opening, std::slice::from_ref(&placed)).await;
        let placement = accepted[0]["placement_id"].as_str().unwrap().to_owned();

        // Nothing asked yet.
        assert_eq!(app.get_as("/api/v1/me/erasure-request", &mother).await.status(), 404);
        // Bad input is a clear 422.
        for bad in [json!({ "reason": "x".repeat(1001) }), json!({ "reason": "a\u{7}b" }), json!({ "reason": 5 }), json!({ "why": "x" })] {
            let (status, body) = status_and_body(app.post_json("/api/v1/me/erasure-request", &bad, Some(&mother)).await).await;
            assert_eq!(status, 422, "{bad}: {body}");
        }
        let asked = ok(app.post_json("/api/v1/me/erasure-request", &json!({ "reason": "Больше не нужно" }), Some(&mother)).await).await;
        let request = asked["id"].as_str().unwrap().to_owned();
        assert_eq!(asked["blockers"], json!([]));
        assert_eq!(asked["account_id"], mother_id.as_str());
        assert_eq!(app.post_json("/api/v1/me/erasure-request", &json!({}), Some(&mother)).await.status(), 409);
        assert_eq!(ok(app.get_as("/api/v1/me/erasure-request", &mother).await).await["id"], request.as_str());

        // A running placement blocks, and says which.
        let other = ok(app.post_json("/api/v1/me/erasure-request", &json!({}), Some(&placed)).await).await;
        assert_eq!(other["blockers"][0]["code"], "placement_open", "{other}");
        assert_eq!(other["blockers"][0]["id"], placement.as_str());
        let (status, body) = status_and_body(app.post_json(&format!("/api/v1/erasure-requests/{}/approve", other["id"].as_str().unwrap()), &json!({}), Some(&m.admin)).await).await;
        assert_eq!(status, 409);
        assert!(body["detail"].as_str().unwrap().contains("placement_open"), "{body}");

        // Only case workers and admins see and decide; nobody decides her own.
        for token in [&mother, &m.employer, &m.provider] {
            assert_eq!(app.get_as("/api/v1/erasure-requests", token).await.status(), 403);
            assert_eq!(app.post_json(&format!("/api/v1/erasure-requests/{request}/approve"), &json!({}), Some(token)).await.status(), 403);
            assert_eq!(app.post_json(&format!("/api/v1/erasure-requests/{request}/reject"), &json!({ "note": "no" }), Some(token)).await.status(), 403);
        }
        let own = ok(app.post_json("/api/v1/me/erasure-request", &json!({}), Some(&m.admin)).await).await;
        assert_eq!(app.post_json(&format!("/api/v1/erasure-requests/{}/approve", own["id"].as_str().unwrap()), &json!({}), Some(&m.admin)).await.status(), 403);
        let queue = ok(app.get_as("/api/v1/erasure-requests", &m.admin).await).await;
        assert_eq!(queue["items"].as_array().unwrap().len(), 3, "{queue}");
        assert_eq!(queue["items"][0]["id"], request.as_str(), "oldest first");
        assert_eq!(app.get_as("/api/v1/erasure-requests?status=maybe", &m.admin).await.status(), 422);
        assert_eq!(app.get_as("/api/v1/erasure-requests?cursor=bm9wZQ", &m.admin).await.status(), 422);
        assert_eq!(app.post_json("/api/v1/erasure-requests/nope/approve", &json!({}), Some(&m.admin)).await.status(), 404);

        // A rejection needs a note she is shown; it erases nothing.
        for bad in [json!({}), json!({ "note": "  " }), json!({ "note": "y".repeat(1001) }), json!({ "note": "a\u{0}b" })] {
            let (status, body) = status_and_body(app.post_json(&format!("/api/v1/erasure-requests/{request}/reject"), &bad, Some(&m.admin)).await).await;
            assert!(status == 422 || status == 400, "{bad}: {status} {body}");
        }
        let rejected = ok(app.post_json(&format!("/api/v1/erasure-requests/{request}/reject"), &json!({ "note": "Сначала закройте заявку на пособие" }), Some(&m.admin)).await).await;
        assert_eq!(rejected["status"], "rejected");
        let seen = ok(app.get_as("/api/v1/me/erasure-request", &mother).await).await;
        assert_eq!((seen["status"].as_str(), seen["decision_note"].as_str()), (Some("rejected"), Some("Сначала закройте заявку на пособие")));
        assert_eq!(app.post_json(&format!("/api/v1/erasure-requests/{request}/approve"), &json!({}), Some(&m.admin)).await.status(), 409);
        assert_eq!(app.get_as("/api/v1/me/profile", &mother).await.status(), 200, "nothing erased");
        let id = request.clone();
        let actions: Vec<String> = app.store.run(move |c| social_jobs::audit::for_entity(c, "erasure_request", &id).map_err(DbError::from)).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["erasure.requested", "erasure.rejected"]);

        // She asks again; with nothing to keep, nothing stays, not even a hash of her IIN.
        let again = ok(app.post_json("/api/v1/me/erasure-request", &json!({}), Some(&mother)).await).await;
        let erased = ok(app.post_json(&format!("/api/v1/erasure-requests/{}/approve", again["id"].as_str().unwrap()), &json!({}), Some(&m.admin)).await).await;
        assert_eq!((erased["status"].as_str(), erased["iin_kept_as_hash"].as_bool()), (Some("erased"), Some(false)));
        assert_eq!(app.get_as("/api/v1/me/erasure-request", &mother).await.status(), 401, "her session ended");
        assert_eq!(app.login("mother1@example.kz", PASSWORD).await.status(), 401);
        // Until it is sent, only her last email, queued, still knows where to go.
        let found = rows_holding(&app, &[iin(1).0, "mother1@example.kz".to_owned(), "Сначала закройте".to_owned()]).await;
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0 == "jobs" && found[0].2.contains("erasure_done"), "{found:?}");
        // The other mother is untouched.
        assert_eq!(app.get_as("/api/v1/me/profile", &placed).await.status(), 200);
        assert!(!app.emails_to("mother2@example.kz").await.is_empty());
    }
}
