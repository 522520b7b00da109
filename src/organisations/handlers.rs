//! HTTP for organisations.

use actix_web::{HttpResponse, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::service::{self, BankAccountInput, NewOrganisation, OrganisationView};
use crate::{
    error::AppError,
    http::{auth::Caller, extract::Json, problem::ProblemBody},
    startup::AppState,
};

/// Set where the caller's organisation is paid (its wage subsidies): a KZ IBAN of an account
/// held under the organisation's own BIN. Audited; applies from the next payment batch.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = BankAccountInput, responses(
    (status = 200, description = "Set", body = OrganisationView),
    (status = 403, description = "Not a member of an employer or a provider", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "The caller belongs to no organisation", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Not a valid KZ IBAN, or another BIN", body = ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/me/organisation/bank-account")]
pub async fn put_bank_account(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<BankAccountInput>,
) -> Result<web::Json<OrganisationView>, AppError> {
    Ok(web::Json(
        service::set_bank_account(&state.db, &user, body.0).await?,
    ))
}

/// Register the caller's employer or training-provider organisation (pending until approved).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), request_body = NewOrganisation, responses(
    (status = 201, description = "Registered, pending approval", body = OrganisationView),
    (status = 403, description = "Only employers and providers register organisations", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already a member of one, wrong kind, or BIN taken", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<NewOrganisation>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Created().json(service::register(&state.db, &user, body.0).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganisationQuery {
    /// `pending` or `approved`; absent: both.
    pub status: Option<service::OrganisationStatus>,
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Organisations by status, oldest registration first (case workers and admins): e.g. those
/// waiting for approval.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(OrganisationQuery), responses(
    (status = 200, description = "A page of organisations", body = service::OrganisationPage),
    (status = 403, description = "Not staff", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    user: Caller,
    query: crate::http::extract::Query<OrganisationQuery>,
) -> Result<web::Json<service::OrganisationPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::list(
            &state.db,
            &user,
            q.status,
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 50, 100)?,
        )
        .await?,
    ))
}

/// An organisation (its members and staff only; others get 404).
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")), responses(
    (status = 200, description = "The organisation", body = OrganisationView),
    (status = 404, description = "No such organisation, or not yours", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<OrganisationView>, AppError> {
    Ok(web::Json(
        service::get(&state.db, &user, id.into_inner()).await?,
    ))
}

/// Approve an organisation (admins only); its members may then act for it.
#[utoipa::path(tag = "organisations", security(("bearer" = [])), params(("id" = String, Path, description = "Organisation id")), responses(
    (status = 200, description = "Approved", body = OrganisationView),
    (status = 403, description = "Not an admin", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such organisation", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/organisations/{id}/approve")]
pub async fn approve_organisation(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<OrganisationView>, AppError> {
    Ok(web::Json(
        service::approve(&state.db, &user, id.into_inner()).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(put_bank_account)
        .service(create_organisation)
        .service(list_organisations)
        .service(get_organisation)
        .service(approve_organisation);
}
