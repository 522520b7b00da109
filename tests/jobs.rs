//! The durable job queue on both backends: transactional enqueue, leases, races, backoff, scheduled
//! occurrences and catch-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{Duration as ChronoDuration, SubsecRound, Timelike};
use common::{Backend, TestDatabase, test_settings};
use diesel::prelude::*;
use social_jobs::{
    config::Settings,
    db::{DbError, schema::jobs},
    jobs::{
        Job, JobError, JobRegistry, JobRequest, QueueConfig, Worker, enqueue, queries, schedule,
        worker::Outcome,
    },
    startup::AppState,
};

type Runs = Arc<Mutex<HashMap<String, u32>>>;

/// A registry whose `count` jobs record each run, and whose `fail` jobs always fail.
fn test_registry(runs: Runs) -> Arc<JobRegistry> {
    let mut registry = JobRegistry::default();
    registry.register("count", move |_, job: Job| {
        let runs = runs.clone();
        Box::pin(async move {
            *runs
                .lock()
                .unwrap()
                .entry(job.dedup_key.clone())
                .or_default() += 1;
            Ok(())
        })
    });
    registry.register("fail", |_, _| {
        Box::pin(async { Err(JobError::Retry("upstream said no".into())) })
    });
    Arc::new(registry)
}

async fn state_for(
    backend: Backend,
    tune: impl FnOnce(&mut Settings),
) -> (actix_web::web::Data<AppState>, TestDatabase) {
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    tune(&mut settings);
    let (state, _) = AppState::build(settings, common::clock().clone())
        .await
        .unwrap();
    (state, db)
}

fn worker(state: &AppState, registry: Arc<JobRegistry>) -> Worker {
    Worker::new(
        state.job_context(),
        registry,
        QueueConfig::from_settings(&state.settings),
    )
}

fn request(kind: &str, key: &str) -> JobRequest {
    JobRequest {
        kind: kind.into(),
        payload: serde_json::json!({}),
        dedup_key: key.into(),
        run_at: None,
        scheduled_for: None,
    }
}

async fn all_jobs(state: &AppState) -> Vec<Job> {
    state
        .db
        .run(|c| {
            jobs::table
                .select(Job::as_select())
                .load(c)
                .map_err(DbError::from)
        })
        .await
        .unwrap()
}

