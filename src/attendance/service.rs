//! Course sessions, attendance and closed months. A provider keeps the calendar and marks
//! attendance (bulk, idempotent, corrections kept); closing a month makes its attendance final
//! until a case worker reopens it; a seeker sees her own.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::queries::{self, AttendanceRow, CorrectionRow};
use crate::access::{Caller, Permission};
use crate::config::Settings;
use crate::db::Db;
use crate::locale::Locale;
use crate::{
    audit::{self, AuditEvent},
    db::DbConnection,
    error::{AppError, internal},
    matching::enrollments,
    messages::{FieldMsg, Msg},
    notifications::{EmailTemplate, notify},
    openings::{
        calendar,
        model::OpeningKind,
        service::{self as openings, OpeningFacts, SessionFacts},
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AttendanceStatus {
    Present,
    Late,
    Excused,
    Absent,
}

impl AttendanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceStatus::Present => "present",
            AttendanceStatus::Late => "late",
            AttendanceStatus::Excused => "excused",
            AttendanceStatus::Absent => "absent",
        }
    }

    pub fn parse(s: &str) -> Option<AttendanceStatus> {
        use AttendanceStatus::*;
        [Present, Late, Excused, Absent]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The stipend period (calendar month in Asia/Almaty) an instant falls in, as `YYYY-MM`.
pub fn period_of(at: NaiveDateTime) -> String {
    let d = calendar::almaty_date(at);
    format!("{:04}-{:02}", d.year(), d.month())
}

/// `YYYY-MM` → its first and last day.
pub fn parse_period(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    if !(y.bytes().all(|b| b.is_ascii_digit()) && m.bytes().all(|b| b.is_ascii_digit())) {
        return None; // `+202` and `-1` parse as numbers
    }
    let first = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    if !crate::clock::date_in_range(first) {
        return None;
    }
    let last = first
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()?;
    Some((first, last))
}

/// A course the caller's organisation runs (404 for anything that is not a course).
fn own_course(c: &mut DbConnection, user: &Caller, id: &str) -> Result<OpeningFacts, AppError> {
    let f = openings::owned_by_caller(c, user, id)?;
    if f.kind != OpeningKind::Course {
        return Err(AppError::NotFound);
    }
    Ok(f)
}

/// A course the caller may read: its organisation's members and staff.
fn readable_course(
    c: &mut DbConnection,
    user: &Caller,
    id: &str,
) -> Result<OpeningFacts, AppError> {
    if user.has(Permission::ReadAnyOpening) {
        return openings::facts_of(c, id)?
            .filter(|f| f.kind == OpeningKind::Course)
            .ok_or(AppError::NotFound);
    }
    own_course(c, user, id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The stipend month it counts in (`YYYY-MM`, Almaty).
    pub period: String,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
}

fn session_view(s: &SessionFacts) -> SessionView {
    SessionView {
        id: s.id.clone(),
        starts_at: s.starts_at.and_utc(),
        ends_at: s.ends_at.and_utc(),
        period: period_of(s.starts_at),
        cancelled: s.cancelled,
        cancel_reason: s.cancel_reason.clone(),
    }
}

pub async fn sessions(
    db: &Db,
    user: &Caller,
    course_id: String,
) -> Result<Vec<SessionView>, AppError> {
    let user = user.clone();
    db.run(move |c| {
        readable_course(c, &user, &course_id)?;
        Ok(openings::sessions_of(c, &course_id)?
            .iter()
            .map(session_view)
            .collect())
    })
    .await
}

/// A change to a course's calendar. Times are Asia/Almaty wall-clock.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum SessionChange {
    Add {
        date: NaiveDate,
        #[schema(value_type = String, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?$")]
        start_time: NaiveTime,
        #[schema(value_type = String, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?$")]
        end_time: NaiveTime,
    },
    Move {
        session_id: String,
        date: NaiveDate,
        #[schema(value_type = String, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?$")]
        start_time: NaiveTime,
        #[schema(value_type = String, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?$")]
        end_time: NaiveTime,
        reason: String,
    },
    Cancel {
        session_id: String,
        reason: String,
    },
}

/// A session's start and end, which must fall within its course's dates (a change of the
/// course's dates is its own, audited, change of the opening).
fn instants(
    course: &OpeningFacts,
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
) -> Result<(NaiveDateTime, NaiveDateTime), AppError> {
    if !crate::clock::date_in_range(date) {
        return Err(AppError::field("date", FieldMsg::DateOutOfRange));
    }
    if date < course.start_date || course.end_date.is_some_and(|last| date > last) {
        return Err(AppError::field("date", FieldMsg::OutsideCourseDates));
    }
    if end <= start {
        return Err(AppError::field(
            "end_time",
            FieldMsg::MustBeAfter {
                field: "start_time",
            },
        ));
    }
    let s = calendar::almaty_to_utc(date, start)
        .ok_or_else(|| AppError::field("start_time", FieldMsg::Invalid))?;
    let e = calendar::almaty_to_utc(date, end)
        .ok_or_else(|| AppError::field("end_time", FieldMsg::Invalid))?;
    Ok((s, e))
}

fn reason_of(reason: &str) -> Result<String, AppError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(AppError::field("reason", FieldMsg::Required));
    }
    if r.chars().count() > 500 {
        return Err(AppError::field("reason", FieldMsg::TooLong { max: 500 }));
    }
    if !crate::text::text_is_clean(r) {
        return Err(AppError::field("reason", FieldMsg::ForbiddenCharacters));
    }
    Ok(r.to_owned())
}

