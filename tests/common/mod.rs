//! Test harness: `spawn_app` starts the real application on port 0 with a database of its own, on
//! SQLite (a temp file) or PostgreSQL (a database cloned from a migrated template, dropped after).
//! `backend_tests!` writes each test once and runs it on both backends.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod api;
pub mod browser;
pub mod cabinet;
pub mod net;
pub mod smtp;
pub mod stipends;

use std::{path::Path, sync::OnceLock, time::Duration};

use diesel::{Connection, PgConnection, RunQueryDsl};
use secrecy::SecretString;
use social_jobs::{
    clock::Clock,
    config::Settings,
    db::{DbConnection, run_migrations},
    startup::Application,
};

/// The instant the test clock starts at unless `TEST_CLOCK` (RFC 3339) names another: a fixed day,
/// so the suite never depends on the day it runs. 11:00 in Almaty on Tuesday 16 June 2026, well
/// past May's attendance grace period.
pub const DEFAULT_TEST_CLOCK: &str = "2026-06-16T06:00:00Z";

/// The clock of every app this test process starts (nextest runs each test in its own process).
/// A test that needs a particular instant sets it before spawning its app; `TEST_CLOCK` runs the
/// whole suite at another instant (the README lists the month boundaries it is run at).
pub fn clock() -> &'static Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    CLOCK.get_or_init(|| {
        let at = std::env::var("TEST_CLOCK")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_TEST_CLOCK.to_owned());
        let at = chrono::DateTime::parse_from_rfc3339(at.trim())
            .unwrap_or_else(|e| panic!("TEST_CLOCK={at:?} is not an RFC 3339 instant: {e}"));
        Clock::starting_at(at.with_timezone(&chrono::Utc))
    })
}

/// Sets the test clock to `rfc3339` (for tests about a particular day).
pub fn set_clock(rfc3339: &str) {
    let at = chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap();
    clock().set(at.with_timezone(&chrono::Utc));
}

/// Access tokens in tests last a year and a half: a test that moves the clock across months keeps
/// its sign-ins (expiry itself is tested with signed claims).
pub const TEST_ACCESS_TOKEN_TTL_SECS: u64 = 550 * 86_400;

/// The scraper's token for `/metrics` in tests.
pub const TEST_METRICS_TOKEN: &str = "test-metrics-token-0123456789";

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Writes each test once and runs it on SQLite and on PostgreSQL:
/// `backend_tests! { async fn name(backend: Backend) { … } }` gives `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! backend_tests {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let $backend = $crate::common::Backend::Sqlite;
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let $backend = $crate::common::Backend::Postgres;
                    $body
                }
            )*
        }
    };
}

fn admin_url() -> String {
    let url =
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
    // Without TLS unless asked for: libpq's default `prefer` loads OpenSSL, whose clean-up at
    // process exit can race libpq threads still closing connections and crash a test process
    // that had passed (seen as SIGSEGV in about one full run in three).
    if url.contains("sslmode=") {
        url
    } else {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}sslmode=disable")
    }
}

fn pg_url_for(db_name: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).expect("TEST_DATABASE_URL is not a URL");
    url.set_path(&format!("/{db_name}"));
    url.to_string()
}

fn admin_connection() -> PgConnection {
    let url = admin_url();
    PgConnection::establish(&url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is not reachable at TEST_DATABASE_URL ({}): {e}.\n\
             The tests run on SQLite and on PostgreSQL and never skip PostgreSQL. Start it \
             (Debian: `pg_ctlcluster 15 main start`; or `docker compose up -d db`) or set \
             TEST_DATABASE_URL=postgres://user@host:port/postgres.",
            url.split('@').next_back().unwrap_or("?")
        )
    })
}

/// A short fingerprint of the PostgreSQL migrations: a changed migration gets a new template.
fn migrations_fingerprint() -> String {
    // Names relative to the migrations folder, so every checkout shares one template.
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let name = p.strip_prefix(root).unwrap().display().to_string();
                out.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    walk(&root, &root, &mut files);
    // FNV-1a: stable across runs and Rust versions, unlike DefaultHasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, bytes) in files {
        for b in name.bytes().chain(bytes) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// A database that lives as long as the test.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A database with every migration applied.
    pub async fn migrated(backend: Backend) -> TestDatabase {
        Self::create(backend, true).await
    }

    /// A database with nothing in it (not even migrations).
    pub async fn empty(backend: Backend) -> TestDatabase {
        Self::create(backend, false).await
    }

    async fn create(backend: Backend, migrated: bool) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                // Migrating a new SQLite file takes milliseconds; the app migrates it at start.
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDatabase {
                    backend,
                    url,
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => tokio::task::spawn_blocking(move || {
                let mut admin = admin_connection();
                let name = format!("sj_test_{}", uuid::Uuid::new_v4().simple());
                if migrated {
                    let template = ensure_template(&mut admin);
                    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                        .execute(&mut admin)
                        .unwrap();
                } else {
                    diesel::sql_query(format!("CREATE DATABASE {name}"))
                        .execute(&mut admin)
                        .unwrap();
                }
                TestDatabase {
                    backend,
                    url: pg_url_for(&name),
                    pg_name: Some(name),
                    _dir: None,
                }
            })
            .await
            .unwrap(),
        }
    }
}

