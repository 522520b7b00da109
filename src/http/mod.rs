//! The HTTP layer: the app factory, middleware, problems, extractors.

pub mod auth;
pub mod contract;
/// Paging rules live below the adapters; the name stays for the handlers.
pub use crate::paging as cursor;
mod error;
pub mod extract;
pub mod health;
pub mod locale;
pub mod metrics;
mod object_de;
pub mod problem;

// Kept with the problems (which print it), so that they need nothing from this file.
pub use problem::request_id;

use actix_web::{
    App, HttpRequest, HttpResponse,
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    http::{Method, header::HeaderValue},
    middleware::{Next, from_fn},
    web,
};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, service_config::ServiceConfig};
use utoipa_swagger_ui::SwaggerUi;

use crate::{error::AppError, startup::AppState};

/// The base path of the versioned API.
pub const API_BASE: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Social jobs and stipended courses",
        description = "Matches members of low-income families (first of all mothers of large families) to \
state-subsidised social job slots and free short courses with stipends, schedules stipend payouts from \
attendance, and emails everyone what they need to know. Money is integer tiyn (1 KZT = 100 tiyn); \
instants are RFC 3339 UTC; periods and schedules are in Asia/Almaty. Errors are RFC 9457 \
`application/problem+json`, localised by `Accept-Language` (kk, ru, en).",
        version = "0.1.0",
        license(name = "MIT")
    ),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this description"),
        (name = "auth", description = "Registration, sign-in, tokens, password reset, the signed-in account"),
        (name = "staff", description = "Case workers and admins (admins only)"),
        (name = "organisations", description = "Employers and training providers"),
        (name = "seekers", description = "A seeker's profile, household and eligibility; household verification"),
        (name = "programmes", description = "Programmes and their versioned rules"),
        (name = "openings", description = "Social jobs and courses: posting, browsing, search, recommendations"),
        (name = "matching", description = "Applications, matching rounds with explanations, offers, placements"),
        (name = "attendance", description = "Course sessions, attendance, closed months, a seeker's enrollments"),
        (name = "payouts", description = "Stipend payouts"),
        (name = "jobs", description = "Background jobs (admins only)"),
        (name = "notifications", description = "The email outbox (admins only)"),
    ),
    components(schemas(
        problem::ProblemBody,
        crate::openings::search::Sort,
        crate::organisations::service::OrganisationStatus
    )),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Declares the `bearer` security scheme that protected operations name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route of the service, with its OpenAPI description. Capabilities add theirs here.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(health::metrics)
        .service(health::openapi_yaml)
        .configure(crate::accounts::handlers::routes)
        .configure(crate::organisations::handlers::routes)
        .configure(crate::seekers::handlers::routes)
        .configure(crate::programmes::handlers::routes)
        .configure(crate::openings::handlers::routes)
        .configure(crate::matching::handlers::routes)
        .configure(crate::attendance::handlers::routes)
        .configure(crate::payouts::handlers::routes)
        .configure(crate::privacy::handlers::routes)
        .configure(crate::reports::handlers::routes)
        .configure(crate::erasure::handlers::routes)
        .configure(crate::jobs::handlers::routes)
        .configure(crate::notifications::handlers::routes)
        .configure(crate::subsidies::handlers::routes);
}

/// The OpenAPI description generated from the routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let api = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1;
    // After the routes are in: `ApiDoc`'s own modifiers run before any path is added.
    contract::complete(api)
}

