//! What seekers and case workers see of payouts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    ledger::{PayeeKind, PayoutRow},
    stipend::StipendInputs,
};
use crate::access::{Caller, Permission};
use crate::db::Db;
use crate::{
    db::{DbConnection, schema::payouts},
    error::AppError,
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
    /// `person`: a stipend for an enrollment; `organisation`: a wage subsidy for a placement.
    pub payee_kind: PayeeKind,
    /// A stipend's enrollment.
    pub enrollment_id: Option<String>,
    /// A stipend's course.
    pub course_id: Option<String>,
    /// A wage subsidy's placement.
    pub placement_id: Option<String>,
    /// The organisation a wage subsidy pays.
    pub organisation_id: Option<String>,
    /// The course or the job.
    pub opening_id: String,
    /// `YYYY-MM` (Asia/Almaty).
    pub period: String,
    pub amount_tiyn: i64,
    pub status: PayoutStatus,
    /// What the stipend or subsidy rule used.
    pub inputs: PayoutInputs,
    /// Why it is cancelled or failed: attendance below the minimum, the month reopened for
    /// corrections, or the bank's reason.
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a payout's rule used: the stipend rule's inputs for a person, the subsidy rule's for an
/// organisation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PayoutInputs {
    Stipend(StipendInputs),
    Subsidy(crate::subsidies::rule::SubsidyInputs),
}

pub fn view(r: PayoutRow) -> Result<PayoutView, AppError> {
    let bad = |e: serde_json::Error| AppError::Internal(e.into());
    let kind = r.kind();
    Ok(PayoutView {
        inputs: match kind {
            PayeeKind::Person => {
                PayoutInputs::Stipend(serde_json::from_str(&r.inputs).map_err(bad)?)
            }
            PayeeKind::Organisation => {
                PayoutInputs::Subsidy(serde_json::from_str(&r.inputs).map_err(bad)?)
            }
        },
        status: PayoutStatus::parse(&r.status),
        payee_kind: kind,
        id: r.id,
        course_id: (kind == PayeeKind::Person).then(|| r.opening_id.clone()),
        enrollment_id: r.enrollment_id,
        placement_id: r.placement_id,
        organisation_id: r.organisation_id,
        opening_id: r.opening_id,
        period: r.period,
        amount_tiyn: r.amount_tiyn,
        reason: r.failure_reason,
        created_at: r.created_at.and_utc(),
    })
}

/// Why a payout was withdrawn (kept as the cancelled payout's reason): its month was reopened for
/// attendance corrections. The cycle computes it again, in place, once the month is closed anew
/// or the grace period has passed since the reopening; unique (enrollment, period) still holds.
pub const WITHDRAWN_FOR_CORRECTION: &str = "month reopened for attendance corrections";

/// Why a month's payout is recorded at nothing.
pub const NOT_DUE: &str = "no stipend: attendance below the programme's minimum";

/// What reopening a month did to its payouts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReopenedPayouts {
    /// Taken back to be computed again after the corrections: scheduled, held, or approved
    /// in a batch not yet exported.
    pub withdrawn: i64,
    /// Already at the bank, paid or failed: they keep their amounts, and a correction that changes
    /// one needs a case worker's manual adjustment.
    pub unchanged: i64,
}

/// Why a wage subsidy was withdrawn: its confirmed report was returned to the employer for a
/// correction. The subsidy cycle computes it again, in place, once the report is confirmed anew.
pub const WITHDRAWN_FOR_REPORT_CORRECTION: &str = "wage report returned for correction";

/// Withdraws the payouts of a course month that no money has moved for yet, so that corrections
/// made while the month is reopened reach the amounts (called by the reopening, in its
/// transaction). Each withdrawal is audited.
pub fn withdraw_for_correction(
    c: &mut DbConnection,
    actor: &crate::audit::Actor,
    course_id: &str,
    period: &str,
) -> Result<ReopenedPayouts, AppError> {
    let rows: Vec<PayoutRow> = payouts::table
        .filter(payouts::opening_id.eq(course_id))
        .filter(payouts::period.eq(period))
        .filter(payouts::payee_kind.eq(PayeeKind::Person.as_str()))
        .filter(
            payouts::status
                .ne("cancelled")
                .or(payouts::failure_reason.eq(NOT_DUE)),
        )
        .order(payouts::id)
        .select(PayoutRow::as_select())
        .load(c)?;
    withdraw(c, actor, &rows, WITHDRAWN_FOR_CORRECTION)
}

