//! HTTP for wage reports.

use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    reminders::OverduePage,
    report::ReportInput,
    service::{self, ReportDecision, ReportStatus, WageReportPage, WageReportView},
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

/// Report a month of a placement: days worked, gross wage paid, payroll reference (the
/// placement's employer, once the month has ended). A wage below the minimum for the days
/// worked, or above the declared wage, is flagged for the case worker.
#[utoipa::path(tag = "subsidies", security(("bearer" = [])), params(("id" = String, Path, description = "Placement id")), request_body = ReportInput, responses(
    (status = 201, description = "Submitted", body = WageReportView),
    (status = 403, description = "Not this placement's employer", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such placement", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "The month is already reported", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A month not ended or outside the placement, days or wage out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/placements/{id}/wage-reports")]
pub async fn submit_report(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<ReportInput>,
) -> Result<HttpResponse, AppError> {
    let report =
        service::submit(&state.db, &state.settings, &user, id.into_inner(), body.0).await?;
    Ok(HttpResponse::Created().json(report))
}

/// Correct a report not yet confirmed (a returned one goes back to the case workers).
#[utoipa::path(tag = "subsidies", security(("bearer" = [])), params(("id" = String, Path, description = "Wage report id")), request_body = ReportInput, responses(
    (status = 200, description = "Corrected", body = WageReportView),
    (status = 403, description = "Not this placement's employer", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such report", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already confirmed", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Invalid values, or another month", body = ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/wage-reports/{id}")]
pub async fn correct_report(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<ReportInput>,
) -> Result<web::Json<WageReportView>, AppError> {
    Ok(web::Json(
        service::correct(&state.db, &state.settings, &user, id.into_inner(), body.0).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDecisionInput {
    /// `confirmed` or `returned`.
    pub decision: ReportDecision,
    /// Required when returning: what the employer should correct (up to 1000 characters).
    pub note: Option<String>,
}

/// Confirm a submitted report, or return it with a note (case workers).
#[utoipa::path(tag = "subsidies", security(("bearer" = [])), params(("id" = String, Path, description = "Wage report id")), request_body = ReportDecisionInput, responses(
    (status = 200, description = "Decided", body = WageReportView),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such report", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Not waiting for a decision", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A return without a note", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/wage-reports/{id}/decision")]
pub async fn decide_report(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<ReportDecisionInput>,
) -> Result<web::Json<WageReportView>, AppError> {
    let b = body.0;
    Ok(web::Json(
        service::decide(
            &state.db,
            &state.settings,
            &user,
            id.into_inner(),
            b.decision,
            b.note,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Only reports in this state (`submitted` is the case workers' queue).
    pub status: Option<ReportStatus>,
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Wage reports, oldest change first: an employer's own organisation's, or all (case workers).
#[utoipa::path(tag = "subsidies", security(("bearer" = [])), params(ReportQuery), responses(
    (status = 200, description = "A page of reports", body = WageReportPage),
    (status = 403, description = "Neither an employer nor a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A cursor this list did not give, or a limit out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/wage-reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<ReportQuery>,
) -> Result<web::Json<WageReportPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::list(
            &state.db,
            &user,
            q.status,
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 50, 100)?,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OverdueQuery {
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Months whose wage report is overdue (past `SJ_WAGE_REPORT_DUE_DAY` of the following month and
/// not reported), by placement and month: all for case workers, her organisation's for an
/// employer. No subsidy is paid for such a month until its report is sent and confirmed.
#[utoipa::path(tag = "subsidies", security(("bearer" = [])), params(OverdueQuery), responses(
    (status = 200, description = "A page of overdue months", body = OverduePage),
    (status = 403, description = "Neither an employer nor a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A cursor this list did not give, or a limit out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/wage-reports/overdue")]
pub async fn list_overdue(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<OverdueQuery>,
) -> Result<web::Json<OverduePage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        super::reminders::overdue(
            &state.db,
            &state.settings,
            &user,
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 50, 100)?,
        )
        .await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_overdue)
        .service(submit_report)
        .service(correct_report)
        .service(decide_report)
        .service(list_reports);
}
