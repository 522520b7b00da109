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

/// A confirmed report as the subsidy cycle reads it.
#[derive(Debug, Clone, Queryable)]
pub struct ConfirmedReport {
    pub id: String,
    pub placement_id: String,
    pub organisation_id: String,
    pub period: String,
    pub gross_wage_tiyn: i64,
}

/// Every confirmed report, by placement and month (the order every worker walks them in).
pub fn confirmed(c: &mut DbConnection) -> QueryResult<Vec<ConfirmedReport>> {
    wage_reports::table
        .filter(wage_reports::status.eq("confirmed"))
        .order((wage_reports::placement_id, wage_reports::period))
        .select((
            wage_reports::id,
            wage_reports::placement_id,
            wage_reports::organisation_id,
            wage_reports::period,
            wage_reports::gross_wage_tiyn,
        ))
        .load(c)
}

/// Of these reports, those still confirmed now, with the wage they say. On PostgreSQL their rows
/// stay locked until the caller's transaction ends, so a case worker returning one waits for the
/// subsidy being made from it and then withdraws it (SQLite's writer lock does the same).
pub fn still_confirmed(
    c: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, i64>> {
    let q = wage_reports::table
        .filter(wage_reports::id.eq_any(ids))
        .filter(wage_reports::status.eq("confirmed"))
        .select((wage_reports::id, wage_reports::gross_wage_tiyn));
    let rows: Vec<(String, i64)> = match c {
        DbConnection::Pg(pg) => q.for_update().load(pg)?,
        DbConnection::Sqlite(lite) => q.load(lite)?,
    };
    Ok(rows.into_iter().collect())
}

/// The months reported (in any status) for these placements.
pub fn reported(
    c: &mut DbConnection,
    placement_ids: &[String],
) -> QueryResult<std::collections::HashSet<(String, String)>> {
    let mut out = std::collections::HashSet::new();
    for part in placement_ids.chunks(1000) {
        out.extend(
            wage_reports::table
                .filter(wage_reports::placement_id.eq_any(part))
                .select((wage_reports::placement_id, wage_reports::period))
                .load::<(String, String)>(c)?,
        );
    }
    Ok(out)
}

// --- erasure ---

/// The wage reports of these placements: (id, payroll reference, decision note).
pub fn texts_of_placements(
    c: &mut DbConnection,
    placement_ids: &[String],
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    wage_reports::table
        .filter(wage_reports::placement_id.eq_any(placement_ids))
        .select((
            wage_reports::id,
            wage_reports::payroll_reference,
            wage_reports::decision_note,
        ))
        .load(c)
}

pub fn set_texts(
    c: &mut DbConnection,
    id: &str,
    payroll_reference: &str,
    decision_note: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(wage_reports::table.filter(wage_reports::id.eq(id)))
        .set((
            wage_reports::payroll_reference.eq(payroll_reference),
            wage_reports::decision_note.eq(decision_note),
        ))
        .execute(c)
}