/// Adds, moves or cancels a session. Refused in a closed month (the one it was in, and the one
/// it moves to).
pub async fn change_session(
    db: &Db,
    user: &Caller,
    course_id: String,
    change: SessionChange,
) -> Result<SessionView, AppError> {
    user.require(Permission::PostOpenings)?;
    let user = user.clone();
    db.transaction(move |c| {
        let course = own_course(c, &user, &course_id)?;
        let existing = |c: &mut DbConnection, id: &str| -> Result<SessionFacts, AppError> {
            openings::session(c, id)?
                .filter(|s| s.opening_id == course.id)
                .ok_or_else(|| AppError::field("session_id", FieldMsg::Unknown))
        };
        let open = |c: &mut DbConnection, at: NaiveDateTime| -> Result<(), AppError> {
            if queries::is_closed(c, &course.id, &period_of(at))? {
                return Err(AppError::Conflict(Msg::PeriodClosed));
            }
            Ok(())
        };
        let (action, before, id) = match change {
            SessionChange::Add {
                date,
                start_time,
                end_time,
            } => {
                let (s, e) = instants(&course, date, start_time, end_time)?;
                open(c, s)?;
                let added = openings::add_session(c, &course.id, s, e)?;
                ("session.added", None, added.id)
            }
            SessionChange::Move {
                session_id,
                date,
                start_time,
                end_time,
                reason,
            } => {
                let reason = reason_of(&reason)?;
                let old = existing(c, &session_id)?;
                let (s, e) = instants(&course, date, start_time, end_time)?;
                open(c, old.starts_at)?;
                open(c, s)?;
                openings::change_session(c, &old.id, s, e, None)?;
                (
                    "session.moved",
                    Some(serde_json::json!({ "starts_at": old.starts_at, "reason": reason })),
                    old.id,
                )
            }
            SessionChange::Cancel { session_id, reason } => {
                let reason = reason_of(&reason)?;
                let old = existing(c, &session_id)?;
                open(c, old.starts_at)?;
                openings::change_session(c, &old.id, old.starts_at, old.ends_at, Some(reason))?;
                (
                    "session.cancelled",
                    Some(serde_json::json!({ "cancelled": old.cancelled })),
                    old.id,
                )
            }
        };
        let after = openings::session(c, &id)?.ok_or(AppError::NotFound)?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action,
                entity: "course_session",
                entity_id: &id,
                before,
                after: Some(serde_json::json!({
                    "starts_at": after.starts_at, "ends_at": after.ends_at,
                    "cancelled": after.cancelled, "reason": after.cancel_reason,
                })),
            },
        )?;
        Ok(session_view(&after))
    })
    .await
}

