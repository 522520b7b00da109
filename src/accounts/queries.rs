//! The only code that touches accounts, refresh tokens, one-time tokens and rate-limit events.

use chrono::NaiveDateTime;
use diesel::{dsl::count_star, prelude::*};

use super::model::{Account, NewAccount};
use crate::db::{
    DbConnection,
    schema::{accounts, one_time_tokens, organisations, rate_limit_events, refresh_tokens},
};

pub fn insert_account(conn: &mut DbConnection, row: &NewAccount) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Inserts many accounts, many rows a statement (for bulk loads such as `seed-demo`).
pub fn insert_accounts(conn: &mut DbConnection, rows: &[NewAccount]) -> QueryResult<()> {
    const COLUMNS: usize = 9;
    for chunk in rows.chunks(crate::db::rows_per_insert(COLUMNS)) {
        crate::dispatch!(conn, |c| diesel::insert_into(accounts::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

pub fn email_exists(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        accounts::table.filter(accounts::email.eq(email)),
    ))
    .get_result(conn)
}

pub fn by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::email.eq(email))
        .select(Account::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::id.eq(id))
        .select(Account::as_select())
        .first(conn)
        .optional()
}

/// The account and, if it belongs to one, its organisation's status.
pub fn with_organisation_status(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(Account, Option<String>)>> {
    accounts::table
        .left_join(organisations::table)
        .filter(accounts::id.eq(id))
        .select((Account::as_select(), organisations::status.nullable()))
        .first(conn)
        .optional()
}

pub fn mark_email_verified(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        accounts::table
            .filter(accounts::id.eq(id))
            .filter(accounts::email_verified_at.is_null()),
    )
    .set((
        accounts::email_verified_at.eq(Some(now)),
        accounts::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Sets a new password and ends every session issued before now.
pub fn set_password(
    conn: &mut DbConnection,
    id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.filter(accounts::id.eq(id)))
        .set((
            accounts::password_hash.eq(hash),
            accounts::tokens_valid_after.eq(now),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn disable(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(accounts::table.filter(accounts::id.eq(id)))
        .set((
            accounts::disabled_at.eq(Some(now)),
            accounts::tokens_valid_after.eq(now),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_organisation(
    conn: &mut DbConnection,
    id: &str,
    organisation_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.filter(accounts::id.eq(id)))
        .set((
            accounts::organisation_id.eq(Some(organisation_id)),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

// --- refresh tokens ---

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: String,
    pub account_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_refresh(
    conn: &mut DbConnection,
    account_id: &str,
    family_id: &str,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(uuid::Uuid::now_v7().to_string()),
            refresh_tokens::account_id.eq(account_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn refresh_by_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()
}

/// Marks a refresh token used, if nobody did first. False means it was already used (or revoked).
pub fn use_refresh(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_family(
    conn: &mut DbConnection,
    family_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(conn)
}

pub fn revoke_all_refresh(
    conn: &mut DbConnection,
    account_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::account_id.eq(account_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(conn)
}

// --- one-time tokens (email verification, password reset) ---

pub fn insert_one_time(
    conn: &mut DbConnection,
    account_id: &str,
    purpose: &str,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(one_time_tokens::table)
        .values((
            one_time_tokens::id.eq(&id),
            one_time_tokens::account_id.eq(account_id),
            one_time_tokens::purpose.eq(purpose),
            one_time_tokens::token_hash.eq(token_hash),
            one_time_tokens::created_at.eq(now),
            one_time_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The unused, unexpired token of `purpose` with this digest: (token id, account id).
fn find_valid_one_time(
    conn: &mut DbConnection,
    purpose: &str,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(String, String)>> {
    one_time_tokens::table
        .filter(one_time_tokens::token_hash.eq(token_hash))
        .filter(one_time_tokens::purpose.eq(purpose))
        .filter(one_time_tokens::used_at.is_null())
        .filter(one_time_tokens::expires_at.gt(now))
        .select((one_time_tokens::id, one_time_tokens::account_id))
        .first(conn)
        .optional()
}

/// The account a valid token of `purpose` belongs to, without using the token.
pub fn valid_one_time(
    conn: &mut DbConnection,
    purpose: &str,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    Ok(find_valid_one_time(conn, purpose, token_hash, now)?.map(|(_, account)| account))
}

/// Uses a one-time token of `purpose`: returns its account if the token exists, is unused and
/// unexpired, and marks it used (conditionally, so two concurrent uses cannot both succeed).
pub fn use_one_time(
    conn: &mut DbConnection,
    purpose: &str,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let found = find_valid_one_time(conn, purpose, token_hash, now)?;
    let Some((id, account_id)) = found else {
        return Ok(None);
    };
    let n = diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::id.eq(&id))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok((n == 1).then_some(account_id))
}

/// Makes every unused token of `purpose` for the account unusable (a newer one was issued, or the
/// password changed).
pub fn expire_one_time(
    conn: &mut DbConnection,
    account_id: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::account_id.eq(account_id))
            .filter(one_time_tokens::purpose.eq(purpose))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

// --- rate limits ---

/// Events in `bucket` since `since`, and the oldest of them.
pub fn rate_events_since(
    conn: &mut DbConnection,
    bucket: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let q = rate_limit_events::table
        .filter(rate_limit_events::bucket.eq(bucket))
        .filter(rate_limit_events::occurred_at.gt(since));
    let count: i64 = q.select(count_star()).first(conn)?;
    let oldest = q
        .select(diesel::dsl::min(rate_limit_events::occurred_at))
        .first(conn)?;
    Ok((count, oldest))
}

pub fn add_rate_event(
    conn: &mut DbConnection,
    bucket: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(rate_limit_events::table)
        .values((
            rate_limit_events::id.eq(&id),
            rate_limit_events::bucket.eq(bucket),
            rate_limit_events::occurred_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn delete_rate_event(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::delete(rate_limit_events::table.filter(rate_limit_events::id.eq(id))).execute(conn)?;
    Ok(())
}

pub fn clear_rate_events(conn: &mut DbConnection, bucket: &str) -> QueryResult<()> {
    diesel::delete(rate_limit_events::table.filter(rate_limit_events::bucket.eq(bucket)))
        .execute(conn)?;
    Ok(())
}

pub fn purge_rate_events(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(rate_limit_events::table.filter(rate_limit_events::occurred_at.lt(before)))
        .execute(conn)
}

pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Account>> {
    accounts::table
        .filter(accounts::id.eq_any(ids))
        .select(Account::as_select())
        .load(conn)
}

/// The enabled accounts that belong to an organisation, oldest first.
pub fn members_of(conn: &mut DbConnection, organisation_id: &str) -> QueryResult<Vec<Account>> {
    accounts::table
        .filter(accounts::organisation_id.eq(organisation_id))
        .filter(accounts::disabled_at.is_null())
        .order((accounts::created_at, accounts::id))
        .select(Account::as_select())
        .load(conn)
}

/// Staff accounts (case workers and admins) newest first, after a (created_at, id) cursor.
pub fn staff(
    conn: &mut DbConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Account>> {
    let mut q = accounts::table
        .filter(accounts::role.eq_any(["caseworker", "admin"]))
        .order((accounts::created_at.desc(), accounts::id.desc()))
        .limit(limit)
        .select(Account::as_select())
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            accounts::created_at
                .lt(at)
                .or(accounts::created_at.eq(at).and(accounts::id.lt(id))),
        );
    }
    q.load(conn)
}

// --- erasure ---

/// Makes the account unusable for good: its address replaced by `placeholder` (not an email
/// address, so nothing is ever sent to it and no one can sign in with it), its password hash by
/// one no password matches, disabled, every session ended.
pub fn erase(
    conn: &mut DbConnection,
    id: &str,
    placeholder: &str,
    unusable_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.filter(accounts::id.eq(id)))
        .set((
            accounts::email.eq(placeholder),
            accounts::password_hash.eq(unusable_hash),
            accounts::disabled_at.eq(Some(now)),
            accounts::tokens_valid_after.eq(now),
            accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes every refresh and one-time token of the account.
pub fn delete_tokens(conn: &mut DbConnection, account_id: &str) -> QueryResult<()> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::account_id.eq(account_id)))
        .execute(conn)?;
    diesel::delete(one_time_tokens::table.filter(one_time_tokens::account_id.eq(account_id)))
        .execute(conn)?;
    Ok(())
}
