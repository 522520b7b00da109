//! A matching round at scale: the algorithm alone, and the whole round (load the snapshot,
//! compute, persist results, offers and emails in one transaction) on SQLite and PostgreSQL.
//!
//! `cargo bench --bench matching_round`. SEEKERS (default `10000,100000`: each size in turn, to
//! show growth), 5 applications each, over OPENINGS job openings (default 5,000). BACKENDS
//! (`sqlite,postgres`); ALGORITHM_ONLY=1 skips the databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use chrono::NaiveDate;
use common::{Backend, TestDatabase, test_settings};
use diesel::prelude::*;
use rand::{Rng, SeedableRng, rngs::StdRng};
use social_jobs::{
    db::{
        DbConnection, DbError,
        schema::{accounts, applications, openings},
    },
    demo::{self, DemoScale},
    dispatch, kz,
    matching::{
        algorithm::{self, Application, Market, Seeker},
        queries::{ApplicationRow, RoundRow},
        rounds,
    },
    seekers::{
        household::{self, Income, IncomeSource, Member, Relation},
        queries::{HouseholdRow, ProfileRow},
    },
    startup::AppState,
};

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A synthetic market like the city's: 5 distinct choices each, tiers 1–4, fit 0–100.
fn market(seekers: usize, openings: usize) -> Market {
    let mut rng = StdRng::seed_from_u64(7);
    let lottery = algorithm::lottery(11, seekers);
    Market {
        capacities: (0..openings).map(|_| rng.random_range(1..=20)).collect(),
        seekers: (0..seekers)
            .map(|i| {
                let mut chosen: Vec<usize> = Vec::new();
                while chosen.len() < 5.min(openings) {
                    let o = rng.random_range(0..openings);
                    if !chosen.contains(&o) {
                        chosen.push(o);
                    }
                }
                let tier = rng.random_range(1..=4);
                Seeker {
                    lottery: lottery[i],
                    applications: chosen
                        .into_iter()
                        .map(|opening| Application {
                            opening,
                            tier,
                            fit: rng.random_range(0..=100),
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}

fn time_algorithm(seekers: usize, openings: usize) {
    let m = market(seekers, openings);
    let mut best = f64::MAX;
    let mut outcome = None;
    for _ in 0..3 {
        let t = Instant::now();
        outcome = Some(algorithm::deferred_acceptance(&m));
        best = best.min(t.elapsed().as_secs_f64());
    }
    let o = outcome.unwrap();
    let placed = o.assignment.iter().filter(|a| a.is_some()).count();
    println!(
        "algorithm  {seekers:>7} seekers × 5 over {openings} openings: {:>8.1} ms (best of 3), {} proposals, {placed} offers",
        best * 1000.0,
        o.proposals
    );
}

/// Profiles, verified households and 5 applications for every demo seeker who has none.
fn fixtures(c: &mut DbConnection, programme: &str, job_ids: &[String]) -> Result<usize, DbError> {
    let now = social_jobs::db::now();
    let today = chrono::Utc::now().date_naive();
    let seekers: Vec<String> = accounts::table
        .filter(accounts::role.eq("seeker"))
        .order(accounts::created_at)
        .select(accounts::id)
        .load(c)?;
    let mut rng = StdRng::seed_from_u64(3);
    let mut made = 0;
    // The first 30 have demo profiles already.
    for (chunk_no, chunk) in seekers[30.min(seekers.len())..].chunks(1000).enumerate() {
        let mut profiles = Vec::new();
        let mut households = Vec::new();
        let mut apps = Vec::new();
        for (k, id) in chunk.iter().enumerate() {
            let i = (chunk_no * 1000 + k) as u32;
            // Born 1960–1979: no IIN can collide with the demo seekers' (1984–1993). A day's
            // serials 0000–9999 in blocks of 60 give each of 1.3 million seekers her own.
            let birth = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
                + chrono::Days::new(u64::from(i % 7300));
            let iin = (0..60u32)
                .find_map(|x| {
                    let body = format!("{}4{:04}", birth.format("%y%m%d"), (i / 7300) * 60 + x);
                    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
                    let first: [u8; 11] = digits.try_into().ok()?;
                    kz::check_digit(&first).map(|d| format!("{body}{d}"))
                })
                .unwrap();
            let (children, salary, spouse, disability) = match i % 3 {
                0 => (5, 9_000_000, true, false),
                1 => (2, 6_000_000, false, false),
                _ => (1, 5_000_000, true, true),
            };
            let mut members = vec![Member {
                relation: Relation::Myself,
                birth_date: birth,
                disability: false,
                incomes: vec![Income {
                    source: IncomeSource::Salary,
                    monthly_tiyn: salary,
                }],
            }];
            if spouse {
                members.push(Member {
                    relation: Relation::Spouse,
                    birth_date: birth,
                    disability: false,
                    incomes: vec![],
                });
            }
            for ch in 0..children {
                members.push(Member {
                    relation: Relation::Child,
                    birth_date: NaiveDate::from_ymd_opt(2012 + ch, 5, 1).unwrap(),
                    disability: disability && ch == 0,
                    incomes: vec![],
                });
            }
            let d = household::derive(&members, today);
            profiles.push(ProfileRow {
                account_id: id.clone(),
                iin,
                birth_date: birth,
                sex: "female".into(),
                full_name: format!("Айгүл {i}"),
                name_key: format!("айгүл {i}"),
                phone: format!("+7701{:07}", i),
                district: [
                    "alatau",
                    "almaly",
                    "auezov",
                    "bostandyk",
                    "zhetysu",
                    "medeu",
                    "nauryzbay",
                    "turksib",
                ][i as usize % 8]
                    .into(),
                skills: r#"["тігін","тазалық"]"#.into(),
                languages: r#"["kk","ru"]"#.into(),
                employment: "any".into(),
                hours_per_week: 40,
                needs_childcare: children > 2,
                iban: None,
                created_at: now,
                updated_at: now,
            });
            households.push(HouseholdRow {
                id: uuid::Uuid::now_v7().to_string(),
                account_id: id.clone(),
                members: serde_json::to_string(&members).unwrap(),
                member_count: d.members,
                minors: d.minors,
                total_income_tiyn: d.total_income_tiyn,
                per_capita_income_tiyn: d.per_capita_income_tiyn,
                has_disability: d.has_disability,
                status: "verified".into(),
                submitted_at: Some(now),
                decided_at: Some(now),
                decided_by: None,
                decision_note: None,
                created_at: now,
                updated_at: now,
            });
            let mut chosen: Vec<usize> = Vec::new();
            while chosen.len() < 5.min(job_ids.len()) {
                let o = rng.random_range(0..job_ids.len());
                if !chosen.contains(&o) {
                    chosen.push(o);
                }
            }
            for (rank, o) in chosen.into_iter().enumerate() {
                apps.push(ApplicationRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    seeker_id: id.clone(),
                    opening_id: job_ids[o].clone(),
                    programme_id: programme.to_owned(),
                    rank: rank as i32 + 1,
                    status: "submitted".into(),
                    last_round_id: None,
                    created_at: now,
                    updated_at: now,
                });
            }
            made += 1;
        }
        use social_jobs::db::schema::{households, seeker_profiles};
        dispatch!(c, |c| {
            diesel::insert_into(seeker_profiles::table)
                .values(&profiles)
                .execute(c)?;
            diesel::insert_into(households::table)
                .values(&households)
                .execute(c)?;
            for part in apps.chunks(1000) {
                diesel::insert_into(applications::table)
                    .values(part)
                    .execute(c)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    Ok(made)
}

/// Times a whole round of `seekers`; returns its seconds.
async fn time_round(backend: Backend, seekers: u32, job_openings: u32) -> f64 {
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    settings.log_level = "error".into();
    let (state, _) = AppState::build(settings.clone(), social_jobs::clock::Clock::system())
        .await
        .unwrap();
    let t = Instant::now();
    // 3 of every 5 demo openings are jobs.
    let report = demo::seed(
        &state.db,
        &DemoScale {
            seekers,
            openings: job_openings * 5 / 3 + 1,
            ..DemoScale::default()
        },
        false,
    )
    .await
    .unwrap();
    let programme: String = state
        .db
        .run(|c| {
            openings::table
                .filter(openings::kind.eq("job"))
                .select(openings::programme_id)
                .first(c)
                .map_err(DbError::from)
        })
        .await
        .unwrap();
    let p = programme.clone();
    let jobs: Vec<String> = state
        .db
        .run(move |c| {
            openings::table
                .filter(openings::kind.eq("job"))
                .filter(openings::programme_id.eq(p))
                .select(openings::id)
                .load(c)
                .map_err(DbError::from)
        })
        .await
        .unwrap();
    let p = programme.clone();
    let j = jobs.clone();
    let made = state
        .db
        .transaction(move |c| fixtures(c, &p, &j))
        .await
        .unwrap();
    // Planner statistics, as after any bulk load.
    state.db.analyze(true).await.unwrap();
    println!(
        "{backend:?}: seeded {} accounts, {} job openings, {made} seekers × 5 applications in {:.0} s (peak memory {} MiB)",
        report.accounts,
        jobs.len(),
        t.elapsed().as_secs_f64(),
        common::peak_memory_mib()
    );
    let programme_row = state
        .db
        .run({
            let p = programme.clone();
            move |c| social_jobs::programmes::service::find(c, &p)
        })
        .await
        .unwrap()
        .unwrap();
    let round = RoundRow {
        id: uuid::Uuid::now_v7().to_string(),
        programme_id: programme.clone(),
        kind: "job".into(),
        status: "running".into(),
        seed: 42,
        rules_version: programme_row.version,
        algorithm: rounds::ALGORITHM.into(),
        progress: 0,
        seekers: 0,
        applications: 0,
        offers: 0,
        error: None,
        started_by: "bench".into(),
        created_at: social_jobs::db::now(),
        finished_at: None,
    };
    let r = round.clone();
    state
        .db
        .transaction(move |c| rounds::start_in(c, &r).map_err(DbError::from))
        .await
        .unwrap();
    common::reset_peak_memory();
    let t = Instant::now();
    let (status, times) = rounds::run_timed(&state.db, &state.settings, &round.id)
        .await
        .unwrap();
    let whole = t.elapsed();
    let peak = common::peak_memory_mib();
    let id = round.id.clone();
    let (view, snapshot) = state
        .db
        .run(move |c| {
            Ok::<_, DbError>((
                social_jobs::matching::queries::round(c, &id)?.unwrap(),
                social_jobs::matching::queries::snapshot(c, &id)?.unwrap(),
            ))
        })
        .await
        .unwrap();
    let snapshot: rounds::Snapshot = serde_json::from_str(&snapshot).unwrap();
    let t = Instant::now();
    let _ = algorithm::deferred_acceptance(&snapshot.market);
    let compute = t.elapsed();
    println!(
        "{:<8} round {:>7} seekers × 5 over {} openings: whole round {:>7.1} s ({status:?}; {} offers, {} applications; snapshot {:.1} s, algorithm {:.1} s, persist {:.1} s; peak memory {peak} MiB), algorithm alone again {:>7.1} ms",
        format!("{backend:?}"),
        view.seekers,
        jobs.len(),
        whole.as_secs_f64(),
        view.offers,
        view.applications,
        times.snapshot.as_secs_f64(),
        times.compute.as_secs_f64(),
        times.persist.as_secs_f64(),
        compute.as_secs_f64() * 1000.0
    );
    drop(db);
    whole.as_secs_f64()
}

fn main() {
    let sizes: Vec<u32> = env_list("SEEKERS", "10000,100000")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let openings: u32 = std::env::var("OPENINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    for n in &sizes {
        time_algorithm(*n as usize, openings as usize);
    }
    if std::env::var("ALGORITHM_ONLY").is_ok() {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for b in env_list("BACKENDS", "sqlite,postgres") {
            let backend = if b == "postgres" {
                Backend::Postgres
            } else {
                Backend::Sqlite
            };
            let mut times = Vec::new();
            for n in &sizes {
                times.push((*n, time_round(backend, *n, openings).await));
            }
            common::print_growth(&format!("{backend:?} round"), &times);
        }
    });
}
