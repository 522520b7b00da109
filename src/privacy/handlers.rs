//! HTTP for a person's own data.

use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::service::{self, DataExport};
use crate::{
    error::AppError,
    http::{auth::Caller, locale::Locale, problem::ProblemBody},
    startup::AppState,
};

/// Everything the service holds about the caller, as one JSON document (a download): profile,
/// household, eligibility with reasons, applications and their outcomes, offers, enrollments and
/// attendance, payouts, every email written to her, and the audit events about her (who saw or
/// changed what). Texts in her language (`Accept-Language`).
#[utoipa::path(tag = "privacy", security(("bearer" = [])), responses(
    (status = 200, description = "Her data", body = DataExport),
    (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/data-export")]
pub async fn data_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Caller,
) -> Result<HttpResponse, AppError> {
    let export = service::export(&state.db, &user, Locale::from_request(&req)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"social-jobs-my-data.json\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .json(export))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(data_export);
}
