//! The web cabinet: server-rendered pages in kk/ru/en for the people who do not use the app
//! (course providers, employers, case workers, admins) and the landing pages of every email link.
//! One small stylesheet served by the binary, no script. A thin adapter: every page and form calls
//! the same service function as the API, which checks the same permissions and object ownership
//! and writes the same audit events.
//!
//! - Signing in sets `sj_session` (`HttpOnly`, `SameSite=Strict`, `Secure` in production): it
//!   holds a refresh token that is looked up, never rotated, so a cabinet session ends exactly as
//!   the app's do (sign-out, password change or reset, a disabled account).
//! - Every form carries a CSRF token that must equal the `sj_csrf` cookie (double submit).
//! - A link in an email only *shows* a page; the change is made by the page's form (POST), so a
//!   mail scanner that fetches links changes nothing.
//! - Pages send no referrer (tokens travel in some URLs), are never cached, and cannot be framed.

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpRequest, HttpResponse, ResponseError,
    cookie::{Cookie, SameSite},
    dev::Payload,
    get,
    http::StatusCode,
    web,
};
use minijinja::{AutoEscape, Environment, Value};
use serde::Deserialize;

use crate::{
    access::Caller,
    audit::Actor,
    config::Environment as Env,
    error::AppError,
    http::{auth::anonymous_actor, locale::Locale, problem::Msg},
    startup::AppState,
};

mod admin;
mod caseworker;
mod charts;
mod employer;
mod filters;
mod links;
mod provider;
mod seeker;
mod sign;
mod subsidies;
mod texts;

#[derive(rust_embed::Embed)]
#[folder = "src/web/templates/"]
struct TemplateFiles;

#[derive(rust_embed::Embed)]
#[folder = "src/web/static/"]
struct StaticFiles;

const CSRF_COOKIE: &str = "sj_csrf";
const LANG_COOKIE: &str = "sj_lang";
const SESSION_COOKIE: &str = "sj_session";

/// The page templates, parsed once.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn load() -> Result<Pages, minijinja::Error> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        filters::register(&mut env);
        crate::notifications::templates::add_embedded::<TemplateFiles>(&mut env)?;
        Ok(Pages { env })
    }
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
    done: Option<String>,
}

/// One page request: the request itself, the service's state and the templates. Every handler
/// of the cabinet takes it and answers through it.
pub struct W {
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
}

impl FromRequest for W {
    type Error = AppError;
    type Future = std::future::Ready<Result<W, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let pages = req.app_data::<web::Data<Pages>>().cloned();
        std::future::ready(match (state, pages) {
            (Some(state), Some(pages)) => Ok(W {
                req: req.clone(),
                state,
                pages,
            }),
            _ => Err(AppError::Internal(anyhow::anyhow!("no app state"))),
        })
    }
}

/// A page that ends a handler early: an error page, or a redirect (to sign in, or after a form).
/// Rendered in full when made, so it can be answered without the request.
#[derive(Debug)]
pub enum Shown {
    Page { status: StatusCode, html: String },
    Redirect(String),
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Page { status, .. } => write!(f, "page {status}"),
            Shown::Redirect(to) => write!(f, "redirect to {to}"),
        }
    }
}

impl ResponseError for Shown {
    fn status_code(&self) -> StatusCode {
        match self {
            Shown::Page { status, .. } => *status,
            Shown::Redirect(_) => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Shown::Page { status, html } => page_headers(&mut HttpResponse::build(*status))
                .content_type("text/html; charset=utf-8")
                .body(html.clone()),
            Shown::Redirect(to) => see_other(to),
        }
    }
}

/// What a cabinet handler answers: a page, or a [`Shown`] that ended it early.
pub type Reply = Result<HttpResponse, Shown>;

fn page_headers(res: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    res.insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_owned()))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

impl W {
    fn state(&self) -> &AppState {
        &self.state
    }

