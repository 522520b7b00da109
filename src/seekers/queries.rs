//! The only code that touches `seeker_profiles`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{DbConnection, schema::seeker_profiles};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = seeker_profiles)]
pub struct ProfileRow {
    pub account_id: String,
    pub iin: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub full_name: String,
    pub phone: String,
    pub district: String,
    pub skills: String,
    pub languages: String,
    pub employment: String,
    pub hours_per_week: i32,
    pub needs_childcare: bool,
    #[diesel(treat_none_as_null = true)]
    pub iban: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, account_id: &str) -> QueryResult<Option<ProfileRow>> {
    seeker_profiles::table
        .filter(seeker_profiles::account_id.eq(account_id))
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()
}

/// Whether another account has this IIN.
pub fn iin_taken_by_other(
    conn: &mut DbConnection,
    iin: &str,
    account_id: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        seeker_profiles::table
            .filter(seeker_profiles::iin.eq(iin))
            .filter(seeker_profiles::account_id.ne(account_id)),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut DbConnection, row: &ProfileRow) -> QueryResult<()> {
    diesel::insert_into(seeker_profiles::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &ProfileRow) -> QueryResult<()> {
    diesel::update(seeker_profiles::table.filter(seeker_profiles::account_id.eq(&row.account_id)))
        .set(row)
        .execute(conn)?;
    Ok(())
}
