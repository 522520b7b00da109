//! Wage report use cases: an employer submits and corrects a month's report for a placement of
//! her organisation; case workers see the queue and confirm or return each report with a note.
//! One transaction each, audited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    queries::{self, WageReportRow},
    report::{self, ReportContext, ReportFlag, ReportInput},
};
use crate::{
    access::{Caller, Permission},
    audit::{self, AuditEvent},
    config::Settings,
    db::{Db, DbConnection},
    error::AppError,
    matching::placements,
    messages::{FieldMsg, Msg},
    openings::{model::OpeningKind, service as openings},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Waiting for a case worker.
    Submitted,
    /// Confirmed: the subsidy is paid from it.
    Confirmed,
    /// Returned to the employer with a note, to correct.
    Returned,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "submitted",
            ReportStatus::Confirmed => "confirmed",
            ReportStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<ReportStatus> {
        match s {
            "submitted" => Some(ReportStatus::Submitted),
            "confirmed" => Some(ReportStatus::Confirmed),
            "returned" => Some(ReportStatus::Returned),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WageReportView {
    pub id: String,
    pub placement_id: String,
    pub organisation_id: String,
    pub period: String,
    pub days_worked: i32,
    pub gross_wage_tiyn: i64,
    pub payroll_reference: String,
    pub status: ReportStatus,
    /// What the case worker should check before confirming.
    pub flags: Vec<ReportFlag>,
    pub decision_note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When a confirmed report is returned: its subsidy withdrawn to be computed again, or left
    /// unchanged because money has moved (a case worker then adjusts it by hand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsidy: Option<crate::payouts::service::ReopenedPayouts>,
}

fn view(r: WageReportRow) -> Result<WageReportView, AppError> {
    let internal = |what: &str| AppError::Internal(anyhow::anyhow!("wage report {what}"));
    Ok(WageReportView {
        status: ReportStatus::parse(&r.status).ok_or_else(|| internal("status"))?,
        flags: serde_json::from_str(&r.flags).map_err(|_| internal("flags"))?,
        id: r.id,
        placement_id: r.placement_id,
        organisation_id: r.organisation_id,
        period: r.period,
        days_worked: r.days_worked,
        gross_wage_tiyn: r.gross_wage_tiyn,
        payroll_reference: r.payroll_reference,
        decision_note: r.decision_note,
        decided_at: r.decided_at.map(|d| d.and_utc()),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        subsidy: None,
    })
}

fn snapshot(r: &WageReportRow) -> serde_json::Value {
    serde_json::json!({
        "status": r.status, "period": r.period, "days_worked": r.days_worked,
        "gross_wage_tiyn": r.gross_wage_tiyn, "payroll_reference": r.payroll_reference,
        "flags": r.flags, "decision_note": r.decision_note,
    })
}

/// The placement's facts the checks need, for a placement of the caller's organisation (a job).
fn context_of(
    c: &mut DbConnection,
    user: &Caller,
    settings: &Settings,
    placement_id: &str,
) -> Result<(String, ReportContext), AppError> {
    let placement = placements::find(c, placement_id)?.ok_or(AppError::NotFound)?;
    let opening = openings::owned_by_caller(c, user, &placement.opening_id)?;
    if opening.kind != OpeningKind::Job {
        return Err(AppError::NotFound);
    }
    Ok((
        opening.organisation_id,
        ReportContext {
            started_on: placement.started_on,
            ended_on: placement.ended_on,
            today: crate::db::today(),
            declared_wage_tiyn: opening.wage_monthly_tiyn,
            minimum_wage_tiyn: settings.minimum_wage_tiyn,
            work_days: opening.days,
        },
    ))
}

fn checked(input: ReportInput, ctx: &ReportContext) -> Result<report::CheckedReport, AppError> {
    report::check(input, ctx).map_err(|errors| AppError::Validation {
        detail: Msg::JsonBodyInvalid,
        errors,
    })
}

fn flags_json(flags: &[ReportFlag]) -> Result<String, AppError> {
    serde_json::to_string(flags).map_err(|e| AppError::Internal(e.into()))
}

/// An employer reports a month of a placement of her organisation (once per month).
pub async fn submit(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    placement_id: String,
    input: ReportInput,
) -> Result<WageReportView, AppError> {
    user.require(Permission::PostOpenings)?;
    let (user, settings) = (user.clone(), settings.clone());
    db.transaction(move |c| {
        let (organisation_id, ctx) = context_of(c, &user, &settings, &placement_id)?;
        let r = checked(input, &ctx)?;
        let now = crate::db::now();
        let row = WageReportRow {
            id: uuid::Uuid::now_v7().to_string(),
            placement_id,
            organisation_id,
            period: r.period,
            days_worked: r.days_worked,
            gross_wage_tiyn: r.gross_wage_tiyn,
            payroll_reference: r.payroll_reference,
            status: ReportStatus::Submitted.as_str().into(),
            flags: flags_json(&r.flags)?,
            decision_note: None,
            submitted_by: user.account_id.clone(),
            decided_by: None,
            decided_at: None,
            created_at: now,
            updated_at: now,
        };
        match queries::insert(c, &row) {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => return Err(AppError::Conflict(Msg::WageReportExists)),
            Err(e) => return Err(e.into()),
        }
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "wage_report.submitted",
                entity: "wage_report",
                entity_id: &row.id,
                before: None,
                after: Some(snapshot(&row)),
            },
        )?;
        view(row)
    })
    .await
}

/// Corrects a report not yet confirmed (a returned one goes back to the queue); the audit event
/// keeps it before and after.
pub async fn correct(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    id: String,
    input: ReportInput,
) -> Result<WageReportView, AppError> {
    user.require(Permission::PostOpenings)?;
    let (user, settings) = (user.clone(), settings.clone());
    db.transaction(move |c| {
        let before = queries::find(c, &id)?.ok_or(AppError::NotFound)?;
        let (_, ctx) = context_of(c, &user, &settings, &before.placement_id)?;
        if before.status == ReportStatus::Confirmed.as_str() {
            return Err(AppError::Conflict(Msg::WageReportConfirmed));
        }
        let r = checked(input, &ctx)?;
        if r.period != before.period {
            // A report is for one month; another month is another report.
            return Err(AppError::field("period", FieldMsg::Invalid));
        }
        let after = WageReportRow {
            days_worked: r.days_worked,
            gross_wage_tiyn: r.gross_wage_tiyn,
            payroll_reference: r.payroll_reference,
            status: ReportStatus::Submitted.as_str().into(),
            flags: flags_json(&r.flags)?,
            updated_at: crate::db::now(),
            ..before.clone()
        };
        if queries::update_from(c, &after, &before.status)? != 1 {
            return Err(AppError::Conflict(Msg::WageReportConfirmed));
        }
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "wage_report.corrected",
                entity: "wage_report",
                entity_id: &after.id,
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
            },
        )?;
        view(after)
    })
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportDecision {
    Confirmed,
    Returned,
}

