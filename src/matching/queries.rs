//! The only code that touches `applications`, `matching_rounds`, `round_snapshot_parts`,
//! `round_results`, `offers`, `placements` and `enrollments`.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{
    DbConnection,
    schema::{
        applications, enrollments, matching_rounds, offers, placements, round_results,
        round_snapshot_parts,
    },
};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = applications)]
pub struct ApplicationRow {
    pub id: String,
    pub seeker_id: String,
    pub opening_id: String,
    pub programme_id: String,
    pub rank: i32,
    pub status: String,
    pub last_round_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Statuses of applications that still stand (count towards the limit and hold a rank).
pub const LIVE: [&str; 4] = ["submitted", "offered", "accepted", "not_matched"];
/// Statuses a round considers.
pub const WAITING: [&str; 2] = ["submitted", "not_matched"];

/// About how many waiting applications a round's snapshot reads a statement.
const WAITING_PER_READ: usize = 200_000;

pub fn insert_application(c: &mut DbConnection, row: &ApplicationRow) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn application(c: &mut DbConnection, id: &str) -> QueryResult<Option<ApplicationRow>> {
    applications::table
        .filter(applications::id.eq(id))
        .select(ApplicationRow::as_select())
        .first(c)
        .optional()
}

/// Her live applications to a programme, in her order.
pub fn live_in_programme(
    c: &mut DbConnection,
    seeker: &str,
    programme: &str,
) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .filter(applications::seeker_id.eq(seeker))
        .filter(applications::programme_id.eq(programme))
        .filter(applications::status.eq_any(LIVE))
        .order((applications::rank, applications::created_at))
        .select(ApplicationRow::as_select())
        .load(c)
}

/// Whether she applied to the programme at or after `since` (any application but `except`, in
/// any state: a withdrawn one was still an application that month).
pub fn applied_since(
    c: &mut DbConnection,
    seeker: &str,
    programme: &str,
    except: &str,
    since: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        applications::table
            .filter(applications::seeker_id.eq(seeker))
            .filter(applications::programme_id.eq(programme))
            .filter(applications::id.ne(except))
            .filter(applications::created_at.ge(since)),
    ))
    .get_result(c)
}

pub fn of_seeker(c: &mut DbConnection, seeker: &str) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .filter(applications::seeker_id.eq(seeker))
        .order((
            applications::programme_id,
            applications::rank,
            applications::created_at,
        ))
        .select(ApplicationRow::as_select())
        .load(c)
}

pub fn of_opening(c: &mut DbConnection, opening: &str) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .filter(applications::opening_id.eq(opening))
        .filter(applications::status.ne("withdrawn"))
        .order(applications::created_at)
        .select(ApplicationRow::as_select())
        .load(c)
}

pub fn set_rank(c: &mut DbConnection, id: &str, rank: i32, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(applications::table.filter(applications::id.eq(id)))
        .set((
            applications::rank.eq(rank),
            applications::updated_at.eq(now),
        ))
        .execute(c)
        .map(|_| ())
}

/// Moves an application from one of `from` to `to`; false if it was in none of them.
pub fn set_status(
    c: &mut DbConnection,
    id: &str,
    from: &[&str],
    to: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq_any(from)),
    )
    .set((
        applications::status.eq(to),
        applications::updated_at.eq(now),
    ))
    .execute(c)
    .map(|n| n == 1)
}

/// What a round needs of a waiting application; its seeker is the key it is grouped under.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    /// Sixteen bytes, not a 36-character string: a national round holds five million.
    pub id: uuid::Uuid,
    /// The opening's place in the round's list of openings.
    pub opening: usize,
    pub rank: i32,
    pub created_at: NaiveDateTime,
}

/// Every application a round of this programme and kind considers, by seeker: waiting ones of
/// seekers who hold no pending offer and no accepted place in the programme. Only the columns a
/// round uses are read, in a bounded number of rows a statement, and each seeker id is kept once:
/// a national round reads five million applications.
pub fn waiting_for_round(
    c: &mut DbConnection,
    programme: &str,
    opening_ids: &[String],
) -> QueryResult<std::collections::BTreeMap<String, Vec<Waiting>>> {
    waiting_for_round_reading(c, programme, opening_ids, WAITING_PER_READ)
}

