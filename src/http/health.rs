//! Liveness, readiness, metrics and the API contract.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::{error::AppError, http::problem::Msg, startup::AppState};

/// How long `/ready` waits for the database before it says the service is not ready.
const READY_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` when the process answers.
    pub status: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// The process is alive (it does not look at the database).
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process is alive", body = Health)))]
#[get("/health")]
pub async fn health() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// The service can do its work: the database answers.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = Readiness),
        (status = 503, description = "The database does not answer", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<Readiness>, AppError> {
    let unavailable = AppError::Unavailable {
        detail: Msg::DatabaseUnavailable,
        retry_after_secs: 5,
    };
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => Ok(web::Json(Readiness {
            status: "ready".into(),
            database: state.db.backend().name().into(),
        })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(unavailable)
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            Err(unavailable)
        }
    }
}

/// Prometheus text exposition: requests by route and status, latency, database pool, jobs by kind and
/// state, emails sent and failed. Served only when `SJ_METRICS_TOKEN` is set, to a scraper that
/// sends it as a bearer token (a signed-in user's token does not open it).
#[utoipa::path(
    tag = "operations",
    security(("metrics_token" = [])),
    responses(
        (status = 200, description = "Metrics in Prometheus text format", content_type = "text/plain", body = String),
        (status = 401, description = "The metrics token is missing or wrong", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are not served by this instance (no token configured)", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    metrics_allowed(&state.settings, &req)?;
    match crate::jobs::service::counts(&state.db).await {
        Ok(counts) => state.metrics.set_job_counts(&counts),
        // Metrics must answer even when the database does not; job gauges keep their last values.
        Err(e) => tracing::warn!(error = %e, "job counts unavailable for metrics"),
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(
            state
                .metrics
                .render(state.db.pool_state(), state.db.pool_size()),
        ))
}

/// 404 when no metrics token is configured, 401 unless the request carries it.
fn metrics_allowed(
    settings: &crate::config::Settings,
    req: &actix_web::HttpRequest,
) -> Result<(), AppError> {
    use secrecy::ExposeSecret;
    use sha2::{Digest, Sha256};
    let expected = settings.metrics_token.expose_secret();
    if expected.is_empty() {
        return Err(AppError::RouteNotFound);
    }
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Digests compared, so the time taken says nothing about how much of the token matched.
    if Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Unauthorized(Msg::AuthenticationRequired))
    }
}

/// This API's OpenAPI 3 description (the same text as `openapi.yaml` in the repository).
#[utoipa::path(tag = "operations", responses((status = 200, description = "The OpenAPI description", content_type = "application/yaml", body = String)))]
#[get("/openapi.yaml")]
pub async fn openapi_yaml(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(state.openapi_yaml.to_string())
}
