//! The subsidy cycle: for every confirmed wage report, the wage subsidy of its placement's month,
//! paid to the employer — once. The payment model is the stipends' (`payouts::ledger`): the
//! database's unique (placement, period) and an insert that does nothing on conflict make "once"
//! hold when the cycle runs twice, on two workers at once, or again after a worker died halfway.
//! Reports are handled a chunk per transaction in (placement, period) order, so a restart picks
//! up where the last run stopped and two workers take locks in the same order.

use crate::reports::tally::{Metric, Tally};
use std::{collections::HashMap, sync::Arc};

use super::{
    queries::{self, ConfirmedReport},
    rule::{self, NoSubsidy},
};
use crate::{
    config::Settings,
    db::{Db, DbConnection},
    error::AppError,
    jobs::{Job, JobContext, JobError},
    matching::{placements, queries::PlacementRow},
    notifications::{EmailTemplate, notify},
    openings::service::{self as openings, OpeningFacts},
    payouts::{
        ledger::{self, PayeeKind, PayoutRow, status_for},
        service::WITHDRAWN_FOR_REPORT_CORRECTION,
    },
    programmes::rules::JobRules,
};

/// The job kind of the cycle.
pub const SCHEDULE_SUBSIDIES: &str = "schedule_subsidies";

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleRun {
    /// Confirmed reports looked at.
    pub reports: usize,
    pub created: usize,
    /// Subsidies withdrawn for a report's correction and computed again.
    pub reissued: usize,
}

/// What the rule needs of a placement's job, loaded once per opening.
struct JobFacts {
    facts: OpeningFacts,
    rules: JobRules,
}

/// A confirmed report with what its subsidy is computed from.
#[derive(Clone)]
struct Work {
    report: ConfirmedReport,
    placement: Arc<PlacementRow>,
    job: Arc<JobFacts>,
}

/// Why a month's subsidy is recorded at nothing.
pub fn reason_for(none: Option<NoSubsidy>, amount_tiyn: i64) -> Option<&'static str> {
    match none {
        Some(NoSubsidy::OutsidePlacement) => Some("no subsidy: the month is outside the placement"),
        Some(NoSubsidy::MonthsExhausted) => Some("no subsidy: the subsidised months are used up"),
        None if amount_tiyn == 0 => Some("no subsidy: no wage was paid"),
        None => None,
    }
}

use crate::db::ANALYZE_AFTER;

/// Reports handled in one transaction; see the stipend cycle's `CHUNK`.
const CHUNK: usize = 500;

/// Runs the cycle over every confirmed report. `stop_after` (tests) ends the run after that many
/// reports, as a worker killed halfway would.
pub async fn run(
    db: &Db,
    settings: &Settings,
    stop_after: Option<usize>,
) -> Result<CycleRun, AppError> {
    let (work, existing) = db.run(load).await?;
    let existing = Arc::new(existing);
    let work: Vec<Work> = match stop_after {
        Some(n) => work.into_iter().take(n).collect(),
        None => work,
    };
    let link = format!("{}/wage-reports", settings.public_url.trim_end_matches('/'));
    let mut run = CycleRun {
        reports: work.len(),
        ..CycleRun::default()
    };
    for chunk in work.chunks(CHUNK) {
        let chunk: Vec<Work> = chunk
            .iter()
            .filter(|w| due(&existing, w))
            .cloned()
            .collect();
        if chunk.is_empty() {
            continue; // a re-run: nothing to do for these
        }
        let (link, existing) = (link.clone(), existing.clone());
        let (created, reissued) = db
            .transaction(move |c| subsidies_for(c, &chunk, &existing, &link))
            .await?;
        run.created += created;
        run.reissued += reissued;
    }
    // A run that made many payments changed what the planner should know of `payouts`.
    if run.created >= ANALYZE_AFTER {
        db.analyze_tables(&["payouts"]).await?;
    }
    Ok(run)
}

/// What the subsidy payments there are, by (placement, period).
type Made = HashMap<(String, String), ledger::Existing>;