/// [`waiting_for_round`], reading about `per_read` rows a statement (tests take both paths).
pub fn waiting_for_round_reading(
    c: &mut DbConnection,
    programme: &str,
    opening_ids: &[String],
    per_read: usize,
) -> QueryResult<std::collections::BTreeMap<String, Vec<Waiting>>> {
    // PostgreSQL plans a prepared statement generically after its fifth run, and the generic plan
    // for "one of these thousand openings" scans every application: at 1,000,000 seekers each
    // chunk took 35 s instead of 0.7 s. For the rest of the round's snapshot transaction every
    // statement is planned for its own values.
    if let DbConnection::Pg(pg) = c {
        diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(pg)?;
    }
    let held: std::collections::HashSet<String> = applications::table
        .filter(applications::programme_id.eq(programme))
        .filter(applications::status.eq_any(["offered", "accepted"]))
        .select(applications::seeker_id)
        .load::<String>(c)?
        .into_iter()
        .collect();
    let index: HashMap<&str, usize> = opening_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut out: std::collections::BTreeMap<String, Vec<Waiting>> =
        std::collections::BTreeMap::new();
    // A small programme's waiting applications are read in one statement (fifty statements of a
    // thousand openings each were most of a small round's snapshot); a large one's a few thousand
    // openings at a time, so that no more than about `per_read` rows sit in memory at once.
    let waiting: i64 = applications::table
        .filter(applications::programme_id.eq(programme))
        .filter(applications::status.eq_any(WAITING))
        .count()
        .get_result(c)?;
    let chunk_size = match usize::try_from(waiting) {
        Ok(n) if n <= per_read => None,
        Ok(n) => Some((opening_ids.len().saturating_mul(per_read) / n).clamp(1000, 10_000)),
        Err(_) => Some(1000),
    };
    let chunks: Vec<Option<&[String]>> = match chunk_size {
        None => vec![None],
        Some(size) => opening_ids.chunks(size).map(Some).collect(),
    };
    for chunk in chunks {
        let mut q = applications::table
            .filter(applications::programme_id.eq(programme))
            .filter(applications::status.eq_any(WAITING))
            .into_boxed();
        if let Some(chunk) = chunk {
            q = q.filter(applications::opening_id.eq_any(chunk));
        }
        let rows = q
            .select((
                applications::id,
                applications::seeker_id,
                applications::opening_id,
                applications::rank,
                applications::created_at,
            ))
            .load::<(String, String, String, i32, NaiveDateTime)>(c)?;
        for (id, seeker, opening, rank, created_at) in rows {
            let Some(&opening) = index.get(opening.as_str()) else {
                continue;
            };
            if held.contains(&seeker) {
                continue;
            }
            let w = Waiting {
                // Applications are only ever given v7 UUIDs (`apply`).
                id: uuid::Uuid::parse_str(&id)
                    .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?,
                opening,
                rank,
                created_at,
            };
            match out.get_mut(&seeker) {
                Some(apps) => apps.push(w),
                None => {
                    out.insert(seeker, vec![w]);
                }
            }
        }
    }
    Ok(out)
}

