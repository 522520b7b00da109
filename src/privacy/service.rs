//! The data export: everything the service holds about the caller, gathered through each
//! capability's own service (what she sees there, with its explanations, in her language).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    access::Caller, db::Db, error::AppError, locale::Locale, notifications::outbox::EmailRecord,
};

/// An audit event about her or by her: who saw or changed what, and when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub occurred_at: DateTime<Utc>,
    /// The account that acted (a case worker, the service itself when empty, or she).
    pub actor_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// What changed, before and after (a list or a plain value is given as `value`).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// Everything the service holds about her, in one document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DataExport {
    pub exported_at: DateTime<Utc>,
    /// The language texts are in.
    pub lang: Locale,
    #[schema(value_type = Object)]
    pub account: serde_json::Value,
    #[schema(value_type = Object)]
    pub email_preferences: serde_json::Value,
    /// Her profile (seekers), absent if she has none.
    #[schema(value_type = Option<Object>)]
    pub profile: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub household: Option<serde_json::Value>,
    /// Each programme's decision on her, with its reasons.
    #[schema(value_type = Vec<Object>)]
    pub eligibility: Vec<serde_json::Value>,
    /// Applications and their outcomes, with explanations.
    #[schema(value_type = Vec<Object>)]
    pub applications: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub offers: Vec<serde_json::Value>,
    /// Jobs taken: when the work began and ended.
    #[schema(value_type = Vec<Object>)]
    pub placements: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub enrollments: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub attendance: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub payouts: Vec<serde_json::Value>,
    /// Every email written to her.
    pub emails: Vec<EmailRecord>,
    /// Her latest request to be erased, if she made one.
    #[schema(value_type = Option<Object>)]
    pub erasure_request: Option<serde_json::Value>,
    /// Who saw or changed her records, and what she did.
    pub audit_events: Vec<AuditRecord>,
}

fn json<T: Serialize>(v: T) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.into()))
}

fn list<T: Serialize>(v: Vec<T>) -> Result<Vec<serde_json::Value>, AppError> {
    v.into_iter().map(json).collect()
}

/// Absent (404) is no data, not an error.
fn optional<T>(r: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A stored audit value as an object: most are; a list or a plain value is wrapped as `value`.
fn as_object(text: &str) -> Option<serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(text).ok()? {
        v @ serde_json::Value::Object(_) => Some(v),
        serde_json::Value::Null => None,
        other => Some(serde_json::json!({ "value": other })),
    }
}

/// Events in an export at most (years of a person's history are far fewer).
const AUDIT_LIMIT: i64 = 20_000;

/// Her data export (any signed-in account; a seeker's holds the most).
pub async fn export(db: &Db, user: &Caller, locale: Locale) -> Result<DataExport, AppError> {
    let me = crate::accounts::service::me(db, user).await?;
    let seeker = user.has(crate::access::Permission::Apply);
    let (mut profile, mut household, mut eligibility) = (None, None, vec![]);
    let (mut applications, mut offers, mut placements, mut enrollments) =
        (vec![], vec![], vec![], vec![]);
    let (mut attendance, mut payouts) = (vec![], vec![]);
    if seeker {
        profile = optional(crate::seekers::service::get(db, user).await)?
            .map(json)
            .transpose()?;
        household = optional(crate::seekers::service::get_household(db, user).await)?
            .map(json)
            .transpose()?;
        eligibility = list(crate::seekers::service::eligibility(db, user).await?)?;
        applications = list(crate::matching::applications::mine(db, user, locale).await?)?;
        offers = list(crate::matching::offers::mine(db, user, locale).await?)?;
        placements = list(crate::matching::placements::mine(db, user).await?)?;
        enrollments = list(crate::attendance::service::my_enrollments(db, user, locale).await?)?;
        for e in &enrollments {
            let Some(id) = e["id"].as_str() else { continue };
            let marks = crate::attendance::service::my_attendance(db, user, id.to_owned()).await?;
            attendance.push(serde_json::json!({ "enrollment_id": id, "sessions": json(marks)? }));
        }
        payouts = list(crate::payouts::service::mine(db, user).await?)?;
    }
    let emails = crate::notifications::outbox::sent_to(db, me.email.clone()).await?;
    let erasure_request = optional(crate::erasure::service::mine(db, user).await)?
        .map(json)
        .transpose()?;
    let id = user.account_id.clone();
    let audit_events = db
        .run(move |c| {
            Ok::<_, AppError>(
                crate::audit::about(c, &id, AUDIT_LIMIT)?
                    .into_iter()
                    .map(|e| AuditRecord {
                        occurred_at: e.occurred_at.and_utc(),
                        actor_id: e.actor_id,
                        action: e.action,
                        entity: e.entity,
                        entity_id: e.entity_id,
                        before: e.before_json.as_deref().and_then(as_object),
                        after: e.after_json.as_deref().and_then(as_object),
                    })
                    .collect(),
            )
        })
        .await?;
    Ok(DataExport {
        exported_at: db.now().and_utc(),
        lang: locale,
        email_preferences: json(crate::notifications::preferences::mine(db, user).await?)?,
        account: json(me)?,
        profile,
        household,
        eligibility,
        applications,
        offers,
        placements,
        enrollments,
        attendance,
        payouts,
        emails,
        erasure_request,
        audit_events,
    })
}
