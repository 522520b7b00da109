//! The city's reports (case workers and admins) and the same figures as open data (anyone),
//! read from the counts the other capabilities keep (see [`super::tally`]).

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use serde::Serialize;

use super::{
    queries::{self, CellKey, Count, Filter},
    suppression,
    tally::Metric,
};
use crate::{
    access::{Caller, Permission},
    db::Db,
    error::AppError,
    messages::FieldMsg,
};

/// The longest range a report covers, in months.
pub const MAX_MONTHS: i32 = 36;

/// What a report is asked for, as given (all optional).
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub programme_id: Option<String>,
    pub district: Option<String>,
}

fn month_index(period: &str) -> Option<i32> {
    let (first, _) = crate::attendance::service::parse_period(period)?;
    use chrono::Datelike;
    Some(first.year() * 12 + first.month0() as i32)
}

fn period_of_index(i: i32) -> String {
    format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1)
}

/// Checks a query: months as `YYYY-MM`, `from` not after `to`, at most [`MAX_MONTHS`]; without
/// them, the twelve months to this one.
pub fn filter_of(q: ReportQuery, this_month: &str) -> Result<Filter, AppError> {
    // Query parameters: the problem says so, and names the parameter.
    let bad = |name: &str, msg: FieldMsg| crate::paging::query_error(name, msg);
    let parse = |name: &'static str, v: &Option<String>| match v {
        Some(p) => month_index(p)
            .map(Some)
            .ok_or_else(|| bad(name, FieldMsg::Invalid)),
        None => Ok(None),
    };
    let now = month_index(this_month).ok_or_else(|| bad("to", FieldMsg::Invalid))?;
    let (from, to) = (parse("from", &q.from)?, parse("to", &q.to)?);
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to - 11);
    if from > to {
        return Err(bad("to", FieldMsg::MustBeAfter { field: "from" }));
    }
    if to - from + 1 > MAX_MONTHS {
        return Err(bad(
            "from",
            FieldMsg::OutOfRange {
                min: 1,
                max: i64::from(MAX_MONTHS),
            },
        ));
    }
    Ok(Filter {
        from: period_of_index(from),
        to: period_of_index(to),
        programme_id: q.programme_id,
        district: q.district,
    })
}

/// The figures of a cell, or of a total.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Every metric (see the README): people, except `sessions_held` and `sessions_attended`.
    pub counts: BTreeMap<String, i64>,
    /// Money of the metrics that carry it (`stipends_*`, `subsidies_*`), in tiyn.
    pub amounts_tiyn: BTreeMap<String, i64>,
    /// Sessions attended of sessions held, 0–1; none without sessions.
    pub attendance_rate: Option<f64>,
}

/// One month, programme and district.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    pub period: String,
    pub programme_id: String,
    pub programme_name: String,
    pub district: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportPage {
    pub from: String,
    pub to: String,
    pub items: Vec<ReportRow>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Over every row the filter covers (all pages).
    pub totals: Figures,
}

fn rate(held: i64, attended: i64) -> Option<f64> {
    (held > 0).then(|| (attended as f64 / held as f64 * 1000.0).round() / 1000.0)
}

fn figures(counts: &[(String, i64, i64)]) -> Figures {
    let mut f = Figures::default();
    for m in Metric::all() {
        f.counts.insert(m.key(), 0);
        if m.has_amount() {
            f.amounts_tiyn.insert(m.key(), 0);
        }
    }
    for (metric, n, amount) in counts {
        if let Some(v) = f.counts.get_mut(metric) {
            *v += n;
        }
        if let Some(v) = f.amounts_tiyn.get_mut(metric) {
            *v += amount;
        }
    }
    let count = |m: Metric| f.counts.get(&m.key()).copied().unwrap_or(0);
    f.attendance_rate = rate(count(Metric::SessionsHeld), count(Metric::SessionsAttended));
    f
}

fn encode(k: &CellKey) -> String {
    crate::paging::wrap(&format!("{}|{}|{}", k.0, k.1, k.2))
}

