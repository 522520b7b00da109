//! Opening use cases: post, change, publish, close (organisations); browse, read, recommend
//! (everyone). One transaction per change, with its audit event.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{
    calendar::WeekDay,
    fit::{self, FitReason, OpeningFit, SeekerFit},
    model::{
        self, Checked, Coordinates, Limits, LocalisedText, OpeningInput, OpeningKind, OpeningPatch,
        OpeningStatus, Schedule, SessionSlot, WorkTime,
    },
    queries::{self, FacetRow, ListedRow, OpeningRow, RankedRow, SessionRow},
    search::{self, Cursor, Facet, Filter, Near, Sort},
};
use crate::access::{Caller, Permission};
use crate::config::Settings;
use crate::db::Db;
use crate::locale::Locale;
use crate::{
    audit::{self, AuditEvent},
    db::DbConnection,
    error::{AppError, internal},
    messages::{FieldMsg, Msg},
    seekers::service::almaty_today,
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrganisationRef {
    pub id: String,
    pub name: String,
}

/// An opening as lists show it, in the reader's language.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpeningSummary {
    pub id: String,
    pub kind: OpeningKind,
    pub status: OpeningStatus,
    pub title: String,
    /// In lists, the first 280 characters.
    pub description: String,
    /// The language `title` and `description` are in: the one asked for by `Accept-Language`
    /// when the organisation gave it, else Russian, Kazakh, English.
    pub lang: Locale,
    pub organisation: OrganisationRef,
    pub programme_id: String,
    pub district: String,
    pub coordinates: Option<Coordinates>,
    /// From `near`, when given.
    pub distance_km: Option<f64>,
    pub schedule: Schedule,
    pub skills: Vec<String>,
    pub capacity: i32,
    pub places_left: i32,
    pub application_deadline: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Jobs: the monthly wage.
    pub wage_monthly_tiyn: Option<i64>,
    /// Jobs: the share of the wage the state pays, percent, and for how many months (from the
    /// programme).
    pub subsidy_percent: Option<i32>,
    pub subsidy_months: Option<i32>,
    /// Courses: the monthly stipend at full attendance (from the programme).
    pub stipend_monthly_tiyn: Option<i64>,
    pub has_stipend: bool,
    pub published_at: Option<DateTime<Utc>>,
}

/// A session of a course's calendar, as a reader of the opening sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpeningSession {
    pub id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled: bool,
}

/// One opening in full: every language's text and, for courses, the calendar.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpeningView {
    #[serde(flatten)]
    pub summary: OpeningSummary,
    pub title_i18n: LocalisedText,
    pub description_i18n: LocalisedText,
    pub sessions: Vec<OpeningSession>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn texts(title: &str, description: &str) -> Result<(LocalisedText, LocalisedText), AppError> {
    Ok((
        serde_json::from_str(title).map_err(internal)?,
        serde_json::from_str(description).map_err(internal)?,
    ))
}

const LIST_DESCRIPTION_CHARS: usize = 280;

fn summary(
    row: &ListedRow,
    org_name: &str,
    locale: Locale,
    distance_km: Option<f64>,
    full_description: bool,
) -> Result<OpeningSummary, AppError> {
    let (title, description) = texts(&row.title, &row.description)?;
    let (lang, title) = title.pick(locale);
    let description = description.pick(lang).1;
    let description = if full_description || description.chars().count() <= LIST_DESCRIPTION_CHARS {
        description.to_owned()
    } else {
        let mut d: String = description.chars().take(LIST_DESCRIPTION_CHARS).collect();
        d.push('…');
        d
    };
    Ok(OpeningSummary {
        id: row.id.clone(),
        kind: OpeningKind::parse(&row.kind).ok_or_else(|| internal(anyhow::anyhow!("kind")))?,
        status: OpeningStatus::parse(&row.status)
            .ok_or_else(|| internal(anyhow::anyhow!("status")))?,
        title: title.to_owned(),
        description,
        lang,
        organisation: OrganisationRef {
            id: row.organisation_id.clone(),
            name: org_name.to_owned(),
        },
        programme_id: row.programme_id.clone(),
        district: row.district.clone(),
        coordinates: row
            .latitude
            .zip(row.longitude)
            .map(|(lat, lon)| Coordinates { lat, lon }),
        distance_km: distance_km.map(|d| (d * 100.0).round() / 100.0),
        schedule: Schedule {
            employment: WorkTime::parse(&row.employment)
                .ok_or_else(|| internal(anyhow::anyhow!("employment")))?,
            hours_per_week: row.hours_per_week,
            days: serde_json::from_str(&row.work_days).map_err(internal)?,
        },
        skills: serde_json::from_str(&row.skills).map_err(internal)?,
        capacity: row.capacity,
        places_left: (row.capacity - row.places_given).max(0),
        application_deadline: row.application_deadline,
        start_date: row.start_date,
        end_date: row.end_date,
        wage_monthly_tiyn: row.wage_monthly_tiyn,
        subsidy_percent: row.subsidy_percent,
        subsidy_months: row.subsidy_months,
        stipend_monthly_tiyn: row.stipend_monthly_tiyn,
        has_stipend: row.has_stipend,
        published_at: row.published_at.map(|t| t.and_utc()),
    })
}

fn org_name(conn: &mut DbConnection, id: &str) -> Result<String, AppError> {
    Ok(
        crate::organisations::service::names(conn, &[id.to_owned()])?
            .remove(id)
            .unwrap_or_default(),
    )
}

