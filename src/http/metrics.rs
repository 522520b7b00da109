//! The API's request metrics: a middleware that counts requests and their latency into the
//! instance's [`Metrics`].

use std::time::Instant;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};

pub use crate::metrics::Metrics;
use crate::startup::AppState;

/// Middleware: counts requests and their latency by route template (never the raw path, whose ids
/// would make the label set unbounded).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    if let Some(state) = state {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let status = res.status().as_u16().to_string();
        state
            .metrics
            .request_done(&method, &route, &status, started.elapsed().as_secs_f64());
    }
    Ok(res)
}
