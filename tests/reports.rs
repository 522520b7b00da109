//! The city's reports: figures against a hand-computed fixture, counted by the transactions that
//! change the data (including a withdrawn and recomputed stipend), totals that reconcile with the
//! bank's confirmation, and open data that hides small cells, also from subtraction. Both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    TestApp,
    api::{day, job_opening},
    spawn_app,
    stipends::{attendance_month, ok},
};
use serde_json::{Value, json};
use social_jobs::config::Settings;

/// `YYYY-MM` of the test clock's month moved by `months`.
fn month(months: i32) -> String {
    let d = common::api::today();
    let d = if months >= 0 {
        d.checked_add_months(chrono::Months::new(months as u32))
    } else {
        d.checked_sub_months(chrono::Months::new((-months) as u32))
    }
    .unwrap();
    d.format("%Y-%m").to_string()
}

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    ok(app
        .get_as(&format!("/api/v1/reports/summary?{query}"), token)
        .await)
    .await
}

fn count(figures: &Value, metric: &str) -> i64 {
    figures["counts"][metric]
        .as_i64()
        .unwrap_or_else(|| panic!("{metric} in {figures}"))
}

/// Five mothers apply to a job in Auezov (four large families, tier 1; one tier 2); the first also
/// to a job in Almaly. All five get offers: three accept, one declines, one lets hers lapse; two
/// start work and one of them is hired away.
async fn a_job_funnel(app: &TestApp) -> (common::api::Market, Vec<String>) {
    let m = app.market().await;
    assert_eq!(
        common::api::today().format("%d").to_string(),
        "02",
        "starts on the 2nd: see early_in_the_month"
    );
    let mut a = job_opening(&m.jobs_programme);
    a["capacity"] = json!(5);
    let a = app.published(&m.employer, &a).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut b = job_opening(&m.jobs_programme);
    b["district"] = json!("almaly");
    let b = app.published(&m.employer, &b).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut mothers = Vec::new();
    for n in 1..=5 {
        let children = if n == 5 { 2 } else { 4 };
        let (_, t) = app.eligible_seeker(&m.admin, n, children, "auezov").await;
        ok(app
            .post_json(
                "/api/v1/me/applications",
                &json!({ "opening_id": a }),
                Some(&t),
            )
            .await)
        .await;
        mothers.push(t);
    }
    ok(app
        .post_json(
            "/api/v1/me/applications",
            &json!({ "opening_id": b }),
            Some(&mothers[0]),
        )
        .await)
    .await;
    let round = ok(app
        .post_json(
            "/api/v1/matching-rounds",
            &json!({ "programme_id": m.jobs_programme, "kind": "job" }),
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
    let mut placements = Vec::new();
    for (i, t) in mothers.iter().enumerate() {
        let offers: Value = app
            .get_as("/api/v1/me/offers", t)
            .await
            .json()
            .await
            .unwrap();
        let id = offers[0]["id"].as_str().unwrap();
        match i {
            0..=2 => {
                let a = ok(app
                    .post_json(&format!("/api/v1/offers/{id}/accept"), &json!({}), Some(t))
                    .await)
                .await;
                placements.push(a["placement_id"].as_str().unwrap().to_owned());
            }
            3 => {
                ok(app
                    .post_json(&format!("/api/v1/offers/{id}/decline"), &json!({}), Some(t))
                    .await)
                .await;
            }
            _ => {} // lapses
        }
    }
    for p in &placements[..2] {
        ok(app
            .post_json(
                &format!("/api/v1/placements/{p}/start"),
                &json!({ "started_on": day(0) }),
                Some(&m.employer),
            )
            .await)
        .await;
    }
    ok(app
        .post_json(
            &format!("/api/v1/placements/{}/end", placements[0]),
            &json!({ "ended_on": day(0), "reason": "hired" }),
            Some(&m.employer),
        )
        .await)
    .await;
    let settings = Settings::default();
    common::clock().advance(chrono::Duration::days(
        i64::from(settings.offer_ttl_days) + 1,
    ));
    let run = social_jobs::matching::offers::expire_and_remind(&app.store, &settings)
        .await
        .unwrap();
    assert_eq!(run.expired, 1);
    (m, mothers)
}

/// Moves the clock to the 2nd of its month, so that the funnel (offers lapse a week later) lives
/// in one month whatever day the suite runs on.
fn early_in_the_month() {
    use chrono::Datelike;
    let d = common::api::today().with_day(2).unwrap();
    common::clock().set(common::stipends::at_almaty(d, 11));
}

backend_tests! {
    async fn the_job_figures_are_what_happened_counted_once_per_person(backend: Backend) {
        let app = spawn_app(backend).await;
        early_in_the_month();
        let (now, range) = (month(0), format!("from={}&to={}", month(0), month(2)));
        let (m, _) = a_job_funnel(&app).await;
        let all = report(&app, &m.admin, &format!("{range}&programme_id={}", m.jobs_programme)).await;
        let t = &all["totals"];
        let expected = [
            ("applicants", 5), ("eligible_tier_1", 4), ("eligible_tier_2", 1), ("offers", 5),
            ("offers_accepted", 3), ("offers_declined", 1), ("offers_lapsed", 1),
            ("placements_started", 2), ("placements_ended_hired", 1), ("enrollments", 0),
            ("stipends_scheduled", 0),
        ];
        for (metric, n) in expected {
            assert_eq!(count(t, metric), n, "{metric}: {t}");
        }
        // Her second application that month counts her once, in the district of her first.
        let almaly = report(&app, &m.admin, &format!("{range}&district=almaly")).await;
        assert_eq!(count(&almaly["totals"], "applicants"), 0, "{almaly}");
        let auezov = report(&app, &m.admin, &format!("{range}&district=auezov")).await;
        assert_eq!(count(&auezov["totals"], "applicants"), 5);
        // The applications, offers and placements are in the month they happened.
        let row = all["items"].as_array().unwrap().iter().find(|r| r["period"] == now.as_str() && r["district"] == "auezov").unwrap();
        assert_eq!((count(row, "applicants"), count(row, "offers"), count(row, "offers_accepted")), (5, 5, 3));
        assert!(row["programme_name"].as_str().is_some_and(|n| !n.is_empty()));
        // A sixth mother applies to a job in Medeu: a second row.
        let (_, t6) = app.eligible_seeker(&m.admin, 6, 4, "medeu").await;
        let mut c = job_opening(&m.jobs_programme);
        c["district"] = json!("medeu");
        let c = app.published(&m.employer, &c).await["id"].as_str().unwrap().to_owned();
        ok(app.post_json("/api/v1/me/applications", &json!({ "opening_id": c }), Some(&t6)).await).await;
        // Pages: one row per page, the cursor goes on, the totals are the whole filter's.
        let first = report(&app, &m.admin, &format!("{range}&limit=1")).await;
        assert_eq!(first["items"].as_array().unwrap().len(), 1);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = report(&app, &m.admin, &format!("{range}&limit=1&cursor={cursor}")).await;
        assert_ne!(first["items"][0], second["items"][0]);
        assert_eq!(first["totals"], second["totals"]);
        // CSV: the same rows, a header first.
        let res = app.client.get(app.url(&format!("/api/v1/reports/summary?{range}"))).bearer_auth(&m.admin).header("Accept", "text/csv").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let file = res.text().await.unwrap();
        let lines: Vec<&str> = file.lines().collect();
        assert!(lines[0].starts_with("period,programme_id,programme,district,applicants,eligible_tier_1"), "{}", lines[0]);
        assert_eq!(lines.len(), 3, "two rows: {file}");
        // Bad ranges are refused, and a seeker or an employer may not read the report.
        for bad in ["from=2026-13", &format!("from={now}&to={}", month(-2)), "from=2020-01&to=2026-01", "cursor=bm9wZQ"] {
            let res = app.get_as(&format!("/api/v1/reports/summary?{bad}"), &m.admin).await;
            assert_eq!(res.status(), 422, "{bad}");
        }
        assert_eq!(app.get_as("/api/v1/reports/summary", &m.employer).await.status(), 403);
    }

    async fn stipend_figures_follow_the_cycle_and_reconcile_with_the_bank(backend: Backend) {
        let app = spawn_app(backend).await;
        // Three mothers, three sessions: the first came to all, the others missed the last
        // (2 of 3 is under the 80 % minimum: nothing is paid to them).
        let (admin, provider, mothers, period) = attendance_month(&app, 3, false).await;
        let settings = Settings::default();
        social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap();
        let q = format!("from={period}&to={period}");
        let r = report(&app, &admin, &q).await;
        let t = &r["totals"];
        for (metric, n) in [("stipend_months", 3), ("sessions_held", 9), ("sessions_attended", 7), ("stipends_scheduled", 1), ("courses_completed", 1)] {
            assert_eq!(count(t, metric), n, "{metric}: {t}");
        }
        let full = t["amounts_tiyn"]["stipends_scheduled"].as_i64().unwrap();
        assert_eq!(full, 3_000_000);
        assert_eq!(t["attendance_rate"].as_f64(), Some(0.778));
        // Enrolled the month before, when they applied and accepted.
        let earlier = report(&app, &admin, &format!("from={}&to={period}", month(-2))).await;
        assert_eq!((count(&earlier["totals"], "applicants"), count(&earlier["totals"], "enrollments")), (3, 3));
        // A correction: the month is reopened, mother 2 was there after all, closed again. The
        // two months computed to nothing are taken back and computed again; the figures follow.
        let course = ok(app.get_as("/api/v1/me/enrollments", &mothers[1]).await).await;
        let (course_id, enrollment) = (course[0]["course_id"].as_str().unwrap().to_owned(), course[0]["id"].as_str().unwrap().to_owned());
        ok(app.post_json(&format!("/api/v1/courses/{course_id}/periods/{period}/reopen"), &json!({}), Some(&admin)).await).await;
        let mid = report(&app, &admin, &q).await;
        assert_eq!((count(&mid["totals"], "stipend_months"), count(&mid["totals"], "stipends_scheduled")), (0, 0), "withdrawn: {}", mid["totals"]);
        let sessions: Value = ok(app.get_as(&format!("/api/v1/courses/{course_id}/sessions"), &provider).await).await;
        let last = sessions.as_array().unwrap().iter().rfind(|s| s["starts_at"].as_str().unwrap() < common::api::today().to_string().as_str()).unwrap()["id"].as_str().unwrap().to_owned();
        ok(app.client.put(app.url(&format!("/api/v1/sessions/{last}/attendance"))).bearer_auth(&provider).json(&json!({ "entries": [{ "enrollment_id": enrollment, "status": "present" }] })).send().await.unwrap()).await;
        ok(app.post_json(&format!("/api/v1/courses/{course_id}/periods/{period}/close"), &json!({}), Some(&provider)).await).await;
        social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap();
        let t = report(&app, &admin, &q).await["totals"].clone();
        for (metric, n) in [("stipend_months", 3), ("sessions_held", 9), ("sessions_attended", 8), ("stipends_scheduled", 2), ("courses_completed", 2)] {
            assert_eq!(count(&t, metric), n, "{metric}: {t}");
        }
        // To the bank: one paid, one failed. The report's figures are the bank's.
        let batch = ok(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&admin)).await).await;
        let id = batch["id"].as_str().unwrap().to_owned();
        let file = app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &admin).await.text().await.unwrap();
        let ids: Vec<&str> = file.lines().skip(1).map(|l| l.split(',').nth(1).unwrap()).collect();
        let tenge = social_jobs::payouts::tenge(full);
        let settled = ok(app.client.post(app.url(&format!("/api/v1/payout-batches/{id}/confirmation"))).bearer_auth(&admin).header("content-type", "text/csv")
            .body(format!("payout_id,status,amount_kzt,reference,reason\n{},paid,{tenge},HB-1,\n{},failed,{tenge},,closed\n", ids[0], ids[1])).send().await.unwrap()).await;
        let t = report(&app, &admin, &q).await["totals"].clone();
        let rec = &settled["reconciliation"];
        assert_eq!((count(&t, "stipends_paid"), t["amounts_tiyn"]["stipends_paid"].as_i64()), (rec["paid"]["count"].as_i64().unwrap(), rec["paid"]["amount_tiyn"].as_i64()));
        assert_eq!((count(&t, "stipends_failed"), t["amounts_tiyn"]["stipends_failed"].as_i64()), (1, Some(full)));
        assert_eq!(rec["failed"]["amount_tiyn"].as_i64(), Some(full));
        // Running the cycle again changes nothing.
        social_jobs::payouts::cycle::run(&app.store, &settings, None).await.unwrap();
        assert_eq!(report(&app, &admin, &q).await["totals"], t);
    }

    async fn open_data_hides_small_cells_and_what_subtraction_would_reveal(backend: Backend) {
        let app = spawn_app(backend).await;
        early_in_the_month();
        let (now, range) = (month(0), format!("from={}&to={}", month(-1), month(1)));
        let (m, _) = a_job_funnel(&app).await;
        // Anyone, without signing in; cached and marked so.
        let res = app.get(&format!("/api/v1/open-data/summary?{range}")).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["cache-control"].to_str().unwrap().contains("max-age"));
        let open: Value = res.json().await.unwrap();
        let staff = report(&app, &m.admin, &range).await;
        let cell = |v: &Value| v["items"].as_array().unwrap().iter().find(|r| r["period"] == now.as_str() && r["district"] == "auezov" && r["programme_id"] == m.jobs_programme.as_str()).cloned().unwrap();
        let (shown, truth) = (cell(&open), cell(&staff));
        assert_eq!(shown["counts"]["applicants"], 5, "five people may be shown: {shown}");
        assert_eq!(shown["counts"]["offers"], 5);
        // 4 of tier 1 and 1 of tier 2: both hidden (and 5 - 1 would give the 4 back anyway).
        assert!(shown["counts"]["eligible_tier_1"].is_null() && shown["counts"]["eligible_tier_2"].is_null(), "{shown}");
        assert!(shown["counts"]["placements_started"].is_null());
        // No figure of 1 to 4 people is shown, and no group shows all but one of its members.
        for (metric, v) in shown["counts"].as_object().unwrap() {
            let n = truth["counts"][metric].as_i64().unwrap();
            if !metric.starts_with("sessions_") && (1..5).contains(&n) {
                assert!(v.is_null(), "{metric}={n} shown");
            }
        }
        for group in social_jobs::reports::suppression::groups() {
            let hidden: Vec<&String> = group.iter().filter(|k| shown["counts"][k.as_str()].is_null()).collect();
            assert_ne!(hidden.len(), 1, "{group:?}: {shown}");
            if !shown["counts"][group[0].as_str()].is_null() {
                let sum: i64 = hidden.iter().map(|k| truth["counts"][k.as_str()].as_i64().unwrap()).sum();
                assert!(sum == 0 || sum >= 5, "{group:?} hides {sum}");
            }
        }
        // The totals add up the shown figures only.
        let shown_sum: i64 = open["items"].as_array().unwrap().iter().filter_map(|r| r["counts"]["offers_accepted"].as_i64()).sum();
        assert_eq!(open["shown_totals"]["offers_accepted"].as_i64().unwrap_or(0), shown_sum);
        assert_eq!(open["min_people"], 5);
        // Cached: a new application changes the case worker's figure now, open data's later.
        let (_, t6) = app.eligible_seeker(&m.admin, 6, 4, "auezov").await;
        let mut c = job_opening(&m.jobs_programme);
        c["capacity"] = json!(1);
        let c = app.published(&m.employer, &c).await["id"].as_str().unwrap().to_owned();
        ok(app.post_json("/api/v1/me/applications", &json!({ "opening_id": c }), Some(&t6)).await).await;
        assert_eq!(count(&report(&app, &m.admin, &range).await["totals"], "applicants"), 6);
        let again: Value = app.get(&format!("/api/v1/open-data/summary?{range}")).await.json().await.unwrap();
        assert_eq!(again, open, "the same answer until it expires");
    }
}
