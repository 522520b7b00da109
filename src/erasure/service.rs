//! Erasure use cases: she asks; a case worker lists the requests with what blocks each now,
//! approves (her data erased everywhere in one transaction) or rejects with a note. Every
//! decision is an audit event; the erasure's own event holds no personal value.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    queries::{self, RequestRow},
    rules::{self, Assessment, Blocker, BlockerCode, Facts, RetainedPayout},
};
use crate::{
    access::{Caller, Permission},
    audit::{self, AuditEvent},
    config::Settings,
    db::{Db, DbConnection},
    error::AppError,
    messages::{FieldMsg, Msg},
    notifications::{EmailTemplate, notify},
};

/// `requested → erased | rejected`: approving a request erases her data in the same step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    Requested,
    Erased,
    Rejected,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Requested => "requested",
            RequestStatus::Erased => "erased",
            RequestStatus::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> RequestStatus {
        match s {
            "erased" => RequestStatus::Erased,
            "rejected" => RequestStatus::Rejected,
            _ => RequestStatus::Requested,
        }
    }
}

/// An erasure request, with what blocks it and what would be kept, computed now (for a request
/// still waiting).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErasureRequestView {
    pub id: String,
    pub account_id: String,
    pub status: RequestStatus,
    /// Her name (while she has a profile), for the case worker.
    pub full_name: Option<String>,
    /// Her reason, if she gave one (gone once erased).
    pub reason: Option<String>,
    /// The case worker's note on a rejection.
    pub decision_note: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    /// Erased, with payment records kept: her IIN stays beside them only as a salted hash.
    pub iin_kept_as_hash: bool,
    /// What stops the erasure now (empty: it can be approved).
    pub blockers: Vec<Blocker>,
    /// Payment records that will stay, pseudonymised, for the retention period the law requires.
    pub retained_payouts: Vec<RetainedPayout>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErasureRequestPage {
    pub items: Vec<ErasureRequestView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequestInput {
    /// Why (optional, at most 1000 characters).
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectionInput {
    /// Why the request is refused (required, at most 1000 characters); shown to her.
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
}

const TEXT_MAX: usize = 1000;

/// A bounded free text: trimmed, empty as none, at most [`TEXT_MAX`] characters, no control
/// characters.
fn bounded(field: &str, text: Option<String>) -> Result<Option<String>, AppError> {
    let Some(t) = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > TEXT_MAX {
        return Err(AppError::field(field, FieldMsg::TooLong { max: TEXT_MAX }));
    }
    if !crate::text::text_is_clean(&t) {
        return Err(AppError::field(field, FieldMsg::ForbiddenCharacters));
    }
    Ok(Some(t))
}

/// What each capability knows of her that the decision needs.
fn facts(c: &mut DbConnection, account_id: &str) -> Result<Facts, AppError> {
    let mut enrollments = Vec::new();
    for e in crate::matching::enrollments::of_seeker(c, account_id)? {
        if e.status != "active" {
            continue;
        }
        enrollments.push(rules::EnrollmentFact {
            months_to_come: crate::payouts::cycle::months_to_come(c, &e)?,
            id: e.id,
        });
    }
    let placements = crate::matching::placements::of_seeker(c, account_id)?
        .into_iter()
        .map(|p| rules::PlacementFact {
            id: p.id,
            status: p.status,
        })
        .collect();
    Ok(Facts {
        enrollments,
        placements,
        payouts: crate::payouts::service::of_person(c, account_id)?,
    })
}

fn view(c: &mut DbConnection, r: RequestRow) -> Result<ErasureRequestView, AppError> {
    let status = RequestStatus::parse(&r.status);
    let (assessment, full_name) = if status == RequestStatus::Requested {
        (
            rules::assess(&facts(c, &r.account_id)?),
            crate::seekers::service::personal_values(c, &r.account_id)?.map(|p| p.full_name),
        )
    } else {
        (Assessment::default(), None)
    };
    Ok(ErasureRequestView {
        id: r.id,
        account_id: r.account_id,
        status,
        full_name,
        reason: r.reason,
        decision_note: r.decision_note,
        requested_at: r.requested_at.and_utc(),
        decided_at: r.decided_at.map(|t| t.and_utc()),
        decided_by: r.decided_by,
        iin_kept_as_hash: r.iin_hash.is_some(),
        blockers: assessment.blockers,
        retained_payouts: assessment.retained_payouts,
    })
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// She asks for her data to be erased (any signed-in account). One request at a time: a second
/// while one waits is a 409.
pub async fn request(
    db: &Db,
    user: &Caller,
    input: ErasureRequestInput,
) -> Result<ErasureRequestView, AppError> {
    let reason = bounded("reason", input.reason)?;
    let (account_id, actor) = (user.account_id.clone(), user.actor.clone());
    db.transaction(move |c| {
        if queries::open_of(c, &account_id)?.is_some() {
            return Err(AppError::Conflict(Msg::ErasureAlreadyRequested));
        }
        let row = RequestRow {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: account_id.clone(),
            status: RequestStatus::Requested.as_str().to_owned(),
            reason,
            decision_note: None,
            iin_hash: None,
            requested_at: crate::db::now(),
            decided_at: None,
            decided_by: None,
        };
        queries::insert(c, &row).map_err(|e| {
            // Two requests at once: the partial unique index lets one in.
            if is_unique_violation(&e) {
                AppError::Conflict(Msg::ErasureAlreadyRequested)
            } else {
                e.into()
            }
        })?;
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: "erasure.requested",
                entity: "erasure_request",
                entity_id: &row.id,
                before: None,
                after: Some(serde_json::json!({ "status": row.status, "account_id": account_id })),
            },
        )?;
        view(c, row)
    })
    .await
}

/// Her latest request (404 if she never asked).
pub async fn mine(db: &Db, user: &Caller) -> Result<ErasureRequestView, AppError> {
    let id = user.account_id.clone();
    db.run(move |c| {
        let row = queries::latest_of(c, &id)?.ok_or(AppError::NotFound)?;
        view(c, row)
    })
    .await
}

/// Requests of one status, oldest first, each with its blockers computed now (case workers).
pub async fn list(
    db: &Db,
    user: &Caller,
    status: RequestStatus,
    cursor: Option<String>,
    limit: i64,
) -> Result<ErasureRequestPage, AppError> {
    user.require(Permission::DecideErasure)?;
    let after = crate::paging::instant_and_id(cursor)?;
    db.run(move |c| {
        let mut rows = queries::page(c, status.as_str(), after, limit + 1)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| {
                rows.last()
                    .map(|r| crate::paging::of_instant_and_id(r.requested_at, &r.id))
            })
            .flatten();
        let items = rows
            .into_iter()
            .map(|r| view(c, r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ErasureRequestPage { items, next_cursor })
    })
    .await
}

/// A request a case worker may decide: waiting, and not her own.
fn open_for_decision(
    c: &mut DbConnection,
    user: &Caller,
    id: &str,
) -> Result<RequestRow, AppError> {
    let row = queries::find(c, id)?.ok_or(AppError::NotFound)?;
    if row.account_id == user.account_id {
        // Nobody decides on her own erasure.
        return Err(AppError::Forbidden);
    }
    if row.status != RequestStatus::Requested.as_str() {
        return Err(AppError::Conflict(Msg::ErasureNotOpen));
    }
    Ok(row)
}

/// The blockers' codes, each once, for the 409's text.
fn codes(blockers: &[Blocker]) -> String {
    let mut codes: Vec<&str> = blockers
        .iter()
        .map(|b| match b.code {
            BlockerCode::EnrollmentOpen => "enrollment_open",
            BlockerCode::PlacementOpen => "placement_open",
            BlockerCode::PayoutInFlight => "payout_in_flight",
        })
        .collect();
    codes.dedup();
    codes.join(", ")
}

/// Approves a request and erases her personal data everywhere, in one transaction (case
/// workers). 409 naming the blockers while any remains. Each capability erases its own part;
/// payment records stay, pseudonymised, with her IIN kept on the request only as a salted hash;
/// she is sent a last email, whose job forgets her address once sent.
pub async fn approve(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    id: String,
) -> Result<ErasureRequestView, AppError> {
    user.require(Permission::DecideErasure)?;
    let secret = secrecy::ExposeSecret::expose_secret(&settings.jwt_secret).to_owned();
    // Where to start again (registration is in the app, reached from the service's address).
    let link = format!("{}/", settings.public_url.trim_end_matches('/'));
    let user = user.clone();
    db.transaction(move |c| {
        let row = open_for_decision(c, &user, &id)?;
        let person = row.account_id.clone();
        let assessment = rules::assess(&facts(c, &person)?);
        if !assessment.blockers.is_empty() {
            return Err(AppError::Conflict(Msg::ErasureBlocked {
                codes: codes(&assessment.blockers),
            }));
        }
        // What names her, read before it goes, to find it elsewhere.
        let profile = crate::seekers::service::personal_values(c, &person)?;
        let account = crate::accounts::service::erase_account(c, &person)?;
        let mut raw = Vec::new();
        if let Some(p) = &profile {
            raw.extend([p.iin.clone(), p.full_name.clone(), p.phone.clone()]);
            raw.extend(p.iban.clone());
        }
        if let Some(a) = &account {
            raw.push(a.email.as_str().to_owned());
        }
        let values = rules::needles(raw);
        // Each capability its own part.
        let seeker = crate::seekers::service::erase_person(c, &person)?;
        let enrollments: Vec<String> = crate::matching::enrollments::of_seeker(c, &person)?
            .into_iter()
            .map(|e| e.id)
            .collect();
        let placements: Vec<String> = crate::matching::placements::of_seeker(c, &person)?
            .into_iter()
            .map(|p| p.id)
            .collect();
        crate::attendance::service::erase_person(c, &person, &enrollments, &values)?;
        let kept = crate::payouts::service::erase_person(c, &person, &values)?;
        crate::subsidies::service::erase_person(c, &placements, &values)?;
        let mut about_her = vec![person.clone()];
        about_her.extend(seeker.household_id);
        audit::erase_person(c, &person, &about_her, &values)?;
        crate::notifications::erase_person(
            c,
            &person,
            account.as_ref().map(|a| a.email.as_str()),
            &values,
        )?;
        queries::clear_texts(c, &person)?;
        let iin_hash = profile
            .as_ref()
            .filter(|_| kept > 0)
            .map(|p| rules::iin_hash(&secret, &p.iin));
        let now = crate::db::now();
        if !queries::decide(
            c,
            &row.id,
            RequestStatus::Erased.as_str(),
            None,
            iin_hash.as_deref(),
            now,
            &user.account_id,
        )? {
            return Err(AppError::Conflict(Msg::ErasureNotOpen));
        }
        // Written after the scrubbing, and holding ids and counts only.
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "person.erased",
                entity: "account",
                entity_id: &person,
                before: None,
                after: Some(serde_json::json!({
                    "request_id": row.id,
                    "payouts_kept": kept,
                    "iin_kept_as_hash": iin_hash.is_some(),
                })),
            },
        )?;
        if let Some(a) = &account {
            notify(
                c,
                &a.email,
                EmailTemplate::ErasureDone,
                a.locale,
                serde_json::json!({ "payments_kept": kept > 0, "link": link }),
                &format!("erasure_done:{}", row.id),
            )?;
        }
        let decided = queries::find(c, &row.id)?.ok_or(AppError::NotFound)?;
        view(c, decided)
    })
    .await
}

/// Rejects a request with a note she is shown (case workers). Nothing is erased.
pub async fn reject(
    db: &Db,
    user: &Caller,
    id: String,
    note: String,
) -> Result<ErasureRequestView, AppError> {
    user.require(Permission::DecideErasure)?;
    let note = bounded("note", Some(note))?.ok_or(AppError::field("note", FieldMsg::Required))?;
    let user = user.clone();
    db.transaction(move |c| {
        let row = open_for_decision(c, &user, &id)?;
        let now = crate::db::now();
        if !queries::decide(
            c,
            &row.id,
            RequestStatus::Rejected.as_str(),
            Some(&note),
            None,
            now,
            &user.account_id,
        )? {
            return Err(AppError::Conflict(Msg::ErasureNotOpen));
        }
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "erasure.rejected",
                entity: "erasure_request",
                entity_id: &row.id,
                before: Some(serde_json::json!({ "status": "requested" })),
                after: Some(
                    serde_json::json!({ "status": "rejected", "account_id": row.account_id }),
                ),
            },
        )?;
        let decided = queries::find(c, &row.id)?.ok_or(AppError::NotFound)?;
        view(c, decided)
    })
    .await
}