/// Whether a report still needs its subsidy made: none yet, or one withdrawn for a correction.
/// Read from the run's start: a payment made meanwhile by another worker is found by the insert
/// that does nothing on conflict (or the conditional reissue), not by this.
fn due(existing: &Made, w: &Work) -> bool {
    match existing.get(&(w.report.placement_id.clone(), w.report.period.clone())) {
        None => true,
        Some(e) => withdrawn(e),
    }
}

/// Confirmed reports with their placements and jobs (placements and openings in one query per
/// thousand, each opening's programme once), and the subsidy payments there are — one scan each,
/// so neither a run nor a re-run depends on the planner's picture of a table it is filling.
fn load(c: &mut DbConnection) -> Result<(Vec<Work>, Made), AppError> {
    let existing = ledger::all_subsidies(c)?;
    let reports = queries::confirmed(c)?;
    let mut ids: Vec<String> = reports.iter().map(|r| r.placement_id.clone()).collect();
    ids.dedup();
    let placements: HashMap<String, Arc<PlacementRow>> = placements::find_many(c, &ids)?
        .into_iter()
        .map(|(k, v)| (k, Arc::new(v)))
        .collect();
    let mut opening_ids: Vec<String> = placements.values().map(|p| p.opening_id.clone()).collect();
    opening_ids.sort_unstable();
    opening_ids.dedup();
    let facts = openings::facts_of_many(c, &opening_ids)?;
    let mut rules: HashMap<String, Option<JobRules>> = HashMap::new();
    let mut jobs: HashMap<String, Arc<JobFacts>> = HashMap::new();
    for (id, f) in facts {
        if !rules.contains_key(&f.programme_id) {
            let r =
                crate::programmes::service::find(c, &f.programme_id)?.and_then(|p| p.rules.jobs);
            rules.insert(f.programme_id.clone(), r);
        }
        if let Some(Some(r)) = rules.get(&f.programme_id) {
            jobs.insert(
                id,
                Arc::new(JobFacts {
                    rules: r.clone(),
                    facts: f,
                }),
            );
        }
    }
    let work = reports
        .into_iter()
        .filter_map(|report| {
            let placement = placements.get(&report.placement_id)?.clone();
            let job = jobs.get(&placement.opening_id)?.clone();
            Some(Work {
                report,
                placement,
                job,
            })
        })
        .collect();
    Ok((work, existing))
}

