//! The course provider's day: her courses, a course's calendar (add, move, cancel a session),
//! a session's register with one tap per person, and closing a month. Case workers see the same
//! calendar and registers, and reopen a closed month.

use std::collections::BTreeSet;

use actix_web::{get, post, web};
use chrono::{NaiveDate, NaiveTime};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PAGE_QUERY_LIMIT as PAGE, Reply, W, Who};
use crate::{
    attendance::service::{
        self as attendance, AttendanceInput, AttendanceStatus, Entry, SessionChange,
    },
    error::AppError,
    messages::FieldMsg,
    openings::service as openings,
};

/// One page of a list: `cursor` from the page before.
#[derive(Deserialize)]
pub(super) struct PageQuery {
    pub cursor: Option<String>,
}

#[get("/courses")]
async fn my_courses(w: W, who: Who, q: web::Query<PageQuery>) -> Reply {
    let who = &who.0;
    let page = openings::mine(w.db(), who, None, q.into_inner().cursor, PAGE, w.locale()).await;
    let page = w.ok(who, page)?;
    w.page(
        Some(who),
        "provider/courses.html",
        "nav_courses",
        Value::from_serialize(&page),
    )
}

#[get("/courses/{id}/sessions")]
async fn calendar(w: W, who: Who, id: web::Path<String>, q: web::Query<PageQuery>) -> Reply {
    let who = &who.0;
    let id = id.into_inner();
    let cursor = q.into_inner().cursor.filter(|c| !c.is_empty());
    let enrolled = w.ok(
        who,
        attendance::enrollments_of_course(w.db(), who, id.clone(), cursor, PAGE).await,
    )?;
    let course = w.ok(
        who,
        openings::get(w.db(), Some(who), id.clone(), w.locale()).await,
    )?;
    let sessions = w.ok(who, attendance::sessions(w.db(), who, id.clone()).await)?;
    let periods: BTreeSet<String> = sessions.iter().map(|s| s.period.clone()).collect();
    let can_reopen = who.has(crate::access::Permission::ReopenPeriods);
    w.page(
        Some(who),
        "provider/calendar.html",
        "calendar_title",
        context! {
            course => Value::from_serialize(&course),
            sessions => Value::from_serialize(&sessions),
            periods => periods,
            enrolled => Value::from_serialize(&enrolled),
            can_reopen,
            can_edit => !can_reopen,
        },
    )
}

#[derive(Deserialize)]
struct SessionForm {
    csrf: String,
    action: String,
    session_id: Option<String>,
    date: Option<String>,
    start_time: Option<String>,
    end_time: Option<String>,
    reason: Option<String>,
}

fn date_field(name: &'static str, v: Option<&str>) -> Result<NaiveDate, AppError> {
    let v = v.map(str::trim).filter(|v| !v.is_empty());
    let v = v.ok_or_else(|| AppError::field(name, FieldMsg::Required))?;
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| AppError::field(name, FieldMsg::Invalid))
}

fn time_field(name: &'static str, v: Option<&str>) -> Result<NaiveTime, AppError> {
    let v = v.map(str::trim).filter(|v| !v.is_empty());
    let v = v.ok_or_else(|| AppError::field(name, FieldMsg::Required))?;
    NaiveTime::parse_from_str(v, "%H:%M").map_err(|_| AppError::field(name, FieldMsg::Invalid))
}

impl SessionForm {
    /// The form as the API's calendar change.
    fn change(self) -> Result<SessionChange, AppError> {
        let session = || {
            self.session_id
                .clone()
                .ok_or_else(|| AppError::field("session_id", FieldMsg::Required))
        };
        let reason = || self.reason.clone().unwrap_or_default();
        match self.action.as_str() {
            "add" => Ok(SessionChange::Add {
                date: date_field("date", self.date.as_deref())?,
                start_time: time_field("start_time", self.start_time.as_deref())?,
                end_time: time_field("end_time", self.end_time.as_deref())?,
            }),
            "move" => Ok(SessionChange::Move {
                session_id: session()?,
                date: date_field("date", self.date.as_deref())?,
                start_time: time_field("start_time", self.start_time.as_deref())?,
                end_time: time_field("end_time", self.end_time.as_deref())?,
                reason: reason(),
            }),
            "cancel" => Ok(SessionChange::Cancel {
                session_id: session()?,
                reason: reason(),
            }),
            _ => Err(AppError::field("action", FieldMsg::Invalid)),
        }
    }
}

