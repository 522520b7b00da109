//! Settings: built-in defaults < optional TOML file < environment (`SJ_` prefix, plus `DATABASE_URL`).
//!
//! Secrets are [`SecretString`]s so that printing a `Settings` (in a log line or a panic) never shows
//! them. Nothing here is global: `main` and the tests build a `Settings` and hand it to
//! [`crate::startup::Application::build`].

use std::{collections::BTreeMap, net::IpAddr, path::PathBuf, time::Duration};

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The JWT secret a development checkout runs with. Production refuses to start with it.
pub const DEV_JWT_SECRET: &str = "dev-only-insecure-jwt-secret-change-me";

/// Why `secret` cannot sign production tokens, if it cannot: a secret anyone can read (the
/// development default, a value once published in this repository, any "change me"), one shorter
/// than 32 characters, or one with too little variety to be random (`aaaa…`, `abab…`).
pub fn weak_jwt_secret(secret: &str) -> Option<&'static str> {
    const PUBLISHED: [&str; 2] = [
        DEV_JWT_SECRET,
        "change-me-to-a-long-random-secret-0123456789",
    ];
    let folded = secret.to_lowercase();
    if PUBLISHED.contains(&secret) || folded.contains("change-me") || folded.contains("changeme") {
        return Some("SJ_JWT_SECRET is a published or placeholder value; set a random secret");
    }
    if secret.chars().count() < 32 {
        return Some("SJ_JWT_SECRET must be at least 32 characters");
    }
    let distinct: std::collections::BTreeSet<char> = secret.chars().collect();
    if distinct.len() < 12 {
        return Some(
            "SJ_JWT_SECRET has too few different characters to be random (use e.g. `openssl rand -base64 48`)",
        );
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `development` or `production`; production refuses unsafe settings.
    pub env: Environment,
    /// Address the HTTP server binds to.
    pub host: IpAddr,
    /// Port the HTTP server binds to (0 picks a free one).
    pub port: u16,
    /// Where the default SQLite database and development mail files live.
    pub data_dir: PathBuf,
    /// `sqlite://path`, a plain file path, or `postgres://…`. Empty means `<data_dir>/social-jobs.db`.
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    pub database_url: SecretString,
    /// Connections in the pool; also the number of blocking threads doing database work.
    pub db_pool_size: u32,
    /// How long a request waits for a free connection before it is answered 503.
    pub db_acquire_timeout_ms: u64,
    /// How long opening a new database connection may take.
    pub db_connect_timeout_secs: u64,
    /// How long a request's database work may take before it is answered 503 (0: no limit).
    pub db_request_timeout_ms: u64,
    /// PostgreSQL cancels any statement running longer than this (0: no limit).
    pub db_statement_timeout_ms: u64,
    /// HTTP worker threads (0 = one per core).
    pub http_workers: usize,
    /// Memory for recent answers of `GET /openings`, in bytes (0: no cache). An answer is used
    /// only while no opening has changed since it was made, in any instance.
    pub browse_cache_bytes: u64,
    /// Largest request body accepted, in bytes (larger bodies get 413).
    pub max_body_bytes: usize,
    /// Largest file accepted (the bank's confirmation of a batch), in bytes: a national batch of
    /// 100,000 lines is about 10 MB.
    pub max_file_bytes: usize,
    /// `human` (development) or `json` (one JSON object per line).
    pub log_format: LogFormat,
    /// A `tracing` filter such as `info` or `social_jobs=debug,info`.
    pub log_level: String,
    /// Secret that signs access tokens. Set it in the environment in production.
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    pub jwt_secret: SecretString,
    /// Access-token signing algorithm: HS256, HS384 or HS512. Tokens signed otherwise are refused.
    pub jwt_algorithm: String,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// Lifetime of an access token.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a refresh token (each refresh issues a new one).
    pub refresh_token_ttl_days: u32,
    /// Lifetime of an email-verification link.
    pub verify_email_ttl_hours: u32,
    /// Lifetime of a password-reset link.
    pub password_reset_ttl_minutes: u32,
    /// Failed sign-ins allowed per account, and per client address, within the window.
    pub login_failures_per_account: u32,
    pub login_failures_per_address: u32,
    pub login_failure_window_secs: u64,
    /// Password-reset requests allowed per email, and per client address, within the window.
    pub reset_requests_per_email: u32,
    pub reset_requests_per_address: u32,
    pub reset_window_secs: u64,
    /// Registrations allowed per client address within the window.
    pub registrations_per_address: u32,
    pub registration_window_secs: u64,
    /// Lifetime of a device token: a phone that signed in to an account before keeps signing in
    /// to it while its address is throttled (a carrier's NAT shared with a guesser).
    pub device_token_ttl_days: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Where links in emails point (the app or web front end).
    pub public_url: String,
    /// Background workers in this instance (0: this instance runs no jobs).
    pub workers: usize,
    /// How often an idle worker looks for work.
    pub job_poll_interval_ms: u64,
    /// How long a claimed job stays claimed without a heartbeat before another worker may take it.
    pub job_lease_secs: u64,
    /// Attempts before a job is `dead`.
    pub job_max_attempts: i32,
    /// First retry delay; doubles per attempt (with jitter) up to `job_backoff_max_secs`.
    pub job_backoff_base_ms: u64,
    pub job_backoff_max_secs: u64,
    /// Emails are retried (with the same capped backoff) for this long after they were queued,
    /// however many attempts that takes, and only then are `dead`: an SMTP outage of hours or a
    /// weekend loses no email. `job_max_attempts` does not apply to them.
    pub email_retry_hours: u32,
    /// Finished (`done`) jobs older than this are deleted by `purge_finished_jobs`.
    pub job_retention_days: u32,
    /// Periodic jobs: name → 6-field cron expression (seconds first) in Asia/Almaty.
    pub schedule: BTreeMap<String, String>,
    /// At start, occurrences missed within this many hours are enqueued (older ones are not).
    pub schedule_catch_up_hours: u32,
    /// SMTP server; empty writes mail as .eml files under `<data_dir>/mail/` instead.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `starttls`, `tls` (implicit) or `none` (only to a loopback host).
    pub smtp_tls: SmtpTls,
    pub smtp_username: String,
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    pub smtp_password: SecretString,
    /// Time limit for one SMTP send, connection included.
    pub smtp_timeout_secs: u64,
    /// SMTP connections open at most (kept for reuse); at least `workers`, or sends wait for one.
    pub smtp_pool_size: u32,
    /// The sender of every email, e.g. `Social jobs <noreply@example.kz>`.
    pub mail_from: String,
    /// Bearer token a Prometheus scraper sends to read `/metrics`; empty: `/metrics` is not served
    /// (it shows traffic, queue sizes and failures, which are nobody else's business).
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    pub metrics_token: SecretString,
    /// The national minimum monthly wage in tiyn: no social job may offer less.
    pub minimum_wage_tiyn: i64,
    /// Live applications a seeker may have in one programme.
    pub max_applications_per_programme: u32,
    /// Days a seeker has to answer an offer; a reminder goes a day before it lapses.
    pub offer_ttl_days: u32,
    /// Days after a month ends before its stipends are scheduled even if the provider has not
    /// closed it.
    pub attendance_grace_days: u32,
    /// Day of the following month by which an employer reports a month's wages; reminded when a
    /// month ends unreported, and again once this day has passed.
    pub wage_report_due_day: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    Starttls,
    Tls,
    None,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            env: Environment::Development,
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            data_dir: PathBuf::from("./data"),
            database_url: SecretString::from(String::new()),
            db_pool_size: 8,
            db_acquire_timeout_ms: 2_000,
            db_connect_timeout_secs: 3,
            db_request_timeout_ms: 5_000,
            db_statement_timeout_ms: 30_000,
            http_workers: 0,
            browse_cache_bytes: 16 * 1024 * 1024,
            max_body_bytes: 1024 * 1024,
            max_file_bytes: 32 * 1024 * 1024,
            log_format: LogFormat::Human,
            log_level: "info".to_owned(),
            jwt_secret: SecretString::from(DEV_JWT_SECRET.to_owned()),
            jwt_algorithm: "HS256".to_owned(),
            jwt_issuer: "social-jobs-almaty".to_owned(),
            jwt_audience: "social-jobs-api".to_owned(),
            access_token_ttl_secs: 900,
            refresh_token_ttl_days: 30,
            verify_email_ttl_hours: 48,
            password_reset_ttl_minutes: 60,
            login_failures_per_account: 5,
            login_failures_per_address: 20,
            login_failure_window_secs: 900,
            reset_requests_per_email: 3,
            reset_requests_per_address: 10,
            reset_window_secs: 3600,
            registrations_per_address: 20,
            registration_window_secs: 3600,
            device_token_ttl_days: 180,
            trust_forwarded_for: false,
            public_url: "http://127.0.0.1:8080".to_owned(),
            // Four: an email costs a worker one commit (a disk flush on PostgreSQL, ~2-3 ms here),
            // so four overlap their flushes to send well over 500 emails/s on either backend; each
            // holds one database connection at a time, leaving half the pool to requests.
            workers: 4,
            job_poll_interval_ms: 500,
            job_lease_secs: 60,
            job_max_attempts: 8,
            job_backoff_base_ms: 5_000,
            job_backoff_max_secs: 3_600,
            email_retry_hours: 72,
            job_retention_days: 30,
            schedule: BTreeMap::from([
                ("purge_finished_jobs".to_owned(), "0 30 3 * * *".to_owned()),
                // Offers lapse and reminders go out within ten minutes of their time.
                ("expire_offers".to_owned(), "0 */10 * * * *".to_owned()),
                // Stipends of ended months are scheduled each morning.
                ("schedule_payouts".to_owned(), "0 0 6 * * *".to_owned()),
                // Wage subsidies of confirmed reports, each morning after the stipends.
                ("schedule_subsidies".to_owned(), "0 15 6 * * *".to_owned()),
                // Employers hear of unreported months in the morning of a working day.
                ("remind_wage_reports".to_owned(), "0 0 9 * * *".to_owned()),
                // The weekly digest of new openings: Monday morning.
                (
                    "send_openings_digest".to_owned(),
                    "0 0 10 * * MON".to_owned(),
                ),
            ]),
            schedule_catch_up_hours: 72,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: String::new(),
            smtp_password: SecretString::from(String::new()),
            smtp_timeout_secs: 15,
            smtp_pool_size: 4,
            mail_from: "Social jobs Almaty <noreply@social-jobs.almaty.kz>".to_owned(),
            metrics_token: SecretString::from(String::new()),
            // 85,000 ₸ (2025–2026).
            minimum_wage_tiyn: 8_500_000,
            max_applications_per_programme: 5,
            offer_ttl_days: 5,
            attendance_grace_days: 5,
            wage_report_due_day: 10,
        }
    }
}