// --- attendance ---

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub enrollment_id: String,
    pub status: AttendanceStatus,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceInput {
    /// One entry per enrollment (1–500).
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CorrectionView {
    pub before: AttendanceStatus,
    pub after: AttendanceStatus,
    pub before_note: Option<String>,
    pub after_note: Option<String>,
    pub corrected_by: String,
    /// Who corrected it, as people know them: the account's email.
    pub corrected_by_email: Option<String>,
    pub corrected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub enrollment_id: String,
    pub seeker_name: String,
    /// Absent until marked.
    pub status: Option<AttendanceStatus>,
    pub note: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
    /// Earlier values, oldest first.
    pub corrections: Vec<CorrectionView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionAttendance {
    pub course_id: String,
    pub session: SessionView,
    pub entries: Vec<EntryView>,
}

fn session_attendance(
    c: &mut DbConnection,
    course: &OpeningFacts,
    session: &SessionFacts,
) -> Result<SessionAttendance, AppError> {
    let enrolled = enrollments::of_course(c, &course.id)?;
    let ids: Vec<String> = enrolled.iter().map(|e| e.seeker_id.clone()).collect();
    let names = crate::seekers::service::applicant_cards(c, &ids)?;
    let marks: HashMap<String, AttendanceRow> = queries::of_session(c, &session.id)?
        .into_iter()
        .map(|a| (a.enrollment_id.clone(), a))
        .collect();
    let mut corrections: HashMap<String, Vec<CorrectionView>> = HashMap::new();
    let made = queries::corrections(c, &session.id)?;
    let by: Vec<String> = made.iter().map(|k| k.corrected_by.clone()).collect();
    let emails = crate::accounts::service::contacts(c, &by)?;
    for k in made {
        corrections
            .entry(k.enrollment_id.clone())
            .or_default()
            .push(CorrectionView {
                before: AttendanceStatus::parse(&k.before_status)
                    .ok_or_else(|| internal(anyhow::anyhow!("status")))?,
                after: AttendanceStatus::parse(&k.after_status)
                    .ok_or_else(|| internal(anyhow::anyhow!("status")))?,
                before_note: k.before_note,
                after_note: k.after_note,
                corrected_by_email: emails
                    .get(&k.corrected_by)
                    .map(|(e, _)| e.as_str().to_owned()),
                corrected_by: k.corrected_by,
                corrected_at: k.corrected_at.and_utc(),
            });
    }
    let entries = enrolled
        .iter()
        .map(|e| {
            let mark = marks.get(&e.id);
            EntryView {
                enrollment_id: e.id.clone(),
                seeker_name: names
                    .get(&e.seeker_id)
                    .map(|n| n.full_name.clone())
                    .unwrap_or_default(),
                status: mark.and_then(|m| AttendanceStatus::parse(&m.status)),
                note: mark.and_then(|m| m.note.clone()),
                recorded_at: mark.map(|m| m.recorded_at.and_utc()),
                corrections: corrections.remove(&e.id).unwrap_or_default(),
            }
        })
        .collect();
    Ok(SessionAttendance {
        course_id: course.id.clone(),
        session: session_view(session),
        entries,
    })
}

fn course_of_session(
    c: &mut DbConnection,
    user: &Caller,
    session_id: &str,
    write: bool,
) -> Result<(OpeningFacts, SessionFacts), AppError> {
    let session = openings::session(c, session_id)?.ok_or(AppError::NotFound)?;
    let course = if write {
        own_course(c, user, &session.opening_id)?
    } else {
        readable_course(c, user, &session.opening_id)?
    };
    Ok((course, session))
}

/// One person enrolled in a course, as her provider and staff see her.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrolledView {
    pub enrollment_id: String,
    pub seeker_name: String,
    /// `active`, or how it ended.
    pub status: String,
    pub enrolled_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrolledPage {
    pub items: Vec<EnrolledView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A course's enrollments, oldest first (its organisation's members and staff).
pub async fn enrollments_of_course(
    db: &Db,
    user: &Caller,
    course_id: String,
    cursor: Option<String>,
    limit: i64,
) -> Result<EnrolledPage, AppError> {
    let user = user.clone();
    let after = crate::paging::instant_and_id(cursor)?;
    db.run(move |c| {
        readable_course(c, &user, &course_id)?;
        let mut rows = enrollments::page_of_course(c, &course_id, after, limit + 1)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| {
                rows.last()
                    .map(|e| crate::paging::of_instant_and_id(e.created_at, &e.id))
            })
            .flatten();
        let ids: Vec<String> = rows.iter().map(|e| e.seeker_id.clone()).collect();
        let names = crate::seekers::service::applicant_cards(c, &ids)?;
        let items = rows
            .into_iter()
            .map(|e| EnrolledView {
                seeker_name: names
                    .get(&e.seeker_id)
                    .map(|n| n.full_name.clone())
                    .unwrap_or_default(),
                enrollment_id: e.id,
                status: e.status,
                enrolled_at: e.created_at.and_utc(),
            })
            .collect();
        Ok(EnrolledPage { items, next_cursor })
    })
    .await
}

pub async fn attendance_of_session(
    db: &Db,
    user: &Caller,
    session_id: String,
) -> Result<SessionAttendance, AppError> {
    let user = user.clone();
    db.run(move |c| {
        let (course, session) = course_of_session(c, &user, &session_id, false)?;
        session_attendance(c, &course, &session)
    })
    .await
}

/// Records attendance for a session in bulk. With an `Idempotency-Key`, a retry of the same
/// request returns the first response and a different request with the same key is refused.
/// A changed mark keeps its earlier value as a correction. Returns the response body.
pub async fn record(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    session_id: String,
    input: AttendanceInput,
    idempotency_key: Option<String>,
) -> Result<serde_json::Value, AppError> {
    user.require(Permission::PostOpenings)?;
    if let Some(k) = &idempotency_key
        && (k.is_empty() || k.len() > 200)
    {
        return Err(AppError::BadRequest(Msg::IdempotencyKeyInvalid));
    }
    let user = user.clone();
    let link = format!("{}/enrollments", settings.public_url.trim_end_matches('/'));
    let hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&(&session_id, &input)).map_err(internal)?,
    ));
    db
        .transaction(move |c| {
            if let Some(key) = &idempotency_key
                && let Some((stored_hash, _, body)) = queries::idempotent_response(c, &user.account_id, key)?
            {
                if stored_hash != hash {
                    return Err(AppError::Validation {
                        detail: Msg::IdempotencyKeyReused,
                        errors: BTreeMap::new(),
                    });
                }
                return serde_json::from_str(&body).map_err(internal);
            }
            let (course, session) = course_of_session(c, &user, &session_id, true)?;
            if session.cancelled {
                return Err(AppError::Conflict(Msg::SessionCancelled));
            }
            let now = crate::db::now();
            if session.starts_at > now {
                return Err(AppError::Conflict(Msg::SessionNotHeldYet));
            }
            let period = period_of(session.starts_at);
            if queries::is_closed(c, &course.id, &period)? {
                return Err(AppError::Conflict(Msg::PeriodClosed));
            }
            let enrolled: HashMap<String, String> = enrollments::of_course(c, &course.id)?
                .into_iter()
                .filter(|e| e.status == "active")
                .map(|e| (e.id, e.seeker_id))
                .collect();
            let mut errors = BTreeMap::new();
            if input.entries.is_empty() || input.entries.len() > 500 {
                errors.insert("entries".to_owned(), Msg::Field(FieldMsg::OutOfRange { min: 1, max: 500 }));
            }
            let mut seen = HashSet::new();
            for (i, e) in input.entries.iter().enumerate() {
                if !enrolled.contains_key(&e.enrollment_id) {
                    errors.insert(format!("entries[{i}].enrollment_id"), Msg::Field(FieldMsg::Unknown));
                }
                if !seen.insert(e.enrollment_id.clone()) {
                    errors.insert(format!("entries[{i}].enrollment_id"), Msg::Field(FieldMsg::Invalid));
                }
                if e.note.as_ref().is_some_and(|n| n.chars().count() > 500) {
                    errors.insert(format!("entries[{i}].note"), Msg::Field(FieldMsg::TooLong { max: 500 }));
                } else if e.note.as_ref().is_some_and(|n| !crate::text::text_is_clean(n)) {
                    errors.insert(format!("entries[{i}].note"), Msg::Field(FieldMsg::ForbiddenCharacters));
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Validation { detail: Msg::JsonBodyInvalid, errors });
            }
            let marks: HashMap<String, AttendanceRow> = queries::of_session(c, &session.id)?
                .into_iter()
                .map(|a| (a.enrollment_id.clone(), a))
                .collect();
            for e in &input.entries {
                let note = e.note.as_ref().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
                let row = AttendanceRow {
                    session_id: session.id.clone(),
                    enrollment_id: e.enrollment_id.clone(),
                    status: e.status.as_str().to_owned(),
                    note: note.clone(),
                    recorded_by: user.account_id.clone(),
                    recorded_at: now,
                };
                match marks.get(&e.enrollment_id) {
                    None => queries::insert(c, &row)?,
                    Some(old) if old.status == row.status && old.note == row.note => {}
                    Some(old) => {
                        queries::insert_correction(
                            c,
                            &CorrectionRow {
                                id: uuid::Uuid::now_v7().to_string(),
                                session_id: session.id.clone(),
                                enrollment_id: e.enrollment_id.clone(),
                                before_status: old.status.clone(),
                                after_status: row.status.clone(),
                                before_note: old.note.clone(),
                                after_note: note.clone(),
                                corrected_by: user.account_id.clone(),
                                corrected_at: now,
                            },
                        )?;
                        queries::update(c, &row)?;
                        audit::record(
                            c,
                            &user.actor,
                            AuditEvent {
                                action: "attendance.corrected",
                                entity: "enrollment",
                                entity_id: &e.enrollment_id,
                                before: Some(serde_json::json!({ "session_id": session.id, "status": old.status })),
                                after: Some(serde_json::json!({ "session_id": session.id, "status": row.status })),
                            },
                        )?;
                    }
                }
            }
            let marked: Vec<(String, String)> = input
                .entries
                .iter()
                .filter_map(|e| enrolled.get(&e.enrollment_id).map(|s| (e.enrollment_id.clone(), s.clone())))
                .collect();
            warn_low_attendance(c, &course, &period, &marked, false, &link)?;
            let body = serde_json::to_value(session_attendance(c, &course, &session)?).map_err(internal)?;
            if let Some(key) = &idempotency_key {
                queries::store_response(c, &user.account_id, key, &hash, 200, &body.to_string(), now)?;
            }
            Ok(body)
        })
        .await
}

