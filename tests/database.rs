//! The database layer under the conditions production meets: first start, restarts, several
//! instances starting together, and PostgreSQL going away and coming back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestDatabase, smtp::Outage, spawn_with, test_settings};
use secrecy::SecretString;
use social_jobs::startup::Application;

/// The number of migrations shipped for PostgreSQL (the SQLite folder has the same versions).
fn migration_count(backend: &str) -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/").to_owned() + backend)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count()
}

#[test]
fn both_backends_ship_the_same_migration_versions() {
    let names = |b: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/").to_owned() + b)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

backend_tests! {
    async fn a_restart_applies_no_migration_twice(backend: Backend) {
        let db = TestDatabase::empty(backend).await;
        let first = Application::build(test_settings(&db), common::clock().clone()).await.unwrap();
        let kind = match backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" };
        assert_eq!(first.applied_migrations().len(), migration_count(kind));
        drop(first); // a restart: the first process has ended
        let second = Application::build(test_settings(&db), common::clock().clone()).await.unwrap();
        assert!(second.applied_migrations().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_database_file_is_created_under_the_data_dir_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("nested").join("data");
    let settings = social_jobs::config::Settings {
        port: 0,
        data_dir: data_dir.clone(),
        http_workers: 1,
        ..Default::default()
    };
    let app = Application::build(settings, common::clock().clone())
        .await
        .unwrap();
    assert!(data_dir.join("social-jobs.db").is_file());
    assert_eq!(app.db().backend().name(), "sqlite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_starting_together_migrate_once() {
    let db = TestDatabase::empty(Backend::Postgres).await;
    let (a, b) = tokio::join!(
        Application::build(test_settings(&db), common::clock().clone()),
        Application::build(test_settings(&db), common::clock().clone())
    );
    let (a, b) = (
        a.expect("first instance failed"),
        b.expect("second instance failed"),
    );
    let applied = a.applied_migrations().len() + b.applied_migrations().len();
    assert_eq!(
        applied,
        migration_count("postgres"),
        "each migration is applied exactly once"
    );
    assert!(a.applied_migrations().is_empty() || b.applied_migrations().is_empty());
    for app in [a, b] {
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        let res = reqwest::get(format!("http://127.0.0.1:{port}/ready"))
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_makes_ready_503_within_5s_and_recovers_without_restart() {
    let db = TestDatabase::migrated(Backend::Postgres).await;
    let mut url = url::Url::parse(&db.url).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let mut proxy = Outage::start(upstream).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    let mut settings = test_settings(&db);
    settings.database_url = SecretString::from(url.to_string());
    let app = spawn_with(db, settings).await;

    assert_eq!(app.get("/ready").await.status(), 200);

    proxy.cut();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let res = app.get("/ready").await;
    let took = started.elapsed();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert!(
        took < Duration::from_secs(5),
        "/ready took {took:?} to answer 503"
    );
    // Liveness does not depend on the database.
    assert_eq!(app.get("/health").await.status(), 200);

    proxy.restore().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if app.get("/ready").await.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/ready did not recover after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Writers that read first and then write, all at once: on SQLite a deferred transaction would fail
/// ("database is locked") when another writer committed in between; every transaction must succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_read_then_write_transactions_queue_instead_of_failing() {
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use social_jobs::db::{DbError, schema::rate_limit_events as events};
    let db = TestDatabase::migrated(Backend::Sqlite).await;
    let mut settings = test_settings(&db);
    settings.db_pool_size = 4;
    settings.db_acquire_timeout_ms = 10_000;
    let (state, _) = social_jobs::startup::AppState::build(settings, common::clock().clone())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for t in 0..4 {
        let state = state.clone();
        tasks.push(tokio::spawn(async move {
            let mut failures = 0;
            for i in 0..25 {
                let done: Result<(), DbError> = state
                    .db
                    .transaction(move |c| {
                        let seen: i64 = events::table.count().get_result(c)?;
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        diesel::insert_into(events::table)
                            .values((
                                events::id.eq(format!("{t}-{i}")),
                                events::bucket.eq(format!("seen:{seen}")),
                                events::occurred_at.eq(common::clock().now().naive_utc()),
                            ))
                            .execute(c)?;
                        Ok(())
                    })
                    .await;
                if done.is_err() {
                    failures += 1;
                }
            }
            failures
        }));
    }
    let mut failures = 0;
    for t in tasks {
        failures += t.await.unwrap();
    }
    assert_eq!(failures, 0, "{failures} of 100 transactions failed");
    let n: i64 = state
        .db
        .run(|c| events::table.count().get_result(c).map_err(DbError::from))
        .await
        .unwrap();
    assert_eq!(n, 100);
}

/// SQLite is for one instance: a second `serve` on the same file is refused at start with a
/// message saying why, and the file is served again once the first has stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_second_instance_on_the_same_file_is_refused() {
    let db = TestDatabase::migrated(Backend::Sqlite).await;
    let first = Application::build(test_settings(&db), common::clock().clone())
        .await
        .unwrap();
    let second = Application::build(test_settings(&db), common::clock().clone()).await;
    let Err(e) = second else {
        panic!("a second instance started on the same SQLite file");
    };
    let message = format!("{e:#}");
    assert!(
        message.contains("another process is already serving"),
        "{message}"
    );
    assert!(message.contains("PostgreSQL"), "{message}");
    drop(first);
    Application::build(test_settings(&db), common::clock().clone())
        .await
        .expect("the file is free again once the first instance has stopped");
}

/// PostgreSQL instances share one database; the SQLite lock does not apply to them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_instances_are_not_locked_out_of_each_other() {
    let db = TestDatabase::migrated(Backend::Postgres).await;
    let _a = Application::build(test_settings(&db), common::clock().clone())
        .await
        .unwrap();
    let _b = Application::build(test_settings(&db), common::clock().clone())
        .await
        .unwrap();
}

/// Packets to PostgreSQL dropped (not refused): requests are answered 503 with Retry-After within
/// a few seconds, not held for as long as the partition lasts, and the pool serves again by
/// itself once the network heals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_partition_is_a_quick_503_and_the_pool_recovers() {
    let db = TestDatabase::migrated(Backend::Postgres).await;
    let mut url = url::Url::parse(&db.url).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let partition = common::net::Partition::start(upstream).await;
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(partition.port)).unwrap();
    let mut settings = test_settings(&db);
    settings.database_url = SecretString::from(url.to_string());
    settings.db_pool_size = 4;
    settings.db_request_timeout_ms = 1_500;
    settings.db_acquire_timeout_ms = 1_000;
    let app = spawn_with(db, settings).await;
    let browse = "/api/v1/openings";
    assert_eq!(app.get(browse).await.status(), 200);

    partition.stall();
    let started = Instant::now();
    // More requests than connections: some wait for a connection, some for the database.
    let answers = futures_util::future::join_all((0..6).map(|_| app.get(browse))).await;
    let took = started.elapsed();
    for res in &answers {
        assert_eq!(res.status(), 503, "during the partition");
        assert!(res.headers().contains_key("retry-after"));
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    assert!(took < Duration::from_secs(5), "answers took {took:?}");

    partition.heal();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let res = app.get(browse).await;
        if res.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the pool did not recover after the partition healed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A connection that drops in the middle of a request (the server ends it, as on a restart or an
/// "SSL error: unexpected eof") is a 503 the client may retry, not an internal error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connection_lost_mid_request_is_503_with_retry_after() {
    use diesel::{Connection, PgConnection, RunQueryDsl, connection::SimpleConnection};
    #[derive(diesel::QueryableByName)]
    struct Terminated {
        #[diesel(sql_type = diesel::sql_types::Bigint)]
        n: i64,
    }
    let db = TestDatabase::migrated(Backend::Postgres).await;
    let mut settings = test_settings(&db);
    settings.db_request_timeout_ms = 20_000; // the loss, not the deadline, must end the request
    let db_url = db.url.clone();
    let app = spawn_with(db, settings).await;
    assert_eq!(app.get("/api/v1/openings").await.status(), 200);

    // Hold the table so the request's query waits inside the server, then end its connection.
    let mut holder = PgConnection::establish(&db_url).unwrap();
    holder
        .batch_execute("BEGIN; LOCK TABLE openings IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let request = tokio::spawn({
        // Another query than the first: that one's answer is kept and needs no openings row.
        let (client, url) = (app.client.clone(), app.url("/api/v1/openings?kind=job"));
        async move { client.get(url).send().await.unwrap() }
    });
    let killer_url = db_url.clone();
    let killed = tokio::task::spawn_blocking(move || {
        let mut admin = PgConnection::establish(&killer_url).unwrap();
        for _ in 0..100 {
            let n = diesel::sql_query(
                "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock' \
                 AND pid <> pg_backend_pid()",
            )
            .get_result::<Terminated>(&mut admin)
            .unwrap()
            .n;
            if n > 0 {
                return n;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        0
    })
    .await
    .unwrap();
    assert!(killed > 0, "the request never waited on the lock");
    let res = request.await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    holder.batch_execute("ROLLBACK").unwrap();
    // The pool replaces the lost connection by itself.
    assert_eq!(app.get("/api/v1/openings").await.status(), 200);
}
