//! The database: one connection type over SQLite and PostgreSQL, the pool, migrations, and the only
//! place where SQL is dispatched per backend ([`dispatch!`](crate::dispatch)).
//!
//! All diesel work runs on blocking threads through [`Db::run`]. A semaphore with as many permits as
//! the pool has connections bounds those threads and makes waiting for a connection asynchronous, so
//! an exhausted pool answers 503 after `db_acquire_timeout_ms` instead of piling up threads.

pub mod schema;

use std::{sync::Arc, time::Duration};

use diesel::{
    Connection, ConnectionError, PgConnection, RunQueryDsl, SqliteConnection,
    connection::SimpleConnection, r2d2::R2D2Connection,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::clock::Clock;

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Expands `$body` once per backend with `$conn` bound to the concrete connection. For the few
/// queries diesel cannot express through [`DbConnection`] (upserts, `FOR UPDATE SKIP LOCKED`, batch
/// inserts) or whose SQL differs per backend.
#[macro_export]
macro_rules! dispatch {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

thread_local! {
    /// The clock of the [`Db`] whose work this blocking thread is doing (set by [`Db::run`]).
    static CLOCK: std::cell::RefCell<Option<Clock>> = const { std::cell::RefCell::new(None) };
}

/// The current instant for storing (UTC, microseconds), read from the clock of the [`Db`] running
/// this work: code inside [`Db::run`]/[`Db::transaction`] calls it without passing the clock
/// around. Outside them use [`Db::now`]; a call there is a bug (debug builds panic, so tests
/// find it).
pub fn now() -> chrono::NaiveDateTime {
    CLOCK.with(|c| match c.borrow().as_ref() {
        Some(clock) => clock.now_naive(),
        None => {
            debug_assert!(false, "db::now() outside Db::run: use Db::now()");
            Clock::system().now_naive()
        }
    })
}

/// Today in Asia/Almaty from the same clock as [`now`] (same rule: only inside [`Db::run`]).
pub fn today() -> chrono::NaiveDate {
    CLOCK.with(|c| match c.borrow().as_ref() {
        Some(clock) => clock.today(),
        None => {
            debug_assert!(false, "db::today() outside Db::run: use Db::today()");
            Clock::system().today()
        }
    })
}

/// Sets the thread's clock for the life of the guard (the previous one is restored after).
struct ClockScope(Option<Clock>);

impl ClockScope {
    fn enter(clock: Clock) -> ClockScope {
        ClockScope(CLOCK.with(|c| c.replace(Some(clock))))
    }
}

impl Drop for ClockScope {
    fn drop(&mut self) {
        let previous = self.0.take();
        CLOCK.with(|c| *c.borrow_mut() = previous);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Every connection is in use and none came free in time.
    #[error("all database connections are busy")]
    Busy,
    /// No connection could be opened (the database is down or unreachable).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database did not finish this request's work within its deadline (a partition, a
    /// stalled server): answered 503 rather than holding the caller for as long as it lasts.
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("database worker failed: {0}")]
    Worker(String),
    #[error("invalid DATABASE_URL: {0}")]
    BadUrl(String),
    #[error(
        "another process is already serving the SQLite database {0}: SQLite is for a single \
         instance (stop the other one, or use PostgreSQL for several instances)"
    )]
    InUse(String),
}

/// How long sent data may go unacknowledged before libpq gives the connection up.
const PG_TCP_USER_TIMEOUT_MS: u64 = 5_000;

/// Whether `e` says the database, not the request, failed: the connection was lost (a server
/// restart, "SSL error: unexpected eof", a broken network), the server cancelled the statement
/// at `statement_timeout`, or SQLite stayed locked past `busy_timeout`. Such a failure is a 503
/// the client may retry, not a 500.
pub fn is_unavailable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error as E};
    match e {
        E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _) => true,
        E::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("canceling statement due to statement timeout")
                || m.contains("terminating connection")
                || m.contains("server closed the connection")
                || m.contains("database is locked")
        }
        E::BrokenTransactionManager => true,
        E::RollbackErrorOnCommit { rollback_error, .. } => is_unavailable(rollback_error),
        _ => false,
    }
}

/// A database URL resolved to its backend. Debug output never shows credentials.
#[derive(Clone)]
pub struct DbUrl {
    pub backend: Backend,
    url: SecretString,
}

