//! A seeker's applications: apply, rank, withdraw; and what an organisation sees of its applicants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    explain::Outcome,
    queries::{self, ApplicationRow, WAITING},
};
use crate::access::{Caller, Permission};
use crate::config::Settings;
use crate::db::Db;
use crate::locale::Locale;
use crate::reports::tally::{self as reports, Metric};
use crate::{
    audit::{self, AuditEvent},
    db::DbConnection,
    error::{AppError, internal},
    messages::{FieldMsg, Msg},
    openings::{model::OpeningKind, service as openings},
    seekers::service::{self as seekers, ApplicantCard, almaty_today},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Submitted,
    Offered,
    Accepted,
    Declined,
    Expired,
    Withdrawn,
    NotMatched,
}

impl ApplicationStatus {
    pub fn parse(s: &str) -> Option<ApplicationStatus> {
        use ApplicationStatus::*;
        [
            Submitted, Offered, Accepted, Declined, Expired, Withdrawn, NotMatched,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        use ApplicationStatus::*;
        match self {
            Submitted => "submitted",
            Offered => "offered",
            Accepted => "accepted",
            Declined => "declined",
            Expired => "expired",
            Withdrawn => "withdrawn",
            NotMatched => "not_matched",
        }
    }

    /// The status she and the organisation see. A round rewrites only the applications it
    /// offers a place on; one it considered and left waiting is "not matched" from then on
    /// (until it is offered, withdrawn or decided), which its round result shows.
    pub fn shown(stored: &str, considered: bool) -> Option<ApplicationStatus> {
        match ApplicationStatus::parse(stored)? {
            ApplicationStatus::Submitted if considered => Some(ApplicationStatus::NotMatched),
            s => Some(s),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApplication {
    pub opening_id: String,
    /// Her preference among her applications to the programme (1 = first choice). Absent: last.
    #[schema(minimum = 1)]
    pub rank: Option<i32>,
}

/// A round's word on an application.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundResult {
    pub round_id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// In the reader's language.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: String,
    pub opening_id: String,
    pub opening_title: String,
    pub kind: OpeningKind,
    pub programme_id: String,
    pub rank: i32,
    pub status: ApplicationStatus,
    /// What the last matching round decided, and why.
    pub last_round: Option<RoundResult>,
    pub created_at: DateTime<Utc>,
}

fn views(
    c: &mut DbConnection,
    rows: Vec<ApplicationRow>,
    locale: Locale,
) -> Result<Vec<ApplicationView>, AppError> {
    let opening_ids: Vec<String> = rows.iter().map(|r| r.opening_id.clone()).collect();
    let facts = openings::facts_of_many(c, &opening_ids)?;
    let results = queries::last_results(c, &rows)?;
    rows.into_iter()
        .map(|r| {
            let f = facts
                .get(&r.opening_id)
                .ok_or_else(|| internal(anyhow::anyhow!("opening of an application vanished")))?;
            let last_round = match results.get(&r.id) {
                Some(result) => {
                    let o: Outcome = serde_json::from_str(&result.explanation).map_err(internal)?;
                    Some(RoundResult {
                        round_id: result.round_id.clone(),
                        outcome: o,
                        text: o.text(locale),
                    })
                }
                None => None,
            };
            Ok(ApplicationView {
                opening_title: openings::title_in(f, locale),
                kind: f.kind,
                status: ApplicationStatus::shown(&r.status, last_round.is_some())
                    .ok_or_else(|| internal(anyhow::anyhow!("status")))?,
                id: r.id,
                opening_id: r.opening_id,
                programme_id: r.programme_id,
                rank: r.rank,
                last_round,
                created_at: r.created_at.and_utc(),
            })
        })
        .collect()
}

/// Renumbers her live applications to a programme 1..n in their current order.
fn close_ranks(c: &mut DbConnection, seeker: &str, programme: &str) -> Result<(), AppError> {
    let now = crate::db::now();
    for (i, a) in queries::live_in_programme(c, seeker, programme)?
        .into_iter()
        .enumerate()
    {
        let rank = i as i32 + 1;
        if a.rank != rank {
            queries::set_rank(c, &a.id, rank, now)?;
        }
    }
    Ok(())
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Applies to an opening. Needs a confirmed email and eligibility for the opening's programme
/// (a verified household); the deadline, the per-programme limit and one application per opening
/// are enforced.
pub async fn apply(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    input: NewApplication,
    locale: Locale,
) -> Result<ApplicationView, AppError> {
    user.require(Permission::Apply)?;
    user.require_verified_email()?;
    if input.rank.is_some_and(|r| r < 1) {
        return Err(AppError::field(
            "rank",
            FieldMsg::OutOfRange { min: 1, max: 100 },
        ));
    }
    let (user, max) = (user.clone(), settings.max_applications_per_programme);
    db.transaction(move |c| {
        let row = submit(c, &user.account_id, &input.opening_id, input.rank, max)?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "application.submitted",
                entity: "application",
                entity_id: &row.id,
                before: None,
                after: Some(serde_json::json!({ "opening_id": row.opening_id, "rank": row.rank })),
            },
        )?;
        views(c, vec![row], locale)?
            .pop()
            .ok_or_else(|| internal(anyhow::anyhow!("no view")))
    })
    .await
}

/// The checks and writes of an application, in the caller's transaction (also `seed-demo`'s).
/// Midnight (UTC) at the start of the Almaty month holding `day`, as stored instants compare.
fn month_start(day: chrono::NaiveDate) -> chrono::NaiveDateTime {
    use chrono::Datelike;
    let first = day.with_day(1).unwrap_or(day);
    crate::openings::calendar::almaty_to_utc(first, chrono::NaiveTime::MIN)
        .unwrap_or_else(|| first.and_time(chrono::NaiveTime::MIN))
}

pub fn submit(
    c: &mut DbConnection,
    seeker_id: &str,
    opening_id: &str,
    rank: Option<i32>,
    max: u32,
) -> Result<ApplicationRow, AppError> {
    let today = almaty_today();
    let opening = openings::facts_of(c, opening_id)?
        .filter(|o| o.status != crate::openings::model::OpeningStatus::Draft)
        .ok_or_else(|| AppError::field("opening_id", FieldMsg::Unknown))?;
    if !opening.open_on(today) {
        return Err(AppError::Conflict(Msg::DeadlinePassed));
    }
    let Some(decision) = seekers::decisions(c, seeker_id, today)?
        .into_iter()
        .find(|d| d.programme_id == opening.programme_id && d.eligible)
    else {
        return Err(AppError::ForbiddenBecause(Msg::NotEligible));
    };
    let live = queries::live_in_programme(c, seeker_id, &opening.programme_id)?;
    if live.iter().any(|a| a.opening_id == opening.id) {
        return Err(AppError::Conflict(Msg::AlreadyApplied));
    }
    if live.len() >= max as usize {
        return Err(AppError::Conflict(Msg::TooManyApplications { max }));
    }
    let now = crate::db::now();
    let rank = rank.map_or(live.len() as i32 + 1, |r| r.min(live.len() as i32 + 1));
    // Make room: those at her chosen rank and below move down one.
    for a in live.iter().filter(|a| a.rank >= rank) {
        queries::set_rank(c, &a.id, a.rank + 1, now)?;
    }
    let row = ApplicationRow {
        id: uuid::Uuid::now_v7().to_string(),
        seeker_id: seeker_id.to_owned(),
        opening_id: opening.id.clone(),
        programme_id: opening.programme_id.clone(),
        rank,
        status: ApplicationStatus::Submitted.as_str().to_owned(),
        last_round_id: None,
        created_at: now,
        updated_at: now,
    };
    queries::insert_application(c, &row).map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict(Msg::AlreadyApplied)
        } else {
            e.into()
        }
    })?;
    close_ranks(c, seeker_id, &opening.programme_id)?;
    // The city counts people: her first application to the programme this month, with her tier.
    let month = reports::this_month();
    if !queries::applied_since(
        c,
        seeker_id,
        &opening.programme_id,
        &row.id,
        month_start(today),
    )? {
        let tier = decision.tier.and_then(|t| u8::try_from(t).ok());
        let mut t = reports::Tally::new();
        t.add(c, &opening.id, &month, Metric::Applicants, 1, 0)?;
        t.add(c, &opening.id, &month, Metric::Eligible(tier), 1, 0)?;
        t.save(c)?;
    }
    queries::application(c, &row.id)?.ok_or(AppError::NotFound)
}