/// Marks the applications a round offered a place on (by id, chunked) with the round.
pub fn mark_offered(
    c: &mut DbConnection,
    ids: &[String],
    round: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // 5,000 ids a statement: one array on PostgreSQL, under SQLite's parameter limit.
    for chunk in ids.chunks(5000) {
        diesel::update(applications::table.filter(applications::id.eq_any(chunk)))
            .set((
                applications::status.eq("offered"),
                applications::last_round_id.eq(round),
                applications::updated_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}

// --- rounds ---

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = matching_rounds)]
pub struct RoundRow {
    pub id: String,
    pub programme_id: String,
    pub kind: String,
    pub status: String,
    pub seed: i64,
    pub rules_version: i32,
    pub algorithm: String,
    pub progress: i32,
    pub seekers: i32,
    pub applications: i32,
    pub offers: i32,
    pub error: Option<String>,
    pub started_by: String,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

pub fn insert_round(c: &mut DbConnection, row: &RoundRow) -> QueryResult<()> {
    diesel::insert_into(matching_rounds::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

/// A round (its snapshot is read with [`snapshot`]).
pub fn round(c: &mut DbConnection, id: &str) -> QueryResult<Option<RoundRow>> {
    matching_rounds::table
        .filter(matching_rounds::id.eq(id))
        .select(RoundRow::as_select())
        .first(c)
        .optional()
}

/// Rounds newest first, of one programme or all, after a (created_at, id) cursor.
pub fn rounds(
    c: &mut DbConnection,
    programme_id: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<RoundRow>> {
    let mut q = matching_rounds::table
        .select(RoundRow::as_select())
        .order((
            matching_rounds::created_at.desc(),
            matching_rounds::id.desc(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(p) = programme_id {
        q = q.filter(matching_rounds::programme_id.eq(p.to_owned()));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            matching_rounds::created_at
                .lt(at)
                .or(matching_rounds::created_at
                    .eq(at)
                    .and(matching_rounds::id.lt(id))),
        );
    }
    q.load(c)
}

/// A round's stored snapshot, its parts joined; `None` before it is stored.
pub fn snapshot(c: &mut DbConnection, id: &str) -> QueryResult<Option<String>> {
    let parts: Vec<String> = round_snapshot_parts::table
        .filter(round_snapshot_parts::round_id.eq(id))
        .order(round_snapshot_parts::part)
        .select(round_snapshot_parts::text)
        .load(c)?;
    Ok((!parts.is_empty()).then(|| parts.concat()))
}

/// Stores one part of a round's snapshot.
pub fn store_snapshot_part(
    c: &mut DbConnection,
    id: &str,
    part: i32,
    text: &str,
) -> QueryResult<()> {
    diesel::insert_into(round_snapshot_parts::table)
        .values((
            round_snapshot_parts::round_id.eq(id),
            round_snapshot_parts::part.eq(part),
            round_snapshot_parts::text.eq(text),
        ))
        .execute(c)
        .map(|_| ())
}

/// Records what the stored snapshot holds, and that it is stored.
pub fn snapshot_stored(
    c: &mut DbConnection,
    id: &str,
    seekers: i32,
    applications: i32,
) -> QueryResult<()> {
    diesel::update(matching_rounds::table.filter(matching_rounds::id.eq(id)))
        .set((
            matching_rounds::seekers.eq(seekers),
            matching_rounds::applications.eq(applications),
            matching_rounds::progress.eq(40),
        ))
        .execute(c)
        .map(|_| ())
}

pub fn set_progress(c: &mut DbConnection, id: &str, progress: i32) -> QueryResult<()> {
    diesel::update(matching_rounds::table.filter(matching_rounds::id.eq(id)))
        .set(matching_rounds::progress.eq(progress))
        .execute(c)
        .map(|_| ())
}

/// Ends a running round; false if it was not running.
pub fn finish_round(
    c: &mut DbConnection,
    id: &str,
    status: &str,
    offers: i32,
    error: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        matching_rounds::table
            .filter(matching_rounds::id.eq(id))
            .filter(matching_rounds::status.eq("running")),
    )
    .set((
        matching_rounds::status.eq(status),
        matching_rounds::offers.eq(offers),
        matching_rounds::error.eq(error),
        matching_rounds::progress.eq(100),
        matching_rounds::finished_at.eq(now),
    ))
    .execute(c)
    .map(|n| n == 1)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = round_results)]
// Plain values (no column defaults), as PostgreSQL's binary COPY needs.
#[diesel(treat_none_as_default_value = false)]
pub struct ResultRow {
    pub round_id: String,
    pub application_id: String,
    pub seeker_id: String,
    pub opening_id: String,
    pub offered: bool,
    pub explanation: String,
}

/// A round's results. PostgreSQL takes them by binary COPY (a national round writes five
/// million); SQLite in multi-row inserts.
pub fn insert_results(c: &mut DbConnection, rows: &[ResultRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match c {
        DbConnection::Pg(c) => {
            diesel::copy_from(round_results::table)
                .from_insertable(rows)
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            // 6 columns: 1,000 rows stay under SQLite's bound-parameter limit.
            for chunk in rows.chunks(1000) {
                diesel::insert_into(round_results::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// A page of a round's results, by application id.
pub fn results(
    c: &mut DbConnection,
    round: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ResultRow>> {
    let mut q = round_results::table
        .filter(round_results::round_id.eq(round))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(round_results::application_id.gt(a.to_owned()));
    }
    q.order(round_results::application_id)
        .limit(limit)
        .select(ResultRow::as_select())
        .load(c)
}

/// Each application's result in the last completed round that considered it, by application id.
/// A round rewrites only the applications it offers a place on, naming itself in
/// `last_round_id`; one it left waiting keeps its row, and was considered by every round of its
/// programme that finished after it was made (unless she held a place then). So for waiting ones
/// the programme's rounds are walked newest first, a page at a time, until each application has
/// its answer or the rounds are older than it: usually one page. Every lookup goes down the
/// results' (round, application) key, so no second index sits on five million rows a round.
pub fn last_results(
    c: &mut DbConnection,
    apps: &[ApplicationRow],
) -> QueryResult<HashMap<String, ResultRow>> {
    let mut out: HashMap<String, ResultRow> = HashMap::new();
    let mut named: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    let mut waiting: std::collections::BTreeMap<&str, Vec<&ApplicationRow>> = Default::default();
    for a in apps {
        match (&a.last_round_id, WAITING.contains(&a.status.as_str())) {
            (Some(round), false) => named.entry(round).or_default().push(a.id.clone()),
            (_, true) => waiting.entry(&a.programme_id).or_default().push(a),
            (None, false) => {} // withdrawn before any round
        }
    }
    for (round, ids) in named {
        for chunk in ids.chunks(1000) {
            for r in round_results::table
                .filter(round_results::round_id.eq(round))
                .filter(round_results::application_id.eq_any(chunk))
                .select(ResultRow::as_select())
                .load(c)?
            {
                out.insert(r.application_id.clone(), r);
            }
        }
    }
    for (programme, mut left) in waiting {
        let mut before: Option<(NaiveDateTime, String)> = None;
        while let Some(oldest) = left.iter().map(|a| a.created_at).min() {
            let mut q = matching_rounds::table
                .filter(matching_rounds::programme_id.eq(programme))
                .filter(matching_rounds::status.eq("completed"))
                .filter(matching_rounds::finished_at.ge(oldest))
                .order((
                    matching_rounds::finished_at.desc(),
                    matching_rounds::id.desc(),
                ))
                .select((matching_rounds::id, matching_rounds::finished_at))
                .limit(50)
                .into_boxed();
            if let Some((at, id)) = before.clone() {
                q = q.filter(
                    matching_rounds::finished_at
                        .lt(at)
                        .or(matching_rounds::finished_at
                            .eq(at)
                            .and(matching_rounds::id.lt(id))),
                );
            }
            let page: Vec<(String, Option<NaiveDateTime>)> = q.load(c)?;
            let Some((last_id, Some(last_at))) = page.last().cloned() else {
                break;
            };
            // The page is newest first: an application's answer is its first round here.
            let newest: HashMap<&str, usize> = page
                .iter()
                .enumerate()
                .map(|(i, (id, _))| (id.as_str(), i))
                .collect();
            let rounds: Vec<&str> = page.iter().map(|(id, _)| id.as_str()).collect();
            let ids: Vec<String> = left.iter().map(|a| a.id.clone()).collect();
            let mut found: HashMap<String, ResultRow> = HashMap::new();
            for chunk in ids.chunks(1000) {
                for r in round_results::table
                    .filter(round_results::round_id.eq_any(&rounds))
                    .filter(round_results::application_id.eq_any(chunk))
                    .select(ResultRow::as_select())
                    .load(c)?
                {
                    let rank = |r: &ResultRow| newest.get(r.round_id.as_str()).copied();
                    if found
                        .get(&r.application_id)
                        .is_none_or(|seen| rank(&r) < rank(seen))
                    {
                        found.insert(r.application_id.clone(), r);
                    }
                }
            }
            // Answered, or made after the oldest round still to read: nothing older holds it.
            left.retain(|a| !found.contains_key(&a.id) && a.created_at <= last_at);
            out.extend(found);
            before = Some((last_at, last_id));
        }
    }
    Ok(out)
}

// --- offers ---

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = offers)]
// `None` is NULL, so SQLite inserts a round's offers in multi-row statements.
#[diesel(treat_none_as_default_value = false)]
pub struct OfferRow {
    pub id: String,
    pub round_id: String,
    pub application_id: String,
    pub seeker_id: String,
    pub opening_id: String,
    pub status: String,
    pub expires_at: NaiveDateTime,
    pub reminded_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A round's offers: by binary COPY on PostgreSQL, multi-row inserts on SQLite.
pub fn insert_offers(c: &mut DbConnection, rows: &[OfferRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match c {
        DbConnection::Pg(c) => {
            diesel::copy_from(offers::table)
                .from_insertable(rows)
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            // 10 columns: 1,000 rows stay under SQLite's bound-parameter limit.
            for chunk in rows.chunks(1000) {
                diesel::insert_into(offers::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

pub fn offer(c: &mut DbConnection, id: &str) -> QueryResult<Option<OfferRow>> {
    offers::table
        .filter(offers::id.eq(id))
        .select(OfferRow::as_select())
        .first(c)
        .optional()
}

pub fn offers_of(c: &mut DbConnection, seeker: &str) -> QueryResult<Vec<OfferRow>> {
    offers::table
        .filter(offers::seeker_id.eq(seeker))
        .order(offers::created_at.desc())
        .select(OfferRow::as_select())
        .load(c)
}

/// Pending offers per opening (they hold places until answered).
pub fn pending_per_opening(
    c: &mut DbConnection,
    opening_ids: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in opening_ids.chunks(1000) {
        out.extend(
            offers::table
                .filter(offers::status.eq("pending"))
                .filter(offers::opening_id.eq_any(chunk))
                .group_by(offers::opening_id)
                .select((offers::opening_id, diesel::dsl::count_star()))
                .load::<(String, i64)>(c)?,
        );
    }
    Ok(out)
}

/// Moves a pending offer to `to`; false when it was no longer pending (another request won).
pub fn decide_offer(
    c: &mut DbConnection,
    id: &str,
    to: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        offers::table
            .filter(offers::id.eq(id))
            .filter(offers::status.eq("pending")),
    )
    .set((offers::status.eq(to), offers::decided_at.eq(now)))
    .execute(c)
    .map(|n| n == 1)
}

pub fn expired_offers(
    c: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OfferRow>> {
    offers::table
        .filter(offers::status.eq("pending"))
        .filter(offers::expires_at.le(now))
        .order(offers::expires_at)
        .limit(limit)
        .select(OfferRow::as_select())
        .load(c)
}

pub fn offers_to_remind(
    c: &mut DbConnection,
    now: NaiveDateTime,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OfferRow>> {
    offers::table
        .filter(offers::status.eq("pending"))
        .filter(offers::reminded_at.is_null())
        .filter(offers::expires_at.gt(now))
        .filter(offers::expires_at.le(before))
        .order(offers::expires_at)
        .limit(limit)
        .select(OfferRow::as_select())
        .load(c)
}

pub fn mark_reminded(c: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        offers::table
            .filter(offers::id.eq(id))
            .filter(offers::reminded_at.is_null()),
    )
    .set(offers::reminded_at.eq(now))
    .execute(c)
    .map(|n| n == 1)
}

// --- placements and enrollments ---

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = placements)]
#[diesel(treat_none_as_null = true)]
pub struct PlacementRow {
    pub id: String,
    pub offer_id: String,
    pub seeker_id: String,
    pub opening_id: String,
    pub status: String,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_placement(c: &mut DbConnection, row: &PlacementRow) -> QueryResult<()> {
    diesel::insert_into(placements::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn placement(c: &mut DbConnection, id: &str) -> QueryResult<Option<PlacementRow>> {
    placements::table
        .filter(placements::id.eq(id))
        .select(PlacementRow::as_select())
        .first(c)
        .optional()
}

pub fn placements_by_ids(c: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<PlacementRow>> {
    placements::table
        .filter(placements::id.eq_any(ids))
        .select(PlacementRow::as_select())
        .load(c)
}

/// Placements that have started, by id after `after`: what wage reports are owed for.
pub fn started_placements(
    c: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PlacementRow>> {
    let mut q = placements::table
        .filter(placements::started_on.is_not_null())
        .select(PlacementRow::as_select())
        .order(placements::id)
        .limit(limit)
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(placements::id.gt(a.to_owned()));
    }
    q.load(c)
}

pub fn placements_of_seeker(c: &mut DbConnection, seeker: &str) -> QueryResult<Vec<PlacementRow>> {
    placements::table
        .filter(placements::seeker_id.eq(seeker))
        .order(placements::id)
        .select(PlacementRow::as_select())
        .load(c)
}

pub fn placements_of_opening(
    c: &mut DbConnection,
    opening: &str,
) -> QueryResult<Vec<PlacementRow>> {
    placements::table
        .filter(placements::opening_id.eq(opening))
        .order(placements::created_at)
        .select(PlacementRow::as_select())
        .load(c)
}

pub fn update_placement(c: &mut DbConnection, row: &PlacementRow) -> QueryResult<()> {
    diesel::update(placements::table.filter(placements::id.eq(&row.id)))
        .set(row)
        .execute(c)
        .map(|_| ())
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    pub id: String,
    pub offer_id: String,
    pub seeker_id: String,
    pub opening_id: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_enrollment(c: &mut DbConnection, row: &EnrollmentRow) -> QueryResult<()> {
    diesel::insert_into(enrollments::table)
        .values(row)
        .execute(c)
        .map(|_| ())
}

pub fn enrollment(c: &mut DbConnection, id: &str) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::id.eq(id))
        .select(EnrollmentRow::as_select())
        .first(c)
        .optional()
}

pub fn enrollments_of_opening(
    c: &mut DbConnection,
    opening: &str,
) -> QueryResult<Vec<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::opening_id.eq(opening))
        .order(enrollments::created_at)
        .select(EnrollmentRow::as_select())
        .load(c)
}

/// A page of a course's enrollments, oldest first, after (created at, id).
pub fn enrollments_of_opening_page(
    c: &mut DbConnection,
    opening: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<EnrollmentRow>> {
    let mut q = enrollments::table
        .filter(enrollments::opening_id.eq(opening))
        .select(EnrollmentRow::as_select())
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            enrollments::created_at
                .gt(at)
                .or(enrollments::created_at.eq(at).and(enrollments::id.gt(id))),
        );
    }
    q.order((enrollments::created_at.asc(), enrollments::id.asc()))
        .limit(limit)
        .load(c)
}

pub fn enrollments_of_seeker(
    c: &mut DbConnection,
    seeker: &str,
) -> QueryResult<Vec<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::seeker_id.eq(seeker))
        .order(enrollments::created_at)
        .select(EnrollmentRow::as_select())
        .load(c)
}

/// The placement id and the enrollment id an accepted offer created (one of them is set).
pub type Places = (Option<String>, Option<String>);

/// The placement and the enrollment that each of `offers` created when accepted, by offer id.
pub fn places_of_offers(
    c: &mut DbConnection,
    offers: &[String],
) -> QueryResult<HashMap<String, Places>> {
    let mut found: HashMap<String, Places> = HashMap::new();
    for chunk in offers.chunks(500) {
        let placed: Vec<(String, String)> = placements::table
            .filter(placements::offer_id.eq_any(chunk))
            .select((placements::offer_id, placements::id))
            .load(c)?;
        for (offer, id) in placed {
            found.entry(offer).or_default().0 = Some(id);
        }
        let enrolled: Vec<(String, String)> = enrollments::table
            .filter(enrollments::offer_id.eq_any(chunk))
            .select((enrollments::offer_id, enrollments::id))
            .load(c)?;
        for (offer, id) in enrolled {
            found.entry(offer).or_default().1 = Some(id);
        }
    }
    Ok(found)
}

pub fn all_enrollments(c: &mut DbConnection) -> QueryResult<Vec<EnrollmentRow>> {
    enrollments::table
        .order(enrollments::id)
        .select(EnrollmentRow::as_select())
        .load(c)
}
