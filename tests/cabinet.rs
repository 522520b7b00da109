//! The web cabinet over HTTP, as its people use it: signing in and out, every page each person
//! can reach, and each person's daily work through the forms (with their CSRF token), checked
//! against what the API then shows; another organisation's or person's things are refused. On
//! both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeSet, VecDeque};

use common::{
    Backend, TestApp,
    api::PASSWORD,
    cabinet::{Visitor, course_with_enrolled},
    spawn_app,
};
use serde_json::{Value, json};
use social_jobs::demo::{DEMO_DOMAIN, DEMO_PASSWORD, DemoScale};

async fn demo_app(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    social_jobs::demo::seed(
        &app.store,
        &DemoScale {
            seekers: 12,
            openings: 12,
            ..Default::default()
        },
        false,
    )
    .await
    .unwrap();
    app
}

fn demo(who: &str) -> String {
    format!("{who}@{DEMO_DOMAIN}")
}

/// Every page reachable by links from `start`, breadth first (at most `max`): each must open
/// with 200. Returns the paths opened.
async fn crawl(v: &mut Visitor<'_>, start: &str, max: usize) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([start.to_owned()]);
    while let Some(path) = queue.pop_front() {
        if seen.len() >= max || !seen.insert(path.clone()) {
            continue;
        }
        let page = v.open(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.contains("<main"), "{path}");
        for link in page.attrs("href", "/") {
            let link = link.clone();
            // `/cabinet` only sends her on to her first page.
            let skip = link == "/cabinet"
                || link.starts_with("/static/")
                || link.starts_with("/docs")
                || link.starts_with("/api/")
                || link.contains(".csv")
                || link.contains("lang=")
                || link.contains('#');
            if !skip && !seen.contains(&link) {
                queue.push_back(link);
            }
        }
    }
    seen
}

