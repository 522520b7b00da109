//! Wage reports in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, schema::wage_reports};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = wage_reports)]
#[diesel(treat_none_as_null = true)]
pub struct WageReportRow {
    pub id: String,
    pub placement_id: String,
    pub organisation_id: String,
    pub period: String,
    pub days_worked: i32,
    pub gross_wage_tiyn: i64,
    pub payroll_reference: String,
    pub status: String,
    pub flags: String,
    pub decision_note: Option<String>,
    pub submitted_by: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(c: &mut DbConnection, row: &WageReportRow) -> QueryResult<usize> {
    diesel::insert_into(wage_reports::table)
        .values(row)
        .execute(c)
}

/// Saves a report only if its status is still `expected` (a concurrent decision wins).
pub fn update_from(
    c: &mut DbConnection,
    row: &WageReportRow,
    expected: &str,
) -> QueryResult<usize> {
    diesel::update(
        wage_reports::table
            .filter(wage_reports::id.eq(&row.id))
            .filter(wage_reports::status.eq(expected)),
    )
    .set(row)
    .execute(c)
}

pub fn find(c: &mut DbConnection, id: &str) -> QueryResult<Option<WageReportRow>> {
    wage_reports::table
        .filter(wage_reports::id.eq(id))
        .select(WageReportRow::as_select())
        .first(c)
        .optional()
}

/// Reports oldest change first (the case workers' queue order), of one organisation if given.
pub fn page(
    c: &mut DbConnection,
    organisation: Option<&str>,
    status: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<WageReportRow>> {
    let mut q = wage_reports::table
        .select(WageReportRow::as_select())
        .into_boxed();
    if let Some(o) = organisation {
        q = q.filter(wage_reports::organisation_id.eq(o.to_owned()));
    }
    if let Some(s) = status {
        q = q.filter(wage_reports::status.eq(s.to_owned()));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            wage_reports::updated_at
                .gt(at)
                .or(wage_reports::updated_at.eq(at).and(wage_reports::id.gt(id))),
        );
    }
    q.order((wage_reports::updated_at.asc(), wage_reports::id.asc()))
        .limit(limit)
        .load(c)
}
