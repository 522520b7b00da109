//! Periodic jobs. tokio-cron-scheduler only *enqueues*: each tick becomes a job whose dedup key names
//! the occurrence (e.g. `purge_finished_jobs:2026-12-01T03:30:00+05:00`), so every instance firing
//! the same tick creates one job between them. Missed occurrences are enqueued at start
//! ([`catch_up`]) because the scheduler does not remember what it missed.

use chrono::{DateTime, Duration as ChronoDuration, NaiveDateTime, SubsecRound, Utc};
use chrono_tz::{Asia::Almaty, Tz};
use croner::{
    Cron,
    parser::{CronParser, Seconds, Year},
};
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

use super::{JobRequest, enqueue, queries};
use crate::db::{Db, DbError};

/// The zone every schedule is read in.
pub const ZONE: Tz = Almaty;

/// Parses a 6-field cron expression (seconds first), the form tokio-cron-scheduler requires.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    if expr.split_whitespace().count() != 6 {
        return Err(format!(
            "'{expr}' must have 6 fields (seconds first), e.g. \"0 30 3 * * *\""
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Disallowed)
        .build()
        .parse(expr)
        .map_err(|e| format!("'{expr}': {e}"))
}

/// The latest occurrence at or before `now`, looking back at most `horizon`.
pub fn latest_occurrence(
    cron: &Cron,
    now: DateTime<Utc>,
    horizon: ChronoDuration,
) -> Option<DateTime<Utc>> {
    // croner carries the start's fraction of a second into what it finds; an occurrence must be
    // the same instant on every instance, so search from whole seconds.
    let local = now.trunc_subsecs(0).with_timezone(&ZONE);
    let found = cron
        .find_previous_occurrence(&local, true)
        .ok()?
        .with_timezone(&Utc);
    (now - found <= horizon).then_some(found)
}

/// Occurrences after `after` and at or before `now`, oldest first, at most `limit` (the newest ones).
pub fn occurrences_between(
    cron: &Cron,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: usize,
) -> Vec<DateTime<Utc>> {
    let mut found: Vec<DateTime<Utc>> = cron
        .iter_after(after.trunc_subsecs(0).with_timezone(&ZONE))
        .map(|t| t.with_timezone(&Utc))
        .take_while(|t| *t <= now)
        .collect();
    if found.len() > limit {
        found.drain(..found.len() - limit);
    }
    found
}

/// The dedup key of one occurrence: the job's name and the occurrence in Almaty time.
pub fn occurrence_key(name: &str, at: DateTime<Utc>) -> String {
    format!("{name}:{}", at.with_timezone(&ZONE).to_rfc3339())
}

/// Enqueues the job for one occurrence; a no-op if any instance already did.
pub async fn enqueue_occurrence(db: &Db, name: &str, at: DateTime<Utc>) -> Result<bool, DbError> {
    let request = JobRequest {
        kind: name.to_owned(),
        payload: serde_json::json!({ "occurrence": at.with_timezone(&ZONE).to_rfc3339() }),
        dedup_key: occurrence_key(name, at),
        run_at: None,
        scheduled_for: Some(at.naive_utc()),
    };
    db.run(move |conn| enqueue(conn, &request).map_err(DbError::from))
        .await
}

