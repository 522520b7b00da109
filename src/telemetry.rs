//! Logging: human-readable lines in development, one JSON object per line when asked. Each request
//! logs one line when its span closes, with method, route, status, request id and time taken.

use tracing_subscriber::{EnvFilter, fmt, fmt::format::FmtSpan, prelude::*};

use crate::config::LogFormat;

/// Installs the process's tracing subscriber. Call once, from `main`; tests install their own.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Human => registry
            .with(
                fmt::layer()
                    .with_target(false)
                    .with_span_events(FmtSpan::CLOSE),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true))
            .try_init(),
    };
    if let Err(e) = result {
        eprintln!("logging was already set up: {e}");
    }
}
