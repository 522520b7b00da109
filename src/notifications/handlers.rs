//! HTTP for the email outbox (admins only).

use actix_web::{get, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    outbox::{self, OutboxMessage, OutboxPage, OutboxStatus, RequeuedMessages},
    preferences::{self, EmailPreferences, Unsubscribed},
};
use crate::{
    error::AppError,
    http::{
        auth::{Caller, Permission},
        cursor,
        extract::Query,
    },
    startup::AppState,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `sent` or `dead`.
    pub status: Option<OutboxStatus>,
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Emails in the outbox, newest first.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses((status = 200, description = "A page of outbox messages", body = OutboxPage))
)]
#[get("/api/v1/admin/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<OutboxQuery>,
) -> Result<web::Json<OutboxPage>, AppError> {
    // Also checked by the service; first here, so that an outsider learns nothing from the
    // validation of the query.
    user.require(Permission::ManageOutbox)?;
    let q = query.0;
    let limit = cursor::limit(q.limit, 50, 100)?;
    // The outbox pages by message id; clients get it wrapped, as every list's cursor.
    let after = match cursor::given(q.cursor) {
        Some(c) => Some(
            cursor::unwrap_text(&c)
                .and_then(|t| t.strip_prefix("o|").map(str::to_owned))
                .ok_or_else(cursor::invalid)?,
        ),
        None => None,
    };
    let mut page = outbox::list(&state.db, &user, q.status, after, limit).await?;
    page.next_cursor = page.next_cursor.map(|id| cursor::wrap(&format!("o|{id}")));
    Ok(web::Json(page))
}

/// Send a dead email again.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Outbox message id")),
    responses(
        (status = 200, description = "Queued again", body = OutboxMessage),
        (status = 404, description = "No such message", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "The message is not dead", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/admin/outbox/{id}/retry")]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<OutboxMessage>, AppError> {
    Ok(web::Json(
        outbox::retry(&state.db, &user, id.into_inner()).await?,
    ))
}

/// Send every dead email again (e.g. after an SMTP outage longer than the retry window); each gets
/// fresh attempts and a fresh retry window. Audited.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, description = "How many dead emails were queued again", body = RequeuedMessages))
)]
#[post("/api/v1/admin/outbox/retry-dead")]
pub async fn retry_dead_outbox(
    state: web::Data<AppState>,
    user: Caller,
) -> Result<web::Json<RequeuedMessages>, AppError> {
    Ok(web::Json(outbox::retry_all_dead(&state.db, &user).await?))
}

/// Which emails the caller receives of those that may be turned off (reminders, attendance
/// warnings, the weekly digest). Emails about her money, offers and account are always sent.
#[utoipa::path(tag = "notifications", security(("bearer" = [])), responses(
    (status = 200, description = "Her choices (all on until she changes them)", body = EmailPreferences),
    (status = 401, description = "Not signed in", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/notification-preferences")]
pub async fn get_email_preferences(
    state: web::Data<AppState>,
    user: Caller,
) -> Result<web::Json<EmailPreferences>, AppError> {
    Ok(web::Json(preferences::mine(&state.db, &user).await?))
}

/// Choose which of the emails that may be turned off the caller receives (audited).
#[utoipa::path(tag = "notifications", security(("bearer" = [])), request_body = EmailPreferences, responses(
    (status = 200, description = "Saved", body = EmailPreferences),
    (status = 401, description = "Not signed in", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A field missing or not known", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/me/notification-preferences")]
pub async fn put_email_preferences(
    state: web::Data<AppState>,
    user: Caller,
    body: crate::http::extract::Json<EmailPreferences>,
) -> Result<web::Json<EmailPreferences>, AppError> {
    Ok(web::Json(preferences::set(&state.db, &user, body.0).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UnsubscribeQuery {
    /// The token of the email's unsubscribe link.
    pub token: String,
}

/// One-click unsubscribe (RFC 8058): the `List-Unsubscribe` URL of an email that may be turned
/// off. No sign-in: the signed token names the account and the kind of email; the body
/// (`List-Unsubscribe=One-Click`) is not needed. Doing it again changes nothing.
#[utoipa::path(tag = "notifications", params(UnsubscribeQuery), responses(
    (status = 200, description = "That kind of email is turned off", body = Unsubscribed),
    (status = 422, description = "A token this service did not sign", body = crate::http::problem::ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/email/unsubscribe")]
pub async fn unsubscribe(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    query: Query<UnsubscribeQuery>,
) -> Result<web::Json<Unsubscribed>, AppError> {
    let key = preferences::link_key(secrecy::ExposeSecret::expose_secret(
        &state.settings.jwt_secret,
    ));
    let actor = crate::http::auth::anonymous_actor(&req, &state);
    Ok(web::Json(
        preferences::unsubscribe(&state.db, &key, &query.0.token, actor).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_email_preferences)
        .service(put_email_preferences)
        .service(unsubscribe)
        .service(list_outbox)
        .service(retry_dead_outbox)
        .service(retry_outbox);
}
