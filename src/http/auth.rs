//! The API's side of identity: [`Caller`] (defined in [`crate::access`], with the permission
//! table) is the extractor every protected handler takes: it checks the bearer access token and then
//! the account as it is *now* (disabled accounts and sessions ended by a password change or reset
//! are refused at once, not when the token expires).

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header::AUTHORIZATION, web};

pub use crate::access::{Caller, Permission};
use crate::{accounts, audit::Actor, error::AppError, http::problem::Msg, startup::AppState};

/// The caller's address: the peer, or the first `X-Forwarded-For` hop when configured to trust it.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
    {
        return Some(ip.to_string());
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

/// The actor for audit events of an anonymous request.
pub fn anonymous_actor(req: &HttpRequest, state: &AppState) -> Actor {
    Actor {
        account_id: None,
        client_ip: client_ip(req, state.settings.trust_forwarded_for),
        request_id: Some(crate::http::request_id(req)).filter(|s| !s.is_empty()),
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        let req = req.clone();
        Box::pin(async move {
            let unauthorized = || AppError::Unauthorized(Msg::AuthenticationRequired);
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
            let claims = state
                .auth
                .tokens
                .verify(&token.ok_or_else(unauthorized)?)
                .map_err(|_| unauthorized())?;
            let account_id = claims.sub.clone();
            let (account, org_status) = state
                .db
                .run(move |c| accounts::service::session_account(c, &account_id))
                .await?
                .ok_or_else(unauthorized)?;
            // Sessions end when the account is disabled or its password changes.
            let began = chrono::DateTime::from_timestamp_millis(claims.auth_time_ms)
                .ok_or_else(unauthorized)?
                .naive_utc();
            accounts::service::caller_of(account, org_status, began, anonymous_actor(&req, &state))
                .ok_or_else(unauthorized)
        })
    }
}

/// The signed-in account if the request carries a token, for endpoints anyone may call but whose
/// answer depends on who asks. A token that is present but invalid is still refused (401), so a
/// client with an expired session learns it instead of silently seeing less.
#[derive(Debug, Clone)]
pub struct OptionalUser(pub Option<Caller>);

impl FromRequest for OptionalUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(OptionalUser(None)) });
        }
        let user = Caller::from_request(req, payload);
        Box::pin(async move { Ok(OptionalUser(Some(user.await?))) })
    }
}
