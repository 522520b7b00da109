//! Account emails end to end through a real SMTP server, and the logs of the whole account flow
//! searched for secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{
    TestDatabase,
    api::PASSWORD,
    smtp::{ReceivedMail, SmtpSink},
    spawn_with, test_settings,
};
use serde_json::{Value, json};
use social_jobs::config::SmtpTls;

async fn wait_for_mail(sink: &SmtpSink, to: &str, count: usize) -> Vec<ReceivedMail> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mails: Vec<_> = sink
            .received()
            .into_iter()
            .filter(|m| m.to == vec![to.to_owned()])
            .collect();
        if mails.len() >= count {
            return mails;
        }
        assert!(Instant::now() < deadline, "no email reached {to}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn token_in(mail: &ReceivedMail) -> String {
    let text = mail.parsed().body_text(0).unwrap().into_owned();
    let after = text.split("token=").nth(1).unwrap();
    after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

backend_tests! {
    async fn verification_and_reset_emails_arrive_in_the_accounts_language(backend: Backend) {
        let sink = SmtpSink::start();
        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.smtp_host = "127.0.0.1".into();
        settings.smtp_port = sink.port;
        settings.smtp_tls = SmtpTls::None;
        settings.workers = 1;
        settings.job_poll_interval_ms = 50;
        let app = spawn_with(db, settings).await;

        let expected = [("kk", "Электрондық поштаңызды растаңыз", "Құпиясөзді қалпына келтіру"), ("ru", "Подтвердите адрес электронной почты", "Восстановление пароля"), ("en", "Confirm your email address", "Reset your password")];
        for (locale, verify_subject, reset_subject) in expected {
            let email = format!("mother.{locale}@example.kz");
            assert_eq!(app.register(&email, "seeker", locale).await.status(), 202);
            let mail = wait_for_mail(&sink, &email, 1).await.remove(0);
            assert_eq!(mail.parsed().subject(), Some(verify_subject));
            // The link in the email is the one that works.
            let res = app.post_json("/api/v1/auth/verify-email", &json!({ "token": token_in(&mail) }), None).await;
            assert_eq!(res.status(), 200, "{locale}");
            assert_eq!(app.post_json("/api/v1/auth/password-reset", &json!({ "email": email }), None).await.status(), 202);
            let reset = wait_for_mail(&sink, &email, 2).await.remove(1);
            assert_eq!(reset.parsed().subject(), Some(reset_subject));
            let res = app.post_json("/api/v1/auth/password-reset/confirm", &json!({ "token": token_in(&reset), "new_password": "Жаңа құпиясөз 2027" }), None).await;
            assert_eq!(res.status(), 204, "{locale}");
        }
    }

    async fn no_password_token_or_hash_reaches_the_logs(backend: Backend) {
        // Everything the process logs, at debug level, from every thread.
        #[derive(Clone, Default)]
        struct Capture(Arc<Mutex<Vec<u8>>>);
        impl Write for Capture {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let capture = Capture::default();
        let writer = capture.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_writer(move || writer.clone())
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .try_init();

        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.workers = 1;
        settings.job_poll_interval_ms = 50;
        let mail_dir = settings.data_dir.join("mail");
        let app = spawn_with(db, settings).await;
        // The worker may send an email (and drop its link from the queue) before the test reads
        // the queue: then the token is read from the written email instead.
        let emailed_token = |to: &'static str, template: &'static str, path: &'static str| {
            let (app, mail_dir) = (&app, mail_dir.clone());
            async move {
                let deadline = Instant::now() + Duration::from_secs(10);
                loop {
                    let queued = app.emails_to(to).await;
                    let link = queued.iter().rev().find(|(t, _, _)| t == template).and_then(|(_, _, d)| d["link"].as_str().map(str::to_owned));
                    if let Some(token) = link.as_deref().and_then(|l| l.split("token=").nth(1)).filter(|t| !t.is_empty()) {
                        return token.to_owned();
                    }
                    let mut newest: Option<(std::time::SystemTime, String)> = None;
                    for entry in std::fs::read_dir(&mail_dir).into_iter().flatten().flatten() {
                        let raw = std::fs::read(entry.path()).unwrap_or_default();
                        let Some(msg) = mail_parser::MessageParser::default().parse(&raw) else { continue };
                        let text = msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
                        // The link is `/{path}?lang=…&token=…`.
                        let marker = format!("/{path}?");
                        let addressed = msg.to().and_then(|a| a.first()).and_then(|a| a.address()).is_some_and(|a| a == to);
                        let rest = text.split(&marker).nth(1).and_then(|r| r.split("token=").nth(1));
                        if let (true, Some(rest)) = (addressed, rest) {
                            let token: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
                            let modified = entry.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
                            if newest.as_ref().is_none_or(|(at, _)| modified >= *at) {
                                newest = Some((modified, token));
                            }
                        }
                    }
                    if let Some((_, token)) = newest {
                        return token;
                    }
                    assert!(Instant::now() < deadline, "no {template} email to {to}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };

        let email = "secretive@example.kz";
        let mut secrets = vec![PASSWORD.to_owned()];
        assert_eq!(app.register(email, "seeker", "ru").await.status(), 202);
        let verify = emailed_token(email, "verify_email", "verify-email").await;
        app.post_json("/api/v1/auth/verify-email", &json!({ "token": verify }), None).await;
        let pair: Value = app.login(email, PASSWORD).await.json().await.unwrap();
        let (access, refresh) = (pair["access_token"].as_str().unwrap().to_owned(), pair["refresh_token"].as_str().unwrap().to_owned());
        app.get_as("/api/v1/me", &access).await;
        let pair: Value = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await.json().await.unwrap();
        let refresh2 = pair["refresh_token"].as_str().unwrap().to_owned();
        app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await;
        app.login(email, "Wrong-password-42").await;
        app.post_json("/api/v1/auth/password-reset", &json!({ "email": email }), None).await;
        let reset = emailed_token(email, "password_reset", "password-reset").await;
        let new_password = "Жаңа құпиясөз 2027";
        app.post_json("/api/v1/auth/password-reset/confirm", &json!({ "token": reset, "new_password": new_password }), None).await;
        // Let the worker send (to files) the queued emails, which carry the tokens.
        tokio::time::sleep(Duration::from_millis(800)).await;
        secrets.extend([verify, reset, access.clone(), refresh, refresh2, new_password.to_owned(), "Wrong-password-42".to_owned()]);
        // The JWT's signature part alone is a secret too.
        secrets.push(access.rsplit('.').next().unwrap().to_owned());

        let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        assert!(logs.contains("/api/v1/auth/login"), "logs were not captured:\n{logs}");
        assert!(logs.contains("email written to a file"), "the email worker did not run:\n{logs}");
        for secret in &secrets {
            assert!(!logs.contains(secret.as_str()), "a secret reached the logs: {}…", &secret[..secret.len().min(6)]);
        }
        assert!(!logs.contains("$argon2"), "a password hash reached the logs");
    }
}
