//! HTTP for programmes.

use actix_web::{HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use serde::Deserialize;

use super::service::{self, ProgrammeInput, ProgrammeView, VersionPage};
use crate::{
    error::AppError,
    http::{
        auth::Caller,
        extract::{Json, Query},
        problem::ProblemBody,
    },
    startup::AppState,
};

/// All programmes with their current rules (public).
#[utoipa::path(tag = "programmes", responses((status = 200, description = "Programmes", body = Vec<ProgrammeView>)))]
#[get("/api/v1/programmes")]
pub async fn list_programmes(
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<ProgrammeView>>, AppError> {
    Ok(web::Json(service::list(&state.db).await?))
}

/// One programme with its current rules and their version (public).
#[utoipa::path(tag = "programmes", params(("id" = String, Path, description = "Programme id")), responses(
    (status = 200, description = "The programme", body = ProgrammeView),
    (status = 404, description = "No such programme", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/programmes/{id}")]
pub async fn get_programme(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ProgrammeView>, AppError> {
    Ok(web::Json(service::get(&state.db, id.into_inner()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// Page size, 1–50, default 20.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Every version of a programme's rules, newest first (case workers and admins).
#[utoipa::path(tag = "programmes", security(("bearer" = [])), params(("id" = String, Path, description = "Programme id"), VersionQuery), responses(
    (status = 200, description = "A page of versions", body = VersionPage),
    (status = 403, description = "Not a case worker or an admin", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such programme", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A cursor this list did not give, or a limit out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/programmes/{id}/versions")]
pub async fn programme_versions(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    query: Query<VersionQuery>,
) -> Result<web::Json<VersionPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::versions(
            &state.db,
            &user,
            id.into_inner(),
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 20, 50)?,
        )
        .await?,
    ))
}

/// Create a programme (admins). Rules are checked for contradictions.
#[utoipa::path(tag = "programmes", security(("bearer" = [])), request_body = ProgrammeInput, responses(
    (status = 201, description = "Created (version 1)", body = ProgrammeView),
    (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Invalid or contradictory rules", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/programmes")]
pub async fn create_programme(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<ProgrammeInput>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(service::create(&state.db, &user, body.0).await?))
}

/// Change a programme (admins): its rules become a new version.
#[utoipa::path(tag = "programmes", security(("bearer" = [])), params(("id" = String, Path, description = "Programme id")), request_body = ProgrammeInput, responses(
    (status = 200, description = "Changed", body = ProgrammeView),
    (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such programme", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Invalid or contradictory rules, or a different kind", body = ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/programmes/{id}")]
pub async fn change_programme(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<ProgrammeInput>,
) -> Result<web::Json<ProgrammeView>, AppError> {
    Ok(web::Json(
        service::change(&state.db, &user, id.into_inner(), body.0).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_programmes)
        .service(get_programme)
        .service(programme_versions)
        .service(create_programme)
        .service(change_programme);
}