/// A case worker confirms a submitted report, or returns it with a note saying what to correct.
/// A confirmed report may be returned too: its subsidy is withdrawn and computed again from the
/// corrected report if no money has moved for it, and reported `unchanged` (for a manual
/// adjustment) if it has.
pub async fn decide(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    id: String,
    decision: ReportDecision,
    note: Option<String>,
) -> Result<WageReportView, AppError> {
    user.require(Permission::ViewPayouts)?;
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
    if decision == ReportDecision::Returned && note.is_none() {
        return Err(AppError::field("note", FieldMsg::Required));
    }
    let user = user.clone();
    let link = format!("{}/wage-reports", settings.public_url.trim_end_matches('/'));
    db.transaction(move |c| {
        let before = queries::find(c, &id)?.ok_or(AppError::NotFound)?;
        let reopening = before.status == ReportStatus::Confirmed.as_str()
            && decision == ReportDecision::Returned;
        if before.status != ReportStatus::Submitted.as_str() && !reopening {
            return Err(AppError::Conflict(Msg::WageReportNotSubmitted));
        }
        let now = crate::db::now();
        let status = match decision {
            ReportDecision::Confirmed => ReportStatus::Confirmed,
            ReportDecision::Returned => ReportStatus::Returned,
        };
        let after = WageReportRow {
            status: status.as_str().into(),
            decision_note: note,
            decided_by: Some(user.account_id.clone()),
            decided_at: Some(now),
            updated_at: now,
            ..before.clone()
        };
        if queries::update_from(c, &after, &before.status)? != 1 {
            return Err(AppError::Conflict(Msg::WageReportNotSubmitted));
        }
        let subsidy = if reopening {
            Some(crate::payouts::service::withdraw_subsidy_for_correction(
                c,
                &user.actor,
                &after.placement_id,
                &after.period,
            )?)
        } else {
            None
        };
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: match status {
                    ReportStatus::Confirmed => "wage_report.confirmed",
                    _ => "wage_report.returned",
                },
                entity: "wage_report",
                entity_id: &after.id,
                before: Some(snapshot(&before)),
                after: Some(serde_json::json!({
                    "report": snapshot(&after),
                    "subsidy": subsidy.as_ref().map(|s| serde_json::json!({
                        "withdrawn": s.withdrawn, "unchanged": s.unchanged,
                    })),
                })),
            },
        )?;
        // Every member of the employer hears of it, each in their language.
        let data = serde_json::json!({
            "decision": after.status, "period": after.period,
            "note": after.decision_note, "link": link,
        });
        for (member, to, locale) in
            crate::accounts::service::member_contacts(c, &after.organisation_id)?
        {
            crate::notifications::notify(
                c,
                &to,
                crate::notifications::EmailTemplate::WageReportDecision,
                locale,
                data.clone(),
                &format!(
                    "wage_report_decision:{}:{member}:{}",
                    after.id,
                    now.and_utc().timestamp_micros()
                ),
            )?;
        }
        let mut out = view(after)?;
        out.subsidy = subsidy;
        Ok(out)
    })
    .await
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WageReportPage {
    pub items: Vec<WageReportView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Reports oldest change first: an employer sees her organisation's, case workers all (their
/// queue is `status=submitted`).
pub async fn list(
    db: &Db,
    user: &Caller,
    status: Option<ReportStatus>,
    cursor: Option<String>,
    limit: i64,
) -> Result<WageReportPage, AppError> {
    let organisation = user.staff_or_own_organisation(Permission::ViewPayouts)?;
    let after = crate::paging::instant_and_id(cursor)?;
    db.run(move |c| {
        let mut rows = queries::page(
            c,
            organisation.as_deref(),
            status.map(ReportStatus::as_str),
            after,
            limit + 1,
        )?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| {
                rows.last()
                    .map(|r| crate::paging::of_instant_and_id(r.updated_at, &r.id))
            })
            .flatten();
        let items = rows.into_iter().map(view).collect::<Result<_, _>>()?;
        Ok(WageReportPage { items, next_cursor })
    })
    .await
}

// --- erasure ---

/// The wage reports of her placements keep their figures (the subsidy's payment records); an
/// employer's payroll reference or a case worker's note that names her loses her values.
pub fn erase_person(
    c: &mut DbConnection,
    placement_ids: &[String],
    values: &[String],
) -> Result<(), AppError> {
    use crate::erasure::rules::{contains_any, scrub_text};
    for chunk in placement_ids.chunks(1000) {
        for (id, reference, note) in queries::texts_of_placements(c, chunk)? {
            let named = contains_any(&reference, values)
                || note.as_deref().is_some_and(|n| contains_any(n, values));
            if named {
                let note = note.map(|n| scrub_text(&n, values));
                queries::set_texts(c, &id, &scrub_text(&reference, values), note.as_deref())?;
            }
        }
    }
    Ok(())
}