fn full_view(
    conn: &mut DbConnection,
    row: &OpeningRow,
    locale: Locale,
) -> Result<OpeningView, AppError> {
    let name = org_name(conn, &row.organisation_id)?;
    let (title_i18n, description_i18n) = texts(&row.title, &row.description)?;
    let sessions = queries::sessions(conn, &row.id)?
        .into_iter()
        .map(|s| OpeningSession {
            id: s.id,
            starts_at: s.starts_at.and_utc(),
            ends_at: s.ends_at.and_utc(),
            cancelled: s.cancelled_at.is_some(),
        })
        .collect();
    Ok(OpeningView {
        summary: summary(&ListedRow::from(row), &name, locale, None, true)?,
        title_i18n,
        description_i18n,
        sessions,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

// --- the organisation's own ---

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OwnOpeningPage {
    pub items: Vec<OpeningSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The caller's organisation's openings, drafts and closed ones included, newest first: where a
/// provider finds the course she records attendance for once its deadline has passed and it left
/// the public listings.
pub async fn mine(
    db: &Db,
    user: &Caller,
    status: Option<OpeningStatus>,
    cursor: Option<String>,
    limit: i64,
    locale: Locale,
) -> Result<OwnOpeningPage, AppError> {
    let after = crate::paging::instant_and_id(cursor)?;
    let user = user.clone();
    db.run(move |c| {
        let org = posting_organisation(c, &user, None)?;
        let status = status.map(OpeningStatus::as_str);
        let mut rows = queries::of_organisation(c, &org, status, after, limit + 1)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last())
            .flatten()
            .map(|r| crate::paging::of_instant_and_id(r.created_at, &r.id));
        let name = org_name(c, &org)?;
        let items = rows
            .iter()
            .map(|r| summary(&ListedRow::from(r), &name, locale, None, true))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OwnOpeningPage { items, next_cursor })
    })
    .await
}

// --- posting ---

/// The organisation the caller posts for, if it is approved and of the kind that posts `kind`.
fn posting_organisation(
    conn: &mut DbConnection,
    user: &Caller,
    kind: Option<OpeningKind>,
) -> Result<String, AppError> {
    user.require(Permission::PostOpenings)?;
    let org_id = user
        .acting_organisation()
        .ok_or(AppError::ForbiddenBecause(Msg::OrganisationNotApproved))?
        .to_owned();
    if let Some(kind) = kind {
        let org = crate::organisations::service::summary(conn, &org_id)?
            .ok_or(AppError::ForbiddenBecause(Msg::OrganisationNotApproved))?;
        if org.kind != kind.organisation_kind() {
            return Err(AppError::ForbiddenBecause(Msg::OpeningKindForbidden));
        }
    }
    Ok(org_id)
}

/// An opening of the caller's organisation: 404 for another organisation's draft (its existence
/// is nobody else's business), 403 for its published or closed ones.
fn own_opening(conn: &mut DbConnection, user: &Caller, id: &str) -> Result<OpeningRow, AppError> {
    let org = posting_organisation(conn, user, None)?;
    let row = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    if row.organisation_id != org {
        return Err(if row.status == "draft" {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    Ok(row)
}

fn validation(errors: BTreeMap<String, Msg>) -> AppError {
    AppError::Validation {
        detail: Msg::JsonBodyInvalid,
        errors,
    }
}

/// Checks the input against the rules and the database, and makes the row to store (for a new
/// opening, or `existing` changed).
fn build_row(
    conn: &mut DbConnection,
    input: OpeningInput,
    limits: Limits,
    existing: Option<&OpeningRow>,
    org_id: &str,
    by: &str,
) -> Result<(OpeningRow, Checked), AppError> {
    let programme_id = input.programme_id.clone();
    let district = input.district.clone();
    let kind = input.kind;
    let mut errors = match model::validate(input, limits) {
        Ok(checked) => {
            let mut e = BTreeMap::new();
            if !crate::districts::exists(conn, &checked.district)? {
                e.insert("district".to_owned(), Msg::Field(FieldMsg::DistrictUnknown));
            }
            let programme = crate::programmes::service::find(conn, &checked.programme_id)?;
            match &programme {
                None => {
                    e.insert("programme_id".into(), Msg::Field(FieldMsg::Unknown));
                }
                Some(p) if p.kind.as_str() != kind.programme_kind() => {
                    e.insert("programme_id".into(), Msg::Field(FieldMsg::NotForThisKind));
                }
                Some(p) if checked.start_date < p.valid_from || checked.start_date > p.valid_to => {
                    return Err(AppError::Validation {
                        detail: Msg::ProgrammeNotInForce,
                        errors: BTreeMap::from([(
                            "start_date".to_owned(),
                            Msg::Field(FieldMsg::Invalid),
                        )]),
                    });
                }
                Some(_) => {}
            }
            if let Some(existing) = existing
                && checked.capacity < existing.places_given
            {
                e.insert(
                    "capacity".into(),
                    Msg::Field(FieldMsg::CapacityBelowPlacesGiven {
                        given: i64::from(existing.places_given),
                    }),
                );
            }
            if e.is_empty() {
                let Some(programme) = programme else {
                    return Err(internal(anyhow::anyhow!("programme vanished")));
                };
                let now = crate::db::now();
                let (subsidy_percent, subsidy_months, stipend) = match kind {
                    OpeningKind::Job => {
                        let j = programme.rules.jobs.as_ref();
                        (
                            j.map(|j| j.wage_subsidy_percent as i32),
                            j.map(|j| j.subsidy_months as i32),
                            None,
                        )
                    }
                    OpeningKind::Course => (
                        None,
                        None,
                        programme.rules.stipend.as_ref().map(|s| s.monthly_tiyn),
                    ),
                };
                let row = OpeningRow {
                    id: existing
                        .map(|r| r.id.clone())
                        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
                    organisation_id: org_id.to_owned(),
                    programme_id: checked.programme_id.clone(),
                    kind: kind.as_str().to_owned(),
                    status: existing
                        .map(|r| r.status.clone())
                        .unwrap_or_else(|| OpeningStatus::Draft.as_str().to_owned()),
                    title: to_json(&checked.title)?,
                    description: to_json(&checked.description)?,
                    search_text: format!(
                        "{}\n{}",
                        checked.title.search_text(),
                        checked.description.search_text()
                    ),
                    title_search: checked.title.search_text(),
                    district: checked.district.clone(),
                    latitude: checked.coordinates.map(|c| c.lat),
                    longitude: checked.coordinates.map(|c| c.lon),
                    employment: checked.schedule.employment.as_str().to_owned(),
                    hours_per_week: checked.schedule.hours_per_week,
                    work_days: to_json(&checked.schedule.days)?,
                    skills: to_json(&checked.skills)?,
                    capacity: checked.capacity,
                    places_given: existing.map_or(0, |r| r.places_given),
                    application_deadline: checked.application_deadline,
                    start_date: checked.start_date,
                    end_date: checked.end_date,
                    wage_monthly_tiyn: checked.wage_monthly_tiyn,
                    subsidy_percent,
                    subsidy_months,
                    stipend_monthly_tiyn: stipend,
                    has_stipend: stipend.is_some_and(|s| s > 0),
                    published_at: existing.and_then(|r| r.published_at),
                    closed_at: existing.and_then(|r| r.closed_at),
                    created_by: existing.map_or_else(|| by.to_owned(), |r| r.created_by.clone()),
                    created_at: existing.map_or(now, |r| r.created_at),
                    updated_at: now,
                };
                return Ok((row, checked));
            }
            e
        }
        Err(e) => e,
    };
    // Report the database-backed checks too when the pure ones failed, so the form shows all.
    if !errors.contains_key("district") && !crate::districts::exists(conn, district.trim())? {
        errors.insert("district".into(), Msg::Field(FieldMsg::DistrictUnknown));
    }
    if !errors.contains_key("programme_id")
        && crate::programmes::service::find(conn, programme_id.trim())?.is_none()
    {
        errors.insert("programme_id".into(), Msg::Field(FieldMsg::Unknown));
    }
    Err(validation(errors))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(internal)
}

fn session_rows(opening_id: &str, checked: &Checked) -> Vec<SessionRow> {
    let now = crate::db::now();
    checked
        .sessions
        .iter()
        .map(|(starts_at, ends_at)| SessionRow {
            id: uuid::Uuid::now_v7().to_string(),
            opening_id: opening_id.to_owned(),
            starts_at: *starts_at,
            ends_at: *ends_at,
            cancelled_at: None,
            cancel_reason: None,
            created_at: now,
            updated_at: now,
        })
        .collect()
}

fn audit_state(row: &OpeningRow) -> serde_json::Value {
    serde_json::json!({
        "status": row.status,
        "title": serde_json::from_str::<serde_json::Value>(&row.title).unwrap_or_default(),
        "district": row.district,
        "capacity": row.capacity,
        "application_deadline": row.application_deadline,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "wage_monthly_tiyn": row.wage_monthly_tiyn,
        "skills": serde_json::from_str::<serde_json::Value>(&row.skills).unwrap_or_default(),
    })
}

fn limits(settings: &Settings) -> Limits {
    Limits {
        minimum_wage_tiyn: settings.minimum_wage_tiyn,
    }
}

/// Creates a draft opening for the caller's organisation.
pub async fn post(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    input: OpeningInput,
    locale: Locale,
) -> Result<OpeningView, AppError> {
    user.require(Permission::PostOpenings)?;
    let (user, limits) = (user.clone(), limits(settings));
    db.transaction(move |c| {
        let org = posting_organisation(c, &user, Some(input.kind))?;
        let (row, checked) = build_row(c, input, limits, None, &org, &user.account_id)?;
        insert_opening(c, &row, &checked)?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "opening.created",
                entity: "opening",
                entity_id: &row.id,
                before: None,
                after: Some(audit_state(&row)),
            },
        )?;
        full_view(c, &row, locale)
    })
    .await
}

/// Stores a checked opening with its skills and sessions (also used by `seed-demo`).
pub fn insert_opening(
    c: &mut DbConnection,
    row: &OpeningRow,
    checked: &Checked,
) -> Result<(), AppError> {
    queries::insert(c, row)?;
    queries::set_skills(c, &row.id, &checked.skills)?;
    queries::replace_sessions(c, &row.id, &session_rows(&row.id, checked))?;
    Ok(())
}

/// An opening checked exactly as `POST /openings` checks it, published at `published_at` when
/// given, with its skills and calendar: ready for [`insert_many`] (for `seed-demo`, which has no
/// HTTP caller and makes thousands at once).
pub fn checked_new(
    c: &mut DbConnection,
    input: OpeningInput,
    minimum_wage_tiyn: i64,
    org_id: &str,
    by: &str,
    published_at: Option<chrono::NaiveDateTime>,
) -> Result<queries::NewOpening, AppError> {
    let limits = Limits { minimum_wage_tiyn };
    let (mut row, checked) = build_row(c, input, limits, None, org_id, by)?;
    if let Some(at) = published_at {
        row.status = OpeningStatus::Published.as_str().to_owned();
        row.published_at = Some(at);
    }
    let sessions = session_rows(&row.id, &checked);
    Ok(queries::NewOpening {
        row,
        skills: checked.skills,
        sessions,
    })
}

/// Inserts new openings with their skills and calendars, many rows a statement.
pub fn insert_many(c: &mut DbConnection, openings: &[queries::NewOpening]) -> Result<(), AppError> {
    queries::insert_many(c, openings)?;
    Ok(())
}

/// Rebuilds what the organisation submitted from the stored row (the calendar as dated slots in
/// Almaty time), so a change is checked exactly as a new opening is.
fn input_of(conn: &mut DbConnection, row: &OpeningRow) -> Result<OpeningInput, AppError> {
    let (title, description) = texts(&row.title, &row.description)?;
    let kind = OpeningKind::parse(&row.kind).ok_or_else(|| internal(anyhow::anyhow!("kind")))?;
    let sessions = match kind {
        OpeningKind::Job => None,
        OpeningKind::Course => Some(
            queries::sessions(conn, &row.id)?
                .into_iter()
                .filter(|s| s.cancelled_at.is_none())
                .map(|s| {
                    let local = |t: chrono::NaiveDateTime| {
                        t.and_utc()
                            .with_timezone(&chrono_tz::Asia::Almaty)
                            .naive_local()
                    };
                    SessionSlot {
                        date: local(s.starts_at).date(),
                        start_time: local(s.starts_at).time(),
                        end_time: local(s.ends_at).time(),
                    }
                })
                .collect(),
        ),
    };
    Ok(OpeningInput {
        kind,
        programme_id: row.programme_id.clone(),
        title,
        description,
        district: row.district.clone(),
        coordinates: row
            .latitude
            .zip(row.longitude)
            .map(|(lat, lon)| Coordinates { lat, lon }),
        schedule: Schedule {
            employment: WorkTime::parse(&row.employment)
                .ok_or_else(|| internal(anyhow::anyhow!("employment")))?,
            hours_per_week: row.hours_per_week,
            days: serde_json::from_str(&row.work_days).map_err(internal)?,
        },
        skills: serde_json::from_str(&row.skills).map_err(internal)?,
        capacity: row.capacity,
        application_deadline: row.application_deadline,
        start_date: row.start_date,
        end_date: row.end_date,
        wage_monthly_tiyn: row.wage_monthly_tiyn,
        sessions,
        weekly: None,
    })
}

/// Changes an opening. Drafts change freely; a published opening keeps its dates and calendar,
/// and its capacity may grow but not fall below the places already given; a closed one is final.
pub async fn change(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    id: String,
    patch: OpeningPatch,
    locale: Locale,
) -> Result<OpeningView, AppError> {
    user.require(Permission::PostOpenings)?;
    let (user, limits) = (user.clone(), limits(settings));
    db.transaction(move |c| {
        let before = own_opening(c, &user, &id)?;
        match OpeningStatus::parse(&before.status) {
            Some(OpeningStatus::Closed) => return Err(AppError::Conflict(Msg::OpeningClosed)),
            Some(OpeningStatus::Published) => {
                let fixed = patch.fixed_once_published();
                if !fixed.is_empty() {
                    return Err(validation(
                        fixed
                            .into_iter()
                            .map(|f| (f.to_owned(), Msg::Field(FieldMsg::FixedOncePublished)))
                            .collect(),
                    ));
                }
            }
            _ => {}
        }
        let calendar_changed = patch.sessions.is_some() || patch.weekly.is_some();
        let input = patch.apply(input_of(c, &before)?);
        let (row, checked) = build_row(
            c,
            input,
            limits,
            Some(&before),
            &before.organisation_id,
            &user.account_id,
        )?;
        queries::update(c, &row)?;
        queries::set_skills(c, &row.id, &checked.skills)?;
        if calendar_changed {
            queries::replace_sessions(c, &row.id, &session_rows(&row.id, &checked))?;
        }
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "opening.changed",
                entity: "opening",
                entity_id: &row.id,
                before: Some(audit_state(&before)),
                after: Some(audit_state(&row)),
            },
        )?;
        full_view(c, &row, locale)
    })
    .await
}

/// New dates for a published course, with the reason (a change of dates is its own audited act,
/// not a field edit: stipends are paid only for months inside them).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseDatesChange {
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Why the dates change (shown in the audit log), 3–1000 characters.
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
}

