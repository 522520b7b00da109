//! HTTP for applications, matching rounds, offers and placements.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    applications::{self, Applicant, ApplicationView, NewApplication, Ranking},
    offers::{self, OfferView},
    placements::{self, PlacementEnd, PlacementStart, PlacementView},
    rounds::{self, NewRound, ResultPage, RoundPage, RoundView},
};
use crate::{
    error::AppError,
    http::{
        auth::Caller,
        cursor,
        extract::{Json, Query},
        locale::Locale,
        problem::ProblemBody,
    },
    startup::AppState,
};

/// Apply for an opening. Needs a confirmed email and a verified household that makes her eligible
/// for the opening's programme; at most `SJ_MAX_APPLICATIONS_PER_PROGRAMME` live applications per
/// programme, one per opening, before the deadline.
#[utoipa::path(tag = "matching", security(("bearer" = [])), request_body = NewApplication, responses(
    (status = 201, description = "Submitted", body = ApplicationView),
    (status = 403, description = "Not a seeker, email not confirmed, or not eligible", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already applied, too many applications, or the deadline passed", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Unknown opening", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/me/applications")]
pub async fn apply(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    body: Json<NewApplication>,
) -> Result<HttpResponse, AppError> {
    let view = applications::apply(
        &state.db,
        &state.settings,
        &user,
        body.0,
        Locale::from_request(&req),
    )
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Her applications, with what the last round decided on each and why.
#[utoipa::path(tag = "matching", security(("bearer" = [])), responses(
    (status = 200, description = "Her applications", body = Vec<ApplicationView>),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/applications")]
pub async fn my_applications(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
) -> Result<web::Json<Vec<ApplicationView>>, AppError> {
    Ok(web::Json(
        applications::mine(&state.db, &user, Locale::from_request(&req)).await?,
    ))
}

/// Set the order of her applications to one programme (the list must hold exactly her live ones).
#[utoipa::path(tag = "matching", security(("bearer" = [])), request_body = Ranking, responses(
    (status = 200, description = "Her applications to the programme in the new order", body = Vec<ApplicationView>),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "The list is not exactly her live applications to the programme", body = ProblemBody, content_type = "application/problem+json"),
))]
#[put("/api/v1/me/applications/order")]
pub async fn order_applications(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    body: Json<Ranking>,
) -> Result<web::Json<Vec<ApplicationView>>, AppError> {
    Ok(web::Json(
        applications::reorder(&state.db, &user, body.0, Locale::from_request(&req)).await?,
    ))
}

/// Withdraw an application, until a round has made an offer on it.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Application id")), responses(
    (status = 204, description = "Withdrawn"),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such application of hers", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "An offer was made on it, or it is closed", body = ProblemBody, content_type = "application/problem+json"),
))]
#[delete("/api/v1/me/applications/{id}")]
pub async fn withdraw_application(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    applications::withdraw(&state.db, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The applicants to an opening of the caller's organisation: name, district, skills, languages,
/// availability — never IIN, income, household or her other choices.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Opening id")), responses(
    (status = 200, description = "Applicants", body = Vec<Applicant>),
    (status = 403, description = "Not the owning organisation", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such opening", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/openings/{id}/applications")]
pub async fn opening_applications(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Vec<Applicant>>, AppError> {
    Ok(web::Json(
        applications::applicants(&state.db, &user, id.into_inner()).await?,
    ))
}

/// Start a matching round for a programme and kind (case workers). It runs in the background:
/// follow it at `GET /matching-rounds/{id}`. One round per programme and kind at a time.
#[utoipa::path(tag = "matching", security(("bearer" = [])), request_body = NewRound, responses(
    (status = 202, description = "Started", body = RoundView),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "A round for this programme and kind is running", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Unknown programme, or a kind it does not have", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/matching-rounds")]
pub async fn start_round(
    state: web::Data<AppState>,
    user: Caller,
    body: Json<NewRound>,
) -> Result<HttpResponse, AppError> {
    let round = rounds::start(&state.db, &user, body.0).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/matching-rounds/{}", round.id),
        ))
        .json(round))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RoundQuery {
    /// Only this programme's rounds.
    pub programme_id: Option<String>,
    /// Page size, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Matching rounds, newest first (case workers).
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(RoundQuery), responses(
    (status = 200, description = "A page of rounds", body = RoundPage),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "A cursor this list did not give, or a limit out of range", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/matching-rounds")]
pub async fn list_rounds(
    state: web::Data<AppState>,
    user: Caller,
    query: Query<RoundQuery>,
) -> Result<web::Json<RoundPage>, AppError> {
    let q = query.0;
    let limit = crate::paging::limit(q.limit, 20, 100)?;
    Ok(web::Json(
        rounds::list(
            &state.db,
            &user,
            q.programme_id,
            crate::paging::given(q.cursor),
            limit,
        )
        .await?,
    ))
}

/// A round's status, progress and counts.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Round id")), responses(
    (status = 200, description = "The round", body = RoundView),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such round", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/matching-rounds/{id}")]
