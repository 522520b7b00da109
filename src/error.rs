//! The one error type handlers return. A 4xx carries a clear, localisable message; anything else is
//! an opaque 500 whose cause is logged (with the request id, through the request's span) and never
//! sent to the client.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};

use crate::{
    db::DbError,
    http::{
        locale::Locale,
        problem::{FieldMsg, Msg, Problem},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request")]
    BadRequest(Msg),
    #[error("validation failed")]
    Validation {
        detail: Msg,
        errors: BTreeMap<String, Msg>,
    },
    #[error("not found")]
    NotFound,
    #[error("unauthorized")]
    Unauthorized(Msg),
    #[error("forbidden")]
    Forbidden,
    /// Forbidden, with the reason the caller can act on.
    #[error("forbidden")]
    ForbiddenBecause(Msg),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u32 },
    #[error("conflict")]
    Conflict(Msg),
    #[error("route not found")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<&'static str> },
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("service unavailable")]
    Unavailable { detail: Msg, retry_after_secs: u32 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Any unexpected failure as an opaque 500 (the cause is logged, never sent).
pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(e.into())
}

impl AppError {
    /// A 422 with one field error.
    pub fn field(field: impl Into<String>, msg: FieldMsg) -> AppError {
        let mut errors = BTreeMap::new();
        errors.insert(field.into(), Msg::Field(msg));
        AppError::Validation {
            detail: Msg::JsonBodyInvalid,
            errors,
        }
    }

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

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Busy => AppError::Unavailable {
                detail: Msg::ServiceBusy,
                retry_after_secs: 1,
            },
            DbError::Unavailable(_) => AppError::Unavailable {
                detail: Msg::DatabaseUnavailable,
                retry_after_secs: 5,
            },
            DbError::Timeout(_) => AppError::Unavailable {
                detail: Msg::DatabaseUnavailable,
                retry_after_secs: 5,
            },
            DbError::Query(e) if crate::db::is_unavailable(&e) => {
                // Logged: an operator wants to know the database is failing requests.
                tracing::warn!(error = %e, "database lost while answering a request");
                AppError::Unavailable {
                    detail: Msg::DatabaseUnavailable,
                    retry_after_secs: 5,
                }
            }
            DbError::Query(diesel::result::Error::NotFound) => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(DbError::Query(e))
    }
}
