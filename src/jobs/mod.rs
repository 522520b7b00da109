//! The durable job queue: all background work (emails, scheduled runs) is a row in `jobs`, enqueued in
//! the transaction of the change that caused it and run by workers inside the `serve` process.

pub mod backoff;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod schedule;
pub mod service;
pub mod worker;

use std::{collections::BTreeMap, future::Future, pin::Pin, sync::Arc};

use chrono::NaiveDateTime;

pub use model::{Job, JobState};
pub use worker::{QueueConfig, Worker, WorkerPool};

use crate::{
    config::Settings,
    db::{Db, DbConnection},
    metrics::Metrics,
    notifications::Mailer,
};

/// One piece of work to enqueue.
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub kind: String,
    pub payload: serde_json::Value,
    /// Enqueueing a key that exists already is a no-op.
    pub dedup_key: String,
    /// Not before this instant (UTC); now when `None`.
    pub run_at: Option<NaiveDateTime>,
    /// For scheduled jobs, the occurrence this job stands for.
    pub scheduled_for: Option<NaiveDateTime>,
}

/// Enqueues a job on the caller's connection, inside the caller's transaction: the job exists if and
/// only if that transaction commits. Returns false when the dedup key was taken.
pub fn enqueue(conn: &mut DbConnection, request: &JobRequest) -> diesel::QueryResult<bool> {
    queries::insert(conn, &new_row(request, crate::db::now()))
}

/// Enqueues many jobs at once, as [`enqueue`] does one (each dedup key at most once); returns how
/// many were new.
pub fn enqueue_many(
    conn: &mut DbConnection,
    requests: &[JobRequest],
) -> diesel::QueryResult<usize> {
    let now = crate::db::now();
    let rows: Vec<model::NewJobRow> = requests.iter().map(|r| new_row(r, now)).collect();
    queries::insert_many(conn, &rows)
}

fn new_row(request: &JobRequest, now: NaiveDateTime) -> model::NewJobRow {
    model::NewJobRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind: request.kind.clone(),
        payload: request.payload.to_string(),
        dedup_key: request.dedup_key.clone(),
        state: JobState::Queued.as_str().to_owned(),
        attempts: 0,
        run_at: request.run_at.unwrap_or(now),
        scheduled_for: request.scheduled_for,
        created_at: now,
        updated_at: now,
        queued_at: Some(now),
    }
}

/// Why a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a server down, a timeout).
    #[error("{0}")]
    Retry(String),
    /// Will fail the same way every time (a bad payload, an unknown template): dead at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<crate::db::DbError> for JobError {
    fn from(e: crate::db::DbError) -> Self {
        JobError::Retry(e.to_string())
    }
}

impl From<diesel::result::Error> for JobError {
    fn from(e: diesel::result::Error) -> Self {
        JobError::Retry(e.to_string())
    }
}

/// What a job handler can use.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub mailer: Arc<Mailer>,
    pub metrics: Arc<Metrics>,
    /// The payload the job keeps once done; see [`JobContext::keep_when_done`].
    pub completion: Completion,
}

impl JobContext {
    /// Once the job succeeds, its stored payload becomes `payload`, written in the transaction
    /// that marks it done: a sent email drops its link without a commit of its own.
    pub fn keep_when_done(&self, payload: String) {
        *self
            .completion
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(payload);
    }
}

/// A payload set by a running job for its done state (each run of a job gets its own).
#[derive(Clone, Default)]
pub struct Completion(Arc<std::sync::Mutex<Option<String>>>);

impl Completion {
    pub fn take(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;
pub type JobHandler = Arc<dyn Fn(JobContext, Job) -> JobFuture + Send + Sync>;

/// Job kinds and the code that runs them.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: BTreeMap<String, JobHandler>,
}

impl JobRegistry {
    /// Every job kind the service runs. Capabilities add theirs here.
    pub fn standard() -> JobRegistry {
        let mut registry = JobRegistry::default();
        registry.register(crate::notifications::SEND_EMAIL, |ctx, job| {
            Box::pin(crate::notifications::send_email_job(ctx, job))
        });
        registry.register(service::PURGE_FINISHED_JOBS, |ctx, job| {
            Box::pin(service::purge_finished_jobs(ctx, job))
        });
        registry.register(crate::matching::rounds::RUN_MATCHING_ROUND, |ctx, job| {
            Box::pin(crate::matching::rounds::round_job(ctx, job))
        });
        registry.register(crate::matching::offers::EXPIRE_OFFERS, |ctx, job| {
            Box::pin(crate::matching::offers::expire_job(ctx, job))
        });
        registry.register(crate::payouts::cycle::SCHEDULE_PAYOUTS, |ctx, job| {
            Box::pin(crate::payouts::cycle::cycle_job(ctx, job))
        });
        registry.register(crate::subsidies::cycle::SCHEDULE_SUBSIDIES, |ctx, job| {
            Box::pin(crate::subsidies::cycle::cycle_job(ctx, job))
        });
        registry.register(
            crate::subsidies::reminders::REMIND_WAGE_REPORTS,
            |ctx, job| Box::pin(crate::subsidies::reminders::remind_job(ctx, job)),
        );
        registry
    }

    pub fn register<F>(&mut self, kind: &str, handler: F)
    where
        F: Fn(JobContext, Job) -> JobFuture + Send + Sync + 'static,
    {
        self.handlers.insert(kind.to_owned(), Arc::new(handler));
    }

    pub fn get(&self, kind: &str) -> Option<JobHandler> {
        self.handlers.get(kind).cloned()
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}