/// Moves a published course's first and last day. Every session that is not cancelled must stay
/// inside the new dates (move or cancel it first), the course may last at most a year, and the
/// dates stay within the years the service deals in. Audited with before, after and the reason.
pub async fn change_course_dates(
    db: &Db,
    user: &Caller,
    id: String,
    change: CourseDatesChange,
    locale: Locale,
) -> Result<OpeningView, AppError> {
    user.require(Permission::PostOpenings)?;
    let reason = change.reason.trim().to_owned();
    let mut errors = std::collections::BTreeMap::new();
    let n = reason.chars().count();
    if n < 3 {
        errors.insert(
            "reason".to_owned(),
            Msg::Field(FieldMsg::TooShort { min: 3 }),
        );
    } else if n > 1000 {
        errors.insert(
            "reason".to_owned(),
            Msg::Field(FieldMsg::TooLong { max: 1000 }),
        );
    } else if !crate::text::text_is_clean(&reason) {
        errors.insert(
            "reason".to_owned(),
            Msg::Field(FieldMsg::ForbiddenCharacters),
        );
    }
    for (name, date) in [
        ("start_date", change.start_date),
        ("end_date", change.end_date),
    ] {
        if !crate::clock::date_in_range(date) {
            errors.insert(name.to_owned(), Msg::Field(FieldMsg::DateOutOfRange));
        }
    }
    if change.end_date < change.start_date {
        errors.insert(
            "end_date".to_owned(),
            Msg::Field(FieldMsg::MustBeAfter {
                field: "start_date",
            }),
        );
    } else if (change.end_date - change.start_date).num_days() > super::model::MAX_COURSE_DAYS {
        errors.insert(
            "end_date".to_owned(),
            Msg::Field(FieldMsg::OutOfRange {
                min: 0,
                max: super::model::MAX_COURSE_DAYS,
            }),
        );
    }
    if !errors.is_empty() {
        return Err(validation(errors));
    }
    let user = user.clone();
    db.transaction(move |c| {
        let before = own_opening(c, &user, &id)?;
        if before.kind != OpeningKind::Course.as_str() {
            return Err(AppError::field("kind", FieldMsg::NotForThisKind));
        }
        match OpeningStatus::parse(&before.status) {
            Some(OpeningStatus::Closed) => return Err(AppError::Conflict(Msg::OpeningClosed)),
            // A draft's dates are a field like any other (PATCH).
            Some(OpeningStatus::Draft) | None => {
                return Err(AppError::Conflict(Msg::OpeningNotPublished));
            }
            Some(OpeningStatus::Published) => {}
        }
        let outside = queries::sessions(c, &id)?
            .into_iter()
            .filter(|s| s.cancelled_at.is_none())
            .filter(|s| {
                let day = s
                    .starts_at
                    .and_utc()
                    .with_timezone(&chrono_tz::Asia::Almaty)
                    .date_naive();
                day < change.start_date || day > change.end_date
            })
            .count();
        if outside > 0 {
            return Err(AppError::field(
                "end_date",
                FieldMsg::SessionsOutsideDates { count: outside },
            ));
        }
        let row = OpeningRow {
            start_date: change.start_date,
            end_date: Some(change.end_date),
            updated_at: crate::db::now(),
            ..before.clone()
        };
        queries::update(c, &row)?;
        let mut after = audit_state(&row);
        after["reason"] = serde_json::Value::String(reason.clone());
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "course.dates_changed",
                entity: "opening",
                entity_id: &row.id,
                before: Some(audit_state(&before)),
                after: Some(after),
            },
        )?;
        full_view(c, &row, locale)
    })
    .await
}

