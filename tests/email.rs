//! Email through the outbox to a real SMTP server on loopback, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{collections::BTreeSet, time::Duration};

use actix_web::test as atest;
use common::{
    Backend, TestDatabase,
    smtp::{Outage, SmtpSink},
    test_settings,
};
use diesel::prelude::*;
use social_jobs::{
    config::{Settings, SmtpTls},
    db::{DbError, schema::jobs},
    http::locale::Locale,
    jobs::{Job, QueueConfig, Worker, WorkerPool, worker::Outcome},
    notifications::{EmailAddress, EmailTemplate, Templates, notify},
    startup::AppState,
};

async fn state_with_smtp(
    backend: Backend,
    port: u16,
    tune: impl FnOnce(&mut Settings),
) -> (actix_web::web::Data<AppState>, TestDatabase) {
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    settings.smtp_host = "127.0.0.1".into();
    settings.smtp_port = port;
    settings.smtp_tls = SmtpTls::None;
    settings.smtp_timeout_secs = 3;
    tune(&mut settings);
    let (state, _) = AppState::build(settings, common::clock().clone())
        .await
        .unwrap();
    (state, db)
}

fn data() -> serde_json::Value {
    serde_json::json!({
        "name": "Айгүл <b>Сейітқызы</b>",
        "link": "https://app.social-jobs.almaty.kz/verify?token=t0k3n",
        "expires_hours": 24,
        "expires_minutes": 60,
        "decision": "verified",
        "note": "Барлығы дұрыс",
        "step": "reminder",
        "kind": "course",
        "opening_title": "Кондитер курсы",
        "organisation_name": "«Болашақ» оқу орталығы",
        "expires_at": "2026-12-04 18:00",
        "start_date": "2027-01-15",
        "seeker_name": "Айгүл <b>Сейітқызы</b>",
        "course_title": "Кондитер курсы",
        "period": "2027-02",
        "attended": 5,
        "held": 8,
        "min_percent": 80, "wage_paid": "25000.00", "percent": 75, "due_date": "2027-03-10",
        "amount": "25000.00",
        "openings": [{"title": "Швея", "organisation_name": "ТОО «Әлем»", "district": "auezov", "kind": "job", "link": "https://example.kz/openings/1"}],
        "count": 1,
    })
}

async fn queue_email(
    state: &AppState,
    to: &str,
    template: EmailTemplate,
    locale: Locale,
    key: &str,
) {
    let (to, key) = (EmailAddress::parse(to).unwrap(), key.to_owned());
    state
        .db
        .transaction(move |c| notify(c, &to, template, locale, data(), &key).map_err(DbError::from))
        .await
        .unwrap();
}

fn worker(state: &AppState) -> Worker {
    Worker::new(
        state.job_context(),
        state.jobs.clone(),
        QueueConfig::from_settings(&state.settings),
    )
}

async fn job_states(state: &AppState) -> Vec<(String, i32)> {
    state
        .db
        .run(|c| {
            jobs::table
                .select((jobs::state, jobs::attempts))
                .load::<(String, i32)>(c)
                .map_err(DbError::from)
        })
        .await
        .unwrap()
}

/// The earliest time a queued job is due, if any is queued.
async fn next_due(state: &AppState) -> Option<chrono::NaiveDateTime> {
    state
        .db
        .run(|c| {
            jobs::table
                .filter(jobs::state.eq("queued"))
                .select(diesel::dsl::min(jobs::run_at))
                .first::<Option<chrono::NaiveDateTime>>(c)
                .map_err(DbError::from)
        })
        .await
        .unwrap()
}

/// Runs every due job, moves the test clock to the next job's time, and so on, until no job is
/// due by `until` (the clock never goes back). Returns how many attempts were made.
async fn drive_until(state: &AppState, w: &Worker, until: chrono::DateTime<chrono::Utc>) -> usize {
    let mut attempts = 0;
    loop {
        while w.run_once().await.unwrap().is_some() {
            attempts += 1;
        }
        match next_due(state).await.map(|t| t.and_utc()) {
            Some(t) if t <= until => {
                if t > common::clock().now() {
                    common::clock().set(t);
                }
            }
            _ => return attempts,
        }
    }
}

