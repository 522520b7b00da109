//! The payout cycle: for every enrollment and every month that has ended and is closed (or whose
//! grace period has passed), create the stipend payout — once. The database's unique
//! (enrollment, period) and an insert that does nothing on conflict make "once" hold when the
//! cycle runs twice, on two workers at once, or again after a worker died halfway: each
//! enrollment is its own transaction, so a restart picks up where the last run stopped.

use crate::reports::tally::{StipendMonth, Tally};
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;

use super::stipend;
use crate::{
    config::Settings,
    db::{Db, DbConnection, schema::payouts},
    error::AppError,
    jobs::{Job, JobContext, JobError},
    matching::enrollments::Enrollment,
    notifications::{EmailTemplate, Notice, notify_many},
    openings::{model::OpeningKind, service as openings},
    payouts::service::{NOT_DUE, WITHDRAWN_FOR_CORRECTION},
};

/// The job kind of the cycle.
pub const SCHEDULE_PAYOUTS: &str = "schedule_payouts";

pub use super::ledger::PayoutRow;
use super::ledger::{self, PayeeKind, status_for};

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

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleRun {
    pub enrollments: usize,
    pub created: usize,
    /// Payouts withdrawn for corrections and computed again.
    pub reissued: usize,
}

/// A month of a course that has ended and may be paid.
struct DueMonth {
    period: String,
    /// Its last day: an enrollment made after it is owed nothing for it.
    last_day: NaiveDate,
    /// Its sessions (not cancelled).
    sessions: Vec<String>,
    /// Closed by the provider (not merely past the grace period).
    closed: bool,
}

/// What the cycle needs of a course, loaded once for all its enrollments.
struct Course {
    facts: crate::openings::service::OpeningFacts,
    rules: crate::programmes::rules::StipendRules,
    /// Months due for payment: ended, and closed or past the grace period.
    due: Vec<DueMonth>,
    /// Sessions in the course's busiest month.
    full: i64,
}

/// What the cycle knows of every course before it looks at an enrollment: each course's facts,
/// calendar and closed months, and each programme's rules, loaded a thousand courses a query.
/// One course at a time was six queries per course, a fixed second or more before the first
/// payout when a thousand courses run.
fn courses(
    c: &mut DbConnection,
    ids: &[String],
    today: NaiveDate,
    grace_days: i64,
) -> Result<HashMap<String, Arc<Course>>, AppError> {
    let facts = openings::facts_of_many(c, ids)?;
    let mut sessions = openings::sessions_of_many(c, ids)?;
    let closed = crate::attendance::service::closed_of_many(c, ids)?;
    let mut rules: HashMap<String, Option<crate::programmes::rules::StipendRules>> = HashMap::new();
    let (mut out, none) = (HashMap::new(), HashSet::new());
    for (id, facts) in facts {
        if facts.kind != OpeningKind::Course {
            continue;
        }
        if !rules.contains_key(&facts.programme_id) {
            let r = crate::programmes::service::find(c, &facts.programme_id)?
                .and_then(|p| p.rules.stipend);
            rules.insert(facts.programme_id.clone(), r);
        }
        let Some(Some(r)) = rules.get(&facts.programme_id) else {
            continue;
        };
        let calendar = sessions.remove(&id).unwrap_or_default();
        let closed = closed.get(&id).unwrap_or(&none);
        if let Some(course) = course(facts, r.clone(), calendar, closed, today, grace_days) {
            out.insert(id, Arc::new(course));
        }
    }
    Ok(out)
}

/// A course's due months, from its facts, rules, calendar and closed months.
fn course(
    facts: crate::openings::service::OpeningFacts,
    rules: crate::programmes::rules::StipendRules,
    calendar: Vec<crate::openings::service::SessionFacts>,
    closed_months: &HashSet<String>,
    today: NaiveDate,
    grace_days: i64,
) -> Option<Course> {
    let sessions: Vec<_> = calendar.into_iter().filter(|s| !s.cancelled).collect();
    let first = sessions.iter().map(|s| s.starts_at).min()?;
    let last = sessions.iter().map(|s| s.starts_at).max()?;
    let in_period = |period: &str| -> Vec<String> {
        sessions
            .iter()
            .filter(|s| crate::attendance::service::period_of(s.starts_at) == period)
            .map(|s| s.id.clone())
            .collect()
    };
    // Only months the course ran: its sessions lie within its dates, and a session outside them
    // (added before that rule) does not stretch the months paid.
    let first = crate::openings::calendar::almaty_date(first).max(facts.start_date);
    let last = match facts.end_date {
        Some(end) => crate::openings::calendar::almaty_date(last).min(end),
        None => crate::openings::calendar::almaty_date(last),
    };
    let all = months(first, last);
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
        let closed = closed_months.contains(&period);
        if !closed && last_day + chrono::Duration::days(grace_days) >= today {
            continue; // waiting for the provider to close it
        }
        let sessions = in_period(&period);
        if sessions.is_empty() {
            continue; // no session that month: nothing is owed for it
        }
        due.push(DueMonth {
            period,
            last_day,
            sessions,
            closed,
        });
    }
    Some(Course {
        facts,
        rules,
        due,
        full,
    })
}