/// Puts a draft on offer. Needs a confirmed email, an approved organisation, a deadline not yet
/// passed and, for a course, at least one session.
pub async fn publish(
    db: &Db,
    user: &Caller,
    id: String,
    locale: Locale,
) -> Result<OpeningView, AppError> {
    user.require(Permission::PostOpenings)?;
    user.require_verified_email()?;
    let user = user.clone();
    db.transaction(move |c| {
        let before = own_opening(c, &user, &id)?;
        if before.status != OpeningStatus::Draft.as_str() {
            return Err(AppError::Conflict(Msg::OpeningNotDraft));
        }
        let kind = OpeningKind::parse(&before.kind);
        // The organisation may have changed kind only in theory; check as when posting.
        posting_organisation(c, &user, kind)?;
        if before.application_deadline < almaty_today() {
            return Err(AppError::Conflict(Msg::DeadlinePassed));
        }
        let now = crate::db::now();
        let row = OpeningRow {
            status: OpeningStatus::Published.as_str().to_owned(),
            published_at: Some(now),
            updated_at: now,
            ..before.clone()
        };
        queries::update(c, &row)?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "opening.published",
                entity: "opening",
                entity_id: &row.id,
                before: Some(audit_state(&before)),
                after: Some(audit_state(&row)),
            },
        )?;
        full_view(c, &row, locale)
    })
    .await
}

