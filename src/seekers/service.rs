//! Profile use cases.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{
    profile::{self, Availability, Employment, ProfileInput},
    queries::{self, ProfileRow},
};
use crate::access::{Caller, Permission};
use crate::db::Db;
use crate::{
    audit::{self, AuditEvent},
    db::DbConnection,
    error::AppError,
    kz::{self, Sex},
    messages::{FieldMsg, Msg},
};

/// A profile as its owner sees it (IIN and IBAN in full).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProfileView {
    pub iin: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub full_name: String,
    pub phone: String,
    pub district: String,
    pub skills: Vec<String>,
    pub languages: Vec<String>,
    pub availability: Availability,
    pub iban: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A JSON array of strings as stored in a text column.
fn json_strings(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

impl From<ProfileRow> for ProfileView {
    fn from(r: ProfileRow) -> Self {
        ProfileView {
            sex: if r.sex == "male" {
                Sex::Male
            } else {
                Sex::Female
            },
            availability: Availability {
                employment: Employment::parse(&r.employment).unwrap_or(Employment::Any),
                hours_per_week: r.hours_per_week,
                needs_childcare: r.needs_childcare,
            },
            skills: json_strings(&r.skills),
            languages: json_strings(&r.languages),
            iin: r.iin,
            birth_date: r.birth_date,
            full_name: r.full_name,
            phone: r.phone,
            district: r.district,
            iban: r.iban,
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// What the audit log keeps of a profile: no full IIN or IBAN.
fn audit_view(r: &ProfileRow) -> serde_json::Value {
    serde_json::json!({
        "iin": kz::mask_id(&r.iin),
        "full_name": r.full_name,
        "district": r.district,
        "phone": r.phone,
        "employment": r.employment,
        "hours_per_week": r.hours_per_week,
        "needs_childcare": r.needs_childcare,
        "iban": r.iban.as_deref().map(kz::mask_iban),
    })
}

pub async fn get(db: &Db, user: &Caller) -> Result<ProfileView, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let id = user.account_id.clone();
    db.run(move |c| {
        queries::find(c, &id)?
            .map(ProfileView::from)
            .ok_or(AppError::NotFound)
    })
    .await
}

/// Creates or replaces the seeker's profile.
pub async fn put(db: &Db, user: &Caller, input: ProfileInput) -> Result<ProfileView, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let today = db.today();
    let p = profile::validate(input, today).map_err(|errors| AppError::Validation {
        detail: Msg::JsonBodyInvalid,
        errors,
    })?;
    let (id, actor) = (user.account_id.clone(), user.actor.clone());
    db.transaction(move |c| {
        if !crate::districts::exists(c, &p.district)? {
            return Err(AppError::field("district", FieldMsg::DistrictUnknown));
        }
        // Declaring an IIN claims nothing, so the answer never depends on (or reveals)
        // whether another account declared it: a case worker resolves that at verification.
        let now = crate::db::now();
        let before = queries::find(c, &id)?;
        if before.as_ref().is_some_and(|b| b.iin != p.iin.as_str()) {
            // A new identity must be checked again: she no longer holds the old IIN, and a
            // verified household goes back to the case worker.
            queries::release_iin(c, &id)?;
            reverify_household(c, &actor, &id, now)?;
        }
        let name_key = profile::name_key(&p.full_name);
        let row = ProfileRow {
            account_id: id.clone(),
            iin: p.iin.as_str().to_owned(),
            birth_date: p.iin.birth_date,
            sex: p.iin.sex.as_str().to_owned(),
            full_name: p.full_name,
            phone: p.phone,
            district: p.district,
            skills: serde_json::to_string(&p.skills).map_err(|e| AppError::Internal(e.into()))?,
            languages: serde_json::to_string(&p.languages)
                .map_err(|e| AppError::Internal(e.into()))?,
            employment: p.availability.employment.as_str().to_owned(),
            hours_per_week: p.availability.hours_per_week,
            needs_childcare: p.availability.needs_childcare,
            iban: p.iban.map(|i| i.as_str().to_owned()),
            created_at: before.as_ref().map_or(now, |b| b.created_at),
            updated_at: now,
            name_key,
        };
        match &before {
            Some(_) => queries::update(c, &row)?,
            None => queries::insert(c, &row)?,
        }
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: if before.is_some() {
                    "profile.updated"
                } else {
                    "profile.created"
                },
                entity: "seeker_profile",
                entity_id: &id,
                before: before.as_ref().map(audit_view),
                after: Some(audit_view(&row)),
            },
        )?;
        Ok(ProfileView::from(row))
    })
    .await
}