/// Enrollments handled in one transaction, across courses. One transaction per enrollment made
/// PostgreSQL wait for a WAL flush per payout (177–619 payouts/s); a chunk shares the flush and
/// loads existing payouts, marks and contacts in one query each. A crash loses at most one
/// chunk's work, which the next run redoes: the unique (enrollment, period) still decides what
/// "once" means.
const CHUNK: usize = 2000;

/// Runs the cycle for every course enrollment. `stop_after` (tests) ends the run after that many
/// enrollments, as a worker killed halfway would.
pub async fn run(
    db: &Db,
    settings: &Settings,
    stop_after: Option<usize>,
) -> Result<CycleRun, AppError> {
    let today = db.today();
    let grace = i64::from(settings.attendance_grace_days);
    // Each course is loaded once (its rules, its sessions by month, which months are due) for
    // all its enrollments.
    let work = db
        .run(move |c| {
            let enrollments = crate::matching::enrollments::all_courses(c)?;
            let ids: Vec<String> = enrollments
                .iter()
                .map(|e| e.opening_id.clone())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let courses = courses(c, &ids, today, grace)?;
            let work: Vec<_> = enrollments
                .into_iter()
                .filter_map(|e| {
                    let ctx = courses.get(&e.opening_id)?.clone();
                    Some((e, ctx))
                })
                .collect();
            let periods: HashSet<String> = courses
                .values()
                .flat_map(|ctx| ctx.due.iter().map(|m| m.period.clone()))
                .collect();
            let withdrawn = Arc::new(withdrawn_in(c, &periods)?);
            Ok::<_, AppError>((work, withdrawn))
        })
        .await?;
    let (work, withdrawn) = work;
    let work = match stop_after {
        Some(n) => work.into_iter().take(n).collect(),
        None => work,
    };
    let public_url = settings.public_url.trim_end_matches('/').to_owned();
    let mut run = CycleRun {
        enrollments: work.len(),
        ..CycleRun::default()
    };
    // Every worker walks enrollments in the same (id) order, so two running at once take the
    // unique index's row locks in the same order and cannot deadlock.
    for chunk in work.chunks(CHUNK) {
        let (chunk, public_url, withdrawn) =
            (chunk.to_vec(), public_url.clone(), withdrawn.clone());
        let (created, reissued) = db
            .transaction(move |c| {
                crate::db::bulk(c, |c| {
                    payouts_for(c, &chunk, &withdrawn, &public_url, today, grace)
                })
            })
            .await?;
        run.created += created;
        run.reissued += reissued;
    }
    // The planner should know of the payouts (and their emails) a large run has just made.
    if run.created >= crate::db::ANALYZE_AFTER {
        db.analyze_tables(&["payouts", "jobs"]).await?;
    }
    Ok(run)
}

/// A payout withdrawn when its month was reopened, waiting to be computed again.
struct Withdrawn {
    id: String,
    amount_tiyn: i64,
    withdrawn_on: NaiveDate,
}

/// What an enrollment is owed for a due month.
enum Owed<'a> {
    /// No payout yet.
    New(&'a DueMonth),
    /// Its payout was withdrawn for corrections, and the month is final again: closed anew, or
    /// the grace period has passed since the reopening (so a month left open is not forgotten).
    Again(&'a DueMonth, &'a Withdrawn),
}

