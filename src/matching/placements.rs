//! Placements: a job place taken. The employer records when the work starts and ends.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    offers::placement_names,
    queries::{self, PlacementRow},
};
use crate::access::{Caller, Permission};
use crate::db::Db;
use crate::{
    audit::{self, AuditEvent},
    error::AppError,
    messages::{FieldMsg, Msg},
    openings::service as openings,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlacementStatus {
    AwaitingStart,
    Active,
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The subsidised period ran its course.
    Completed,
    /// Kept on permanent staff.
    Hired,
    Resigned,
    Dismissed,
    Other,
}

impl EndReason {
    fn as_str(self) -> &'static str {
        match self {
            EndReason::Completed => "completed",
            EndReason::Hired => "hired",
            EndReason::Resigned => "resigned",
            EndReason::Dismissed => "dismissed",
            EndReason::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlacementView {
    pub id: String,
    pub opening_id: String,
    pub seeker_id: String,
    pub seeker_name: String,
    pub status: PlacementStatus,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn view(r: PlacementRow, name: String) -> PlacementView {
    PlacementView {
        status: match r.status.as_str() {
            "active" => PlacementStatus::Active,
            "ended" => PlacementStatus::Ended,
            _ => PlacementStatus::AwaitingStart,
        },
        id: r.id,
        opening_id: r.opening_id,
        seeker_id: r.seeker_id,
        seeker_name: name,
        started_on: r.started_on,
        ended_on: r.ended_on,
        end_reason: r.end_reason,
        created_at: r.created_at.and_utc(),
    }
}

/// A placement as other capabilities see it (its dates and opening), inside their transaction.
pub fn find(c: &mut crate::db::DbConnection, id: &str) -> Result<Option<PlacementRow>, AppError> {
    Ok(queries::placement(c, id)?)
}

/// Placements by id, inside another capability's transaction.
pub fn find_many(
    c: &mut crate::db::DbConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, PlacementRow>, AppError> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for part in ids.chunks(1000) {
        for r in queries::placements_by_ids(c, part)? {
            out.insert(r.id.clone(), r);
        }
    }
    Ok(out)
}

/// Started placements in id order after `after` (for the wage reports they owe).
pub fn started(
    c: &mut crate::db::DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PlacementRow>, AppError> {
    Ok(queries::started_placements(c, after, limit)?)
}

/// The placed person's name by placement, for the employer's emails.
pub fn names_of(
    c: &mut crate::db::DbConnection,
    rows: &[PlacementRow],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let names = placement_names(c, rows)?;
    Ok(rows
        .iter()
        .map(|r| {
            let name = names.get(&r.seeker_id).cloned().unwrap_or_default();
            (r.id.clone(), name)
        })
        .collect())
}

/// Her placements (her data export).
pub async fn mine(db: &Db, user: &Caller) -> Result<Vec<PlacementView>, AppError> {
    user.require(Permission::Apply)?;
    let id = user.account_id.clone();
    db.run(move |c| {
        let rows = queries::placements_of_seeker(c, &id)?;
        let names = placement_names(c, &rows)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let name = names.get(&r.seeker_id).cloned().unwrap_or_default();
                view(r, name)
            })
            .collect())
    })
    .await
}

pub async fn of_opening(
    db: &Db,
    user: &Caller,
    opening_id: String,
) -> Result<Vec<PlacementView>, AppError> {
    user.require(Permission::PostOpenings)?;
    let user = user.clone();
    db.run(move |c| {
        openings::owned_by_caller(c, &user, &opening_id)?;
        let rows = queries::placements_of_opening(c, &opening_id)?;
        let names = placement_names(c, &rows)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let name = names.get(&r.seeker_id).cloned().unwrap_or_default();
                view(r, name)
            })
            .collect())
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementStart {
    /// The first day worked.
    pub started_on: NaiveDate,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementEnd {
    /// The last day worked.
    pub ended_on: NaiveDate,
    pub reason: EndReason,
}

/// Records a change of a placement of the caller's organisation, audited.
async fn change(
    db: &Db,
    user: &Caller,
    id: String,
    apply: impl FnOnce(&PlacementRow) -> Result<PlacementRow, AppError> + Send + 'static,
    action: &'static str,
) -> Result<PlacementView, AppError> {
    user.require(Permission::PostOpenings)?;
    let user = user.clone();
    db.transaction(move |c| {
        let before = queries::placement(c, &id)?.ok_or(AppError::NotFound)?;
        openings::owned_by_caller(c, &user, &before.opening_id)?;
        let after = apply(&before)?;
        queries::update_placement(c, &after)?;
        count_change(c, &before, &after)?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action,
                entity: "placement",
                entity_id: &after.id,
                before: Some(
                    serde_json::json!({ "status": before.status, "started_on": before.started_on }),
                ),
                after: Some(serde_json::json!({
                    "status": after.status, "started_on": after.started_on,
                    "ended_on": after.ended_on, "end_reason": after.end_reason,
                })),
            },
        )?;
        let name = placement_names(c, std::slice::from_ref(&after))?
            .remove(&after.seeker_id)
            .unwrap_or_default();
        Ok(view(after, name))
    })
    .await
}

/// Work that began or ended is counted in the month it did (the employer's dates).
fn count_change(
    c: &mut crate::db::DbConnection,
    before: &PlacementRow,
    after: &PlacementRow,
) -> Result<(), AppError> {
    use crate::reports::tally::{self as reports, END_REASONS, Metric};
    if let (None, Some(d)) = (before.started_on, after.started_on) {
        let month = reports::period_of_date(d);
        reports::count(c, &after.opening_id, &month, Metric::PlacementsStarted, 0)?;
    }
    if let (None, Some(d), Some(reason)) = (before.ended_on, after.ended_on, &after.end_reason) {
        let reason = END_REASONS
            .iter()
            .find(|r| **r == reason.as_str())
            .copied()
            .unwrap_or("other");
        let month = reports::period_of_date(d);
        reports::count(
            c,
            &after.opening_id,
            &month,
            Metric::PlacementsEnded(reason),
            0,
        )?;
    }
    Ok(())
}

pub async fn start(
    db: &Db,
    user: &Caller,
    id: String,
    input: PlacementStart,
) -> Result<PlacementView, AppError> {
    change(
        db,
        user,
        id,
        move |p| {
            if !crate::clock::date_in_range(input.started_on) {
                return Err(AppError::field("started_on", FieldMsg::DateOutOfRange));
            }
            if p.status != "awaiting_start" {
                return Err(AppError::Conflict(Msg::PlacementNotAwaitingStart));
            }
            Ok(PlacementRow {
                status: "active".into(),
                started_on: Some(input.started_on),
                updated_at: crate::db::now(),
                ..p.clone()
            })
        },
        "placement.started",
    )
    .await
}

pub async fn end(
    db: &Db,
    user: &Caller,
    id: String,
    input: PlacementEnd,
) -> Result<PlacementView, AppError> {
    change(
        db,
        user,
        id,
        move |p| {
            if !crate::clock::date_in_range(input.ended_on) {
                return Err(AppError::field("ended_on", FieldMsg::DateOutOfRange));
            }
            if p.status != "active" {
                return Err(AppError::Conflict(Msg::PlacementNotActive));
            }
            if p.started_on.is_some_and(|s| input.ended_on < s) {
                return Err(AppError::field(
                    "ended_on",
                    FieldMsg::MustBeAfter {
                        field: "started_on",
                    },
                ));
            }
            Ok(PlacementRow {
                status: "ended".into(),
                ended_on: Some(input.ended_on),
                end_reason: Some(input.reason.as_str().to_owned()),
                updated_at: crate::db::now(),
                ..p.clone()
            })
        },
        "placement.ended",
    )
    .await
}

/// Her placements, inside another capability's transaction (erasure).
pub fn of_seeker(
    c: &mut crate::db::DbConnection,
    seeker_id: &str,
) -> Result<Vec<PlacementRow>, AppError> {
    Ok(queries::placements_of_seeker(c, seeker_id)?)
}