/// Saves a changed household and its audit event (before and after), in the caller's transaction.
fn save_audited(
    c: &mut crate::db::DbConnection,
    actor: &crate::audit::Actor,
    action: &'static str,
    before: &HouseholdRow,
    row: &HouseholdRow,
) -> Result<(), AppError> {
    queries::save_household(c, row, true)?;
    audit::record(
        c,
        actor,
        AuditEvent {
            action,
            entity: "household",
            entity_id: &row.id,
            before: Some(household_audit(before)),
            after: Some(household_audit(row)),
        },
    )?;
    Ok(())
}

/// Sends a verified household back to `pending` (its owner's identity changed).
fn reverify_household(
    c: &mut crate::db::DbConnection,
    actor: &crate::audit::Actor,
    account_id: &str,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let Some(before) = queries::household_of(c, account_id)? else {
        return Ok(());
    };
    if before.status != HouseholdStatus::Verified.as_str() {
        return Ok(());
    }
    let row = HouseholdRow {
        status: HouseholdStatus::Pending.as_str().to_owned(),
        submitted_at: Some(now),
        updated_at: now,
        ..before.clone()
    };
    save_audited(c, actor, "household.updated", &before, &row)?;
    Ok(())
}

// --- households ---

use super::{
    household::{self, Derived, Member},
    queries::HouseholdRow,
};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum HouseholdStatus {
    Unverified,
    Pending,
    Verified,
    Rejected,
}

