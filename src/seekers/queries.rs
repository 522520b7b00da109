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
    pub name_key: String,
}

/// A person found by a case worker: her profile's name and IIN, and her household if any.
pub type PersonRow = (String, String, String, String, Option<(String, String)>);

/// Seekers whose IIN is `iin`, or whose name contains `name_part` (already folded to lower case),
/// by name then account; after `after` (name_key, account id).
pub fn people(
    conn: &mut DbConnection,
    iin: Option<&str>,
    name_part: Option<&str>,
    after: Option<(String, String)>,
    limit: i64,
) -> QueryResult<Vec<PersonRow>> {
    let mut q = seeker_profiles::table
        .left_join(households::table.on(households::account_id.eq(seeker_profiles::account_id)))
        .select((
            seeker_profiles::account_id,
            seeker_profiles::full_name,
            seeker_profiles::iin,
            seeker_profiles::name_key,
            (households::id, households::status).nullable(),
        ))
        .into_boxed();
    if let Some(iin) = iin {
        q = q.filter(seeker_profiles::iin.eq(iin.to_owned()));
    }
    if let Some(part) = name_part {
        // `\` escapes LIKE's own wildcards in what she typed.
        let escaped = part
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q = q.filter(
            seeker_profiles::name_key
                .like(format!("%{escaped}%"))
                .escape('\\'),
        );
    }
    if let Some((key, id)) = after {
        q = q.filter(
            seeker_profiles::name_key
                .gt(key.clone())
                .or(seeker_profiles::name_key
                    .eq(key)
                    .and(seeker_profiles::account_id.gt(id))),
        );
    }
    q.order((
        seeker_profiles::name_key.asc(),
        seeker_profiles::account_id.asc(),
    ))
    .limit(limit)
    .load(conn)
}

pub fn find(conn: &mut DbConnection, account_id: &str) -> QueryResult<Option<ProfileRow>> {
    seeker_profiles::table
        .filter(seeker_profiles::account_id.eq(account_id))
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()
}

/// The account holding `iin` (its household was verified with it), if any.
pub fn iin_holder(conn: &mut DbConnection, iin: &str) -> QueryResult<Option<String>> {
    use crate::db::schema::iin_claims;
    iin_claims::table
        .filter(iin_claims::iin.eq(iin))
        .select(iin_claims::account_id)
        .first(conn)
        .optional()
}

/// Records that `account_id` holds `iin`. The primary key on the IIN makes a second holder
/// impossible whatever runs at once.
pub fn claim_iin(
    conn: &mut DbConnection,
    iin: &str,
    account_id: &str,
    at: NaiveDateTime,
    by: &str,
) -> QueryResult<()> {
    use crate::db::schema::iin_claims;
    diesel::insert_into(iin_claims::table)
        .values((
            iin_claims::iin.eq(iin),
            iin_claims::account_id.eq(account_id),
            iin_claims::claimed_at.eq(at),
            iin_claims::claimed_by.eq(by),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives up whatever IIN `account_id` holds; the number released (0 or 1).
pub fn release_iin(conn: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    use crate::db::schema::iin_claims;
    diesel::delete(iin_claims::table.filter(iin_claims::account_id.eq(account_id))).execute(conn)
}

/// How many other accounts declare `iin` in their profiles.
pub fn others_declaring(conn: &mut DbConnection, iin: &str, account_id: &str) -> QueryResult<i64> {
    seeker_profiles::table
        .filter(seeker_profiles::iin.eq(iin))
        .filter(seeker_profiles::account_id.ne(account_id))
        .count()
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

// --- households ---

use crate::db::schema::households;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = households)]
#[diesel(treat_none_as_null = true)]
pub struct HouseholdRow {
    pub id: String,
    pub account_id: String,
    pub members: String,
    pub member_count: i32,
    pub minors: i32,
    pub total_income_tiyn: i64,
    pub per_capita_income_tiyn: i64,
    pub has_disability: bool,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn household_of(
    conn: &mut DbConnection,
    account_id: &str,
) -> QueryResult<Option<HouseholdRow>> {
    households::table
        .filter(households::account_id.eq(account_id))
        .select(HouseholdRow::as_select())
        .first(conn)
        .optional()
}

pub fn household(conn: &mut DbConnection, id: &str) -> QueryResult<Option<HouseholdRow>> {
    households::table
        .filter(households::id.eq(id))
        .select(HouseholdRow::as_select())
        .first(conn)
        .optional()
}

pub fn save_household(
    conn: &mut DbConnection,
    row: &HouseholdRow,
    exists: bool,
) -> QueryResult<()> {
    if exists {
        diesel::update(households::table.filter(households::id.eq(&row.id)))
            .set(row)
            .execute(conn)?;
    } else {
        diesel::insert_into(households::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The seeker's (full name, IIN), if she has a profile.
pub type SeekerName = (String, String);

/// Households in `status`, oldest submission first, after the cursor (submitted_at, id).
pub fn households_by_status(
    conn: &mut DbConnection,
    status: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<(HouseholdRow, Option<SeekerName>)>> {
    let mut q = households::table
        .left_join(
            seeker_profiles::table.on(seeker_profiles::account_id.eq(households::account_id)),
        )
        .filter(households::status.eq(status))
        .select((
            HouseholdRow::as_select(),
            (seeker_profiles::full_name, seeker_profiles::iin).nullable(),
        ))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            households::submitted_at
                .gt(at)
                .or(households::submitted_at.eq(at).and(households::id.gt(id))),
        );
    }
    q.order((households::submitted_at.asc(), households::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Households of many seekers (chunked by the caller).
pub fn households_of(
    conn: &mut DbConnection,
    account_ids: &[String],
) -> QueryResult<Vec<HouseholdRow>> {
    households::table
        .filter(households::account_id.eq_any(account_ids))
        .select(HouseholdRow::as_select())
        .load(conn)
}

/// Profiles by account id after `after`, `limit` at most (for walks over every seeker).
pub fn profiles_page(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProfileRow>> {
    let mut q = seeker_profiles::table
        .select(ProfileRow::as_select())
        .order(seeker_profiles::account_id)
        .limit(limit)
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(seeker_profiles::account_id.gt(a.to_owned()));
    }
    q.load(conn)
}

pub fn profiles_of(
    conn: &mut DbConnection,
    account_ids: &[String],
) -> QueryResult<Vec<ProfileRow>> {
    seeker_profiles::table
        .filter(seeker_profiles::account_id.eq_any(account_ids))
        .select(ProfileRow::as_select())
        .load(conn)
}

// --- erasure ---

/// Deletes her profile (the number deleted, 0 or 1).
pub fn delete_profile(conn: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    diesel::delete(seeker_profiles::table.filter(seeker_profiles::account_id.eq(account_id)))
        .execute(conn)
}

/// Deletes her household (the number deleted, 0 or 1).
pub fn delete_household(conn: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    diesel::delete(households::table.filter(households::account_id.eq(account_id))).execute(conn)
}
