//! HTTP for erasure requests: she asks and follows her request; case workers list, approve and
//! reject.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::service::{
    self, ErasureRequestInput, ErasureRequestPage, ErasureRequestView, RejectionInput,
    RequestStatus,
};
use crate::{
    error::AppError,
    http::{
        auth::Caller,
        extract::{Json, Query},
        problem::ProblemBody,
    },
    startup::AppState,
};

/// Ask for her personal data to be erased. A case worker decides; the answer shows what blocks
/// the erasure now (money in flight, a place still running) and which payment records would be
/// kept, pseudonymised, for the retention period the law requires.
#[utoipa::path(tag = "privacy", security(("bearer" = [])), request_body = ErasureRequestInput, responses(
    (status = 201, description = "Requested", body = ErasureRequestView),
    (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "A request of hers is waiting already", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A reason too long or with control characters", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/me/erasure-request")]
pub async fn request_erasure(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<ErasureRequestInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(service::request(&state.db, &user, body.0).await?))
}

/// Her latest erasure request and, while it waits, what blocks it.
#[utoipa::path(tag = "privacy", security(("bearer" = [])), responses(
    (status = 200, description = "Her latest request", body = ErasureRequestView),
    (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "She never asked", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/erasure-request")]
pub async fn my_erasure_request(
    state: web::Data<AppState>,
    user: Caller,
) -> Result<web::Json<ErasureRequestView>, AppError> {
    Ok(web::Json(service::mine(&state.db, &user).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ErasureQuery {
    /// Default `requested` (waiting for a decision).
    pub status: Option<RequestStatus>,
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Erasure requests by status, oldest first, each with what blocks it now and which payment
/// records would be kept (case workers).
#[utoipa::path(tag = "privacy", security(("bearer" = [])), params(ErasureQuery), responses(
    (status = 200, description = "A page of requests", body = ErasureRequestPage),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A cursor this list did not give, or a limit out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/erasure-requests")]
pub async fn list_erasure_requests(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<ErasureQuery>,
) -> Result<web::Json<ErasureRequestPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::list(
            &state.db,
            &user,
            q.status.unwrap_or(RequestStatus::Requested),
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 50, 100)?,
        )
        .await?,
    ))
}

/// Approve a request: her personal data are erased everywhere at once — profile, household,
/// contacts, notes, emails, audit details — the account can no longer sign in, payment records
/// stay pseudonymised, and she gets a last email (case workers).
#[utoipa::path(tag = "privacy", security(("bearer" = [])), params(("id" = String, Path, description = "Request id")), responses(
    (status = 200, description = "Erased", body = ErasureRequestView),
    (status = 403, description = "Not a case worker, or her own request", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such request", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Decided already, or blocked (the detail names the blockers)", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/erasure-requests/{id}/approve")]
pub async fn approve_erasure(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<ErasureRequestView>, AppError> {
    Ok(web::Json(
        service::approve(&state.db, &state.settings, &user, id.into_inner()).await?,
    ))
}

/// Reject a request with a note she is shown (case workers). Nothing is erased.
#[utoipa::path(tag = "privacy", security(("bearer" = [])), params(("id" = String, Path, description = "Request id")), request_body = RejectionInput, responses(
    (status = 200, description = "Rejected", body = ErasureRequestView),
    (status = 403, description = "Not a case worker, or her own request", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such request", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Decided already", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "No note, or one too long or with control characters", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/erasure-requests/{id}/reject")]
pub async fn reject_erasure(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<RejectionInput>,
) -> Result<web::Json<ErasureRequestView>, AppError> {
    Ok(web::Json(
        service::reject(&state.db, &user, id.into_inner(), body.0.note).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(request_erasure)
        .service(my_erasure_request)
        .service(list_erasure_requests)
        .service(approve_erasure)
        .service(reject_erasure);
}
