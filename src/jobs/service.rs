//! Use cases of the job queue: run a periodic job now, housekeeping, figures for metrics.

use chrono::Duration as ChronoDuration;

use super::{Job, JobContext, JobError, JobRequest, JobState, enqueue, queries};
use crate::{
    db::{Db, DbError},
    error::AppError,
};

/// Deletes finished jobs past the retention period (their payloads hold email addresses and data).
pub const PURGE_FINISHED_JOBS: &str = "purge_finished_jobs";

pub async fn purge_finished_jobs(ctx: JobContext, _job: Job) -> Result<(), JobError> {
    let cutoff = ctx.db.now() - ChronoDuration::days(i64::from(ctx.settings.job_retention_days));
    let removed = ctx
        .db
        .run(move |c| queries::purge_done(c, cutoff).map_err(DbError::from))
        .await?;
    tracing::info!(removed, "purged finished jobs");
    Ok(())
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EnqueuedJob {
    pub job_id: String,
    pub kind: String,
}

/// Enqueues one run of a periodic job now (`run-job` on the CLI, `POST /jobs/{name}/run`).
/// Only jobs named in the schedule can be run this way; others need a payload of their own.
pub async fn run_now(db: &Db, schedule: &[String], name: &str) -> Result<EnqueuedJob, AppError> {
    if !schedule.iter().any(|s| s == name) {
        return Err(AppError::NotFound);
    }
    let id_key = uuid::Uuid::now_v7();
    let request = JobRequest {
        kind: name.to_owned(),
        payload: serde_json::json!({ "manual": true }),
        dedup_key: format!("{name}:manual:{id_key}"),
        run_at: None,
        scheduled_for: None,
    };
    let key = request.dedup_key.clone();
    let job = db
        .transaction(move |conn| {
            enqueue(conn, &request)?;
            queries::find_by_dedup_key(conn, &key).map_err(AppError::from)
        })
        .await?;
    Ok(EnqueuedJob {
        job_id: job.id,
        kind: job.kind,
    })
}

/// (kind, state, count) for metrics; states with no jobs are reported as 0 for known kinds.
pub async fn counts(db: &Db) -> Result<Vec<(String, JobState, i64)>, DbError> {
    let rows = db
        .run(|c| queries::counts(c).map_err(DbError::from))
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, state, n)| JobState::parse(&state).map(|s| (kind, s, n)))
        .collect())
}
