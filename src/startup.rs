//! `Application::build`: the one way the service is assembled, by `main` and by every test.

use std::{net::TcpListener, sync::Arc};

use actix_web::{HttpServer, dev::Server, web};
use anyhow::Context;

use crate::{
    config::Settings,
    db::{Db, DbOptions, DbUrl},
    http::{self, metrics::Metrics},
};

/// What every request handler can reach. Cheap to clone.
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub openapi_yaml: Arc<str>,
}

impl AppState {
    /// Connects and migrates; returns the state and the migrations this call applied.
    pub async fn build(settings: Settings) -> anyhow::Result<(web::Data<AppState>, Vec<String>)> {
        let db = connect(&settings)?;
        let applied = db.migrate().await.context("running database migrations")?;
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
        let state = AppState {
            db,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()?),
            openapi_yaml,
        };
        Ok((web::Data::new(state), applied))
    }
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    /// Migrations this start applied (empty when the database was up to date).
    applied_migrations: Vec<String>,
}

/// Opens the pool for `settings` (without connecting yet).
pub fn connect(settings: &Settings) -> anyhow::Result<Db> {
    let url = DbUrl::parse(
        &settings.effective_database_url(),
        settings.db_connect_timeout(),
    )?;
    let opts = DbOptions {
        pool_size: settings.db_pool_size,
        acquire_timeout: settings.db_acquire_timeout(),
        connect_timeout: settings.db_connect_timeout(),
    };
    Ok(Db::new(url, &opts)?)
}

impl Application {
    /// Connects, migrates and binds; the server runs once [`Application::run_until_stopped`] is
    /// awaited.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind((settings.host, settings.port))
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let workers = match settings.http_workers {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let (state, applied_migrations) = AppState::build(settings).await?;
        let db = state.db.clone();
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
        self.server.await
    }
}
