//! Programme use cases: list, read, create, change rules (a new version each time).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    queries::{self, ProgrammeRow},
    rules::{self, ProgrammeKind, Rules},
};
use crate::access::{Caller, Permission};
use crate::db::Db;
use crate::{
    audit::{self, AuditEvent},
    db::DbConnection,
    error::AppError,
    messages::{FieldMsg, Msg},
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    pub kind: ProgrammeKind,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub rules: Rules,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgrammeView {
    pub id: String,
    pub kind: ProgrammeKind,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// The rules' version; every change makes a new one.
    pub version: i32,
    pub rules: Rules,
    /// Demo programme with example values, not a decree's.
    pub is_example: bool,
    pub updated_at: DateTime<Utc>,
}

fn view((row, rules): queries::WithRules) -> Result<ProgrammeView, AppError> {
    Ok(ProgrammeView {
        kind: ProgrammeKind::parse(&row.kind)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown programme kind")))?,
        rules: serde_json::from_str(&rules).map_err(|e| AppError::Internal(e.into()))?,
        version: row.current_version,
        updated_at: row.updated_at.and_utc(),
        id: row.id,
        name: row.name,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        is_example: row.is_example,
    })
}

fn check(input: &ProgrammeInput) -> Result<(), AppError> {
    let mut errors: std::collections::BTreeMap<String, Msg> =
        rules::validate(input.kind, &input.rules)
            .into_iter()
            .map(|(f, m)| (f, Msg::Field(m)))
            .collect();
    if input.name.trim().is_empty() {
        errors.insert("name".into(), Msg::Field(FieldMsg::Required));
    } else if !crate::text::name_is_clean(&input.name) {
        errors.insert("name".into(), Msg::Field(FieldMsg::ForbiddenCharacters));
    }
    for (name, d) in [
        ("valid_from", input.valid_from),
        ("valid_to", input.valid_to),
    ] {
        if !crate::clock::date_in_range(d) {
            errors.insert(name.into(), Msg::Field(FieldMsg::DateOutOfRange));
        }
    }
    if input.valid_to < input.valid_from {
        errors.insert("valid_to".into(), Msg::Field(FieldMsg::Invalid));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation {
            detail: Msg::JsonBodyInvalid,
            errors,
        })
    }
}

pub async fn list(db: &Db) -> Result<Vec<ProgrammeView>, AppError> {
    db.run(|c| queries::all(c)?.into_iter().map(view).collect())
        .await
}

