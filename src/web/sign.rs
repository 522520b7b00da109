//! Signing in and out of the cabinet, and its front door that sends each person to her work.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::context;
use serde::Deserialize;

use super::{Reply, SESSION_COOKIE, W, Who, see_other};
use crate::accounts::{model::Role, service as accounts};

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in: only a path of this site, never another site's address.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/cabinet".to_owned(),
    }
}

#[get("/sign-in")]
async fn sign_in_page(w: W, q: web::Query<NextQuery>) -> Reply {
    let next = local_path(q.next.as_deref());
    w.page(
        None,
        "sign_in.html",
        "sign_in",
        context! { next, email => "" },
    )
}

#[derive(Deserialize)]
struct SignInForm {
    csrf: String,
    email: String,
    password: String,
    next: Option<String>,
}

#[post("/sign-in")]
async fn sign_in(w: W, form: web::Form<SignInForm>) -> Reply {
    let form = form.into_inner();
    w.check_csrf(None, &form.csrf)?;
    let next = local_path(form.next.as_deref());
    let ctx = w.state().ctx();
    match accounts::login(&ctx, form.email.clone(), form.password, None, w.anonymous()).await {
        Ok(pair) => {
            // A browser session: the cookie goes when the browser closes, the session at the
            // latest when its refresh token expires.
            let mut res = see_other(&next);
            res.add_cookie(&w.cookie(SESSION_COOKIE, pair.refresh_token))
                .map_err(|e| w.refuse(None, crate::error::AppError::Internal(e.into())))?;
            // A new CSRF token with the new session: one set before signing in (perhaps by
            // someone else on a shared computer) does not carry over.
            res.add_cookie(&w.cookie(super::CSRF_COOKIE, crate::accounts::tokens::new_opaque().0))
                .map_err(|e| w.refuse(None, crate::error::AppError::Internal(e.into())))?;
            Ok(res)
        }
        Err(e) => {
            let (status, errors) = w.messages(None, e);
            Ok(w.render(
                None,
                "sign_in.html",
                "sign_in",
                status,
                context! { next, email => form.email },
                errors,
            ))
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// Ends the session (its refresh token is revoked, not only the cookie dropped).
#[post("/sign-out")]
async fn sign_out(w: W, req: HttpRequest, form: web::Form<CsrfForm>) -> Reply {
    w.check_csrf(None, &form.csrf)?;
    if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        accounts::logout(w.db(), token, w.anonymous())
            .await
            .map_err(|e| w.refuse(None, e))?;
    }
    let mut res = see_other("/sign-in");
    let mut gone = w.cookie(SESSION_COOKIE, String::new());
    gone.make_removal();
    res.add_cookie(&gone)
        .map_err(|e| w.refuse(None, crate::error::AppError::Internal(e.into())))?;
    Ok(res)
}

/// Each person's first page.
#[get("/cabinet")]
async fn cabinet(who: Who) -> HttpResponse {
    let home = match who.0.role {
        Role::Seeker => "/offers",
        Role::Provider => "/courses",
        Role::Employer => "/openings",
        Role::Caseworker => "/households",
        Role::Admin => "/organisations",
    };
    see_other(home)
}

#[get("/")]
async fn front() -> HttpResponse {
    see_other("/cabinet")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(sign_in_page)
        .service(sign_in)
        .service(sign_out)
        .service(cabinet)
        .service(front);
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/courses/1")), "/courses/1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "evil"] {
            assert_eq!(local_path(Some(bad)), "/cabinet", "{bad}");
        }
        assert_eq!(local_path(None), "/cabinet");
    }
}
