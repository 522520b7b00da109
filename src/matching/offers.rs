//! Offers: a seeker accepts or declines; unanswered ones lapse (with a reminder a day before).
//! Accepting takes a place for good: a placement for a job, an enrollment for a course.

use crate::reports::tally::{self as reports, Metric};
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::queries::{self, EnrollmentRow, OfferRow, PlacementRow};
use crate::access::{Caller, Permission};
use crate::db::Db;
use crate::locale::Locale;
use crate::{
    audit::{self, Actor, AuditEvent},
    config::Settings,
    db::DbConnection,
    error::{AppError, internal},
    jobs::{Job, JobContext, JobError},
    messages::Msg,
    notifications::{EmailTemplate, notify},
    openings::{
        model::OpeningKind,
        service::{self as openings, OpeningFacts},
    },
};

/// The periodic job that lapses unanswered offers and sends reminders.
pub const EXPIRE_OFFERS: &str = "expire_offers";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OfferStatus {
    Pending,
    Accepted,
    Declined,
    Expired,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    pub id: String,
    pub round_id: String,
    pub application_id: String,
    pub opening_id: String,
    pub opening_title: String,
    pub kind: OpeningKind,
    pub organisation_name: String,
    pub start_date: NaiveDate,
    pub status: OfferStatus,
    /// Answer before this instant, or the place goes to the next applicant.
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Set once accepted: the placement (jobs) or enrollment (courses) it created.
    pub placement_id: Option<String>,
    pub enrollment_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn status(s: &str) -> OfferStatus {
    match s {
        "accepted" => OfferStatus::Accepted,
        "declined" => OfferStatus::Declined,
        "expired" => OfferStatus::Expired,
        _ => OfferStatus::Pending,
    }
}

fn views(
    c: &mut DbConnection,
    rows: Vec<OfferRow>,
    locale: Locale,
    created: Option<(Option<String>, Option<String>)>,
) -> Result<Vec<OfferView>, AppError> {
    let ids: Vec<String> = rows.iter().map(|r| r.opening_id.clone()).collect();
    let facts = openings::facts_of_many(c, &ids)?;
    // What each accepted offer created, read back so that every listing shows it, not only the
    // answer to the acceptance.
    let accepted: Vec<String> = rows
        .iter()
        .filter(|r| r.status == "accepted")
        .map(|r| r.id.clone())
        .collect();
    let mut places = queries::places_of_offers(c, &accepted)?;
    let orgs = crate::organisations::service::names(
        c,
        &facts
            .values()
            .map(|f| f.organisation_id.clone())
            .collect::<Vec<_>>(),
    )?;
    rows.into_iter()
        .map(|r| {
            let f = facts
                .get(&r.opening_id)
                .ok_or_else(|| internal(anyhow::anyhow!("opening of an offer vanished")))?;
            let (placement_id, enrollment_id) = match &created {
                Some(c) => c.clone(),
                None => places.remove(&r.id).unwrap_or_default(),
            };
            Ok(OfferView {
                opening_title: openings::title_in(f, locale),
                kind: f.kind,
                organisation_name: orgs.get(&f.organisation_id).cloned().unwrap_or_default(),
                start_date: f.start_date,
                status: status(&r.status),
                expires_at: r.expires_at.and_utc(),
                decided_at: r.decided_at.map(|t| t.and_utc()),
                placement_id,
                enrollment_id,
                created_at: r.created_at.and_utc(),
                id: r.id,
                round_id: r.round_id,
                application_id: r.application_id,
                opening_id: r.opening_id,
            })
        })
        .collect()
}

pub async fn mine(db: &Db, user: &Caller, locale: Locale) -> Result<Vec<OfferView>, AppError> {
    user.require(Permission::Apply)?;
    let id = user.account_id.clone();
    db.run(move |c| {
        let rows = queries::offers_of(c, &id)?;
        views(c, rows, locale, None)
    })
    .await
}

/// Emails the seeker a step of her offer, in her language.
fn email_seeker(
    c: &mut DbConnection,
    settings: &Settings,
    offer: &OfferRow,
    f: &OpeningFacts,
    step: &str,
) -> Result<(), AppError> {
    let Some((to, locale)) = crate::accounts::service::contact(c, &offer.seeker_id)? else {
        return Ok(());
    };
    let org = crate::organisations::service::names(c, std::slice::from_ref(&f.organisation_id))?
        .remove(&f.organisation_id);
    let data = serde_json::json!({
        "step": step, "kind": f.kind, "opening_title": openings::title_in(f, locale),
        "organisation_name": org, "start_date": f.start_date,
        "expires_at": offer.expires_at.and_utc().with_timezone(&chrono_tz::Asia::Almaty).format("%Y-%m-%d %H:%M").to_string(),
        "link": format!("{}/offers", settings.public_url.trim_end_matches('/')),
    });
    notify(
        c,
        &to,
        EmailTemplate::OfferUpdate,
        locale,
        data,
        &format!("offer_{step}:{}", offer.id),
    )?;
    Ok(())
}

/// Tells the organisation who accepted its offer, to get in touch: each member in their own
/// language. A job's employer is pointed at its placements (to record the start date there); a
/// course's provider at the course's sessions (she is enrolled already, and her attendance is
/// marked there).
fn tell_organisation(
    c: &mut DbConnection,
    settings: &Settings,
    offer: &OfferRow,
    f: &OpeningFacts,
) -> Result<(), AppError> {
    let recipients = crate::organisations::service::recipients(c, &f.organisation_id)?;
    if recipients.is_empty() {
        return Ok(());
    }
    let name = crate::seekers::service::applicant_cards(c, std::slice::from_ref(&offer.seeker_id))?
        .remove(&offer.seeker_id)
        .map(|card| card.full_name)
        .unwrap_or_default();
    let base = settings.public_url.trim_end_matches('/');
    let link = match f.kind {
        OpeningKind::Job => format!("{base}/openings/{}/placements", f.id),
        OpeningKind::Course => format!("{base}/courses/{}/sessions", f.id),
    };
    for (to, locale) in recipients {
        let data = serde_json::json!({
            "seeker_name": name, "opening_title": openings::title_in(f, locale),
            "kind": f.kind, "start_date": f.start_date, "link": link,
        });
        notify(
            c,
            &to,
            EmailTemplate::CandidateAccepted,
            locale,
            data,
            &format!("candidate_accepted:{}:{}", offer.id, to.as_str()),
        )?;
    }
    Ok(())
}

/// Accepts a pending offer: takes the place (atomically: of two acceptances racing for the last
/// place one wins, the other gets 409), and creates the placement or enrollment.
pub async fn accept(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    id: String,
    locale: Locale,
) -> Result<OfferView, AppError> {
    user.require(Permission::Apply)?;
    let (user, settings) = (user.clone(), settings.clone());
    db.transaction(move |c| {
        let offer = queries::offer(c, &id)?
            .filter(|o| o.seeker_id == user.account_id)
            .ok_or(AppError::NotFound)?;
        if offer.status != "pending" {
            return Err(AppError::Conflict(Msg::OfferNotPending));
        }
        let now = crate::db::now();
        if offer.expires_at <= now {
            return Err(AppError::Conflict(Msg::OfferExpired));
        }
        if !queries::decide_offer(c, &offer.id, "accepted", now)? {
            return Err(AppError::Conflict(Msg::OfferNotPending));
        }
        if !openings::take_place(c, &offer.opening_id)? {
            return Err(AppError::Conflict(Msg::NoPlacesLeft));
        }
        let month = reports::this_month();
        reports::count(c, &offer.opening_id, &month, Metric::OffersAccepted, 0)?;
        queries::set_status(c, &offer.application_id, &["offered"], "accepted", now)?;
        let f = openings::facts_of(c, &offer.opening_id)?
            .ok_or_else(|| internal(anyhow::anyhow!("opening vanished")))?;
        let created = match f.kind {
            OpeningKind::Job => {
                let p = PlacementRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    offer_id: offer.id.clone(),
                    seeker_id: offer.seeker_id.clone(),
                    opening_id: offer.opening_id.clone(),
                    status: "awaiting_start".into(),
                    started_on: None,
                    ended_on: None,
                    end_reason: None,
                    created_at: now,
                    updated_at: now,
                };
                queries::insert_placement(c, &p)?;
                (Some(p.id), None)
            }
            OpeningKind::Course => {
                let e = EnrollmentRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    offer_id: offer.id.clone(),
                    seeker_id: offer.seeker_id.clone(),
                    opening_id: offer.opening_id.clone(),
                    status: "active".into(),
                    created_at: now,
                    updated_at: now,
                };
                queries::insert_enrollment(c, &e)?;
                reports::count(c, &offer.opening_id, &month, Metric::Enrollments, 0)?;
                (None, Some(e.id))
            }
        };
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "offer.accepted",
                entity: "offer",
                entity_id: &offer.id,
                before: Some(serde_json::json!({ "status": "pending" })),
                after: Some(serde_json::json!({
                    "status": "accepted", "placement_id": created.0, "enrollment_id": created.1,
                })),
            },
        )?;
        email_seeker(c, &settings, &offer, &f, "accepted")?;
        tell_organisation(c, &settings, &offer, &f)?;
        let stored = queries::offer(c, &offer.id)?.ok_or(AppError::NotFound)?;
        views(c, vec![stored], locale, Some(created))?
            .pop()
            .ok_or_else(|| internal(anyhow::anyhow!("no view")))
    })
    .await
}