/// Emails each of `enrollments` (enrollment id, seeker id) whose attendance in `period` is below
/// the programme's minimum, once per enrollment and month (the outbox's dedup key), and only on a
/// final count: once every session of the month that has taken place is marked for her (and at
/// least two were held), or once the month is closed (`month_closed`; an unmarked session then
/// counts as missed, as the payout counts it). A session not yet marked is never taken for an
/// absence while the provider is still entering the month.
fn warn_low_attendance(
    c: &mut DbConnection,
    course: &OpeningFacts,
    period: &str,
    enrollments: &[(String, String)],
    month_closed: bool,
    link: &str,
) -> Result<(), AppError> {
    let Some(rules) =
        crate::programmes::service::find(c, &course.programme_id)?.and_then(|p| p.rules.stipend)
    else {
        return Ok(());
    };
    let now = crate::db::now();
    let held: HashSet<String> = openings::sessions_of(c, &course.id)?
        .into_iter()
        .filter(|s| !s.cancelled && s.starts_at <= now && period_of(s.starts_at) == period)
        .map(|s| s.id)
        .collect();
    if held.is_empty() || (!month_closed && held.len() < 2) {
        return Ok(());
    }
    for (enrollment_id, seeker) in enrollments {
        let marks: HashMap<String, String> = queries::of_enrollment(c, enrollment_id)?
            .into_iter()
            .filter(|a| held.contains(&a.session_id))
            .map(|a| (a.session_id, a.status))
            .collect();
        if !month_closed && marks.len() < held.len() {
            continue; // the provider has not marked the month for her yet
        }
        let attended = marks
            .values()
            .filter(|st| rules.attended_statuses.contains(st))
            .count() as i64;
        if attended * 100 >= rules.min_attendance_percent * held.len() as i64 {
            continue;
        }
        let Some((to, locale)) = crate::accounts::service::contact(c, seeker)? else {
            continue;
        };
        let count = MonthCount {
            period,
            attended,
            held: held.len() as i64,
            min_percent: rules.min_attendance_percent,
        };
        send_low_attendance_warning(c, &to, locale, course, enrollment_id, &count, link)?;
    }
    Ok(())
}