impl std::fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DbUrl({})", self.backend.name())
    }
}

impl DbUrl {
    /// `postgres://…`/`postgresql://…` is PostgreSQL; `sqlite://path`, `sqlite:path` or a bare path is
    /// a SQLite file (`:memory:` too). The backend is decided here, not by trying each in turn.
    pub fn parse(raw: &str, connect_timeout: Duration) -> Result<DbUrl, DbError> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            // libpq would otherwise wait for the OS's TCP timeouts: minutes on an unreachable host,
            // and for ever on a connection whose packets are dropped. `tcp_user_timeout` breaks a
            // connection whose sent data goes unacknowledged (a partition while a query is sent),
            // keepalives one that waits for an answer from a peer that is gone; neither fires on a
            // query that is merely slow, because the server's kernel still answers.
            let mut url = raw.to_owned();
            for (key, value) in [
                (
                    "connect_timeout",
                    connect_timeout.as_secs().max(1).to_string(),
                ),
                ("tcp_user_timeout", PG_TCP_USER_TIMEOUT_MS.to_string()),
                ("keepalives", "1".to_owned()),
                ("keepalives_idle", "5".to_owned()),
                ("keepalives_interval", "2".to_owned()),
                ("keepalives_count", "3".to_owned()),
            ] {
                if !url.contains(&format!("{key}=")) {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    url = format!("{url}{sep}{key}={value}");
                }
            }
            return Ok(DbUrl {
                backend: Backend::Postgres,
                url: SecretString::from(url),
            });
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        if path.is_empty() || path.contains("://") {
            return Err(DbError::BadUrl(
                "expected postgres://…, sqlite://path or a file path".into(),
            ));
        }
        Ok(DbUrl {
            backend: Backend::Sqlite,
            url: SecretString::from(path.to_owned()),
        })
    }

    /// For SQLite, the database file (None for `:memory:`).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        let p = self.url.expose_secret();
        (self.backend == Backend::Sqlite && p != ":memory:").then(|| p.into())
    }

    /// Opens a connection. On PostgreSQL every statement is cancelled by the server after
    /// `statement_timeout` (0: never), so a runaway query cannot hold a connection for ever.
    pub fn connect(&self, statement_timeout: Duration) -> Result<DbConnection, ConnectionError> {
        let url = self.url.expose_secret();
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(url)?;
                // PostgreSQL's own plan caching (`plan_cache_mode = auto`) is kept: forcing a
                // custom plan for every execution (once used to hide a stale generic plan after
                // bulk loads) made the payout cycle of 10,000 enrollments take 7.5–9.9 s instead
                // of 4.7–5.9 s and the browse no faster. A stale plan is cured where it is made:
                // a bulk job analyses the tables it filled (`Db::analyze_tables`), and `ANALYZE`
                // invalidates the plans cached on them.
                conn.batch_execute(&format!(
                    "SET statement_timeout = {}",
                    statement_timeout.as_millis()
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(url)?;
                // WAL lets readers work while one writer commits; busy_timeout makes writers queue
                // instead of failing at once; SQLite leaves foreign keys off unless asked.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// Opens connections for r2d2 by the backend already chosen from the URL.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DbUrl,
    statement_timeout: Duration,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.url
            .connect(self.statement_timeout)
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        dispatch!(conn, |c| c.ping()).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        dispatch!(conn, |c| c.is_broken())
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Logs r2d2's background connection errors through tracing (it prints to stderr otherwise).
#[derive(Debug)]
struct PoolErrorLogger;

impl r2d2::HandleError<diesel::r2d2::Error> for PoolErrorLogger {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        tracing::warn!(%error, "database connection error");
    }
}

/// The application's handle on its database. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
    backend: Backend,
    clock: Clock,
    /// Longest the work of one [`Db::run`] may take before its caller gets [`DbError::Timeout`];
    /// `None` for background work. See [`Db::with_deadline`].
    deadline: Option<Duration>,
    /// The SQLite file, if this is one (None for PostgreSQL and `:memory:`).
    sqlite_path: Option<std::path::PathBuf>,
}

/// Held by the one process serving a SQLite file: SQLite is for a single instance (jobs are
/// claimed with a lease that assumes one writer process, and nothing else coordinates two), so a
/// second `serve` on the same file is refused at start instead of running beside the first.
/// The lock is the operating system's (flock), so it is released when the process ends, however
/// it ends.
#[derive(Debug)]
pub struct InstanceLock {
    _file: std::fs::File,
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub pool_size: u32,
    pub acquire_timeout: Duration,
    pub connect_timeout: Duration,
    /// PostgreSQL's `statement_timeout` on every connection (0: none).
    pub statement_timeout: Duration,
}

impl Db {
    /// Builds the pool without connecting; the first use (migrations at start) connects.
    pub fn new(url: DbUrl, opts: &DbOptions, clock: Clock) -> Result<Db, DbError> {
        if let Some(path) = url.sqlite_path()
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::BadUrl(format!("cannot create {}: {e}", dir.display())))?;
        }
        let backend = url.backend;
        let sqlite_path = url.sqlite_path();
        let pool = r2d2::Pool::builder()
            .max_size(opts.pool_size)
            .min_idle(Some(0))
            .connection_timeout(opts.acquire_timeout.max(opts.connect_timeout))
            .error_handler(Box::new(PoolErrorLogger))
            .build_unchecked(ConnectionManager {
                url,
                statement_timeout: opts.statement_timeout,
            });
        Ok(Db {
            pool,
            permits: Arc::new(Semaphore::new(opts.pool_size as usize)),
            acquire_timeout: opts.acquire_timeout,
            backend,
            clock,
            deadline: None,
            sqlite_path,
        })
    }

    /// Takes the single-instance lock of a SQLite file (`<file>.lock` beside it); `None` on
    /// PostgreSQL, which any number of instances share. Fails if another process holds it.
    pub fn lock_single_instance(&self) -> Result<Option<InstanceLock>, DbError> {
        let Some(path) = &self.sqlite_path else {
            return Ok(None);
        };
        let mut lock_path = path.clone().into_os_string();
        lock_path.push(".lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| {
                DbError::Unavailable(format!("cannot open {}: {e}", lock_path.display()))
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(InstanceLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(DbError::InUse(path.display().to_string()))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(DbError::Unavailable(format!(
                "cannot lock {}: {e}",
                lock_path.display()
            ))),
        }
    }

    /// The same pool, with every [`Db::run`] answered [`DbError::Timeout`] after `deadline`
    /// (`None`: no limit). Requests get one so that a database that stops answering (packets
    /// dropped, a stalled server) is a quick 503 instead of a hung request; background jobs and
    /// long, deliberate operations (a bank file of 20,000 lines) run without one. The abandoned
    /// work goes on on its blocking thread until the connection answers or breaks (the TCP
    /// timeouts of [`DbUrl::parse`]), holding its pool slot until then; a write it was making
    /// still commits or rolls back as a whole.
    pub fn with_deadline(&self, deadline: Option<Duration>) -> Db {
        Db {
            deadline,
            ..self.clone()
        }
    }

    /// The clock this service reads time from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The current instant for storing, from [`Db::clock`].
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now_naive()
    }

    /// Today in Asia/Almaty, from [`Db::clock`].
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// (connections open, idle) for metrics.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }

    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// Runs `f` with a pooled connection on a blocking thread.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let permit =
            tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| DbError::Busy)?
                .map_err(|_| DbError::Worker("database semaphore closed".into()))?;
        let pool = self.pool.clone();
        let clock = self.clock.clone();
        let work = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _clock = ClockScope::enter(clock);
            let mut conn = pool
                .get()
                .map_err(|e| DbError::Unavailable(e.to_string()))?;
            f(&mut conn)
        });
        let joined = match self.deadline {
            Some(limit) => tokio::time::timeout(limit, work)
                .await
                .map_err(|_| DbError::Timeout(limit))?,
            None => work.await,
        };
        joined.map_err(|e| DbError::Worker(e.to_string()))?
    }

    /// Runs `f` in one transaction: everything it wrote is kept only if it returns `Ok`.
    pub async fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
    }

    /// Applies pending migrations; returns the versions this call applied.
    pub async fn migrate(&self) -> Result<Vec<String>, DbError> {
        self.run(run_migrations).await
    }

    /// Refreshes the query planner's statistics. PostgreSQL's autovacuum does this in time, and
    /// SQLite never does it by itself; without statistics both pick poor plans for the browse
    /// (a full scan instead of the full-text index: 600 ms instead of 5 ms for 10,000 openings).
    /// Run after bulk loads and, on SQLite, at start (`PRAGMA optimize` is cheap when little
    /// changed).
    pub async fn analyze(&self, full: bool) -> Result<(), DbError> {
        self.run(move |conn| {
            match conn {
                DbConnection::Pg(c) => {
                    diesel::sql_query("ANALYZE").execute(c)?;
                }
                DbConnection::Sqlite(c) => {
                    diesel::sql_query(if full { "ANALYZE" } else { "PRAGMA optimize" })
                        .execute(c)?;
                }
            }
            Ok(())
        })
        .await
    }
}

