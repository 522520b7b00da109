//! Course sessions, attendance with corrections and Idempotency-Key, closed and reopened months,
//! low-attendance warnings, and a seeker's view of her enrollments.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    TestApp,
    api::{course_opening, today},
    spawn_app,
};
use serde_json::{Value, json};
use social_jobs::config::Settings;

async fn problem(res: reqwest::Response, status: u16) -> Value {
    let got = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

/// A course with a seeker enrolled through a round: (provider token, course id, seeker token,
/// enrollment id, admin token).
async fn enrolled(app: &TestApp) -> (String, String, String, String, String) {
    let m = app.market().await;
    // A course of about four months, so that the previous month and the next few days both fall
    // within it once the clock has moved into its run.
    let mut course = course_opening(&m.courses_programme);
    course["end_date"] = json!(common::api::day(140));
    let course = app.published(&m.provider, &course).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, mother) = app.eligible_seeker(&m.admin, 1, 4, "zhetysu").await;
    problem(
        app.post_json(
            "/api/v1/me/applications",
            &json!({ "opening_id": course }),
            Some(&mother),
        )
        .await,
        201,
    )
    .await;
    let round = problem(
        app.post_json(
            "/api/v1/matching-rounds",
            &json!({ "programme_id": m.courses_programme, "kind": "course" }),
            Some(&m.admin),
        )
        .await,
        202,
    )
    .await;
    social_jobs::matching::rounds::run(
        &app.store,
        &Settings::default(),
        round["id"].as_str().unwrap(),
    )
    .await
    .unwrap();
    let offers: Value = app
        .get_as("/api/v1/me/offers", &mother)
        .await
        .json()
        .await
        .unwrap();
    let accepted = problem(
        app.post_json(
            &format!(
                "/api/v1/offers/{}/accept",
                offers[0]["id"].as_str().unwrap()
            ),
            &json!({}),
            Some(&mother),
        )
        .await,
        200,
    )
    .await;
    let enrollment = accepted["enrollment_id"].as_str().unwrap().to_owned();
    // Her list of offers shows the enrollment the acceptance made.
    let listed: Value = app
        .get_as("/api/v1/me/offers", &mother)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed[0]["enrollment_id"].as_str(),
        Some(enrollment.as_str())
    );
    assert!(listed[0]["placement_id"].is_null());
    // Into the course's run (day 100 of 40..140): sessions lie within its dates.
    common::clock().advance(chrono::Duration::days(100));
    (m.provider, course, mother, enrollment, m.admin)
}

async fn add_session(app: &TestApp, provider: &str, course: &str, date: &str) -> Value {
    let res = app
        .post_json(
            &format!("/api/v1/courses/{course}/sessions"),
            &json!({ "action": "add", "date": date, "start_time": "10:00", "end_time": "13:00" }),
            Some(provider),
        )
        .await;
    problem(res, 200).await
}

async fn mark(
    app: &TestApp,
    provider: &str,
    session: &str,
    body: &Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .put(app.url(&format!("/api/v1/sessions/{session}/attendance")))
        .bearer_auth(provider)
        .json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.unwrap()
}

/// The month before today's (it has ended) and its sessions from the course's weekly calendar
/// (Tuesdays and Thursdays, eight or more).
async fn last_month_sessions(app: &TestApp, provider: &str, course: &str) -> (String, Vec<String>) {
    use chrono::Datelike;
    let first = today()
        .with_day(1)
        .unwrap()
        .checked_sub_months(chrono::Months::new(1))
        .unwrap();
    let period = format!("{:04}-{:02}", first.year(), first.month());
    let all: Value = problem(
        app.get_as(&format!("/api/v1/courses/{course}/sessions"), provider)
            .await,
        200,
    )
    .await;
    let ids: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["period"] == period.as_str() && s["cancelled"] == false)
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 8, "{period}: {all}");
    (period, ids)
}

fn entry(enrollment: &str, status: &str) -> Value {
    json!({ "entries": [{ "enrollment_id": enrollment, "status": status }] })
}

