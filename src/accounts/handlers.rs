//! HTTP for sign-up, sign-in, tokens, password reset, `GET /me` and staff.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    model::Role,
    service::{self, Me, Registration, StaffMember, TokenPair},
};
use crate::{
    error::AppError,
    http::{
        auth::{Caller, Permission, anonymous_actor},
        extract::Json,
        locale::Locale,
        problem::{FieldMsg, ProblemBody},
    },
    notifications::EmailAddress,
    startup::AppState,
};

fn email(raw: &str) -> Result<EmailAddress, AppError> {
    EmailAddress::parse(raw).map_err(|_| AppError::field("email", FieldMsg::Invalid))
}

/// The roles of `pick` as a string enum, for a request that accepts only those.
fn roles_schema(pick: fn(Role) -> bool) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(
            Role::ALL.into_iter().filter(|r| pick(*r)).map(Role::as_str),
        ))
        .build()
}

/// The roles anyone may register for: the contract lists only these.
fn self_service_roles() -> utoipa::openapi::Object {
    roles_schema(Role::self_service)
}

/// The roles an admin creates.
fn staff_roles() -> utoipa::openapi::Object {
    roles_schema(Role::is_staff)
}

// Request bodies carry passwords and tokens: they deliberately do not derive Debug.

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(format = "email")]
    pub email: String,
    /// 10–128 characters; not the email, not a common password.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    /// `seeker`, `employer` or `provider`.
    #[schema(schema_with = self_service_roles)]
    pub role: Role,
    /// Language of emails; `ru` when absent.
    pub locale: Option<Locale>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub status: String,
}