/// Takes an opening off offer; final.
pub async fn close(
    db: &Db,
    user: &Caller,
    id: String,
    locale: Locale,
) -> Result<OpeningView, AppError> {
    user.require(Permission::PostOpenings)?;
    let user = user.clone();
    db.transaction(move |c| {
        let before = own_opening(c, &user, &id)?;
        if before.status == OpeningStatus::Closed.as_str() {
            return Err(AppError::Conflict(Msg::OpeningClosed));
        }
        let now = crate::db::now();
        let row = OpeningRow {
            status: OpeningStatus::Closed.as_str().to_owned(),
            closed_at: Some(now),
            updated_at: now,
            ..before.clone()
        };
        queries::update(c, &row)?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "opening.closed",
                entity: "opening",
                entity_id: &row.id,
                before: Some(audit_state(&before)),
                after: Some(audit_state(&row)),
            },
        )?;
        full_view(c, &row, locale)
    })
    .await
}

// --- reading ---

/// One opening. Published and closed ones are public; a draft only for its organisation and staff.
pub async fn get(
    db: &Db,
    user: Option<&Caller>,
    id: String,
    locale: Locale,
) -> Result<OpeningView, AppError> {
    let (own_org, staff) = match user {
        Some(u) => (u.organisation_id.clone(), u.has(Permission::ReadAnyOpening)),
        None => (None, false),
    };
    db.run(move |c| {
        let row = queries::find(c, &id)?.ok_or(AppError::NotFound)?;
        let visible = row.status != OpeningStatus::Draft.as_str()
            || staff
            || own_org.as_deref() == Some(row.organisation_id.as_str());
        if !visible {
            return Err(AppError::NotFound);
        }
        full_view(c, &row, locale)
    })
    .await
}