/// Creates the subsidies of a chunk of confirmed reports and computes again those withdrawn for
/// a correction; returns (created, reissued) by this call.
fn subsidies_for(
    c: &mut DbConnection,
    due: &[Work],
    existing: &Made,
    link: &str,
) -> Result<(usize, usize), AppError> {
    // A report returned since the run began is not paid from.
    let report_ids: Vec<String> = due.iter().map(|w| w.report.id.clone()).collect();
    let wages = queries::still_confirmed(c, &report_ids)?;
    let rows: Vec<PlacementRow> = due.iter().map(|w| (*w.placement).clone()).collect();
    let names = placements::names_of(c, &rows)?;
    let mut members = HashMap::new();
    let (mut created, mut reissued) = (0, 0);
    let mut tally = Tally::new();
    for w in due {
        let Some(&wage) = wages.get(&w.report.id) else {
            continue;
        };
        let (Some(started_on), Some(month)) = (
            w.placement.started_on,
            super::report::parse_period(&w.report.period),
        ) else {
            continue;
        };
        let s = rule::subsidy(
            &w.job.rules,
            w.job.facts.wage_monthly_tiyn.unwrap_or(0),
            wage,
            started_on,
            w.placement.ended_on,
            month,
        );
        let reason = reason_for(s.none_because, s.amount_tiyn);
        let inputs = serde_json::to_string(&s.inputs).map_err(crate::error::internal)?;
        let key = (w.report.placement_id.clone(), w.report.period.clone());
        let (payout_id, before) = match existing.get(&key) {
            None => {
                let now = crate::db::now();
                let row = PayoutRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    enrollment_id: None,
                    seeker_id: None,
                    opening_id: w.placement.opening_id.clone(),
                    period: w.report.period.clone(),
                    amount_tiyn: s.amount_tiyn,
                    inputs,
                    status: status_for(s.amount_tiyn).into(),
                    batch_id: None,
                    bank_reference: None,
                    failure_reason: reason.map(str::to_owned),
                    created_at: now,
                    updated_at: now,
                    payee_kind: PayeeKind::Organisation.as_str().into(),
                    placement_id: Some(w.report.placement_id.clone()),
                    organisation_id: Some(w.report.organisation_id.clone()),
                };
                if !ledger::insert_once(c, &row)? {
                    continue; // another worker made it a moment ago
                }
                created += 1;
                (row.id, None)
            }
            Some(e) => {
                if !ledger::reissue(
                    c,
                    &e.id,
                    WITHDRAWN_FOR_REPORT_CORRECTION,
                    s.amount_tiyn,
                    &inputs,
                    reason,
                )? {
                    continue; // another worker did it a moment ago
                }
                reissued += 1;
                (e.id.clone(), Some(e.amount_tiyn))
            }
        };
        tally.add(
            c,
            &w.placement.opening_id,
            &w.report.period,
            Metric::SubsidiesScheduled,
            i64::from(s.amount_tiyn > 0),
            s.amount_tiyn,
        )?;
        audit(c, &payout_id, before, &w.report, s.amount_tiyn, reason)?;
        if s.amount_tiyn == 0 || before == Some(s.amount_tiyn) {
            continue; // nothing to pay, or the employer was told this amount already
        }
        if !members.contains_key(&w.report.organisation_id) {
            let m = crate::accounts::service::member_contacts(c, &w.report.organisation_id)?;
            members.insert(w.report.organisation_id.clone(), m);
        }
        let person = names
            .get(&w.report.placement_id)
            .cloned()
            .unwrap_or_default();
        for (member, to, locale) in members
            .get(&w.report.organisation_id)
            .cloned()
            .unwrap_or_default()
        {
            let data = serde_json::json!({
                "opening_title": openings::title_in(&w.job.facts, locale),
                "person_name": person, "period": w.report.period,
                "amount": crate::payouts::tenge(s.amount_tiyn),
                "wage_paid": crate::payouts::tenge(wage),
                "percent": s.inputs.wage_subsidy_percent, "link": link,
            });
            // Each amount once per member: a recomputed subsidy with a new amount is news.
            notify(
                c,
                &to,
                EmailTemplate::SubsidyScheduled,
                locale,
                data,
                &format!("subsidy_scheduled:{payout_id}:{member}:{}", s.amount_tiyn),
            )?;
        }
    }
    tally.save(c)?;
    Ok((created, reissued))
}

/// A subsidy withdrawn when its report was returned, waiting for the report's confirmation.
fn withdrawn(e: &ledger::Existing) -> bool {
    e.status == "cancelled" && e.failure_reason.as_deref() == Some(WITHDRAWN_FOR_REPORT_CORRECTION)
}

fn audit(
    c: &mut DbConnection,
    payout_id: &str,
    before_amount: Option<i64>,
    report: &ConfirmedReport,
    amount_tiyn: i64,
    reason: Option<&str>,
) -> Result<(), AppError> {
    crate::audit::record(
        c,
        &crate::audit::Actor::default(),
        crate::audit::AuditEvent {
            action: if before_amount.is_some() {
                "payout.recomputed"
            } else {
                "payout.scheduled"
            },
            entity: "payout",
            entity_id: payout_id,
            before: before_amount.map(|a| {
                serde_json::json!({ "status": "cancelled", "period": report.period, "amount_tiyn": a })
            }),
            after: Some(serde_json::json!({
                "status": status_for(amount_tiyn), "period": report.period,
                "amount_tiyn": amount_tiyn, "reason": reason, "wage_report_id": report.id,
                "payee_kind": "organisation",
            })),
        },
    )?;
    Ok(())
}

pub async fn cycle_job(ctx: JobContext, _job: Job) -> Result<(), JobError> {
    let run = run(&ctx.db, &ctx.settings, None)
        .await
        .map_err(|e| JobError::Retry(format!("{e:?}")))?;
    tracing::info!(
        reports = run.reports,
        created = run.created,
        reissued = run.reissued,
        "subsidy cycle"
    );
    Ok(())
}