/// Payouts withdrawn for corrections in the given months, by (enrollment, period). They are few,
/// so the whole run loads them once, through the (period, status) index; a payout withdrawn while
/// the run goes on is seen by the next run.
fn withdrawn_in(
    c: &mut DbConnection,
    periods: &HashSet<String>,
) -> Result<HashMap<(String, String), Withdrawn>, AppError> {
    let periods: Vec<&String> = periods.iter().collect();
    let mut out = HashMap::new();
    for part in periods.chunks(500) {
        let rows = payouts::table
            .filter(payouts::period.eq_any(part))
            .filter(payouts::status.eq("cancelled"))
            .filter(payouts::failure_reason.eq(WITHDRAWN_FOR_CORRECTION))
            .select((
                payouts::id,
                payouts::enrollment_id,
                payouts::period,
                payouts::amount_tiyn,
                payouts::updated_at,
            ))
            .load::<(String, Option<String>, String, i64, chrono::NaiveDateTime)>(c)?;
        for (id, enrollment, period, amount_tiyn, at) in rows {
            let Some(enrollment) = enrollment else {
                continue;
            };
            let withdrawn_on = crate::openings::calendar::almaty_date(at);
            out.insert(
                (enrollment, period),
                Withdrawn {
                    id,
                    amount_tiyn,
                    withdrawn_on,
                },
            );
        }
    }
    Ok(out)
}

/// The periods each enrollment of a chunk has a payout for (withdrawn ones too). Only the
/// unique (enrollment, period) index is read: a re-run is one index scan per chunk.
fn made_for(
    c: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, HashSet<String>>, AppError> {
    let mut made: HashMap<String, HashSet<String>> = HashMap::new();
    for part in ids.chunks(1000) {
        for (enrollment, period) in payouts::table
            .filter(payouts::enrollment_id.eq_any(part))
            .select((payouts::enrollment_id, payouts::period))
            .load::<(Option<String>, String)>(c)?
        {
            let Some(enrollment) = enrollment else {
                continue;
            };
            made.entry(enrollment).or_default().insert(period);
        }
    }
    Ok(made)
}

fn reason_for(amount_tiyn: i64) -> Option<&'static str> {
    (amount_tiyn == 0).then_some(NOT_DUE)
}

/// What an enrollment is owed of its course's due months.
fn owed<'a>(
    made: &HashMap<String, HashSet<String>>,
    withdrawn: &'a HashMap<(String, String), Withdrawn>,
    e: &Enrollment,
    ctx: &'a Course,
    today: NaiveDate,
    grace_days: i64,
) -> Vec<Owed<'a>> {
    let have = made.get(&e.id);
    let mut out = Vec::new();
    let enrolled_on = crate::openings::calendar::almaty_date(e.created_at);
    for m in ctx.due.iter().filter(|m| m.last_day >= enrolled_on) {
        let exists = have.is_some_and(|h| h.contains(&m.period));
        match (exists, withdrawn.get(&(e.id.clone(), m.period.clone()))) {
            (false, _) => out.push(Owed::New(m)),
            (true, Some(w))
                if m.closed || w.withdrawn_on + chrono::Duration::days(grace_days) < today =>
            {
                out.push(Owed::Again(m, w))
            }
            (true, _) => {} // made and standing, or reopened for corrections: wait
        }
    }
    out
}

/// A new payout computed for a chunk, with what telling her and counting it need.
struct Computed<'a> {
    row: PayoutRow,
    seeker_id: &'a str,
    enrollment_id: &'a str,
    ctx: &'a Course,
    counted: StipendMonth,
    attended: i64,
    held: i64,
}

