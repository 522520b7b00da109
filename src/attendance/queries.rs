//! The only code that touches `attendance`, `attendance_corrections`, `closed_periods` and
//! `idempotency_keys`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConnection,
    schema::{attendance, attendance_corrections, closed_periods, idempotency_keys},
};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance)]
// `None` is NULL (the column's only default), so many marks go in one statement on SQLite too.
#[diesel(treat_none_as_default_value = false)]
pub struct AttendanceRow {
    pub session_id: String,
    pub enrollment_id: String,
    pub status: String,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance_corrections)]
pub struct CorrectionRow {
    pub id: String,
    pub session_id: String,
    pub enrollment_id: String,
    pub before_status: String,
    pub after_status: String,
    pub before_note: Option<String>,
    pub after_note: Option<String>,
    pub corrected_by: String,
    pub corrected_at: NaiveDateTime,
}

pub fn of_session(c: &mut DbConnection, session: &str) -> QueryResult<Vec<AttendanceRow>> {
    attendance::table
        .filter(attendance::session_id.eq(session))
        .select(AttendanceRow::as_select())
        .load(c)
}

pub fn of_enrollment(c: &mut DbConnection, enrollment: &str) -> QueryResult<Vec<AttendanceRow>> {
    attendance::table
        .filter(attendance::enrollment_id.eq(enrollment))
        .select(AttendanceRow::as_select())
        .load(c)
}

/// The marks of many enrollments at once (callers chunk the ids to stay under bind limits).
pub fn of_enrollments(
    c: &mut DbConnection,
    enrollment_ids: &[String],
) -> QueryResult<Vec<AttendanceRow>> {
    attendance::table
        .filter(attendance::enrollment_id.eq_any(enrollment_ids))
        .select(AttendanceRow::as_select())
        .load(c)
}

pub fn insert(c: &mut DbConnection, row: &AttendanceRow) -> QueryResult<()> {
    diesel::insert_into(attendance::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn update(c: &mut DbConnection, row: &AttendanceRow) -> QueryResult<()> {
    diesel::update(
        attendance::table
            .filter(attendance::session_id.eq(&row.session_id))
            .filter(attendance::enrollment_id.eq(&row.enrollment_id)),
    )
    .set((
        attendance::status.eq(&row.status),
        attendance::note.eq(&row.note),
        attendance::recorded_by.eq(&row.recorded_by),
        attendance::recorded_at.eq(row.recorded_at),
    ))
    .execute(c)
    .map(|_| ())
}

pub fn insert_correction(c: &mut DbConnection, row: &CorrectionRow) -> QueryResult<()> {
    diesel::insert_into(attendance_corrections::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn corrections(c: &mut DbConnection, session: &str) -> QueryResult<Vec<CorrectionRow>> {
    attendance_corrections::table
        .filter(attendance_corrections::session_id.eq(session))
        .order(attendance_corrections::corrected_at)
        .select(CorrectionRow::as_select())
        .load(c)
}

pub fn is_closed(c: &mut DbConnection, opening: &str, period: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        closed_periods::table
            .filter(closed_periods::opening_id.eq(opening))
            .filter(closed_periods::period.eq(period)),
    ))
    .get_result(c)
}

/// The closed months of many courses: (course, period).
pub fn closed_of_many(
    c: &mut DbConnection,
    openings: &[String],
) -> QueryResult<Vec<(String, String)>> {
    closed_periods::table
        .filter(closed_periods::opening_id.eq_any(openings))
        .select((closed_periods::opening_id, closed_periods::period))
        .load(c)
}

pub fn close(
    c: &mut DbConnection,
    opening: &str,
    period: &str,
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(closed_periods::table)
        .values((
            closed_periods::opening_id.eq(opening),
            closed_periods::period.eq(period),
            closed_periods::closed_at.eq(now),
            closed_periods::closed_by.eq(by),
        ))
        .execute(c)
        .map(|_| ())
}

pub fn reopen(c: &mut DbConnection, opening: &str, period: &str) -> QueryResult<bool> {
    diesel::delete(
        closed_periods::table
            .filter(closed_periods::opening_id.eq(opening))
            .filter(closed_periods::period.eq(period)),
    )
    .execute(c)
    .map(|n| n == 1)
}

/// The stored first response to an idempotency key: (request hash, status, body).
pub fn idempotent_response(
    c: &mut DbConnection,
    account: &str,
    key: &str,
) -> QueryResult<Option<(String, i32, String)>> {
    idempotency_keys::table
        .filter(idempotency_keys::account_id.eq(account))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::response,
        ))
        .first(c)
        .optional()
}

pub fn store_response(
    c: &mut DbConnection,
    account: &str,
    key: &str,
    hash: &str,
    status: i32,
    response: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::account_id.eq(account),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::status.eq(status),
            idempotency_keys::response.eq(response),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(c)
        .map(|_| ())
}

// --- erasure ---

/// Clears the notes of these enrollments' marks and of their corrections' history.
pub fn clear_notes(c: &mut DbConnection, enrollment_ids: &[String]) -> QueryResult<()> {
    for chunk in enrollment_ids.chunks(1000) {
        diesel::update(attendance::table.filter(attendance::enrollment_id.eq_any(chunk)))
            .set(attendance::note.eq(None::<String>))
            .execute(c)?;
        diesel::update(
            attendance_corrections::table
                .filter(attendance_corrections::enrollment_id.eq_any(chunk)),
        )
        .set((
            attendance_corrections::before_note.eq(None::<String>),
            attendance_corrections::after_note.eq(None::<String>),
        ))
        .execute(c)?;
    }
    Ok(())
}

/// Clears any note (of anyone's mark or correction) that contains `value`.
pub fn clear_notes_containing(c: &mut DbConnection, value: &str) -> QueryResult<()> {
    let pattern = crate::db::like_containing(value);
    diesel::update(attendance::table.filter(attendance::note.like(&pattern).escape('\\')))
        .set(attendance::note.eq(None::<String>))
        .execute(c)?;
    diesel::update(
        attendance_corrections::table.filter(
            attendance_corrections::before_note
                .like(&pattern)
                .escape('\\'),
        ),
    )
    .set(attendance_corrections::before_note.eq(None::<String>))
    .execute(c)?;
    diesel::update(
        attendance_corrections::table.filter(
            attendance_corrections::after_note
                .like(&pattern)
                .escape('\\'),
        ),
    )
    .set(attendance_corrections::after_note.eq(None::<String>))
    .execute(c)?;
    Ok(())
}

/// Deletes the account's stored responses, and anyone's that contain `value` (a register lists
/// the names of the people in it).
pub fn delete_responses(
    c: &mut DbConnection,
    account_id: &str,
    values: &[String],
) -> QueryResult<()> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::account_id.eq(account_id)))
        .execute(c)?;
    for v in values {
        diesel::delete(
            idempotency_keys::table.filter(
                idempotency_keys::response
                    .like(crate::db::like_containing(v))
                    .escape('\\'),
            ),
        )
        .execute(c)?;
    }
    Ok(())
}
