//! HTTP for the seeker's own profile.

use actix_web::{get, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    profile::ProfileInput,
    service::{
        self, Decision, EligibilityView, HouseholdInput, HouseholdPage, HouseholdStatus,
        HouseholdView, PeoplePage, ProfileView,
    },
};
use crate::{
    error::AppError,
    http::{
        auth::Caller,
        extract::{Json, Query},
        problem::ProblemBody,
    },
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
    user: Caller,
) -> Result<web::Json<ProfileView>, AppError> {
    Ok(web::Json(service::get(&state.db, &user).await?))
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
    user: Caller,
    body: Json<ProfileInput>,
) -> Result<web::Json<ProfileView>, AppError> {
    Ok(web::Json(service::put(&state.db, &user, body.0).await?))
}

/// The signed-in seeker's household with its derived figures and verification state.
#[utoipa::path(tag = "seekers", security(("bearer" = [])), responses(
    (status = 200, description = "The household", body = HouseholdView),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "Not declared yet", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/household")]
pub async fn get_household(
    state: web::Data<AppState>,
    user: Caller,
) -> Result<web::Json<HouseholdView>, AppError> {
    Ok(web::Json(service::get_household(&state.db, &user).await?))
}

/// Declare or change the household. A verified household goes back to `pending` for checking.
#[utoipa::path(tag = "seekers", security(("bearer" = [])), request_body = HouseholdInput, responses(
    (status = 200, description = "Saved", body = HouseholdView),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Invalid members (dates, incomes, exactly one `self`)", body = ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/me/household")]
pub async fn put_household(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<HouseholdInput>,
) -> Result<web::Json<HouseholdView>, AppError> {
    Ok(web::Json(
        service::put_household(&state.db, &user, body.0).await?,
    ))
}

/// Send the household to a case worker for verification.
#[utoipa::path(tag = "seekers", security(("bearer" = [])), responses(
    (status = 200, description = "Pending verification", body = HouseholdView),
    (status = 404, description = "Not declared yet", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already pending or verified", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/me/household/submit")]
pub async fn submit_household(
    state: web::Data<AppState>,
    user: Caller,
) -> Result<web::Json<HouseholdView>, AppError> {
    Ok(web::Json(
        service::submit_household(&state.db, &user).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HouseholdQuery {
    /// Default `pending`.
    pub status: Option<HouseholdStatus>,
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Households by status, oldest submission first (case workers).
#[utoipa::path(tag = "seekers", security(("bearer" = [])), params(HouseholdQuery), responses(
    (status = 200, description = "A page of households", body = HouseholdPage),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/households")]
pub async fn list_households(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<HouseholdQuery>,
) -> Result<web::Json<HouseholdPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::list_households(
            &state.db,
            &user,
            q.status.unwrap_or(HouseholdStatus::Pending),
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 50, 100)?,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeopleQuery {
    /// A full IIN (12 digits) or 2–100 letters of the name, in any case.
    #[param(min_length = 2, max_length = 100)]
    pub q: String,
    /// Page size, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Seekers found by IIN or by name, in name order, with their household's status (case workers).
#[utoipa::path(tag = "seekers", security(("bearer" = [])), params(PeopleQuery), responses(
    (status = 200, description = "A page of people", body = PeoplePage),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A search too short or too long, a cursor this list did not give, or a limit out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/people")]
pub async fn find_people(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<PeopleQuery>,
) -> Result<web::Json<PeoplePage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::find_people(
            &state.db,
            &user,
            q.q,
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 20, 100)?,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `verified` or `rejected`.
    pub decision: Decision,
    /// Required when rejecting: what the seeker should correct. Emailed to her.
    pub note: Option<String>,
}

/// Verify or reject a pending household (case workers). The seeker is emailed the outcome.
#[utoipa::path(tag = "seekers", security(("bearer" = [])), params(("id" = String, Path, description = "Household id")), request_body = DecisionInput, responses(
    (status = 200, description = "Decided", body = HouseholdView),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such household", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Not pending", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/households/{id}/verify")]
pub async fn verify_household(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<DecisionInput>,
) -> Result<web::Json<HouseholdView>, AppError> {
    let b = body.0;
    Ok(web::Json(
        service::decide_household(&state.db, &user, id.into_inner(), b.decision, b.note).await?,
    ))
}

/// The seeker's eligibility for each programme in force: eligible or not, tier, score and reasons.
/// Only a verified household counts; until then she sees what she would get.
#[utoipa::path(tag = "seekers", security(("bearer" = [])), responses(
    (status = 200, description = "One decision per programme in force", body = Vec<EligibilityView>),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/eligibility")]
pub async fn eligibility(
    state: web::Data<AppState>,
    user: Caller,
) -> Result<web::Json<Vec<EligibilityView>>, AppError> {
    Ok(web::Json(service::eligibility(&state.db, &user).await?))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_profile)
        .service(put_profile)
        .service(get_household)
        .service(put_household)
        .service(submit_household)
        .service(list_households)
        .service(find_people)
        .service(verify_household)
        .service(eligibility);
}
