//! HTTP for openings: posting (organisations), browsing and recommendations (everyone).

use std::collections::BTreeMap;

use actix_web::{
    HttpRequest, HttpResponse, get,
    http::header::{self, HeaderValue},
    patch, post, web,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    model::{OpeningInput, OpeningKind, OpeningPatch, WorkTime},
    search::{self, Cursor, Facet, Filter, Near, Sort},
    service::{self, Browse, OpeningPage, OpeningView, RecommendationList},
};
use crate::{
    error::AppError,
    http::{
        auth::{Caller, OptionalUser},
        extract::{Json, Query},
        locale::Locale,
        problem::{FieldMsg, Msg, ProblemBody},
    },
    startup::AppState,
};

/// Post a draft opening for your organisation: employers post `job`s, training providers
/// `course`s. The subsidy (jobs) and stipend (courses) are taken from the programme's rules.
#[utoipa::path(tag = "openings", security(("bearer" = [])), request_body = OpeningInput, responses(
    (status = 201, description = "The draft", body = OpeningView),
    (status = 403, description = "Not a member of an approved organisation of the kind that posts this", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields (dates out of order, wage below the minimum, unknown programme or district, …)", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/openings")]
pub async fn post_opening(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    body: Json<OpeningInput>,
) -> Result<HttpResponse, AppError> {
    let view = service::post(
        &state.db,
        &state.settings,
        &user,
        body.0,
        Locale::from_request(&req),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/openings/{}", view.summary.id),
        ))
        .json(view))
}

/// Change an opening of your organisation. Absent fields stay as they are. Once published, the
/// start and end dates and the calendar are fixed, and the capacity may not fall below the places
/// already given.
#[utoipa::path(tag = "openings", security(("bearer" = [])), params(("id" = String, Path, description = "Opening id")), request_body = OpeningPatch, responses(
    (status = 200, description = "Changed", body = OpeningView),
    (status = 403, description = "Another organisation's opening, or not an organisation member", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such opening", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "The opening is closed", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = ProblemBody, content_type = "application/problem+json"),
))]
#[patch("/api/v1/openings/{id}")]
pub async fn patch_opening(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<OpeningPatch>,
) -> Result<web::Json<OpeningView>, AppError> {
    Ok(web::Json(
        service::change(
            &state.db,
            &state.settings,
            &user,
            id.into_inner(),
            body.0,
            Locale::from_request(&req),
        )
        .await?,
    ))
}

