//! A month of course attendance lived through on the clock, for tests of what follows from it
//! (stipends, reports).

use chrono::Datelike;
use serde_json::{Value, json};
use social_jobs::config::Settings;

use super::{TestApp, api::course_opening};

pub async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// A course with `n` mothers enrolled, three sessions in the previous month with attendance, and
/// that month closed. Returns (admin, provider, seekers' tokens, the month).
pub async fn a_month_of_attendance(app: &TestApp, n: u32) -> (String, String, Vec<String>, String) {
    attendance_month(app, n, false).await
}

pub async fn attendance_month(
    app: &TestApp,
    n: u32,
    all_present: bool,
) -> (String, String, Vec<String>, String) {
    attendance_month_then(app, n, all_present, true).await
}

/// As [`attendance_month`], leaving the month open unless `close`.
pub async fn attendance_month_then(
    app: &TestApp,
    n: u32,
    all_present: bool,
    close: bool,
) -> (String, String, Vec<String>, String) {
    // The month that has just ended, lived through on the clock: the course is posted and filled
    // three weeks before it, its three sessions are marked as they happen, and the test goes on
    // at the instant it started at.
    let clock = super::clock();
    let started = clock.now();
    let first = clock
        .today()
        .checked_sub_months(chrono::Months::new(1))
        .unwrap()
        .with_day(1)
        .unwrap();
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap()
        .pred_opt()
        .unwrap();
    let period = format!("{:04}-{:02}", first.year(), first.month());
    clock.set(at_almaty(first - chrono::Days::new(21), 11));
    let m = app.market().await;
    let mut body = course_opening(&m.courses_programme);
    let days = [3u64, 10, 17].map(|d| first + chrono::Days::new(d));
    body["capacity"] = json!(n);
    body["application_deadline"] = json!((first - chrono::Days::new(7)).to_string());
    body["start_date"] = json!(first.to_string());
    body["end_date"] = json!(last.to_string());
    body.as_object_mut().unwrap().remove("weekly");
    body["sessions"] = json!(
        days.map(|d| json!({ "date": d.to_string(), "start_time": "10:00", "end_time": "13:00" }))
    );
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
    let sessions: Value = app
        .get_as(&format!("/api/v1/courses/{course}/sessions"), &m.provider)
        .await
        .json()
        .await
        .unwrap();
    let sessions: Vec<String> = sessions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sessions.len(), 3);
    for (k, (session, day)) in sessions.iter().zip(days).enumerate() {
        clock.set(at_almaty(day, 15));
        // The first mother comes every time; the others miss the last session.
        let entries: Vec<Value> = enrollments.iter().enumerate().map(|(i, e)| json!({ "enrollment_id": e, "status": if !all_present && i > 0 && k == 2 { "absent" } else { "present" } })).collect();
        let res = app
            .client
            .put(app.url(&format!("/api/v1/sessions/{session}/attendance")))
            .bearer_auth(&m.provider)
            .json(&json!({ "entries": entries }))
            .send()
            .await
            .unwrap();
        ok(res).await;
    }
    clock.set(started);
    if close {
        ok(app
            .post_json(
                &format!("/api/v1/courses/{course}/periods/{period}/close"),
                &json!({}),
                Some(&m.provider),
            )
            .await)
        .await;
    }
    (m.admin, m.provider, mothers, period)
}

/// `hour`:00 in Almaty on `day`.
pub fn at_almaty(day: chrono::NaiveDate, hour: u32) -> chrono::DateTime<chrono::Utc> {
    social_jobs::openings::calendar::almaty_to_utc(
        day,
        chrono::NaiveTime::from_hms_opt(hour, 0, 0).unwrap(),
    )
    .unwrap()
    .and_utc()
}