#[derive(diesel::QueryableByName)]
struct CacheSize {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cache_size: i64,
}

/// Page cache (KiB) an SQLite connection gets while it does bulk work.
const BULK_CACHE_KIB: i64 = 128 * 1024;

/// Runs a bulk job's work inside the caller's transaction. On SQLite the connection gets a large
/// page cache for it, given back after: with the everyday small cache, a transaction writing half
/// a million rows spills pages to the WAL and reads them back (a matching round of 100,000
/// seekers spent most of its time in file reads). On PostgreSQL the transaction has no statement
/// timeout (`SET LOCAL`: this transaction only): the timeout guards requests, and one statement
/// of a national round (storing its snapshot of five million applications) takes longer; the job's
/// lease still notices a worker that died.
pub fn bulk<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let c = match conn {
        DbConnection::Pg(c) => {
            c.batch_execute("SET LOCAL statement_timeout = 0")?;
            return f(conn);
        }
        DbConnection::Sqlite(c) => c,
    };
    let before = diesel::sql_query("PRAGMA cache_size")
        .get_result::<CacheSize>(c)?
        .cache_size;
    c.batch_execute(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))?;
    let out = f(conn);
    if let DbConnection::Sqlite(c) = conn {
        c.batch_execute(&format!("PRAGMA cache_size = {before}"))?;
    }
    out
}