/// A final count of one month's attendance of one enrollment.
pub struct MonthCount<'a> {
    pub period: &'a str,
    pub attended: i64,
    pub held: i64,
    pub min_percent: i64,
}

/// Queues the low-attendance warning of an enrollment's month: one per enrollment and month,
/// whoever finds the count final first (marking, closing, or the payout cycle after the grace
/// period).
pub fn send_low_attendance_warning(
    c: &mut DbConnection,
    to: &crate::notifications::EmailAddress,
    locale: Locale,
    course: &OpeningFacts,
    enrollment_id: &str,
    count: &MonthCount<'_>,
    link: &str,
) -> Result<(), AppError> {
    let n = low_attendance_warning(to, locale, course, enrollment_id, count, link);
    notify(c, &n.to, n.template, n.locale, n.data, &n.dedup_key)?;
    Ok(())
}

/// The warning [`send_low_attendance_warning`] queues, for a caller that queues many at once.
pub fn low_attendance_warning(
    to: &crate::notifications::EmailAddress,
    locale: Locale,
    course: &OpeningFacts,
    enrollment_id: &str,
    count: &MonthCount<'_>,
    link: &str,
) -> crate::notifications::Notice {
    crate::notifications::Notice {
        to: to.clone(),
        template: EmailTemplate::AttendanceWarning,
        locale,
        data: serde_json::json!({
            "course_title": openings::title_in(course, locale), "period": count.period,
            "attended": count.attended, "held": count.held, "min_percent": count.min_percent,
            "link": link,
        }),
        // The same event as the marking's and closing's warning: she is warned once a month.
        dedup_key: format!("attendance_warning:{enrollment_id}:{}", count.period),
    }
}