    /// The request's language: `?lang=` (remembered in a cookie), then that cookie, then the
    /// account's language when signed in, then `Accept-Language`.
    fn locale_of(&self, who: Option<&Caller>) -> (Locale, bool) {
        let asked = web::Query::<LangQuery>::from_query(self.req.query_string())
            .ok()
            .and_then(|q| q.lang.as_deref().and_then(Locale::parse));
        if let Some(l) = asked {
            return (l, true);
        }
        if let Some(l) = self
            .req
            .cookie(LANG_COOKIE)
            .and_then(|c| Locale::parse(c.value()))
        {
            return (l, false);
        }
        if let Some(who) = who {
            return (who.locale, false);
        }
        (Locale::from_request(&self.req), false)
    }

    pub fn locale(&self) -> Locale {
        self.locale_of(None).0
    }

    fn secure_cookies(&self) -> bool {
        self.state.settings.env == Env::Production
    }

    fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .secure(self.secure_cookies())
            .same_site(SameSite::Strict)
            .finish()
    }

    /// The request's CSRF token, or a new one (then set as a cookie with the page).
    fn csrf(&self) -> (String, bool) {
        match self.req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned()) {
            Some(v) if v.len() == 43 => (v, false),
            _ => (crate::accounts::tokens::new_opaque().0, true),
        }
    }

    /// The actor for audit events of an anonymous form.
    pub fn anonymous(&self) -> Actor {
        anonymous_actor(&self.req, &self.state)
    }

    /// A text of the pages in the request's language.
    pub fn text(&self, key: &str) -> String {
        texts::get(self.locale(), key).to_owned()
    }

    /// Refuses a form whose token is not the cookie's (compared as digests: timing says nothing).
    pub fn check_csrf(&self, who: Option<&Caller>, given: &str) -> Result<(), Shown> {
        use sha2::{Digest, Sha256};
        let ok = self.req.cookie(CSRF_COOKIE).is_some_and(|c| {
            !given.is_empty()
                && Sha256::digest(c.value().as_bytes()) == Sha256::digest(given.as_bytes())
        });
        if ok {
            Ok(())
        } else {
            let message = texts::get(self.locale_of(who).0, "form_expired").to_owned();
            Err(self.error_page(who, StatusCode::FORBIDDEN, vec![message]))
        }
    }

    /// Renders `template` with the page's `data`, its texts and the frame every page shares.
    pub fn page(
        &self,
        who: Option<&Caller>,
        template: &str,
        title_key: &str,
        data: Value,
    ) -> Reply {
        Ok(self.render(who, template, title_key, StatusCode::OK, data, vec![]))
    }

    /// Like [`W::page`], with a status and error messages (a form refused with its reasons).
    fn render(
        &self,
        who: Option<&Caller>,
        template: &str,
        title_key: &str,
        status: StatusCode,
        data: Value,
        errors: Vec<String>,
    ) -> HttpResponse {
        let (locale, remember) = self.locale_of(who);
        let (csrf, new_csrf) = self.csrf();
        let html = self.html(who, locale, &csrf, template, title_key, data, errors);
        let mut res = HttpResponse::build(status);
        page_headers(&mut res).content_type("text/html; charset=utf-8");
        if new_csrf {
            res.cookie(self.cookie(CSRF_COOKIE, csrf));
        }
        if remember {
            res.cookie(self.cookie(LANG_COOKIE, locale.code().to_owned()));
        }
        match html {
            Ok(body) => res.body(body),
            Err(e) => {
                tracing::error!(error = %e, template, "a page failed to render");
                HttpResponse::InternalServerError()
                    .content_type("text/plain; charset=utf-8")
                    .body("The page could not be shown.")
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn html(
        &self,
        who: Option<&Caller>,
        locale: Locale,
        csrf: &str,
        template: &str,
        title_key: &str,
        data: Value,
        errors: Vec<String>,
    ) -> Result<String, minijinja::Error> {
        let t = texts::all(locale);
        let title = t.get(title_key).copied().unwrap_or(title_key);
        let query = web::Query::<LangQuery>::from_query(self.req.query_string()).ok();
        // A `?done=` after a form names a text; anything else is ignored.
        let done = query
            .as_ref()
            .and_then(|q| q.done.as_deref())
            .and_then(|k| t.get(k).copied());
        let languages: Vec<_> = Locale::ALL
            .iter()
            .map(|l| {
                minijinja::context! {
                    code => l.code(),
                    name => texts::language_name(*l),
                    href => self.with_lang(*l),
                }
            })
            .collect();
        let who = who.map(|w| {
            minijinja::context! {
                email => w.email,
                role => w.role.as_str(),
                nav => nav(w.role),
            }
        });
        let tpl = self.pages.env.get_template(template)?;
        tpl.render(minijinja::context! {
            lang => locale.code(),
            t => Value::from_object(texts::Texts(t)),
            title => title,
            languages => languages,
            csrf => csrf,
            who => who,
            path => self.req.path(),
            done => done,
            errors => errors,
            data => data,
        })
    }

    /// This page's address in another language (its other parameters kept: a token, a filter).
    fn with_lang(&self, l: Locale) -> String {
        let kept = form_urlencoded::parse(self.req.query_string().as_bytes())
            .filter(|(k, _)| k != "lang" && k != "done")
            .fold(
                form_urlencoded::Serializer::new(String::new()),
                |mut s, (k, v)| {
                    s.append_pair(&k, &v);
                    s
                },
            )
            .finish();
        let mut href = format!("{}?lang={}", self.req.path(), l.code());
        if !kept.is_empty() {
            href.push('&');
            href.push_str(&kept);
        }
        href
    }

    /// A page with only messages: a refusal, a form that expired.
    fn error_page(&self, who: Option<&Caller>, status: StatusCode, errors: Vec<String>) -> Shown {
        let (locale, _) = self.locale_of(who);
        let (csrf, _) = self.csrf();
        let title = if status == StatusCode::NOT_FOUND {
            "not_found_title"
        } else {
            "refused_title"
        };
        match self.html(
            who,
            locale,
            &csrf,
            "error.html",
            title,
            Value::UNDEFINED,
            errors,
        ) {
            Ok(html) => Shown::Page { status, html },
            Err(e) => {
                tracing::error!(error = %e, "the error page failed to render");
                Shown::Page {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    html: "The page could not be shown.".to_owned(),
                }
            }
        }
    }

    /// A service's refusal as a page: its status and its messages in the page's language. A
    /// fault inside is logged and shown as the API shows it, without its cause.
    pub fn refuse(&self, who: Option<&Caller>, e: AppError) -> Shown {
        let (status, messages) = self.messages(who, e);
        self.error_page(who, status, messages)
    }

    /// A service's refusal: its status and its messages in the page's language.
    fn messages(&self, who: Option<&Caller>, e: AppError) -> (StatusCode, Vec<String>) {
        let (locale, _) = self.locale_of(who);
        if let AppError::Internal(cause) = &e {
            tracing::error!(error = ?cause, "a page failed with an internal error");
        }
        let p = e.problem();
        // Each with the field (or line of a file) it is about, so a long form or file can be
        // put right; a form's own fields are named as the API names them.
        let mut messages: Vec<String> = p
            .errors
            .iter()
            .map(|(field, m)| format!("{}: {}", field.replace('_', " "), m.text(locale)))
            .collect();
        if messages.is_empty() {
            messages.push(p.detail.text(locale));
        }
        (p.status, messages)
    }

    /// The service's answer, or its refusal as a page.
    pub fn ok<T>(&self, who: &Caller, r: Result<T, AppError>) -> Result<T, Shown> {
        r.map_err(|e| self.refuse(Some(who), e))
    }

    /// Redirects after a form (303: the browser then GETs), with a text saying what was done.
    pub fn done(&self, to: &str, done_key: &str) -> Reply {
        let sep = if to.contains('?') { '&' } else { '?' };
        Ok(see_other(&format!("{to}{sep}done={done_key}")))
    }

    /// The database, settings and context the services take.
    pub fn db(&self) -> &crate::db::Db {
        &self.state.db
    }

    pub fn settings(&self) -> std::sync::Arc<crate::config::Settings> {
        self.state.settings.clone()
    }
}

/// The links of the cabinet's menu for a role: (path, text key).
fn nav(role: crate::accounts::model::Role) -> Vec<(&'static str, &'static str)> {
    use crate::accounts::model::Role::*;
    match role {
        Seeker => vec![
            ("/offers", "nav_offers"),
            ("/enrollments", "nav_enrollments"),
            ("/payouts", "nav_payouts"),
        ],
        Provider => vec![("/courses", "nav_courses")],
        Employer => vec![
            ("/openings", "nav_openings"),
            ("/wage-reports", "nav_wage_reports"),
        ],
        Caseworker => vec![
            ("/households", "nav_households"),
            ("/people", "nav_people"),
            ("/programmes", "nav_programmes"),
            ("/payouts", "nav_payouts"),
            ("/wage-reports", "nav_wage_reports"),
            ("/erasure-requests", "nav_erasure"),
            ("/reports", "nav_reports"),
        ],
        Admin => vec![
            ("/organisations", "nav_organisations"),
            ("/staff", "nav_staff"),
            ("/programmes", "nav_programmes"),
            ("/outbox", "nav_outbox"),
            ("/households", "nav_households"),
            ("/people", "nav_people"),
            ("/payouts", "nav_payouts"),
            ("/erasure-requests", "nav_erasure"),
            ("/reports", "nav_reports"),
        ],
    }
}

/// The signed-in person of a cabinet page. Without a live session the page answers with a
/// redirect to the sign-in page, which brings her back here afterwards.
pub struct Who(pub Caller);

impl FromRequest for Who {
    type Error = Shown;
    type Future = Pin<Box<dyn Future<Output = Result<Who, Shown>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let back = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        let sign_in = Shown::Redirect(format!(
            "/sign-in?next={}",
            form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
        ));
        let req = req.clone();
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token.filter(|t| !t.is_empty())) else {
                return Err(sign_in);
            };
            let actor = anonymous_actor(&req, &state);
            match crate::accounts::service::cabinet_caller(&state.db, token, actor).await {
                Ok(Some(caller)) => Ok(Who(caller)),
                Ok(None) => Err(sign_in),
                Err(e) => {
                    if let AppError::Internal(cause) = &e {
                        tracing::error!(error = ?cause, "a cabinet session could not be read");
                    }
                    let status = e.problem().status;
                    Err(Shown::Page {
                        status,
                        html: Msg::DatabaseUnavailable.text(Locale::from_request(&req)),
                    })
                }
            }
        })
    }
}