/// Rows a bulk job writes after which it analyses the tables they went into.
pub const ANALYZE_AFTER: usize = 1000;

impl Db {
    /// Refreshes the statistics of the tables a bulk job has just filled. Without it the planner
    /// keeps the picture it had before (an empty table) and scans instead of using an index: the
    /// subsidy cycle's re-run at 100,000 placements took 5.8 s on SQLite, one full scan per chunk.
    pub async fn analyze_tables(&self, tables: &'static [&'static str]) -> Result<(), DbError> {
        self.run(move |conn| {
            for t in tables {
                let q = format!("ANALYZE {t}");
                dispatch!(conn, |c| diesel::sql_query(&q).execute(c))?;
            }
            Ok(())
        })
        .await
    }
}

/// A LIKE pattern matching any text that contains `value`, with LIKE's own wildcards (`%`, `_`)
/// and the escape character (a backslash) escaped: use with `.escape('\\')`.
pub fn like_containing(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('%');
    for ch in value.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[derive(diesel::QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// The tables of the database, as the database itself lists them (`pg_tables` in the current
/// schema, `sqlite_master`), in name order.
pub fn table_names(conn: &mut DbConnection) -> diesel::QueryResult<Vec<String>> {
    let names = match conn {
        DbConnection::Pg(c) => diesel::sql_query(
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = current_schema() \
             ORDER BY tablename",
        )
        .load::<TableName>(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' \
             ESCAPE '\\' ORDER BY name",
        )
        .load::<TableName>(c)?,
    };
    Ok(names.into_iter().map(|t| t.name).collect())
}

/// Every row of every table of [`table_names`], as text: (table, the row's columns joined), so a
/// table added later is included without anyone remembering it. For checks that nothing personal
/// survives (erasure tests); it reads whole tables. PostgreSQL gives each row as its composite
/// text (`t::text`); SQLite has none, so the row is the concatenation of every column cast to
/// text (columns from `pragma_table_info`).
pub fn all_rows_as_text(conn: &mut DbConnection) -> diesel::QueryResult<Vec<(String, String)>> {
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        line: Option<String>,
    }
    let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    let mut out = Vec::new();
    for table in table_names(conn)? {
        let lines = match &mut *conn {
            DbConnection::Pg(c) => {
                let q = format!("SELECT t::text AS line FROM {} t", quote(&table));
                diesel::sql_query(q).load::<Line>(c)?
            }
            DbConnection::Sqlite(c) => {
                let columns = diesel::sql_query("SELECT name FROM pragma_table_info(?)")
                    .bind::<diesel::sql_types::Text, _>(&table)
                    .load::<TableName>(c)?;
                if columns.is_empty() {
                    continue;
                }
                let joined = columns
                    .iter()
                    .map(|col| {
                        // A blob (a stored hash, say) as hex: it is not text.
                        let c = quote(&col.name);
                        format!(
                            "COALESCE(CASE WHEN typeof({c}) = 'blob' THEN hex({c}) \
                             ELSE CAST({c} AS TEXT) END, '')"
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let q = format!("SELECT {joined} AS line FROM {}", quote(&table));
                diesel::sql_query(q).load::<Line>(c)?
            }
        };
        out.extend(
            lines
                .into_iter()
                .map(|l| (table.clone(), l.line.unwrap_or_default())),
        );
    }
    Ok(out)
}

/// Rows a multi-row insert may carry with `columns` each: under SQLite's 32,766 bound parameters
/// (PostgreSQL allows 65,535), and no more than 1,000 (bigger statements gain nothing).
pub fn rows_per_insert(columns: usize) -> usize {
    (32_000 / columns.max(1)).clamp(1, 1_000)
}

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// Runs `f` in a transaction meant for writing. On SQLite it begins `IMMEDIATE`: it takes the write
/// lock at the start (waiting up to `busy_timeout`), so a transaction that reads and then writes
/// cannot fail with "database is locked" because another writer committed in between — which
/// diesel's default `DEFERRED` transaction does under concurrent writers.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(f);
    };
    // The same steps as SqliteConnection::immediate_transaction, with `f` given the enum.
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let DbConnection::Sqlite(sqlite) = conn else {
        return result;
    };
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}

/// Any constant works; it only has to be the same for every instance of this service.
const MIGRATION_LOCK_KEY: i64 = 0x534a_4d49_4752; // "SJMIGR"

/// Applies pending migrations. On PostgreSQL under a session advisory lock, so instances starting
/// together take turns: the first applies them, the others then find nothing pending.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConnection::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            let result = c
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>());
            // Unlock even when migrating failed; the lock would otherwise live as long as the
            // pooled connection.
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            result
        }
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_the_url_scheme() {
        let t = Duration::from_secs(3);
        let pg = DbUrl::parse("postgres://u@h/db", t).unwrap();
        assert_eq!(pg.backend, Backend::Postgres);
        const TIMEOUTS: &str = "connect_timeout=3&tcp_user_timeout=5000&keepalives=1&\
                                keepalives_idle=5&keepalives_interval=2&keepalives_count=3";
        assert_eq!(
            pg.url.expose_secret(),
            &format!("postgres://u@h/db?{TIMEOUTS}")
        );
        let pg = DbUrl::parse("postgresql://h/db?sslmode=require", t).unwrap();
        assert_eq!(
            pg.url.expose_secret(),
            &format!("postgresql://h/db?sslmode=require&{TIMEOUTS}")
        );
        // A value the operator gave is kept.
        let pg = DbUrl::parse("postgres://h/db?tcp_user_timeout=900", t).unwrap();
        assert!(
            pg.url
                .expose_secret()
                .contains("tcp_user_timeout=900&connect_timeout=3")
        );
        assert_eq!(
            pg.url.expose_secret().matches("tcp_user_timeout").count(),
            1
        );
        assert_eq!(
            DbUrl::parse("sqlite://./data/x.db", t)
                .unwrap()
                .sqlite_path(),
            Some("./data/x.db".into())
        );
        assert_eq!(
            DbUrl::parse("data/x.db", t).unwrap().backend,
            Backend::Sqlite
        );
        assert_eq!(
            DbUrl::parse("sqlite::memory:", t).unwrap().sqlite_path(),
            None
        );
        assert!(DbUrl::parse("mysql://h/db", t).is_err());
        assert!(DbUrl::parse("", t).is_err());
    }

    #[test]
    fn debug_hides_the_url() {
        let url = DbUrl::parse("postgres://u:hunter2@h/db", Duration::from_secs(1)).unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