/// Withdraws a placement month's wage subsidy if no money has moved for it yet, so that the
/// corrected report reaches the amount (called when a case worker returns a confirmed report, in
/// that transaction). A subsidy at the bank or paid is left as it is and counted `unchanged`: a
/// case worker adjusts it by hand.
pub fn withdraw_subsidy_for_correction(
    c: &mut DbConnection,
    actor: &crate::audit::Actor,
    placement_id: &str,
    period: &str,
) -> Result<ReopenedPayouts, AppError> {
    let rows: Vec<PayoutRow> = super::ledger::of_placement_month(c, placement_id, period)?
        .into_iter()
        .filter(|p| {
            p.status != "cancelled"
                || p.failure_reason.as_deref() != Some(WITHDRAWN_FOR_REPORT_CORRECTION)
        })
        .collect();
    withdraw(c, actor, &rows, WITHDRAWN_FOR_REPORT_CORRECTION)
}

fn withdraw(
    c: &mut DbConnection,
    actor: &crate::audit::Actor,
    rows: &[PayoutRow],
    because: &str,
) -> Result<ReopenedPayouts, AppError> {
    let mut out = ReopenedPayouts::default();
    let mut tally = crate::reports::tally::Tally::new();
    for p in rows {
        // No money has moved for these; a month recorded at nothing (`cancelled` here, as the
        // queries select only those) is computed again after the corrections too.
        if ["scheduled", "held", "approved", "cancelled"].contains(&p.status.as_str()) {
            // The month's figures are taken back until it is computed again.
            super::ledger::count_computed(c, &mut tally, p, -1)?;
            if let (Some(batch), "approved") = (&p.batch_id, p.status.as_str()) {
                super::batches::withdraw_line(c, batch, &p.id)?;
            }
            super::batches::set_status(c, actor, p, "cancelled", None, None, Some(because))?;
            out.withdrawn += 1;
        } else {
            out.unchanged += 1;
        }
    }
    tally.save(c)?;
    Ok(out)
}

/// Where a page of payouts ends: the last row's (period, id) in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutCursor {
    pub period: String,
    pub id: String,
}

impl PayoutCursor {
    pub fn encode(&self) -> String {
        crate::paging::wrap(&format!("{}|{}", self.period, self.id))
    }

    pub fn decode(cursor: &str) -> Option<PayoutCursor> {
        let text = crate::paging::unwrap_text(cursor)?;
        let (period, id) = text.split_once('|')?;
        crate::attendance::service::parse_period(period)?;
        Some(PayoutCursor {
            period: period.to_owned(),
            id: id.to_owned(),
        })
    }
}

/// Payouts newest month first, then by id; `after` continues a page, `limit` rows at most.
fn load(
    c: &mut DbConnection,
    seeker: Option<&str>,
    organisation: Option<&str>,
    period: Option<&str>,
    status: Option<PayoutStatus>,
    after: Option<&PayoutCursor>,
    limit: i64,
) -> Result<Vec<PayoutView>, AppError> {
    let mut q = payouts::table.into_boxed();
    if let Some(s) = seeker {
        q = q.filter(payouts::seeker_id.eq(s.to_owned()));
    }
    if let Some(o) = organisation {
        q = q.filter(payouts::organisation_id.eq(o.to_owned()));
    }
    if let Some(p) = period {
        q = q.filter(payouts::period.eq(p.to_owned()));
    }
    if let Some(s) = status {
        q = q.filter(payouts::status.eq(s.as_str()));
    }
    if let Some(a) = after {
        q = q.filter(
            payouts::period.lt(a.period.clone()).or(payouts::period
                .eq(a.period.clone())
                .and(payouts::id.gt(a.id.clone()))),
        );
    }
    q.order((payouts::period.desc(), payouts::id))
        .limit(limit)
        .select(PayoutRow::as_select())
        .load(c)?
        .into_iter()
        .map(view)
        .collect()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PayoutPage {
    pub items: Vec<PayoutView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Her payouts, newest month first: the schedule and the history.
pub async fn mine(db: &Db, user: &Caller) -> Result<Vec<PayoutView>, AppError> {
    user.require(Permission::Apply)?;
    let id = user.account_id.clone();
    // One a month per course: a short list, so it is not paged.
    db.run(move |c| load(c, Some(&id), None, None, None, None, MINE_LIMIT))
        .await
}

/// More than a seeker's payouts could be in years of courses.
const MINE_LIMIT: i64 = 1000;

/// Payouts by month and status, a page at a time: all for case workers; for an employer the wage
/// subsidies paid to her organisation.
pub async fn list(
    db: &Db,
    user: &Caller,
    period: Option<String>,
    status: Option<PayoutStatus>,
    cursor: Option<String>,
    limit: i64,
) -> Result<PayoutPage, AppError> {
    let organisation = user.staff_or_own_organisation(Permission::ViewPayouts)?;
    if let Some(p) = &period
        && crate::attendance::service::parse_period(p).is_none()
    {
        return Err(AppError::field(
            "period",
            crate::messages::FieldMsg::Invalid,
        ));
    }
    let after = match cursor {
        Some(c) => Some(PayoutCursor::decode(&c).ok_or_else(crate::paging::invalid)?),
        None => None,
    };
    let mut items = db
        .run(move |c| {
            load(
                c,
                None,
                organisation.as_deref(),
                period.as_deref(),
                status,
                after.as_ref(),
                limit + 1,
            )
        })
        .await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            items.last().map(|p| {
                PayoutCursor {
                    period: p.period.clone(),
                    id: p.id.clone(),
                }
                .encode()
            })
        })
        .flatten();
    Ok(PayoutPage { items, next_cursor })
}