impl HouseholdStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HouseholdStatus::Unverified => "unverified",
            HouseholdStatus::Pending => "pending",
            HouseholdStatus::Verified => "verified",
            HouseholdStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<HouseholdStatus> {
        use HouseholdStatus::*;
        [Unverified, Pending, Verified, Rejected]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// The status after the seeker changes her household: a verified one must be checked again; a
    /// rejected one waits for her to submit it again.
    pub fn after_change(self) -> HouseholdStatus {
        match self {
            HouseholdStatus::Verified | HouseholdStatus::Pending => HouseholdStatus::Pending,
            HouseholdStatus::Rejected | HouseholdStatus::Unverified => HouseholdStatus::Unverified,
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdInput {
    /// Everyone in the household, the seeker (`relation: self`) included.
    pub members: Vec<Member>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HouseholdView {
    pub id: String,
    pub status: HouseholdStatus,
    pub members: Vec<Member>,
    pub derived: Derived,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<HouseholdRow> for HouseholdView {
    fn from(r: HouseholdRow) -> Self {
        HouseholdView {
            status: HouseholdStatus::parse(&r.status).unwrap_or(HouseholdStatus::Unverified),
            members: serde_json::from_str(&r.members).unwrap_or_default(),
            derived: Derived {
                members: r.member_count,
                minors: r.minors,
                total_income_tiyn: r.total_income_tiyn,
                per_capita_income_tiyn: r.per_capita_income_tiyn,
                has_disability: r.has_disability,
            },
            submitted_at: r.submitted_at.map(|t| t.and_utc()),
            decided_at: r.decided_at.map(|t| t.and_utc()),
            decision_note: r.decision_note,
            updated_at: r.updated_at.and_utc(),
            id: r.id,
        }
    }
}

fn household_audit(r: &HouseholdRow) -> serde_json::Value {
    serde_json::json!({
        "status": r.status,
        "members": r.member_count,
        "minors": r.minors,
        "total_income_tiyn": r.total_income_tiyn,
        "per_capita_income_tiyn": r.per_capita_income_tiyn,
        "has_disability": r.has_disability,
        "decision_note": r.decision_note,
    })
}

pub async fn get_household(db: &Db, user: &Caller) -> Result<HouseholdView, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let id = user.account_id.clone();
    db.run(move |c| {
        queries::household_of(c, &id)?
            .map(HouseholdView::from)
            .ok_or(AppError::NotFound)
    })
    .await
}

/// Creates or replaces the seeker's household. A verified household goes back to `pending`.
pub async fn put_household(
    db: &Db,
    user: &Caller,
    input: HouseholdInput,
) -> Result<HouseholdView, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let (id, actor) = (user.account_id.clone(), user.actor.clone());
    db.transaction(move |c| {
        let self_birth = queries::find(c, &id)?.map(|p| p.birth_date);
        let derived =
            household::validate(&input.members, almaty_today(), self_birth).map_err(|errors| {
                AppError::Validation {
                    detail: Msg::JsonBodyInvalid,
                    errors,
                }
            })?;
        let before = queries::household_of(c, &id)?;
        let now = crate::db::now();
        let status = before
            .as_ref()
            .and_then(|b| HouseholdStatus::parse(&b.status))
            .map_or(HouseholdStatus::Unverified, HouseholdStatus::after_change);
        let resubmitted = before.as_ref().is_some_and(|b| b.status == "verified");
        let row = HouseholdRow {
            id: before
                .as_ref()
                .map_or_else(|| uuid::Uuid::now_v7().to_string(), |b| b.id.clone()),
            account_id: id.clone(),
            members: serde_json::to_string(&input.members)
                .map_err(|e| AppError::Internal(e.into()))?,
            member_count: derived.members,
            minors: derived.minors,
            total_income_tiyn: derived.total_income_tiyn,
            per_capita_income_tiyn: derived.per_capita_income_tiyn,
            has_disability: derived.has_disability,
            status: status.as_str().to_owned(),
            submitted_at: if resubmitted {
                Some(now)
            } else {
                before.as_ref().and_then(|b| b.submitted_at)
            },
            decided_at: before.as_ref().and_then(|b| b.decided_at),
            decided_by: before.as_ref().and_then(|b| b.decided_by.clone()),
            decision_note: before.as_ref().and_then(|b| b.decision_note.clone()),
            created_at: before.as_ref().map_or(now, |b| b.created_at),
            updated_at: now,
        };
        queries::save_household(c, &row, before.is_some())?;
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: if before.is_some() {
                    "household.updated"
                } else {
                    "household.created"
                },
                entity: "household",
                entity_id: &row.id,
                before: before.as_ref().map(household_audit),
                after: Some(household_audit(&row)),
            },
        )?;
        Ok(HouseholdView::from(row))
    })
    .await
}

/// Sends the household to a case worker: `unverified` or `rejected` → `pending`.
pub async fn submit_household(db: &Db, user: &Caller) -> Result<HouseholdView, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let (id, actor) = (user.account_id.clone(), user.actor.clone());
    db.transaction(move |c| {
        let before = queries::household_of(c, &id)?.ok_or(AppError::NotFound)?;
        if !matches!(
            HouseholdStatus::parse(&before.status),
            Some(HouseholdStatus::Unverified | HouseholdStatus::Rejected)
        ) {
            return Err(AppError::Conflict(Msg::HouseholdNotSubmittable));
        }
        let now = crate::db::now();
        let row = HouseholdRow {
            status: "pending".into(),
            submitted_at: Some(now),
            updated_at: now,
            ..before.clone()
        };
        save_audited(c, &actor, "household.submitted", &before, &row)?;
        Ok(HouseholdView::from(row))
    })
    .await
}

/// A household in a case worker's queue: the seeker's name and full IIN (case workers may see it).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HouseholdForReview {
    pub seeker_account_id: String,
    pub seeker_name: Option<String>,
    pub seeker_iin: Option<String>,
    /// Other accounts that declare the same IIN (a typing error, a second account, or someone
    /// posing as her): check her documents before verifying.
    pub iin_declared_by_others: i64,
    /// Another account already holds this IIN (its household was verified with it): this one
    /// cannot be verified until that is resolved (reject one of them).
    pub iin_held_by_other: bool,
    #[serde(flatten)]
    pub household: HouseholdView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdForReview>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Households by status, oldest submission first (case workers).