/// Register a seeker, employer or provider account. A verification link is emailed. The answer is
/// the same whether or not the email is registered (its owner is told by email instead).
#[utoipa::path(tag = "auth", request_body = RegisterRequest, responses(
    (status = 202, description = "Verification email queued", body = Accepted),
    (status = 422, description = "Invalid email, password or role", body = ProblemBody, content_type = "application/problem+json"),
    (status = 429, description = "Too many registrations from this address; see Retry-After", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let registration = Registration {
        email: email(&b.email)?,
        password: b.password,
        role: b.role,
        locale: b.locale.unwrap_or(Locale::Ru),
    };
    service::register(&state.ctx(), registration, anonymous_actor(&req, &state)).await?;
    Ok(HttpResponse::Accepted().json(Accepted {
        status: "verification_sent".into(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the emailed link.
    pub token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EmailVerified {
    pub email_verified: bool,
}

/// Confirm an email address with the emailed token (single use).
#[utoipa::path(tag = "auth", request_body = TokenRequest, responses(
    (status = 200, description = "Verified", body = EmailVerified),
    (status = 400, description = "Invalid, used or expired token", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/verify-email")]
pub async fn verify_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<TokenRequest>,
) -> Result<web::Json<EmailVerified>, AppError> {
    service::verify_email(&state.db, body.0.token, anonymous_actor(&req, &state)).await?;
    Ok(web::Json(EmailVerified {
        email_verified: true,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The `device_token` this device was given at an earlier sign-in to this account, if any.
    #[serde(default)]
    pub device_token: Option<String>,
}

/// Sign in: a 15-minute access token and a 30-day refresh token.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, description = "Signed in", body = TokenPair),
    (status = 401, description = "Wrong email or password", body = ProblemBody, content_type = "application/problem+json"),
    (status = 429, description = "Too many failed attempts; see Retry-After", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<web::Json<TokenPair>, AppError> {
    let b = body.0;
    Ok(web::Json(
        service::login(
            &state.ctx(),
            b.email,
            b.password,
            b.device_token,
            anonymous_actor(&req, &state),
        )
        .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchange a refresh token for a new pair (the old one stops working; using it again ends the session).
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, description = "New tokens", body = TokenPair),
    (status = 401, description = "Unknown, used, revoked or expired refresh token", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, AppError> {
    Ok(web::Json(
        service::refresh(
            &state.ctx(),
            body.0.refresh_token,
            anonymous_actor(&req, &state),
        )
        .await?,
    ))
}

/// Sign out: the refresh token's session ends.
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses((status = 204, description = "Signed out")))]
#[post("/api/v1/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    service::logout(
        &state.db,
        body.0.refresh_token,
        anonymous_actor(&req, &state),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[schema(format = "email")]
    pub email: String,
}

/// Ask for a password-reset link. Always 202, whether or not the email has an account.
#[utoipa::path(tag = "auth", request_body = ResetRequest, responses(
    (status = 202, description = "If the account exists, a link was emailed", body = Accepted),
    (status = 429, description = "Too many requests; see Retry-After", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/password-reset")]
pub async fn password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<ResetRequest>,
) -> Result<HttpResponse, AppError> {
    // A malformed address is refused (422) like everywhere else; a well-formed one gets 202
    // whether or not it has an account.
    email(&body.0.email)?;
    service::request_password_reset(&state.ctx(), body.0.email, anonymous_actor(&req, &state))
        .await?;
    Ok(HttpResponse::Accepted().json(Accepted {
        status: "reset_requested".into(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// Set a new password with the emailed token (single use, valid 1 hour). Every session ends.
#[utoipa::path(tag = "auth", request_body = ResetConfirm, responses(
    (status = 204, description = "Password changed"),
    (status = 400, description = "Invalid, used or expired token", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "The new password breaks a rule", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/auth/password-reset/confirm")]
pub async fn password_reset_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<ResetConfirm>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    service::confirm_password_reset(
        &state.ctx(),
        b.token,
        b.new_password,
        anonymous_actor(&req, &state),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in account: role, organisation and verification state.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, description = "The account", body = Me),
    (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, user: Caller) -> Result<web::Json<Me>, AppError> {
    Ok(web::Json(service::me(&state.db, &user).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// Change the password. Every session ends, this one included: sign in again.
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body = PasswordChange, responses(
    (status = 204, description = "Changed"),
    (status = 401, description = "Not signed in", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Wrong current password or a rule broken", body = ProblemBody, content_type = "application/problem+json"),
    (status = 429, description = "Too many wrong current passwords; see Retry-After", body = ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    service::change_password(&state.ctx(), &user, b.current_password, b.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    #[schema(format = "email")]
    pub email: String,
    /// The first password, handed over by the admin; 10–128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    /// `caseworker` or `admin`.
    #[schema(schema_with = staff_roles)]
    pub role: Role,
    pub locale: Option<Locale>,
}

/// Create a case worker or admin (admins only).
#[utoipa::path(tag = "staff", security(("bearer" = [])), request_body = NewStaff, responses(
    (status = 201, description = "Created", body = StaffMember),
    (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Email already registered", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/admin/staff")]
pub async fn create_staff(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<NewStaff>,
) -> Result<HttpResponse, AppError> {
    // Also checked by the service; first here, so that an outsider learns nothing from the
    // validation of the body.
    user.require(Permission::ManageStaff)?;
    let b = body.0;
    let staff = service::create_staff(
        &state.ctx(),
        &user,
        email(&b.email)?,
        b.password,
        b.role,
        b.locale.unwrap_or(Locale::Ru),
    )
    .await?;
    Ok(HttpResponse::Created().json(staff))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StaffQuery {
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Case workers and admins, newest first (admins only).
#[utoipa::path(tag = "staff", security(("bearer" = [])), params(StaffQuery), responses(
    (status = 200, description = "A page of staff accounts", body = service::StaffPage),
    (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A cursor this list did not give, or a limit out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/admin/staff")]
pub async fn list_staff(
    state: web::Data<AppState>,
    user: Caller,
    query: crate::http::extract::Query<StaffQuery>,
) -> Result<web::Json<service::StaffPage>, AppError> {
    let q = query.0;
    let limit = crate::paging::limit(q.limit, 50, 100)?;
    Ok(web::Json(
        service::list_staff(&state.db, &user, crate::paging::given(q.cursor), limit).await?,
    ))
}

/// Disable a staff account; its sessions end at once (admins only).
#[utoipa::path(tag = "staff", security(("bearer" = [])), params(("id" = String, Path, description = "Account id")), responses(
    (status = 200, description = "Disabled", body = StaffMember),
    (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such staff account", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "An admin cannot disable their own account", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/admin/staff/{id}/disable")]
pub async fn disable_staff(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<StaffMember>, AppError> {
    Ok(web::Json(
        service::disable_staff(&state.db, &user, id.into_inner()).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(password_reset)
        .service(password_reset_confirm)
        .service(me)
        .service(change_password)
        .service(create_staff)
        .service(list_staff)
        .service(disable_staff);
}