// --- periods ---

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    pub course_id: String,
    pub period: String,
    pub closed: bool,
    /// On reopening: what happened to the month's stipend payouts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payouts: Option<crate::payouts::service::ReopenedPayouts>,
}

fn checked_period(period: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    parse_period(period).ok_or(AppError::NotFound)
}

/// Closes a month that has ended: its attendance becomes final.
pub async fn close_period(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    course_id: String,
    period: String,
) -> Result<PeriodView, AppError> {
    user.require(Permission::PostOpenings)?;
    let (_, last) = checked_period(&period)?;
    let user = user.clone();
    let link = format!("{}/enrollments", settings.public_url.trim_end_matches('/'));
    db.transaction(move |c| {
        let course = own_course(c, &user, &course_id)?;
        if last >= crate::seekers::service::almaty_today() {
            return Err(AppError::Conflict(Msg::PeriodNotOver));
        }
        if queries::is_closed(c, &course.id, &period)? {
            return Err(AppError::Conflict(Msg::PeriodClosed));
        }
        queries::close(c, &course.id, &period, &user.account_id, crate::db::now())?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "period.closed",
                entity: "course",
                entity_id: &course.id,
                before: None,
                after: Some(serde_json::json!({ "period": period })),
            },
        )?;
        // The month's attendance is final: warn those below the minimum (once a month).
        let enrolled: Vec<(String, String)> = enrollments::of_course(c, &course.id)?
            .into_iter()
            .filter(|e| e.status != "left" && calendar::almaty_date(e.created_at) <= last)
            .map(|e| (e.id, e.seeker_id))
            .collect();
        warn_low_attendance(c, &course, &period, &enrolled, true, &link)?;
        Ok(PeriodView {
            course_id: course.id,
            period,
            closed: true,
            payouts: None,
        })
    })
    .await
}

