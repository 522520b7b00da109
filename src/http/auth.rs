//! Who is calling, and what their role may do.
//!
//! [`CurrentUser`] is the extractor every protected handler takes: it checks the bearer access token
//! and then the account as it is *now* (disabled accounts and sessions ended by a password change or
//! reset are refused at once, not when the token expires). [`Permission`] is the one table of which
//! role may call what; object-level checks (is this her household, their organisation's opening?)
//! are made by each service, answering 404 to outsiders.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header::AUTHORIZATION, web};

use crate::{
    accounts::{self, model::Role},
    audit::Actor,
    error::AppError,
    http::{locale::Locale, problem::Msg},
    startup::AppState,
};

/// What a role may do. Each handler names the permission it needs; [`Permission::roles`] is the only
/// place that says who has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create case workers and admins; disable staff.
    ManageStaff,
    /// Register an organisation (employers and providers, for their own kind).
    RegisterOrganisation,
    /// Approve an organisation.
    ApproveOrganisation,
    /// See any organisation (staff); members see their own by object-level check.
    ReadAnyOrganisation,
    /// Keep one's own seeker data: profile, household, eligibility.
    ManageOwnProfile,
    /// See households and verify or reject them.
    VerifyHouseholds,
    /// Create programmes and change their rules.
    ManageProgrammes,
    /// Apply for places, rank and withdraw applications, answer offers.
    Apply,
    /// Start matching rounds and read their results.
    RunMatching,
    /// See every seeker's payouts.
    ViewPayouts,
    /// Reopen a closed attendance month.
    ReopenPeriods,
    /// Post and edit openings for one's organisation (employers jobs, providers courses).
    PostOpenings,
    /// See any organisation's draft and closed openings (staff).
    ReadAnyOpening,
    /// Enqueue periodic jobs by hand.
    RunJobs,
    /// See and retry the email outbox.
    ManageOutbox,
}

impl Permission {
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::ManageStaff => &[Admin],
            Permission::RegisterOrganisation => &[Employer, Provider],
            Permission::ApproveOrganisation => &[Admin],
            Permission::ReadAnyOrganisation => &[Caseworker, Admin],
            Permission::ManageOwnProfile => &[Seeker],
            Permission::VerifyHouseholds => &[Caseworker, Admin],
            Permission::ManageProgrammes => &[Admin],
            Permission::Apply => &[Seeker],
            Permission::RunMatching => &[Caseworker, Admin],
            Permission::ViewPayouts => &[Caseworker, Admin],
            Permission::ReopenPeriods => &[Caseworker, Admin],
            Permission::PostOpenings => &[Employer, Provider],
            Permission::ReadAnyOpening => &[Caseworker, Admin],
            Permission::RunJobs => &[Admin],
            Permission::ManageOutbox => &[Admin],
        }
    }
}

/// The signed-in account, as the database has it now.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account_id: String,
    pub email: String,
    pub role: Role,
    pub locale: Locale,
    pub email_verified: bool,
    pub organisation_id: Option<String>,
    pub organisation_approved: bool,
    pub actor: Actor,
}

impl CurrentUser {
    /// Function-level check: 403 when the role lacks the permission.
    pub fn require(&self, permission: Permission) -> Result<&CurrentUser, AppError> {
        if permission.roles().contains(&self.role) {
            Ok(self)
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn has(&self, permission: Permission) -> bool {
        permission.roles().contains(&self.role)
    }

    /// For actions that need a confirmed email (a seeker applying, an organisation publishing).
    pub fn require_verified_email(&self) -> Result<&CurrentUser, AppError> {
        if self.email_verified {
            Ok(self)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The organisation this account may act for: only once an admin approved it.
    pub fn acting_organisation(&self) -> Option<&str> {
        self.organisation_approved
            .then_some(self.organisation_id.as_deref())
            .flatten()
    }
}

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

impl FromRequest for CurrentUser {
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
            if account.disabled_at.is_some()
                || claims.auth_time_ms < account.tokens_valid_after.and_utc().timestamp_millis()
            {
                return Err(unauthorized());
            }
            let role = account.role().ok_or_else(unauthorized)?;
            let mut actor = anonymous_actor(&req, &state);
            actor.account_id = Some(account.id.clone());
            Ok(CurrentUser {
                role,
                locale: account.locale(),
                email_verified: account.email_verified_at.is_some(),
                organisation_approved: org_status.as_deref() == Some("approved"),
                organisation_id: account.organisation_id,
                email: account.email,
                account_id: account.id,
                actor,
            })
        })
    }
}

/// The signed-in account if the request carries a token, for endpoints anyone may call but whose
/// answer depends on who asks. A token that is present but invalid is still refused (401), so a
/// client with an expired session learns it instead of silently seeing less.
#[derive(Debug, Clone)]
pub struct OptionalUser(pub Option<CurrentUser>);

impl FromRequest for OptionalUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get(AUTHORIZATION).is_none() {
            return Box::pin(async { Ok(OptionalUser(None)) });
        }
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move { Ok(OptionalUser(Some(user.await?))) })
    }
}
