//! Emails per second through the outbox to a real SMTP server on loopback, on SQLite and PostgreSQL.
//!
//! `cargo bench --bench email_throughput` (EMAILS=n to change the load). Each run enqueues the
//! emails in one transaction, starts the worker pool and times until every `send_email` job is
//! `done`; the SMTP sink checks that each arrived once. The queue, SMTP and database pools are the
//! service's defaults (`Settings::default()`); WORKERS=n overrides the worker count (and sizes the
//! SMTP and database pools to fit it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestDatabase, smtp::SmtpSink, test_settings};
use diesel::prelude::*;
use social_jobs::{
    config::SmtpTls,
    db::{DbError, schema::jobs},
    http::locale::Locale,
    jobs::{QueueConfig, WorkerPool},
    notifications::{EmailAddress, EmailTemplate, notify},
    startup::AppState,
};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run(backend: Backend, emails: usize, workers: Option<usize>) {
    // SMTP_PORT=n sends to another loopback server instead (e.g. `python -m aiosmtpd -n -l 127.0.0.1:2525`).
    let external = std::env::var("SMTP_PORT")
        .ok()
        .and_then(|p| p.parse::<u16>().ok());
    let sink = SmtpSink::start();
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    settings.smtp_host = "127.0.0.1".into();
    settings.smtp_port = external.unwrap_or(sink.port);
    settings.smtp_tls = SmtpTls::None;
    // The service's defaults, not the test suite's small pool.
    let defaults = social_jobs::config::Settings::default();
    settings.db_pool_size = defaults.db_pool_size;
    settings.workers = defaults.workers;
    if let Some(n) = workers {
        settings.workers = n;
        settings.smtp_pool_size = settings.smtp_pool_size.max(n as u32);
        settings.db_pool_size = settings.db_pool_size.max(n as u32 + 2);
    }
    let workers = settings.workers;
    let (smtp_pool, db_pool) = (settings.smtp_pool_size, settings.db_pool_size);
    let (state, _) = AppState::build(settings, social_jobs::clock::Clock::system())
        .await
        .unwrap();

    let started = Instant::now();
    state
        .db
        .transaction(move |c| {
            for i in 0..emails {
                let to = EmailAddress::parse(&format!("seeker{i}@example.kz")).unwrap();
                let locale = Locale::ALL[i % 3];
                let data = serde_json::json!({ "name": format!("Айгүл {i}"), "link": format!("https://app.example.kz/v?t={i}"), "expires_hours": 24 });
                notify(c, &to, EmailTemplate::VerifyEmail, locale, data, &format!("bench:{i}"))?;
            }
            Ok::<_, DbError>(())
        })
        .await
        .unwrap();
    let enqueued = started.elapsed();

    let started = Instant::now();
    let pool = WorkerPool::start(
        workers,
        state.job_context(),
        state.jobs.clone(),
        QueueConfig::from_settings(&state.settings),
    );
    loop {
        let left: i64 = state
            .db
            .run(|c| {
                jobs::table
                    .filter(jobs::state.ne("done"))
                    .count()
                    .get_result(c)
                    .map_err(DbError::from)
            })
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = started.elapsed();
    pool.stop().await;
    if external.is_none() {
        assert_eq!(
            sink.received().len(),
            emails,
            "every email arrives exactly once"
        );
    }
    println!(
        "{:<8} enqueue {emails} emails: {:>7.1} ms ({:>8.0}/s)",
        format!("{backend:?}"),
        enqueued.as_secs_f64() * 1000.0,
        emails as f64 / enqueued.as_secs_f64(),
    );
    println!(
        "{:<8} emails {emails}, workers {workers} (SMTP pool {smtp_pool}, database pool {db_pool}){}, seconds {:.2}, emails/s {:.0}",
        format!("{backend:?}"),
        if external.is_some() {
            ", external SMTP"
        } else {
            ""
        },
        sent.as_secs_f64(),
        emails as f64 / sent.as_secs_f64(),
    );
}

fn main() {
    let emails = env_or("EMAILS", 2000);
    let workers = std::env::var("WORKERS").ok().and_then(|v| v.parse().ok());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        run(Backend::Sqlite, emails, workers).await;
        run(Backend::Postgres, emails, workers).await;
    });
}
