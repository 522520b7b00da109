//! The only code that touches `openings`, `opening_skills` and `course_sessions`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Date, Double, Text, Timestamp},
};

use super::search::{Bind, Dialect, Sql};
use crate::{
    db::{
        DbConnection,
        schema::{course_sessions, opening_skills, openings},
    },
    dispatch,
};

#[derive(
    Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = openings)]
#[diesel(treat_none_as_null = true)]
// None is NULL (no nullable column has another default), so SQLite takes many rows a statement.
#[diesel(treat_none_as_default_value = false)]
pub struct OpeningRow {
    pub id: String,
    pub organisation_id: String,
    pub programme_id: String,
    pub kind: String,
    pub status: String,
    pub title: String,
    pub description: String,
    pub search_text: String,
    pub title_search: String,
    pub district: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub employment: String,
    pub hours_per_week: i32,
    pub work_days: String,
    pub skills: String,
    pub capacity: i32,
    pub places_given: i32,
    pub application_deadline: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub wage_monthly_tiyn: Option<i64>,
    pub subsidy_percent: Option<i32>,
    pub subsidy_months: Option<i32>,
    pub stipend_monthly_tiyn: Option<i64>,
    pub has_stipend: bool,
    pub published_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What other capabilities are told of an opening (`OpeningFacts`): its row without the
/// description and search texts, which are most of its bytes. A national round or payout cycle
/// reads tens of thousands of these at once.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = openings)]
pub struct FactsRow {
    pub id: String,
    pub organisation_id: String,
    pub programme_id: String,
    pub kind: String,
    pub status: String,
    pub title: String,
    pub district: String,
    pub employment: String,
    pub hours_per_week: i32,
    pub work_days: String,
    pub skills: String,
    pub capacity: i32,
    pub places_given: i32,
    pub application_deadline: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub wage_monthly_tiyn: Option<i64>,
}

impl From<OpeningRow> for FactsRow {
    fn from(r: OpeningRow) -> Self {
        FactsRow {
            id: r.id,
            organisation_id: r.organisation_id,
            programme_id: r.programme_id,
            kind: r.kind,
            status: r.status,
            title: r.title,
            district: r.district,
            employment: r.employment,
            hours_per_week: r.hours_per_week,
            work_days: r.work_days,
            skills: r.skills,
            capacity: r.capacity,
            places_given: r.places_given,
            application_deadline: r.application_deadline,
            start_date: r.start_date,
            end_date: r.end_date,
            wage_monthly_tiyn: r.wage_monthly_tiyn,
        }
    }
}

/// What a list shows of an opening: its row without the search texts and bookkeeping.
#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = openings)]
pub struct ListedRow {
    pub id: String,
    pub organisation_id: String,
    pub programme_id: String,
    pub kind: String,
    pub status: String,
    pub title: String,
    pub description: String,
    pub district: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub employment: String,
    pub hours_per_week: i32,
    pub work_days: String,
    pub skills: String,
    pub capacity: i32,
    pub places_given: i32,
    pub application_deadline: NaiveDate,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub wage_monthly_tiyn: Option<i64>,
    pub subsidy_percent: Option<i32>,
    pub subsidy_months: Option<i32>,
    pub stipend_monthly_tiyn: Option<i64>,
    pub has_stipend: bool,
    pub published_at: Option<NaiveDateTime>,
}

impl From<&OpeningRow> for ListedRow {
    fn from(r: &OpeningRow) -> ListedRow {
        ListedRow {
            id: r.id.clone(),
            organisation_id: r.organisation_id.clone(),
            programme_id: r.programme_id.clone(),
            kind: r.kind.clone(),
            status: r.status.clone(),
            title: r.title.clone(),
            description: r.description.clone(),
            district: r.district.clone(),
            latitude: r.latitude,
            longitude: r.longitude,
            employment: r.employment.clone(),
            hours_per_week: r.hours_per_week,
            work_days: r.work_days.clone(),
            skills: r.skills.clone(),
            capacity: r.capacity,
            places_given: r.places_given,
            application_deadline: r.application_deadline,
            start_date: r.start_date,
            end_date: r.end_date,
            wage_monthly_tiyn: r.wage_monthly_tiyn,
            subsidy_percent: r.subsidy_percent,
            subsidy_months: r.subsidy_months,
            stipend_monthly_tiyn: r.stipend_monthly_tiyn,
            has_stipend: r.has_stipend,
            published_at: r.published_at,
        }
    }
}

/// A row of a browse page with the value it was ordered by.
#[derive(Debug, Clone, QueryableByName)]
pub struct RankedRow {
    #[diesel(embed)]
    pub opening: ListedRow,
    #[diesel(sql_type = Double)]
    pub sort_value: f64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct FacetRow {
    #[diesel(sql_type = Text)]
    pub value: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = course_sessions)]
#[diesel(treat_none_as_default_value = false)]
pub struct SessionRow {
    pub id: String,
    pub opening_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn dialect(conn: &DbConnection) -> Dialect {
    match conn {
        DbConnection::Pg(_) => Dialect::Postgres,
        DbConnection::Sqlite(_) => Dialect::Sqlite,
    }
}

/// Runs SQL built by [`super::search`] on whichever backend `conn` is.
pub fn load<T>(conn: &mut DbConnection, sql: &Sql) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    let text = sql.text_for(dialect(conn));
    dispatch!(conn, |c| {
        let mut q = diesel::sql_query(text).into_boxed();
        for b in &sql.binds {
            q = match b.clone() {
                Bind::Text(v) => q.bind::<Text, _>(v),
                Bind::Int(v) => q.bind::<BigInt, _>(v),
                Bind::Float(v) => q.bind::<Double, _>(v),
                Bind::Date(v) => q.bind::<Date, _>(v),
                Bind::Timestamp(v) => q.bind::<Timestamp, _>(v),
            };
        }
        q.load::<T>(c)
    })
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OpeningRow>> {
    openings::table
        .filter(openings::id.eq(id))
        .select(OpeningRow::as_select())
        .first(conn)
        .optional()
}

/// An organisation's openings (drafts and closed ones too), newest first, after the cursor's
/// (created_at, id).
pub fn of_organisation(
    conn: &mut DbConnection,
    organisation_id: &str,
    status: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<OpeningRow>> {
    let mut q = openings::table
        .filter(openings::organisation_id.eq(organisation_id.to_owned()))
        .select(OpeningRow::as_select())
        .order((openings::created_at.desc(), openings::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        q = q.filter(openings::status.eq(status.to_owned()));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            openings::created_at
                .lt(at)
                .or(openings::created_at.eq(at).and(openings::id.lt(id))),
        );
    }
    q.load(conn)
}

/// The facts of the given openings.
pub fn facts_by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<FactsRow>> {
    openings::table
        .filter(openings::id.eq_any(ids))
        .select(FactsRow::as_select())
        .load(conn)
}

/// Published openings still open on `today` in the given programmes (for recommendations).
pub fn open_in_programmes(
    conn: &mut DbConnection,
    programme_ids: &[String],
    today: NaiveDate,
) -> QueryResult<Vec<OpeningRow>> {
    openings::table
        .filter(openings::status.eq("published"))
        .filter(openings::application_deadline.ge(today))
        .filter(openings::programme_id.eq_any(programme_ids))
        .filter(openings::places_given.lt(openings::capacity))
        .select(OpeningRow::as_select())
        .load(conn)
}

/// Openings published since `since` that still take applications and have places.
pub fn published_since(
    conn: &mut DbConnection,
    since: chrono::NaiveDateTime,
    today: NaiveDate,
) -> QueryResult<Vec<OpeningRow>> {
    openings::table
        .filter(openings::status.eq("published"))
        .filter(openings::published_at.ge(since))
        .filter(openings::application_deadline.ge(today))
        .filter(openings::places_given.lt(openings::capacity))
        .order(openings::id)
        .select(OpeningRow::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &OpeningRow) -> QueryResult<()> {
    diesel::insert_into(openings::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &OpeningRow) -> QueryResult<()> {
    diesel::update(openings::table.filter(openings::id.eq(&row.id)))
        .set(row)
        .execute(conn)?;
    Ok(())
}

/// A new opening with its skills and calendar, for [`insert_many`].
#[derive(Debug, Clone)]
pub struct NewOpening {
    pub row: OpeningRow,
    pub skills: Vec<String>,
    pub sessions: Vec<SessionRow>,
}

/// Inserts new openings, their skills and sessions, many rows a statement (for bulk loads).
pub fn insert_many(conn: &mut DbConnection, new: &[NewOpening]) -> QueryResult<()> {
    const OPENING_COLUMNS: usize = 31;
    const SESSION_COLUMNS: usize = 8;
    for chunk in new.chunks(crate::db::rows_per_insert(OPENING_COLUMNS)) {
        let rows: Vec<&OpeningRow> = chunk.iter().map(|o| &o.row).collect();
        dispatch!(conn, |c| diesel::insert_into(openings::table)
            .values(rows)
            .execute(c))?;
    }
    let skills: Vec<_> = new
        .iter()
        .flat_map(|o| {
            o.skills.iter().map(|s| {
                (
                    opening_skills::opening_id.eq(&o.row.id),
                    opening_skills::skill.eq(s),
                )
            })
        })
        .collect();
    for chunk in skills.chunks(crate::db::rows_per_insert(2)) {
        dispatch!(conn, |c| diesel::insert_into(opening_skills::table)
            .values(chunk)
            .execute(c))?;
    }
    let sessions: Vec<&SessionRow> = new.iter().flat_map(|o| &o.sessions).collect();
    for chunk in sessions.chunks(crate::db::rows_per_insert(SESSION_COLUMNS)) {
        dispatch!(conn, |c| diesel::insert_into(course_sessions::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    Ok(())
}

/// Replaces the rows the `skill` filter and facet read.
pub fn set_skills(conn: &mut DbConnection, opening_id: &str, skills: &[String]) -> QueryResult<()> {
    diesel::delete(opening_skills::table.filter(opening_skills::opening_id.eq(opening_id)))
        .execute(conn)?;
    if skills.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = skills
        .iter()
        .map(|s| {
            (
                opening_skills::opening_id.eq(opening_id),
                opening_skills::skill.eq(s),
            )
        })
        .collect();
    // One statement for all rows; batch inserts need the concrete backend.
    dispatch!(conn, |c| diesel::insert_into(opening_skills::table)
        .values(&rows)
        .execute(c))?;
    Ok(())
}

pub fn replace_sessions(
    conn: &mut DbConnection,
    opening_id: &str,
    rows: &[SessionRow],
) -> QueryResult<()> {
    diesel::delete(course_sessions::table.filter(course_sessions::opening_id.eq(opening_id)))
        .execute(conn)?;
    if rows.is_empty() {
        return Ok(());
    }
    dispatch!(conn, |c| diesel::insert_into(course_sessions::table)
        .values(rows)
        .execute(c))?;
    Ok(())
}

pub fn sessions(conn: &mut DbConnection, opening_id: &str) -> QueryResult<Vec<SessionRow>> {
    course_sessions::table
        .filter(course_sessions::opening_id.eq(opening_id))
        .order((course_sessions::starts_at, course_sessions::id))
        .select(SessionRow::as_select())
        .load(conn)
}

/// The sessions of many courses, in each course's order.
pub fn sessions_of_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<SessionRow>> {
    course_sessions::table
        .filter(course_sessions::opening_id.eq_any(ids))
        .order((
            course_sessions::opening_id,
            course_sessions::starts_at,
            course_sessions::id,
        ))
        .select(SessionRow::as_select())
        .load(conn)
}

pub fn take_place(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    let n = diesel::update(
        openings::table
            .filter(openings::id.eq(id))
            .filter(openings::places_given.lt(openings::capacity)),
    )
    .set((
        openings::places_given.eq(openings::places_given + 1),
        openings::updated_at.eq(crate::db::now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn published_in(
    conn: &mut DbConnection,
    programme_id: &str,
    kind: &str,
) -> QueryResult<Vec<FactsRow>> {
    openings::table
        .filter(openings::programme_id.eq(programme_id))
        .filter(openings::kind.eq(kind))
        .filter(openings::status.eq("published"))
        .order(openings::id)
        .select(FactsRow::as_select())
        .load(conn)
}

pub fn session(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SessionRow>> {
    course_sessions::table
        .filter(course_sessions::id.eq(id))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_session(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(course_sessions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_session(
    conn: &mut DbConnection,
    id: &str,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    cancelled: Option<(NaiveDateTime, String)>,
) -> QueryResult<()> {
    let (cancelled_at, reason) = match cancelled {
        Some((at, r)) => (Some(at), Some(r)),
        None => (None, None),
    };
    diesel::update(course_sessions::table.filter(course_sessions::id.eq(id)))
        .set((
            course_sessions::starts_at.eq(starts_at),
            course_sessions::ends_at.eq(ends_at),
            course_sessions::cancelled_at.eq(cancelled_at),
            course_sessions::cancel_reason.eq(reason),
            course_sessions::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)
        .map(|_| ())
}