/// What a scheduler tick does: enqueue the occurrence the tick stands for. Ticks fire at or just
/// after the occurrence, on each instance a little differently; naming the job by the occurrence
/// (not the clock) gives every instance the same key. Returns the occurrence if this call created it.
pub async fn enqueue_due(
    db: &Db,
    name: &str,
    cron: &Cron,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbError> {
    let Some(at) = latest_occurrence(cron, now, ChronoDuration::hours(1)) else {
        return Ok(None);
    };
    Ok(enqueue_occurrence(db, name, at).await?.then_some(at))
}

/// At most this many missed occurrences of one job are enqueued at start.
const CATCH_UP_LIMIT: usize = 24;

/// Enqueues occurrences missed while no instance was running: those after the latest one ever
/// enqueued (or, on a new database, the latest one) within `horizon` of now.
pub async fn catch_up(
    db: &Db,
    schedule: &[(String, Cron)],
    now: DateTime<Utc>,
    horizon: ChronoDuration,
) -> Result<usize, DbError> {
    let mut enqueued = 0;
    for (name, cron) in schedule {
        let kind = name.clone();
        let last: Option<NaiveDateTime> = db
            .run(move |conn| queries::latest_occurrence(conn, &kind).map_err(DbError::from))
            .await?;
        let window_start = now - horizon;
        let due = match last {
            Some(last) => {
                occurrences_between(cron, last.and_utc().max(window_start), now, CATCH_UP_LIMIT)
            }
            None => latest_occurrence(cron, now, horizon).into_iter().collect(),
        };
        for at in due {
            if enqueue_occurrence(db, name, at).await? {
                tracing::info!(job = %name, occurrence = %at, "enqueued a missed occurrence");
                enqueued += 1;
            }
        }
    }
    Ok(enqueued)
}

/// Starts tokio-cron-scheduler with one entry per configured job; each tick enqueues its occurrence.
pub async fn start(db: Db, schedule: Vec<(String, Cron)>) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    for (name, cron) in schedule {
        let (db, job_name, cron_for_tick) = (db.clone(), name.clone(), cron.clone());
        let job = CronJob::new_async_tz(cron.pattern.to_string(), ZONE, move |_, _| {
            let (db, name, cron) = (db.clone(), job_name.clone(), cron_for_tick.clone());
            Box::pin(async move {
                match enqueue_due(&db, &name, &cron, db.clock().now()).await {
                    Ok(Some(at)) => {
                        tracing::info!(job = %name, occurrence = %at, "scheduled job enqueued")
                    }
                    Ok(None) => tracing::debug!(job = %name, "occurrence already enqueued"),
                    Err(e) => {
                        tracing::error!(job = %name, error = %e, "could not enqueue a scheduled job")
                    }
                }
            })
        })?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    Ok(scheduler)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn five_field_expressions_are_refused() {
        assert!(parse_cron("30 3 * * *").is_err());
        assert!(parse_cron("0 30 3 * * *").is_ok());
        assert!(parse_cron("0 61 3 * * *").is_err());
    }

    #[test]
    fn schedules_are_read_in_almaty_time_utc_plus_5() {
        let cron = parse_cron("0 30 3 * * *").unwrap();
        // 03:30 in Almaty is 22:30 UTC the day before.
        let at =
            latest_occurrence(&cron, utc("2026-12-01T00:00:00Z"), ChronoDuration::days(2)).unwrap();
        assert_eq!(at, utc("2026-11-30T22:30:00Z"));
        assert_eq!(
            occurrence_key("purge", at),
            "purge:2026-12-01T03:30:00+05:00"
        );
    }

    #[test]
    fn occurrences_are_whole_seconds_whatever_the_clock_reads() {
        let cron = parse_cron("0 30 3 * * *").unwrap();
        let a = latest_occurrence(
            &cron,
            utc("2026-12-01T00:00:00.292807309Z"),
            ChronoDuration::days(2),
        )
        .unwrap();
        let b = latest_occurrence(
            &cron,
            utc("2026-12-01T00:00:01.9Z"),
            ChronoDuration::days(2),
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, utc("2026-11-30T22:30:00Z"));
        let missed = occurrences_between(
            &cron,
            utc("2026-11-28T00:00:00.5Z"),
            utc("2026-12-01T00:00:00.7Z"),
            10,
        );
        assert!(
            missed.iter().all(|t| t.timestamp_subsec_nanos() == 0),
            "{missed:?}"
        );
    }

    #[test]
    fn missed_occurrences_are_bounded_and_in_order() {
        let cron = parse_cron("0 0 6 * * *").unwrap();
        let after = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 11, 0, 0, 0).unwrap();
        let all = occurrences_between(&cron, after, now, 100);
        assert_eq!(all.len(), 10);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        let newest = occurrences_between(&cron, after, now, 3);
        assert_eq!(newest, all[7..].to_vec());
    }

    #[test]
    fn latest_occurrence_respects_the_horizon() {
        let cron = parse_cron("0 0 6 1 1 *").unwrap(); // once a year
        assert!(
            latest_occurrence(&cron, utc("2026-06-01T00:00:00Z"), ChronoDuration::days(3))
                .is_none()
        );
    }
}
