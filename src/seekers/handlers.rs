//! HTTP for the seeker's own profile.

use actix_web::{get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    profile::ProfileInput,
    service::{self, ProfileView},
};
use crate::{
    error::AppError,
    http::{auth::CurrentUser, extract::Json, problem::ProblemBody},
    startup::AppState,
};

/// The signed-in seeker's profile, IIN and IBAN in full (she is the owner).
#[utoipa::path(tag = "seekers", security(("bearer" = [])), responses(
    (status = 200, description = "The profile", body = ProfileView),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "Not filled in yet", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/profile")]
pub async fn get_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<ProfileView>, AppError> {
    Ok(web::Json(service::get(&state, &user).await?))
}

/// Create or replace the signed-in seeker's profile.
#[utoipa::path(tag = "seekers", security(("bearer" = [])), request_body = ProfileInput, responses(
    (status = 200, description = "Saved", body = ProfileView),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "The IIN belongs to another account", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields (IIN, phone, district, IBAN, …)", body = ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/me/profile")]
pub async fn put_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: Json<ProfileInput>,
) -> Result<web::Json<ProfileView>, AppError> {
    Ok(web::Json(service::put(&state, &user, body.0).await?))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_profile).service(put_profile);
}
