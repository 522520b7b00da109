//! Email preferences: an account turns off the emails it may (reminders, attendance warnings, the
//! digest), never those about money, offers or the account; a one-click link turns one kind off
//! without signing in and cannot be made for another account. Both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::spawn_app;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use social_jobs::{
    config::Settings,
    http::locale::Locale,
    notifications::{
        EmailAddress, EmailTemplate, notify,
        preferences::{EmailCategory, link_key, sign},
    },
};

fn key() -> Vec<u8> {
    link_key(Settings::default().jwt_secret.expose_secret())
}

async fn queue(app: &common::TestApp, to: &str, template: EmailTemplate, key: &str) -> bool {
    let (to, key) = (EmailAddress::parse(to).unwrap(), key.to_owned());
    app.store
        .transaction(move |c| {
            notify(c, &to, template, Locale::Ru, json!({}), &key)
                .map_err(social_jobs::db::DbError::from)
        })
        .await
        .unwrap()
}

backend_tests! {
    async fn an_account_chooses_its_emails_and_one_click_turns_one_kind_off(backend: Backend) {
        let app = spawn_app(backend).await;
        let (id, access, _) = app.verified_account("mother@example.kz", "seeker").await;
        let (other_id, other, _) = app.verified_account("neighbour@example.kz", "seeker").await;
        let path = "/api/v1/me/notification-preferences";
        let prefs: Value = app.get_as(path, &access).await.json().await.unwrap();
        assert_eq!(prefs, json!({ "reminders": true, "attendance_warnings": true, "digest": true }));
        assert_eq!(app.client.get(app.url(path)).send().await.unwrap().status(), 401);
        // She turns attendance warnings off; an unknown field or a missing one is refused.
        let put = |body: Value| app.client.put(app.url(path)).bearer_auth(&access).json(&body).send();
        assert_eq!(put(json!({ "reminders": true, "attendance_warnings": true, "digest": true, "payouts": false })).await.unwrap().status(), 422);
        assert_eq!(put(json!({ "reminders": true })).await.unwrap().status(), 422);
        let saved: Value = put(json!({ "reminders": true, "attendance_warnings": false, "digest": true })).await.unwrap().json().await.unwrap();
        assert_eq!(saved["attendance_warnings"], false);
        assert_eq!(app.get_as(path, &access).await.json::<Value>().await.unwrap(), saved);
        // An attendance warning is no longer queued for her; one about her money still is.
        assert!(!queue(&app, "mother@example.kz", EmailTemplate::AttendanceWarning, "w1").await);
        assert!(queue(&app, "mother@example.kz", EmailTemplate::PayoutUpdate, "p1").await);
        assert!(queue(&app, "neighbour@example.kz", EmailTemplate::AttendanceWarning, "w2").await);

        // One click, without signing in: the digest goes off for her, and for nobody else.
        let token = sign(&key(), &id, EmailCategory::Digest);
        let click = |token: String| {
            app.client
                .post(app.url(&format!("/api/v1/email/unsubscribe?token={token}")))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .send()
        };
        let res = click(token.clone()).await.unwrap();
        assert_eq!(res.status(), 200);
        let done: Value = res.json().await.unwrap();
        assert_eq!((done["category"].as_str(), done["preferences"]["digest"].as_bool()), (Some("digest"), Some(false)));
        assert_eq!(click(token.clone()).await.unwrap().status(), 200, "again: nothing changes");
        assert!(!queue(&app, "mother@example.kz", EmailTemplate::OpeningsDigest, "d1").await);
        let theirs: Value = app.get_as(path, &other).await.json().await.unwrap();
        assert_eq!(theirs["digest"], true);
        // Her link with the neighbour's id in it, a made-up signature, or another key: refused.
        let forged = token.replacen(&id, &other_id, 1);
        let refused = click(forged).await.unwrap();
        assert_eq!(refused.status(), 422);
        assert_eq!(refused.headers()["content-type"], "application/problem+json");
        let made_up = format!("{other_id}.reminders.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(click(made_up).await.unwrap().status(), 422);
        let other_key = sign(&link_key("another secret entirely, of at least 32 bytes"), &other_id, EmailCategory::Digest);
        assert_eq!(click(other_key).await.unwrap().status(), 422);
        assert_eq!(app.get_as(path, &other).await.json::<Value>().await.unwrap()["digest"], true);
        // Each change is audited, the click under her own name.
        let account = id.clone();
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "account", &account).map_err(social_jobs::db::DbError::from)).await.unwrap();
        let changes: Vec<_> = events.iter().filter(|e| e.action == "email_preferences.changed").collect();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[1].actor_id.as_deref(), Some(id.as_str()));
        assert!(!changes[1].after_json.as_deref().unwrap().contains(&token));

        // The page an email's link opens asks before it turns anything off.
        let page = app.client.get(app.url(&format!("/unsubscribe?token={}&lang=en", sign(&key(), &other_id, EmailCategory::Reminders)))).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let body = page.text().await.unwrap();
        assert!(body.contains("reminders of reports") && body.contains("always sent"), "{body}");
        assert_eq!(app.get_as(path, &other).await.json::<Value>().await.unwrap()["reminders"], true);
    }

    async fn the_cabinet_lets_a_person_untick_what_she_does_not_want(backend: Backend) {
        use common::cabinet::Visitor;
        let app = spawn_app(backend).await;
        let (_, access, _) = app.verified_account("employer9@example.kz", "employer").await;
        let mut visitor = Visitor::new(&app);
        visitor.sign_in("employer9@example.kz", common::api::PASSWORD).await;
        let page = visitor.page("/settings/emails?lang=en").await;
        assert!(page.body.contains("reminders of reports") && page.body.contains("always sent"), "{}", page.body);
        // Reminders unticked (an unticked box is not sent), the rest kept.
        let page = visitor.submit("/settings/emails", &[("attendance_warnings", "on"), ("digest", "on")]).await;
        assert!(page.body.contains("Saved."), "{}", page.body);
        let prefs: Value = app.get_as("/api/v1/me/notification-preferences", &access).await.json().await.unwrap();
        assert_eq!(prefs, json!({ "reminders": false, "attendance_warnings": true, "digest": true }));
        // Without the form's CSRF token nothing changes.
        let refused = visitor.post_raw("/settings/emails", &[("csrf", "forged"), ("reminders", "on")]).await;
        assert_eq!(refused.status, 403);
        assert_eq!(app.get_as("/api/v1/me/notification-preferences", &access).await.json::<Value>().await.unwrap()["reminders"], false);
    }

    async fn the_weekly_digest_brings_new_openings_that_fit_once_a_week_to_those_who_want_it(backend: Backend) {
        use common::api::job_opening;
        use social_jobs::openings::digest;
        let app = spawn_app(backend).await;
        let m = app.market().await;
        app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, quiet) = app.eligible_seeker(&m.admin, 2, 4, "auezov").await;
        // An unverified seeker is never written to; one who turned the digest off is not either.
        let res = app.client.put(app.url("/api/v1/me/notification-preferences")).bearer_auth(&quiet)
            .json(&json!({ "reminders": true, "attendance_warnings": true, "digest": false })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let settings = Settings::default();
        // Nothing new: nobody is written to.
        assert_eq!(digest::send(&app.store, &settings).await.unwrap().sent, 0);
        let job = app.published(&m.employer, &job_opening(&m.jobs_programme)).await;
        let id = job["id"].as_str().unwrap().to_owned();
        let run = digest::send(&app.store, &settings).await.unwrap();
        assert_eq!((run.openings, run.sent), (1, 1), "{run:?}");
        let mails: Vec<Value> = app.emails_to("mother1@example.kz").await.into_iter().filter(|(t, _, _)| t == "openings_digest").map(|(_, _, d)| d).collect();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0]["openings"][0]["title"], "Швея");
        let link = mails[0]["openings"][0]["link"].as_str().unwrap().to_owned();
        assert!(link.ends_with(&format!("/openings/{id}")), "{link}");
        assert!(app.emails_to("mother2@example.kz").await.iter().all(|(t, _, _)| t != "openings_digest"));
        // Again the same week (another instance, a retry): no second digest.
        assert_eq!(digest::send(&app.store, &settings).await.unwrap().sent, 0);
        // The link lands on the opening's page for her.
        let mut visitor = common::cabinet::Visitor::new(&app);
        visitor.sign_in("mother1@example.kz", common::api::PASSWORD).await;
        let page = visitor.page(&format!("/openings/{id}")).await;
        assert!(page.body.contains("Швея") && page.body.contains("Apply in the app"), "{}", page.body);
        // A week on, nothing newer: nothing is sent.
        common::clock().advance(chrono::Duration::days(8));
        let later = digest::send(&app.store, &settings).await.unwrap();
        assert_eq!((later.openings, later.sent), (0, 0));
    }
}
