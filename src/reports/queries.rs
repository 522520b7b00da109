//! The reports' table: counts added in place, and read by cell or summed.

use diesel::{prelude::*, upsert::excluded};

use crate::{
    db::{DbConnection, schema::report_counts},
    dispatch,
};

/// Adds to a cell's metric, making the row on its first count.
pub fn add(
    c: &mut DbConnection,
    period: &str,
    programme_id: &str,
    district: &str,
    metric: &str,
    count: i64,
    amount_tiyn: i64,
) -> QueryResult<()> {
    let row = (
        report_counts::period.eq(period),
        report_counts::programme_id.eq(programme_id),
        report_counts::district.eq(district),
        report_counts::metric.eq(metric),
        report_counts::count.eq(count),
        report_counts::amount_tiyn.eq(amount_tiyn),
    );
    dispatch!(c, |c| diesel::insert_into(report_counts::table)
        .values(row)
        .on_conflict((
            report_counts::period,
            report_counts::programme_id,
            report_counts::district,
            report_counts::metric,
        ))
        .do_update()
        .set((
            report_counts::count.eq(report_counts::count + excluded(report_counts::count)),
            report_counts::amount_tiyn
                .eq(report_counts::amount_tiyn + excluded(report_counts::amount_tiyn)),
        ))
        .execute(c))?;
    Ok(())
}

/// Which cells a report covers: months `from..=to`, optionally one programme and one district.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    pub from: String,
    pub to: String,
    pub programme_id: Option<String>,
    pub district: Option<String>,
}

/// A cell: (period, programme, district).
pub type CellKey = (String, String, String);

/// A page of the cells that hold any count, in (period, programme, district) order after `after`.
pub fn cell_keys(
    c: &mut DbConnection,
    f: &Filter,
    after: Option<&CellKey>,
    limit: i64,
) -> QueryResult<Vec<CellKey>> {
    let mut q = report_counts::table
        .filter(report_counts::period.between(f.from.clone(), f.to.clone()))
        .select((
            report_counts::period,
            report_counts::programme_id,
            report_counts::district,
        ))
        .distinct()
        .order((
            report_counts::period,
            report_counts::programme_id,
            report_counts::district,
        ))
        .limit(limit)
        .into_boxed();
    if let Some(p) = &f.programme_id {
        q = q.filter(report_counts::programme_id.eq(p.clone()));
    }
    if let Some(d) = &f.district {
        q = q.filter(report_counts::district.eq(d.clone()));
    }
    if let Some((period, programme, district)) = after {
        q = q.filter(
            report_counts::period
                .gt(period.clone())
                .or(report_counts::period.eq(period.clone()).and(
                    report_counts::programme_id.gt(programme.clone()).or(
                        report_counts::programme_id
                            .eq(programme.clone())
                            .and(report_counts::district.gt(district.clone())),
                    ),
                )),
        );
    }
    q.load(c)
}

/// A cell's metric: (period, programme, district, metric, count, amount).
pub type Count = (String, String, String, String, i64, i64);

/// Every metric of the given cells (a page's worth), all from one period range scan.
pub fn counts_of(c: &mut DbConnection, keys: &[CellKey]) -> QueryResult<Vec<Count>> {
    let (Some(first), Some(last)) = (keys.first(), keys.last()) else {
        return Ok(vec![]);
    };
    let programmes: Vec<&String> = keys.iter().map(|k| &k.1).collect();
    let districts: Vec<&String> = keys.iter().map(|k| &k.2).collect();
    let rows: Vec<Count> = report_counts::table
        .filter(report_counts::period.between(first.0.clone(), last.0.clone()))
        .filter(report_counts::programme_id.eq_any(programmes))
        .filter(report_counts::district.eq_any(districts))
        .select((
            report_counts::period,
            report_counts::programme_id,
            report_counts::district,
            report_counts::metric,
            report_counts::count,
            report_counts::amount_tiyn,
        ))
        .load(c)?;
    let wanted: std::collections::HashSet<&CellKey> = keys.iter().collect();
    Ok(rows
        .into_iter()
        .filter(|r| wanted.contains(&(r.0.clone(), r.1.clone(), r.2.clone())))
        .collect())
}

