//! HTTP for the city's reports and open data.

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::service::{self, OpenDataPage, ReportPage, ReportQuery};
use crate::{
    error::AppError,
    http::{auth::Caller, extract::Query, problem::ProblemBody},
    startup::AppState,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// First month, `YYYY-MM`; default eleven months before `to`.
    #[param(pattern = "^20[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub from: Option<String>,
    /// Last month, `YYYY-MM`; default this month. At most 36 months from `from`.
    #[param(pattern = "^20[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub to: Option<String>,
    #[param(max_length = 64)]
    pub programme_id: Option<String>,
    /// A district code (the opening's district).
    #[param(max_length = 64)]
    pub district: Option<String>,
    /// Rows per page, 1–500, default 100 (a CSV holds every row).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

impl ReportParams {
    fn split(self) -> Result<(ReportQuery, Option<String>, i64), AppError> {
        let limit = crate::paging::limit(self.limit, 100, 500)?;
        Ok((
            ReportQuery {
                from: self.from,
                to: self.to,
                programme_id: self.programme_id,
                district: self.district,
            },
            crate::paging::given(self.cursor),
            limit,
        ))
    }
}

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

/// The city's figures by month, programme and district (case workers and admins): applicants by
/// tier, offers and their outcomes, placements started and ended by reason, enrollments,
/// attendance, completions, stipends and wage subsidies scheduled, paid and failed (count and
/// tiyn). JSON a page at a time with totals over the whole filter, or every row as CSV with
/// `Accept: text/csv`.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(ReportParams), responses(
    (status = 200, description = "A page of rows and the totals (JSON), or every row (CSV)",
        content((ReportPage = "application/json"), (String = "text/csv"))),
    (status = 403, description = "Not a case worker or admin", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A month that is not YYYY-MM, a range backwards or over 36 months, or a cursor this list did not give", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/reports/summary")]
pub async fn report_summary(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    query: Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let (q, cursor, limit) = query.0.split()?;
    if wants_csv(&req) {
        let file = service::summary_csv(&state.db, &user, q).await?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"report.csv\"",
            ))
            .body(file));
    }
    Ok(HttpResponse::Ok().json(service::summary(&state.db, &user, q, cursor, limit).await?))
}

/// The same figures as open data, for anyone: a figure about fewer than 5 people is `null`, and
/// so is any figure that would let one be worked out by subtraction. Cached for five minutes.
#[utoipa::path(tag = "reports", params(ReportParams), responses(
    (status = 200, description = "A page of rows", body = OpenDataPage),
    (status = 422, description = "A month that is not YYYY-MM, a range backwards or over 36 months, or a cursor this list did not give", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/open-data/summary")]
pub async fn open_data(
    state: web::Data<AppState>,
    query: Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let (q, cursor, limit) = query.0.split()?;
    let page = service::open_data(&state.db, &state.open_data, q, cursor, limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={}", service::OPEN_DATA_TTL.as_secs()),
        ))
        .json(page.as_ref()))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(report_summary).service(open_data);
}