/// Reopens a closed month for late corrections (case workers; audited).
pub async fn reopen_period(
    db: &Db,
    user: &Caller,
    course_id: String,
    period: String,
) -> Result<PeriodView, AppError> {
    user.require(Permission::ReopenPeriods)?;
    checked_period(&period)?;
    let user = user.clone();
    db.transaction(move |c| {
        let course = openings::facts_of(c, &course_id)?
            .filter(|f| f.kind == OpeningKind::Course)
            .ok_or(AppError::NotFound)?;
        if !queries::reopen(c, &course.id, &period)? {
            return Err(AppError::Conflict(Msg::PeriodNotClosed));
        }
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "period.reopened",
                entity: "course",
                entity_id: &course.id,
                before: Some(serde_json::json!({ "period": period, "closed": true })),
                after: Some(serde_json::json!({ "period": period, "closed": false })),
            },
        )?;
        let payouts =
            crate::payouts::service::withdraw_for_correction(c, &user.actor, &course.id, &period)?;
        Ok(PeriodView {
            course_id: course.id,
            period,
            closed: false,
            payouts: Some(payouts),
        })
    })
    .await
}

/// The marks of many enrollments: enrollment id → session id → status (for the payout cycle,
/// which loads a chunk of enrollments at once instead of one query each).
pub fn marks_of_many(
    c: &mut DbConnection,
    enrollment_ids: &[String],
) -> Result<HashMap<String, HashMap<String, String>>, AppError> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    for chunk in enrollment_ids.chunks(1000) {
        for a in queries::of_enrollments(c, chunk)? {
            out.entry(a.enrollment_id)
                .or_default()
                .insert(a.session_id, a.status);
        }
    }
    Ok(out)
}

/// The closed months of the given courses, by course: the payout cycle asks once for all
/// courses, a thousand courses a query.
pub fn closed_of_many(
    c: &mut DbConnection,
    course_ids: &[String],
) -> Result<HashMap<String, HashSet<String>>, AppError> {
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for chunk in course_ids.chunks(1000) {
        for (course, period) in queries::closed_of_many(c, chunk)? {
            out.entry(course).or_default().insert(period);
        }
    }
    Ok(out)
}

// --- the seeker's view ---

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrollmentView {
    pub id: String,
    pub course_id: String,
    pub course_title: String,
    pub start_date: NaiveDate,
    pub status: String,
    pub sessions_held: i64,
    pub sessions_attended: i64,
}