pub async fn list_households(
    db: &Db,
    user: &Caller,
    status: HouseholdStatus,
    cursor: Option<String>,
    limit: i64,
) -> Result<HouseholdPage, AppError> {
    user.require(Permission::VerifyHouseholds)?;
    let after = crate::paging::instant_and_id(cursor)?;
    let mut rows = db
        .run(move |c| {
            queries::households_by_status(c, status.as_str(), after, limit + 1)
                .map_err(AppError::from)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            rows.last().and_then(|(r, _)| {
                r.submitted_at
                    .map(|at| crate::paging::of_instant_and_id(at, &r.id))
            })
        })
        .flatten();
    // At most a page of rows: two small lookups each.
    let items = db
        .run(move |c| {
            let mut items = Vec::with_capacity(rows.len());
            for (row, seeker) in rows {
                let (others, held) = match &seeker {
                    Some((_, iin)) => (
                        queries::others_declaring(c, iin, &row.account_id)?,
                        queries::iin_holder(c, iin)?.is_some_and(|h| h != row.account_id),
                    ),
                    None => (0, false),
                };
                items.push(HouseholdForReview {
                    seeker_account_id: row.account_id.clone(),
                    seeker_name: seeker.as_ref().map(|(n, _)| n.clone()),
                    seeker_iin: seeker.map(|(_, iin)| iin),
                    iin_declared_by_others: others,
                    iin_held_by_other: held,
                    household: HouseholdView::from(row),
                });
            }
            Ok::<_, AppError>(items)
        })
        .await?;
    let seen = items.iter().map(|i| i.seeker_account_id.clone()).collect();
    record_reads(db, user, seen, "household_queue").await?;
    Ok(HouseholdPage { items, next_cursor })
}

/// A case worker's read of people's records is an audit event per person (who looked at whom,
/// and in which view): the person sees it in what the service holds about her.
async fn record_reads(
    db: &Db,
    user: &Caller,
    seen: Vec<String>,
    view: &'static str,
) -> Result<(), AppError> {
    if seen.is_empty() {
        return Ok(());
    }
    let actor = user.actor.clone();
    db.transaction(move |c| {
        for id in &seen {
            crate::audit::record(
                c,
                &actor,
                crate::audit::AuditEvent {
                    action: "person.viewed",
                    entity: "account",
                    entity_id: id,
                    before: None,
                    after: Some(serde_json::json!({ "view": view })),
                },
            )?;
        }
        Ok(())
    })
    .await
}

/// A person a case worker found: who she is and where her household stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PersonFound {
    pub account_id: String,
    pub full_name: String,
    /// Her full IIN (case workers may see it).
    pub iin: String,
    /// Her household's id, if she has declared one.
    pub household_id: Option<String>,
    pub household_status: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeoplePage {
    pub items: Vec<PersonFound>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Seekers found by IIN (12 digits, exact) or by a part of the name, in name order (case workers).
pub async fn find_people(
    db: &Db,
    user: &Caller,
    query: String,
    cursor: Option<String>,
    limit: i64,
) -> Result<PeoplePage, AppError> {
    user.require(Permission::VerifyHouseholds)?;
    let query = profile::person_query(&query).map_err(|m| AppError::field("q", m))?;
    let after = match cursor {
        None => None,
        Some(c) => {
            let text = crate::paging::unwrap_text(&c).ok_or_else(crate::paging::invalid)?;
            let (key, id) = text.rsplit_once('|').ok_or_else(crate::paging::invalid)?;
            // Only a position this list gave: an account id and a name key as the service writes them.
            if uuid::Uuid::parse_str(id).is_err()
                || key.chars().count() > 200
                || profile::name_key(key) != key
            {
                return Err(crate::paging::invalid());
            }
            Some((key.to_owned(), id.to_owned()))
        }
    };
    let mut rows = db
        .run(move |c| {
            let (iin, name) = match &query {
                profile::PersonQuery::Iin(i) => (Some(i.as_str()), None),
                profile::PersonQuery::Name(n) => (None, Some(n.as_str())),
            };
            queries::people(c, iin, name, after, limit + 1).map_err(AppError::from)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| crate::paging::wrap(&format!("{}|{}", r.3, r.0)))
        })
        .flatten();
    let items = rows
        .into_iter()
        .map(|(account_id, full_name, iin, _, household)| PersonFound {
            account_id,
            full_name,
            iin,
            household_status: household.as_ref().map(|h| h.1.clone()),
            household_id: household.map(|h| h.0),
        })
        .collect::<Vec<_>>();
    let seen = items.iter().map(|p| p.account_id.clone()).collect();
    record_reads(db, user, seen, "people_search").await?;
    Ok(PeoplePage { items, next_cursor })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Verified,
    Rejected,
}

