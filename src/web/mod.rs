//! The pages a browser opens: for now the landing pages of the links in emails (confirm an email
//! address, set a new password, ask for a reset link). Server-rendered HTML in kk/ru/en, one small
//! stylesheet served by the binary, no script. A thin adapter: each form calls the same service
//! function as the API.
//!
//! - A link in an email only *shows* a page; the change is made by the page's form (POST), so a
//!   mail scanner that fetches links confirms nothing.
//! - Every form carries a CSRF token that must equal the `sj_csrf` cookie (double submit; the
//!   cookie is `SameSite=Strict`, `HttpOnly`, and `Secure` in production).
//! - Tokens travel in these URLs, so pages send no referrer, are never cached, and cannot be
//!   framed.

use actix_web::{HttpRequest, HttpResponse, cookie::Cookie, get, http::StatusCode, post, web};
use minijinja::{AutoEscape, Environment};
use serde::Deserialize;

use crate::{
    config::Environment as Env,
    error::AppError,
    http::{auth::anonymous_actor, locale::Locale, problem::Msg},
    startup::AppState,
};

mod texts;

#[derive(rust_embed::Embed)]
#[folder = "src/web/templates/"]
struct TemplateFiles;

#[derive(rust_embed::Embed)]
#[folder = "src/web/static/"]
struct StaticFiles;

const CSRF_COOKIE: &str = "sj_csrf";
const LANG_COOKIE: &str = "sj_lang";

/// The page templates, parsed once.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn load() -> Result<Pages, minijinja::Error> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        crate::notifications::templates::add_embedded::<TemplateFiles>(&mut env)?;
        Ok(Pages { env })
    }
}

/// What one page shows besides its texts.
#[derive(Default)]
struct View {
    title_key: &'static str,
    token: Option<String>,
    errors: Vec<String>,
    done: Option<String>,
}

/// The request's language: `?lang=` (remembered in a cookie), then that cookie, then
/// `Accept-Language`.
fn locale_of(req: &HttpRequest) -> (Locale, bool) {
    let asked = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.lang.as_deref().and_then(Locale::parse));
    if let Some(l) = asked {
        return (l, true);
    }
    if let Some(l) = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Locale::parse(c.value()))
    {
        return (l, false);
    }
    (Locale::from_request(req), false)
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn secure_cookies(state: &AppState) -> bool {
    state.settings.env == Env::Production
}

fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(secure_cookies(state))
        .same_site(actix_web::cookie::SameSite::Strict)
        .finish()
}

/// The request's CSRF token, or a new one (then set as a cookie with the page).
fn csrf_of(req: &HttpRequest) -> (String, bool) {
    match req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned()) {
        Some(v) if v.len() == 43 => (v, false),
        _ => (crate::accounts::tokens::new_opaque().0, true),
    }
}

/// Whether the form's token is the cookie's (compared as digests: timing says nothing).
fn csrf_ok(req: &HttpRequest, given: &str) -> bool {
    use sha2::{Digest, Sha256};
    req.cookie(CSRF_COOKIE).is_some_and(|c| {
        !given.is_empty()
            && Sha256::digest(c.value().as_bytes()) == Sha256::digest(given.as_bytes())
    })
}

fn render(
    req: &HttpRequest,
    state: &AppState,
    pages: &Pages,
    template: &str,
    status: StatusCode,
    view: View,
) -> HttpResponse {
    let (locale, remember) = locale_of(req);
    let (csrf, new_csrf) = csrf_of(req);
    let t = texts::all(locale);
    let title = t.get(view.title_key).copied().unwrap_or_default();
    // Language links keep the page's token so that switching language keeps the form working.
    let languages: Vec<_> = Locale::ALL
        .iter()
        .map(|l| {
            let mut href = format!("{}?lang={}", req.path(), l.code());
            if let Some(token) = &view.token {
                href.push_str("&token=");
                href.push_str(
                    &form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>(),
                );
            }
            minijinja::context! {
                code => l.code(),
                name => texts::language_name(*l),
                href => href,
            }
        })
        .collect();
    let html = pages.env.get_template(template).and_then(|tpl| {
        tpl.render(minijinja::context! {
            lang => locale.code(),
            t => t,
            title => title,
            languages => languages,
            csrf => csrf,
            token => view.token.clone().unwrap_or_default(),
            errors => view.errors,
            done => view.done,
        })
    });
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ));
    if new_csrf {
        res.cookie(cookie(state, CSRF_COOKIE, csrf));
    }
    if remember {
        res.cookie(cookie(state, LANG_COOKIE, locale.code().to_owned()));
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

/// A service's refusal as a page: its status and its messages in the page's language.
fn refusal(req: &HttpRequest, e: &AppError) -> (StatusCode, Vec<String>) {
    let (locale, _) = locale_of(req);
    if let AppError::Internal(cause) = e {
        tracing::error!(error = ?cause, "a page's action failed with an internal error");
    }
    let p = e.problem();
    let mut messages: Vec<String> = p.errors.values().map(|m| m.text(locale)).collect();
    if messages.is_empty() {
        messages.push(p.detail.text(locale));
    }
    (p.status, messages)
}

fn forbidden_form(
    req: &HttpRequest,
    state: &AppState,
    pages: &Pages,
    template: &str,
    view: View,
) -> HttpResponse {
    let (locale, _) = locale_of(req);
    let message = texts::all(locale)
        .get("form_expired")
        .copied()
        .unwrap_or_default()
        .to_owned();
    render(
        req,
        state,
        pages,
        template,
        StatusCode::FORBIDDEN,
        View {
            errors: vec![message],
            ..view
        },
    )
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Shows the confirmation button; confirms nothing by itself.
#[get("/verify-email")]
async fn verify_email_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    let token = query.into_inner().token.filter(|t| !t.is_empty());
    render(
        &req,
        &state,
        &pages,
        "verify_email.html",
        StatusCode::OK,
        View {
            title_key: "verify_title",
            token,
            ..View::default()
        },
    )
}

#[derive(Deserialize)]
struct VerifyForm {
    csrf: String,
    token: String,
}

#[post("/verify-email")]
async fn verify_email_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    form: web::Form<VerifyForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let view = View {
        title_key: "verify_title",
        token: Some(form.token.clone()),
        ..View::default()
    };
    if !csrf_ok(&req, &form.csrf) {
        return forbidden_form(&req, &state, &pages, "verify_email.html", view);
    }
    let actor = anonymous_actor(&req, &state);
    let result = crate::accounts::service::verify_email(&state.db, form.token, actor).await;
    outcome(
        &req,
        &state,
        &pages,
        "verify_email.html",
        view,
        result,
        "verified",
        true,
    )
}

