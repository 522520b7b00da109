//! The city's reports on national data: a year of two programmes for about a million people,
//! DISTRICTS districts (default 200: Kazakhstan's districts and cities of regional rank), every
//! metric counted in every cell, as the transactions that change the data leave them. Times, on
//! SQLite and PostgreSQL (BACKENDS), the median of five calls of: the report's first page with the
//! year's totals, the same for one programme and one district, the whole year as CSV, the cabinet's
//! overview (by month and district), open data uncached and cached.
//!
//! `cargo bench --bench reports`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestDatabase, test_settings};
use diesel::prelude::*;
use social_jobs::{
    access::Caller,
    accounts::model::Role,
    db::{DbError, schema::report_counts},
    demo::{self, DemoScale},
    dispatch,
    reports::{
        service::{self, ReportQuery},
        tally::Metric,
    },
    startup::AppState,
};

const PEOPLE: i64 = 1_000_000;

fn districts() -> usize {
    std::env::var("DISTRICTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

fn admin() -> Caller {
    Caller {
        account_id: "bench".into(),
        email: "bench@example.kz".into(),
        role: Role::Admin,
        locale: social_jobs::locale::Locale::Ru,
        email_verified: true,
        organisation_id: None,
        organisation_approved: false,
        actor: Default::default(),
    }
}

async fn median<F, Fut>(mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    times.sort();
    times[2]
}

async fn run(backend: Backend) {
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    settings.log_level = "error".into();
    let (state, _) = AppState::build(settings, social_jobs::clock::Clock::system())
        .await
        .unwrap();
    let small = DemoScale {
        seekers: 10,
        openings: 10,
        ..DemoScale::default()
    };
    demo::seed(&state.db, &small, false).await.unwrap();
    let programmes: Vec<String> = social_jobs::programmes::service::list(&state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    let today = social_jobs::seekers::service::almaty_today();
    let months: Vec<String> = (0..12)
        .map(|k| {
            today
                .checked_sub_months(chrono::Months::new(k))
                .unwrap()
                .format("%Y-%m")
                .to_string()
        })
        .collect();
    let n = districts();
    // Per cell: a million people a year spread over districts and months.
    let per_cell = (PEOPLE / (n as i64 * 12)).max(1);
    let t = Instant::now();
    let (p2, m2) = (programmes.clone(), months.clone());
    let rows = state
        .db
        .transaction(move |c| {
            let mut batch = Vec::new();
            let mut rows = 0usize;
            for period in &m2 {
                for programme in &p2 {
                    for d in 0..n {
                        for (i, metric) in Metric::all().into_iter().enumerate() {
                            let count = per_cell / (1 + i as i64 % 7);
                            let amount = if metric.has_amount() {
                                count * 3_000_000
                            } else {
                                0
                            };
                            batch.push((
                                report_counts::period.eq(period.clone()),
                                report_counts::programme_id.eq(programme.clone()),
                                report_counts::district.eq(format!("district-{d:03}")),
                                report_counts::metric.eq(metric.key()),
                                report_counts::count.eq(count),
                                report_counts::amount_tiyn.eq(amount),
                            ));
                            if batch.len() == 2_000 {
                                rows += batch.len();
                                dispatch!(c, |c| diesel::insert_into(report_counts::table)
                                    .values(&batch)
                                    .execute(c))?;
                                batch.clear();
                            }
                        }
                    }
                }
            }
            rows += batch.len();
            dispatch!(c, |c| diesel::insert_into(report_counts::table)
                .values(&batch)
                .execute(c))?;
            Ok::<_, DbError>(rows)
        })
        .await
        .unwrap();
    state.db.analyze_tables(&["report_counts"]).await.unwrap();
    println!(
        "{backend:?}: {rows} counts ({} programmes × {n} districts × 12 months × {} metrics) loaded in {:.1} s",
        programmes.len(),
        Metric::all().len(),
        t.elapsed().as_secs_f64()
    );
    let year = ReportQuery {
        from: months.last().cloned(),
        to: months.first().cloned(),
        ..ReportQuery::default()
    };
    let one = ReportQuery {
        programme_id: programmes.first().cloned(),
        district: Some("district-042".into()),
        ..year.clone()
    };
    let who = admin();
    let (db, cache) = (state.db.clone(), state.open_data.clone());
    let page = median(|| async {
        service::summary(&db, &who, year.clone(), None, 100)
            .await
            .unwrap();
    })
    .await;
    let filtered = median(|| async {
        service::summary(&db, &who, one.clone(), None, 100)
            .await
            .unwrap();
    })
    .await;
    let csv_len = service::summary_csv(&db, &who, year.clone())
        .await
        .unwrap()
        .len();
    let csv = median(|| async {
        service::summary_csv(&db, &who, year.clone()).await.unwrap();
    })
    .await;
    let overview = median(|| async {
        service::overview(&db, &who, year.clone()).await.unwrap();
    })
    .await;
    let uncached = median(|| async {
        cache.invalidate_all();
        service::open_data(&db, &cache, year.clone(), None, 100)
            .await
            .unwrap();
    })
    .await;
    let cached = median(|| async {
        service::open_data(&db, &cache, year.clone(), None, 100)
            .await
            .unwrap();
    })
    .await;
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "| backend | page + year totals | one programme and district | year as CSV ({:.1} MB) | cabinet overview | open data | open data cached |",
        csv_len as f64 / 1e6
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {backend:?} | {} | {} | {} | {} | {} | {} |",
        ms(page),
        ms(filtered),
        ms(csv),
        ms(overview),
        ms(uncached),
        ms(cached)
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for b in std::env::var("BACKENDS")
            .unwrap_or_else(|_| "sqlite,postgres".into())
            .split(',')
        {
            let backend = if b.trim() == "postgres" {
                Backend::Postgres
            } else {
                Backend::Sqlite
            };
            run(backend).await;
        }
    });
}