/// A case worker's decision on a pending household; the seeker is emailed it in her language.
pub async fn decide_household(
    db: &Db,
    user: &Caller,
    id: String,
    decision: Decision,
    note: Option<String>,
) -> Result<HouseholdView, AppError> {
    user.require(Permission::VerifyHouseholds)?;
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(AppError::field("note", FieldMsg::TooLong { max: 1000 }));
    }
    if note
        .as_ref()
        .is_some_and(|n| !crate::text::text_is_clean(n))
    {
        return Err(AppError::field("note", FieldMsg::ForbiddenCharacters));
    }
    if decision == Decision::Rejected && note.is_none() {
        // She must be told what to correct.
        return Err(AppError::field("note", FieldMsg::Required));
    }
    let (worker, actor) = (user.account_id.clone(), user.actor.clone());
    db.transaction(move |c| {
        let before = queries::household(c, &id)?.ok_or(AppError::NotFound)?;
        // A pending household is decided; a verified one may be rejected afterwards (found
        // out, or to free an IIN another account turned out to own).
        let revoking =
            before.status == HouseholdStatus::Verified.as_str() && decision == Decision::Rejected;
        if before.status != "pending" && !revoking {
            return Err(AppError::Conflict(Msg::HouseholdNotPending));
        }
        let status = match decision {
            Decision::Verified => HouseholdStatus::Verified,
            Decision::Rejected => HouseholdStatus::Rejected,
        };
        let now = crate::db::now();
        match decision {
            Decision::Verified => {
                // Verifying her household verifies who she is: she now holds her IIN, unless
                // another verified account does.
                let iin = queries::find(c, &before.account_id)?
                    .map(|p| p.iin)
                    .ok_or(AppError::Conflict(Msg::ProfileRequired))?;
                match queries::iin_holder(c, &iin)? {
                    Some(holder) if holder == before.account_id => {}
                    Some(_) => return Err(AppError::Conflict(Msg::IinHeldByOther)),
                    None => {
                        queries::release_iin(c, &before.account_id)?;
                        queries::claim_iin(c, &iin, &before.account_id, now, &worker)?;
                    }
                }
            }
            Decision::Rejected => {
                queries::release_iin(c, &before.account_id)?;
            }
        }
        let row = HouseholdRow {
            status: status.as_str().to_owned(),
            decided_at: Some(now),
            decided_by: Some(worker.clone()),
            decision_note: note.clone(),
            updated_at: now,
            ..before.clone()
        };
        save_audited(c, &actor, "household.decided", &before, &row)?;
        if let Some((to, locale)) = crate::accounts::service::contact(c, &row.account_id)? {
            let data = serde_json::json!({ "decision": status.as_str(), "note": note });
            crate::notifications::notify(
                c,
                &to,
                crate::notifications::EmailTemplate::HouseholdDecision,
                locale,
                data,
                &format!(
                    "household_decision:{}:{}",
                    row.id,
                    now.and_utc().timestamp_micros()
                ),
            )?;
        }
        Ok(HouseholdView::from(row))
    })
    .await
}

// --- eligibility ---