fn decode(cursor: Option<String>) -> Result<Option<CellKey>, AppError> {
    let Some(c) = cursor else { return Ok(None) };
    let text = crate::paging::unwrap_text(&c).ok_or_else(crate::paging::invalid)?;
    let mut parts = text.splitn(3, '|');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(p), Some(g), Some(d)) if month_index(p).is_some() => {
            Ok(Some((p.to_owned(), g.to_owned(), d.to_owned())))
        }
        _ => Err(crate::paging::invalid()),
    }
}

/// A metric's count and amount: (metric, count, amount in tiyn).
type Sums = Vec<(String, i64, i64)>;

/// Rows that come sorted by their key, gathered per key.
fn by_key<K: PartialEq>(rows: impl IntoIterator<Item = (K, String, i64, i64)>) -> Vec<(K, Sums)> {
    let mut out: Vec<(K, Sums)> = Vec::new();
    for (key, m, n, a) in rows {
        match out.last_mut() {
            Some((k, v)) if *k == key => v.push((m, n, a)),
            _ => out.push((key, vec![(m, n, a)])),
        }
    }
    out
}

/// Cells with their counts (rows come sorted by cell).
fn group(rows: Vec<Count>) -> Vec<(CellKey, Sums)> {
    by_key(
        rows.into_iter()
            .map(|(p, g, d, m, n, a)| ((p, g, d), m, n, a)),
    )
}

