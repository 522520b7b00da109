//! Matching rounds: a case worker starts one; a background job loads the snapshot (stored with the
//! round before anything is computed), runs the pure algorithm, and persists every result, offer
//! and email in one transaction — so a round that fails leaves no partial offers, and re-running
//! from the stored snapshot and seed gives the same result.

use crate::reports::tally::{self as reports, Metric};
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    algorithm::{self, Application, Market, Seeker},
    explain::Outcome,
    queries::{self, OfferRow, ResultRow, RoundRow},
};
use crate::access::{Caller, Permission};
use crate::locale::Locale;
use crate::{
    audit::{self, AuditEvent},
    config::Settings,
    db::{Db, DbConnection},
    error::{AppError, internal},
    jobs::{Job, JobContext, JobError, JobRequest},
    messages::{FieldMsg, Msg},
    notifications::{EmailTemplate, Notice, notify_many},
    openings::{model::OpeningKind, service as openings},
    seekers::service::almaty_today,
};

/// The job kind that runs a round.
pub const RUN_MATCHING_ROUND: &str = "run_matching_round";
/// Names the algorithm and its tie-breaking, stored with every round.
pub const ALGORITHM: &str = "seeker-proposing-deferred-acceptance/single-lottery/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoundStatus {
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    pub programme_id: String,
    /// `job` or `course`: which openings of the programme the round gives out.
    pub kind: OpeningKind,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub id: String,
    pub programme_id: String,
    pub kind: OpeningKind,
    pub status: RoundStatus,
    /// 0–100.
    pub progress: i32,
    /// The lottery seed (with the stored snapshot, reproduces the round).
    pub seed: i64,
    pub rules_version: i32,
    pub algorithm: String,
    pub seekers: i32,
    pub applications: i32,
    pub offers: i32,
    /// Set when the round failed (details are in the service's log).
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn view(r: RoundRow) -> Result<RoundView, AppError> {
    Ok(RoundView {
        kind: OpeningKind::parse(&r.kind).ok_or_else(|| internal(anyhow::anyhow!("kind")))?,
        status: match r.status.as_str() {
            "running" => RoundStatus::Running,
            "completed" => RoundStatus::Completed,
            _ => RoundStatus::Failed,
        },
        id: r.id,
        programme_id: r.programme_id,
        progress: r.progress,
        seed: r.seed,
        rules_version: r.rules_version,
        algorithm: r.algorithm,
        seekers: r.seekers,
        applications: r.applications,
        offers: r.offers,
        error: r.error,
        created_at: r.created_at.and_utc(),
        finished_at: r.finished_at.map(|t| t.and_utc()),
    })
}

/// Starts a round (202): the database refuses a second running round for the same programme
/// and kind.
pub async fn start(db: &Db, user: &Caller, input: NewRound) -> Result<RoundView, AppError> {
    user.require(Permission::RunMatching)?;
    let user = user.clone();
    db.transaction(move |c| {
        let programme = crate::programmes::service::find(c, &input.programme_id)?
            .ok_or_else(|| AppError::field("programme_id", FieldMsg::Unknown))?;
        if programme.kind.as_str() != input.kind.programme_kind() {
            return Err(AppError::field("kind", FieldMsg::NotForThisKind));
        }
        let row = RoundRow {
            id: uuid::Uuid::now_v7().to_string(),
            programme_id: programme.id.clone(),
            kind: input.kind.as_str().to_owned(),
            status: "running".into(),
            // Positive, so it reads the same in every tool.
            seed: (rand::random::<u64>() >> 1) as i64,
            rules_version: programme.version,
            algorithm: ALGORITHM.into(),
            progress: 0,
            seekers: 0,
            applications: 0,
            offers: 0,
            error: None,
            started_by: user.account_id.clone(),
            created_at: crate::db::now(),
            finished_at: None,
        };
        start_in(c, &row).map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => AppError::Conflict(Msg::RoundAlreadyRunning),
            other => other.into(),
        })?;
        audit::record(
            c,
            &user.actor,
            AuditEvent {
                action: "matching_round.started",
                entity: "matching_round",
                entity_id: &row.id,
                before: None,
                after: Some(serde_json::json!({
                    "programme_id": row.programme_id, "kind": row.kind,
                    "seed": row.seed, "rules_version": row.rules_version,
                })),
            },
        )?;
        view(row)
    })
    .await
}

