//! Workers: claim a due job, run it with a heartbeat that keeps its lease, record the outcome.

use std::{collections::BTreeMap, panic::AssertUnwindSafe, sync::Arc, time::Duration};

use chrono::NaiveDateTime;
use futures_util::FutureExt;
use tokio::{sync::watch, task::JoinHandle};

use super::{Job, JobContext, JobError, JobRegistry, backoff::retry_delay, queries};
use crate::{config::Settings, db::DbError, db::now};

/// How the queue behaves; from [`Settings`].
#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub poll_interval: Duration,
    pub lease: Duration,
    pub max_attempts: i32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Kinds retried for a span of time after they were queued instead of `max_attempts` times.
    pub retry_windows: BTreeMap<String, Duration>,
}

/// When a failed job is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPolicy {
    /// After this many attempts.
    Attempts(i32),
    /// Once this long has passed since the job was queued (the last attempt is made at its end).
    Window(Duration),
}

impl QueueConfig {
    pub fn from_settings(s: &Settings) -> QueueConfig {
        QueueConfig {
            poll_interval: Duration::from_millis(s.job_poll_interval_ms.max(10)),
            lease: Duration::from_secs(s.job_lease_secs.max(1)),
            max_attempts: s.job_max_attempts.max(1),
            backoff_base: Duration::from_millis(s.job_backoff_base_ms),
            backoff_max: Duration::from_secs(s.job_backoff_max_secs),
            // Mail servers keep a message for days; an outage of the SMTP server must not lose one.
            retry_windows: BTreeMap::from([(
                crate::notifications::SEND_EMAIL.to_owned(),
                Duration::from_secs(u64::from(s.email_retry_hours.max(1)) * 3600),
            )]),
        }
    }

    pub fn policy(&self, kind: &str) -> RetryPolicy {
        match self.retry_windows.get(kind) {
            Some(window) => RetryPolicy::Window(*window),
            None => RetryPolicy::Attempts(self.max_attempts),
        }
    }
}

/// What happened to a job a worker took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Retrying {
        attempt: i32,
    },
    Dead,
    /// The worker's lease had passed to another worker before it finished; nothing recorded.
    LostLease,
}

/// One worker. Cheap to clone; several may run in one process and across processes.
#[derive(Clone)]
pub struct Worker {
    pub id: String,
    ctx: JobContext,
    registry: Arc<JobRegistry>,
    config: QueueConfig,
}