/// Publish a draft: seekers can then find it and apply until the deadline.
#[utoipa::path(tag = "openings", security(("bearer" = [])), params(("id" = String, Path, description = "Opening id")), responses(
    (status = 200, description = "Published", body = OpeningView),
    (status = 403, description = "Another organisation's opening, an unconfirmed email or an unapproved organisation", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such opening", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Not a draft, or its application deadline has passed", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/openings/{id}/publish")]
pub async fn publish_opening(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<web::Json<OpeningView>, AppError> {
    Ok(web::Json(
        service::publish(
            &state.db,
            &user,
            id.into_inner(),
            Locale::from_request(&req),
        )
        .await?,
    ))
}

/// Move a published course's first and last day, with a reason (audited). Sessions that are not
/// cancelled must stay inside the new dates; stipends are paid only for months inside them.
#[utoipa::path(tag = "openings", security(("bearer" = [])), params(("id" = String, Path, description = "Course (opening) id")), request_body = service::CourseDatesChange, responses(
    (status = 200, description = "The course with its new dates", body = OpeningView),
    (status = 403, description = "Another organisation's course, or not a provider", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such course", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "The course is a draft or closed", body = ProblemBody, content_type = "application/problem+json"),
    (status = 422, description = "Bad dates or reason, sessions outside the new dates, or not a course", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/courses/{id}/dates")]
pub async fn change_course_dates(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<service::CourseDatesChange>,
) -> Result<web::Json<OpeningView>, AppError> {
    Ok(web::Json(
        service::change_course_dates(
            &state.db,
            &user,
            id.into_inner(),
            body.0,
            Locale::from_request(&req),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OwnOpeningsQuery {
    /// `draft`, `published` or `closed`; absent: all.
    pub status: Option<super::model::OpeningStatus>,
    /// Page size, 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
}

/// The caller's organisation's openings, drafts and closed ones included, newest first
/// (employers and providers of an approved organisation).
#[utoipa::path(tag = "openings", security(("bearer" = [])), params(OwnOpeningsQuery), responses(
    (status = 200, description = "A page of the organisation's openings", body = service::OwnOpeningPage),
    (status = 403, description = "Not a member of an approved employer or provider", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/openings")]
pub async fn my_openings(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    query: Query<OwnOpeningsQuery>,
) -> Result<web::Json<service::OwnOpeningPage>, AppError> {
    let q = query.0;
    Ok(web::Json(
        service::mine(
            &state.db,
            &user,
            q.status,
            crate::paging::given(q.cursor),
            crate::paging::limit(q.limit, 50, 100)?,
            Locale::from_request(&req),
        )
        .await?,
    ))
}

/// Close an opening: it leaves the listings and takes no more applications. Final.
#[utoipa::path(tag = "openings", security(("bearer" = [])), params(("id" = String, Path, description = "Opening id")), responses(
    (status = 200, description = "Closed", body = OpeningView),
    (status = 403, description = "Another organisation's opening", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such opening", body = ProblemBody, content_type = "application/problem+json"),
    (status = 409, description = "Already closed", body = ProblemBody, content_type = "application/problem+json"),
))]
#[post("/api/v1/openings/{id}/close")]
pub async fn close_opening(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<web::Json<OpeningView>, AppError> {
    Ok(web::Json(
        service::close(
            &state.db,
            &user,
            id.into_inner(),
            Locale::from_request(&req),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BrowseQuery {
    pub kind: Option<OpeningKind>,
    pub programme_id: Option<String>,
    /// A district code, e.g. `auezov`.
    pub district: Option<String>,
    /// A required skill (case-insensitive).
    pub skill: Option<String>,
    /// `full_time` or `part_time`.
    pub schedule: Option<WorkTime>,
    /// Only courses with a stipend (`true`), or only without (`false`).
    pub has_stipend: Option<bool>,
    /// Words to find in titles and descriptions, in any language; each word matches as a prefix
    /// ("швея" finds "швея-мотористка"), case-insensitively; all words must match.
    pub q: Option<String>,
    /// `lat,lon`, e.g. `43.2389,76.8897`: only openings with coordinates within `radius_km`.
    pub near: Option<String>,
    /// 0.1–100, default 5 (with `near`).
    #[param(minimum = 0.1, maximum = 100)]
    pub radius_km: Option<f64>,
    /// `relevance` (default with `q`; needs `q`), `newest` (default), `deadline`, `distance`
    /// (needs `near`).
    pub sort: Option<Sort>,
    /// Page size, 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; empty or absent for the first page.
    pub cursor: Option<String>,
    /// Comma-separated: `district`, `kind`, `skill`. Counts over all matches.
    pub facets: Option<String>,
}

/// Checks browse parameters and turns them into the query to run (also used by the benchmark's bare
/// handler, so both run the same SQL).
pub fn parse_browse(q: BrowseQuery) -> Result<Browse, AppError> {
    let mut e = BTreeMap::new();
    let mut field = |name: &str, m: FieldMsg| {
        e.insert(name.to_owned(), Msg::Field(m));
    };
    let terms = match q.q.as_deref().map(str::trim) {
        None | Some("") => vec![],
        Some(text) => {
            let t = search::terms(text);
            if t.is_empty() {
                field("q", FieldMsg::NoWordsToSearch);
            }
            t
        }
    };
    // An empty `near=` (as a form sends it) is no `near`, as an empty `q=` is no search.
    let near_given = q.near.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let near = match near_given {
        None => {
            if q.radius_km.is_some() {
                field("radius_km", FieldMsg::NeedsNear);
            }
            None
        }
        Some(s) => {
            let parsed = s.split_once(',').and_then(|(a, b)| {
                let (lat, lon) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
                ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon))
                    .then_some((lat, lon))
            });
            let radius_km = q.radius_km.unwrap_or(5.0);
            if !(0.1..=100.0).contains(&radius_km) {
                field("radius_km", FieldMsg::OutOfRange { min: 0, max: 100 });
            }
            match parsed {
                Some((lat, lon)) => Some(Near {
                    lat,
                    lon,
                    radius_km,
                }),
                None => {
                    field("near", FieldMsg::Invalid);
                    None
                }
            }
        }
    };
    let sort = q.sort.unwrap_or(if terms.is_empty() {
        Sort::Newest
    } else {
        Sort::Relevance
    });
    if sort == Sort::Relevance && terms.is_empty() && q.q.is_none() {
        field("q", FieldMsg::Required);
    }
    if sort == Sort::Distance && near_given.is_none() {
        field("sort", FieldMsg::NeedsNear);
    }
    let limit = crate::paging::limit(q.limit, 20, 100).unwrap_or_else(|_| {
        field("limit", FieldMsg::OutOfRange { min: 1, max: 100 });
        20
    });
    let cursor = match crate::paging::given(q.cursor).as_deref() {
        None => None,
        Some(c) => match Cursor::decode(c).filter(|c| c.sort() == sort) {
            Some(c) => Some(c),
            None => {
                field("cursor", FieldMsg::Invalid);
                None
            }
        },
    };
    let mut facets = Vec::new();
    for f in q.facets.as_deref().unwrap_or("").split(',').map(str::trim) {
        match f {
            "" => {}
            "district" => facets.push(Facet::District),
            "kind" => facets.push(Facet::Kind),
            "skill" => facets.push(Facet::Skill),
            _ => field("facets", FieldMsg::Invalid),
        }
    }
    // One order, so that `district,kind` and `kind,district` are one cached answer.
    facets.sort();
    facets.dedup();
    if !e.is_empty() {
        return Err(AppError::Validation {
            detail: Msg::QueryInvalid,
            errors: e,
        });
    }
    let text = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(Browse {
        filter: Filter {
            kind: q.kind,
            programme_id: text(q.programme_id),
            district: text(q.district),
            skill: text(q.skill).map(|s| super::model::normalize_skill(&s)),
            schedule: q.schedule,
            has_stipend: q.has_stipend,
            terms,
            near,
        },
        sort,
        cursor,
        limit,
        facets,
    })
}

/// Browse published openings whose application deadline has not passed. No sign-in needed.
/// Cursor pages are stable: openings published between pages never make an item repeat or go
/// missing. Relevance: per search word, 2 points for a title hit and 1 for a hit anywhere, then
/// newest first. Answers `304` when `If-None-Match` holds the current `ETag`.
#[utoipa::path(tag = "openings", params(BrowseQuery), responses(
    (status = 200, description = "A page of openings, in the reader's language", body = OpeningPage, headers(("ETag" = String, description = "Changes whenever the response would"))),
    (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match`"),
    (status = 422, description = "Invalid parameters (a `near` that is not `lat,lon`, `sort=distance` without `near`, a cursor from another sort, …)", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/openings")]
pub async fn browse_openings(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: Query<BrowseQuery>,
) -> Result<HttpResponse, AppError> {
    let browse = parse_browse(query.0)?;
    let answer = service::browse_answer(
        &state.db,
        &state.browse_cache,
        browse,
        Locale::from_request(&req),
    )
    .await?;
    // The list is the same for everyone (no sign-in is read), so only the language varies it.
    let vary = HeaderValue::from_static("Accept-Language");
    if none_match(&req, &answer.etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, answer.etag.clone()))
            .insert_header((header::VARY, vary))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, answer.etag.clone()))
        .insert_header((header::VARY, vary))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(answer.body.clone()))
}

/// Whether `If-None-Match` names `etag` (or is `*`). Weak comparison, as RFC 9110 asks for GET.
fn none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// One opening with every language's text and its calendar. Published and closed openings are
/// public; drafts only for their organisation and staff. Answers `304` when `If-None-Match` holds
/// the current `ETag`.
#[utoipa::path(tag = "openings", params(("id" = String, Path, description = "Opening id")), responses(
    (status = 200, description = "The opening", body = OpeningView, headers(("ETag" = String, description = "Changes whenever the response would"))),
    (status = 304, description = "Unchanged since the `ETag` given in `If-None-Match`"),
    (status = 401, description = "A token was sent but is not valid", body = ProblemBody, content_type = "application/problem+json"),
    (status = 404, description = "No such opening (or a draft you may not see)", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/openings/{id}")]
pub async fn get_opening(
    state: web::Data<AppState>,
    user: OptionalUser,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let view = service::get(
        &state.db,
        user.0.as_ref(),
        id.into_inner(),
        Locale::from_request(&req),
    )
    .await?;
    let body = serde_json::to_vec(&view).map_err(|e| AppError::Internal(e.into()))?;
    // The tag is the body's digest: it changes exactly when what the reader sees changes
    // (including the language picked).
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let vary = HeaderValue::from_static("Accept-Language, Authorization");
    if none_match(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::VARY, vary))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, vary))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .content_type("application/json")
        .body(body))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecommendationQuery {
    /// How many, 1–50, default 20.
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
}

/// Published openings of the programmes the signed-in seeker is eligible for (her household must
/// be verified), best fit first, each with the reasons for its place. The fit score (0–100) adds:
/// skills up to 40 (40 × required skills she has ÷ required skills; 30 when none are required);
/// her district 25, a neighbouring one 12; full/part time as she wishes 10; weekly hours within
/// hers 10; 5 when she needs no childcare or the opening is part time without weekend days; one
/// point per place left up to 10. Ties: sooner deadline first.
#[utoipa::path(tag = "openings", security(("bearer" = [])), params(RecommendationQuery), responses(
    (status = 200, description = "Recommendations, best first", body = RecommendationList),
    (status = 403, description = "Not a seeker", body = ProblemBody, content_type = "application/problem+json"),
))]
#[get("/api/v1/me/recommendations")]
pub async fn recommendations(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    query: Query<RecommendationQuery>,
) -> Result<web::Json<RecommendationList>, AppError> {
    let limit = crate::paging::limit(query.0.limit, 20, 50)?;
    Ok(web::Json(
        service::recommendations(&state.db, &user, limit, Locale::from_request(&req)).await?,
    ))
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(post_opening)
        .service(browse_openings)
        .service(get_opening)
        .service(patch_opening)
        .service(publish_opening)
        .service(close_opening)
        .service(change_course_dates)
        .service(my_openings)
        .service(recommendations);
}
