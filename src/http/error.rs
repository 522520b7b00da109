//! How an [`AppError`] answers over HTTP: its problem document, status and headers.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};

use crate::{
    error::AppError,
    http::{
        locale::Locale,
        problem::{Msg, Problem},
    },
};

impl AppError {
    pub fn problem(&self) -> Problem {
        match self {
            AppError::BadRequest(m) => {
                Problem::new(StatusCode::BAD_REQUEST, "bad-request", m.clone())
            }
            AppError::Validation { detail, errors } => Problem {
                errors: errors.clone(),
                ..Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    detail.clone(),
                )
            },
            AppError::NotFound => {
                Problem::new(StatusCode::NOT_FOUND, "not-found", Msg::ResourceNotFound)
            }
            AppError::Unauthorized(m) => {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", m.clone())
            }
            AppError::Forbidden => Problem::new(StatusCode::FORBIDDEN, "forbidden", Msg::Forbidden),
            AppError::ForbiddenBecause(m) => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", m.clone())
            }
            AppError::TooManyRequests { .. } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                Msg::TooManyAttempts,
            ),
            AppError::Conflict(m) => Problem::new(StatusCode::CONFLICT, "conflict", m.clone()),
            AppError::RouteNotFound => {
                Problem::new(StatusCode::NOT_FOUND, "not-found", Msg::RouteNotFound)
            }
            AppError::MethodNotAllowed { allow } => Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                Msg::MethodNotAllowed {
                    allow: allow.join(", "),
                },
            ),
            AppError::UnsupportedMediaType { expected } => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                Msg::UnsupportedMediaType { expected },
            ),
            AppError::PayloadTooLarge { limit } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                Msg::PayloadTooLarge { limit: *limit },
            ),
            AppError::Unavailable { detail, .. } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                detail.clone(),
            ),
            AppError::Internal(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                // The middleware that renders problems fills in the request id.
                Msg::Internal {
                    request_id: String::new(),
                },
            ),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.problem().status
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(e) = self {
            // The request span carries the request id; the cause stays in the log only.
            tracing::error!(error = ?e, "request failed with an internal error");
        }
        let mut res = self.problem().response(Locale::En);
        match self {
            AppError::MethodNotAllowed { allow } => {
                if let Ok(v) = allow.join(", ").parse() {
                    res.headers_mut().insert(actix_web::http::header::ALLOW, v);
                }
            }
            AppError::Unauthorized(_) => {
                res.headers_mut().insert(
                    actix_web::http::header::WWW_AUTHENTICATE,
                    actix_web::http::header::HeaderValue::from_static("Bearer"),
                );
            }
            AppError::TooManyRequests { retry_after_secs }
            | AppError::Unavailable {
                retry_after_secs, ..
            } => {
                res.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(*retry_after_secs),
                );
            }
            _ => {}
        }
        res
    }
}
