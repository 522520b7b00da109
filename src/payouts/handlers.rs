//! HTTP for payouts.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    batches::{self, BatchView, NewBatch},
    service::{self, PayoutPage, PayoutStatus, PayoutView},
};
use crate::{
    error::AppError,
    http::{
        auth::Caller,
        auth::Permission,
        extract::{Json, Query, csv_text},
        problem::ProblemBody,
    },
    startup::AppState,
};

/// Her stipend payouts: what is scheduled and what was paid, with what each was computed from.
#[utoipa::path(tag = "payouts", security(("bearer" = [])), responses(
    (status = 200, description = "Her payouts, newest month first", body = Vec<PayoutView>),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/payouts")]
pub async fn my_payouts(
    state: web::Data<AppState>,
    user: Caller,
) -> Result<web::Json<Vec<PayoutView>>, AppError> {
    Ok(web::Json(service::mine(&state.db, &user).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PayoutQuery {
    /// `YYYY-MM`.
    #[param(pattern = "^20[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub period: Option<String>,
    pub status: Option<PayoutStatus>,
    /// Page size, 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Payouts by month and status, newest month first, a page at a time: all of them for case
/// workers; for an employer, the wage subsidies paid to her organisation.
#[utoipa::path(tag = "payouts", security(("bearer" = [])), params(PayoutQuery), responses(
    (status = 200, description = "A page of payouts", body = PayoutPage),
    (status = 403, description = "Neither a case worker nor an employer", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A period that is not YYYY-MM, or a cursor this list did not give", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/payouts")]
pub async fn list_payouts(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<PayoutQuery>,
) -> Result<web::Json<PayoutPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::list(
            &state.db,
            &user,
            q.period,
            q.status,
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 100, 500)?,
        )
        .await?,
    ))
}

/// Approve a month's scheduled payouts into a batch (case workers). Payouts without a valid IBAN
/// are held and listed; failed and held ones of the month are taken again.
#[utoipa::path(tag = "payouts", security(("bearer" = [])), request_body = NewBatch, responses(
    (status = 201, description = "The batch, with held payouts and reconciliation", body = BatchView),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Nothing to approve for the month", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A period that is not YYYY-MM", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/payout-batches")]
pub async fn create_batch(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<NewBatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(batches::create(&state.db, &user, body.0).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BatchQuery {
    /// `YYYY-MM`: only that month's batches.
    #[param(pattern = "^20[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub period: Option<String>,
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Payout batches, newest first (case workers): where the batch to export or confirm is found.
#[utoipa::path(tag = "payouts", security(("bearer" = [])), params(BatchQuery), responses(
    (status = 200, description = "A page of batches", body = batches::BatchPage),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A period that is not YYYY-MM, or a cursor this list did not give", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/payout-batches")]
pub async fn list_batches(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<BatchQuery>,
) -> Result<web::Json<batches::BatchPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        batches::list(
            &state.db,
            &user,
            q.period,
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 50, 100)?,
        )
        .await?,
    ))
}

/// A batch: totals by status, held payouts, and reconciliation.
#[utoipa::path(tag = "payouts", security(("bearer" = [])), params(("id" = String, Path, description = "Batch id")), responses(
    (status = 200, description = "The batch", body = BatchView),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such batch", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/payout-batches/{id}")]
pub async fn get_batch(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<BatchView>, AppError> {
    Ok(web::Json(
        batches::get(&state.db, &user, id.into_inner()).await?,
    ))
}

/// The bank file (CSV: batch_id, payout_id, iin, full_name, iban, amount_kzt, purpose). The first
/// export marks the payouts sent; later exports give the same lines.
#[utoipa::path(tag = "payouts", security(("bearer" = [])), params(("id" = String, Path, description = "Batch id")), responses(
    (status = 200, description = "The bank file", body = String, content_type = "text/csv"),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such batch", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/payout-batches/{id}/export")]
pub async fn export_batch(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let file = batches::export(&state.db, &user, id.clone()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"payout-batch-{id}.csv\""),
        ))
        .body(file))
}

/// Import the bank's result file (CSV: payout_id, status `paid`|`failed`, amount_kzt, reference,
/// reason). All or nothing; importing the same file again changes nothing.
#[utoipa::path(tag = "payouts", security(("bearer" = [])), params(("id" = String, Path, description = "Batch id")),
    request_body(content = String, content_type = "text/csv", description = "The bank's confirmation"),
    responses(
    (status = 200, description = "The batch after the confirmation", body = BatchView),
    (status = 400, description = "Not UTF-8", body = ProblemBody, content_type = "application/problem+json"),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such batch", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "The batch has not been exported", body = ProblemBody, content_type = "application/problem+json"),
    (status = 413, description = "Larger than `max_file_bytes`", body = ProblemBody, content_type = "application/problem+json"),
    (status = 415, description = "Not text/csv", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Lines for other batches, other amounts, or unreadable lines; nothing applied", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/payout-batches/{id}/confirmation")]
pub async fn confirm_batch(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
    body: web::Payload,
) -> Result<web::Json<BatchView>, AppError> {
    user.require(Permission::ViewPayouts)?;
    // A file has its own, larger limit (`max_file_bytes`) than JSON bodies; read only once the
    // caller may send it.
    let body = crate::http::extract::read_body(
        body.into_inner(),
        crate::http::extract::declared_length(&req),
        state.settings.max_file_bytes,
    )
    .await?;
    let file = csv_text(&req, &body)?;
    Ok(web::Json(
        batches::confirm(&state.db, &state.settings, &user, id.into_inner(), file).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_payouts)
        .service(list_payouts)
        .service(create_batch)
        .service(list_batches)
        .service(get_batch)
        .service(export_batch)
        .service(confirm_batch);
}