/// Every key a deployment may set, as environment variable names. docker-compose.yml is checked
/// against this list by a test, so a misspelt variable there is caught.
pub fn known_env_vars() -> Vec<String> {
    let mut vars: Vec<String> = SETTING_KEYS
        .iter()
        .map(|k| format!("SJ_{}", k.to_uppercase()))
        .collect();
    vars.push("DATABASE_URL".to_owned());
    vars.push("SJ_CONFIG".to_owned());
    vars
}

/// The keys of [`Settings`], in the order README documents them.
pub const SETTING_KEYS: &[&str] = &[
    "env",
    "host",
    "port",
    "data_dir",
    "database_url",
    "db_pool_size",
    "db_acquire_timeout_ms",
    "db_connect_timeout_secs",
    "db_request_timeout_ms",
    "db_statement_timeout_ms",
    "http_workers",
    "browse_cache_bytes",
    "max_body_bytes",
    "max_file_bytes",
    "log_format",
    "log_level",
    "jwt_secret",
    "jwt_algorithm",
    "jwt_issuer",
    "jwt_audience",
    "access_token_ttl_secs",
    "refresh_token_ttl_days",
    "verify_email_ttl_hours",
    "password_reset_ttl_minutes",
    "login_failures_per_account",
    "login_failures_per_address",
    "login_failure_window_secs",
    "reset_requests_per_email",
    "reset_requests_per_address",
    "reset_window_secs",
    "registrations_per_address",
    "registration_window_secs",
    "device_token_ttl_days",
    "trust_forwarded_for",
    "public_url",
    "workers",
    "job_poll_interval_ms",
    "job_lease_secs",
    "job_max_attempts",
    "job_backoff_base_ms",
    "job_backoff_max_secs",
    "email_retry_hours",
    "job_retention_days",
    "schedule",
    "schedule_catch_up_hours",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_username",
    "smtp_password",
    "smtp_timeout_secs",
    "smtp_pool_size",
    "mail_from",
    "metrics_token",
    "minimum_wage_tiyn",
    "max_applications_per_programme",
    "offer_ttl_days",
    "attendance_grace_days",
    "wage_report_due_day",
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration could not be read: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("unsafe configuration for production: {0}")]
    Unsafe(String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Reads defaults, then the file named by `SJ_CONFIG` (if it is set) or `file`, then the
    /// environment.
    pub fn load(file: Option<PathBuf>) -> Result<Settings, ConfigError> {
        let file = std::env::var_os("SJ_CONFIG").map(PathBuf::from).or(file);
        Self::from_figment(Self::figment(file))
    }

    pub fn figment(file: Option<PathBuf>) -> Figment {
        // Missing keys take `Settings::default()` through `#[serde(default)]`.
        let mut figment = Figment::new();
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("SJ_").ignore(&["config"]))
            .merge(Env::raw().only(&["database_url"]))
    }

    pub fn from_figment(figment: Figment) -> Result<Settings, ConfigError> {
        let settings: Settings = figment.extract().map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks that hold in every environment, and the stricter ones for production.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.db_pool_size == 0 {
            return Err(ConfigError::Invalid(
                "db_pool_size must be at least 1".into(),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be at least 1024".into(),
            ));
        }
        if self.max_file_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_file_bytes must be at least 1024".into(),
            ));
        }
        if self.job_max_attempts < 1 {
            return Err(ConfigError::Invalid(
                "job_max_attempts must be at least 1".into(),
            ));
        }
        if self.email_retry_hours < 1 {
            return Err(ConfigError::Invalid(
                "email_retry_hours must be at least 1".into(),
            ));
        }
        if !(1..=28).contains(&self.wage_report_due_day) {
            return Err(ConfigError::Invalid(
                "wage_report_due_day must be between 1 and 28".into(),
            ));
        }
        if self.job_lease_secs < 1 {
            return Err(ConfigError::Invalid(
                "job_lease_secs must be at least 1".into(),
            ));
        }
        for (name, expr) in &self.schedule {
            crate::jobs::schedule::parse_cron(expr)
                .map_err(|e| ConfigError::Invalid(format!("schedule.{name}: {e}")))?;
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(
                "mail_from is not an email address".into(),
            ));
        }
        if !self.smtp_host.is_empty()
            && self.smtp_tls == SmtpTls::None
            && !is_loopback(&self.smtp_host)
        {
            // Credentials and family data would cross the network in clear text.
            return Err(ConfigError::Unsafe(format!(
                "SMTP without TLS is allowed only to a loopback host, not {}",
                self.smtp_host
            )));
        }
        let metrics_token = self.metrics_token.expose_secret();
        if !metrics_token.is_empty() && metrics_token.chars().count() < 16 {
            return Err(ConfigError::Invalid(
                "metrics_token must be at least 16 characters (or empty to serve no metrics)"
                    .into(),
            ));
        }
        if self.env == Environment::Production
            && let Some(why) = weak_jwt_secret(self.jwt_secret.expose_secret())
        {
            return Err(ConfigError::Unsafe(why.into()));
        }
        Ok(())
    }

    /// The database URL with the default (a SQLite file under `data_dir`) filled in.
    pub fn effective_database_url(&self) -> String {
        let url = self.database_url.expose_secret();
        if url.trim().is_empty() {
            format!(
                "sqlite://{}",
                self.data_dir.join("social-jobs.db").display()
            )
        } else {
            url.to_owned()
        }
    }

    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.db_acquire_timeout_ms)
    }

    pub fn db_connect_timeout(&self) -> Duration {
        Duration::from_secs(self.db_connect_timeout_secs.max(1))
    }

    /// The deadline of a request's database work, if any.
    pub fn db_request_timeout(&self) -> Option<Duration> {
        (self.db_request_timeout_ms > 0).then(|| Duration::from_millis(self.db_request_timeout_ms))
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn ser_secret<S: serde::Serializer>(_: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    // Serialising settings (e.g. to show them) never shows a secret.
    s.serialize_str("[redacted]")
}

fn de_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's own error type
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn environment_overrides_file_and_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file("sj.toml", "port = 9000\nlog_level = \"debug\"")?;
            jail.set_env("SJ_PORT", "9100");
            jail.set_env("DATABASE_URL", "postgres://db/x");
            let s = Settings::from_figment(Settings::figment(Some("sj.toml".into())))
                .map_err(|e| e.to_string())?;
            assert_eq!(s.port, 9100);
            assert_eq!(s.log_level, "debug");
            assert_eq!(s.effective_database_url(), "postgres://db/x");
            Ok(())
        });
    }

    #[test]
    fn production_refuses_the_default_jwt_secret() {
        Jail::expect_with(|jail| {
            jail.set_env("SJ_ENV", "production");
            let err = Settings::from_figment(Settings::figment(None)).err();
            assert!(matches!(err, Some(ConfigError::Unsafe(_))), "{err:?}");
            jail.set_env("SJ_JWT_SECRET", "a-long-random-secret-of-at-least-32-chars");
            assert!(Settings::from_figment(Settings::figment(None)).is_ok());
            // The old compose fallback, a repeated character, a short one: refused.
            for weak in [
                "change-me-to-a-long-random-secret-0123456789",
                &"a".repeat(64),
                &"ab".repeat(32),
                "Zx8!kQ2#pL",
            ] {
                jail.set_env("SJ_JWT_SECRET", weak);
                let err = Settings::from_figment(Settings::figment(None)).err();
                assert!(
                    matches!(err, Some(ConfigError::Unsafe(_))),
                    "{weak}: {err:?}"
                );
            }
            Ok(())
        });
    }

    #[test]
    fn a_random_secret_is_strong() {
        assert_eq!(weak_jwt_secret("q8Vf2nR+Kx0ZtLw9mB4sYc7HdPj1EaU6"), None);
    }

    #[test]
    fn plain_smtp_is_refused_except_to_loopback() {
        let mut s = Settings {
            smtp_tls: SmtpTls::None,
            smtp_host: "mail.example.kz".into(),
            ..Settings::default()
        };
        assert!(matches!(s.validate(), Err(ConfigError::Unsafe(_))));
        for host in ["127.0.0.1", "localhost", "::1"] {
            s.smtp_host = host.into();
            assert!(s.validate().is_ok(), "{host}");
        }
        s.smtp_host = "mail.example.kz".into();
        s.smtp_tls = SmtpTls::Starttls;
        assert!(s.validate().is_ok());
    }

    #[test]
    fn schedules_come_from_configuration_and_are_checked() {
        Jail::expect_with(|jail| {
            jail.set_env(
                "SJ_SCHEDULE",
                "{purge_finished_jobs=\"0 0 4 * * *\", payouts=\"0 0 6 * * *\"}",
            );
            let s = Settings::from_figment(Settings::figment(None)).map_err(|e| e.to_string())?;
            assert_eq!(s.schedule["payouts"], "0 0 6 * * *");
            jail.set_env("SJ_SCHEDULE", "{payouts=\"0 6 * * *\"}");
            assert!(
                Settings::from_figment(Settings::figment(None)).is_err(),
                "5-field cron accepted"
            );
            Ok(())
        });
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = Settings {
            jwt_secret: SecretString::from("top-secret-value".to_owned()),
            database_url: SecretString::from("postgres://u:hunter2@h/db".to_owned()),
            smtp_password: SecretString::from("smtp-pass-42".to_owned()),
            ..Settings::default()
        };
        let printed = format!("{s:?} {}", serde_json::to_string(&s).unwrap_or_default());
        assert!(!printed.contains("smtp-pass-42"));
        assert!(!printed.contains("top-secret-value"));
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn default_database_is_a_sqlite_file_under_data_dir() {
        let s = Settings::default();
        assert_eq!(s.effective_database_url(), "sqlite://./data/social-jobs.db");
    }

    #[test]
    fn every_setting_key_is_a_field() {
        let value = serde_json::to_value(Settings::default()).unwrap_or_default();
        let fields: Vec<&String> = value
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(fields.len(), SETTING_KEYS.len());
        for key in SETTING_KEYS {
            assert!(value.get(*key).is_some(), "{key} is not a Settings field");
        }
    }
}