use crate::programmes::rules::{self as programme_rules, Reason, Situation};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReasonView {
    /// Stable, machine-readable.
    pub code: Reason,
    pub text: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EligibilityView {
    pub programme_id: String,
    pub programme_name: String,
    /// The rules version this decision used.
    pub rules_version: i32,
    /// Eligible and counted (the household is verified).
    pub eligible: bool,
    /// What she would get on the declared data; counts once a case worker verifies it.
    pub would_be_eligible: bool,
    pub household_status: Option<HouseholdStatus>,
    /// 1 is the highest priority.
    pub tier: Option<usize>,
    pub tier_name: Option<String>,
    pub score: i64,
    pub reasons: Vec<ReasonView>,
}

fn reason_view(r: Reason) -> ReasonView {
    ReasonView {
        code: r,
        text: crate::locale::Locale::ALL
            .iter()
            .map(|l| (l.code().to_owned(), r.text(*l).to_owned()))
            .collect(),
    }
}

/// The seeker's decision for every programme in force today, computed from her household and the
/// programme's current rules.
pub async fn eligibility(db: &Db, user: &Caller) -> Result<Vec<EligibilityView>, AppError> {
    user.require(Permission::ManageOwnProfile)?;
    let id = user.account_id.clone();
    db.run(move |c| decisions(c, &id, almaty_today())).await
}

/// Her decisions for the programmes in force on `today` (inside the caller's connection; other
/// capabilities ask this, not the tables).
pub fn decisions(
    c: &mut DbConnection,
    account_id: &str,
    today: NaiveDate,
) -> Result<Vec<EligibilityView>, AppError> {
    let programmes = crate::programmes::service::active_on(c, today)?;
    let household = queries::household_of(c, account_id)?;
    Ok(programmes
        .into_iter()
        .map(|p| {
            let Some(h) = &household else {
                return EligibilityView {
                    programme_id: p.id,
                    programme_name: p.name,
                    rules_version: p.version,
                    eligible: false,
                    would_be_eligible: false,
                    household_status: None,
                    tier: None,
                    tier_name: None,
                    score: 0,
                    reasons: vec![reason_view(Reason::NoHousehold)],
                };
            };
            let members: Vec<Member> = serde_json::from_str(&h.members).unwrap_or_default();
            let status = HouseholdStatus::parse(&h.status);
            let situation = Situation {
                per_capita_income_tiyn: h.per_capita_income_tiyn,
                minors: h.minors,
                has_disability: h.has_disability,
                single_parent: household::single_parent(&members, today),
                verified: status == Some(HouseholdStatus::Verified),
            };
            let d = programme_rules::decide(&p.rules, &situation);
            EligibilityView {
                tier_name: d
                    .tier
                    .and_then(|t| p.rules.tiers.get(t - 1))
                    .map(|t| t.name.clone()),
                programme_id: p.id,
                programme_name: p.name,
                rules_version: p.version,
                eligible: d.eligible,
                would_be_eligible: d.would_be_eligible,
                household_status: status,
                tier: d.tier,
                score: d.score,
                reasons: d.reasons.into_iter().map(reason_view).collect(),
            }
        })
        .collect())
}

/// What matching and recommendations need of her profile: where she lives, what she can do and
/// when. Never her IIN, income or household.
#[derive(Debug, Clone)]
pub struct WorkPreferences {
    pub district: String,
    pub skills: Vec<String>,
    pub employment: Employment,
    pub hours_per_week: i32,
    pub needs_childcare: bool,
}

fn preferences_of(p: ProfileRow) -> WorkPreferences {
    WorkPreferences {
        skills: serde_json::from_str(&p.skills).unwrap_or_default(),
        employment: Employment::parse(&p.employment).unwrap_or(Employment::Any),
        district: p.district,
        hours_per_week: p.hours_per_week,
        needs_childcare: p.needs_childcare,
    }
}

/// What a matching round needs of a seeker for one programme.
#[derive(Debug, Clone)]
pub struct MatchingFacts {
    /// Eligible with a verified household, and her priority tier (1 is the highest).
    pub tier: Option<u32>,
    pub preferences: Option<WorkPreferences>,
}

/// Eligibility and preferences of many seekers for one programme, loaded in bulk (a round has
/// tens of thousands of seekers).
pub fn matching_facts(
    c: &mut DbConnection,
    programme: &crate::programmes::service::ProgrammeView,
    account_ids: &[String],
    today: NaiveDate,
) -> Result<std::collections::HashMap<String, MatchingFacts>, AppError> {
    let mut out = std::collections::HashMap::with_capacity(account_ids.len());
    for chunk in account_ids.chunks(1000) {
        let mut profiles: std::collections::HashMap<String, ProfileRow> =
            queries::profiles_of(c, chunk)?
                .into_iter()
                .map(|p| (p.account_id.clone(), p))
                .collect();
        for h in queries::households_of(c, chunk)? {
            let members: Vec<Member> = serde_json::from_str(&h.members).unwrap_or_default();
            let situation = Situation {
                per_capita_income_tiyn: h.per_capita_income_tiyn,
                minors: h.minors,
                has_disability: h.has_disability,
                single_parent: household::single_parent(&members, today),
                verified: HouseholdStatus::parse(&h.status) == Some(HouseholdStatus::Verified),
            };
            let d = programme_rules::decide(&programme.rules, &situation);
            out.insert(
                h.account_id.clone(),
                MatchingFacts {
                    tier: d.eligible.then_some(d.tier).flatten().map(|t| t as u32),
                    preferences: profiles.remove(&h.account_id).map(preferences_of),
                },
            );
        }
        for id in chunk {
            out.entry(id.clone()).or_insert_with(|| MatchingFacts {
                tier: None,
                preferences: profiles.remove(id).map(preferences_of),
            });
        }
    }
    Ok(out)
}

/// What an organisation may see of an applicant: name, skills, languages and availability —
/// never her IIN, income or household.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicantCard {
    pub full_name: String,
    pub district: String,
    pub skills: Vec<String>,
    pub languages: Vec<String>,
    pub employment: Employment,
    pub hours_per_week: i32,
}