async fn programme_names(db: &Db) -> Result<HashMap<String, String>, AppError> {
    Ok(crate::programmes::service::list(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// A page of cells and the totals of the whole filter.
async fn page(
    db: &Db,
    filter: Filter,
    cursor: Option<String>,
    limit: i64,
) -> Result<
    (
        Vec<(CellKey, Vec<(String, i64, i64)>)>,
        Option<String>,
        Vec<(String, i64, i64)>,
    ),
    AppError,
> {
    let after = decode(cursor)?;
    db.run(move |c| {
        let mut keys = queries::cell_keys(c, &filter, after.as_ref(), limit + 1)?;
        let more = keys.len() as i64 > limit;
        keys.truncate(limit as usize);
        let next = more.then(|| keys.last().map(encode)).flatten();
        let mut rows = queries::counts_of(c, &keys)?;
        rows.sort();
        let totals = queries::totals(c, &filter)?;
        Ok::<_, AppError>((group(rows), next, totals))
    })
    .await
}

/// The report for case workers and admins: every figure, a page of cells at a time.
pub async fn summary(
    db: &Db,
    user: &Caller,
    query: ReportQuery,
    cursor: Option<String>,
    limit: i64,
) -> Result<ReportPage, AppError> {
    user.require(Permission::ViewReports)?;
    let filter = filter_of(query, &super::tally::period_of_date(db.today()))?;
    let names = programme_names(db).await?;
    let (from, to) = (filter.from.clone(), filter.to.clone());
    let (cells, next_cursor, totals) = page(db, filter, cursor, limit).await?;
    Ok(ReportPage {
        from,
        to,
        items: cells
            .into_iter()
            .map(|((period, programme_id, district), counts)| ReportRow {
                programme_name: names.get(&programme_id).cloned().unwrap_or_default(),
                period,
                programme_id,
                district,
                figures: figures(&counts),
            })
            .collect(),
        next_cursor,
        totals: figures(&totals),
    })
}

/// Every row of the report as CSV (same filter; text cells neutralised for spreadsheets).
pub async fn summary_csv(db: &Db, user: &Caller, query: ReportQuery) -> Result<String, AppError> {
    user.require(Permission::ViewReports)?;
    let filter = filter_of(query, &super::tally::period_of_date(db.today()))?;
    let names = programme_names(db).await?;
    let rows = db
        .run(move |c| queries::all_counts(c, &filter).map_err(AppError::from))
        .await?;
    let metrics = Metric::all();
    let mut header: Vec<String> = ["period", "programme_id", "programme", "district"]
        .map(String::from)
        .to_vec();
    header.extend(metrics.iter().map(|m| m.key()));
    header.extend(
        metrics
            .iter()
            .filter(|m| m.has_amount())
            .map(|m| format!("{}_kzt", m.key())),
    );
    header.push("attendance_rate".into());
    let numeric: Vec<bool> = (0..header.len()).map(|i| i >= 4).collect();
    let lines = group(rows)
        .into_iter()
        .map(|((period, programme, district), counts)| {
            let f = figures(&counts);
            let mut line: Vec<std::borrow::Cow<'static, str>> = vec![
                period.into(),
                names.get(&programme).cloned().unwrap_or_default().into(),
                district.into(),
            ];
            line.insert(1, programme.into());
            line.extend(
                metrics
                    .iter()
                    .map(|m| f.counts[&m.key()].to_string().into()),
            );
            line.extend(
                metrics
                    .iter()
                    .filter(|m| m.has_amount())
                    .map(|m| crate::payouts::tenge(f.amounts_tiyn[&m.key()]).into()),
            );
            line.push(
                f.attendance_rate
                    .map(|r| r.to_string())
                    .unwrap_or_default()
                    .into(),
            );
            line
        });
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    crate::text::csv_file(&header, &numeric, lines).map_err(crate::error::internal)
}

/// The figures of a filter by month and by district, and their totals (the cabinet's page).
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub from: String,
    pub to: String,
    pub programme_id: Option<String>,
    pub district: Option<String>,
    pub totals: Figures,
    /// Every month of the range, in order (months without a count have zeros).
    pub by_month: Vec<(String, Figures)>,
    pub by_district: Vec<(String, Figures)>,
}

fn grouped(rows: Vec<(String, String, i64, i64)>) -> Vec<(String, Figures)> {
    by_key(rows)
        .into_iter()
        .map(|(k, v)| (k, figures(&v)))
        .collect()
}

pub async fn overview(db: &Db, user: &Caller, query: ReportQuery) -> Result<Overview, AppError> {
    user.require(Permission::ViewReports)?;
    let filter = filter_of(query, &super::tally::period_of_date(db.today()))?;
    let f = filter.clone();
    let (totals, months, districts) = db
        .run(move |c| {
            Ok::<_, AppError>((
                queries::totals(c, &f)?,
                queries::by_month(c, &f)?,
                queries::by_district(c, &f)?,
            ))
        })
        .await?;
    let mut months: BTreeMap<String, Figures> = grouped(months).into_iter().collect();
    let (from, to) = (
        month_index(&filter.from).unwrap_or_default(),
        month_index(&filter.to).unwrap_or_default(),
    );
    let by_month = (from..=to)
        .map(period_of_index)
        .map(|p| {
            let f = months.remove(&p).unwrap_or_else(|| figures(&[]));
            (p, f)
        })
        .collect();
    Ok(Overview {
        from: filter.from,
        to: filter.to,
        programme_id: filter.programme_id,
        district: filter.district,
        totals: figures(&totals),
        by_month,
        by_district: grouped(districts),
    })
}

/// A published figure: the number, or none where it is hidden.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct OpenFigures {
    /// Each metric; `null` where fewer than 5 people are behind it (or could be worked out).
    pub counts: BTreeMap<String, Option<i64>>,
    pub amounts_tiyn: BTreeMap<String, Option<i64>>,
    pub attendance_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenDataRow {
    pub period: String,
    pub programme_id: String,
    pub programme_name: String,
    pub district: String,
    #[serde(flatten)]
    pub figures: OpenFigures,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenDataPage {
    pub from: String,
    pub to: String,
    pub items: Vec<OpenDataRow>,
    pub next_cursor: Option<String>,
    /// The sum of the figures shown on this page (hidden ones are not in it, so nothing hidden
    /// can be worked out by subtraction).
    pub shown_totals: BTreeMap<String, i64>,
    /// How many figures on this page are hidden.
    pub hidden: i64,
    /// The fewest people a shown figure is about.
    pub min_people: i64,
}

/// Open data keeps its answers this long: the figures move by the day, and a burst of the same
/// request costs one read.
pub const OPEN_DATA_TTL: Duration = Duration::from_secs(300);

/// Answers of the open-data endpoint, by query.
pub type OpenDataCache = mini_moka::sync::Cache<String, Arc<OpenDataPage>>;

pub fn open_data_cache() -> OpenDataCache {
    mini_moka::sync::Cache::builder()
        .max_capacity(1_000)
        .time_to_live(OPEN_DATA_TTL)
        .build()
}

fn published(counts: &[(String, i64, i64)]) -> OpenFigures {
    let f = figures(counts);
    let hidden = suppression::suppressed(&f.counts);
    let show = |k: &String, v: i64| (!hidden.contains(k)).then_some(v);
    let counts: BTreeMap<String, Option<i64>> = f
        .counts
        .iter()
        .map(|(k, v)| (k.clone(), show(k, *v)))
        .collect();
    let amounts_tiyn = f
        .amounts_tiyn
        .iter()
        .map(|(k, v)| (k.clone(), show(k, *v)))
        .collect();
    let held = counts.get(&Metric::SessionsHeld.key()).copied().flatten();
    let attended = counts
        .get(&Metric::SessionsAttended.key())
        .copied()
        .flatten();
    OpenFigures {
        attendance_rate: match (held, attended) {
            (Some(h), Some(a)) => rate(h, a),
            _ => None,
        },
        counts,
        amounts_tiyn,
    }
}

/// The report as open data: anyone may read it; small cells hidden (see [`suppression`]).
pub async fn open_data(
    db: &Db,
    cache: &OpenDataCache,
    query: ReportQuery,
    cursor: Option<String>,
    limit: i64,
) -> Result<Arc<OpenDataPage>, AppError> {
    let filter = filter_of(query, &super::tally::period_of_date(db.today()))?;
    let key = format!("{filter:?}|{cursor:?}|{limit}");
    if let Some(hit) = cache.get(&key) {
        return Ok(hit);
    }
    let names = programme_names(db).await?;
    let (from, to) = (filter.from.clone(), filter.to.clone());
    let (cells, next_cursor, _) = page(db, filter, cursor, limit).await?;
    let items: Vec<OpenDataRow> = cells
        .into_iter()
        .map(|((period, programme_id, district), counts)| OpenDataRow {
            programme_name: names.get(&programme_id).cloned().unwrap_or_default(),
            period,
            programme_id,
            district,
            figures: published(&counts),
        })
        .collect();
    let mut shown_totals: BTreeMap<String, i64> = BTreeMap::new();
    let mut hidden = 0;
    for row in &items {
        for (k, v) in &row.figures.counts {
            match v {
                Some(n) => *shown_totals.entry(k.clone()).or_default() += n,
                None => hidden += 1,
            }
        }
    }
    let page = Arc::new(OpenDataPage {
        from,
        to,
        items,
        next_cursor,
        shown_totals,
        hidden,
        min_people: suppression::MIN_PEOPLE,
    });
    cache.insert(key, page.clone());
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_checked_and_defaults_to_the_last_twelve_months() {
        let f = filter_of(ReportQuery::default(), "2027-02").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((f.from.as_str(), f.to.as_str()), ("2026-03", "2027-02"));
        let q = |from: &str, to: &str| ReportQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            ..ReportQuery::default()
        };
        assert!(filter_of(q("2026-12", "2026-01"), "2027-02").is_err());
        assert!(
            filter_of(q("2023-01", "2026-12"), "2027-02").is_err(),
            "48 months"
        );
        assert!(
            filter_of(q("2024-01", "2026-12"), "2027-02").is_ok(),
            "36 months"
        );
        assert!(filter_of(q("2026-13", "2026-12"), "2027-02").is_err());
    }
}