/// Inserts a running round and its job (also used by `seed-demo`).
pub fn start_in(c: &mut DbConnection, row: &RoundRow) -> diesel::QueryResult<()> {
    queries::insert_round(c, row)?;
    crate::jobs::enqueue(
        c,
        &JobRequest {
            kind: RUN_MATCHING_ROUND.into(),
            payload: serde_json::json!({ "round_id": row.id }),
            dedup_key: format!("matching_round:{}", row.id),
            run_at: None,
            scheduled_for: None,
        },
    )?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoundPage {
    pub items: Vec<RoundView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Rounds newest first, of one programme or all (case workers).
pub async fn list(
    db: &Db,
    user: &Caller,
    programme_id: Option<String>,
    cursor: Option<String>,
    limit: i64,
) -> Result<RoundPage, AppError> {
    user.require(Permission::RunMatching)?;
    let after = crate::paging::instant_and_id(cursor)?;
    db.run(move |c| {
        let mut rows = queries::rounds(c, programme_id.as_deref(), after, limit + 1)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last())
            .flatten()
            .map(|r| crate::paging::of_instant_and_id(r.created_at, &r.id));
        let items = rows.into_iter().map(view).collect::<Result<Vec<_>, _>>()?;
        Ok(RoundPage { items, next_cursor })
    })
    .await
}

pub async fn get(db: &Db, user: &Caller, id: String) -> Result<RoundView, AppError> {
    user.require(Permission::RunMatching)?;
    db.run(move |c| view(queries::round(c, &id)?.ok_or(AppError::NotFound)?))
        .await
}

// --- the run ---

/// The algorithm's input with the ids it stands for: stored with the round before computing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub market: Market,
    pub today: NaiveDate,
    pub seeker_ids: Vec<String>,
    pub opening_ids: Vec<String>,
    /// Per seeker, her applications' ids in the order of `market.seekers[i].applications`
    /// (UUIDs, written as text: sixteen bytes each in memory, five million in a national round).
    pub application_ids: Vec<Vec<uuid::Uuid>>,
    /// Applications of seekers not eligible at the round: (application, seeker, opening).
    pub ineligible: Vec<(uuid::Uuid, String, String)>,
}

/// Reads everything the round decides on, in one transaction.
pub fn build_snapshot(c: &mut DbConnection, round: &RoundRow) -> Result<Snapshot, AppError> {
    let today = almaty_today();
    let programme = crate::programmes::service::find(c, &round.programme_id)?
        .ok_or_else(|| internal(anyhow::anyhow!("programme of a round vanished")))?;
    let kind = OpeningKind::parse(&round.kind).ok_or_else(|| internal(anyhow::anyhow!("kind")))?;
    let openings = openings::published_in(c, &round.programme_id, kind)?;
    let opening_ids: Vec<String> = openings.iter().map(|o| o.id.clone()).collect();
    let pending: HashMap<String, i64> = queries::pending_per_opening(c, &opening_ids)?
        .into_iter()
        .collect();
    // Places to give: capacity less places taken and places held by unanswered offers.
    let capacities: Vec<u32> = openings
        .iter()
        .map(|o| {
            let held = i64::from(o.places_given) + pending.get(&o.id).copied().unwrap_or(0);
            (i64::from(o.capacity) - held).max(0) as u32
        })
        .collect();
    let by_seeker = queries::waiting_for_round(c, &round.programme_id, &opening_ids)?;
    let mut snapshot = Snapshot {
        market: Market {
            capacities: capacities.clone(),
            seekers: Vec::with_capacity(by_seeker.len()),
        },
        today,
        seeker_ids: Vec::with_capacity(by_seeker.len()),
        opening_ids: opening_ids.clone(),
        application_ids: Vec::with_capacity(by_seeker.len()),
        ineligible: Vec::new(),
    };
    // A thousand seekers' facts at a time: a million seekers' preferences never sit in memory.
    let mut seekers = by_seeker.into_iter().peekable();
    while seekers.peek().is_some() {
        let block: Vec<(String, Vec<queries::Waiting>)> = seekers.by_ref().take(1000).collect();
        let ids: Vec<String> = block.iter().map(|(s, _)| s.clone()).collect();
        let facts = crate::seekers::service::matching_facts(c, &programme, &ids, today)?;
        for (seeker, mut apps) in block {
            apps.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.created_at.cmp(&b.created_at)));
            let f = facts.get(&seeker);
            let Some(tier) = f.and_then(|f| f.tier) else {
                snapshot.ineligible.extend(
                    apps.into_iter()
                        .map(|a| (a.id, seeker.clone(), opening_ids[a.opening].clone())),
                );
                continue;
            };
            let mut ids = Vec::with_capacity(apps.len());
            let mut applications = Vec::with_capacity(apps.len());
            for a in apps {
                let o = a.opening;
                let fit = match f.and_then(|f| f.preferences.as_ref()) {
                    Some(p) => openings[o].fit(p, capacities[o] as i32).score,
                    None => 0,
                };
                applications.push(Application {
                    opening: o,
                    tier,
                    fit,
                });
                ids.push(a.id);
            }
            snapshot.market.seekers.push(Seeker {
                lottery: 0,
                applications,
            });
            snapshot.application_ids.push(ids);
            snapshot.seeker_ids.push(seeker);
        }
    }
    // Single tie-breaking: one lottery position per seeker, drawn from the round's seed.
    let positions = algorithm::lottery(round.seed as u64, snapshot.market.seekers.len());
    for (s, p) in snapshot.market.seekers.iter_mut().zip(positions) {
        s.lottery = p;
    }
    Ok(snapshot)
}