/// A browse request as the handler parsed it.
#[derive(Debug, Clone)]
pub struct Browse {
    pub filter: Filter,
    pub sort: Sort,
    pub cursor: Option<Cursor>,
    pub limit: i64,
    pub facets: Vec<Facet>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<Vec<FacetCount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Vec<FacetCount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill: Option<Vec<FacetCount>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpeningPage {
    pub items: Vec<OpeningSummary>,
    /// Pass as `cursor` (with the same filters and sort) for the next page; absent on the last.
    pub next_cursor: Option<String>,
    /// Counts over everything the filters match, when `facets` was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

/// The rows of one browse page and the next cursor: the SQL the bare benchmark handler also runs.
pub fn browse_rows(
    c: &mut DbConnection,
    b: &Browse,
    today: NaiveDate,
) -> Result<(Vec<RankedRow>, Option<String>), AppError> {
    let d = queries::dialect(c);
    let sql = search::page(d, &b.filter, b.sort, b.cursor.as_ref(), today, b.limit + 1);
    let mut rows: Vec<RankedRow> = queries::load(c, &sql)?;
    let more = rows.len() as i64 > b.limit;
    rows.truncate(b.limit as usize);
    let next = if more {
        rows.last().and_then(|r| {
            let id = r.opening.id.clone();
            match b.sort {
                Sort::Newest => r
                    .opening
                    .published_at
                    .map(|published_at| Cursor::Newest { published_at, id }),
                Sort::Deadline => Some(Cursor::Deadline {
                    deadline: r.opening.application_deadline,
                    id,
                }),
                Sort::Relevance => r
                    .opening
                    .published_at
                    .map(|published_at| Cursor::Relevance {
                        score: r.sort_value as i64,
                        published_at,
                        id,
                    }),
                Sort::Distance => Some(Cursor::Distance {
                    d2: r.sort_value,
                    id,
                }),
            }
        })
    } else {
        None
    };
    Ok((rows, next.map(|c| c.encode())))
}

/// A browse answer as sent (the JSON body and its tag), from the cache when one made at the
/// current data version is kept there. The key is everything the body depends on: the parsed
/// query (so parameter order and defaults do not matter), the reader's language and today's date
/// (what is still open); not who asks, since the list is the same for everyone.
pub async fn browse_answer(
    db: &Db,
    cache: &super::cache::BrowseCache,
    b: Browse,
    locale: Locale,
) -> Result<std::sync::Arc<super::cache::Answer>, AppError> {
    let today = db.today();
    let body = |page: &OpeningPage| serde_json::to_vec(page).map_err(internal);
    if !cache.enabled() {
        let page = browse(db, b, locale, today).await?;
        return Ok(std::sync::Arc::new(super::cache::Answer::new(
            0,
            body(&page)?,
        )));
    }
    let key = format!("{locale:?}|{today}|{b:?}");
    let version = db
        .run(|c| super::cache::openings_version(c).map_err(AppError::from))
        .await?;
    if let Some(hit) = cache.get(&key, version) {
        return Ok(hit);
    }
    // Read after the version, so the rows are at least as new as it: an answer is never kept
    // under a version older than its data (only, for a moment, the other way round, which the
    // next version's readers never see).
    let page = browse(db, b, locale, today).await?;
    let answer = std::sync::Arc::new(super::cache::Answer::new(version, body(&page)?));
    cache.put(key, answer.clone());
    Ok(answer)
}

pub async fn browse(
    db: &Db,
    b: Browse,
    locale: Locale,
    today: NaiveDate,
) -> Result<OpeningPage, AppError> {
    db.run(move |c| {
        let (rows, next_cursor) = browse_rows(c, &b, today)?;
        let org_ids: Vec<String> = rows
            .iter()
            .map(|r| r.opening.organisation_id.clone())
            .collect();
        let names = crate::organisations::service::names(c, &org_ids)?;
        let items = rows
            .iter()
            .map(|r| {
                let distance = (b.sort == Sort::Distance)
                    .then(|| Near::km(r.sort_value))
                    .or_else(|| {
                        b.filter.near.and_then(|n| {
                            let (lat, lon) = (r.opening.latitude?, r.opening.longitude?);
                            Some(distance_km(n.lat, n.lon, lat, lon))
                        })
                    });
                summary(
                    &r.opening,
                    names
                        .get(&r.opening.organisation_id)
                        .map_or("", String::as_str),
                    locale,
                    distance,
                    false,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let facets = if b.facets.is_empty() {
            None
        } else {
            let d = queries::dialect(c);
            let mut f = Facets::default();
            for facet in &b.facets {
                let counts: Vec<FacetRow> =
                    queries::load(c, &search::facet(d, &b.filter, *facet, today))?;
                let counts = Some(
                    counts
                        .into_iter()
                        .map(|r| FacetCount {
                            value: r.value,
                            count: r.n,
                        })
                        .collect(),
                );
                match facet {
                    Facet::District => f.district = counts,
                    Facet::Kind => f.kind = counts,
                    Facet::Skill => f.skill = counts,
                }
            }
            Some(f)
        };
        Ok(OpeningPage {
            items,
            next_cursor,
            facets,
        })
    })
    .await
}

/// Kilometres between two points by the same approximation the search uses.
fn distance_km(lat0: f64, lon0: f64, lat: f64, lon: f64) -> f64 {
    let k = lat0.to_radians().cos();
    let (dlat, dlon) = (lat - lat0, (lon - lon0) * k);
    Near::km(dlat * dlat + dlon * dlon)
}

// --- recommendations ---

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FitReasonView {
    #[serde(flatten)]
    pub reason: FitReason,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub opening: OpeningSummary,
    /// 0–100; see the API description for how it is made.
    pub fit_score: i32,
    pub reasons: Vec<FitReasonView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecommendationList {
    pub items: Vec<Recommendation>,
    /// The programmes she is eligible for (a verified household is needed); openings of other
    /// programmes are not recommended.
    pub eligible_programme_ids: Vec<String>,
}

/// Published openings of the programmes she is eligible for, best fit first.
pub async fn recommendations(
    db: &Db,
    user: &Caller,
    limit: i64,
    locale: Locale,
) -> Result<RecommendationList, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let id = user.account_id.clone();
    let limit = limit.clamp(1, 50) as usize;
    db.run(move |c| {
        let today = almaty_today();
        let eligible: Vec<String> = crate::seekers::service::decisions(c, &id, today)?
            .into_iter()
            .filter(|d| d.eligible)
            .map(|d| d.programme_id)
            .collect();
        let Some(me) = crate::seekers::service::work_preferences(c, &id)? else {
            return Ok(RecommendationList {
                items: vec![],
                eligible_programme_ids: eligible,
            });
        };
        let my_skills: Vec<String> = me
            .skills
            .iter()
            .map(|s| model::normalize_skill(s))
            .collect();
        let seeker = SeekerFit {
            district: &me.district,
            skills: &my_skills,
            employment: me.employment,
            hours_per_week: me.hours_per_week,
            needs_childcare: me.needs_childcare,
        };
        let rows = if eligible.is_empty() {
            vec![]
        } else {
            queries::open_in_programmes(c, &eligible, today)?
        };
        let mut scored = rows
            .into_iter()
            .map(|row| {
                let skills: Vec<String> = serde_json::from_str(&row.skills).map_err(internal)?;
                let days: Vec<WeekDay> = serde_json::from_str(&row.work_days).map_err(internal)?;
                let f = fit::fit(
                    &seeker,
                    &OpeningFit {
                        district: &row.district,
                        skills: &skills,
                        employment: WorkTime::parse(&row.employment).unwrap_or(WorkTime::FullTime),
                        hours_per_week: row.hours_per_week,
                        days: &days,
                        places_left: row.capacity - row.places_given,
                    },
                );
                Ok((f, row))
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        scored.sort_by(|(fa, a), (fb, b)| {
            fb.score
                .cmp(&fa.score)
                .then(a.application_deadline.cmp(&b.application_deadline))
                .then(a.id.cmp(&b.id))
        });
        scored.truncate(limit);
        let org_ids: Vec<String> = scored
            .iter()
            .map(|(_, r)| r.organisation_id.clone())
            .collect();
        let names: HashMap<String, String> = crate::organisations::service::names(c, &org_ids)?;
        let items = scored
            .into_iter()
            .map(|(f, row)| {
                Ok(Recommendation {
                    opening: summary(
                        &ListedRow::from(&row),
                        names.get(&row.organisation_id).map_or("", String::as_str),
                        locale,
                        None,
                        false,
                    )?,
                    fit_score: f.score,
                    reasons: f
                        .reasons
                        .into_iter()
                        .map(|r| FitReasonView {
                            text: r.text(locale),
                            reason: r,
                        })
                        .collect(),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(RecommendationList {
            items,
            eligible_programme_ids: eligible,
        })
    })
    .await
}

// --- for other capabilities ---

/// What applications and matching need to know of an opening.
#[derive(Debug, Clone)]
pub struct OpeningFacts {
    pub id: String,
    pub organisation_id: String,
    pub programme_id: String,
    pub kind: OpeningKind,
    pub status: OpeningStatus,
    pub title: LocalisedText,
    pub district: String,
    pub skills: Vec<String>,
    pub employment: WorkTime,
    pub hours_per_week: i32,
    pub days: Vec<WeekDay>,
    pub capacity: i32,
    pub places_given: i32,
    pub application_deadline: NaiveDate,
    pub start_date: NaiveDate,
    /// A course's last day (jobs have none).
    pub end_date: Option<NaiveDate>,
    /// A job's declared monthly wage.
    pub wage_monthly_tiyn: Option<i64>,
}

impl OpeningFacts {
    /// Whether she may apply on `today`.
    pub fn open_on(&self, today: NaiveDate) -> bool {
        self.status == OpeningStatus::Published && self.application_deadline >= today
    }

    /// The fit of a seeker with these preferences (see [`fit`]).
    pub fn fit(
        &self,
        seeker: &crate::seekers::service::WorkPreferences,
        places_left: i32,
    ) -> fit::Fit {
        let skills: Vec<String> = seeker
            .skills
            .iter()
            .map(|s| model::normalize_skill(s))
            .collect();
        fit::fit(
            &SeekerFit {
                district: &seeker.district,
                skills: &skills,
                employment: seeker.employment,
                hours_per_week: seeker.hours_per_week,
                needs_childcare: seeker.needs_childcare,
            },
            &OpeningFit {
                district: &self.district,
                skills: &self.skills,
                employment: self.employment,
                hours_per_week: self.hours_per_week,
                days: &self.days,
                places_left,
            },
        )
    }
}

/// An opening row's facts, for this capability's own walks (the digest).
pub(super) fn facts_of_row(row: OpeningRow) -> Result<OpeningFacts, AppError> {
    facts(row.into())
}

fn facts(row: queries::FactsRow) -> Result<OpeningFacts, AppError> {
    let title = serde_json::from_str(&row.title).map_err(internal)?;
    Ok(OpeningFacts {
        kind: OpeningKind::parse(&row.kind).ok_or_else(|| internal(anyhow::anyhow!("kind")))?,
        status: OpeningStatus::parse(&row.status)
            .ok_or_else(|| internal(anyhow::anyhow!("status")))?,
        title,
        skills: serde_json::from_str(&row.skills).map_err(internal)?,
        employment: WorkTime::parse(&row.employment)
            .ok_or_else(|| internal(anyhow::anyhow!("employment")))?,
        days: serde_json::from_str(&row.work_days).map_err(internal)?,
        id: row.id,
        organisation_id: row.organisation_id,
        programme_id: row.programme_id,
        district: row.district,
        hours_per_week: row.hours_per_week,
        capacity: row.capacity,
        places_given: row.places_given,
        application_deadline: row.application_deadline,
        start_date: row.start_date,
        end_date: row.end_date,
        wage_monthly_tiyn: row.wage_monthly_tiyn,
    })
}

pub fn facts_of(conn: &mut DbConnection, id: &str) -> Result<Option<OpeningFacts>, AppError> {
    queries::facts_by_ids(conn, &[id.to_owned()])?
        .into_iter()
        .next()
        .map(facts)
        .transpose()
}

pub fn facts_of_many(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, OpeningFacts>, AppError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(1000) {
        for row in queries::facts_by_ids(conn, chunk)? {
            let f = facts(row)?;
            out.insert(f.id.clone(), f);
        }
    }
    Ok(out)
}

/// The opening's title in `locale` (for emails and lists elsewhere).
pub fn title_in(f: &OpeningFacts, locale: Locale) -> String {
    f.title.pick(locale).1.to_owned()
}

/// Takes one place for an accepted offer, if one is left. Atomic: of two acceptances racing for
/// the last place exactly one gets it.
pub fn take_place(conn: &mut DbConnection, id: &str) -> Result<bool, AppError> {
    Ok(queries::take_place(conn, id)?)
}

/// Whether the caller's organisation owns the opening: the opening, or 404/403 as for changes.
pub fn owned_by_caller(
    conn: &mut DbConnection,
    user: &Caller,
    id: &str,
) -> Result<OpeningFacts, AppError> {
    facts(own_opening(conn, user, id)?.into())
}

/// Published openings of a programme and kind (what a matching round gives out).
pub fn published_in(
    conn: &mut DbConnection,
    programme_id: &str,
    kind: OpeningKind,
) -> Result<Vec<OpeningFacts>, AppError> {
    queries::published_in(conn, programme_id, kind.as_str())?
        .into_iter()
        .map(facts)
        .collect()
}

/// A course session as other capabilities see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionFacts {
    pub id: String,
    pub opening_id: String,
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
}

fn session_facts(s: SessionRow) -> SessionFacts {
    SessionFacts {
        cancelled: s.cancelled_at.is_some(),
        id: s.id,
        opening_id: s.opening_id,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        cancel_reason: s.cancel_reason,
    }
}

pub fn sessions_of(
    conn: &mut DbConnection,
    opening_id: &str,
) -> Result<Vec<SessionFacts>, AppError> {
    Ok(queries::sessions(conn, opening_id)?
        .into_iter()
        .map(session_facts)
        .collect())
}

/// The sessions of many courses by course, a thousand courses a query (the payout cycle loads
/// every course's calendar at once).
pub fn sessions_of_many(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<SessionFacts>>, AppError> {
    let mut out: HashMap<String, Vec<SessionFacts>> = HashMap::new();
    for chunk in ids.chunks(1000) {
        for s in queries::sessions_of_many(conn, chunk)? {
            out.entry(s.opening_id.clone())
                .or_default()
                .push(session_facts(s));
        }
    }
    Ok(out)
}

pub fn session(conn: &mut DbConnection, id: &str) -> Result<Option<SessionFacts>, AppError> {
    Ok(queries::session(conn, id)?.map(session_facts))
}

/// Adds a session to a course's calendar (UTC instants).
pub fn add_session(
    conn: &mut DbConnection,
    opening_id: &str,
    starts_at: chrono::NaiveDateTime,
    ends_at: chrono::NaiveDateTime,
) -> Result<SessionFacts, AppError> {
    let now = crate::db::now();
    let row = SessionRow {
        id: uuid::Uuid::now_v7().to_string(),
        opening_id: opening_id.to_owned(),
        starts_at,
        ends_at,
        cancelled_at: None,
        cancel_reason: None,
        created_at: now,
        updated_at: now,
    };
    queries::insert_session(conn, &row)?;
    Ok(session_facts(row))
}

/// Moves a session, or cancels it with a reason (`cancel`).
pub fn change_session(
    conn: &mut DbConnection,
    id: &str,
    starts_at: chrono::NaiveDateTime,
    ends_at: chrono::NaiveDateTime,
    cancel: Option<String>,
) -> Result<(), AppError> {
    queries::update_session(
        conn,
        id,
        starts_at,
        ends_at,
        cancel.map(|r| (crate::db::now(), r)),
    )?;
    Ok(())
}
