//! HTTP for the job queue (admins only).

use actix_web::{HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::service;
use crate::{
    error::AppError,
    http::auth::{Caller, Permission},
    startup::AppState,
};

/// Enqueue one run of a periodic job now.
#[utoipa::path(
    tag = "jobs",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "A periodic job's name, e.g. purge_finished_jobs")),
    responses(
        (status = 202, description = "Enqueued", body = service::EnqueuedJob),
        (status = 404, description = "No periodic job has this name", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/jobs/{name}/run")]
pub async fn run_job(
    state: web::Data<AppState>,
    user: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require(Permission::RunJobs)?;
    let schedule: Vec<String> = state.settings.schedule.keys().cloned().collect();
    let job = service::run_now(&state.db, &schedule, &name).await?;
    Ok(HttpResponse::Accepted().json(job))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(run_job);
}