#[post("/courses/{id}/sessions")]
async fn change_session(
    w: W,
    who: Who,
    id: web::Path<String>,
    form: web::Form<SessionForm>,
) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let id = id.into_inner();
    let done = match form.action.as_str() {
        "add" => "session_added",
        "move" => "session_moved",
        _ => "session_cancelled",
    };
    let change = w.ok(who, form.change())?;
    w.ok(
        who,
        attendance::change_session(w.db(), who, id.clone(), change).await,
    )?;
    w.done(&format!("/courses/{id}/sessions"), done)
}

#[derive(Deserialize)]
struct PeriodForm {
    csrf: String,
    period: String,
}

#[post("/courses/{id}/periods/close")]
async fn close_month(w: W, who: Who, id: web::Path<String>, form: web::Form<PeriodForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    let id = id.into_inner();
    let settings = &w.state().settings;
    let closed =
        attendance::close_period(w.db(), settings, who, id.clone(), form.period.clone()).await;
    w.ok(who, closed)?;
    w.done(&format!("/courses/{id}/sessions"), "month_closed")
}

#[post("/courses/{id}/periods/reopen")]
async fn reopen_month(w: W, who: Who, id: web::Path<String>, form: web::Form<PeriodForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    let id = id.into_inner();
    w.ok(
        who,
        attendance::reopen_period(w.db(), who, id.clone(), form.period.clone()).await,
    )?;
    w.done(&format!("/courses/{id}/sessions"), "month_reopened")
}

/// The register: every enrolled person with one choice each and one button. The form carries
/// an idempotency key made when the page was drawn, so sending it again after a dropped
/// connection records nothing twice (the API's `Idempotency-Key`).
#[get("/sessions/{id}/register")]
async fn register(w: W, who: Who, id: web::Path<String>) -> Reply {
    let who = &who.0;
    let sheet = w.ok(
        who,
        attendance::attendance_of_session(w.db(), who, id.into_inner()).await,
    )?;
    let statuses = ["present", "late", "excused", "absent"];
    w.page(
        Some(who),
        "provider/register.html",
        "register_title",
        context! {
            sheet => Value::from_serialize(&sheet),
            statuses,
            idempotency_key => uuid::Uuid::new_v4().to_string(),
            can_edit => who.has(crate::access::Permission::PostOpenings),
        },
    )
}

/// Moving or cancelling a session, on a page of its own (the calendar stays light).
#[get("/sessions/{id}/change")]
async fn session_change(w: W, who: Who, id: web::Path<String>) -> Reply {
    let who = &who.0;
    let sheet = w.ok(
        who,
        attendance::attendance_of_session(w.db(), who, id.into_inner()).await,
    )?;
    w.page(
        Some(who),
        "provider/session_change.html",
        "move_or_cancel",
        context! { sheet => Value::from_serialize(&sheet) },
    )
}

#[post("/sessions/{id}/register")]
async fn save_register(
    w: W,
    who: Who,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Reply {
    let who = &who.0;
    let fields = form.into_inner();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    w.check_csrf(Some(who), &field("csrf"))?;
    let mut entries = Vec::new();
    for (k, v) in &fields {
        let Some(enrollment_id) = k.strip_prefix("mark:") else {
            continue;
        };
        let status = AttendanceStatus::parse(v)
            .ok_or_else(|| w.refuse(Some(who), AppError::field("status", FieldMsg::Invalid)))?;
        entries.push(Entry {
            enrollment_id: enrollment_id.to_owned(),
            status,
            note: None,
        });
    }
    // "Everyone else present": each person on the page left unmarked is recorded present, so
    // a register of 25 is a few taps for the exceptions and one for the rest.
    if field("rest") == "present" {
        for (k, person) in &fields {
            if k == "person" && !entries.iter().any(|e| &e.enrollment_id == person) {
                entries.push(Entry {
                    enrollment_id: person.clone(),
                    status: AttendanceStatus::Present,
                    note: None,
                });
            }
        }
    }
    if entries.is_empty() {
        return Err(w.refuse(Some(who), AppError::field("entries", FieldMsg::Required)));
    }
    let id = id.into_inner();
    let key = Some(field("idempotency_key")).filter(|k| !k.is_empty());
    let settings = &w.state().settings;
    let saved = attendance::record(
        w.db(),
        settings,
        who,
        id.clone(),
        AttendanceInput { entries },
        key,
    )
    .await;
    w.ok(who, saved)?;
    w.done(&format!("/sessions/{id}/register"), "register_saved")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(my_courses)
        .service(calendar)
        .service(change_session)
        .service(close_month)
        .service(reopen_month)
        .service(register)
        .service(session_change)
        .service(save_register);
}