/// Creates the due payouts of a chunk of enrollments, and computes again those withdrawn for
/// corrections whose month is final again; returns (created, reissued) by this call. New payouts,
/// their audit events and emails are written a few multi-row statements per chunk: one statement
/// per payout made PostgreSQL's cycle of 100,000 take minutes.
fn payouts_for(
    c: &mut DbConnection,
    chunk: &[(Enrollment, Arc<Course>)],
    withdrawn: &HashMap<(String, String), Withdrawn>,
    public_url: &str,
    today: NaiveDate,
    grace_days: i64,
) -> Result<(usize, usize), AppError> {
    let link = format!("{public_url}/payouts");
    let enrollments_link = format!("{public_url}/enrollments");
    let ids: Vec<String> = chunk.iter().map(|(e, _)| e.id.clone()).collect();
    let made = made_for(c, &ids)?;
    let pending: Vec<&(Enrollment, Arc<Course>)> = chunk
        .iter()
        .filter(|(e, ctx)| !owed(&made, withdrawn, e, ctx, today, grace_days).is_empty())
        .collect();
    if pending.is_empty() {
        return Ok((0, 0)); // a re-run: one query per chunk and done
    }
    let pending_ids: Vec<String> = pending.iter().map(|(e, _)| e.id.clone()).collect();
    let marks = crate::attendance::service::marks_of_many(c, &pending_ids)?;
    let seekers: Vec<String> = pending.iter().map(|(e, _)| e.seeker_id.clone()).collect();
    let contacts = crate::accounts::service::contacts(c, &seekers)?;
    let none = HashMap::new();
    let mut reissued = 0;
    let mut tally = Tally::new();
    let mut fresh: Vec<Computed<'_>> = Vec::new();
    let mut notices = Vec::new();
    // Reissued payouts' events: (payout id, amount before, period, amount).
    let mut recomputed: Vec<(String, i64, String, i64)> = Vec::new();
    let now = crate::db::now();
    for (e, ctx) in pending {
        let marks = marks.get(&e.id).unwrap_or(&none);
        for owed in owed(&made, withdrawn, e, ctx, today, grace_days) {
            let m = match owed {
                Owed::New(m) | Owed::Again(m, _) => m,
            };
            let attended = m
                .sessions
                .iter()
                .filter(|id| {
                    marks
                        .get(id.as_str())
                        .is_some_and(|st| ctx.rules.attended_statuses.contains(st))
                })
                .count() as i64;
            let held = m.sessions.len() as i64;
            let s = stipend::stipend(&ctx.rules, held, attended, ctx.full);
            // The month is final here (closed, or past its grace period): below the minimum she
            // is told why nothing is paid, unless marking or closing told her already.
            if held > 0
                && attended * 100 < ctx.rules.min_attendance_percent * held
                && let Some((to, locale)) = contacts.get(&e.seeker_id)
            {
                let count = crate::attendance::service::MonthCount {
                    period: &m.period,
                    attended,
                    held,
                    min_percent: ctx.rules.min_attendance_percent,
                };
                notices.push(crate::attendance::service::low_attendance_warning(
                    to,
                    *locale,
                    &ctx.facts,
                    &e.id,
                    &count,
                    &enrollments_link,
                ));
            }
            let inputs = serde_json::to_string(&s.inputs).map_err(crate::error::internal)?;
            let counted = StipendMonth {
                amount_tiyn: s.amount_tiyn,
                held,
                attended,
                met_minimum: held > 0 && attended * 100 >= ctx.rules.min_attendance_percent * held,
            };
            match owed {
                Owed::New(_) => fresh.push(Computed {
                    row: PayoutRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        enrollment_id: Some(e.id.clone()),
                        seeker_id: Some(e.seeker_id.clone()),
                        opening_id: ctx.facts.id.clone(),
                        period: m.period.clone(),
                        amount_tiyn: s.amount_tiyn,
                        inputs,
                        status: status_for(s.amount_tiyn).into(),
                        batch_id: None,
                        bank_reference: None,
                        failure_reason: reason_for(s.amount_tiyn).map(str::to_owned),
                        created_at: now,
                        updated_at: now,
                        payee_kind: PayeeKind::Person.as_str().into(),
                        placement_id: None,
                        organisation_id: None,
                    },
                    seeker_id: &e.seeker_id,
                    enrollment_id: &e.id,
                    ctx,
                    counted,
                    attended,
                    held,
                }),
                // Few (months reopened for corrections): one at a time.
                Owed::Again(_, w) => {
                    if !ledger::reissue(
                        c,
                        &w.id,
                        WITHDRAWN_FOR_CORRECTION,
                        s.amount_tiyn,
                        &inputs,
                        reason_for(s.amount_tiyn),
                    )? {
                        continue; // another worker did it a moment ago
                    }
                    reissued += 1;
                    tally.know(&ctx.facts);
                    tally.stipend_month(c, &ctx.facts.id, &m.period, &counted, 1)?;
                    recomputed.push((w.id.clone(), w.amount_tiyn, m.period.clone(), s.amount_tiyn));
                    if w.amount_tiyn == s.amount_tiyn || s.amount_tiyn == 0 {
                        continue; // she was told this amount already, or there is none
                    }
                    if let Some((to, locale)) = contacts.get(&e.seeker_id) {
                        // A new amount is a new message: she is told each amount once.
                        notices.push(scheduled_notice(
                            to,
                            *locale,
                            ctx,
                            &m.period,
                            s.amount_tiyn,
                            (attended, held),
                            &link,
                            format!("payout_scheduled:{}:{}:{}", e.id, m.period, s.amount_tiyn),
                        ));
                    }
                }
            }
        }
    }
    let rows: Vec<PayoutRow> = fresh.iter().map(|f| f.row.clone()).collect();
    let inserted = ledger::insert_stipends_once(c, &rows)?;
    // Only what this call made is counted, audited and told: a row another worker made a moment
    // ago was counted, audited and told by it.
    let fresh: Vec<&Computed<'_>> = fresh
        .iter()
        .filter(|f| inserted.contains(&f.row.id))
        .collect();
    let mut events = Vec::with_capacity(fresh.len() + recomputed.len());
    for f in &fresh {
        tally.know(&f.ctx.facts);
        tally.stipend_month(c, &f.ctx.facts.id, &f.row.period, &f.counted, 1)?;
        events.push(scheduled_event(
            "payout.scheduled",
            &f.row.id,
            None,
            &f.row.period,
            f.row.amount_tiyn,
        ));
        if f.row.amount_tiyn == 0 {
            continue; // recorded with its reason; there is nothing to tell her of
        }
        if let Some((to, locale)) = contacts.get(f.seeker_id) {
            notices.push(scheduled_notice(
                to,
                *locale,
                f.ctx,
                &f.row.period,
                f.row.amount_tiyn,
                (f.attended, f.held),
                &link,
                format!("payout_scheduled:{}:{}", f.enrollment_id, f.row.period),
            ));
        }
    }
    for (id, before, period, amount) in &recomputed {
        events.push(scheduled_event(
            "payout.recomputed",
            id,
            Some(*before),
            period,
            *amount,
        ));
    }
    crate::audit::record_many(c, &crate::audit::Actor::default(), events)?;
    notify_many(c, notices)?;
    tally.save(c)?;
    Ok((fresh.len(), reissued))
}