fn after(now: NaiveDateTime, d: Duration) -> NaiveDateTime {
    now + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Worker {
    pub fn new(ctx: JobContext, registry: Arc<JobRegistry>, config: QueueConfig) -> Worker {
        Worker {
            id: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            ctx,
            registry,
            config,
        }
    }

    /// Claims one due job, if there is one (for tests and tools that drive the queue by hand).
    pub async fn claim(&self) -> Result<Option<Job>, DbError> {
        let (id, lease) = (self.id.clone(), self.config.lease);
        self.ctx
            .db
            .run(move |conn| {
                queries::claim(conn, &id, now(), after(now(), lease)).map_err(DbError::from)
            })
            .await
    }

    /// Claims and runs one job. `None` when nothing is due.
    pub async fn run_once(&self) -> Result<Option<(Job, Outcome)>, DbError> {
        let Some(job) = self.claim().await? else {
            return Ok(None);
        };
        let outcome = self.process(job.clone()).await?;
        Ok(Some((job, outcome)))
    }

    /// Runs a claimed job and records the outcome.
    pub async fn process(&self, job: Job) -> Result<Outcome, DbError> {
        Ok(self.process_then_claim(job, false).await?.0)
    }

    /// Runs a claimed job, records the outcome and, when `claim_next`, claims the next due job in
    /// the same transaction: one commit a job instead of two, which on PostgreSQL (a flush to disk
    /// each) is most of what a short job such as an email costs.
    async fn process_then_claim(
        &self,
        job: Job,
        claim_next: bool,
    ) -> Result<(Outcome, Option<Job>), DbError> {
        let policy = self.config.policy(&job.kind);
        let completion = super::Completion::default();
        let abandoned = match policy {
            RetryPolicy::Attempts(max) => job.attempts > max,
            // Attempts say nothing here (a long outage makes many); stalls do.
            RetryPolicy::Window(_) => job.stalls >= self.config.max_attempts,
        };
        let result = if abandoned {
            // Claimed again after its worker died once too often: do not run it yet again.
            Err(JobError::Permanent(format!(
                "abandoned: its worker stopped during {} attempts",
                job.attempts - 1
            )))
        } else if let Some(handler) = self.registry.get(&job.kind) {
            let heartbeat = self.heartbeat(job.id.clone());
            let ctx = super::JobContext {
                completion: completion.clone(),
                ..self.ctx.clone()
            };
            let run = AssertUnwindSafe(handler(ctx, job.clone()))
                .catch_unwind()
                .await;
            heartbeat.abort();
            run.unwrap_or_else(|_| Err(JobError::Retry("the job panicked".into())))
        } else {
            // During a rolling upgrade an older instance may meet a kind only newer ones know: leave
            // it for them (with backoff) rather than killing it.
            Err(JobError::Retry(format!(
                "no handler for job kind '{}' on this instance",
                job.kind
            )))
        };
        let (id, worker, lease) = (job.id.clone(), self.id.clone(), self.config.lease);
        let outcome = match result {
            Ok(()) => {
                let kept = completion.take();
                let (held, next) = self
                    .ctx
                    .db
                    .transaction(move |c| {
                        let held = queries::complete(c, &id, &worker, now())?;
                        if let Some(payload) = &kept {
                            queries::replace_payload(c, &id, payload)?;
                        }
                        let next = claim_if(c, claim_next, &worker, lease)?;
                        Ok::<_, DbError>((held, next))
                    })
                    .await?;
                if held {
                    (Outcome::Done, next)
                } else {
                    (Outcome::LostLease, next)
                }
            }
            Err(error) => {
                let retry_at = match error {
                    JobError::Permanent(_) => None,
                    JobError::Retry(_) => self.retry_at(&job, policy, self.ctx.db.now()),
                };
                let retry = retry_at.is_some();
                tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, retry, error = %error, "job failed");
                let message = truncate(&error.to_string(), 1000);
                let (held, next) = self
                    .ctx
                    .db
                    .transaction(move |c| {
                        let held = queries::fail(c, &id, &worker, &message, retry_at, now())?;
                        let next = claim_if(c, claim_next, &worker, lease)?;
                        Ok::<_, DbError>((held, next))
                    })
                    .await?;
                let outcome = match (held, retry) {
                    (false, _) => Outcome::LostLease,
                    (true, true) => Outcome::Retrying {
                        attempt: job.attempts,
                    },
                    (true, false) => Outcome::Dead,
                };
                (outcome, next)
            }
        };
        Ok(outcome)
    }

    /// When to try a job that failed at `now` again, if at all: after the capped, jittered backoff,
    /// while attempts or the retry window last (the last attempt of a window is made at its end).
    fn retry_at(
        &self,
        job: &Job,
        policy: RetryPolicy,
        now: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        let next = after(
            now,
            retry_delay(
                job.attempts,
                self.config.backoff_base,
                self.config.backoff_max,
                rand::random(),
            ),
        );
        match policy {
            RetryPolicy::Attempts(max) => (job.attempts < max).then_some(next),
            RetryPolicy::Window(window) => {
                let deadline = after(job.queued_since(), window);
                (now < deadline).then(|| next.min(deadline))
            }
        }
    }

    /// Extends the lease every third of its length while the job runs.
    fn heartbeat(&self, job_id: String) -> JoinHandle<()> {
        let (db, worker, lease) = (self.ctx.db.clone(), self.id.clone(), self.config.lease);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                let (id, w) = (job_id.clone(), worker.clone());
                let kept = db
                    .run(move |c| {
                        queries::extend_lease(c, &id, &w, after(now(), lease))
                            .map_err(DbError::from)
                    })
                    .await;
                if let Err(e) = kept {
                    tracing::warn!(job = %job_id, error = %e, "could not extend a job's lease");
                }
            }
        })
    }

    /// Works until `shutdown` turns true. A job claimed along with the last one's outcome is this
    /// worker's current job: it runs even if `shutdown` turned true meanwhile.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut next = None;
        loop {
            let job = match next.take() {
                Some(job) => Ok(Some(job)),
                None if *shutdown.borrow() => return,
                None => self.claim().await,
            };
            let idle = match job {
                Ok(Some(job)) => {
                    let claim_next = !*shutdown.borrow();
                    match self.process_then_claim(job, claim_next).await {
                        Ok((_, claimed)) => {
                            next = claimed;
                            false
                        }
                        Err(e) => {
                            tracing::warn!(worker = %self.id, error = %e, "job queue unavailable");
                            true
                        }
                    }
                }
                Ok(None) => true,
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "job queue unavailable");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.config.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
}

/// The next due job for `worker`, if `claim` says to look for one.
fn claim_if(
    c: &mut crate::db::DbConnection,
    claim: bool,
    worker: &str,
    lease: Duration,
) -> Result<Option<Job>, DbError> {
    if !claim {
        return Ok(None);
    }
    Ok(queries::claim(c, worker, now(), after(now(), lease))?)
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

/// The workers of one process.
pub struct WorkerPool {
    shutdown: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub fn start(
        count: usize,
        ctx: JobContext,
        registry: Arc<JobRegistry>,
        config: QueueConfig,
    ) -> WorkerPool {
        let (shutdown, rx) = watch::channel(false);
        let handles = (0..count)
            .map(|_| {
                tokio::spawn(
                    Worker::new(ctx.clone(), registry.clone(), config.clone()).run(rx.clone()),
                )
            })
            .collect();
        WorkerPool { shutdown, handles }
    }

    /// Asks the workers to stop after their current job, and waits for them.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for h in self.handles {
            let _ = h.await;
        }
    }
}