fn counts(
    c: &mut DbConnection,
    course: &OpeningFacts,
    enrollment_id: &str,
) -> Result<(i64, i64), AppError> {
    let now = crate::db::now();
    let held: HashSet<String> = openings::sessions_of(c, &course.id)?
        .into_iter()
        .filter(|s| !s.cancelled && s.starts_at <= now)
        .map(|s| s.id)
        .collect();
    let attended_statuses = crate::programmes::service::find(c, &course.programme_id)?
        .and_then(|p| p.rules.stipend)
        .map(|s| s.attended_statuses)
        .unwrap_or_default();
    let attended = queries::of_enrollment(c, enrollment_id)?
        .into_iter()
        .filter(|a| held.contains(&a.session_id) && attended_statuses.contains(&a.status))
        .count();
    Ok((held.len() as i64, attended as i64))
}

pub async fn my_enrollments(
    db: &Db,
    user: &Caller,
    locale: Locale,
) -> Result<Vec<EnrollmentView>, AppError> {
    user.require(Permission::Apply)?;
    let id = user.account_id.clone();
    db.run(move |c| {
        let mut out = Vec::new();
        for e in enrollments::of_seeker(c, &id)? {
            let Some(course) = openings::facts_of(c, &e.opening_id)? else {
                continue;
            };
            let (held, attended) = counts(c, &course, &e.id)?;
            out.push(EnrollmentView {
                course_title: openings::title_in(&course, locale),
                start_date: course.start_date,
                id: e.id,
                course_id: course.id,
                status: e.status,
                sessions_held: held,
                sessions_attended: attended,
            });
        }
        Ok(out)
    })
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyAttendance {
    pub session: SessionView,
    pub status: Option<AttendanceStatus>,
    pub note: Option<String>,
}

pub async fn my_attendance(
    db: &Db,
    user: &Caller,
    enrollment_id: String,
) -> Result<Vec<MyAttendance>, AppError> {
    user.require(Permission::Apply)?;
    let id = user.account_id.clone();
    db.run(move |c| {
        let e = enrollments::find(c, &enrollment_id)?
            .filter(|e| e.seeker_id == id)
            .ok_or(AppError::NotFound)?;
        let marks: HashMap<String, AttendanceRow> = queries::of_enrollment(c, &e.id)?
            .into_iter()
            .map(|a| (a.session_id.clone(), a))
            .collect();
        Ok(openings::sessions_of(c, &e.opening_id)?
            .iter()
            .map(|s| {
                let m = marks.get(&s.id);
                MyAttendance {
                    session: session_view(s),
                    status: m.and_then(|m| AttendanceStatus::parse(&m.status)),
                    note: m.and_then(|m| m.note.clone()),
                }
            })
            .collect())
    })
    .await
}

// --- erasure ---

/// Erases what attendance holds about her, inside the erasure's transaction: the notes on her
/// marks and in their corrections' history (the marks stay: they are what her stipends were
/// computed from), any note naming her, and stored responses that are hers or name her.
pub fn erase_person(
    c: &mut DbConnection,
    account_id: &str,
    enrollment_ids: &[String],
    values: &[String],
) -> Result<(), AppError> {
    queries::clear_notes(c, enrollment_ids)?;
    for v in values {
        queries::clear_notes_containing(c, v)?;
    }
    queries::delete_responses(c, account_id, values)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_almaty_months() {
        // 19:30 UTC on 31 January is 00:30 on 1 February in Almaty.
        let at = NaiveDate::from_ymd_opt(2027, 1, 31)
            .unwrap()
            .and_hms_opt(19, 30, 0)
            .unwrap();
        assert_eq!(period_of(at), "2027-02");
        assert_eq!(
            parse_period("2027-02"),
            Some((
                NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
                NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
            ))
        );
        for bad in ["2027-13", "27-01", "2027-1", "x", "2027-02-01"] {
            assert_eq!(parse_period(bad), None, "{bad}");
        }
    }
}