/// One version of a programme's rules, as it was made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RulesVersion {
    pub version: i32,
    pub rules: Rules,
    /// The admin who made it (none for the first version of a demo programme).
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionPage {
    pub items: Vec<RulesVersion>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A programme's rule versions, newest first (case workers and admins: a round's results are
/// read against the rules it ran under).
pub async fn versions(
    db: &Db,
    user: &Caller,
    id: String,
    cursor: Option<String>,
    limit: i64,
) -> Result<VersionPage, AppError> {
    user.require(Permission::RunMatching)?;
    let before = match cursor {
        None => None,
        Some(c) => Some(
            crate::paging::unwrap_text(&c)
                .and_then(|t| t.strip_prefix('v').and_then(|n| n.parse::<i32>().ok()))
                .filter(|n| (2..=1_000_000).contains(n))
                .ok_or_else(crate::paging::invalid)?,
        ),
    };
    db.run(move |c| {
        queries::find(c, &id)?.ok_or(AppError::NotFound)?;
        let mut rows = queries::versions(c, &id, before, limit + 1)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| {
                rows.last()
                    .map(|r| crate::paging::wrap(&format!("v{}", r.0)))
            })
            .flatten();
        let items = rows
            .into_iter()
            .map(|(version, rules, created_by, created_at)| {
                Ok(RulesVersion {
                    version,
                    rules: serde_json::from_str(&rules)
                        .map_err(|e| AppError::Internal(e.into()))?,
                    created_by,
                    created_at: created_at.and_utc(),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(VersionPage { items, next_cursor })
    })
    .await
}

pub async fn get(db: &Db, id: String) -> Result<ProgrammeView, AppError> {
    db.run(move |c| view(queries::find(c, &id)?.ok_or(AppError::NotFound)?))
        .await
}

/// One programme with its current rules (inside the caller's connection).
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<ProgrammeView>, AppError> {
    queries::find(conn, id)?.map(view).transpose()
}

/// Programmes in force on `day`, for eligibility (inside the caller's connection).
pub fn active_on(conn: &mut DbConnection, day: NaiveDate) -> Result<Vec<ProgrammeView>, AppError> {
    queries::all(conn)?
        .into_iter()
        .filter(|(p, _)| p.valid_from <= day && day <= p.valid_to)
        .map(view)
        .collect()
}

/// Creates a programme (version 1). Also used by `seed-demo` (no admin, `is_example`).
pub fn insert(
    conn: &mut DbConnection,
    input: &ProgrammeInput,
    by: Option<&str>,
    is_example: bool,
) -> Result<ProgrammeView, AppError> {
    check(input)?;
    let now = crate::db::now();
    let row = ProgrammeRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind: input.kind.as_str().to_owned(),
        name: input.name.trim().to_owned(),
        valid_from: input.valid_from,
        valid_to: input.valid_to,
        current_version: 1,
        is_example,
        created_at: now,
        updated_at: now,
    };
    let rules = serde_json::to_string(&input.rules).map_err(|e| AppError::Internal(e.into()))?;
    queries::insert(conn, &row, &rules, by)?;
    view(queries::find(conn, &row.id)?.ok_or(AppError::NotFound)?)
}

pub async fn create(
    db: &Db,
    user: &Caller,
    input: ProgrammeInput,
) -> Result<ProgrammeView, AppError> {
    user.require(Permission::ManageProgrammes)?;
    check(&input)?;
    let (by, actor) = (user.account_id.clone(), user.actor.clone());
    db.transaction(move |c| {
        let created = insert(c, &input, Some(&by), false)?;
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: "programme.created",
                entity: "programme",
                entity_id: &created.id,
                before: None,
                after: Some(serde_json::json!({ "version": 1, "rules": created.rules })),
            },
        )?;
        Ok(created)
    })
    .await
}

/// Changes a programme: its rules become a new version; the kind cannot change.
pub async fn change(
    db: &Db,
    user: &Caller,
    id: String,
    input: ProgrammeInput,
) -> Result<ProgrammeView, AppError> {
    user.require(Permission::ManageProgrammes)?;
    check(&input)?;
    let (by, actor) = (user.account_id.clone(), user.actor.clone());
    db.transaction(move |c| {
        let before = view(queries::find(c, &id)?.ok_or(AppError::NotFound)?)?;
        if before.kind != input.kind {
            return Err(AppError::field("kind", FieldMsg::NotForThisKind));
        }
        let now = crate::db::now();
        let version = before.version + 1;
        let rules =
            serde_json::to_string(&input.rules).map_err(|e| AppError::Internal(e.into()))?;
        queries::add_version(c, &id, version, &rules, Some(&by), now)?;
        let row = ProgrammeRow {
            id: id.clone(),
            kind: input.kind.as_str().to_owned(),
            name: input.name.trim().to_owned(),
            valid_from: input.valid_from,
            valid_to: input.valid_to,
            current_version: version,
            is_example: before.is_example,
            created_at: now,
            updated_at: now,
        };
        queries::update(c, &row)?;
        let after = view(queries::find(c, &id)?.ok_or(AppError::NotFound)?)?;
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: "programme.rules_changed",
                entity: "programme",
                entity_id: &id,
                before: Some(
                    serde_json::json!({ "version": before.version, "rules": before.rules }),
                ),
                after: Some(serde_json::json!({ "version": after.version, "rules": after.rules })),
            },
        )?;
        Ok(after)
    })
    .await
}