/// Declines a pending offer: the place returns to the next round.
pub async fn decline(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    id: String,
    locale: Locale,
) -> Result<OfferView, AppError> {
    user.require(Permission::Apply)?;
    let (user, settings) = (user.clone(), settings.clone());
    db.transaction(move |c| {
        let offer = queries::offer(c, &id)?
            .filter(|o| o.seeker_id == user.account_id)
            .ok_or(AppError::NotFound)?;
        let now = crate::db::now();
        if !queries::decide_offer(c, &offer.id, "declined", now)? {
            return Err(AppError::Conflict(Msg::OfferNotPending));
        }
        queries::set_status(c, &offer.application_id, &["offered"], "declined", now)?;
        let month = reports::this_month();
        reports::count(c, &offer.opening_id, &month, Metric::OffersDeclined, 0)?;
        let f = openings::facts_of(c, &offer.opening_id)?
            .ok_or_else(|| internal(anyhow::anyhow!("opening vanished")))?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "offer.declined",
                entity: "offer",
                entity_id: &offer.id,
                before: Some(serde_json::json!({ "status": "pending" })),
                after: Some(serde_json::json!({ "status": "declined" })),
            },
        )?;
        email_seeker(c, &settings, &offer, &f, "declined")?;
        let stored = queries::offer(c, &offer.id)?.ok_or(AppError::NotFound)?;
        views(c, vec![stored], locale, None)?
            .pop()
            .ok_or_else(|| internal(anyhow::anyhow!("no view")))
    })
    .await
}

