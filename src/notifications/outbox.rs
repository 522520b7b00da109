//! The outbox as people see it: the `send_email` jobs, as pending / sent / dead messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EmailPayload, SEND_EMAIL};
use crate::access::{Caller, Permission};
use crate::{
    audit::{self, AuditEvent},
    db::Db,
    error::AppError,
    jobs::{Job, JobState, queries},
    messages::Msg,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    Pending,
    Sent,
    Dead,
}

impl OutboxStatus {
    fn job_states(self) -> &'static [JobState] {
        match self {
            OutboxStatus::Pending => &[JobState::Queued, JobState::Running],
            OutboxStatus::Sent => &[JobState::Done],
            OutboxStatus::Dead => &[JobState::Dead],
        }
    }

    fn of(state: Option<JobState>) -> OutboxStatus {
        match state {
            Some(JobState::Done) => OutboxStatus::Sent,
            Some(JobState::Dead) => OutboxStatus::Dead,
            _ => OutboxStatus::Pending,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxMessage {
    pub id: String,
    pub recipient: String,
    pub template: String,
    pub locale: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    /// When the next attempt is due (pending messages only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxMessage>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl From<Job> for OutboxMessage {
    fn from(job: Job) -> Self {
        let payload: Option<EmailPayload> = serde_json::from_str(&job.payload).ok();
        let status = OutboxStatus::of(job.state());
        OutboxMessage {
            recipient: payload
                .as_ref()
                .map(|p| p.to.as_str().to_owned())
                .unwrap_or_default(),
            template: payload
                .as_ref()
                .map(|p| p.template.name().to_owned())
                .unwrap_or_default(),
            locale: payload
                .as_ref()
                .map(|p| p.locale.code().to_owned())
                .unwrap_or_default(),
            status,
            attempts: job.attempts,
            next_attempt_at: (status == OutboxStatus::Pending).then(|| job.run_at.and_utc()),
            last_error: job.last_error,
            created_at: job.created_at.and_utc(),
            sent_at: (status == OutboxStatus::Sent)
                .then_some(job.finished_at)
                .flatten()
                .map(|t| t.and_utc()),
            id: job.id,
        }
    }
}

/// An email the service wrote to someone, as her data export shows it: what, when, and what it
/// said (secrets are already gone from a sent email's data).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmailRecord {
    pub template: String,
    pub locale: String,
    pub status: OutboxStatus,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// Every email to `address`, oldest first (her data export).
pub async fn sent_to(db: &Db, address: String) -> Result<Vec<EmailRecord>, AppError> {
    db.run(move |c| {
        let jobs = queries::emails_to(c, SEND_EMAIL, &address)?;
        Ok(jobs
            .into_iter()
            .filter_map(|job| {
                let payload: EmailPayload = serde_json::from_str(&job.payload).ok()?;
                if payload.to.as_str() != address {
                    return None; // the text search's near miss
                }
                let m = OutboxMessage::from(job);
                Some(EmailRecord {
                    template: m.template,
                    locale: m.locale,
                    status: m.status,
                    created_at: m.created_at,
                    sent_at: m.sent_at,
                    data: payload.data,
                })
            })
            .collect())
    })
    .await
}

pub async fn list(
    db: &Db,
    user: &Caller,
    status: Option<OutboxStatus>,
    cursor: Option<String>,
    limit: i64,
) -> Result<OutboxPage, AppError> {
    user.require(Permission::ManageOutbox)?;
    let states: Vec<JobState> = status.map(|s| s.job_states().to_vec()).unwrap_or_default();
    let limit = limit.clamp(1, 100);
    let mut jobs = db
        .run(move |c| {
            queries::list(c, SEND_EMAIL, &states, cursor.as_deref(), limit + 1)
                .map_err(AppError::from)
        })
        .await?;
    let next_cursor = if jobs.len() as i64 > limit {
        jobs.truncate(limit as usize);
        jobs.last().map(|j| j.id.clone())
    } else {
        None
    };
    Ok(OutboxPage {
        items: jobs.into_iter().map(OutboxMessage::from).collect(),
        next_cursor,
    })
}

/// Sends a dead message again (fresh attempts and retry window). Only dead messages can be retried.
pub async fn retry(db: &Db, user: &Caller, id: String) -> Result<OutboxMessage, AppError> {
    user.require(Permission::ManageOutbox)?;
    let actor = user.actor.clone();
    db.transaction(move |c| {
        let job = queries::find(c, &id)?
            .filter(|j| j.kind == SEND_EMAIL)
            .ok_or(AppError::NotFound)?;
        if job.state() != Some(JobState::Dead) {
            return Err(AppError::Conflict(Msg::OnlyDeadMessagesCanBeRetried));
        }
        queries::requeue_dead(c, &id, crate::db::now())?;
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: "outbox.retried",
                entity: "outbox_message",
                entity_id: &id,
                before: Some(serde_json::json!({ "status": "dead", "attempts": job.attempts })),
                after: Some(serde_json::json!({ "status": "pending" })),
            },
        )?;
        let job = queries::find(c, &id)?.ok_or(AppError::NotFound)?;
        Ok(OutboxMessage::from(job))
    })
    .await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequeuedMessages {
    /// How many dead messages were queued again.
    pub requeued: u64,
}

/// Queues every dead message again at once (after an outage outlasted the retry window), each with
/// fresh attempts and a fresh retry window. Audited as one event with the count.
pub async fn retry_all_dead(db: &Db, user: &Caller) -> Result<RequeuedMessages, AppError> {
    user.require(Permission::ManageOutbox)?;
    let actor = user.actor.clone();
    db.transaction(move |c| {
        let requeued = queries::requeue_all_dead(c, SEND_EMAIL, crate::db::now())?;
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: "outbox.dead_retried",
                entity: "outbox",
                entity_id: "dead",
                before: None,
                after: Some(serde_json::json!({ "requeued": requeued })),
            },
        )?;
        Ok(RequeuedMessages {
            requeued: requeued as u64,
        })
    })
    .await
}