async fn email_jobs(state: &AppState) -> Vec<Job> {
    state
        .db
        .run(|c| {
            jobs::table
                .filter(jobs::kind.eq("send_email"))
                .select(Job::as_select())
                .load(c)
                .map_err(DbError::from)
        })
        .await
        .unwrap()
}

backend_tests! {
    async fn a_sent_link_is_not_kept_in_the_outbox(backend: Backend) {
        let sink = SmtpSink::start();
        let (state, _db) = state_with_smtp(backend, sink.port, |_| {}).await;
        queue_email(&state, "mother@example.kz", EmailTemplate::VerifyEmail, Locale::Kk, "v").await;
        queue_email(&state, "mother@example.kz", EmailTemplate::PasswordReset, Locale::Ru, "r").await;
        queue_email(&state, "mother@example.kz", EmailTemplate::PayoutUpdate, Locale::Kk, "p").await;
        let payloads = |state: &AppState| {
            let db = state.db.clone();
            async move { db.run(|c| jobs::table.order(jobs::id).select(jobs::payload).load::<String>(c).map_err(DbError::from)).await.unwrap() }
        };
        // Queued: the link is there, to be sent.
        assert!(payloads(&state).await.iter().all(|p| p.contains("t0k3n")));
        let w = worker(&state);
        while let Some((_, outcome)) = w.run_once().await.unwrap() {
            assert_eq!(outcome, Outcome::Done);
        }
        // Sent: it reached her, and the outbox keeps no token; other emails' links (no secret) stay.
        assert_eq!(sink.received().len(), 3);
        assert!(sink.received().iter().filter(|m| m.parsed().body_text(0).is_some_and(|b| b.contains("t0k3n"))).count() >= 2);
        let after = payloads(&state).await;
        assert_eq!(after.iter().filter(|p| p.contains("t0k3n")).count(), 1, "{after:?}");
        assert!(after.iter().filter(|p| p.contains("verify_email") || p.contains("password_reset")).all(|p| !p.contains("t0k3n") && p.contains("(sent)")), "{after:?}");
    }

    async fn an_email_that_may_be_turned_off_carries_a_one_click_link_for_its_account(backend: Backend) {
        use secrecy::ExposeSecret;
        use social_jobs::notifications::preferences;
        let sink = SmtpSink::start();
        let (state, _db) = state_with_smtp(backend, sink.port, |_| {}).await;
        // An employer's account at that address.
        let account = uuid::Uuid::now_v7().to_string();
        let id = account.clone();
        state.db.transaction(move |c| {
            let now = social_jobs::db::now();
            let row = social_jobs::accounts::model::NewAccount {
                id, email: "employer@example.kz".into(), password_hash: "x".into(), role: "employer".into(),
                locale: "ru".into(), email_verified_at: Some(now), tokens_valid_after: now, created_at: now, updated_at: now,
            };
            social_jobs::dispatch!(c, |c| diesel::insert_into(social_jobs::db::schema::accounts::table).values(&row).execute(c)).map_err(DbError::from)
        }).await.unwrap();
        queue_email(&state, "employer@example.kz", EmailTemplate::WageReportReminder, Locale::Ru, "r1").await;
        queue_email(&state, "employer@example.kz", EmailTemplate::PayoutUpdate, Locale::Ru, "p1").await;
        let w = worker(&state);
        while let Some((_, outcome)) = w.run_once().await.unwrap() {
            assert_eq!(outcome, Outcome::Done);
        }
        let received = sink.received();
        assert_eq!(received.len(), 2);
        let raw: Vec<String> = received.iter().map(|m| String::from_utf8(m.raw.clone()).unwrap()).collect();
        let (reminder, payout) = if raw[0].contains("List-Unsubscribe") { (&raw[0], &raw[1]) } else { (&raw[1], &raw[0]) };
        // The reminder: RFC 8058 headers, the link in its body; the payment email has neither.
        assert!(reminder.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{reminder}");
        let start = reminder.find("/api/v1/email/unsubscribe?token=").expect("a one-click URL");
        let token: String = reminder[start + "/api/v1/email/unsubscribe?token=".len()..].chars().take_while(|c| *c != '>').collect();
        let key = preferences::link_key(Settings::default().jwt_secret.expose_secret());
        assert_eq!(preferences::verify(&key, &token), Some((account.clone(), preferences::EmailCategory::Reminders)));
        let parsed = received.iter().find(|m| String::from_utf8_lossy(&m.raw).contains("List-Unsubscribe")).unwrap().parsed();
        assert!(parsed.body_text(0).unwrap().contains(&format!("/unsubscribe?token={token}")));
        assert!(!payout.contains("List-Unsubscribe") && !payout.contains("unsubscribe?token"), "{payout}");
        // Nothing of the link is stored with the sent email.
        let payloads = state.db.run(|c| jobs::table.select(jobs::payload).load::<String>(c).map_err(DbError::from)).await.unwrap();
        assert!(payloads.iter().all(|p| !p.contains(&token)));
        // Clicked: the next reminder is not queued; a payment email still is.
        preferences::unsubscribe(&state.db, &key, &token, social_jobs::audit::Actor::default()).await.unwrap();
        queue_email(&state, "employer@example.kz", EmailTemplate::WageReportReminder, Locale::Ru, "r2").await;
        queue_email(&state, "employer@example.kz", EmailTemplate::PayoutUpdate, Locale::Ru, "p2").await;
        while let Some((_, outcome)) = w.run_once().await.unwrap() {
            assert_eq!(outcome, Outcome::Done);
        }
        assert_eq!(sink.received().len(), 3);
    }

    async fn emails_arrive_at_the_smtp_server_with_both_bodies_in_each_locale(backend: Backend) {
        let sink = SmtpSink::start();
        let (state, _db) = state_with_smtp(backend, sink.port, |_| {}).await;
        let mut expected = Vec::new();
        for template in EmailTemplate::ALL {
            for locale in Locale::ALL {
                let to = format!("mother.{}.{}@example.kz", template.name(), locale.code());
                queue_email(&state, &to, template, locale, &to).await;
                expected.push((to, template, locale));
            }
        }
        let w = worker(&state);
        while let Some((_, outcome)) = w.run_once().await.unwrap() {
            assert_eq!(outcome, Outcome::Done);
        }
        let received = sink.received();
        assert_eq!(received.len(), expected.len());
        let templates = Templates::load().unwrap();
        for (to, template, locale) in expected {
            let mail = received.iter().find(|m| m.to == vec![to.clone()]).unwrap_or_else(|| panic!("nothing for {to}"));
            let parsed = mail.parsed();
            let want = templates.render(template, locale, &data()).unwrap();
            assert_eq!(parsed.to().unwrap().first().unwrap().address().unwrap(), to);
            assert_eq!(parsed.subject().unwrap(), want.subject, "{to}");
            let text = parsed.body_text(0).unwrap();
            let html = parsed.body_html(0).unwrap();
            if template != EmailTemplate::HouseholdDecision {
                assert!(text.contains("https://app.social-jobs.almaty.kz/verify?token=t0k3n"), "{text}");
            }
            // SMTP carries lines ending in CRLF.
            let unwire = |s: &str| s.replace("\r\n", "\n").trim_end().to_owned();
            assert_eq!(unwire(&text), unwire(&want.text));
            assert_eq!(unwire(&html), unwire(&want.html));
            assert!(!html.contains("<b>Сейітқызы</b>"), "user data not escaped in HTML");
            assert!(parsed.message_id().unwrap().ends_with("@social-jobs.almaty.kz"));
        }
        let text = String::from_utf8(received[0].raw.clone()).unwrap();
        assert!(text.contains("multipart/alternative"), "not a text+HTML message");
        let metrics = state.metrics.render((0, 0), 0);
        assert!(metrics.contains(r#"sj_emails_total{outcome="sent",template="verify_email"} 3"#), "{metrics}");
        assert!(metrics.contains(r#"sj_emails_total{outcome="sent",template="password_reset"} 3"#), "{metrics}");
    }

    async fn with_the_smtp_server_down_emails_wait_and_all_arrive_once_it_is_back(backend: Backend) {
        let sink = SmtpSink::start();
        let mut proxy = Outage::start(format!("127.0.0.1:{}", sink.port)).await;
        let (state, _db) = state_with_smtp(backend, proxy.port, |s| {
            s.job_backoff_base_ms = 100;
            s.job_backoff_max_secs = 1;
            s.job_max_attempts = 100;
            s.job_poll_interval_ms = 50;
        }).await;
        proxy.cut();
        let mut recipients = BTreeSet::new();
        for i in 0..5 {
            let to = format!("family{i}@example.kz");
            queue_email(&state, &to, EmailTemplate::VerifyEmail, Locale::Kk, &to).await;
            recipients.insert(to);
        }
        let pool = WorkerPool::start(2, state.job_context(), state.jobs.clone(), QueueConfig::from_settings(&state.settings));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(sink.received().is_empty());
        let states = job_states(&state).await;
        assert!(states.iter().all(|(s, a)| s != "done" && s != "dead" && *a >= 1), "{states:?}");

        proxy.restore().await;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while job_states(&state).await.iter().any(|(s, _)| s != "done") {
            assert!(std::time::Instant::now() < deadline, "emails were not delivered after SMTP came back");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        pool.stop().await;
        let received = sink.received();
        let got: BTreeSet<String> = received.iter().flat_map(|m| m.to.clone()).collect();
        assert_eq!(got, recipients, "an email was lost");
        assert_eq!(received.len(), 5, "an email was sent twice");
        let ids: BTreeSet<String> = received.iter().map(|m| m.parsed().message_id().unwrap().to_owned()).collect();
        assert_eq!(ids.len(), 5);
    }

    async fn dead_emails_are_listed_for_admins_and_can_be_retried(backend: Backend) {
        let sink = SmtpSink::start();
        let mut proxy = Outage::start(format!("127.0.0.1:{}", sink.port)).await;
        let (state, _db) = state_with_smtp(backend, proxy.port, |s| s.email_retry_hours = 1).await;
        proxy.cut();
        queue_email(&state, "dead@example.kz", EmailTemplate::PasswordReset, Locale::Ru, "dead").await;
        let w = worker(&state);
        assert_eq!(w.run_once().await.unwrap().unwrap().1, Outcome::Retrying { attempt: 1 });
        // Its retry window passes (the SMTP server stays down): the next failure is its last.
        common::clock().advance(chrono::Duration::minutes(61));
        assert_eq!(w.run_once().await.unwrap().unwrap().1, Outcome::Dead);
        queue_email(&state, "pending@example.kz", EmailTemplate::PasswordReset, Locale::Ru, "pending").await;
        assert!(state.metrics.render((0, 0), 0).contains(r#"sj_emails_total{outcome="failed",template="password_reset"} 2"#));

        let app = atest::init_service(social_jobs::http::app(state.clone())).await;
        let (_, token) = common::admin_token(&state).await;
        let bearer = ("authorization", format!("Bearer {token}"));
        let get = |uri: &str| atest::TestRequest::get().uri(uri).insert_header(bearer.clone()).to_request();
        let dead: serde_json::Value = atest::call_and_read_body_json(&app, get("/api/v1/admin/outbox?status=dead")).await;
        let items = dead["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["recipient"], "dead@example.kz");
        assert_eq!(items[0]["template"], "password_reset");
        assert_eq!(items[0]["status"], "dead");
        assert!(items[0]["last_error"].as_str().is_some_and(|e| !e.is_empty()));
        let pending: serde_json::Value = atest::call_and_read_body_json(&app, get("/api/v1/admin/outbox?status=pending")).await;
        assert_eq!(pending["items"][0]["recipient"], "pending@example.kz");
        let all: serde_json::Value = atest::call_and_read_body_json(&app, get("/api/v1/admin/outbox?limit=1")).await;
        assert_eq!(all["items"].as_array().unwrap().len(), 1);
        let cursor = all["next_cursor"].as_str().unwrap().to_owned();
        let rest: serde_json::Value = atest::call_and_read_body_json(&app, get(&format!("/api/v1/admin/outbox?limit=1&cursor={cursor}"))).await;
        assert_ne!(rest["items"][0]["id"], all["items"][0]["id"]);
        assert!(rest["next_cursor"].is_null());

        let res = atest::call_service(&app, get("/api/v1/admin/outbox?status=lost")).await;
        assert_eq!(res.status(), 422);

        let id = items[0]["id"].as_str().unwrap().to_owned();
        let retry = |id: &str| atest::TestRequest::post().uri(&format!("/api/v1/admin/outbox/{id}/retry")).insert_header(bearer.clone()).to_request();
        let res = atest::call_service(&app, retry(&id)).await;
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = atest::read_body_json(res).await;
        assert_eq!(body["status"], "pending");
        assert_eq!(atest::call_service(&app, retry(&id)).await.status(), 409);
        assert_eq!(atest::call_service(&app, retry("no-such-id")).await.status(), 404);
        let audited = { let id = id.clone(); state.db.run(move |c| social_jobs::audit::for_entity(c, "outbox_message", &id).map_err(DbError::from)).await.unwrap() };
        assert_eq!(audited.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["outbox.retried"]);

        proxy.restore().await;
        while w.run_once().await.unwrap().is_some() {}
        let sent: serde_json::Value = atest::call_and_read_body_json(&app, get("/api/v1/admin/outbox?status=sent")).await;
        assert_eq!(sent["items"].as_array().unwrap().len(), 2);
        assert_eq!(sink.received().len(), 2);
    }

    async fn an_smtp_outage_of_hours_loses_no_email(backend: Backend) {
        let sink = SmtpSink::start();
        let mut proxy = Outage::start(format!("127.0.0.1:{}", sink.port)).await;
        // The default queue settings: 8 attempts from 5 s used to make an email dead in ~10 minutes.
        let (state, _db) = state_with_smtp(backend, proxy.port, |_| {}).await;
        assert_eq!(state.settings.job_max_attempts, 8);
        assert_eq!(state.settings.email_retry_hours, 72);
        proxy.cut();
        let mut recipients = BTreeSet::new();
        for i in 0..6 {
            let to = format!("family{i}@example.kz");
            queue_email(&state, &to, EmailTemplate::PayoutUpdate, Locale::Kk, &to).await;
            recipients.insert(to);
        }
        let start = common::clock().now();
        let w = worker(&state);
        drive_until(&state, &w, start + chrono::Duration::hours(2)).await;
        assert!(sink.received().is_empty());
        let waiting = email_jobs(&state).await;
        assert!(waiting.iter().all(|j| j.state == "queued" && j.attempts > 8), "{:?}", waiting.iter().map(|j| (&j.state, j.attempts)).collect::<Vec<_>>());
        // Capped backoff: the next attempt is at most SJ_JOB_BACKOFF_MAX_SECS away.
        let cap = chrono::Duration::seconds(state.settings.job_backoff_max_secs as i64);
        assert!(waiting.iter().all(|j| j.run_at - common::clock().now_naive() <= cap));

        // The server comes back after two hours: within one backoff period everything is delivered.
        common::clock().set(start + chrono::Duration::hours(2));
        proxy.restore().await;
        drive_until(&state, &w, start + chrono::Duration::hours(3) + chrono::Duration::seconds(5)).await;
        let jobs = email_jobs(&state).await;
        assert!(jobs.iter().all(|j| j.state == "done"), "{:?}", jobs.iter().map(|j| (&j.state, j.attempts, &j.last_error)).collect::<Vec<_>>());
        let received = sink.received();
        let got: BTreeSet<String> = received.iter().flat_map(|m| m.to.clone()).collect();
        assert_eq!(got, recipients, "an email was lost");
        assert_eq!(received.len(), recipients.len(), "an email was sent twice");
    }

    async fn after_the_retry_window_emails_are_dead_and_an_admin_requeues_them_all(backend: Backend) {
        let sink = SmtpSink::start();
        let mut proxy = Outage::start(format!("127.0.0.1:{}", sink.port)).await;
        let (state, _db) = state_with_smtp(backend, proxy.port, |s| s.email_retry_hours = 6).await;
        proxy.cut();
        let mut recipients = BTreeSet::new();
        for i in 0..4 {
            let to = format!("late{i}@example.kz");
            queue_email(&state, &to, EmailTemplate::VerifyEmail, Locale::Ru, &to).await;
            recipients.insert(to);
        }
        let start = common::clock().now();
        let w = worker(&state);
        // A minute before the window ends, all still wait.
        drive_until(&state, &w, start + chrono::Duration::hours(6) - chrono::Duration::minutes(1)).await;
        assert!(email_jobs(&state).await.iter().all(|j| j.state == "queued"));
        // The last attempt is made at the end of the window; then they are dead.
        drive_until(&state, &w, start + chrono::Duration::hours(7)).await;
        let dead = email_jobs(&state).await;
        assert!(dead.iter().all(|j| j.state == "dead"), "{:?}", dead.iter().map(|j| (&j.state, j.attempts)).collect::<Vec<_>>());
        for j in &dead {
            let given_up = j.finished_at.unwrap() - j.created_at;
            assert!(given_up >= chrono::Duration::hours(6), "given up after {given_up}");
            assert!(given_up < chrono::Duration::hours(6) + chrono::Duration::minutes(5), "given up after {given_up}");
        }
        assert!(w.run_once().await.unwrap().is_none(), "a dead email was claimed");

        // The server is back; an admin requeues every dead email in one call.
        proxy.restore().await;
        let app = atest::init_service(social_jobs::http::app(state.clone())).await;
        let (admin_id, token) = common::admin_token(&state).await;
        let retry_dead = || atest::TestRequest::post().uri("/api/v1/admin/outbox/retry-dead").insert_header(("authorization", format!("Bearer {token}"))).to_request();
        let res = atest::call_service(&app, retry_dead()).await;
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = atest::read_body_json(res).await;
        assert_eq!(body["requeued"], 4);
        let again: serde_json::Value = atest::call_and_read_body_json(&app, retry_dead()).await;
        assert_eq!(again["requeued"], 0);
        let anonymous = atest::TestRequest::post().uri("/api/v1/admin/outbox/retry-dead").to_request();
        assert_eq!(atest::call_service(&app, anonymous).await.status(), 401);
        let audit = state.db.run(|c| social_jobs::audit::for_entity(c, "outbox", "dead").map_err(DbError::from)).await.unwrap();
        assert_eq!(audit.len(), 2);
        assert!(audit.iter().all(|e| e.action == "outbox.dead_retried" && e.actor_id.as_deref() == Some(admin_id.as_str())));
        assert!(audit.iter().any(|e| e.after_json.as_deref().is_some_and(|a| a.contains("\"requeued\":4"))));

        let now = common::clock().now();
        drive_until(&state, &w, now + chrono::Duration::minutes(1)).await;
        let jobs = email_jobs(&state).await;
        assert!(jobs.iter().all(|j| j.state == "done"), "{:?}", jobs.iter().map(|j| (&j.state, &j.last_error)).collect::<Vec<_>>());
        let got: BTreeSet<String> = sink.received().iter().flat_map(|m| m.to.clone()).collect();
        assert_eq!(got, recipients);
        assert_eq!(sink.received().len(), 4);
    }

    async fn an_email_whose_worker_keeps_dying_is_abandoned(backend: Backend) {
        let sink = SmtpSink::start();
        let (state, _db) = state_with_smtp(backend, sink.port, |s| s.job_max_attempts = 2).await;
        queue_email(&state, "poison@example.kz", EmailTemplate::VerifyEmail, Locale::En, "poison").await;
        let lease = chrono::Duration::seconds(state.settings.job_lease_secs as i64 + 1);
        // Two workers take it in turn and die while sending (they never record anything).
        for stalls in 0..2 {
            let job = worker(&state).claim().await.unwrap().expect("due");
            assert_eq!(job.stalls, stalls);
            common::clock().advance(lease);
        }
        let w = worker(&state);
        let (job, outcome) = w.run_once().await.unwrap().unwrap();
        assert_eq!((job.stalls, outcome), (2, Outcome::Dead));
        assert!(email_jobs(&state).await[0].last_error.as_deref().is_some_and(|e| e.contains("abandoned")));
        assert!(sink.received().is_empty(), "an abandoned email was sent");
    }

    async fn without_smtp_emails_are_written_as_eml_files(backend: Backend) {
        let db = TestDatabase::migrated(backend).await;
        let settings = test_settings(&db);
        let mail_dir = settings.data_dir.join("mail");
        let (state, _) = AppState::build(settings, common::clock().clone()).await.unwrap();
        queue_email(&state, "dev@example.kz", EmailTemplate::VerifyEmail, Locale::En, "dev").await;
        assert_eq!(worker(&state).run_once().await.unwrap().unwrap().1, Outcome::Done);
        let files: Vec<_> = std::fs::read_dir(&mail_dir).unwrap().flatten().collect();
        assert_eq!(files.len(), 1);
        let raw = std::fs::read(files[0].path()).unwrap();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Confirm your email address"));
    }
}