// --- erasure ---

/// Her stipends (person payee), for deciding whether she may be erased now.
pub fn of_person(
    c: &mut DbConnection,
    seeker_id: &str,
) -> Result<Vec<crate::erasure::rules::PayoutFact>, AppError> {
    Ok(payouts::table
        .filter(payouts::seeker_id.eq(seeker_id))
        .filter(payouts::payee_kind.eq(PayeeKind::Person.as_str()))
        .order((payouts::period, payouts::id))
        .select((
            payouts::id,
            payouts::period,
            payouts::status,
            payouts::amount_tiyn,
        ))
        .load::<(String, String, String, i64)>(c)?
        .into_iter()
        .map(
            |(id, period, status, amount_tiyn)| crate::erasure::rules::PayoutFact {
                id,
                period,
                status,
                amount_tiyn,
            },
        )
        .collect())
}

/// Pseudonymises her payment records inside the erasure's transaction: the payouts stay as they
/// are (amounts, months, the inputs they were computed from, her account as an opaque id); a
/// bank's reason naming her loses her values, and the bank lines keep only the IBAN's last four
/// characters. Returns the number of payouts kept.
pub fn erase_person(
    c: &mut DbConnection,
    seeker_id: &str,
    values: &[String],
) -> Result<usize, AppError> {
    let rows: Vec<(String, Option<String>, Option<String>)> = payouts::table
        .filter(payouts::seeker_id.eq(seeker_id))
        .filter(payouts::payee_kind.eq(PayeeKind::Person.as_str()))
        .select((
            payouts::id,
            payouts::failure_reason,
            payouts::bank_reference,
        ))
        .load(c)?;
    let scrub = |t: Option<String>| t.map(|t| crate::erasure::rules::scrub_text(&t, values));
    for (id, reason, reference) in &rows {
        diesel::update(payouts::table.filter(payouts::id.eq(id)))
            .set((
                payouts::failure_reason.eq(scrub(reason.clone())),
                payouts::bank_reference.eq(scrub(reference.clone())),
            ))
            .execute(c)?;
    }
    let ids: Vec<String> = rows.into_iter().map(|r| r.0).collect();
    super::batches::erase_person(c, &ids, values)?;
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::PayoutCursor;

    proptest! {
        #[test]
        fn a_cursor_reads_back_as_written(y in 2000u32..2100, m in 1u32..=12, id in "[0-9a-f-]{1,40}") {
            let c = PayoutCursor { period: format!("{y:04}-{m:02}"), id };
            prop_assert_eq!(PayoutCursor::decode(&c.encode()), Some(c));
        }
    }

    #[test]
    fn a_forged_cursor_is_refused() {
        assert_eq!(PayoutCursor::decode("not base64!"), None);
        let bad = PayoutCursor {
            period: "2026-13".into(),
            id: "x".into(),
        }
        .encode();
        assert_eq!(PayoutCursor::decode(&bad), None);
    }
}
