//! Wage reports in the cabinet: the employer reports a month of a placement and corrects what is
//! returned; case workers work the queue (confirm, or return with a note).

use actix_web::{get, post, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PAGE_QUERY_LIMIT, Reply, W, Who};
use crate::{
    access::Permission,
    error::AppError,
    messages::FieldMsg,
    subsidies::{
        report::ReportInput,
        service::{self as reports, ReportDecision, ReportStatus},
    },
};

#[derive(Deserialize)]
struct ReportsQuery {
    status: Option<String>,
    cursor: Option<String>,
}

/// An employer's reports (all), or the case workers' queue (submitted, oldest first).
#[get("/wage-reports")]
async fn list(w: W, who: Who, q: web::Query<ReportsQuery>) -> Reply {
    let who = &who.0;
    let q = q.into_inner();
    let staff = who.has(Permission::ViewPayouts);
    let cursor = q.cursor.filter(|c| !c.is_empty());
    // One tab at a time: the others are empty on the page.
    let (mut reports, mut overdue, mut subsidies) =
        (Value::from(()), Value::from(()), Value::from(()));
    let tab = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some("subsidies") if !staff => {
            let page =
                crate::payouts::service::list(w.db(), who, None, None, cursor, PAGE_QUERY_LIMIT);
            subsidies = Value::from_serialize(w.ok(who, page.await)?);
            "subsidies"
        }
        Some("overdue") => {
            let settings = &w.state().settings;
            let page = crate::subsidies::reminders::overdue(
                w.db(),
                settings,
                who,
                cursor,
                PAGE_QUERY_LIMIT,
            );
            overdue = Value::from_serialize(w.ok(who, page.await)?);
            "overdue"
        }
        given => {
            let status = match given {
                Some(s) => Some(ReportStatus::parse(s).ok_or_else(|| {
                    w.refuse(Some(who), AppError::field("status", FieldMsg::Invalid))
                })?),
                None if staff => Some(ReportStatus::Submitted),
                None => None,
            };
            let page = reports::list(w.db(), who, status, cursor, PAGE_QUERY_LIMIT);
            reports = Value::from_serialize(w.ok(who, page.await)?);
            status.map(ReportStatus::as_str).unwrap_or_default()
        }
    };
    w.page(
        Some(who),
        "wage_reports.html",
        "nav_wage_reports",
        context! { reports, overdue, subsidies, staff, status => tab },
    )
}

#[derive(Deserialize)]
struct ReportForm {
    csrf: String,
    /// Where to come back to.
    back: Option<String>,
    period: String,
    days_worked: String,
    gross_wage_tenge: String,
    payroll_reference: String,
}

impl ReportForm {
    fn input(&self) -> Result<ReportInput, AppError> {
        Ok(ReportInput {
            period: self.period.trim().to_owned(),
            days_worked: super::form_number("days_worked", &self.days_worked)?,
            gross_wage_tiyn: super::form_number("gross_wage_tenge", &self.gross_wage_tenge)?
                .checked_mul(100)
                .ok_or_else(|| AppError::field("gross_wage_tenge", FieldMsg::Invalid))?,
            payroll_reference: self.payroll_reference.clone(),
        })
    }

    fn back(&self) -> String {
        match self.back.as_deref() {
            Some(b) if b.starts_with('/') && !b.starts_with("//") => b.to_owned(),
            _ => "/wage-reports".to_owned(),
        }
    }
}

#[post("/placements/{id}/wage-reports")]
async fn submit(w: W, who: Who, id: web::Path<String>, form: web::Form<ReportForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let input = w.ok(who, form.input())?;
    let settings = &w.state().settings;
    w.ok(
        who,
        reports::submit(w.db(), settings, who, id.into_inner(), input).await,
    )?;
    w.done(&form.back(), "report_submitted")
}

#[post("/wage-reports/{id}")]
async fn correct(w: W, who: Who, id: web::Path<String>, form: web::Form<ReportForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let input = w.ok(who, form.input())?;
    let settings = &w.state().settings;
    w.ok(
        who,
        reports::correct(w.db(), settings, who, id.into_inner(), input).await,
    )?;
    w.done("/wage-reports", "report_submitted")
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    decision: String,
    note: Option<String>,
}

#[post("/wage-reports/{id}/decision")]
async fn decide(w: W, who: Who, id: web::Path<String>, form: web::Form<DecisionForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let (decision, done) = match form.decision.as_str() {
        "confirmed" => (ReportDecision::Confirmed, "report_confirmed"),
        "returned" => (ReportDecision::Returned, "report_returned"),
        _ => return Err(w.refuse(Some(who), AppError::field("decision", FieldMsg::Invalid))),
    };
    w.ok(
        who,
        reports::decide(
            w.db(),
            &w.state().settings,
            who,
            id.into_inner(),
            decision,
            form.note,
        )
        .await,
    )?;
    w.done("/wage-reports", done)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(submit)
        .service(correct)
        .service(decide);
}
