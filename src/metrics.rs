//! Prometheus metrics. The registry belongs to the application instance (no process-global
//! registry), so tests running several apps in one process do not mix their counts. Counted by the
//! API's middleware (`http::metrics`), the mailer and the jobs; rendered by `/metrics`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    jobs: IntGaugeVec,
    emails: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("sj".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route template and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ],
            ),
            &["method", "route"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )?;
        let jobs = IntGaugeVec::new(
            Opts::new("jobs", "Background jobs by kind and state"),
            &["kind", "state"],
        )?;
        let emails = IntCounterVec::new(
            Opts::new(
                "emails_total",
                "Emails handed to the mail server, by template and outcome",
            ),
            &["template", "outcome"],
        )?;
        registry.register(Box::new(jobs.clone()))?;
        registry.register(Box::new(emails.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            pool,
            jobs,
            emails,
        })
    }

    /// Counts one answered request and its latency, by route template.
    pub fn request_done(&self, method: &str, route: &str, status: &str, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, status])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    pub fn email_sent(&self, template: &str) {
        self.emails.with_label_values(&[template, "sent"]).inc();
    }

    pub fn email_failed(&self, template: &str) {
        self.emails.with_label_values(&[template, "failed"]).inc();
    }

    /// Sets the job gauges from fresh counts; kinds and states not listed read 0.
    pub fn set_job_counts(&self, counts: &[(String, crate::jobs::JobState, i64)]) {
        self.jobs.reset();
        for (kind, state, n) in counts {
            self.jobs
                .with_label_values(&[kind.as_str(), state.as_str()])
                .set(*n);
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The text exposition, with pool gauges read at scrape time.
    pub fn render(&self, pool: (u32, u32), pool_max: u32) -> String {
        let (open, idle) = pool;
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(open.saturating_sub(idle)));
        self.pool.with_label_values(&["idle"]).set(i64::from(idle));
        self.pool
            .with_label_values(&["max"])
            .set(i64::from(pool_max));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "encoding metrics failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
