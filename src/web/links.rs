//! The landing pages of the links in emails that need no session: confirm an email address, set
//! a new password, ask for a reset link. The link shows the page; its form makes the change.

use actix_web::{get, http::StatusCode, post, web};
use minijinja::context;
use serde::Deserialize;

use super::{Reply, W};
use crate::{accounts::service as accounts, error::AppError, messages::FieldMsg};

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Shows the confirmation button; confirms nothing by itself.
#[get("/verify-email")]
async fn verify_email_page(w: W, query: web::Query<TokenQuery>) -> Reply {
    let token = query.into_inner().token.filter(|t| !t.is_empty());
    w.page(
        None,
        "verify_email.html",
        "verify_title",
        context! { token, done => () },
    )
}

#[derive(Deserialize)]
struct VerifyForm {
    csrf: String,
    token: String,
}

#[post("/verify-email")]
async fn verify_email_submit(w: W, form: web::Form<VerifyForm>) -> Reply {
    let form = form.into_inner();
    w.check_csrf(None, &form.csrf)?;
    let result = accounts::verify_email(w.db(), form.token.clone(), w.anonymous()).await;
    answer(
        &w,
        "verify_email.html",
        "verify_title",
        result,
        "verified",
        Some(form.token),
        true,
    )
}

/// With a token: the new-password form. Without: the form that asks for a link.
#[get("/password-reset")]
async fn password_reset_page(w: W, query: web::Query<TokenQuery>) -> Reply {
    let token = query.into_inner().token.filter(|t| !t.is_empty());
    w.page(
        None,
        "password_reset.html",
        "reset_title",
        context! { token, done => () },
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
async fn password_reset_submit(w: W, form: web::Form<ResetForm>) -> Reply {
    let form = form.into_inner();
    w.check_csrf(None, &form.csrf)?;
    if form.new_password != form.repeat_password {
        return Ok(w.render(
            None,
            "password_reset.html",
            "reset_title",
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { token => form.token, done => () },
            vec![w.text("passwords_differ")],
        ));
    }
    let result = accounts::confirm_password_reset(
        &w.state().ctx(),
        form.token.clone(),
        form.new_password,
        w.anonymous(),
    )
    .await;
    answer(
        &w,
        "password_reset.html",
        "reset_title",
        result,
        "password_set",
        Some(form.token),
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
async fn password_reset_request(w: W, form: web::Form<ResetRequestForm>) -> Reply {
    let form = form.into_inner();
    w.check_csrf(None, &form.csrf)?;
    let email = form.email.trim().to_owned();
    let result = if crate::notifications::EmailAddress::parse(&email).is_err() {
        Err(AppError::field("email", FieldMsg::Invalid))
    } else {
        accounts::request_password_reset(&w.state().ctx(), email, w.anonymous()).await
    };
    answer(
        &w,
        "password_reset.html",
        "reset_title",
        result,
        "link_sent",
        None,
        false,
    )
}

/// The page after a form: its "done" text on success (the token dropped once used up), else the
/// form again with the service's refusal and its status.
fn answer(
    w: &W,
    template: &str,
    title_key: &str,
    result: Result<(), AppError>,
    done_key: &str,
    token: Option<String>,
    token_used: bool,
) -> Reply {
    match result {
        Ok(()) => {
            let token = if token_used { None } else { token };
            let done = w.text(done_key);
            Ok(w.render(
                None,
                template,
                title_key,
                StatusCode::OK,
                context! { token, done },
                vec![],
            ))
        }
        Err(e) => {
            let (status, errors) = w.messages(None, e);
            Ok(w.render(
                None,
                template,
                title_key,
                status,
                context! { token, done => () },
                errors,
            ))
        }
    }
}

/// From an email's unsubscribe link: what it turns off, and the button that does it.
#[get("/unsubscribe")]
async fn unsubscribe_page(w: W, query: web::Query<TokenQuery>) -> Reply {
    let token = query.into_inner().token.filter(|t| !t.is_empty());
    let key = crate::notifications::preferences::link_key(secrecy::ExposeSecret::expose_secret(
        &w.state().settings.jwt_secret,
    ));
    let category = token
        .as_deref()
        .and_then(|t| crate::notifications::preferences::verify(&key, t))
        .map(|(_, c)| c.as_str());
    w.page(
        None,
        "unsubscribe.html",
        "unsubscribe_title",
        context! { token, category, done => () },
    )
}

#[post("/unsubscribe")]
async fn unsubscribe_submit(w: W, form: web::Form<VerifyForm>) -> Reply {
    let form = form.into_inner();
    w.check_csrf(None, &form.csrf)?;
    let key = crate::notifications::preferences::link_key(secrecy::ExposeSecret::expose_secret(
        &w.state().settings.jwt_secret,
    ));
    let result =
        crate::notifications::preferences::unsubscribe(w.db(), &key, &form.token, w.anonymous())
            .await
            .map(|_| ());
    answer(
        &w,
        "unsubscribe.html",
        "unsubscribe_title",
        result,
        "unsubscribed",
        Some(form.token),
        true,
    )
}

/// The signed-in person's email choices: what may be turned off, and what is always sent.
#[get("/settings/emails")]
async fn email_settings(w: W, who: super::Who) -> Reply {
    let who = &who.0;
    let prefs = w.ok(
        who,
        crate::notifications::preferences::mine(w.db(), who).await,
    )?;
    w.page(
        Some(who),
        "email_settings.html",
        "email_settings_title",
        context! { prefs => minijinja::Value::from_serialize(prefs) },
    )
}

#[derive(Deserialize)]
struct EmailSettingsForm {
    csrf: String,
    reminders: Option<String>,
    attendance_warnings: Option<String>,
    digest: Option<String>,
}

#[post("/settings/emails")]
async fn email_settings_submit(w: W, who: super::Who, form: web::Form<EmailSettingsForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    // An unticked box is not sent at all: absent means off.
    let prefs = crate::notifications::preferences::EmailPreferences {
        reminders: form.reminders.is_some(),
        attendance_warnings: form.attendance_warnings.is_some(),
        digest: form.digest.is_some(),
    };
    w.ok(
        who,
        crate::notifications::preferences::set(w.db(), who, prefs).await,
    )?;
    w.done("/settings/emails", "email_settings_saved")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(email_settings)
        .service(email_settings_submit)
        .service(unsubscribe_page)
        .service(unsubscribe_submit)
        .service(verify_email_page)
        .service(verify_email_submit)
        .service(password_reset_page)
        .service(password_reset_submit)
        .service(password_reset_request);
}