/// The stylesheet (and any later asset), from the binary.
#[get("/static/{name}")]
async fn static_file(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let file = StaticFiles::get(&name).ok_or(AppError::RouteNotFound)?;
    let kind = if name.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if name.ends_with(".png") {
        "image/png"
    } else {
        "application/octet-stream"
    };
    Ok(HttpResponse::Ok()
        .content_type(kind)
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(file.data.into_owned()))
}

/// A form that could not be read (a field missing, too large) is a page too, not a JSON problem.
fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(64 * 1024)
        .error_handler(|e, req| {
            let locale = Locale::from_request(req);
            actix_web::error::InternalError::from_response(
                e,
                page_headers(&mut HttpResponse::BadRequest())
                    .content_type("text/plain; charset=utf-8")
                    .body(Msg::JsonBodyInvalid.text(locale)),
            )
            .into()
        })
}

/// A whole number typed into a form, as people type it ("125 000" too); a 422 naming `name`
/// otherwise.
fn form_number(name: &'static str, v: &str) -> Result<i64, AppError> {
    v.trim()
        .replace([' ', '\u{a0}', '\u{202f}'], "")
        .parse::<i64>()
        .map_err(|_| AppError::field(name, crate::messages::FieldMsg::Invalid))
}

/// Lists in the cabinet show this many rows a page.
const PAGE_QUERY_LIMIT: i64 = 50;

/// A form with only its CSRF token (a button).
#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// `max_file_bytes`: the largest file a form may upload (the bank's confirmation), as in the API.
pub fn routes(cfg: &mut web::ServiceConfig, max_file_bytes: usize) {
    // An upload is held in memory to be read whole; both limits are the one setting.
    let uploads = actix_multipart::form::MultipartFormConfig::default()
        .total_limit(max_file_bytes)
        .memory_limit(max_file_bytes);
    cfg.app_data(form_config())
        .app_data(uploads)
        .service(static_file);
    links::routes(cfg);
    sign::routes(cfg);
    seeker::routes(cfg);
    provider::routes(cfg);
    employer::routes(cfg);
    caseworker::routes(cfg);
    admin::routes(cfg);
    subsidies::routes(cfg);
}
