//! The payout cycle: for every enrollment and every month that has ended and is closed (or whose
//! grace period has passed), create the stipend payout — once. The database's unique
//! (enrollment, period) and an insert that does nothing on conflict make "once" hold when the
//! cycle runs twice, on two workers at once, or again after a worker died halfway: each
//! enrollment is its own transaction, so a restart picks up where the last run stopped.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::stipend;
use crate::{
    config::Settings,
    db::{Db, DbConnection, schema::payouts},
    dispatch,
    error::AppError,
    jobs::{Job, JobContext, JobError},
    notifications::{EmailTemplate, notify},
    openings::{model::OpeningKind, service as openings},
};

/// The job kind of the cycle.
pub const SCHEDULE_PAYOUTS: &str = "schedule_payouts";

#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = payouts)]
pub struct PayoutRow {
    pub id: String,
    pub enrollment_id: String,
    pub seeker_id: String,
    pub opening_id: String,
    pub period: String,
    pub amount_tiyn: i64,
    pub inputs: String,
    pub status: String,
    pub batch_id: Option<String>,
    pub bank_reference: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// Months (`YYYY-MM`) from `first` to `last`, inclusive.
pub fn months(first: NaiveDate, last: NaiveDate) -> Vec<(String, NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = first.with_day(1).unwrap_or(first);
    while start <= last {
        let Some(next) = start.checked_add_months(chrono::Months::new(1)) else {
            break;
        };
        let end = next.pred_opt().unwrap_or(start);
        out.push((
            format!("{:04}-{:02}", start.year(), start.month()),
            start,
            end,
        ));
        start = next;
    }
    out
}

/// Inserts a payout unless one exists for its enrollment and period; true if this call made it.
fn insert_once(c: &mut DbConnection, row: &PayoutRow) -> QueryResult<bool> {
    dispatch!(c, |c| diesel::insert_into(payouts::table)
        .values(row)
        .on_conflict((payouts::enrollment_id, payouts::period))
        .do_nothing()
        .execute(c))
    .map(|n| n == 1)
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleRun {
    pub enrollments: usize,
    pub created: usize,
}

/// What the cycle needs of a course, loaded once for all its enrollments.
struct Course {
    facts: crate::openings::service::OpeningFacts,
    rules: crate::programmes::rules::StipendRules,
    /// Months due for payment: ended, and closed or past the grace period; with their sessions.
    due: Vec<(String, Vec<String>)>,
    /// Sessions in the course's busiest month.
    full: i64,
}

fn course(
    c: &mut DbConnection,
    opening_id: &str,
    today: NaiveDate,
    grace_days: i64,
) -> Result<Option<Course>, AppError> {
    let Some(facts) = openings::facts_of(c, opening_id)? else {
        return Ok(None);
    };
    if facts.kind != OpeningKind::Course {
        return Ok(None);
    }
    let Some(rules) =
        crate::programmes::service::find(c, &facts.programme_id)?.and_then(|p| p.rules.stipend)
    else {
        return Ok(None);
    };
    let sessions: Vec<_> = openings::sessions_of(c, &facts.id)?
        .into_iter()
        .filter(|s| !s.cancelled)
        .collect();
    let (Some(first), Some(last)) = (
        sessions.iter().map(|s| s.starts_at).min(),
        sessions.iter().map(|s| s.starts_at).max(),
    ) else {
        return Ok(None);
    };
    let in_period = |period: &str| -> Vec<String> {
        sessions
            .iter()
            .filter(|s| crate::attendance::service::period_of(s.starts_at) == period)
            .map(|s| s.id.clone())
            .collect()
    };
    let all = months(
        crate::openings::calendar::almaty_date(first),
        crate::openings::calendar::almaty_date(last),
    );
    let full = all
        .iter()
        .map(|(p, _, _)| in_period(p).len() as i64)
        .max()
        .unwrap_or(0);
    let mut due = Vec::new();
    for (period, _, last_day) in all {
        if last_day >= today {
            continue; // not over yet
        }
        let closed = crate::attendance::service::is_closed(c, &facts.id, &period)?;
        if !closed && last_day + chrono::Duration::days(grace_days) >= today {
            continue; // waiting for the provider to close it
        }
        let held = in_period(&period);
        due.push((period, held));
    }
    Ok(Some(Course {
        facts,
        rules,
        due,
        full,
    }))
}

/// Runs the cycle for every course enrollment, course by course. `stop_after` (tests) ends the
/// run after that many enrollments, as a worker killed halfway would.
pub async fn run(
    db: &Db,
    settings: &Settings,
    stop_after: Option<usize>,
) -> Result<CycleRun, AppError> {
    let today = crate::seekers::service::almaty_today();
    let grace = i64::from(settings.attendance_grace_days);
    let enrollments: Vec<crate::matching::enrollments::Enrollment> =
        db.run(crate::matching::enrollments::all_courses).await?;
    let mut by_course: std::collections::BTreeMap<
        String,
        Vec<crate::matching::enrollments::Enrollment>,
    > = std::collections::BTreeMap::new();
    for e in enrollments {
        by_course.entry(e.opening_id.clone()).or_default().push(e);
    }
    let link = format!("{}/payouts", settings.public_url.trim_end_matches('/'));
    let mut run = CycleRun::default();
    for (opening, list) in by_course {
        let ctx = db.run(move |c| course(c, &opening, today, grace)).await?;
        let Some(ctx) = ctx.map(std::sync::Arc::new) else {
            continue;
        };
        for e in list {
            if stop_after.is_some_and(|n| run.enrollments >= n) {
                return Ok(run);
            }
            run.enrollments += 1;
            if ctx.due.is_empty() {
                continue;
            }
            let (ctx, link) = (ctx.clone(), link.clone());
            run.created += db
                .transaction(move |c| payouts_for(c, &e, &ctx, &link))
                .await?;
        }
    }
    Ok(run)
}

/// Creates the due payouts of one enrollment; returns how many this call created.
fn payouts_for(
    c: &mut DbConnection,
    e: &crate::matching::enrollments::Enrollment,
    ctx: &Course,
    link: &str,
) -> Result<usize, AppError> {
    let existing: std::collections::HashSet<String> = payouts::table
        .filter(payouts::enrollment_id.eq(&e.id))
        .select(payouts::period)
        .load::<String>(c)?
        .into_iter()
        .collect();
    if ctx.due.iter().all(|(p, _)| existing.contains(p)) {
        return Ok(0); // a re-run: one query and done
    }
    let marks = crate::attendance::service::marks_of(c, &e.id)?;
    let mut created = 0;
    for (period, held) in ctx.due.iter().filter(|(p, _)| !existing.contains(p)) {
        let attended = held
            .iter()
            .filter(|id| {
                marks
                    .get(id.as_str())
                    .is_some_and(|st| ctx.rules.attended_statuses.contains(st))
            })
            .count() as i64;
        let s = stipend::stipend(&ctx.rules, held.len() as i64, attended, ctx.full);
        let now = crate::db::now();
        let row = PayoutRow {
            id: uuid::Uuid::now_v7().to_string(),
            enrollment_id: e.id.clone(),
            seeker_id: e.seeker_id.clone(),
            opening_id: ctx.facts.id.clone(),
            period: period.clone(),
            amount_tiyn: s.amount_tiyn,
            inputs: serde_json::to_string(&s.inputs).map_err(|e| AppError::Internal(e.into()))?,
            status: "scheduled".into(),
            batch_id: None,
            bank_reference: None,
            failure_reason: None,
            created_at: now,
            updated_at: now,
        };
        if !insert_once(c, &row)? {
            continue; // another worker made it a moment ago
        }
        created += 1;
        crate::audit::record(
            c,
            &crate::audit::Actor::default(),
            crate::audit::AuditEvent {
                action: "payout.scheduled",
                entity: "payout",
                entity_id: &row.id,
                before: None,
                after: Some(serde_json::json!({
                    "enrollment_id": row.enrollment_id, "period": row.period,
                    "amount_tiyn": row.amount_tiyn,
                })),
            },
        )?;
        if let Some((to, locale)) = crate::accounts::service::contact(c, &e.seeker_id)? {
            let data = serde_json::json!({
                "course_title": openings::title_in(&ctx.facts, locale), "period": period,
                "amount": crate::payouts::tenge(row.amount_tiyn), "attended": attended,
                "held": held.len(), "link": link,
            });
            notify(
                c,
                &to,
                EmailTemplate::PayoutScheduled,
                locale,
                data,
                &format!("payout_scheduled:{}:{period}", e.id),
            )?;
        }
    }
    Ok(created)
}

pub async fn cycle_job(ctx: JobContext, _job: Job) -> Result<(), JobError> {
    let run = run(&ctx.db, &ctx.settings, None)
        .await
        .map_err(|e| JobError::Retry(format!("{e:?}")))?;
    tracing::info!(
        enrollments = run.enrollments,
        created = run.created,
        "payout cycle"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_cover_first_to_last_inclusive() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let m = months(d(2026, 11, 20), d(2027, 2, 3));
        let names: Vec<&str> = m.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(names, ["2026-11", "2026-12", "2027-01", "2027-02"]);
        assert_eq!((m[3].1, m[3].2), (d(2027, 2, 1), d(2027, 2, 28)));
    }
}