backend_tests! {
    async fn a_job_enqueued_in_a_rolled_back_transaction_never_runs(backend: Backend) {
        let (state, _db) = state_for(backend, |_| {}).await;
        let result: Result<(), DbError> = state.db.transaction(|c| {
            enqueue(c, &request("count", "rolled-back"))?;
            // The change that caused the job fails after the job was written.
            Err(DbError::Worker("the caller's change failed".into()))
        }).await;
        assert!(result.is_err());
        let committed: Result<(), DbError> = state.db.transaction(|c| {
            enqueue(c, &request("count", "committed"))?;
            Ok(())
        }).await;
        committed.unwrap();
        let runs = Runs::default();
        let w = worker(&state, test_registry(runs.clone()));
        while w.run_once().await.unwrap().is_some() {}
        let runs = runs.lock().unwrap().clone();
        assert_eq!(runs, HashMap::from([("committed".to_owned(), 1)]));
        assert_eq!(all_jobs(&state).await.len(), 1);
    }

    async fn enqueueing_an_existing_dedup_key_is_a_no_op(backend: Backend) {
        let (state, _db) = state_for(backend, |_| {}).await;
        let first = state.db.run(|c| enqueue(c, &request("count", "same")).map_err(DbError::from)).await.unwrap();
        let second = state.db.run(|c| enqueue(c, &request("count", "same")).map_err(DbError::from)).await.unwrap();
        assert!(first);
        assert!(!second);
        assert_eq!(all_jobs(&state).await.len(), 1);
    }

    async fn a_job_whose_worker_died_runs_again_after_its_lease_and_completes_once(backend: Backend) {
        let (state, _db) = state_for(backend, |s| s.job_lease_secs = 1).await;
        state.db.run(|c| enqueue(c, &request("count", "orphan")).map_err(DbError::from)).await.unwrap();
        let runs = Runs::default();
        let registry = test_registry(runs.clone());
        let crashed = worker(&state, registry.clone());
        let claimed = crashed.claim().await.unwrap().expect("the job was due");
        // The first worker dies here: it never finishes and never heartbeats.
        let rescuer = worker(&state, registry);
        assert!(rescuer.run_once().await.unwrap().is_none(), "a live lease must not be taken");
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let (job, outcome) = rescuer.run_once().await.unwrap().expect("the expired lease was not taken over");
        assert_eq!(outcome, Outcome::Done);
        assert_eq!(job.attempts, 2);
        assert_eq!(runs.lock().unwrap()["orphan"], 1);
        // Were the first worker to wake up, it could record nothing.
        assert_eq!(crashed.process(claimed).await.unwrap(), Outcome::LostLease);
        assert_eq!(runs.lock().unwrap()["orphan"], 2, "process() ran the handler a second time");
        let jobs = all_jobs(&state).await;
        assert_eq!(jobs[0].state, "done");
        assert!(rescuer.run_once().await.unwrap().is_none());
    }

    async fn two_workers_racing_on_1000_jobs_run_each_exactly_once(backend: Backend) {
        let (state, _db) = state_for(backend, |_| {}).await;
        state.db.transaction(|c| {
            for i in 0..1000 {
                enqueue(c, &request("count", &format!("job-{i}")))?;
            }
            Ok::<_, DbError>(())
        }).await.unwrap();
        let runs = Runs::default();
        let registry = test_registry(runs.clone());
        let tasks: Vec<_> = (0..2).map(|_| {
            let w = worker(&state, registry.clone());
            tokio::spawn(async move {
                let mut done = 0;
                while let Some((_, outcome)) = w.run_once().await.unwrap() {
                    assert_eq!(outcome, Outcome::Done);
                    done += 1;
                }
                done
            })
        }).collect();
        let mut per_worker = Vec::new();
        for t in tasks {
            per_worker.push(t.await.unwrap());
        }
        let runs = runs.lock().unwrap().clone();
        assert_eq!(runs.len(), 1000);
        assert!(runs.values().all(|n| *n == 1), "a job ran twice");
        assert_eq!(per_worker.iter().sum::<i32>(), 1000);
        assert!(all_jobs(&state).await.iter().all(|j| j.state == "done"));
    }

    async fn a_failing_job_backs_off_and_ends_dead_after_the_maximum_attempts(backend: Backend) {
        // The backoff is lived through on the test clock, not slept through: with delays of a
        // minute or two, how long the database takes to answer on a busy machine cannot decide
        // the test (with 200 ms delays and real sleeps, the second wait left 50 ms for two round
        // trips to PostgreSQL when the jitter drew low).
        let (state, _db) = state_for(backend, |s| {
            s.job_max_attempts = 3;
            s.job_backoff_base_ms = 60_000;
        }).await;
        state.db.run(|c| enqueue(c, &request("fail", "doomed")).map_err(DbError::from)).await.unwrap();
        let w = worker(&state, test_registry(Runs::default()));
        let before = common::clock().now().naive_utc();
        let (_, outcome) = w.run_once().await.unwrap().unwrap();
        assert_eq!(outcome, Outcome::Retrying { attempt: 1 });
        let job = all_jobs(&state).await.remove(0);
        assert_eq!(job.state, "queued");
        assert_eq!(job.last_error.as_deref(), Some("upstream said no"));
        // 60 s ± 25 %.
        let wait = job.run_at - before;
        assert!(wait >= ChronoDuration::seconds(45), "no backoff: {wait}");
        // Not due yet: nothing to claim until the backoff has passed.
        assert!(w.run_once().await.unwrap().is_none());
        common::clock().advance(ChronoDuration::seconds(76));
        let before = common::clock().now().naive_utc();
        assert_eq!(w.run_once().await.unwrap().unwrap().1, Outcome::Retrying { attempt: 2 });
        // 120 s ± 25 %: at least 90 s, more than the first wait could be.
        let second_wait = all_jobs(&state).await[0].run_at - before;
        assert!(second_wait >= ChronoDuration::seconds(90), "backoff did not grow: {second_wait}");
        assert!(w.run_once().await.unwrap().is_none(), "claimed before its second backoff passed");
        common::clock().advance(ChronoDuration::seconds(151));
        assert_eq!(w.run_once().await.unwrap().unwrap().1, Outcome::Dead);
        let job = all_jobs(&state).await.remove(0);
        assert_eq!((job.state.as_str(), job.attempts), ("dead", 3));
        assert!(w.run_once().await.unwrap().is_none(), "a dead job was claimed");
    }

    async fn the_same_occurrence_from_three_schedulers_gives_one_job(backend: Backend) {
        let (state, _db) = state_for(backend, |_| {}).await;
        let cron = schedule::parse_cron("0 * * * * *").unwrap();
        let occurrence = (common::clock().now() - ChronoDuration::minutes(2)).trunc_subsecs(0).with_second(0).unwrap();
        // Three instances' ticks for the same occurrence, each with its own clock skew and delay.
        let tick = |ms: i64| occurrence + ChronoDuration::milliseconds(ms);
        let (a, b, c) = tokio::join!(
            schedule::enqueue_due(&state.db, "purge_finished_jobs", &cron, tick(3)),
            schedule::enqueue_due(&state.db, "purge_finished_jobs", &cron, tick(480)),
            schedule::enqueue_due(&state.db, "purge_finished_jobs", &cron, tick(1750)),
        );
        let created: Vec<_> = [a.unwrap(), b.unwrap(), c.unwrap()].into_iter().flatten().collect();
        assert_eq!(created, vec![occurrence]);
        let jobs = all_jobs(&state).await;
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].scheduled_for, Some(occurrence.naive_utc()));
        assert_eq!(jobs[0].dedup_key, schedule::occurrence_key("purge_finished_jobs", occurrence));
    }

    async fn start_up_enqueues_occurrences_missed_while_down_once(backend: Backend) {
        let (state, _db) = state_for(backend, |_| {}).await;
        let cron = schedule::parse_cron("0 0 6 * * *").unwrap();
        let plan = vec![("nightly".to_owned(), cron.clone())];
        let now = common::clock().now();
        // The last run the service saw was five days ago; it was down since.
        let last = schedule::latest_occurrence(&cron, now - ChronoDuration::days(5), ChronoDuration::days(2)).unwrap();
        schedule::enqueue_occurrence(&state.db, "nightly", last).await.unwrap();
        let horizon = ChronoDuration::hours(72);
        let caught = schedule::catch_up(&state.db, &plan, now, horizon).await.unwrap();
        let expected = schedule::occurrences_between(&cron, now - horizon, now, 100).len();
        assert_eq!(caught, expected);
        assert!((2..=3).contains(&caught), "{caught}");
        // A second start (or a second instance) finds nothing more to do.
        assert_eq!(schedule::catch_up(&state.db, &plan, now, horizon).await.unwrap(), 0);
        let scheduled: Vec<_> = all_jobs(&state).await.into_iter().filter_map(|j| j.scheduled_for).collect();
        assert_eq!(scheduled.len(), caught + 1);
    }

    async fn purge_removes_old_finished_jobs_and_keeps_dead_ones(backend: Backend) {
        let (state, _db) = state_for(backend, |s| s.job_retention_days = 0).await;
        state.db.run(|c| {
            enqueue(c, &request("count", "old-done"))?;
            enqueue(c, &request("fail", "old-dead"))?;
            diesel::update(jobs::table.filter(jobs::dedup_key.eq("old-done")))
                .set((jobs::state.eq("done"), jobs::finished_at.eq(Some(common::clock().now().naive_utc() - ChronoDuration::hours(1)))))
                .execute(c)?;
            diesel::update(jobs::table.filter(jobs::dedup_key.eq("old-dead")))
                .set((jobs::state.eq("dead"), jobs::finished_at.eq(Some(common::clock().now().naive_utc() - ChronoDuration::hours(1)))))
                .execute(c)?;
            Ok::<_, DbError>(())
        }).await.unwrap();
        let cutoff = common::clock().now().naive_utc();
        let removed = state.db.run(move |c| queries::purge_done(c, cutoff).map_err(DbError::from)).await.unwrap();
        assert_eq!(removed, 1);
        let left = all_jobs(&state).await;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].dedup_key, "old-dead");
    }

    async fn run_job_enqueues_a_periodic_job_now_and_workers_run_it(backend: Backend) {
        let (state, _db) = state_for(backend, |_| {}).await;
        let app = actix_web::test::init_service(social_jobs::http::app(state.clone())).await;
        let (_, token) = common::admin_token(&state).await;
        let bearer = ("authorization", format!("Bearer {token}"));
        let req = actix_web::test::TestRequest::post().uri("/api/v1/jobs/purge_finished_jobs/run").to_request();
        assert_eq!(actix_web::test::call_service(&app, req).await.status(), 401);
        let req = actix_web::test::TestRequest::post().uri("/api/v1/jobs/purge_finished_jobs/run").insert_header(bearer.clone()).to_request();
        let res = actix_web::test::call_service(&app, req).await;
        assert_eq!(res.status(), 202);
        let body: serde_json::Value = actix_web::test::read_body_json(res).await;
        assert_eq!(body["kind"], "purge_finished_jobs");
        let req = actix_web::test::TestRequest::post().uri("/api/v1/jobs/send_email/run").insert_header(bearer.clone()).to_request();
        assert_eq!(actix_web::test::call_service(&app, req).await.status(), 404);
        // The real registry runs it.
        let w = Worker::new(state.job_context(), state.jobs.clone(), QueueConfig::from_settings(&state.settings));
        let (job, outcome) = w.run_once().await.unwrap().unwrap();
        assert_eq!((job.id.as_str(), outcome), (body["job_id"].as_str().unwrap(), Outcome::Done));
        // Metrics report jobs by kind and state.
        let req = actix_web::test::TestRequest::get()
            .uri("/metrics")
            .insert_header(("Authorization", format!("Bearer {}", common::TEST_METRICS_TOKEN)))
            .to_request();
        let text = String::from_utf8(actix_web::test::call_and_read_body(&app, req).await.to_vec()).unwrap();
        assert!(text.contains(r#"sj_jobs{kind="purge_finished_jobs",state="done"} 1"#), "{text}");
    }
}