/// The data of every attendance warning queued for the enrolled mother.
async fn warnings(app: &TestApp) -> Vec<Value> {
    app.emails_to("mother1@example.kz")
        .await
        .into_iter()
        .filter(|e| e.0 == "attendance_warning")
        .map(|e| e.2)
        .collect()
}

backend_tests! {
    async fn attendance_is_marked_idempotently_and_corrections_keep_history(backend: Backend) {
        let app = spawn_app(backend).await;
        let (provider, course, mother, enrollment, _) = enrolled(&app).await;
        let yesterday = (today() - chrono::Days::new(1)).to_string();
        let s = add_session(&app, &provider, &course, &yesterday).await;
        let session = s["id"].as_str().unwrap();
        let body = json!({ "entries": [{ "enrollment_id": enrollment, "status": "late", "note": "автобус" }] });
        let first = problem(mark(&app, &provider, session, &body, Some("k-1")).await, 200).await;
        assert_eq!(first["entries"][0]["status"], "late");
        // The retry returns the first response, even after the mark changed meanwhile.
        let changed = json!({ "entries": [{ "enrollment_id": enrollment, "status": "present" }] });
        let corrected = problem(mark(&app, &provider, session, &changed, Some("k-2")).await, 200).await;
        assert_eq!(corrected["entries"][0]["status"], "present");
        let retry = problem(mark(&app, &provider, session, &body, Some("k-1")).await, 200).await;
        assert_eq!(retry, first);
        // The same key with another body is refused.
        problem(mark(&app, &provider, session, &changed, Some("k-1")).await, 422).await;
        problem(mark(&app, &provider, session, &body, Some("")).await, 400).await;
        // The correction keeps who, when, before and after.
        let seen = problem(app.get_as(&format!("/api/v1/sessions/{session}/attendance"), &provider).await, 200).await;
        let c = &seen["entries"][0]["corrections"];
        assert_eq!(c.as_array().unwrap().len(), 1);
        assert_eq!((c[0]["before"].as_str(), c[0]["after"].as_str(), c[0]["before_note"].as_str()), (Some("late"), Some("present"), Some("автобус")));
        assert_eq!(seen["entries"][0]["seeker_name"], "Айгүл Сейітқызы");
        // Bad entries, future and cancelled sessions.
        problem(mark(&app, &provider, session, &json!({ "entries": [{ "enrollment_id": "nobody", "status": "present" }] }), None).await, 422).await;
        problem(mark(&app, &provider, session, &json!({ "entries": [{ "enrollment_id": enrollment, "status": "asleep" }] }), None).await, 422).await;
        let future = add_session(&app, &provider, &course, &(today() + chrono::Days::new(3)).to_string()).await;
        problem(mark(&app, &provider, future["id"].as_str().unwrap(), &changed, None).await, 409).await;
        let cancelled = problem(app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "cancel", "session_id": future["id"], "reason": "Преподаватель болен" }), Some(&provider)).await, 200).await;
        assert_eq!(cancelled["cancelled"], true);
        problem(app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "cancel", "session_id": future["id"], "reason": " " }), Some(&provider)).await, 422).await;
        // The seeker sees her own.
        let mine: Value = app.get_as("/api/v1/me/enrollments", &mother).await.json().await.unwrap();
        assert_eq!((mine[0]["sessions_attended"].as_i64(), mine[0]["id"].as_str()), (Some(1), Some(enrollment.as_str())));
        let marks: Value = app.get_as(&format!("/api/v1/me/enrollments/{enrollment}/attendance"), &mother).await.json().await.unwrap();
        assert!(marks.as_array().unwrap().iter().any(|m| m["status"] == "present"));
        let (_, other, _) = app.verified_account("other@example.kz", "seeker").await;
        problem(app.get_as(&format!("/api/v1/me/enrollments/{enrollment}/attendance"), &other).await, 404).await;
    }

    async fn a_closed_month_is_final_until_a_case_worker_reopens_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let (provider, course, _, enrollment, admin) = enrolled(&app).await;
        // A session in a month that is over.
        let day = today().checked_sub_months(chrono::Months::new(1)).unwrap().with_day0(9).unwrap();
        use chrono::Datelike;
        let period = format!("{:04}-{:02}", day.year(), day.month());
        let s = add_session(&app, &provider, &course, &day.to_string()).await;
        assert_eq!(s["period"], period.as_str());
        let session = s["id"].as_str().unwrap().to_owned();
        let absent = json!({ "entries": [{ "enrollment_id": enrollment, "status": "absent" }] });
        problem(mark(&app, &provider, &session, &absent, None).await, 200).await;
        let this_month = format!("{:04}-{:02}", today().year(), today().month());
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/{this_month}/close"), &json!({}), Some(&provider)).await, 409).await;
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/2026-13/close"), &json!({}), Some(&provider)).await, 404).await;
        let closed = problem(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&provider)).await, 200).await;
        assert_eq!(closed["closed"], true);
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&provider)).await, 409).await;
        // No changes after closing: marks, new sessions, moves.
        let present = json!({ "entries": [{ "enrollment_id": enrollment, "status": "present" }] });
        problem(mark(&app, &provider, &session, &present, None).await, 409).await;
        problem(app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "add", "date": day.to_string(), "start_time": "14:00", "end_time": "15:00" }), Some(&provider)).await, 409).await;
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/reopen"), &json!({}), Some(&provider)).await, 403).await;
        // A case worker reopens it (audited); the late correction goes through and is kept.
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/reopen"), &json!({}), Some(&admin)).await, 200).await;
        let fixed = problem(mark(&app, &provider, &session, &present, None).await, 200).await;
        assert_eq!(fixed["entries"][0]["corrections"][0]["before"], "absent");
        let c = course.clone();
        let actions: Vec<String> = app.store.run(move |conn| social_jobs::audit::for_entity(conn, "course", &c).map_err(social_jobs::db::DbError::from)).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["period.closed", "period.reopened"]);
    }

    async fn a_low_attendance_warning_waits_until_the_month_is_marked_for_her(backend: Backend) {
        let app = spawn_app(backend).await;
        let (provider, course, _, enrollment, _) = enrolled(&app).await;
        let (period, sessions) = last_month_sessions(&app, &provider, &course).await;
        let (last, entering) = sessions.split_last().unwrap();
        // The provider enters the month one session at a time: no count is final yet, and an
        // unmarked session is not an absence (she was warned "1 of 4" here).
        for (i, session) in entering.iter().enumerate() {
            let status = if i == 0 { "present" } else { "absent" };
            problem(mark(&app, &provider, session, &entry(&enrollment, status), None).await, 200).await;
            assert!(warnings(&app).await.is_empty(), "warned after {} of {} sessions were marked", i + 1, sessions.len());
        }
        // The last one: 1 attended, below 80 %: one warning with the final count.
        problem(mark(&app, &provider, last, &entry(&enrollment, "absent"), None).await, 200).await;
        let sent = warnings(&app).await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!((sent[0]["attended"].as_i64(), sent[0]["held"].as_u64(), sent[0]["min_percent"].as_i64()), (Some(1), Some(sessions.len() as u64), Some(80)));
        assert_eq!(sent[0]["period"], period.as_str());
        // A correction (still below) and closing the month do not warn her again.
        problem(mark(&app, &provider, &sessions[1], &entry(&enrollment, "present"), None).await, 200).await;
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&provider)).await, 200).await;
        assert_eq!(warnings(&app).await.len(), 1);
    }

    async fn closing_a_month_warns_her_if_she_is_below_the_minimum(backend: Backend) {
        let app = spawn_app(backend).await;
        let (provider, course, _, enrollment, _) = enrolled(&app).await;
        let (period, sessions) = last_month_sessions(&app, &provider, &course).await;
        problem(mark(&app, &provider, &sessions[0], &entry(&enrollment, "present"), None).await, 200).await;
        problem(mark(&app, &provider, &sessions[1], &entry(&enrollment, "absent"), None).await, 200).await;
        assert!(warnings(&app).await.is_empty());
        // Closed with sessions unmarked: final, and they count as missed (as the payout counts them).
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&provider)).await, 200).await;
        let sent = warnings(&app).await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!((sent[0]["attended"].as_i64(), sent[0]["held"].as_u64()), (Some(1), Some(sessions.len() as u64)));
    }

    async fn a_month_left_open_is_warned_when_its_stipend_is_computed_after_the_grace_period(backend: Backend) {
        let app = spawn_app(backend).await;
        let (provider, course, _, enrollment, _) = enrolled(&app).await;
        let (period, sessions) = last_month_sessions(&app, &provider, &course).await;
        problem(mark(&app, &provider, &sessions[0], &entry(&enrollment, "present"), None).await, 200).await;
        problem(mark(&app, &provider, &sessions[1], &entry(&enrollment, "absent"), None).await, 200).await;
        assert!(warnings(&app).await.is_empty());
        // Never closed nor marked in full; past its grace period the cycle computes it (nothing
        // is paid): that count is final, and she is told why.
        common::clock().advance(chrono::Duration::days(10));
        social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        let sent: Vec<Value> = warnings(&app).await.into_iter().filter(|w| w["period"] == period.as_str()).collect();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!((sent[0]["attended"].as_i64(), sent[0]["held"].as_u64()), (Some(1), Some(sessions.len() as u64)));
        assert!(sent[0]["link"].as_str().unwrap().ends_with("/enrollments"));
        // A second run tells her nothing more.
        social_jobs::payouts::cycle::run(&app.store, &Settings::default(), None).await.unwrap();
        assert_eq!(warnings(&app).await.into_iter().filter(|w| w["period"] == period.as_str()).count(), 1);
    }

    async fn attendance_at_or_above_the_minimum_is_never_warned(backend: Backend) {
        let app = spawn_app(backend).await;
        let (provider, course, _, enrollment, _) = enrolled(&app).await;
        let (period, sessions) = last_month_sessions(&app, &provider, &course).await;
        // A fifth of them missed (rounded down: 80 % or a little more): marked in full, then
        // closed, no warning either time.
        let missed = sessions.len() / 5;
        for (i, s) in sessions.iter().enumerate() {
            let status = if i < missed { "absent" } else { "present" };
            problem(mark(&app, &provider, s, &entry(&enrollment, status), None).await, 200).await;
        }
        assert!(warnings(&app).await.is_empty());
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/{period}/close"), &json!({}), Some(&provider)).await, 200).await;
        assert!(warnings(&app).await.is_empty());
    }

    async fn a_session_lies_within_its_course_and_a_sane_range_of_dates(backend: Backend) {
        let app = spawn_app(backend).await;
        let (provider, course, _, _, admin) = enrolled(&app).await;
        let add = |date: &'static str| {
            let (app, provider, course) = (&app, provider.clone(), course.clone());
            async move {
                app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "add", "date": date, "start_time": "10:00", "end_time": "13:00" }), Some(&provider)).await
            }
        };
        // Years before the course, year 0 and year 9999: refused, each naming the field.
        for date in ["1990-01-10", "0000-01-01", "9999-12-31"] {
            let p = problem(add(date).await, 422).await;
            assert!(p["errors"]["date"].is_string(), "{date}: {p}");
        }
        // A day before the course starts (day 40) and after it ends (day 140).
        let before = (today() - chrono::Days::new(61)).to_string();
        let after = (today() + chrono::Days::new(41)).to_string();
        for date in [&before, &after] {
            let res = app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "add", "date": date, "start_time": "10:00", "end_time": "13:00" }), Some(&provider)).await;
            let p = problem(res, 422).await;
            assert!(p["errors"]["date"].as_str().unwrap().contains("course"), "{p}");
        }
        // Moving a session out of the course is refused as well, and leaves it where it was.
        let s = add_session(&app, &provider, &course, &today().to_string()).await;
        let moved = app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "move", "session_id": s["id"], "date": before, "start_time": "10:00", "end_time": "13:00", "reason": "зал занят" }), Some(&provider)).await;
        problem(moved, 422).await;
        let sessions: Value = app.get_as(&format!("/api/v1/courses/{course}/sessions"), &provider).await.json().await.unwrap();
        let kept = sessions.as_array().unwrap().iter().find(|x| x["id"] == s["id"]).unwrap();
        assert_eq!(kept["starts_at"], s["starts_at"]);
        // Out-of-range dates elsewhere: an opening's dates, a month in a filter or a path.
        let c = course.clone();
        let programme: String = app.store.run(move |conn| { use diesel::prelude::*; use social_jobs::db::schema::openings; openings::table.find(c).select(openings::programme_id).first(conn).map_err(social_jobs::db::DbError::from) }).await.unwrap();
        let mut far = course_opening(&programme);
        far["application_deadline"] = json!(common::api::day(20));
        far["start_date"] = json!(common::api::day(40));
        far["end_date"] = json!("9999-12-31");
        let p = problem(app.post_json("/api/v1/openings", &far, Some(&provider)).await, 422).await;
        assert!(p["errors"]["end_date"].is_string(), "{p}");
        problem(app.get_as("/api/v1/payouts?period=1990-01", &admin).await, 422).await;
        problem(app.get_as("/api/v1/payouts?period=+202-01", &admin).await, 422).await;
        problem(app.post_json(&format!("/api/v1/courses/{course}/periods/0000-01/close"), &json!({}), Some(&provider)).await, 404).await;
    }

    async fn a_course_s_dates_change_only_as_an_audited_act_that_keeps_its_sessions_inside(backend: Backend) {
        let app = spawn_app(backend).await;
        let (provider, course, _, _, _) = enrolled(&app).await;
        let dates = |start: String, end: String, reason: &'static str| {
            let (app, provider, course) = (&app, provider.clone(), course.clone());
            async move {
                app.post_json(&format!("/api/v1/courses/{course}/dates"), &json!({ "start_date": start, "end_date": end, "reason": reason }), Some(&provider)).await
            }
        };
        let day = |offset: i64| (today() + chrono::Duration::days(offset)).to_string();
        // The course runs from 60 days ago to 40 days ahead; a session before it is refused...
        let before = day(-61);
        let res = app.post_json(&format!("/api/v1/courses/{course}/sessions"), &json!({ "action": "add", "date": before, "start_time": "10:00", "end_time": "13:00" }), Some(&provider)).await;
        problem(res, 422).await;
        // ...until the course's dates are moved, with a reason.
        let moved = problem(dates(day(-70), day(40), "Группа начала раньше по приказу").await, 200).await;
        assert_eq!(moved["start_date"], day(-70));
        add_session(&app, &provider, &course, &before).await;
        // Dates that would leave sessions outside are refused, naming how many.
        let p = problem(dates(day(-30), day(40), "Сокращение курса").await, 422).await;
        assert!(p["errors"]["end_date"].as_str().unwrap().contains("outside") || p["errors"]["end_date"].is_string(), "{p}");
        // Bad input: a reason is required, dates in order and in range, at most a year.
        problem(dates(day(-70), day(40), "").await, 422).await;
        problem(dates(day(40), day(-70), "Ошибка ввода").await, 422).await;
        problem(dates("1990-01-01".into(), day(40), "Ошибка ввода").await, 422).await;
        problem(dates(day(-70), day(400), "Ошибка ввода").await, 422).await;
        // The course kept the dates of the one change that was made, and that change is audited.
        let view: Value = app.get(&format!("/api/v1/openings/{course}")).await.json().await.unwrap();
        assert_eq!(view["start_date"], day(-70));
        assert_eq!(view["end_date"], day(40));
        let c = course.clone();
        let audited: Vec<(Option<String>, Option<String>)> = app.store.run(move |conn| {
            use diesel::prelude::*;
            use social_jobs::db::schema::audit_events as a;
            a::table.filter(a::action.eq("course.dates_changed")).filter(a::entity_id.eq(c)).select((a::before_json, a::after_json)).load(conn).map_err(social_jobs::db::DbError::from)
        }).await.unwrap();
        assert_eq!(audited.len(), 1);
        let (before_json, after_json) = &audited[0];
        assert!(before_json.as_deref().unwrap().contains(&day(-60)), "{before_json:?}");
        assert!(after_json.as_deref().unwrap().contains("Группа начала раньше"), "{after_json:?}");
    }
}
