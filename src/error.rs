//! The one error type services (and so handlers) return. A 4xx carries a clear, localisable message;
//! anything else is an opaque 500 whose cause is logged (with the request id, through the request's
//! span) and never sent to the client. How an error becomes an HTTP answer is the API's business:
//! see `http/error.rs`.

use std::collections::BTreeMap;

use crate::{
    db::DbError,
    messages::{FieldMsg, Msg},
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