/// A stored snapshot's part: a few MiB of its JSON.
pub const SNAPSHOT_PART: usize = 4 << 20;

/// Stores a snapshot's JSON in parts of about `part_bytes` as it is written, so a national
/// round's (~450 MB) is never in memory whole, nor again in the driver's copy of it.
pub fn store_snapshot(
    c: &mut DbConnection,
    round: &str,
    snapshot: &Snapshot,
    part_bytes: usize,
) -> Result<(), AppError> {
    let mut parts = SnapshotParts {
        c,
        round,
        part: 0,
        part_bytes: part_bytes.max(1),
        buf: Vec::with_capacity(part_bytes.min(SNAPSHOT_PART) + 64 * 1024),
        failed: None,
    };
    let written = serde_json::to_writer(&mut parts, snapshot);
    let flushed = written.map_err(std::io::Error::from).and_then(|()| {
        let all = parts.buf.len();
        parts.store(all)
    });
    match (flushed, parts.failed) {
        (_, Some(e)) => Err(e.into()),
        (Err(e), None) => Err(internal(e)),
        (Ok(()), None) => Ok(()),
    }
}

/// The writer [`store_snapshot`] serialises into.
struct SnapshotParts<'a> {
    c: &'a mut DbConnection,
    round: &'a str,
    part: i32,
    part_bytes: usize,
    buf: Vec<u8>,
    /// The database's error, kept to be returned as itself rather than as an I/O error.
    failed: Option<diesel::result::Error>,
}

impl SnapshotParts<'_> {
    /// Stores the first `end` bytes as the next part.
    fn store(&mut self, end: usize) -> std::io::Result<()> {
        if end == 0 {
            return Ok(());
        }
        let text = std::str::from_utf8(&self.buf[..end]).map_err(std::io::Error::other)?;
        if let Err(e) = queries::store_snapshot_part(self.c, self.round, self.part, text) {
            self.failed = Some(e);
            return Err(std::io::Error::other("a snapshot part was not stored"));
        }
        self.part += 1;
        self.buf.drain(..end);
        Ok(())
    }
}

impl std::io::Write for SnapshotParts<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= self.part_bytes {
            // Each part is text on its own: cut where a character ends.
            let end = match std::str::from_utf8(&self.buf) {
                Ok(_) => self.buf.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(e) => return Err(std::io::Error::other(e)),
            };
            self.store(end)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What persisting produced, for the round's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Persisted {
    pub offers: usize,
}

/// Seekers persisted at a time: a national round's five million results never sit in memory at
/// once, and each block's rows go in a few multi-row statements.
const PERSIST_BLOCK: usize = 10_000;

