//! The payout cycle creates each stipend once: run twice, by two workers at once, and resumed after
//! a worker stopped halfway. Amounts follow the stipend rule from recorded attendance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Datelike;
use common::{
    TestApp,
    api::{course_opening, today},
    spawn_app,
};
use serde_json::{Value, json};
use social_jobs::config::Settings;

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// A course with `n` mothers enrolled, three sessions in the previous month with attendance, and
/// that month closed. Returns (admin, provider, seekers' tokens, the month).
async fn a_month_of_attendance(app: &TestApp, n: u32) -> (String, String, Vec<String>, String) {
    attendance_month(app, n, false).await
}

async fn attendance_month(
    app: &TestApp,
    n: u32,
    all_present: bool,
) -> (String, String, Vec<String>, String) {
    let m = app.market().await;
    let mut body = course_opening(&m.courses_programme);
    body["capacity"] = json!(n);
    let course = app.published(&m.provider, &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut mothers = Vec::new();
    for i in 0..n {
        let (_, t) = app.eligible_seeker(&m.admin, i + 1, 4, "zhetysu").await;
        ok(app
            .post_json(
                "/api/v1/me/applications",
                &json!({ "opening_id": course }),
                Some(&t),
            )
            .await)
        .await;
        mothers.push(t);
    }
    let round = ok(app
        .post_json(
            "/api/v1/matching-rounds",
            &json!({ "programme_id": m.courses_programme, "kind": "course" }),
            Some(&m.admin),
        )
        .await)
    .await;
    social_jobs::matching::rounds::run(
        &app.store,
        &Settings::default(),
        round["id"].as_str().unwrap(),
    )
    .await
    .unwrap();
    let mut enrollments = Vec::new();
    for t in &mothers {
        let offers: Value = app
            .get_as("/api/v1/me/offers", t)
            .await
            .json()
            .await
            .unwrap();
        let a = ok(app
            .post_json(
                &format!(
                    "/api/v1/offers/{}/accept",
                    offers[0]["id"].as_str().unwrap()
                ),
                &json!({}),
                Some(t),
            )
            .await)
        .await;
        enrollments.push(a["enrollment_id"].as_str().unwrap().to_owned());
    }
    let first = today()
        .checked_sub_months(chrono::Months::new(1))
        .unwrap()
        .with_day(1)
        .unwrap();
    let period = format!("{:04}-{:02}", first.year(), first.month());
    for (k, day) in [3u64, 10, 17].into_iter().enumerate() {
        let s = ok(app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "add", "date": (first + chrono::Days::new(day)).to_string(), "start_time": "10:00", "end_time": "13:00" }), Some(&m.provider)).await).await;
        // The first mother comes every time; the others miss the last session.
        let entries: Vec<Value> = enrollments.iter().enumerate().map(|(i, e)| json!({ "enrollment_id": e, "status": if !all_present && i > 0 && k == 2 { "absent" } else { "present" } })).collect();
        let res = app
            .client
            .put(app.url(&format!(
                "/api/v1/sessions/{}/attendance",
                s["id"].as_str().unwrap()
            )))
            .bearer_auth(&m.provider)
            .json(&json!({ "entries": entries }))
            .send()
            .await
            .unwrap();
        ok(res).await;
    }
    ok(app
        .post_json(
            &format!("/api/v1/courses/{course}/periods/{period}/close"),
            &json!({}),
            Some(&m.provider),
        )
        .await)
    .await;
    (m.admin, m.provider, mothers, period)
}

async fn payouts_in_db(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use social_jobs::db::{DbError, schema::payouts};
    app.store
        .run(|c| payouts::table.count().get_result(c).map_err(DbError::from))
        .await
        .unwrap()
}

