//! Sliding-window limits kept in the database, so every instance counts the same attempts.

use chrono::{Duration, NaiveDateTime};

use super::queries;
use crate::{db::DbConnection, error::AppError};

/// A named counter with its limit and window, e.g. failed sign-ins for one account.
#[derive(Debug, Clone)]
pub struct Limit {
    pub bucket: String,
    pub max: u32,
    pub window: Duration,
}

/// 429 with `Retry-After` when the bucket is full: the wait until its oldest event leaves the window.
pub fn check(conn: &mut DbConnection, limit: &Limit, now: NaiveDateTime) -> Result<(), AppError> {
    let (count, oldest) = queries::rate_events_since(conn, &limit.bucket, now - limit.window)?;
    if count < i64::from(limit.max) {
        return Ok(());
    }
    let free_at = oldest.unwrap_or(now) + limit.window;
    let secs = (free_at - now).num_seconds().clamp(1, i64::from(u32::MAX));
    Err(AppError::TooManyRequests {
        retry_after_secs: secs as u32,
    })
}

/// Counts one attempt in every bucket, or none if any is full (429). Inside the caller's
/// transaction, with each bucket locked first: parallel attempts are counted one after another,
/// so 30 at once against a limit of 5 let exactly 5 through. (SQLite's write transactions are
/// already one at a time; PostgreSQL takes a transaction-scoped advisory lock per bucket.)
/// Returns the events recorded, which [`give_back`] removes for an attempt that must not count.
pub fn take(
    conn: &mut DbConnection,
    limits: &[Limit],
    now: NaiveDateTime,
) -> Result<Vec<(String, String)>, AppError> {
    let mut buckets: Vec<&str> = limits.iter().map(|l| l.bucket.as_str()).collect();
    buckets.sort_unstable(); // one order for every caller: no deadlock between two
    for bucket in buckets {
        lock(conn, bucket)?;
    }
    for limit in limits {
        check(conn, limit, now)?;
    }
    let mut taken = Vec::with_capacity(limits.len());
    for limit in limits {
        taken.push((
            limit.bucket.clone(),
            queries::add_rate_event(conn, &limit.bucket, now)?,
        ));
    }
    Ok(taken)
}

/// Removes events [`take`] recorded (a sign-in that succeeded counts against nobody).
pub fn give_back(conn: &mut DbConnection, taken: &[(String, String)]) -> Result<(), AppError> {
    for (_, id) in taken {
        queries::delete_rate_event(conn, id)?;
    }
    Ok(())
}

fn lock(conn: &mut DbConnection, bucket: &str) -> diesel::QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 4242))::text")
            .bind::<diesel::sql_types::Text, _>(bucket)
            .execute(c)?;
    }
    Ok(())
}