/// Writes the results, offers, application statuses and emails, and completes the round — all in
/// the caller's transaction.
pub fn persist(
    c: &mut DbConnection,
    round: &RoundRow,
    snapshot: &Snapshot,
    outcome: &algorithm::Outcome,
    settings: &Settings,
) -> Result<Persisted, AppError> {
    let now = crate::db::now();
    let expires_at = now + Duration::days(i64::from(settings.offer_ttl_days));
    // Openings' and employers' facts are loaded as a block first needs them: only openings with an
    // offer or a first choice left unmatched are written about, and loading all of a national
    // programme's 50,000 openings was a fixed cost that dominated a small round.
    let mut facts: HashMap<String, crate::openings::service::OpeningFacts> = HashMap::new();
    let mut told = Told {
        orgs: HashMap::new(),
        link: format!("{}/offers", settings.public_url.trim_end_matches('/')),
        expires_local: expires_at
            .and_utc()
            .with_timezone(&chrono_tz::Asia::Almaty)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    };
    let (month, mut tally) = (reports::this_month(), reports::Tally::new());
    let mut made = 0;
    let seekers = snapshot.seeker_ids.len();
    for from in (0..seekers).step_by(PERSIST_BLOCK) {
        let to = (from + PERSIST_BLOCK).min(seekers);
        let mut results = Vec::new();
        let mut offers = Vec::new();
        let mut offered_ids = Vec::new();
        // Per seeker without an offer: the outcome of her first choice, for her email.
        let mut first_reason: Vec<(&str, Outcome, usize)> = Vec::new();
        for i in from..to {
            let seeker = &snapshot.seeker_ids[i];
            let explanations = outcome.explanations.get(i).cloned().unwrap_or_default();
            for (j, app_id) in snapshot.application_ids[i].iter().enumerate() {
                let o: Outcome = explanations
                    .get(j)
                    .copied()
                    .map(Outcome::from)
                    .unwrap_or(Outcome::NoPlaces);
                let opening = snapshot.market.seekers[i].applications[j].opening;
                let opening_id = snapshot.opening_ids[opening].clone();
                let app_id = app_id.to_string();
                if o.offered() {
                    offered_ids.push(app_id.clone());
                    offers.push(OfferRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        round_id: round.id.clone(),
                        application_id: app_id.clone(),
                        seeker_id: seeker.clone(),
                        opening_id: opening_id.clone(),
                        status: "pending".into(),
                        expires_at,
                        reminded_at: None,
                        decided_at: None,
                        created_at: now,
                    });
                }
                if j == 0 && outcome.assignment.get(i).copied().flatten().is_none() {
                    first_reason.push((seeker, o, opening));
                }
                results.push(ResultRow {
                    round_id: round.id.clone(),
                    application_id: app_id,
                    seeker_id: seeker.clone(),
                    opening_id,
                    offered: o.offered(),
                    explanation: serde_json::to_string(&o).map_err(internal)?,
                });
            }
        }
        let needed: Vec<String> = offers
            .iter()
            .map(|o| o.opening_id.clone())
            .chain(
                first_reason
                    .iter()
                    .map(|(_, _, o)| snapshot.opening_ids[*o].clone()),
            )
            .filter(|id| !facts.contains_key(id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let loaded = openings::facts_of_many(c, &needed)?;
        let new_orgs: Vec<String> = loaded
            .values()
            .map(|f| f.organisation_id.clone())
            .filter(|o| !told.orgs.contains_key(o))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        told.orgs
            .extend(crate::organisations::service::names(c, &new_orgs)?);
        for (id, f) in loaded {
            tally.know(&f);
            facts.insert(id, f);
        }
        // Only offered applications change status. One left waiting keeps its own (its result
        // says "not matched, and why"): rewriting every considered application was most of a
        // national round's time. Statuses first: the results' and offers' foreign keys then
        // find applications this transaction has already updated, with no row lock to write.
        queries::mark_offered(c, &offered_ids, &round.id, now)?;
        queries::insert_results(c, &results)?;
        queries::insert_offers(c, &offers)?;
        for o in &offers {
            tally.add(c, &o.opening_id, &month, Metric::Offers, 1, 0)?;
        }
        // Emails: each offer, and one note to each seeker left without one.
        let mut to_notify: Vec<String> = offers.iter().map(|o| o.seeker_id.clone()).collect();
        to_notify.extend(first_reason.iter().map(|(s, _, _)| (*s).to_owned()));
        let contacts = crate::accounts::service::contacts(c, &to_notify)?;
        let mut notices = Vec::with_capacity(to_notify.len());
        for o in &offers {
            let (Some((to, locale)), Some(f)) =
                (contacts.get(&o.seeker_id), facts.get(&o.opening_id))
            else {
                continue;
            };
            notices.push(told.offer_made(to, *locale, f, &o.id));
        }
        for (seeker, reason, opening) in &first_reason {
            let (Some((to, locale)), Some(f)) = (
                contacts.get(*seeker),
                facts.get(&snapshot.opening_ids[*opening]),
            ) else {
                continue;
            };
            notices.push(told.not_matched(to, *locale, f, *reason, &round.id, seeker));
        }
        notify_many(c, notices)?;
        made += offers.len();
    }
    let mut results = Vec::new();
    for (app, seeker, opening) in &snapshot.ineligible {
        results.push(ResultRow {
            round_id: round.id.clone(),
            application_id: app.to_string(),
            seeker_id: seeker.clone(),
            opening_id: opening.clone(),
            offered: false,
            explanation: serde_json::to_string(&Outcome::NotEligible).map_err(internal)?,
        });
    }
    queries::insert_results(c, &results)?;
    tally.save(c)?;
    if !queries::finish_round(c, &round.id, "completed", made as i32, None, now)? {
        // Someone else finished it meanwhile: keep nothing of this run.
        return Err(AppError::Conflict(Msg::RoundAlreadyRunning));
    }
    Ok(Persisted { offers: made })
}

/// What a round's emails say besides the person and the opening.
struct Told {
    orgs: HashMap<String, String>,
    link: String,
    expires_local: String,
}

impl Told {
    fn offer_made(
        &self,
        to: &crate::notifications::EmailAddress,
        locale: Locale,
        f: &crate::openings::service::OpeningFacts,
        offer_id: &str,
    ) -> Notice {
        Notice {
            to: to.clone(),
            template: EmailTemplate::OfferUpdate,
            locale,
            data: serde_json::json!({
                "step": "made", "kind": f.kind, "opening_title": openings::title_in(f, locale),
                "organisation_name": self.orgs.get(&f.organisation_id),
                "expires_at": self.expires_local, "start_date": f.start_date, "link": self.link,
            }),
            dedup_key: format!("offer_made:{offer_id}"),
        }
    }

    fn not_matched(
        &self,
        to: &crate::notifications::EmailAddress,
        locale: Locale,
        f: &crate::openings::service::OpeningFacts,
        reason: Outcome,
        round_id: &str,
        seeker: &str,
    ) -> Notice {
        Notice {
            to: to.clone(),
            template: EmailTemplate::OfferUpdate,
            locale,
            data: serde_json::json!({
                "step": "not_matched", "kind": f.kind, "opening_title": openings::title_in(f, locale),
                "organisation_name": self.orgs.get(&f.organisation_id),
                "reason": reason.text(locale), "link": self.link,
            }),
            dedup_key: format!("not_matched:{round_id}:{seeker}"),
        }
    }
}

/// Runs a round to its end: load (or reuse) the snapshot, compute, persist. Any failure marks
/// the round `failed` and leaves nothing of it but the snapshot.
pub async fn run(db: &Db, settings: &Settings, round_id: &str) -> Result<RoundStatus, AppError> {
    Ok(run_timed(db, settings, round_id).await?.0)
}

/// How long each step of a round took (logged, and printed by the benchmark).
#[derive(Debug, Clone, Copy, Default)]
pub struct RoundTimes {
    /// Loading (or reading back) the snapshot.
    pub snapshot: std::time::Duration,
    /// The algorithm.
    pub compute: std::time::Duration,
    /// Writing results, offers, statuses and emails.
    pub persist: std::time::Duration,
}

/// [`run`], with the time of each step.
pub async fn run_timed(
    db: &Db,
    settings: &Settings,
    round_id: &str,
) -> Result<(RoundStatus, RoundTimes), AppError> {
    let mut times = RoundTimes::default();
    let started = std::time::Instant::now();
    let id = round_id.to_owned();
    let prepared = db
        .transaction(move |c| {
            crate::db::bulk(c, |c| {
                let Some(round) = queries::round(c, &id)? else {
                    return Ok(None);
                };
                if round.status != "running" {
                    return Ok(None);
                }
                // A round re-run after a crash uses the snapshot it stored, not today's data.
                let snapshot = match queries::snapshot(c, &id)? {
                    Some(s) => serde_json::from_str::<Snapshot>(&s).map_err(internal)?,
                    None => {
                        let s = build_snapshot(c, &round)?;
                        store_snapshot(c, &id, &s, SNAPSHOT_PART)?;
                        let applications = s.application_ids.iter().map(Vec::len).sum::<usize>()
                            + s.ineligible.len();
                        queries::snapshot_stored(
                            c,
                            &id,
                            s.seeker_ids.len() as i32,
                            applications as i32,
                        )?;
                        s
                    }
                };
                Ok::<_, AppError>(Some((round, snapshot)))
            })
        })
        .await;
    let (round, snapshot) = match prepared {
        Ok(Some(p)) => p,
        Ok(None) => return Ok((RoundStatus::Completed, times)),
        Err(e) => return Ok((fail(db, round_id, e).await?, times)),
    };
    times.snapshot = started.elapsed();
    let started = std::time::Instant::now();
    let (snapshot, outcome) = match tokio::task::spawn_blocking(move || {
        let outcome = algorithm::deferred_acceptance(&snapshot.market);
        (snapshot, outcome)
    })
    .await
    {
        Ok(done) => done,
        Err(e) => return Ok((fail(db, round_id, internal(e)).await?, times)),
    };
    times.compute = started.elapsed();
    let started = std::time::Instant::now();
    let settings = settings.clone();
    let persisted = db
        .transaction(move |c| {
            crate::db::bulk(c, |c| {
                queries::set_progress(c, &round.id, 70)?;
                persist(c, &round, &snapshot, &outcome, &settings)
            })
        })
        .await;
    match persisted {
        Ok(p) => {
            times.persist = started.elapsed();
            tracing::info!(
                round = round_id,
                offers = p.offers,
                snapshot_ms = times.snapshot.as_millis() as u64,
                compute_ms = times.compute.as_millis() as u64,
                persist_ms = times.persist.as_millis() as u64,
                "matching round completed"
            );
            Ok((RoundStatus::Completed, times))
        }
        Err(e) => Ok((fail(db, round_id, e).await?, times)),
    }
}

async fn fail(db: &Db, round_id: &str, e: AppError) -> Result<RoundStatus, AppError> {
    tracing::error!(round = round_id, error = ?e, "matching round failed");
    let id = round_id.to_owned();
    db.transaction(move |c| {
        queries::finish_round(
            c,
            &id,
            "failed",
            0,
            Some("the round failed; nothing of it was kept; start a new one"),
            crate::db::now(),
        )
        .map_err(AppError::from)
    })
    .await?;
    Ok(RoundStatus::Failed)
}

/// The `run_matching_round` job. A failed round is recorded on the round, not retried: the case
/// worker starts a new one. If the process dies mid-round the job's lease lapses and the round is
/// run again from its stored snapshot.
pub async fn round_job(ctx: JobContext, job: Job) -> Result<(), JobError> {
    let payload: serde_json::Value = serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    let id = payload["round_id"]
        .as_str()
        .ok_or_else(|| JobError::Permanent("no round_id".into()))?;
    run(&ctx.db, &ctx.settings, id)
        .await
        .map_err(|e| JobError::Retry(format!("{e:?}")))?;
    Ok(())
}

// --- results ---

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub application_id: String,
    pub seeker_id: String,
    pub opening_id: String,
    pub offered: bool,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The explanation in kk, ru and en.
    pub text: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultPage {
    pub round: RoundView,
    pub items: Vec<ResultView>,
    pub next_cursor: Option<String>,
}

/// Where a page of a round's results ends: the last application id given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultCursor(String);

impl ResultCursor {
    pub fn encode(&self) -> String {
        crate::paging::wrap(&format!("a|{}", self.0))
    }

    pub fn decode(cursor: &str) -> Option<ResultCursor> {
        let text = crate::paging::unwrap_text(cursor)?;
        let id = text.strip_prefix("a|")?;
        (!id.is_empty() && id.len() <= 64).then(|| ResultCursor(id.to_owned()))
    }
}

/// Every application's outcome with its explanation, by application id (case workers).
pub async fn results(
    db: &Db,
    user: &Caller,
    id: String,
    cursor: Option<ResultCursor>,
    limit: i64,
) -> Result<ResultPage, AppError> {
    user.require(Permission::RunMatching)?;
    db.run(move |c| {
        let round = view(queries::round(c, &id)?.ok_or(AppError::NotFound)?)?;
        let after = cursor.as_ref().map(|c| c.0.as_str());
        let mut rows = queries::results(c, &id, after, limit + 1)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| {
                rows.last()
                    .map(|r| ResultCursor(r.application_id.clone()).encode())
            })
            .flatten();
        let items = rows
            .into_iter()
            .map(|r| {
                let outcome: Outcome = serde_json::from_str(&r.explanation).map_err(internal)?;
                Ok(ResultView {
                    text: Locale::ALL
                        .iter()
                        .map(|l| (l.code().to_owned(), outcome.text(*l)))
                        .collect(),
                    application_id: r.application_id,
                    seeker_id: r.seeker_id,
                    opening_id: r.opening_id,
                    offered: r.offered,
                    outcome,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(ResultPage {
            round,
            items,
            next_cursor,
        })
    })
    .await
}