pub async fn mine(
    db: &Db,
    user: &Caller,
    locale: Locale,
) -> Result<Vec<ApplicationView>, AppError> {
    user.require(Permission::Apply)?;
    let id = user.account_id.clone();
    db.run(move |c| {
        let rows = queries::of_seeker(c, &id)?;
        views(c, rows, locale)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ranking {
    pub programme_id: String,
    /// Every one of her live applications to the programme, most wanted first.
    pub application_ids: Vec<String>,
}

/// Reorders her applications to one programme. The list must hold exactly her live ones.
pub async fn reorder(
    db: &Db,
    user: &Caller,
    input: Ranking,
    locale: Locale,
) -> Result<Vec<ApplicationView>, AppError> {
    user.require(Permission::Apply)?;
    let user = user.clone();
    db.transaction(move |c| {
        let live = queries::live_in_programme(c, &user.account_id, &input.programme_id)?;
        let mut given = input.application_ids.clone();
        given.sort();
        given.dedup();
        let mut have: Vec<String> = live.iter().map(|a| a.id.clone()).collect();
        have.sort();
        if given.len() != input.application_ids.len() || given != have {
            return Err(AppError::field("application_ids", FieldMsg::Invalid));
        }
        let now = crate::db::now();
        for (i, id) in input.application_ids.iter().enumerate() {
            queries::set_rank(c, id, i as i32 + 1, now)?;
        }
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "application.reordered",
                entity: "programme",
                entity_id: &input.programme_id,
                before: Some(serde_json::json!(
                    live.iter().map(|a| &a.id).collect::<Vec<_>>()
                )),
                after: Some(serde_json::json!(input.application_ids)),
            },
        )?;
        let rows = queries::live_in_programme(c, &user.account_id, &input.programme_id)?;
        views(c, rows, locale)
    })
    .await
}

/// Withdraws an application that no round has made an offer on (an offer is declined instead).
pub async fn withdraw(db: &Db, user: &Caller, id: String) -> Result<(), AppError> {
    user.require(Permission::Apply)?;
    let user = user.clone();
    db.transaction(move |c| {
        let a = queries::application(c, &id)?
            .filter(|a| a.seeker_id == user.account_id)
            .ok_or(AppError::NotFound)?;
        let now = crate::db::now();
        if !queries::set_status(
            c,
            &a.id,
            &WAITING,
            ApplicationStatus::Withdrawn.as_str(),
            now,
        )? {
            return Err(AppError::Conflict(Msg::ApplicationNotWithdrawable));
        }
        close_ranks(c, &user.account_id, &a.programme_id)?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "application.withdrawn",
                entity: "application",
                entity_id: &a.id,
                before: Some(serde_json::json!({ "status": a.status })),
                after: Some(serde_json::json!({ "status": "withdrawn" })),
            },
        )?;
        Ok(())
    })
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Applicant {
    pub application_id: String,
    pub status: ApplicationStatus,
    pub applied_at: DateTime<Utc>,
    pub applicant: ApplicantCard,
}

/// The applicants to one of the caller's organisation's openings: what the organisation needs
/// (name, skills, languages, availability), never IIN, income, household or her other choices.
pub async fn applicants(
    db: &Db,
    user: &Caller,
    opening_id: String,
) -> Result<Vec<Applicant>, AppError> {
    user.require(Permission::PostOpenings)?;
    let user = user.clone();
    db.run(move |c| {
        openings::owned_by_caller(c, &user, &opening_id)?;
        let rows = queries::of_opening(c, &opening_id)?;
        let ids: Vec<String> = rows.iter().map(|r| r.seeker_id.clone()).collect();
        let cards = seekers::applicant_cards(c, &ids)?;
        let considered = queries::last_results(c, &rows)?;
        rows.into_iter()
            .filter_map(|r| {
                let card = cards.get(&r.seeker_id)?.clone();
                let shown = ApplicationStatus::shown(&r.status, considered.contains_key(&r.id));
                Some(Ok(Applicant {
                    status: match shown {
                        Some(s) => s,
                        None => return Some(Err(internal(anyhow::anyhow!("status")))),
                    },
                    application_id: r.id,
                    applied_at: r.created_at.and_utc(),
                    applicant: card,
                }))
            })
            .collect()
    })
    .await
}
