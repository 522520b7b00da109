//! What seekers and case workers see of payouts.

use actix_web::web::Data;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{cycle::PayoutRow, stipend::StipendInputs};
use crate::{
    db::{DbConnection, schema::payouts},
    error::AppError,
    http::auth::{CurrentUser, Permission},
    startup::AppState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PayoutStatus {
    Scheduled,
    Approved,
    Held,
    Sent,
    Paid,
    Failed,
    Cancelled,
}

impl PayoutStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutStatus::Scheduled => "scheduled",
            PayoutStatus::Approved => "approved",
            PayoutStatus::Held => "held",
            PayoutStatus::Sent => "sent",
            PayoutStatus::Paid => "paid",
            PayoutStatus::Failed => "failed",
            PayoutStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> PayoutStatus {
        use PayoutStatus::*;
        [Scheduled, Approved, Held, Sent, Paid, Failed, Cancelled]
            .into_iter()
            .find(|v| v.as_str() == s)
            .unwrap_or(Scheduled)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayoutView {
    pub id: String,
    pub enrollment_id: String,
    pub course_id: String,
    /// `YYYY-MM` (Asia/Almaty).
    pub period: String,
    pub amount_tiyn: i64,
    pub status: PayoutStatus,
    /// What the stipend rule used.
    pub inputs: StipendInputs,
    pub created_at: DateTime<Utc>,
}

fn view(r: PayoutRow) -> Result<PayoutView, AppError> {
    Ok(PayoutView {
        inputs: serde_json::from_str(&r.inputs).map_err(|e| AppError::Internal(e.into()))?,
        status: PayoutStatus::parse(&r.status),
        id: r.id,
        enrollment_id: r.enrollment_id,
        course_id: r.opening_id,
        period: r.period,
        amount_tiyn: r.amount_tiyn,
        created_at: r.created_at.and_utc(),
    })
}

fn load(
    c: &mut DbConnection,
    seeker: Option<&str>,
    period: Option<&str>,
    status: Option<PayoutStatus>,
) -> Result<Vec<PayoutView>, AppError> {
    let mut q = payouts::table.into_boxed();
    if let Some(s) = seeker {
        q = q.filter(payouts::seeker_id.eq(s.to_owned()));
    }
    if let Some(p) = period {
        q = q.filter(payouts::period.eq(p.to_owned()));
    }
    if let Some(s) = status {
        q = q.filter(payouts::status.eq(s.as_str()));
    }
    q.order((payouts::period.desc(), payouts::id))
        .limit(1000)
        .select(PayoutRow::as_select())
        .load(c)?
        .into_iter()
        .map(view)
        .collect()
}

/// Her payouts, newest month first: the schedule and the history.
pub async fn mine(state: &Data<AppState>, user: &CurrentUser) -> Result<Vec<PayoutView>, AppError> {
    user.require(Permission::Apply)?;
    let id = user.account_id.clone();
    state.db.run(move |c| load(c, Some(&id), None, None)).await
}

/// Payouts by month and status (case workers; at most 1,000).
pub async fn list(
    state: &Data<AppState>,
    user: &CurrentUser,
    period: Option<String>,
    status: Option<PayoutStatus>,
) -> Result<Vec<PayoutView>, AppError> {
    user.require(Permission::ViewPayouts)?;
    if let Some(p) = &period
        && crate::attendance::service::parse_period(p).is_none()
    {
        return Err(AppError::field(
            "period",
            crate::http::problem::FieldMsg::Invalid,
        ));
    }
    state
        .db
        .run(move |c| load(c, None, period.as_deref(), status))
        .await
}
