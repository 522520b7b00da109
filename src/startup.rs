//! `Application::build`: the one way the service is assembled, by `main` and by every test.

use std::{net::TcpListener, sync::Arc};

use actix_web::{HttpServer, dev::Server, web};
use anyhow::Context;

use crate::{
    clock::Clock,
    config::Settings,
    context::Ctx,
    db::{Db, DbOptions, DbUrl},
    http::{self, metrics::Metrics},
    jobs::{JobContext, JobRegistry, QueueConfig, WorkerPool, schedule},
    notifications::Mailer,
};

/// What every request handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub openapi_yaml: Arc<str>,
    pub mailer: Arc<Mailer>,
    pub jobs: Arc<JobRegistry>,
    pub auth: Arc<crate::accounts::AuthKeys>,
    /// The browser pages' templates.
    pub pages: Arc<crate::web::Pages>,
    /// Open data's recent answers.
    pub open_data: crate::reports::service::OpenDataCache,
    /// Recent answers of `GET /openings` (see [`crate::openings::cache`]).
    pub browse_cache: crate::openings::cache::BrowseCache,
}

impl AppState {
    /// Connects and migrates; returns the state and the migrations this call applied.
    pub async fn build(
        settings: Settings,
        clock: Clock,
    ) -> anyhow::Result<(web::Data<AppState>, Vec<String>)> {
        let db = connect(&settings, clock.clone())?;
        let applied = db.migrate().await.context("running database migrations")?;
        if db.backend() == crate::db::Backend::Sqlite {
            db.analyze(false)
                .await
                .context("refreshing SQLite's planner statistics")?;
        }
        if !applied.is_empty() {
            tracing::info!(
                count = applied.len(),
                backend = db.backend().name(),
                "applied migrations"
            );
        }
        let openapi_yaml: Arc<str> = http::openapi()
            .to_yaml()
            .context("rendering the OpenAPI description")?
            .into();
        let mailer = Arc::new(Mailer::from_settings(&settings).context("setting up email")?);
        let settings_for_auth = settings.clone();
        // Building the keys hashes a dummy password: CPU work, kept off the async threads.
        let auth = tokio::task::spawn_blocking(move || {
            crate::accounts::AuthKeys::from_settings(&settings_for_auth, clock)
        })
        .await
        .context("building authentication keys")??;
        let browse_cache = crate::openings::cache::BrowseCache::new(settings.browse_cache_bytes);
        let state = AppState {
            db,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()?),
            openapi_yaml,
            mailer,
            jobs: Arc::new(JobRegistry::standard()),
            auth: Arc::new(auth),
            pages: Arc::new(crate::web::Pages::load().context("loading the page templates")?),
            open_data: crate::reports::service::open_data_cache(),
            browse_cache,
        };
        Ok((web::Data::new(state), applied))
    }

    /// What the account use cases take (the database, the settings, the token keys).
    pub fn ctx(&self) -> Ctx {
        Ctx {
            db: self.db.clone(),
            settings: self.settings.clone(),
            auth: self.auth.clone(),
        }
    }

    pub fn job_context(&self) -> JobContext {
        JobContext {
            db: self.db.clone(),
            settings: self.settings.clone(),
            mailer: self.mailer.clone(),
            metrics: self.metrics.clone(),
            completion: crate::jobs::Completion::default(),
        }
    }

    /// The configured periodic jobs, parsed (validated already when the settings were loaded).
    pub fn schedule(&self) -> Vec<(String, croner::Cron)> {
        self.settings
            .schedule
            .iter()
            .filter_map(|(name, expr)| schedule::parse_cron(expr).ok().map(|c| (name.clone(), c)))
            .collect()
    }
}

/// What runs beside the HTTP server on an instance with workers.
struct Background {
    workers: WorkerPool,
    scheduler: tokio_cron_scheduler::JobScheduler,
}

impl Background {
    async fn start(state: &AppState) -> anyhow::Result<Background> {
        let plan = state.schedule();
        let horizon = chrono::Duration::hours(i64::from(state.settings.schedule_catch_up_hours));
        let caught_up =
            schedule::catch_up(&state.db, &plan, state.db.clock().now(), horizon).await?;
        if caught_up > 0 {
            tracing::info!(
                caught_up,
                "enqueued occurrences missed while the service was down"
            );
        }
        let scheduler = schedule::start(state.db.clone(), plan).await?;
        let workers = WorkerPool::start(
            state.settings.workers,
            state.job_context(),
            state.jobs.clone(),
            QueueConfig::from_settings(&state.settings),
        );
        tracing::info!(
            workers = state.settings.workers,
            "background workers started"
        );
        Ok(Background { workers, scheduler })
    }

    async fn stop(mut self) {
        let _ = self.scheduler.shutdown().await;
        self.workers.stop().await;
    }
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    /// Migrations this start applied (empty when the database was up to date).
    applied_migrations: Vec<String>,
    background: Option<Background>,
    /// Held while serving a SQLite file (see [`crate::db::InstanceLock`]).
    _instance_lock: Option<crate::db::InstanceLock>,
}

/// Opens the pool for `settings` (without connecting yet); everything done through it reads time
/// from `clock`.
pub fn connect(settings: &Settings, clock: Clock) -> anyhow::Result<Db> {
    let url = DbUrl::parse(
        &settings.effective_database_url(),
        settings.db_connect_timeout(),
    )?;
    let opts = DbOptions {
        pool_size: settings.db_pool_size,
        acquire_timeout: settings.db_acquire_timeout(),
        connect_timeout: settings.db_connect_timeout(),
        statement_timeout: std::time::Duration::from_millis(settings.db_statement_timeout_ms),
    };
    Ok(Db::new(url, &opts, clock)?)
}

impl Application {
    /// Connects, migrates and binds; the server runs once [`Application::run_until_stopped`] is
    /// awaited.
    /// `clock` is [`Clock::system`] in production; tests start it where they need it.
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Application> {
        let listener = TcpListener::bind((settings.host, settings.port))
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let workers = match settings.http_workers {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        // Before migrating: a second instance must not touch a file another one serves.
        let instance_lock = connect(&settings, clock.clone())?.lock_single_instance()?;
        let (state, applied_migrations) = AppState::build(settings, clock).await?;
        let db = state.db.clone();
        let background = if state.settings.workers > 0 {
            Some(Background::start(&state).await?)
        } else {
            None
        };
        // Requests get a deadline on their database work; the workers above keep the state
        // without one (a job may rightly take longer).
        let state = web::Data::new(AppState {
            db: state.db.with_deadline(state.settings.db_request_timeout()),
            ..AppState::clone(&state)
        });
        let server = HttpServer::new(move || http::app(state.clone()))
            .workers(workers)
            .listen(listener)?
            .run();
        tracing::info!(port, backend = db.backend().name(), "listening");
        Ok(Application {
            port,
            server,
            db,
            applied_migrations,
            background,
            _instance_lock: instance_lock,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn applied_migrations(&self) -> &[String] {
        &self.applied_migrations
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some(background) = self.background {
            background.stop().await;
        }
        drop(self._instance_lock);
        result
    }
}
