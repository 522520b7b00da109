//! The payout cycle at scale: ENROLLMENTS course enrollments (default `10000,100000`, each size in
//! turn) with 20 sessions last month, every one marked, the month closed; the time of the cycle
//! (creating every payout) and of a re-run (creating none), on SQLite and PostgreSQL (BACKENDS).
//!
//! `cargo bench --bench payout_cycle`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use chrono::{Datelike, NaiveTime};
use common::{Backend, TestDatabase, test_settings};
use diesel::prelude::*;
use social_jobs::{
    attendance::queries::AttendanceRow,
    db::{
        DbError,
        schema::{
            accounts, applications, attendance, enrollments, matching_rounds, offers, openings,
        },
    },
    demo::{self, DemoScale},
    dispatch,
    matching::queries::{ApplicationRow, EnrollmentRow, OfferRow},
    openings::calendar,
    payouts::cycle,
    startup::AppState,
};

fn sizes() -> Vec<u32> {
    std::env::var("ENROLLMENTS")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

/// Times the cycle at `n` enrollments; returns the cycle's seconds.
async fn time_cycle(backend: Backend, n: u32) -> f64 {
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    settings.log_level = "error".into();
    let (state, _) = AppState::build(settings.clone(), social_jobs::clock::Clock::system())
        .await
        .unwrap();
    let t = Instant::now();
    demo::seed(
        &state.db,
        &DemoScale {
            seekers: n,
            openings: 1000,
            ..DemoScale::default()
        },
        false,
    )
    .await
    .unwrap();
    let today = social_jobs::seekers::service::almaty_today();
    let first = today
        .checked_sub_months(chrono::Months::new(1))
        .unwrap()
        .with_day(1)
        .unwrap();
    let period = format!("{:04}-{:02}", first.year(), first.month());
    let p = period.clone();
    let made = state
        .db
        .transaction(move |c| {
            let now = social_jobs::db::now();
            let enrolled_at = (first - chrono::Days::new(3)).and_hms_opt(6, 0, 0).unwrap();
            let courses: Vec<(String, String)> = openings::table
                .filter(openings::kind.eq("course"))
                .select((openings::id, openings::programme_id))
                .load(c)?;
            let seekers: Vec<String> = accounts::table
                .filter(accounts::role.eq("seeker"))
                .order(accounts::created_at)
                .select(accounts::id)
                .load(c)?;
            // Every course has run since the first of last month (sessions lie within a course's
            // dates and only its months are paid); twenty sessions last month, the month closed.
            let mut sessions: Vec<Vec<String>> = Vec::new();
            for (course, _) in &courses {
                let mut row = social_jobs::openings::queries::find(c, course)?
                    .ok_or(diesel::result::Error::NotFound)?;
                row.application_deadline = first - chrono::Days::new(7);
                row.start_date = first;
                row.end_date = Some(today + chrono::Days::new(60));
                social_jobs::openings::queries::update(c, &row)?;
                let mut ids = Vec::new();
                for d in 0..20u64 {
                    let date = first + chrono::Days::new(d);
                    let s =
                        calendar::almaty_to_utc(date, NaiveTime::from_hms_opt(10, 0, 0).unwrap())
                            .unwrap();
                    let e =
                        calendar::almaty_to_utc(date, NaiveTime::from_hms_opt(13, 0, 0).unwrap())
                            .unwrap();
                    ids.push(
                        social_jobs::openings::service::add_session(c, course, s, e)
                            .map_err(|e| DbError::Worker(format!("{e:?}")))?
                            .id,
                    );
                }
                sessions.push(ids);
                // The demo data closed its own course's month already.
                if !social_jobs::attendance::queries::is_closed(c, course, &p)? {
                    social_jobs::attendance::queries::close(c, course, &p, "bench", now)?;
                }
            }
            let round = uuid::Uuid::now_v7().to_string();
            diesel::insert_into(matching_rounds::table)
                .values((
                    matching_rounds::id.eq(&round),
                    matching_rounds::programme_id.eq(&courses[0].1),
                    matching_rounds::kind.eq("course"),
                    matching_rounds::status.eq("completed"),
                    matching_rounds::seed.eq(1i64),
                    matching_rounds::rules_version.eq(1),
                    matching_rounds::algorithm.eq("bench"),
                    matching_rounds::started_by.eq("bench"),
                    matching_rounds::created_at.eq(now),
                ))
                .execute(c)?;
            let mut made = 0usize;
            // The first 30 are the demo's own mothers, with applications of their own.
            for (chunk_no, chunk) in seekers[30.min(seekers.len())..].chunks(1000).enumerate() {
                let (mut apps, mut offs, mut enrs, mut marks, mut profiles) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for (k, seeker) in chunk.iter().enumerate() {
                    let i = chunk_no * 1000 + k;
                    let ci = i % courses.len();
                    let (course, programme) = &courses[ci];
                    let a = ApplicationRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        seeker_id: seeker.clone(),
                        opening_id: course.clone(),
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
                        opening_id: course.clone(),
                        status: "accepted".into(),
                        expires_at: now,
                        reminded_at: None,
                        decided_at: Some(now),
                        created_at: now,
                    };
                    let e = EnrollmentRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        offer_id: o.id.clone(),
                        seeker_id: seeker.clone(),
                        opening_id: course.clone(),
                        status: "active".into(),
                        // Enrolled before the month paid: a month before her enrollment is not.
                        created_at: enrolled_at,
                        updated_at: enrolled_at,
                    };
                    for (j, s) in sessions[ci].iter().enumerate() {
                        marks.push(AttendanceRow {
                            session_id: s.clone(),
                            enrollment_id: e.id.clone(),
                            status: if (i + j) % 7 == 0 {
                                "absent".into()
                            } else {
                                "present".into()
                            },
                            note: None,
                            recorded_by: "bench".into(),
                            recorded_at: now,
                        });
                    }
                    // The first 20,000 can be paid (an IBAN), so a national-sized batch goes to
                    // the bank and its confirmation comes back.
                    if i < 20_000 {
                        profiles.push(social_jobs::seekers::queries::ProfileRow {
                            account_id: seeker.clone(),
                            iin: format!("9{i:011}"),
                            birth_date: chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
                            sex: "female".into(),
                            full_name: format!("Ана {i}"),
                            name_key: format!("ана {i}"),
                            phone: format!("+7702{i:07}"),
                            district: "alatau".into(),
                            skills: "[]".into(),
                            languages: r#"["kk"]"#.into(),
                            employment: "part_time".into(),
                            hours_per_week: 20,
                            needs_childcare: false,
                            iban: Some(demo::demo_iban(100_000 + i as u32)),
                            created_at: now,
                            updated_at: now,
                        });
                    }
                    apps.push(a);
                    offs.push(o);
                    enrs.push(e);
                    made += 1;
                }
                dispatch!(c, |c| {
                    diesel::insert_into(applications::table)
                        .values(&apps)
                        .execute(c)?;
                    diesel::insert_into(offers::table)
                        .values(&offs)
                        .execute(c)?;
                    diesel::insert_into(enrollments::table)
                        .values(&enrs)
                        .execute(c)?;
                    for part in profiles.chunks(500) {
                        diesel::insert_into(social_jobs::db::schema::seeker_profiles::table)
                            .values(part)
                            .execute(c)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })?;
                // Twenty marks per enrollment: 20 million at 1M, by COPY on PostgreSQL.
                match c {
                    social_jobs::db::DbConnection::Pg(c) => {
                        diesel::copy_from(attendance::table)
                            .from_insertable(&marks)
                            .execute(c)?;
                    }
                    social_jobs::db::DbConnection::Sqlite(c) => {
                        for part in marks.chunks(2000) {
                            diesel::insert_into(attendance::table)
                                .values(part)
                                .execute(c)?;
                        }
                    }
                }
            }
            Ok::<_, DbError>(made)
        })
        .await
        .unwrap();
    state.db.analyze(true).await.unwrap();
    println!(
        "{backend:?}: seeded {made} enrollments × 20 sessions (+ attendance) in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    common::reset_peak_memory();
    let t = Instant::now();
    let first_run = cycle::run(&state.db, &state.settings, None).await.unwrap();
    let cycle_time = t.elapsed();
    let peak = common::peak_memory_mib();
    let t = Instant::now();
    let rerun = cycle::run(&state.db, &state.settings, None).await.unwrap();
    let rerun_time = t.elapsed();
    println!(
        "{:<8} cycle {n:>7} enrollments: {:>7.1} s, {} payouts created ({:.0}/s, peak memory {peak} MiB); re-run {:>6.1} s, {} created",
        format!("{backend:?}"),
        cycle_time.as_secs_f64(),
        first_run.created,
        first_run.created as f64 / cycle_time.as_secs_f64(),
        rerun_time.as_secs_f64(),
        rerun.created,
    );
    // The month's batch to the bank and back: every line confirmed paid in one file.
    let t = Instant::now();
    let actor = social_jobs::audit::Actor::default();
    let p = period.clone();
    let a = actor.clone();
    let batch = state
        .db
        .transaction(move |c| social_jobs::payouts::batches::create_in(c, &a, "bench", &p))
        .await
        .unwrap();
    let create_time = t.elapsed();
    let t = Instant::now();
    let id = batch.id.clone();
    let a = actor.clone();
    let file = state
        .db
        .transaction(move |c| social_jobs::payouts::batches::export_in(c, &a, &id))
        .await
        .unwrap();
    let export_time = t.elapsed();
    let mut confirmation = String::from("payout_id,status,amount_kzt,reference,reason\n");
    let mut lines = 0usize;
    for (n, line) in file.lines().skip(1).enumerate() {
        let cols: Vec<&str> = line.split(',').collect();
        confirmation.push_str(&format!("{},paid,{},B-{n:07},\n", cols[1], cols[6]));
        lines += 1;
    }
    let t = Instant::now();
    let id = batch.id.clone();
    let url = state.settings.public_url.clone();
    let settled = state
        .db
        .transaction(move |c| {
            social_jobs::payouts::batches::confirm_text_in(c, &actor, &id, &confirmation, &url)
        })
        .await
        .unwrap();
    assert_eq!(settled.status, "settled");
    let confirm_time = t.elapsed();
    println!(
        "{:<8} batch of {lines} lines ({} KiB file): approve {:.1} s, export {:.1} s, confirm {:.1} s",
        format!("{backend:?}"),
        file.len() / 1024,
        create_time.as_secs_f64(),
        export_time.as_secs_f64(),
        confirm_time.as_secs_f64(),
    );
    drop(db);
    cycle_time.as_secs_f64()
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
            let mut times = Vec::new();
            for n in sizes() {
                times.push((n, time_cycle(backend, n).await));
            }
            common::print_growth(&format!("{backend:?} payout cycle"), &times);
        }
    });
}