backend_tests! {
    async fn signing_in_opens_the_cabinet_with_a_strict_session_cookie_and_signing_out_ends_it(backend: Backend) {
        let app = demo_app(backend).await;
        let mut v = Visitor::new(&app);
        // Signed out, a page sends her to sign in and back.
        let answer = v.open("/courses").await;
        assert_eq!(answer.status, 303);
        assert_eq!(answer.location.as_deref(), Some("/sign-in?next=%2Fcourses"));
        let page = v.page("/sign-in?next=%2Fcourses").await;
        assert_eq!(page.field("next"), "/courses");
        // A form without the page's CSRF token is refused, and signs nobody in.
        let answer = v.post_raw("/sign-in", &[("email", &demo("provider.college")), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(answer.status, 400, "a form without its csrf field");
        let answer = v.post_raw("/sign-in", &[("csrf", "forged"), ("email", &demo("provider.college")), ("password", DEMO_PASSWORD), ("next", "/courses")]).await;
        assert_eq!(answer.status, 403);
        assert!(answer.cookie("sj_session").is_none());
        // A wrong password: the form again, with the reason, and no session.
        let answer = v.post("/sign-in", &[("email", &demo("provider.college")), ("password", "not the password"), ("next", "/courses")]).await;
        assert_eq!(answer.status, 401, "{}", answer.body);
        assert!(answer.body.contains("value=\"provider.college@"), "the address is kept");
        assert!(answer.cookie("sj_session").is_none());
        // The right one: a session cookie only scripts cannot read, sent to this site alone,
        // gone when the browser closes; then the page she asked for.
        let answer = v.post("/sign-in", &[("email", &demo("provider.college")), ("password", DEMO_PASSWORD), ("next", "/courses")]).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        assert_eq!(answer.location.as_deref(), Some("/courses"));
        let cookie = answer.cookie("sj_session").unwrap().to_owned();
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(flag), "{cookie}");
        }
        assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "{cookie}");
        let session = cookie.trim_start_matches("sj_session=").split(';').next().unwrap().to_owned();
        let csrf_before = v.csrf.clone();
        let rotated = answer.cookie("sj_csrf").expect("signing in gives a new CSRF token");
        assert!(!rotated.contains(&csrf_before), "{rotated}");
        let page = v.page("/courses").await;
        assert!(page.body.contains("/courses/"), "her courses are listed: {}", page.body);
        // Another site's address after signing in is never followed.
        let mut other = Visitor::new(&app);
        other.page("/sign-in").await;
        let answer = other.post("/sign-in", &[("email", &demo("provider.college")), ("password", DEMO_PASSWORD), ("next", "//evil.example/")]).await;
        assert_eq!(answer.location.as_deref(), Some("/cabinet"));
        // Signing out revokes the session itself: the old cookie, replayed, opens nothing.
        let answer = v.post("/sign-out", &[]).await;
        assert_eq!(answer.status, 303);
        assert_eq!(answer.location.as_deref(), Some("/sign-in"));
        let replay = app.client.get(app.url("/courses")).header("Cookie", format!("sj_session={session}")).send().await.unwrap();
        assert!(replay.url().path().starts_with("/sign-in"), "{}", replay.url());
        // A forged session is no session.
        let forged = app.client.get(app.url("/cabinet")).header("Cookie", "sj_session=forged").send().await.unwrap();
        assert!(forged.url().path().starts_with("/sign-in"), "{}", forged.url());
    }

    async fn every_page_each_person_reaches_opens_and_other_peoples_pages_are_refused(backend: Backend) {
        let app = demo_app(backend).await;
        // (who, her first page, a page of another role's work she must not open)
        for (who, home, forbidden) in [
            ("seeker1", "/offers", "/households"),
            ("provider.college", "/courses", "/households"),
            ("employer.tazalyq", "/openings", "/payouts"),
            ("caseworker", "/households", "/staff"),
            ("admin", "/organisations", "/offers"),
        ] {
            let mut v = Visitor::new(&app);
            assert_eq!(v.sign_in(&demo(who), DEMO_PASSWORD).await, "/cabinet");
            let answer = v.open("/cabinet").await;
            assert_eq!(answer.location.as_deref(), Some(home), "{who}");
            let opened = crawl(&mut v, home, 40).await;
            assert!(opened.len() >= 3, "{who} reaches her work from the menu: {opened:?}");
            let answer = v.open(forbidden).await;
            assert_eq!(answer.status, 403, "{who} opens {forbidden}: {}", answer.body);
            assert!(answer.body.contains("<main"), "a page, not a bare error");
        }
    }

    async fn a_provider_keeps_her_calendar_and_register_and_a_retry_records_nothing_twice(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (course, _) = course_with_enrolled(&app, &m, 3).await;
        let mut v = Visitor::new(&app);
        v.sign_in("provider2@example.kz", PASSWORD).await;
        let page = v.page("/courses").await;
        assert!(page.body.contains(&format!("/courses/{course}/sessions")), "{}", page.body);
        // A session this morning (the clock is at 11:00 in Almaty), then moved, and one cancelled.
        let today = common::api::today().to_string();
        let calendar = v.page(&format!("/courses/{course}/sessions")).await;
        let registers_of = |page: &common::cabinet::Answer| page.attrs("href", "/sessions/").into_iter().filter(|h| h.ends_with("/register")).count();
        let before = registers_of(&calendar);
        let page = v.submit(&format!("/courses/{course}/sessions"), &[("action", "add"), ("date", &today), ("start_time", "08:00"), ("end_time", "10:00")]).await;
        assert!(page.body.contains("The session is added."), "{}", page.body);
        assert_eq!(registers_of(&page), before + 1);
        let api_sessions: Value = app.get_as(&format!("/api/v1/courses/{course}/sessions"), &m.provider).await.json().await.unwrap();
        let added = api_sessions.as_array().unwrap().iter()
            .find(|s| s["starts_at"].as_str().unwrap().ends_with("T03:00:00Z") && s["starts_at"].as_str().unwrap().starts_with(&today))
            .unwrap_or_else(|| panic!("the API shows the session: {api_sessions}"));
        let session = added["id"].as_str().unwrap().to_owned();
        // A session outside the course's dates is refused with the reason, on the page.
        let answer = v.post(&format!("/courses/{course}/sessions"), &[("action", "add"), ("date", "1990-01-10"), ("start_time", "08:00"), ("end_time", "10:00")]).await;
        assert!(answer.status == 409 || answer.status == 422, "{answer:?}");
        assert!(answer.body.contains("class=\"error"), "{}", answer.body);
        let other = api_sessions.as_array().unwrap().iter()
            .find(|s| s["id"] != session.as_str() && s["cancelled"] == false && s["starts_at"].as_str().unwrap() > today.as_str())
            .unwrap()["id"].as_str().unwrap().to_owned();
        v.page(&format!("/sessions/{other}/change")).await;
        let page = v.submit(&format!("/courses/{course}/sessions"), &[("action", "cancel"), ("session_id", &other), ("reason", "Преподаватель болен")]).await;
        assert!(page.body.contains("The session is cancelled."), "{}", page.body);
        assert!(page.body.contains("Преподаватель болен"), "the reason is shown");

        // The register: everyone enrolled, one choice each.
        let page = v.page(&format!("/sessions/{session}/register")).await;
        let marks = page.attrs("name", "mark:");
        assert_eq!(marks.len(), 3, "{}", page.body);
        let key = page.field("idempotency_key");
        let mut form: Vec<(String, String)> = vec![("idempotency_key".into(), key.clone())];
        form.extend(marks.iter().map(|m| (m.clone(), "present".to_owned())));
        form[1].1 = "absent".into();
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        // Without the CSRF token nothing is saved.
        let answer = v.post_raw(&format!("/sessions/{session}/register"), &[("csrf", "forged")].iter().chain(fields.iter()).copied().collect::<Vec<_>>()).await;
        assert_eq!(answer.status, 403);
        let sheet: Value = app.get_as(&format!("/api/v1/sessions/{session}/attendance"), &m.provider).await.json().await.unwrap();
        assert!(sheet["entries"].as_array().unwrap().iter().all(|e| e["status"].is_null()), "{sheet}");
        let page = v.submit(&format!("/sessions/{session}/register"), &fields).await;
        assert!(page.body.contains("The register is saved."), "{}", page.body);
        // The connection dropped and the same form is sent again: recorded once.
        let answer = v.post(&format!("/sessions/{session}/register"), &fields).await;
        assert_eq!(answer.status, 303, "{answer:?}");
        let sheet: Value = app.get_as(&format!("/api/v1/sessions/{session}/attendance"), &m.provider).await.json().await.unwrap();
        let entries = sheet["entries"].as_array().unwrap();
        assert_eq!(entries.iter().filter(|e| e["status"] == "present").count(), 2, "{sheet}");
        assert_eq!(entries.iter().filter(|e| e["status"] == "absent").count(), 1, "{sheet}");
        assert!(entries.iter().all(|e| e["corrections"].as_array().unwrap().is_empty()), "a retry is no correction: {sheet}");
        // A correction from a fresh page shows who made it and when.
        let page = v.page(&format!("/sessions/{session}/register")).await;
        assert_ne!(page.field("idempotency_key"), key, "each drawing of the form is a new attempt");
        let mut form2: Vec<(String, String)> = vec![("idempotency_key".into(), page.field("idempotency_key"))];
        form2.extend(marks.iter().map(|m| (m.clone(), "present".to_owned())));
        form2[1].1 = "late".into();
        let fields2: Vec<(&str, &str)> = form2.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let page = v.submit(&format!("/sessions/{session}/register"), &fields2).await;
        assert!(page.body.contains("Corrections (1)"), "{}", page.body);
        assert!(page.body.contains("Absent → Late"), "{}", page.body);
        assert!(page.body.contains("by provider2@example.kz"), "who corrected it: {}", page.body);
        let calendar = v.page(&format!("/courses/{course}/sessions")).await;
        assert!(calendar.body.contains("Enrolled") && calendar.body.matches("Айгүл Сейітқызы").count() == 3, "{}", calendar.body);

        // Another provider sees neither the course nor the register, and cannot write to it.
        let (_, _) = app.approved_member(&m.admin, "provider", 7).await;
        let mut stranger = Visitor::new(&app);
        stranger.sign_in("provider7@example.kz", PASSWORD).await;
        let page = stranger.page("/courses").await;
        assert!(!page.body.contains(&course));
        for path in [format!("/courses/{course}/sessions"), format!("/sessions/{session}/register")] {
            let answer = stranger.open(&path).await;
            assert!(answer.status == 403 || answer.status == 404, "{path}: {}", answer.status);
        }
        let mut retry: Vec<(&str, &str)> = vec![("idempotency_key", "0b0e7a1c-5f2a-4d0e-9a51-111111111111")];
        retry.extend(marks.iter().map(|m| (m.as_str(), "absent")));
        let answer = stranger.post(&format!("/sessions/{session}/register"), &retry).await;
        assert!(answer.status == 403 || answer.status == 404, "{}", answer.status);
        let sheet: Value = app.get_as(&format!("/api/v1/sessions/{session}/attendance"), &m.provider).await.json().await.unwrap();
        assert_eq!(sheet["entries"].as_array().unwrap().iter().filter(|e| e["status"] == "absent").count(), 0, "{sheet}");

        // Once the month has ended she closes it, and the register can no longer change.
        use chrono::Datelike;
        let month = common::api::today();
        let period = format!("{:04}-{:02}", month.year(), month.month());
        let next = (month.with_day(1).unwrap() + chrono::Months::new(1)).and_hms_opt(6, 0, 0).unwrap().and_utc();
        common::set_clock(&next.to_rfc3339());
        let page = v.submit(&format!("/courses/{course}/periods/close"), &[("period", &period)]).await;
        assert!(page.body.contains("The month is closed."), "{}", page.body);
        let page = v.page(&format!("/sessions/{session}/register")).await;
        let mut form3: Vec<(String, String)> = vec![("idempotency_key".into(), page.field("idempotency_key"))];
        form3.extend(marks.iter().map(|m| (m.clone(), "absent".to_owned())));
        let fields3: Vec<(&str, &str)> = form3.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = v.post(&format!("/sessions/{session}/register"), &fields3).await;
        assert_eq!(answer.status, 409, "{}", answer.body);
        assert!(answer.body.contains("class=\"error"), "{}", answer.body);

        // A case worker reopens it from the course's calendar (reached from her payouts list);
        // the provider cannot.
        let answer = v.post(&format!("/courses/{course}/periods/reopen"), &[("period", &period)]).await;
        assert_eq!(answer.status, 403, "{}", answer.body);
        let res = app.post_json("/api/v1/admin/staff", &json!({ "email": "cw@almaty.kz", "password": PASSWORD, "role": "caseworker" }), Some(&m.admin)).await;
        assert_eq!(res.status(), 201);
        let mut cw = Visitor::new(&app);
        cw.sign_in("cw@almaty.kz", PASSWORD).await;
        let calendar = cw.page(&format!("/courses/{course}/sessions")).await;
        assert!(calendar.body.contains("/periods/reopen"), "{}", calendar.body);
        assert!(!calendar.body.contains("name=\"action\" value=\"add\""), "a case worker does not change the calendar");
        let page = cw.submit(&format!("/courses/{course}/periods/reopen"), &[("period", &period)]).await;
        assert!(page.body.contains("The month is reopened."), "{}", page.body);
        v.page(&format!("/sessions/{session}/register")).await;
        let answer = v.post(&format!("/sessions/{session}/register"), &fields3).await;
        assert_eq!(answer.status, 303, "a reopened month's register changes again: {}", answer.body);
    }

    async fn an_employer_posts_edits_publishes_and_closes_an_opening_and_no_other_employer_sees_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let mut v = Visitor::new(&app);
        v.sign_in("employer1@example.kz", PASSWORD).await;
        let form = v.page("/openings/new").await;
        assert!(form.body.contains(&m.jobs_programme), "the programme to choose: {}", form.body);
        let (deadline, start) = (common::api::day(20), common::api::day(40));
        let mut fields = vec![
            ("programme_id", m.jobs_programme.as_str()),
            ("title_kk", "Аула сыпырушы"),
            ("title_ru", "Дворник"),
            ("description_kk", ""),
            ("description_ru", "Уборка двора, утренние часы."),
            ("district", "auezov"),
            ("employment", "part_time"),
            ("hours_per_week", "20"),
            ("day_mon", "on"),
            ("day_wed", "on"),
            ("skills", "уборка, Тазалық"),
            ("capacity", "2"),
            ("application_deadline", &deadline),
            ("start_date", &start),
            ("end_date", ""),
            ("wage_tenge", "90000"),
        ];
        // A mistake is shown on the form, with what she typed kept.
        let mut wrong = fields.clone();
        wrong[7] = ("hours_per_week", "ninety");
        let answer = v.post("/openings", &wrong).await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        let page = v.submit("/openings", &fields).await;
        assert!(page.body.contains("The opening is saved."), "{}", page.body);
        let mine: Value = app.get_as("/api/v1/me/openings", &m.employer).await.json().await.unwrap();
        let opening = &mine["items"][0];
        assert_eq!(opening["status"], "draft", "{mine}");
        let id = opening["id"].as_str().unwrap().to_owned();
        let full: Value = app.get_as(&format!("/api/v1/openings/{id}"), &m.employer).await.json().await.unwrap();
        assert_eq!(full["wage_monthly_tiyn"], 9_000_000, "{full}");
        assert_eq!(full["schedule"]["days"], json!(["mon", "wed"]), "{full}");
        assert_eq!(full["skills"], json!(["тазалық", "уборка"]), "{full}");
        // Her list shows the draft.
        let list = v.page("/openings").await;
        assert!(list.body.contains(&format!("/openings/{id}")), "{}", list.body);
        // Edited while a draft, then published, then closed.
        fields[15] = ("wage_tenge", "95000");
        let page = v.submit(&format!("/openings/{id}"), &fields[1..]).await;
        assert!(page.body.contains("The opening is saved."), "{}", page.body);
        let full: Value = app.get_as(&format!("/api/v1/openings/{id}"), &m.employer).await.json().await.unwrap();
        assert_eq!(full["wage_monthly_tiyn"], 9_500_000, "{full}");
        let page = v.submit(&format!("/openings/{id}/publish"), &[]).await;
        assert!(page.body.contains("The opening is published."), "{}", page.body);
        let public = app.get(&format!("/api/v1/openings/{id}")).await;
        assert_eq!(public.status(), 200, "published openings are public");
        // Another employer neither sees nor changes it.
        app.approved_member(&m.admin, "employer", 8).await;
        let mut stranger = Visitor::new(&app);
        stranger.sign_in("employer8@example.kz", PASSWORD).await;
        let list = stranger.page("/openings").await;
        assert!(!list.body.contains(&id));
        let page = stranger.open(&format!("/openings/{id}")).await;
        assert!(page.status == 403 || page.status == 404, "{}", page.status);
        stranger.page("/openings").await;
        let answer = stranger.post(&format!("/openings/{id}/close"), &[]).await;
        assert!(answer.status == 403 || answer.status == 404, "{}", answer.status);
        let full: Value = app.get_as(&format!("/api/v1/openings/{id}"), &m.employer).await.json().await.unwrap();
        assert_eq!(full["status"], "published");
        v.page(&format!("/openings/{id}")).await;
        let page = v.submit(&format!("/openings/{id}/close"), &[]).await;
        assert!(page.body.contains("The opening is closed."), "{}", page.body);
        let full: Value = app.get_as(&format!("/api/v1/openings/{id}"), &m.employer).await.json().await.unwrap();
        assert_eq!(full["status"], "closed");
    }

    async fn a_case_worker_decides_a_household_runs_a_round_and_settles_a_batch(backend: Backend) {
        let app = demo_app(backend).await;
        // A household waiting for her (the demo's are decided).
        let (_, mother, _) = app.verified_account("waiting@example.kz", "seeker").await;
        let (iin, birth) = common::api::iin(42);
        let res = app.client.put(app.url("/api/v1/me/profile")).bearer_auth(&mother).json(&common::api::profile(&iin)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let res = app.client.put(app.url("/api/v1/me/household")).bearer_auth(&mother).json(&common::api::household(&birth, 5, 10_000_000)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let household: Value = app.post_json("/api/v1/me/household/submit", &json!({}), Some(&mother)).await.json().await.unwrap();
        let household = household["id"].as_str().unwrap().to_owned();

        let mut v = Visitor::new(&app);
        v.sign_in(&demo("caseworker"), DEMO_PASSWORD).await;
        let queue = v.page("/households").await;
        assert!(queue.body.contains(&format!("/households/{household}/decision")), "{}", queue.body);
        let page = v.submit(&format!("/households/{household}/decision"), &[("decision", "verified"), ("note", "Справка о составе семьи сверена")]).await;
        assert!(page.body.contains("The household is verified."), "{}", page.body);
        assert!(!page.body.contains(&household), "she leaves the queue");
        let mine: Value = app.get_as("/api/v1/me/household", &mother).await.json().await.unwrap();
        assert_eq!(mine["status"], "verified", "{mine}");
        // She is found by her IIN, and by part of her name in any case (Kazakh letters too).
        let page = v.page(&format!("/people?q={iin}")).await;
        assert!(page.body.contains("Айгүл Сейітқызы") && page.body.contains(&iin), "{}", page.body);
        assert!(page.body.contains("tag-verified"), "{}", page.body);
        let page = v.page("/people?q=%D0%A1%D0%95%D0%99%D0%86%D0%A2%D2%9A").await; // "СЕЙІТҚ"
        assert!(page.body.contains(&iin), "{}", page.body);
        let page = v.page("/people?q=nobody-by-this-name").await;
        assert!(page.body.contains("Nobody found."), "{}", page.body);
        let answer = v.open("/people?q=a").await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        let cw = app.sign_in(&demo("caseworker"), DEMO_PASSWORD).await.0;
        let found: Value = app.get_as("/api/v1/people?q=%D1%81%D0%B5%D0%B9%D1%96%D1%82", &cw).await.json().await.unwrap();
        assert!(found["items"].as_array().unwrap().iter().any(|p| p["iin"] == iin.as_str() && p["household_status"] == "verified"), "{found}");
        let res = app.get_as("/api/v1/people?q=Ай%E2%80%AEгүл", &cw).await;
        assert_eq!(res.status(), 422, "a bidi override is no name");

        // A round of the jobs programme, from its page; the round's page follows it.
        let programmes = v.page("/programmes").await;
        let links = programmes.attrs("href", "/programmes/");
        assert!(!links.is_empty(), "{}", programmes.body);
        let mut started = None;
        for link in &links {
            let page = v.page(link).await;
            if page.body.contains("name=\"kind\" value=\"job\"") {
                let id = link.trim_start_matches("/programmes/").to_owned();
                let page = v.submit("/rounds", &[("programme_id", &id), ("kind", "job")]).await;
                assert!(page.body.contains("The round has started."), "{}", page.body);
                assert!(page.body.contains("http-equiv=\"refresh\""), "a running round follows itself: {}", page.body);
                started = Some(id);
                break;
            }
        }
        let programme = started.expect("a jobs programme to run a round of");
        let rounds: Value = app.get_as(&format!("/api/v1/matching-rounds?programme_id={programme}"), &app.sign_in(&demo("caseworker"), DEMO_PASSWORD).await.0).await.json().await.unwrap();
        let round = rounds["items"][0]["id"].as_str().unwrap().to_owned();
        social_jobs::matching::rounds::run(&app.store, &social_jobs::config::Settings::default(), &round).await.unwrap();
        // An admin changes the rules; the programme's page keeps the earlier version readable.
        let admin = app.sign_in(&demo("admin"), DEMO_PASSWORD).await.0;
        let current: Value = app.get(&format!("/api/v1/programmes/{programme}")).await.json().await.unwrap();
        let mut body = json!({ "kind": current["kind"], "name": current["name"], "valid_from": current["valid_from"], "valid_to": current["valid_to"], "rules": current["rules"] });
        body["rules"]["low_income_percent"] = json!(75);
        let res = app.client.put(app.url(&format!("/api/v1/programmes/{programme}"))).bearer_auth(&admin).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let page = v.page(&format!("/programmes/{programme}")).await;
        assert!(page.body.contains("Earlier versions") && page.body.contains("&quot;low_income_percent&quot;: 75"), "{}", page.body);
        let page = v.page(&format!("/rounds/{round}")).await;
        assert!(page.body.contains("completed") || page.body.contains("Completed"), "{}", page.body);

        // Payouts of last month: approve a batch, download the bank's file, upload its answer.
        use chrono::Datelike;
        let last = common::api::today().with_day(1).unwrap() - chrono::Months::new(1);
        let period = format!("{:04}-{:02}", last.year(), last.month());
        v.page(&format!("/payouts?period={period}")).await;
        let page = v.submit("/batches", &[("period", &period)]).await;
        assert!(page.body.contains("The batch is approved."), "{}", page.body);
        let batch = page.body.split("/batches/").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let csrf = v.csrf.clone();
        let res = v.client.post(app.url(&format!("/batches/{batch}/export"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let csv = res.text().await.unwrap();
        // The bank pays every line.
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header = reader.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (id_col, amount_col) = (col("payout_id"), col("amount_kzt"));
        let mut answer = String::from("payout_id,status,amount_kzt,reference,reason\n");
        let mut lines = 0;
        for record in reader.records() {
            let record = record.unwrap();
            answer.push_str(&format!("{},paid,{},BANK-{lines},\n", &record[id_col], &record[amount_col]));
            lines += 1;
        }
        assert!(lines >= 1, "{csv}");
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(answer.into_bytes()).file_name("answer.csv"));
        let res = v.client.post(app.url(&format!("/batches/{batch}/confirm"))).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let page = v.page(&format!("/batches/{batch}?done=confirmation_read")).await;
        assert!(page.body.contains("The bank&#x27;s confirmation is read.") || page.body.contains("The bank's confirmation is read."), "{}", page.body);
        let admin = app.sign_in(&demo("admin"), DEMO_PASSWORD).await.0;
        let b: Value = app.get_as(&format!("/api/v1/payout-batches/{batch}"), &admin).await.json().await.unwrap();
        assert_eq!(b["status"], "settled", "{b}");
    }

    async fn a_case_worker_reads_the_citys_figures_as_tables_and_charts_and_downloads_them(backend: Backend) {
        let app = demo_app(backend).await;
        let mut v = Visitor::new(&app);
        v.sign_in(&demo("caseworker"), DEMO_PASSWORD).await;
        let page = v.page("/reports").await;
        assert!(page.body.contains("<svg") && page.body.contains("<rect"), "a chart");
        assert!(page.body.contains("Подали заявки") || page.body.contains("Өтініш бергендер") || page.body.contains("Applied"), "{}", page.body);
        // The demo's settled batch is in the figures: paid stipends and subsidies, and a bar for them.
        let (cw, _) = app.sign_in(&demo("caseworker"), DEMO_PASSWORD).await;
        let report: Value = app.get_as("/api/v1/reports/summary", &cw).await.json().await.unwrap();
        let paid = report["totals"]["amounts_tiyn"]["stipends_paid"].as_i64().unwrap();
        assert!(paid > 0 && report["totals"]["counts"]["subsidies_paid"].as_i64().unwrap() > 0, "{}", report["totals"]);
        assert!(page.body.contains(&format!("stipends_paid: {} ₸", social_jobs::payouts::tenge(paid).split('.').next().unwrap())), "{}", page.body);
        // One district: the table names only it.
        let one = v.page("/reports?district=medeu&from=&to=").await;
        let rows = |body: &str, name: &str| body.matches(&format!("<th scope=\"row\">{name}")).count();
        assert!(rows(&page.body, "Alatau") == 1 && rows(&page.body, "Medeu") == 1, "{}", page.body);
        assert!(rows(&one.body, "Alatau") == 0 && rows(&one.body, "Medeu") == 1, "{}", one.body);
        // A bad month is a clear page, not an error.
        let bad = v.open("/reports?from=2026-13").await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains("<main"));
        // The CSV, as the API gives it.
        let file = v.open("/reports.csv?district=medeu").await;
        assert_eq!(file.status, 200);
        assert!(file.body.starts_with("period,programme_id,programme,district,"), "{}", file.body);
        assert!(file.body.lines().skip(1).all(|l| l.split(',').nth(3) == Some("medeu")), "{}", file.body);
        // Not an employer's page.
        let mut e = Visitor::new(&app);
        e.sign_in(&demo("employer.tazalyq"), DEMO_PASSWORD).await;
        assert_eq!(e.open("/reports").await.status, 403);
    }

    async fn a_case_worker_sees_an_erasure_request_with_what_blocks_it_and_rejects_it(backend: Backend) {
        let app = demo_app(backend).await;
        let (seeker, _) = app.sign_in(&demo("seeker1"), DEMO_PASSWORD).await;
        let res = app.post_json("/api/v1/me/erasure-request", &serde_json::json!({ "reason": "moving abroad" }), Some(&seeker)).await;
        assert_eq!(res.status(), 201);
        let mut v = Visitor::new(&app);
        v.sign_in(&demo("caseworker"), DEMO_PASSWORD).await;
        let page = v.page("/erasure-requests").await;
        assert!(page.body.contains("moving abroad"), "{}", page.body);
        let id = page.attrs("action", "/erasure-requests/").first().cloned().unwrap();
        // Rejecting needs a note she is shown.
        let refused = v.post(&id, &[("decision", "reject"), ("note", "")]).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let done = v.post(&id, &[("decision", "reject"), ("note", "Please come to the centre first")]).await;
        assert_eq!(done.status, 303);
        assert!(done.location.as_deref().unwrap().contains("done=erasure_rejected"));
        let mine: Value = app.get_as("/api/v1/me/erasure-request", &seeker).await.json().await.unwrap();
        assert_eq!(mine["status"], "rejected");
        assert_eq!(mine["decision_note"], "Please come to the centre first");
        // Not a provider's page.
        let mut p = Visitor::new(&app);
        p.sign_in(&demo("provider.college"), DEMO_PASSWORD).await;
        assert_eq!(p.open("/erasure-requests").await.status, 403);
    }

    async fn an_admin_approves_an_organisation_and_keeps_the_staff(backend: Backend) {
        let app = demo_app(backend).await;
        let mut v = Visitor::new(&app);
        v.sign_in(&demo("admin"), DEMO_PASSWORD).await;
        let page = v.page("/organisations?status=pending").await;
        let approve = page.attrs("action", "/organisations/");
        assert_eq!(approve.len(), 1, "the one waiting: {}", page.body);
        let page = v.submit(&approve[0], &[]).await;
        assert!(!page.body.contains(&approve[0]), "{}", page.body);
        let admin = app.sign_in(&demo("admin"), DEMO_PASSWORD).await.0;
        let org_id = approve[0].trim_start_matches("/organisations/").trim_end_matches("/approve");
        let org: Value = app.get_as(&format!("/api/v1/organisations/{org_id}"), &admin).await.json().await.unwrap();
        assert_eq!(org["status"], "approved", "{org}");

        v.page("/staff").await;
        let answer = v.post("/staff", &[("email", "new.cw@almaty.kz"), ("password", "short"), ("role", "caseworker")]).await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        let page = v.submit("/staff", &[("email", "new.cw@almaty.kz"), ("password", PASSWORD), ("role", "caseworker")]).await;
        assert!(page.body.contains("The account is created."), "{}", page.body);
        assert!(page.body.contains("new.cw@almaty.kz"));
        let (access, _) = app.sign_in("new.cw@almaty.kz", PASSWORD).await;
        assert_eq!(app.get_as("/api/v1/households?status=pending", &access).await.status(), 200);
        let disable = page.attrs("action", "/staff/").into_iter().filter(|a| a.ends_with("/disable")).collect::<Vec<_>>();
        let staff: Value = app.get_as("/api/v1/admin/staff", &app.sign_in(&demo("admin"), DEMO_PASSWORD).await.0).await.json().await.unwrap();
        let new_id = staff["items"].as_array().unwrap().iter().find(|s| s["email"] == "new.cw@almaty.kz").unwrap()["id"].as_str().unwrap().to_owned();
        let path = disable.iter().find(|a| a.contains(&new_id)).unwrap().clone();
        let page = v.submit(&path, &[]).await;
        assert!(page.body.contains("The account is disabled."), "{}", page.body);
        assert_eq!(app.login("new.cw@almaty.kz", PASSWORD).await.status(), 401);
        assert_eq!(app.get_as("/api/v1/households?status=pending", &access).await.status(), 401, "her tokens end too");
        v.page("/outbox").await;
    }

    async fn a_seeker_answers_her_offer_in_the_cabinet_and_no_one_else_can(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let course = app.published(&m.provider, &common::api::course_opening(&m.courses_programme)).await["id"].as_str().unwrap().to_owned();
        let mut offers = Vec::new();
        for n in [1, 2] {
            let (_, mother) = app.eligible_seeker(&m.admin, n, 4, "zhetysu").await;
            app.post_json("/api/v1/me/applications", &json!({ "opening_id": course }), Some(&mother)).await;
            offers.push(mother);
        }
        let round: Value = app.post_json("/api/v1/matching-rounds", &json!({ "programme_id": m.courses_programme, "kind": "course" }), Some(&m.admin)).await.json().await.unwrap();
        social_jobs::matching::rounds::run(&app.store, &social_jobs::config::Settings::default(), round["id"].as_str().unwrap()).await.unwrap();
        let theirs: Value = app.get_as("/api/v1/me/offers", &offers[1]).await.json().await.unwrap();
        let theirs = theirs[0]["id"].as_str().unwrap().to_owned();

        let mut v = Visitor::new(&app);
        v.sign_in("mother1@example.kz", PASSWORD).await;
        let page = v.page("/offers").await;
        let accept = page.attrs("action", "/offers/").into_iter().find(|a| a.ends_with("/accept")).unwrap();
        assert!(!page.body.contains(&theirs), "only her own offers");
        // Another mother's offer cannot be answered from her session.
        let answer = v.post(&format!("/offers/{theirs}/accept"), &[]).await;
        assert!(answer.status == 403 || answer.status == 404, "{}", answer.status);
        let still: Value = app.get_as("/api/v1/me/offers", &offers[1]).await.json().await.unwrap();
        assert_eq!(still[0]["status"], "pending", "{still}");
        let page = v.submit(&accept, &[]).await;
        assert_eq!(page.status, 200);
        let mine: Value = app.get_as("/api/v1/me/offers", &offers[0]).await.json().await.unwrap();
        assert_eq!(mine[0]["status"], "accepted", "{mine}");
        assert!(mine[0]["enrollment_id"].is_string());
        v.page("/enrollments").await;
    }

    async fn a_provider_posts_a_course_with_its_weekly_sessions_and_publishes_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let mut v = Visitor::new(&app);
        v.sign_in("provider2@example.kz", PASSWORD).await;
        let page = v.page("/courses").await;
        assert!(page.body.contains("href=\"/openings/new\""), "{}", page.body);
        let form = v.page("/openings/new").await;
        assert!(form.body.contains(&m.courses_programme) && !form.body.contains(&m.jobs_programme), "only courses programmes: {}", form.body);
        assert!(!form.body.contains("wage_tenge") && form.body.contains("start_time"), "a course has session times, not a wage");
        // Days 40 to 67: exactly four weeks, so each weekday occurs four times whatever day it is
        // (to day 68 it would be nine sessions when day 40 is a Tuesday or a Thursday).
        let (deadline, start, end) = (common::api::day(20), common::api::day(40), common::api::day(67));
        let page = v.submit("/openings", &[
            ("programme_id", m.courses_programme.as_str()),
            ("title_kk", "Тігін курсы"), ("title_ru", "Курсы шитья"),
            ("description_kk", ""), ("description_ru", "Основы кроя и шитья."),
            ("district", "zhetysu"), ("employment", "part_time"), ("hours_per_week", "9"),
            ("day_tue", "on"), ("day_thu", "on"), ("skills", ""), ("capacity", "12"),
            ("application_deadline", &deadline), ("start_date", &start), ("end_date", &end),
            ("start_time", "10:00"), ("end_time", "13:00"),
        ]).await;
        assert!(page.body.contains("The opening is saved."), "{}", page.body);
        let mine: Value = app.get_as("/api/v1/me/openings", &m.provider).await.json().await.unwrap();
        let course = &mine["items"][0];
        assert_eq!((course["kind"].as_str(), course["status"].as_str()), (Some("course"), Some("draft")), "{mine}");
        let id = course["id"].as_str().unwrap().to_owned();
        let sessions: Value = app.get_as(&format!("/api/v1/courses/{id}/sessions"), &m.provider).await.json().await.unwrap();
        let sessions = sessions.as_array().unwrap();
        assert_eq!(sessions.len(), 8, "four weeks of Tuesdays and Thursdays: {sessions:?}");
        assert!(sessions.iter().all(|s| s["starts_at"].as_str().unwrap().ends_with("T05:00:00Z")), "10:00 in Almaty");
        // Its draft can be edited (no wage asked), then published.
        let page = v.page(&format!("/openings/{id}")).await;
        assert!(!page.body.contains("wage_tenge"), "{}", page.body);
        let page = v.submit(&format!("/openings/{id}/publish"), &[]).await;
        assert!(page.body.contains("The opening is published."), "{}", page.body);
        let public: Value = app.get(&format!("/api/v1/openings/{id}")).await.json().await.unwrap();
        assert_eq!(public["status"], "published", "{public}");
    }
}