/// Creates the migrated template database once per migration set, whichever test process gets
/// there first (the others wait on the advisory lock, then find it).
fn ensure_template(admin: &mut PgConnection) -> String {
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let template = format!("sj_template_{}", migrations_fingerprint());
    diesel::sql_query("SELECT pg_advisory_lock(727272)")
        .execute(admin)
        .unwrap();
    let found = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{template}') AS exists"
    ))
    .get_result::<Exists>(admin)
    .unwrap()
    .exists;
    if !found {
        let building = format!("{template}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
            .execute(admin)
            .unwrap();
        diesel::sql_query(format!("CREATE DATABASE {building}"))
            .execute(admin)
            .unwrap();
        {
            let mut conn =
                DbConnection::Pg(PgConnection::establish(&pg_url_for(&building)).unwrap());
            run_migrations(&mut conn).unwrap();
        }
        // Renamed only once complete, so a crash half-way never leaves a broken template.
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
            .execute(admin)
            .unwrap();
        // Templates of older migration sets are no longer needed; one in use is left for next time.
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let stale = diesel::sql_query(format!(
            "SELECT datname FROM pg_database WHERE datname LIKE 'sj\\_template\\_%' AND datname <> '{template}' AND datname NOT LIKE '%\\_building'"
        ))
        .load::<Name>(admin)
        .unwrap_or_default();
        for old in stale {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {}", old.datname))
                .execute(admin);
        }
    }
    diesel::sql_query("SELECT pg_advisory_unlock(727272)")
        .execute(admin)
        .unwrap();
    template
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let drop = move || {
                if let Ok(mut admin) = PgConnection::establish(&admin_url()) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut admin);
                }
            };
            // Not on an async thread: run it on a plain thread and wait.
            let _ = std::thread::spawn(drop).join();
        }
    }
}

/// Settings for a test instance: port 0, its own data directory, small pool.
pub fn test_settings(db: &TestDatabase) -> Settings {
    Settings {
        port: 0,
        database_url: SecretString::from(db.url.clone()),
        data_dir: std::env::temp_dir().join(format!("sj-test-{}", uuid::Uuid::new_v4().simple())),
        db_pool_size: 4,
        http_workers: 1,
        // Tests that need background workers drive them or turn them on themselves.
        workers: 0,
        log_level: "warn".to_owned(),
        // Tests live through months on the clock with the tokens they signed in with.
        access_token_ttl_secs: TEST_ACCESS_TOKEN_TTL_SECS,
        metrics_token: SecretString::from(TEST_METRICS_TOKEN.to_owned()),
        // Tests register many accounts from 127.0.0.1; the limit has a test of its own.
        registrations_per_address: 10_000,
        ..Settings::default()
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub backend: Backend,
    pub client: reqwest::Client,
    /// The app's own pool, for looking behind the API (e.g. at queued emails).
    pub store: social_jobs::db::Db,
    pub db: TestDatabase,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let db = TestDatabase::migrated(backend).await;
    let settings = test_settings(&db);
    spawn_with(db, settings).await
}

pub async fn spawn_with(db: TestDatabase, settings: Settings) -> TestApp {
    let app = Application::build(settings, clock().clone())
        .await
        .expect("the application failed to start");
    let port = app.port();
    let store = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        store,
        address: format!("http://127.0.0.1:{port}"),
        port,
        backend: db.backend,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
        db,
    }
}

/// Creates an admin directly (as `create-admin` does) and returns its id and an access token.
pub async fn admin_token(state: &social_jobs::startup::AppState) -> (String, String) {
    let email = social_jobs::notifications::EmailAddress::parse(&format!(
        "admin-{}@example.kz",
        uuid::Uuid::new_v4().simple()
    ))
    .unwrap();
    let admin = social_jobs::accounts::service::create_first_admin(
        &state.db,
        email,
        "Admin-pass-Almaty-2026".into(),
    )
    .await
    .unwrap();
    let token = state
        .auth
        .tokens
        .issue(&admin.id, social_jobs::accounts::model::Role::Admin)
        .unwrap();
    (admin.id, token)
}

/// Benchmarks: the process's peak resident memory since the last [`reset_peak_memory`], in MiB
/// (Linux's VmHWM; 0 where there is no /proc).
#[allow(dead_code)]
pub fn peak_memory_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Benchmarks: starts measuring the peak afresh (writing 5 to clear_refs resets VmHWM).
#[allow(dead_code)]
pub fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Benchmarks: how each size's time grew from the size before, against the linear ×(size ratio)
/// within ±30 % (the national-scale issue's bar for the round and the payout cycle).
#[allow(dead_code)]
pub fn print_growth(what: &str, times: &[(u32, f64)]) {
    for pair in times.windows(2) {
        let ((n0, t0), (n1, t1)) = (pair[0], pair[1]);
        let expected = f64::from(n1) / f64::from(n0);
        let grew = t1 / t0;
        let within = (grew / expected - 1.0).abs() <= 0.3;
        println!(
            "{what}: {n0} → {n1}: {t0:.1} s → {t1:.1} s, × {grew:.1} (linear × {expected:.0}; {})",
            if within {
                "within ±30 %"
            } else {
                "OUTSIDE ±30 %"
            }
        );
    }
}