async fn csv(app: &TestApp, admin: &str, batch: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/payout-batches/{batch}/confirmation")))
        .bearer_auth(admin)
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

backend_tests! {
    async fn a_batch_goes_to_the_bank_and_its_confirmation_settles_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin, provider, mothers, period) = attendance_month(&app, 3, true).await;
        // The third mother has no IBAN: her payout is held, not lost.
        let mut p = common::api::profile(&common::api::iin(3).0);
        p["district"] = json!("zhetysu");
        p["iban"] = Value::Null;
        ok(app.client.put(app.url("/api/v1/me/profile")).bearer_auth(&mothers[2]).json(&p).send().await.unwrap()).await;
        social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        let scheduled: Value = app.get_as(&format!("/api/v1/payouts?period={period}"), &admin).await.json().await.unwrap();
        let amount = scheduled["items"][0]["amount_tiyn"].as_i64().unwrap();
        assert!(amount > 0);
        assert_eq!(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&provider)).await.status(), 403);
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        let id = batch["id"].as_str().unwrap().to_owned();
        let r = &batch["reconciliation"];
        assert_eq!((r["in_batch"]["count"].as_i64(), r["held"]["count"].as_i64()), (Some(2), Some(1)));
        assert_eq!(r["in_batch"]["amount_tiyn"].as_i64().unwrap() + r["held"]["amount_tiyn"].as_i64().unwrap(), 3 * amount, "scheduled = approved + held");
        assert_eq!(batch["held"].as_array().unwrap().len(), 1);
        // Confirmation before export: refused.
        assert_eq!(csv(&app, &admin, &id, "payout_id,status,amount_kzt,reference,reason\n").await.status(), 409);
        // The bank file.
        let res = app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &admin).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let file = res.text().await.unwrap();
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines[0], "batch_id,payout_id,iin,full_name,iban,amount_kzt,purpose");
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains(&common::api::iin(1).0) || lines[2].contains(&common::api::iin(1).0));
        assert!(lines[1].contains("KZ86125KZT5004100100") && lines[1].contains(&social_jobs::payouts::tenge(amount)));
        assert_eq!(app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &admin).await.text().await.unwrap(), file, "the same file again");
        let ids: Vec<String> = lines[1..].iter().map(|l| l.split(',').nth(1).unwrap().to_owned()).collect();
        let tenge = social_jobs::payouts::tenge(amount);
        // Bad files change nothing: a payout of no batch of ours, another amount, an unknown status.
        for bad in [
            format!("{},paid,{tenge},REF1,\nnot-a-payout,paid,{tenge},REF2,\n", ids[0]),
            format!("{},paid,1.00,REF1,\n", ids[0]),
            format!("{},maybe,{tenge},REF1,\n", ids[0]),
        ] {
            let res = csv(&app, &admin, &id, &bad).await;
            assert_eq!(res.status(), 422, "{bad}");
        }
        let unchanged = ok(app.get_as(&format!("/api/v1/payout-batches/{id}"), &admin).await).await;
        assert_eq!(unchanged["by_status"]["sent"]["count"], 2);
        assert_eq!(app.client.post(app.url(&format!("/api/v1/payout-batches/{id}/confirmation"))).bearer_auth(&admin).json(&json!({})).send().await.unwrap().status(), 415);
        // The real confirmation: one paid, one failed.
        let good = format!("payout_id,status,amount_kzt,reference,reason\n{},paid,{tenge},HB-001,\n{},failed,{tenge},,account closed\n", ids[0], ids[1]);
        let settled = ok(csv(&app, &admin, &id, &good).await).await;
        assert_eq!(settled["status"], "settled");
        let r = &settled["reconciliation"];
        assert_eq!((r["exported"]["count"].as_i64(), r["paid"]["count"].as_i64(), r["failed"]["count"].as_i64(), r["pending"]["count"].as_i64()), (Some(2), Some(1), Some(1), Some(0)));
        assert_eq!(r["balanced"], true);
        // Importing it again changes nothing; contradicting it is refused.
        assert_eq!(ok(csv(&app, &admin, &id, &good).await).await["by_status"], settled["by_status"]);
        assert_eq!(csv(&app, &admin, &id, &format!("{},failed,{tenge},,x\n", ids[0])).await.status(), 422);
        // Mothers are told.
        let mut steps = Vec::new();
        for who in ["mother1@example.kz", "mother2@example.kz", "mother3@example.kz"] {
            steps.extend(app.emails_to(who).await.into_iter().filter(|e| e.0 == "payout_update").map(|e| e.2["step"].as_str().unwrap().to_owned()));
        }
        steps.sort();
        assert_eq!(steps, ["failed", "paid"]);
        // The failed payout goes again in a later batch; the held one stays held.
        let again = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        assert_eq!((again["reconciliation"]["in_batch"]["count"].as_i64(), again["reconciliation"]["held"]["count"].as_i64()), (Some(1), Some(1)));
        // Every payout change is audited.
        let p0 = ids[0].clone();
        let actions: Vec<String> = app.store.run(move |c| social_jobs::audit::for_entity(c, "payout", &p0).map_err(social_jobs::db::DbError::from)).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["payout.scheduled", "payout.status_changed", "payout.status_changed", "payout.status_changed"]);
    }

    async fn the_cycle_creates_each_payout_once_however_it_is_run(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin, provider, mothers, period) = a_month_of_attendance(&app, 3).await;
        let settings = Settings::default();
        // Two workers at once from nothing: each payout is made by exactly one of them.
        let (a, b) = tokio::join!(
            social_jobs::payouts::cycle::run(&app.store, &settings, None),
            social_jobs::payouts::cycle::run(&app.store, &settings, None),
        );
        assert_eq!(a.unwrap().created + b.unwrap().created, 3);
        assert_eq!(payouts_in_db(&app).await, 3);
        // Start again from nothing (the emails' dedup keys are kept, so none is sent twice).
        app.store.run(|c| { use diesel::RunQueryDsl; diesel::delete(social_jobs::db::schema::payouts::table).execute(c).map_err(social_jobs::db::DbError::from) }).await.unwrap();
        assert_eq!(payouts_in_db(&app).await, 0);
        // A worker stops after one enrollment; the next run completes the rest.
        let first = social_jobs::payouts::cycle::run(&app.store, &settings, Some(1)).await.unwrap();
        assert_eq!(first.created, 1);
        let rest = social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap();
        assert_eq!(rest.created, 2);
        // Again, and by two workers at once: nothing new.
        let again = social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap();
        assert_eq!(again.created, 0);
        let (a, b) = tokio::join!(
            social_jobs::payouts::cycle::run(&app.store, &settings, None),
            social_jobs::payouts::cycle::run(&app.store, &settings, None),
        );
        assert_eq!(a.unwrap().created + b.unwrap().created, 0);
        assert_eq!(payouts_in_db(&app).await, 3);
        // 30,000 ₸ a month, linear, 80 % minimum. The month had three sessions, fewer than the
        // course's busiest month (its weekly timetable later on), so it is pro-rated: three of
        // three pays 30,000 ₸ × 3 ÷ busiest, rounded down; two of three (67 %) pays nothing.
        let hers: Value = app.get_as("/api/v1/me/payouts", &mothers[0]).await.json().await.unwrap();
        assert_eq!(hers.as_array().unwrap().len(), 1);
        let full = hers[0]["inputs"]["full_month_sessions"].as_i64().unwrap();
        assert!(full >= 3);
        assert_eq!((hers[0]["period"].as_str(), hers[0]["amount_tiyn"].as_i64(), hers[0]["status"].as_str()), (Some(period.as_str()), Some(3_000_000 * 3 / full), Some("scheduled")));
        assert_eq!((hers[0]["inputs"]["sessions_scheduled"].as_i64(), hers[0]["inputs"]["sessions_attended"].as_i64()), (Some(3), Some(3)));
        let second: Value = app.get_as("/api/v1/me/payouts", &mothers[1]).await.json().await.unwrap();
        assert_eq!(second[0]["amount_tiyn"], 0);
        // She is emailed once.
        let mails: Vec<Value> = app.emails_to("mother1@example.kz").await.into_iter().filter(|e| e.0 == "payout_scheduled").map(|e| e.2).collect();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0]["amount"], social_jobs::payouts::tenge(3_000_000 * 3 / full));
        // Case workers list by month and status; a provider never sees payouts; a seeker only hers.
        let all: Value = app.get_as(&format!("/api/v1/payouts?period={period}&status=scheduled"), &admin).await.json().await.unwrap();
        assert_eq!((all["items"].as_array().unwrap().len(), &all["next_cursor"]), (3, &Value::Null));
        // A page at a time: two, then the last one, each payout once.
        let first: Value = app.get_as(&format!("/api/v1/payouts?period={period}&limit=2"), &admin).await.json().await.unwrap();
        let cursor = first["next_cursor"].as_str().unwrap().to_owned();
        let rest: Value = app.get_as(&format!("/api/v1/payouts?period={period}&limit=2&cursor={cursor}"), &admin).await.json().await.unwrap();
        assert_eq!((first["items"].as_array().unwrap().len(), rest["items"].as_array().unwrap().len(), &rest["next_cursor"]), (2, 1, &Value::Null));
        let paged: Vec<&Value> = first["items"].as_array().unwrap().iter().chain(rest["items"].as_array().unwrap()).map(|p| &p["id"]).collect();
        let whole: Vec<&Value> = all["items"].as_array().unwrap().iter().map(|p| &p["id"]).collect();
        assert_eq!(paged, whole);
        let forged = app.get_as("/api/v1/payouts?cursor=forged", &admin).await;
        assert_eq!((forged.status().as_u16(), forged.headers()["content-type"].to_str().unwrap()), (422, "application/problem+json"));
        assert_eq!(app.get_as("/api/v1/payouts", &provider).await.status(), 403);
        assert_eq!(app.get_as("/api/v1/payouts?period=2027-13", &admin).await.status(), 422);
        assert_eq!(app.get_as("/api/v1/payouts", &mothers[0]).await.status(), 403);
    }

    async fn an_open_month_waits_for_closing_or_its_grace_period(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin, _, _, period) = a_month_of_attendance(&app, 1).await;
        let courses: Value = app.get("/api/v1/openings?kind=course").await.json().await.unwrap();
        let course = courses["items"][0]["id"].as_str().unwrap().to_owned();
        ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/reopen"), &json!({}), Some(&admin)).await).await;
        // Reopened, within the grace period (long in these settings): nothing yet.
        let patient = Settings { attendance_grace_days: 60, ..Settings::default() };
        assert_eq!(social_jobs::payouts::cycle::run(&app.store, &patient, None).await.unwrap().created, 0);
        // Once the grace period has passed, it is paid even though the month stayed open.
        let prompt = Settings { attendance_grace_days: 0, ..Settings::default() };
        assert_eq!(social_jobs::payouts::cycle::run(&app.store, &prompt, None).await.unwrap().created, 1);
    }
}
