//! The wage subsidy cycle at scale: PLACEMENTS job placements (default `10000,100000`, each size in
//! turn) begun three months ago, each with last month's wage report confirmed; the time of the
//! cycle (one subsidy per placement, with its audit event and the employer's email) and of a
//! re-run (none), on SQLite and PostgreSQL (BACKENDS). The demo's organisations, programmes and
//! openings are seeded small; the placed mothers and their rows are written in bulk.
//!
//! `cargo bench --bench subsidy_cycle`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use chrono::Datelike;
use common::{Backend, TestDatabase, test_settings};
use diesel::prelude::*;
use social_jobs::{
    accounts::model::NewAccount,
    db::{
        DbError,
        schema::{
            accounts, applications, matching_rounds, offers, openings, placements, seeker_profiles,
            wage_reports,
        },
    },
    demo::{self, DemoScale},
    dispatch,
    matching::queries::{ApplicationRow, OfferRow, PlacementRow},
    startup::AppState,
    subsidies::{cycle, queries::WageReportRow},
};

fn sizes() -> Vec<u32> {
    std::env::var("PLACEMENTS")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

async fn time_cycle(backend: Backend, n: u32) {
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    settings.log_level = "error".into();
    let (state, _) = AppState::build(settings.clone(), social_jobs::clock::Clock::system())
        .await
        .unwrap();
    let t = Instant::now();
    let small = DemoScale {
        seekers: 30,
        openings: 100,
        ..DemoScale::default()
    };
    demo::seed(&state.db, &small, false).await.unwrap();
    let today = social_jobs::seekers::service::almaty_today();
    let last = today
        .checked_sub_months(chrono::Months::new(1))
        .unwrap()
        .with_day(1)
        .unwrap();
    let started = today
        .checked_sub_months(chrono::Months::new(3))
        .unwrap()
        .with_day(1)
        .unwrap();
    let period = format!("{:04}-{:02}", last.year(), last.month());
    let made = state
        .db
        .transaction(move |c| {
            let now = social_jobs::db::now();
            let jobs: Vec<(String, String, String)> = openings::table
                .filter(openings::kind.eq("job"))
                .select((
                    openings::id,
                    openings::programme_id,
                    openings::organisation_id,
                ))
                .load(c)?;
            let submitter: String = accounts::table
                .filter(accounts::role.eq("employer"))
                .select(accounts::id)
                .first(c)?;
            let round = uuid::Uuid::now_v7().to_string();
            diesel::insert_into(matching_rounds::table)
                .values((
                    matching_rounds::id.eq(&round),
                    matching_rounds::programme_id.eq(&jobs[0].1),
                    matching_rounds::kind.eq("job"),
                    matching_rounds::status.eq("completed"),
                    matching_rounds::seed.eq(1i64),
                    matching_rounds::rules_version.eq(1),
                    matching_rounds::algorithm.eq("bench"),
                    matching_rounds::started_by.eq("bench"),
                    matching_rounds::created_at.eq(now),
                ))
                .execute(c)?;
            let mut made = 0usize;
            for chunk_no in 0..n.div_ceil(1000) {
                let (mut accs, mut profiles, mut apps, mut offs, mut places, mut reps) = (
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                );
                for k in 0..1000u32.min(n - chunk_no * 1000) {
                    let i = chunk_no * 1000 + k;
                    let (job, programme, organisation) = &jobs[i as usize % jobs.len()];
                    let seeker = uuid::Uuid::now_v7().to_string();
                    accs.push(NewAccount {
                        id: seeker.clone(),
                        email: format!("placed{i}@bench.kz"),
                        password_hash: "x".into(),
                        role: "seeker".into(),
                        locale: "kk".into(),
                        email_verified_at: Some(now),
                        tokens_valid_after: now,
                        created_at: now,
                        updated_at: now,
                    });
                    profiles.push(social_jobs::seekers::queries::ProfileRow {
                        account_id: seeker.clone(),
                        iin: format!("8{i:011}"),
                        birth_date: chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
                        sex: "female".into(),
                        full_name: format!("Ана {i}"),
                        name_key: format!("ана {i}"),
                        phone: format!("+7701{i:07}"),
                        district: "alatau".into(),
                        skills: "[]".into(),
                        languages: r#"["kk"]"#.into(),
                        employment: "part_time".into(),
                        hours_per_week: 20,
                        needs_childcare: false,
                        iban: None,
                        created_at: now,
                        updated_at: now,
                    });
                    let a = ApplicationRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        seeker_id: seeker.clone(),
                        opening_id: job.clone(),
                        programme_id: programme.clone(),
                        rank: 1,
                        status: "accepted".into(),
                        last_round_id: None,
                        created_at: now,
                        updated_at: now,
                    };
                    let o = OfferRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        round_id: round.clone(),
                        application_id: a.id.clone(),
                        seeker_id: seeker.clone(),
                        opening_id: job.clone(),
                        status: "accepted".into(),
                        expires_at: now,
                        reminded_at: None,
                        decided_at: Some(now),
                        created_at: now,
                    };
                    let p = PlacementRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        offer_id: o.id.clone(),
                        seeker_id: seeker.clone(),
                        opening_id: job.clone(),
                        status: "active".into(),
                        started_on: Some(started),
                        ended_on: None,
                        end_reason: None,
                        created_at: now,
                        updated_at: now,
                    };
                    reps.push(WageReportRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        placement_id: p.id.clone(),
                        organisation_id: organisation.clone(),
                        period: period.clone(),
                        days_worked: 13,
                        gross_wage_tiyn: 9_000_000 + i64::from(i % 50) * 100_000,
                        payroll_reference: format!("ВЕД-{i}"),
                        status: "confirmed".into(),
                        flags: "[]".into(),
                        decision_note: None,
                        submitted_by: submitter.clone(),
                        decided_by: Some(submitter.clone()),
                        decided_at: Some(now),
                        created_at: now,
                        updated_at: now,
                    });
                    apps.push(a);
                    offs.push(o);
                    places.push(p);
                    made += 1;
                }
                dispatch!(c, |c| {
                    for part in accs.chunks(500) {
                        diesel::insert_into(accounts::table)
                            .values(part)
                            .execute(c)?;
                    }
                    for part in profiles.chunks(500) {
                        diesel::insert_into(seeker_profiles::table)
                            .values(part)
                            .execute(c)?;
                    }
                    diesel::insert_into(applications::table)
                        .values(&apps)
                        .execute(c)?;
                    diesel::insert_into(offers::table)
                        .values(&offs)
                        .execute(c)?;
                    diesel::insert_into(placements::table)
                        .values(&places)
                        .execute(c)?;
                    for part in reps.chunks(500) {
                        diesel::insert_into(wage_reports::table)
                            .values(part)
                            .execute(c)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })?;
            }
            Ok::<_, DbError>(made)
        })
        .await
        .unwrap();
    state.db.analyze(true).await.unwrap();
    println!(
        "{backend:?}: seeded {made} placements with a confirmed report each in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let first_run = cycle::run(&state.db, &state.settings, None).await.unwrap();
    let cycle_time = t.elapsed();
    let t = Instant::now();
    let rerun = cycle::run(&state.db, &state.settings, None).await.unwrap();
    let rerun_time = t.elapsed();
    assert_eq!(first_run.created, made);
    assert_eq!(rerun.created, 0);
    println!(
        "{:<8} subsidy cycle {n:>7} placements: {:>7.1} s, {} subsidies created ({:.0}/s); re-run {:>6.1} s, {} created",
        format!("{backend:?}"),
        cycle_time.as_secs_f64(),
        first_run.created,
        first_run.created as f64 / cycle_time.as_secs_f64(),
        rerun_time.as_secs_f64(),
        rerun.created,
    );
    drop(db);
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
            for n in sizes() {
                time_cycle(backend, n).await;
            }
        }
    });
}