/// Every count the filter covers (the whole range, for totals and files).
pub fn all_counts(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<Count>> {
    let mut q = report_counts::table
        .filter(report_counts::period.between(f.from.clone(), f.to.clone()))
        .select((
            report_counts::period,
            report_counts::programme_id,
            report_counts::district,
            report_counts::metric,
            report_counts::count,
            report_counts::amount_tiyn,
        ))
        .order((
            report_counts::period,
            report_counts::programme_id,
            report_counts::district,
        ))
        .into_boxed();
    if let Some(p) = &f.programme_id {
        q = q.filter(report_counts::programme_id.eq(p.clone()));
    }
    if let Some(d) = &f.district {
        q = q.filter(report_counts::district.eq(d.clone()));
    }
    q.load(c)
}

/// The sum of each metric over the filter: (metric, count, amount).
pub fn totals(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(String, i64, i64)>> {
    use diesel::{dsl::sql, sql_types::BigInt};
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back, the same text on both backends.
    let mut q = report_counts::table
        .filter(report_counts::period.between(f.from.clone(), f.to.clone()))
        .group_by(report_counts::metric)
        .select((
            report_counts::metric,
            sql::<BigInt>("CAST(SUM(count) AS BIGINT)"),
            sql::<BigInt>("CAST(SUM(amount_tiyn) AS BIGINT)"),
        ))
        .into_boxed();
    if let Some(p) = &f.programme_id {
        q = q.filter(report_counts::programme_id.eq(p.clone()));
    }
    if let Some(d) = &f.district {
        q = q.filter(report_counts::district.eq(d.clone()));
    }
    q.load(c)
}

/// Each metric's sum per month over the filter: (period, metric, count, amount).
pub fn by_month(c: &mut DbConnection, f: &Filter) -> QueryResult<Vec<(String, String, i64, i64)>> {
    use diesel::{dsl::sql, sql_types::BigInt};
    let mut q = report_counts::table
        .filter(report_counts::period.between(f.from.clone(), f.to.clone()))
        .group_by((report_counts::period, report_counts::metric))
        .select((
            report_counts::period,
            report_counts::metric,
            sql::<BigInt>("CAST(SUM(count) AS BIGINT)"),
            sql::<BigInt>("CAST(SUM(amount_tiyn) AS BIGINT)"),
        ))
        .order(report_counts::period)
        .into_boxed();
    if let Some(p) = &f.programme_id {
        q = q.filter(report_counts::programme_id.eq(p.clone()));
    }
    if let Some(d) = &f.district {
        q = q.filter(report_counts::district.eq(d.clone()));
    }
    q.load(c)
}

/// Each metric's sum per district over the filter: (district, metric, count, amount).
pub fn by_district(
    c: &mut DbConnection,
    f: &Filter,
) -> QueryResult<Vec<(String, String, i64, i64)>> {
    use diesel::{dsl::sql, sql_types::BigInt};
    let mut q = report_counts::table
        .filter(report_counts::period.between(f.from.clone(), f.to.clone()))
        .group_by((report_counts::district, report_counts::metric))
        .select((
            report_counts::district,
            report_counts::metric,
            sql::<BigInt>("CAST(SUM(count) AS BIGINT)"),
            sql::<BigInt>("CAST(SUM(amount_tiyn) AS BIGINT)"),
        ))
        .order(report_counts::district)
        .into_boxed();
    if let Some(p) = &f.programme_id {
        q = q.filter(report_counts::programme_id.eq(p.clone()));
    }
    if let Some(d) = &f.district {
        q = q.filter(report_counts::district.eq(d.clone()));
    }
    q.load(c)
}
