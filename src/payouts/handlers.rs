//! HTTP for payouts.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::service::{self, PayoutStatus, PayoutView};
use crate::{
    error::AppError,
    http::{auth::CurrentUser, extract::Query, problem::ProblemBody},
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
    user: CurrentUser,
) -> Result<web::Json<Vec<PayoutView>>, AppError> {
    Ok(web::Json(service::mine(&state, &user).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PayoutQuery {
    /// `YYYY-MM`.
    pub period: Option<String>,
    pub status: Option<PayoutStatus>,
}

/// Payouts by month and status (case workers; at most 1,000).
#[utoipa::path(tag = "payouts", security(("bearer" = [])), params(PayoutQuery), responses(
    (status = 200, description = "Payouts", body = Vec<PayoutView>),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A period that is not YYYY-MM", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/payouts")]
pub async fn list_payouts(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: Query<PayoutQuery>,
) -> Result<web::Json<Vec<PayoutView>>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::list(&state, &user, q.period, q.status).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_payouts).service(list_payouts);
}
