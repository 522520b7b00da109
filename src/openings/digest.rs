//! The weekly digest: each verified seeker who has not turned it off hears of the openings
//! published in the last seven days that fit her (the recommendation score, in programmes she is
//! eligible for) — at most one email per person per ISO week, however many instances run the job
//! (the email's key names her and the week), and none when nothing new fits.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::Datelike;

use super::{model::WorkTime, queries, service::OpeningFacts};
use crate::{
    config::Settings,
    db::{Db, DbConnection},
    error::AppError,
    jobs::{Job, JobContext, JobError},
    notifications::{EmailTemplate, notify},
    seekers::service::WorkPreferences,
};

/// The job kind of the digest.
pub const SEND_OPENINGS_DIGEST: &str = "send_openings_digest";

/// An opening fits her when its recommendation score (0–100) is at least this: e.g. no skills
/// asked and a neighbouring district with her hours, or her skills in her district.
pub const MIN_SCORE: i32 = 50;

/// Openings in one digest at most.
pub const MAX_OPENINGS: usize = 5;

/// Seekers handled per transaction.
const PAGE: i64 = 500;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DigestRun {
    /// New openings this week.
    pub openings: usize,
    pub seekers: usize,
    /// Digests queued by this run.
    pub sent: usize,
}

/// The `YYYY-Www` of a day: one digest per person per such week.
pub fn week_of(day: chrono::NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// Which of `fresh` go in her digest: those in programmes she may join that fit her, best first
/// (then the nearest deadline), at most [`MAX_OPENINGS`].
pub fn pick<'a>(
    fresh: &'a [OpeningFacts],
    eligible: &HashSet<String>,
    prefs: &WorkPreferences,
) -> Vec<&'a OpeningFacts> {
    let mut fits: Vec<(i32, &OpeningFacts)> = fresh
        .iter()
        .filter(|f| eligible.contains(&f.programme_id))
        .map(|f| (f.fit(prefs, f.capacity - f.places_given).score, f))
        .filter(|(score, _)| *score >= MIN_SCORE)
        .collect();
    fits.sort_by(|(a, fa), (b, fb)| {
        b.cmp(a)
            .then(fa.application_deadline.cmp(&fb.application_deadline))
            .then(fa.id.cmp(&fb.id))
    });
    fits.into_iter()
        .take(MAX_OPENINGS)
        .map(|(_, f)| f)
        .collect()
}

/// Sends this week's digests.
pub async fn send(db: &Db, settings: &Settings) -> Result<DigestRun, AppError> {
    let today = db.today();
    let since = db.now() - chrono::Duration::days(7);
    let fresh: Vec<OpeningFacts> = db
        .run(move |c| {
            queries::published_since(c, since, today)?
                .into_iter()
                .map(super::service::facts_of_row)
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await?;
    let mut run = DigestRun {
        openings: fresh.len(),
        ..DigestRun::default()
    };
    if fresh.is_empty() {
        return Ok(run); // nothing new: nobody is written to
    }
    let fresh = Arc::new(fresh);
    let base = settings.public_url.trim_end_matches('/').to_owned();
    let week = week_of(today);
    let mut after: Option<String> = None;
    loop {
        let (fresh, base, week, from) = (fresh.clone(), base.clone(), week.clone(), after.clone());
        let (seen, sent, last) = db
            .transaction(move |c| page(c, &fresh, from.as_deref(), today, &base, &week))
            .await?;
        run.seekers += seen;
        run.sent += sent;
        match last {
            Some(l) => after = Some(l),
            None => break,
        }
    }
    Ok(run)
}

/// One page of seekers: (seekers looked at, digests queued, the last id; `None` when done).
fn page(
    c: &mut DbConnection,
    fresh: &[OpeningFacts],
    after: Option<&str>,
    today: chrono::NaiveDate,
    base: &str,
    week: &str,
) -> Result<(usize, usize, Option<String>), AppError> {
    let seekers = crate::seekers::service::with_preferences(c, after, PAGE)?;
    let Some(last) = seekers.last().map(|(id, _)| id.clone()) else {
        return Ok((0, 0, None));
    };
    let ids: Vec<String> = seekers.iter().map(|(id, _)| id.clone()).collect();
    let contacts = crate::accounts::service::verified_contacts(c, &ids)?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut sent = 0;
    for (id, prefs) in &seekers {
        let Some((to, locale)) = contacts.get(id) else {
            continue;
        };
        let eligible: HashSet<String> = crate::seekers::service::decisions(c, id, today)?
            .into_iter()
            .filter(|d| d.eligible)
            .map(|d| d.programme_id)
            .collect();
        let chosen = pick(fresh, &eligible, prefs);
        if chosen.is_empty() {
            continue; // nothing new fits her
        }
        let missing: Vec<String> = chosen
            .iter()
            .map(|f| f.organisation_id.clone())
            .filter(|o| !names.contains_key(o))
            .collect();
        names.extend(crate::organisations::service::names(c, &missing)?);
        let openings: Vec<serde_json::Value> = chosen
            .iter()
            .map(|f| {
                serde_json::json!({
                    "title": super::service::title_in(f, *locale),
                    "organisation_name": names.get(&f.organisation_id).cloned().unwrap_or_default(),
                    "district": f.district,
                    "kind": f.kind.as_str(),
                    "employment": if f.employment == WorkTime::PartTime { "part_time" } else { "full_time" },
                    "link": format!("{base}/openings/{}", f.id),
                })
            })
            .collect();
        let data = serde_json::json!({
            "openings": openings, "count": chosen.len(), "link": format!("{base}/"),
        });
        if notify(
            c,
            to,
            EmailTemplate::OpeningsDigest,
            *locale,
            data,
            &format!("openings_digest:{id}:{week}"),
        )? {
            sent += 1;
        }
    }
    Ok((seekers.len(), sent, Some(last)))
}

pub async fn digest_job(ctx: JobContext, _job: Job) -> Result<(), JobError> {
    let run = send(&ctx.db, &ctx.settings)
        .await
        .map_err(|e| JobError::Retry(format!("{e:?}")))?;
    tracing::info!(
        openings = run.openings,
        seekers = run.seekers,
        sent = run.sent,
        "openings digest"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_is_the_iso_week_across_a_year_end() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(week_of(d(2026, 12, 31)), "2026-W53");
        assert_eq!(week_of(d(2027, 1, 3)), "2026-W53");
        assert_eq!(week_of(d(2027, 1, 4)), "2027-W01");
    }
}
