//! The only code that touches `programmes` and `programme_versions`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{
    DbConnection,
    schema::{programme_versions, programmes},
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = programmes)]
pub struct ProgrammeRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub current_version: i32,
    pub is_example: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A programme with the rules of its current version (JSON).
pub type WithRules = (ProgrammeRow, String);

/// Joins each programme to its current version's rules.
macro_rules! current {
    () => {
        programmes::table
            .inner_join(
                programme_versions::table.on(programme_versions::programme_id
                    .eq(programmes::id)
                    .and(programme_versions::version.eq(programmes::current_version))),
            )
            .select((ProgrammeRow::as_select(), programme_versions::rules))
    };
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<WithRules>> {
    current!().order(programmes::created_at.asc()).load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<WithRules>> {
    current!()
        .filter(programmes::id.eq(id))
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConnection,
    row: &ProgrammeRow,
    rules: &str,
    by: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(programmes::table)
        .values(row)
        .execute(conn)?;
    add_version(
        conn,
        &row.id,
        row.current_version,
        rules,
        by,
        row.created_at,
    )
}

/// One stored version: (version, rules, created by, created at).
pub type VersionRow = (i32, String, Option<String>, NaiveDateTime);

/// A programme's versions, newest first, before version `before` if given.
pub fn versions(
    conn: &mut DbConnection,
    id: &str,
    before: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<VersionRow>> {
    let mut q = programme_versions::table
        .filter(programme_versions::programme_id.eq(id))
        .select((
            programme_versions::version,
            programme_versions::rules,
            programme_versions::created_by,
            programme_versions::created_at,
        ))
        .into_boxed();
    if let Some(v) = before {
        q = q.filter(programme_versions::version.lt(v));
    }
    q.order(programme_versions::version.desc())
        .limit(limit)
        .load(conn)
}

pub fn add_version(
    conn: &mut DbConnection,
    id: &str,
    version: i32,
    rules: &str,
    by: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(programme_versions::table)
        .values((
            programme_versions::programme_id.eq(id),
            programme_versions::version.eq(version),
            programme_versions::rules.eq(rules),
            programme_versions::created_by.eq(by),
            programme_versions::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &ProgrammeRow) -> QueryResult<()> {
    diesel::update(programmes::table.filter(programmes::id.eq(&row.id)))
        .set((
            programmes::name.eq(&row.name),
            programmes::valid_from.eq(row.valid_from),
            programmes::valid_to.eq(row.valid_to),
            programmes::current_version.eq(row.current_version),
            programmes::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}