pub async fn get_round(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<RoundView>, AppError> {
    Ok(web::Json(
        rounds::get(&state.db, &user, id.into_inner()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResultQuery {
    /// Page size, 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// Every application of a round: offered or not, and why, in kk, ru and en (case workers).
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Round id"), ResultQuery), responses(
    (status = 200, description = "A page of results", body = ResultPage),
    (status = 403, description = "Not a case worker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such round", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/matching-rounds/{id}/results")]
pub async fn round_results(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    query: Query<ResultQuery>,
) -> Result<web::Json<ResultPage>, AppError> {
    let limit = cursor::limit(query.0.limit, 100, 500)?;
    let after = match cursor::given(query.0.cursor) {
        Some(c) => Some(rounds::ResultCursor::decode(&c).ok_or_else(cursor::invalid)?),
        None => None,
    };
    Ok(web::Json(
        rounds::results(&state.db, &user, id.into_inner(), after, limit).await?,
    ))
}

/// Her offers, newest first.
#[utoipa::path(tag = "matching", security(("bearer" = [])), responses(
    (status = 200, description = "Her offers", body = Vec<OfferView>),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/offers")]
pub async fn my_offers(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
) -> Result<web::Json<Vec<OfferView>>, AppError> {
    Ok(web::Json(
        offers::mine(&state.db, &user, Locale::from_request(&req)).await?,
    ))
}

/// Accept an offer: a job becomes a placement, a course an enrollment.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Offer id")), responses(
    (status = 200, description = "Accepted", body = OfferView),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such offer of hers", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already answered, lapsed, or no place left", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/offers/{id}/accept")]
pub async fn accept_offer(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<web::Json<OfferView>, AppError> {
    Ok(web::Json(
        offers::accept(
            &state.db,
            &state.settings,
            &user,
            id.into_inner(),
            Locale::from_request(&req),
        )
        .await?,
    ))
}

/// Decline an offer: the place goes back for the next round.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Offer id")), responses(
    (status = 200, description = "Declined", body = OfferView),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such offer of hers", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already answered or lapsed", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/offers/{id}/decline")]
pub async fn decline_offer(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<web::Json<OfferView>, AppError> {
    Ok(web::Json(
        offers::decline(
            &state.db,
            &state.settings,
            &user,
            id.into_inner(),
            Locale::from_request(&req),
        )
        .await?,
    ))
}

/// The placements of a job opening of the caller's organisation.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Opening id")), responses(
    (status = 200, description = "Placements", body = Vec<PlacementView>),
    (status = 403, description = "Not the owning organisation", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such opening", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/openings/{id}/placements")]
pub async fn opening_placements(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Vec<PlacementView>>, AppError> {
    Ok(web::Json(
        placements::of_opening(&state.db, &user, id.into_inner()).await?,
    ))
}

/// Record the first day of work of a placement.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Placement id")), request_body = PlacementStart, responses(
    (status = 200, description = "Started", body = PlacementView),
    (status = 403, description = "Not the owning organisation", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such placement", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already started or ended", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/placements/{id}/start")]
pub async fn start_placement(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<PlacementStart>,
) -> Result<web::Json<PlacementView>, AppError> {
    Ok(web::Json(
        placements::start(&state.db, &user, id.into_inner(), body.0).await?,
    ))
}

/// Record the last day of work of a placement and why it ended.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Placement id")), request_body = PlacementEnd, responses(
    (status = 200, description = "Ended", body = PlacementView),
    (status = 403, description = "Not the owning organisation", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such placement", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Not started, or already ended", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Ends before it started", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/placements/{id}/end")]
pub async fn end_placement(
    state: web::Data<AppState>,
    user: Caller,
    id: web::Path<String>,
    body: Json<PlacementEnd>,
) -> Result<web::Json<PlacementView>, AppError> {
    Ok(web::Json(
        placements::end(&state.db, &user, id.into_inner(), body.0).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(apply)
        .service(my_applications)
        .service(order_applications)
        .service(withdraw_application)
        .service(opening_applications)
        .service(start_round)
        .service(list_rounds)
        .service(get_round)
        .service(round_results)
        .service(my_offers)
        .service(accept_offer)
        .service(decline_offer)
        .service(opening_placements)
        .service(start_placement)
        .service(end_placement);
}