/// "Your stipend for the month is scheduled", in her language.
#[allow(clippy::too_many_arguments)]
fn scheduled_notice(
    to: &crate::notifications::EmailAddress,
    locale: crate::locale::Locale,
    ctx: &Course,
    period: &str,
    amount_tiyn: i64,
    (attended, held): (i64, i64),
    link: &str,
    dedup_key: String,
) -> Notice {
    Notice {
        to: to.clone(),
        template: EmailTemplate::PayoutScheduled,
        locale,
        data: serde_json::json!({
            "course_title": openings::title_in(&ctx.facts, locale), "period": period,
            "amount": crate::payouts::tenge(amount_tiyn), "attended": attended,
            "held": held, "link": link,
        }),
        dedup_key,
    }
}

fn scheduled_event<'a>(
    action: &'static str,
    payout_id: &'a str,
    before_amount: Option<i64>,
    period: &str,
    amount_tiyn: i64,
) -> crate::audit::AuditEvent<'a> {
    crate::audit::AuditEvent {
        action,
        entity: "payout",
        entity_id: payout_id,
        before: before_amount.map(
            |a| serde_json::json!({ "status": "cancelled", "period": period, "amount_tiyn": a }),
        ),
        after: Some(serde_json::json!({
            "status": status_for(amount_tiyn), "period": period, "amount_tiyn": amount_tiyn,
            "reason": reason_for(amount_tiyn),
        })),
    }
}

pub async fn cycle_job(ctx: JobContext, _job: Job) -> Result<(), JobError> {
    let run = run(&ctx.db, &ctx.settings, None)
        .await
        .map_err(|e| JobError::Retry(format!("{e:?}")))?;
    tracing::info!(
        enrollments = run.enrollments,
        created = run.created,
        reissued = run.reissued,
        "payout cycle"
    );
    Ok(())
}

// --- erasure ---

/// The months of an enrollment's course still owed a payout: months the course runs (a session
/// not cancelled, within its dates) that end on or after the day she enrolled, and for which the
/// enrollment has no payout yet (a month computed to nothing has one, cancelled). Empty once the
/// cycle has nothing more to do for her: then she may be erased.
pub fn months_to_come(c: &mut DbConnection, e: &Enrollment) -> Result<Vec<String>, AppError> {
    let Some(facts) = openings::facts_of(c, &e.opening_id)? else {
        return Ok(vec![]);
    };
    if facts.kind != OpeningKind::Course {
        return Ok(vec![]);
    }
    let enrolled_on = crate::openings::calendar::almaty_date(e.created_at);
    let mut owed: Vec<String> = Vec::new();
    for s in openings::sessions_of(c, &facts.id)? {
        if s.cancelled {
            continue;
        }
        let day = crate::openings::calendar::almaty_date(s.starts_at);
        if day < facts.start_date || facts.end_date.is_some_and(|end| day > end) {
            continue;
        }
        let Some((_, last_day)) = months(day, day).first().map(|m| (m.1, m.2)) else {
            continue;
        };
        if last_day < enrolled_on {
            continue;
        }
        owed.push(crate::attendance::service::period_of(s.starts_at));
    }
    owed.sort();
    owed.dedup();
    let paid: HashSet<String> = payouts::table
        .filter(payouts::enrollment_id.eq(&e.id))
        .select(payouts::period)
        .load::<String>(c)?
        .into_iter()
        .collect();
    Ok(owed.into_iter().filter(|m| !paid.contains(m)).collect())
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
