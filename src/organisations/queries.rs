//! The only code that touches `organisations` (and `districts` for validation).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, schema::organisations};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub bin: String,
    pub district: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub status: String,
    pub approved_at: Option<NaiveDateTime>,
    pub approved_by: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub iban: Option<String>,
    pub bank_changed_at: Option<NaiveDateTime>,
}

/// Sets where the organisation is paid.
pub fn set_bank_account(
    conn: &mut DbConnection,
    id: &str,
    iban: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(organisations::table.filter(organisations::id.eq(id)))
        .set((
            organisations::iban.eq(Some(iban)),
            organisations::bank_changed_at.eq(Some(at)),
            organisations::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn insert(conn: &mut DbConnection, org: &Organisation) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(org)
        .execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::id.eq(id))
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Organisation>> {
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select(Organisation::as_select())
        .load(conn)
}

/// Organisations in `status` (or all), oldest registration first, after the cursor's
/// (created_at, id).
pub fn by_status(
    conn: &mut DbConnection,
    status: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Organisation>> {
    let mut q = organisations::table
        .select(Organisation::as_select())
        .order((organisations::created_at.asc(), organisations::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        q = q.filter(organisations::status.eq(status.to_owned()));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            organisations::created_at
                .gt(at)
                .or(organisations::created_at
                    .eq(at)
                    .and(organisations::id.gt(id))),
        );
    }
    q.load(conn)
}

pub fn bin_exists(conn: &mut DbConnection, bin: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisations::table.filter(organisations::bin.eq(bin)),
    ))
    .get_result(conn)
}

pub fn approve(conn: &mut DbConnection, id: &str, by: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(organisations::table.filter(organisations::id.eq(id)))
        .set((
            organisations::status.eq("approved"),
            organisations::approved_at.eq(Some(now)),
            organisations::approved_by.eq(Some(by)),
            organisations::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select((organisations::id, organisations::name))
        .load(conn)
}