/// What one run of `expire_offers` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryRun {
    pub expired: usize,
    pub reminded: usize,
}

/// Lapses offers past their time and reminds those lapsing within a day. Each offer in its own
/// small transaction, guarded by its status, so two runs at once never double an email.
pub async fn expire_and_remind(
    db: &crate::db::Db,
    settings: &Settings,
) -> Result<ExpiryRun, AppError> {
    let mut run = ExpiryRun::default();
    let now = db.now();
    let due: Vec<OfferRow> = db
        .run(move |c| queries::expired_offers(c, now, 10_000).map_err(AppError::from))
        .await?;
    for offer in due {
        let settings = settings.clone();
        let done = db
            .transaction(move |c| {
                let now = crate::db::now();
                if !queries::decide_offer(c, &offer.id, "expired", now)? {
                    return Ok(false);
                }
                queries::set_status(c, &offer.application_id, &["offered"], "expired", now)?;
                let month = reports::this_month();
                reports::count(c, &offer.opening_id, &month, Metric::OffersLapsed, 0)?;
                audit::record(
                    c,
                    &Actor::default(),
                    AuditEvent {
                        action: "offer.expired",
                        entity: "offer",
                        entity_id: &offer.id,
                        before: Some(serde_json::json!({ "status": "pending" })),
                        after: Some(serde_json::json!({ "status": "expired" })),
                    },
                )?;
                if let Some(f) = openings::facts_of(c, &offer.opening_id)? {
                    email_seeker(c, &settings, &offer, &f, "expired")?;
                }
                Ok::<_, AppError>(true)
            })
            .await?;
        run.expired += usize::from(done);
    }
    let soon = now + Duration::days(1);
    let remind: Vec<OfferRow> = db
        .run(move |c| queries::offers_to_remind(c, now, soon, 10_000).map_err(AppError::from))
        .await?;
    for offer in remind {
        let settings = settings.clone();
        let done = db
            .transaction(move |c| {
                if !queries::mark_reminded(c, &offer.id, crate::db::now())? {
                    return Ok(false);
                }
                if let Some(f) = openings::facts_of(c, &offer.opening_id)? {
                    email_seeker(c, &settings, &offer, &f, "reminder")?;
                }
                Ok::<_, AppError>(true)
            })
            .await?;
        run.reminded += usize::from(done);
    }
    Ok(run)
}

pub async fn expire_job(ctx: JobContext, _job: Job) -> Result<(), JobError> {
    let run = expire_and_remind(&ctx.db, &ctx.settings)
        .await
        .map_err(|e| JobError::Retry(format!("{e:?}")))?;
    tracing::info!(
        expired = run.expired,
        reminded = run.reminded,
        "offers expired and reminded"
    );
    Ok(())
}

/// Placements of an opening with the seeker's name (for the organisation).
pub fn placement_names(
    c: &mut DbConnection,
    rows: &[PlacementRow],
) -> Result<HashMap<String, String>, AppError> {
    let ids: Vec<String> = rows.iter().map(|r| r.seeker_id.clone()).collect();
    Ok(crate::seekers::service::applicant_cards(c, &ids)?
        .into_iter()
        .map(|(k, v)| (k, v.full_name))
        .collect())
}