/// With a token: the new-password form. Without: the form that asks for a link.
#[get("/password-reset")]
async fn password_reset_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    query: web::Query<TokenQuery>,
) -> HttpResponse {
    let token = query.into_inner().token.filter(|t| !t.is_empty());
    render(
        &req,
        &state,
        &pages,
        "password_reset.html",
        StatusCode::OK,
        View {
            title_key: "reset_title",
            token,
            ..View::default()
        },
    )
}

#[derive(Deserialize)]
struct ResetForm {
    csrf: String,
    token: String,
    new_password: String,
    repeat_password: String,
}

#[post("/password-reset")]
async fn password_reset_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    form: web::Form<ResetForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let view = View {
        title_key: "reset_title",
        token: Some(form.token.clone()),
        ..View::default()
    };
    if !csrf_ok(&req, &form.csrf) {
        return forbidden_form(&req, &state, &pages, "password_reset.html", view);
    }
    let (locale, _) = locale_of(&req);
    if form.new_password != form.repeat_password {
        let message = texts::all(locale)
            .get("passwords_differ")
            .map(|s| (*s).to_owned());
        return render(
            &req,
            &state,
            &pages,
            "password_reset.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            View {
                errors: message.into_iter().collect(),
                ..view
            },
        );
    }
    let actor = anonymous_actor(&req, &state);
    let result = crate::accounts::service::confirm_password_reset(
        &state.ctx(),
        form.token,
        form.new_password,
        actor,
    )
    .await;
    outcome(
        &req,
        &state,
        &pages,
        "password_reset.html",
        view,
        result,
        "password_set",
        true,
    )
}

#[derive(Deserialize)]
struct ResetRequestForm {
    csrf: String,
    email: String,
}

/// Asks for a reset link. The answer is the same whether or not the address has an account.
#[post("/password-reset/request")]
async fn password_reset_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    form: web::Form<ResetRequestForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let view = View {
        title_key: "reset_title",
        ..View::default()
    };
    if !csrf_ok(&req, &form.csrf) {
        return forbidden_form(&req, &state, &pages, "password_reset.html", view);
    }
    let email = form.email.trim().to_owned();
    if crate::notifications::EmailAddress::parse(&email).is_err() {
        let (status, errors) = refusal(
            &req,
            &AppError::field("email", crate::http::problem::FieldMsg::Invalid),
        );
        return render(
            &req,
            &state,
            &pages,
            "password_reset.html",
            status,
            View { errors, ..view },
        );
    }
    let actor = anonymous_actor(&req, &state);
    let result = crate::accounts::service::request_password_reset(&state.ctx(), email, actor).await;
    outcome(
        &req,
        &state,
        &pages,
        "password_reset.html",
        view,
        result,
        "link_sent",
        false,
    )
}

/// The page after a form: its "done" text on success (the token dropped once used up), else the
/// service's refusal with its status.
#[allow(clippy::too_many_arguments)]
fn outcome(
    req: &HttpRequest,
    state: &AppState,
    pages: &Pages,
    template: &str,
    view: View,
    result: Result<(), AppError>,
    done_key: &str,
    token_used: bool,
) -> HttpResponse {
    match result {
        Ok(()) => {
            let (locale, _) = locale_of(req);
            let done = texts::all(locale).get(done_key).map(|s| (*s).to_owned());
            let token = if token_used { None } else { view.token.clone() };
            render(
                req,
                state,
                pages,
                template,
                StatusCode::OK,
                View {
                    done,
                    token,
                    ..view
                },
            )
        }
        Err(e) => {
            let (status, errors) = refusal(req, &e);
            render(req, state, pages, template, status, View { errors, ..view })
        }
    }
}

/// The stylesheet (and any later asset), from the binary.
#[get("/static/{name}")]
async fn static_file(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let file = StaticFiles::get(&name).ok_or(AppError::RouteNotFound)?;
    let kind = if name.ends_with(".css") {
        "text/css; charset=utf-8"
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
        .limit(16 * 1024)
        .error_handler(|e, _req| {
            actix_web::error::InternalError::from_response(
                e,
                HttpResponse::BadRequest()
                    .content_type("text/plain; charset=utf-8")
                    .body(Msg::JsonBodyInvalid.text(Locale::En)),
            )
            .into()
        })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(form_config())
        .service(verify_email_page)
        .service(verify_email_submit)
        .service(password_reset_page)
        .service(password_reset_submit)
        .service(password_reset_request)
        .service(static_file);
}
