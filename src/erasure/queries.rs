//! The only code that touches `erasure_requests`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, schema::erasure_requests};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = erasure_requests)]
pub struct RequestRow {
    pub id: String,
    pub account_id: String,
    pub status: String,
    pub reason: Option<String>,
    pub decision_note: Option<String>,
    pub iin_hash: Option<String>,
    pub requested_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
}

pub fn insert(c: &mut DbConnection, row: &RequestRow) -> QueryResult<()> {
    diesel::insert_into(erasure_requests::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn find(c: &mut DbConnection, id: &str) -> QueryResult<Option<RequestRow>> {
    erasure_requests::table
        .filter(erasure_requests::id.eq(id))
        .select(RequestRow::as_select())
        .first(c)
        .optional()
}

/// Her request waiting for a decision, if any.
pub fn open_of(c: &mut DbConnection, account_id: &str) -> QueryResult<Option<RequestRow>> {
    erasure_requests::table
        .filter(erasure_requests::account_id.eq(account_id))
        .filter(erasure_requests::status.eq("requested"))
        .select(RequestRow::as_select())
        .first(c)
        .optional()
}

/// Her latest request.
pub fn latest_of(c: &mut DbConnection, account_id: &str) -> QueryResult<Option<RequestRow>> {
    erasure_requests::table
        .filter(erasure_requests::account_id.eq(account_id))
        .order((
            erasure_requests::requested_at.desc(),
            erasure_requests::id.desc(),
        ))
        .select(RequestRow::as_select())
        .first(c)
        .optional()
}

/// Requests of one status, oldest first, after (requested_at, id).
pub fn page(
    c: &mut DbConnection,
    status: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<RequestRow>> {
    let mut q = erasure_requests::table
        .filter(erasure_requests::status.eq(status.to_owned()))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            erasure_requests::requested_at
                .gt(at)
                .or(erasure_requests::requested_at
                    .eq(at)
                    .and(erasure_requests::id.gt(id))),
        );
    }
    q.order((erasure_requests::requested_at, erasure_requests::id))
        .limit(limit)
        .select(RequestRow::as_select())
        .load(c)
}

/// Decides a request still waiting (false if it was decided meanwhile).
pub fn decide(
    c: &mut DbConnection,
    id: &str,
    status: &str,
    note: Option<&str>,
    iin_hash: Option<&str>,
    at: NaiveDateTime,
    by: &str,
) -> QueryResult<bool> {
    diesel::update(
        erasure_requests::table
            .filter(erasure_requests::id.eq(id))
            .filter(erasure_requests::status.eq("requested")),
    )
    .set((
        erasure_requests::status.eq(status),
        erasure_requests::decision_note.eq(note),
        erasure_requests::iin_hash.eq(iin_hash),
        erasure_requests::decided_at.eq(Some(at)),
        erasure_requests::decided_by.eq(Some(by)),
    ))
    .execute(c)
    .map(|n| n == 1)
}

/// Clears the texts of every request of hers (her reasons, notes about her): once she is erased
/// the requests keep only ids, dates and statuses.
pub fn clear_texts(c: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    diesel::update(erasure_requests::table.filter(erasure_requests::account_id.eq(account_id)))
        .set((
            erasure_requests::reason.eq(None::<String>),
            erasure_requests::decision_note.eq(None::<String>),
        ))
        .execute(c)
}