pub fn applicant_cards(
    c: &mut DbConnection,
    account_ids: &[String],
) -> Result<std::collections::HashMap<String, ApplicantCard>, AppError> {
    let mut out = std::collections::HashMap::new();
    for chunk in account_ids.chunks(1000) {
        for p in queries::profiles_of(c, chunk)? {
            out.insert(
                p.account_id.clone(),
                ApplicantCard {
                    skills: serde_json::from_str(&p.skills).unwrap_or_default(),
                    languages: serde_json::from_str(&p.languages).unwrap_or_default(),
                    employment: Employment::parse(&p.employment).unwrap_or(Employment::Any),
                    full_name: p.full_name,
                    district: p.district,
                    hours_per_week: p.hours_per_week,
                },
            );
        }
    }
    Ok(out)
}

/// Seekers with a profile and their work preferences, by account id after `after`.
pub fn with_preferences(
    c: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<(String, WorkPreferences)>, AppError> {
    Ok(queries::profiles_page(c, after, limit)?
        .into_iter()
        .map(|p| (p.account_id.clone(), preferences_of(p)))
        .collect())
}

pub fn work_preferences(
    c: &mut DbConnection,
    account_id: &str,
) -> Result<Option<WorkPreferences>, AppError> {
    Ok(queries::find(c, account_id)?.map(preferences_of))
}

/// Today's date in Almaty, where periods and deadlines are counted.
pub fn almaty_today() -> NaiveDate {
    crate::db::today()
}

/// What a bank needs to pay a seeker: (IIN, full name, IBAN if she gave a valid one).
pub type BankDetails = (String, String, Option<String>);

/// Bank details by account, only for the payout file; never logged.
pub fn bank_details(
    c: &mut DbConnection,
    account_ids: &[String],
) -> Result<std::collections::HashMap<String, BankDetails>, AppError> {
    let mut out = std::collections::HashMap::new();
    for chunk in account_ids.chunks(1000) {
        for p in queries::profiles_of(c, chunk)? {
            let iban = p
                .iban
                .as_deref()
                .and_then(kz::Iban::parse)
                .map(|i| i.as_str().to_owned());
            out.insert(p.account_id.clone(), (p.iin, p.full_name, iban));
        }
    }
    Ok(out)
}

// --- erasure ---

/// The values of her profile that name her, as stored: what an erasure looks for elsewhere (in
/// emails, audit events, notes) before the profile goes.
#[derive(Debug, Clone)]
pub struct PersonalValues {
    pub iin: String,
    pub full_name: String,
    pub phone: String,
    pub iban: Option<String>,
}

/// Her personal values, if she has a profile (inside the caller's transaction).
pub fn personal_values(
    c: &mut DbConnection,
    account_id: &str,
) -> Result<Option<PersonalValues>, AppError> {
    Ok(queries::find(c, account_id)?.map(|p| PersonalValues {
        iin: p.iin,
        full_name: p.full_name,
        phone: p.phone,
        iban: p.iban,
    }))
}

/// What erasing her seeker data removed.
#[derive(Debug, Clone, Default)]
pub struct ErasedSeeker {
    /// Her household's id (its audit events are about her).
    pub household_id: Option<String>,
    pub profile: bool,
}

/// Erases her seeker data for good, inside the caller's transaction: the profile (IIN, name,
/// phone, IBAN, birth date, skills…), the household with its members and incomes, and her hold on
/// her IIN. Nothing is kept: payment records keep their own copy of what the law requires.
pub fn erase_person(c: &mut DbConnection, account_id: &str) -> Result<ErasedSeeker, AppError> {
    let household_id = queries::household_of(c, account_id)?.map(|h| h.id);
    queries::release_iin(c, account_id)?;
    queries::delete_household(c, account_id)?;
    let profile = queries::delete_profile(c, account_id)? > 0;
    Ok(ErasedSeeker {
        household_id,
        profile,
    })
}
