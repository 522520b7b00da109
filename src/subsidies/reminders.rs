//! Unreported months: employers are reminded when a month's wage report is due and again when it
//! is overdue (each once per placement and month), and case workers (and the employer herself)
//! see the overdue ones, a page at a time.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{queries, report};
use crate::{
    access::{Caller, Permission},
    config::Settings,
    db::{Db, DbConnection},
    error::AppError,
    jobs::{Job, JobContext, JobError},
    matching::{placements, queries::PlacementRow},
    notifications::{EmailTemplate, notify},
    openings::{
        model::OpeningKind,
        service::{self as openings, OpeningFacts},
    },
};

/// The job kind of the reminders.
pub const REMIND_WAGE_REPORTS: &str = "remind_wage_reports";

/// A month a placement owes a report for and has not reported.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnreportedMonth {
    pub placement_id: String,
    pub organisation_id: String,
    /// Who to call about it.
    pub organisation_name: String,
    pub opening_id: String,
    /// `YYYY-MM`.
    pub period: String,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// What is known of a job's opening for the reminders.
struct JobOf {
    facts: OpeningFacts,
    subsidy_months: i64,
}

/// Placements looked at per query.
const SCAN: i64 = 500;

/// Walks started placements after `after` (placement id) and returns their unreported months in
/// (placement, period) order, stopping once `limit` are found (and the placement in hand is done),
/// with the placements seen; `organisation` keeps one employer's.
fn unreported(
    c: &mut DbConnection,
    organisation: Option<&str>,
    after: Option<(String, String)>,
    limit: usize,
    today: NaiveDate,
    due_day: u32,
) -> Result<(Vec<UnreportedMonth>, Vec<PlacementRow>), AppError> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let mut jobs: HashMap<String, Option<JobOf>> = HashMap::new();
    let mut rules: HashMap<String, Option<i64>> = HashMap::new();
    // The cursor's placement may have more months after the cursor's: start at it.
    let mut from: Option<String> = None;
    let mut first_page = true;
    loop {
        let batch = match (&after, first_page) {
            (Some((placement, _)), true) => {
                let mut b = placements::find_many(c, std::slice::from_ref(placement))?
                    .into_values()
                    .collect::<Vec<_>>();
                b.extend(placements::started(c, Some(placement), SCAN)?);
                b
            }
            _ => placements::started(c, from.as_deref(), SCAN)?,
        };
        first_page = false;
        let Some(last) = batch.last() else { break };
        from = Some(last.id.clone());
        let more = batch.len() as i64 >= SCAN;
        let mut missing: Vec<String> = batch
            .iter()
            .map(|p| p.opening_id.clone())
            .filter(|id| !jobs.contains_key(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        for (id, f) in openings::facts_of_many(c, &missing)? {
            if f.kind != OpeningKind::Job {
                jobs.insert(id, None);
                continue;
            }
            if !rules.contains_key(&f.programme_id) {
                let months = crate::programmes::service::find(c, &f.programme_id)?
                    .and_then(|p| p.rules.jobs)
                    .map(|r| r.subsidy_months);
                rules.insert(f.programme_id.clone(), months);
            }
            let job = rules
                .get(&f.programme_id)
                .copied()
                .flatten()
                .map(|subsidy_months| JobOf {
                    facts: f,
                    subsidy_months,
                });
            jobs.insert(id, job);
        }
        let ids: Vec<String> = batch.iter().map(|p| p.id.clone()).collect();
        let reported = queries::reported(c, &ids)?;
        for p in batch {
            let (Some(Some(job)), Some(started)) = (jobs.get(&p.opening_id), p.started_on) else {
                continue;
            };
            if organisation.is_some_and(|o| o != job.facts.organisation_id) {
                continue;
            }
            let mut any = false;
            for due in report::months_due(started, p.ended_on, job.subsidy_months, today, due_day) {
                if reported.contains(&(p.id.clone(), due.period.clone())) {
                    continue;
                }
                if let Some((ap, aperiod)) = &after
                    && (p.id.as_str(), due.period.as_str()) <= (ap.as_str(), aperiod.as_str())
                {
                    continue;
                }
                any = true;
                out.push(UnreportedMonth {
                    placement_id: p.id.clone(),
                    organisation_id: job.facts.organisation_id.clone(),
                    organisation_name: String::new(),
                    opening_id: p.opening_id.clone(),
                    period: due.period,
                    due_on: due.due_on,
                    overdue: due.overdue,
                });
            }
            if any {
                seen.push(p);
            }
            if out.len() >= limit {
                return Ok((out, seen));
            }
        }
        if !more {
            break;
        }
    }
    Ok((out, seen))
}

/// Emails each unreported month's employer once when it is due and once when it is overdue.
pub async fn remind(db: &Db, settings: &Settings) -> Result<usize, AppError> {
    let today = db.today();
    let due_day = settings.wage_report_due_day;
    let link = format!("{}/wage-reports", settings.public_url.trim_end_matches('/'));
    // Read once, then queue the emails a chunk per transaction: a city's placements do not hold
    // the writer's lock for the whole run, and a run stopped halfway is finished by the next
    // (each email is queued once by its key).
    let (months, seen) = db
        .run(move |c| unreported(c, None, None, usize::MAX, today, due_day))
        .await?;
    let seen: HashMap<String, PlacementRow> = seen.into_iter().map(|p| (p.id.clone(), p)).collect();
    let seen = std::sync::Arc::new(seen);
    let mut sent = 0;
    for chunk in months.chunks(500) {
        let (chunk, link, seen) = (chunk.to_vec(), link.clone(), seen.clone());
        sent += db
            .transaction(move |c| remind_chunk(c, &chunk, &seen, &link))
            .await?;
    }
    Ok(sent)
}

fn remind_chunk(
    c: &mut DbConnection,
    months: &[UnreportedMonth],
    seen: &HashMap<String, PlacementRow>,
    link: &str,
) -> Result<usize, AppError> {
    let rows: Vec<PlacementRow> = months
        .iter()
        .filter_map(|m| seen.get(&m.placement_id).cloned())
        .collect();
    let names = placements::names_of(c, &rows)?;
    let mut facts: HashMap<String, Option<OpeningFacts>> = HashMap::new();
    let mut members = HashMap::new();
    let mut sent = 0;
    for m in months {
        if !facts.contains_key(&m.opening_id) {
            facts.insert(m.opening_id.clone(), openings::facts_of(c, &m.opening_id)?);
        }
        if !members.contains_key(&m.organisation_id) {
            let list = crate::accounts::service::member_contacts(c, &m.organisation_id)?;
            members.insert(m.organisation_id.clone(), list);
        }
        let step = if m.overdue { "overdue" } else { "due" };
        let person = names.get(&m.placement_id).cloned().unwrap_or_default();
        let f = facts.get(&m.opening_id).cloned().flatten();
        for (member, to, locale) in members.get(&m.organisation_id).cloned().unwrap_or_default() {
            let title = f
                .as_ref()
                .map(|f| openings::title_in(f, locale))
                .unwrap_or_default();
            let data = serde_json::json!({
                "step": step, "opening_title": title, "person_name": person,
                "period": m.period, "due_date": m.due_on.to_string(), "link": link,
            });
            // Once per step, month and member, however often the job runs.
            if notify(
                c,
                &to,
                EmailTemplate::WageReportReminder,
                locale,
                data,
                &format!(
                    "wage_report_reminder:{step}:{}:{}:{member}",
                    m.placement_id, m.period
                ),
            )? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

pub async fn remind_job(ctx: JobContext, _job: Job) -> Result<(), JobError> {
    let sent = remind(&ctx.db, &ctx.settings)
        .await
        .map_err(|e| JobError::Retry(format!("{e:?}")))?;
    tracing::info!(sent, "wage report reminders");
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OverduePage {
    pub items: Vec<UnreportedMonth>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// When the list was computed (overdue is judged on this day, Asia/Almaty).
    pub as_of: DateTime<Utc>,
}

fn cursor_of(m: &UnreportedMonth) -> String {
    crate::paging::wrap(&format!("{}|{}", m.placement_id, m.period))
}

fn read_cursor(cursor: &str) -> Option<(String, String)> {
    let text = crate::paging::unwrap_text(cursor)?;
    let (placement, period) = text.split_once('|')?;
    report::parse_period(period)?;
    if placement.is_empty() || placement.len() > 64 {
        return None;
    }
    Some((placement.to_owned(), period.to_owned()))
}

/// Overdue wage reports by placement and month: all for case workers, her organisation's for an
/// employer.
pub async fn overdue(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    cursor: Option<String>,
    limit: i64,
) -> Result<OverduePage, AppError> {
    let organisation = user.staff_or_own_organisation(Permission::ViewPayouts)?;
    let after = match cursor {
        Some(c) => Some(read_cursor(&c).ok_or_else(crate::paging::invalid)?),
        None => None,
    };
    let today = db.today();
    let as_of = db.now().and_utc();
    let due_day = settings.wage_report_due_day;
    let limit = usize::try_from(limit).unwrap_or(1).max(1);
    db.run(move |c| {
        // Only overdue months are listed: a month still within its due date is not late.
        let mut items = Vec::new();
        let mut after = after;
        loop {
            let (found, _) = unreported(
                c,
                organisation.as_deref(),
                after.clone(),
                limit + 1 - items.len(),
                today,
                due_day,
            )?;
            let exhausted = found.len() < limit + 1 - items.len();
            let Some(last) = found.last() else { break };
            after = Some((last.placement_id.clone(), last.period.clone()));
            items.extend(found.into_iter().filter(|m| m.overdue));
            if items.len() > limit || exhausted {
                break;
            }
        }
        let more = items.len() > limit;
        items.truncate(limit);
        let mut ids: Vec<String> = items.iter().map(|m| m.organisation_id.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        let names = crate::organisations::service::names(c, &ids)?;
        for m in &mut items {
            m.organisation_name = names.get(&m.organisation_id).cloned().unwrap_or_default();
        }
        let next_cursor = more.then(|| items.last().map(cursor_of)).flatten();
        Ok(OverduePage {
            items,
            next_cursor,
            as_of,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_forged_one_is_refused() {
        let m = UnreportedMonth {
            placement_id: "0193-abc".into(),
            organisation_id: "o".into(),
            organisation_name: "ТОО «Береке»".into(),
            opening_id: "j".into(),
            period: "2027-02".into(),
            due_on: NaiveDate::from_ymd_opt(2027, 3, 10).unwrap_or_default(),
            overdue: true,
        };
        assert_eq!(
            read_cursor(&cursor_of(&m)),
            Some(("0193-abc".into(), "2027-02".into()))
        );
        assert_eq!(read_cursor(&crate::paging::wrap("x|2027-13")), None);
        assert_eq!(read_cursor("not a cursor"), None);
    }
}
