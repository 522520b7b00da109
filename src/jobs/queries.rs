//! The only code that touches the `jobs` table.

use chrono::NaiveDateTime;
use diesel::{
    dsl::{count_star, max},
    prelude::*,
    sql_types::{Text, Timestamp},
};

use super::model::{Job, JobState, NewJobRow};
use crate::db::{DbConnection, schema::jobs};

/// Inserts the job unless one with the same dedup key exists. Returns whether it was inserted.
pub fn insert(conn: &mut DbConnection, row: &NewJobRow) -> QueryResult<bool> {
    let inserted = crate::dispatch!(conn, |c| diesel::insert_into(jobs::table)
        .values(row)
        .on_conflict(jobs::dedup_key)
        .do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Inserts many jobs, skipping those whose dedup key exists; returns how many were inserted. A
/// few multi-row statements instead of one per job: a payout cycle or a matching round queues
/// one email per person.
pub fn insert_many(conn: &mut DbConnection, rows: &[NewJobRow]) -> QueryResult<usize> {
    let mut inserted = 0;
    // 11 columns: 1,000 rows stay under both backends' bound-parameter limits.
    for chunk in rows.chunks(1000) {
        inserted += crate::dispatch!(conn, |c| diesel::insert_into(jobs::table)
            .values(chunk)
            .on_conflict(jobs::dedup_key)
            .do_nothing()
            .execute(c))?;
    }
    Ok(inserted)
}

/// Claims the next due job for `worker`: a running one whose lease has expired (its worker died),
/// else the queued job due first. The claim is one statement, so two workers never get the same
/// job: PostgreSQL skips rows another transaction has locked, SQLite serialises writers.
/// Taking over a running job counts a stall (its worker stopped while running it).
/// Each kind of candidate is looked up on its own, so each is one step down the `(state, run_at)`
/// index: one `OR` of both made the planner scan and sort the whole table on every claim (3 ms
/// at 10,000 queued emails, growing with the table; finished jobs stay for days).
pub fn claim(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Option<Job>> {
    const PG: &str = "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
        stalls = stalls + CASE WHEN state = 'running' THEN 1 ELSE 0 END, locked_by = $1, \
        locked_until = $2, updated_at = $3 \
        WHERE id = COALESCE( \
            (SELECT id FROM jobs WHERE state = 'running' AND locked_until < $3 \
                ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED), \
            (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= $3 \
                ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)) \
        RETURNING *";
    const SQLITE: &str = "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
        stalls = stalls + CASE WHEN state = 'running' THEN 1 ELSE 0 END, locked_by = ?1, \
        locked_until = ?2, updated_at = ?3 \
        WHERE id = COALESCE( \
            (SELECT id FROM jobs WHERE state = 'running' AND locked_until < ?3 \
                ORDER BY run_at, id LIMIT 1), \
            (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= ?3 \
                ORDER BY run_at, id LIMIT 1)) \
        RETURNING *";
    let mut found = match conn {
        DbConnection::Pg(c) => diesel::sql_query(PG)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .load::<Job>(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(SQLITE)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .load::<Job>(c)?,
    };
    Ok(found.pop())
}

/// Extends the lease of a job this worker still holds. Returns false if it lost the job.
pub fn extend_lease(
    conn: &mut DbConnection,
    id: &str,
    worker: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(held(id, worker))
        .set(jobs::locked_until.eq(lease_until))
        .execute(conn)?;
    Ok(n == 1)
}

/// The job `id` while `worker` holds its lease.
type Held<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<jobs::table, diesel::dsl::Eq<jobs::id, &'a str>>,
        diesel::dsl::Eq<jobs::locked_by, &'a str>,
    >,
    diesel::dsl::Eq<jobs::state, &'static str>,
>;

fn held<'a>(id: &'a str, worker: &'a str) -> Held<'a> {
    jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::locked_by.eq(worker))
        .filter(jobs::state.eq(JobState::Running.as_str()))
}

/// Replaces a job's payload (a sent email's, without its secrets).
pub fn replace_payload(conn: &mut DbConnection, id: &str, payload: &str) -> QueryResult<()> {
    diesel::update(jobs::table.filter(jobs::id.eq(id)))
        .set(jobs::payload.eq(payload))
        .execute(conn)
        .map(|_| ())
}

/// Marks a job this worker holds as done. Returns false if its lease had passed to another worker.
pub fn complete(
    conn: &mut DbConnection,
    id: &str,
    worker: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(held(id, worker))
        .set((
            jobs::state.eq(JobState::Done.as_str()),
            jobs::finished_at.eq(Some(now)),
            jobs::updated_at.eq(now),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: back to `queued` at `retry_at`, or `dead` when there is none.
pub fn fail(
    conn: &mut DbConnection,
    id: &str,
    worker: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let (state, run_at, finished) = match retry_at {
        Some(at) => (JobState::Queued, at, None),
        None => (JobState::Dead, now, Some(now)),
    };
    let n = diesel::update(held(id, worker))
        .set((
            jobs::state.eq(state.as_str()),
            jobs::run_at.eq(run_at),
            jobs::finished_at.eq(finished),
            jobs::last_error.eq(Some(error)),
            jobs::updated_at.eq(now),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn find_by_dedup_key(conn: &mut DbConnection, key: &str) -> QueryResult<Job> {
    jobs::table
        .filter(jobs::dedup_key.eq(key))
        .select(Job::as_select())
        .first(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Job>> {
    jobs::table
        .filter(jobs::id.eq(id))
        .select(Job::as_select())
        .first(conn)
        .optional()
}

/// A page of jobs of one kind, newest first (ids are UUIDv7, so they sort by creation).
pub fn list(
    conn: &mut DbConnection,
    kind: &str,
    states: &[JobState],
    before_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Job>> {
    let mut q = jobs::table
        .filter(jobs::kind.eq(kind))
        .select(Job::as_select())
        .into_boxed();
    if !states.is_empty() {
        q = q.filter(jobs::state.eq_any(states.iter().map(|s| s.as_str()).collect::<Vec<_>>()));
    }
    if let Some(before) = before_id {
        q = q.filter(jobs::id.lt(before.to_owned()));
    }
    q.order(jobs::id.desc()).limit(limit).load(conn)
}

/// Jobs of one kind whose payload names `address` as its recipient (`"to":"…"`, as emails are
/// written), oldest first. A text search: the caller checks each payload.
pub fn emails_to(conn: &mut DbConnection, kind: &str, address: &str) -> QueryResult<Vec<Job>> {
    let escaped: String = address
        .chars()
        .flat_map(|ch| match ch {
            '%' | '_' | '\\' => vec!['\\', ch],
            _ => vec![ch],
        })
        .collect();
    let pattern = format!("%\"to\":\"{escaped}\"%");
    jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::payload.like(pattern).escape('\\'))
        .order(jobs::id.asc())
        .select(Job::as_select())
        .load(conn)
}

/// Puts a dead job back in the queue with fresh attempts (and a fresh retry window).
pub fn requeue_dead(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::state.eq(JobState::Dead.as_str())),
    )
    .set(requeued(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Puts every dead job of `kind` back in the queue, as [`requeue_dead`] does one. Returns how many.
pub fn requeue_all_dead(
    conn: &mut DbConnection,
    kind: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(jobs::state.eq(JobState::Dead.as_str())),
    )
    .set(requeued(now))
    .execute(conn)
}

#[allow(clippy::type_complexity)]
fn requeued(
    now: NaiveDateTime,
) -> (
    diesel::dsl::Eq<jobs::state, &'static str>,
    diesel::dsl::Eq<jobs::attempts, i32>,
    diesel::dsl::Eq<jobs::stalls, i32>,
    diesel::dsl::Eq<jobs::run_at, NaiveDateTime>,
    diesel::dsl::Eq<jobs::queued_at, Option<NaiveDateTime>>,
    diesel::dsl::Eq<jobs::finished_at, Option<NaiveDateTime>>,
    diesel::dsl::Eq<jobs::updated_at, NaiveDateTime>,
) {
    (
        jobs::state.eq(JobState::Queued.as_str()),
        jobs::attempts.eq(0),
        jobs::stalls.eq(0),
        jobs::run_at.eq(now),
        jobs::queued_at.eq(Some(now)),
        jobs::finished_at.eq(None::<NaiveDateTime>),
        jobs::updated_at.eq(now),
    )
}

/// (kind, state, count) for every kind and state present.
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i64)>> {
    jobs::table
        .group_by((jobs::kind, jobs::state))
        .select((jobs::kind, jobs::state, count_star()))
        .load(conn)
}

/// The latest occurrence of a scheduled job ever enqueued.
pub fn latest_occurrence(
    conn: &mut DbConnection,
    kind: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    jobs::table
        .filter(jobs::kind.eq(kind))
        .select(max(jobs::scheduled_for))
        .first(conn)
}

/// Deletes finished jobs older than `cutoff`. Dead ones stay for people to look at.
pub fn purge_done(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        jobs::table
            .filter(jobs::state.eq(JobState::Done.as_str()))
            .filter(jobs::finished_at.lt(cutoff)),
    )
    .execute(conn)
}

// --- erasure ---

/// Jobs whose payload or last error contains `value` (a text search; the caller checks each).
pub fn containing(conn: &mut DbConnection, value: &str) -> QueryResult<Vec<Job>> {
    let pattern = crate::db::like_containing(value);
    jobs::table
        .filter(
            jobs::payload
                .like(pattern.clone())
                .escape('\\')
                .or(jobs::last_error.like(pattern).escape('\\')),
        )
        .order(jobs::id.asc())
        .select(Job::as_select())
        .load(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(jobs::table.filter(jobs::id.eq(id))).execute(conn)
}

/// Replaces a job's payload and last error (a person's values taken out).
pub fn replace_payload_and_error(
    conn: &mut DbConnection,
    id: &str,
    payload: &str,
    last_error: Option<&str>,
) -> QueryResult<()> {
    diesel::update(jobs::table.filter(jobs::id.eq(id)))
        .set((jobs::payload.eq(payload), jobs::last_error.eq(last_error)))
        .execute(conn)
        .map(|_| ())
}