/// The path templates of the API with their methods: answers 405 with `Allow` on a known path.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> RouteTable {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let mut methods: Vec<&'static str> = [
                    (item.get.is_some(), "GET"),
                    (item.post.is_some(), "POST"),
                    (item.put.is_some(), "PUT"),
                    (item.patch.is_some(), "PATCH"),
                    (item.delete.is_some(), "DELETE"),
                ]
                .into_iter()
                .filter_map(|(has, m)| has.then_some(m))
                .collect();
                methods.dedup();
                (segments, methods)
            })
            .collect();
        RouteTable { routes }
    }

    /// The methods allowed on `path`, if it matches a route template. Where several templates
    /// match, the most literal ones say (`/me/applications/order` is that path, not an
    /// application id).
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let segments: Vec<&str> = path.split('/').collect();
        let is_param = |t: &String| t.starts_with('{') && t.ends_with('}');
        let matching: Vec<&(Vec<String>, Vec<&'static str>)> = self
            .routes
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| (is_param(t) && !s.is_empty()) || t == s)
            })
            .collect();
        let literal = |t: &Vec<String>| t.iter().filter(|s| !is_param(s)).count();
        let most = matching.iter().map(|(t, _)| literal(t)).max()?;
        let mut allowed: Vec<&'static str> = matching
            .into_iter()
            .filter(|(t, _)| literal(t) == most)
            .flat_map(|(_, m)| m.iter().copied())
            .collect();
        if allowed.is_empty() {
            return None;
        }
        allowed.sort_unstable();
        allowed.dedup();
        Some(allowed)
    }
}

/// Answers requests no route took: 405 with `Allow` on a known path, else 404.
async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, AppError> {
    match table.allowed(req.path()) {
        Some(allow) if !allow.contains(&req.method().as_str()) || req.method() == Method::HEAD => {
            Err(AppError::MethodNotAllowed { allow })
        }
        _ => Err(AppError::RouteNotFound),
    }
}

async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let id = request_id(res.request());
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            v,
        );
    }
    Ok(res)
}

/// Refuses a NUL anywhere in the address (a path id, a query filter) before any extractor or
/// query sees it: PostgreSQL refuses NUL in text with an error, SQLite would store it. The body's
/// NULs are refused by the JSON and CSV extractors.
async fn refuse_nul_in_address(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    let nul = req
        .uri()
        .path_and_query()
        .is_some_and(|pq| pq.as_str().contains("%00"));
    if nul {
        let e: actix_web::Error = AppError::BadRequest(problem::Msg::NulCharacter).into();
        return Ok(req.error_response(e).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// `Cache-Control: no-store` on every answer to a signed-in caller and on every `/auth/` answer
/// (tokens, personal data): no shared or browser cache keeps them. Public browsing stays cacheable.
async fn no_store_for_private_answers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let private = req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
        || req.path().starts_with("/api/v1/auth/");
    let mut res = next.call(req).await?;
    if private {
        res.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}

/// The application for one HTTP worker.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    app_with(state, |_| {})
}

/// The application with `extra` routes beside the service's own: tests mount probes on the very
/// same stack (middleware, extractors' limits, fallback) as production.
pub fn app_with(
    state: web::Data<AppState>,
    extra: fn(&mut ServiceConfig),
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .configure(extra)
        .split_for_parts();
    let api = contract::complete(api);
    let table = web::Data::new(RouteTable::from_openapi(&api));
    let limit = state.settings.max_body_bytes;
    let file_limit = state.settings.max_file_bytes;
    let pages = web::Data::from(state.pages.clone());
    app.app_data(state)
        .app_data(pages)
        .configure(|cfg| crate::web::routes(cfg, file_limit))
        .app_data(table)
        .app_data(extract::BodyLimit(limit))
        .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/docs/openapi.json", api))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(fallback))
        // Innermost first: problems are rendered before metrics and the request id see the response.
        .wrap(from_fn(refuse_nul_in_address))
        .wrap(from_fn(no_store_for_private_answers))
        .wrap(from_fn(problem::localise_problems))
        .wrap(from_fn(metrics::record))
        .wrap(from_fn(request_id_header))
        .wrap(TracingLogger::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_table_matches_templates_and_lists_methods() {
        let table = RouteTable::from_openapi(&openapi());
        assert_eq!(table.allowed("/health"), Some(vec!["GET"]));
        assert_eq!(table.allowed("/nope"), None);
        assert_eq!(table.allowed("/health/extra"), None);
        // A literal segment wins over a template's parameter.
        assert_eq!(
            table.allowed("/api/v1/me/applications/order"),
            Some(vec!["PUT"])
        );
        assert_eq!(
            table.allowed("/api/v1/me/applications/some-id"),
            Some(vec!["DELETE"])
        );
    }
}
