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

pub fn hit(conn: &mut DbConnection, limit: &Limit, now: NaiveDateTime) -> Result<(), AppError> {
    queries::add_rate_event(conn, &limit.bucket, now)?;
    Ok(())
}
