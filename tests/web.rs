//! The pages that links in emails open: they show a form, the form makes the change, with a CSRF
//! token, in the reader's language; on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, api::PASSWORD, spawn_app};
use serde_json::{Value, json};

/// GETs a page and returns (status, body, the CSRF cookie it set or carried, the form's token).
async fn page(app: &TestApp, path: &str, lang: Option<&str>) -> (u16, String, String) {
    let mut req = app.client.get(app.url(path));
    if let Some(l) = lang {
        req = req.header("Accept-Language", l);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        res.headers()["referrer-policy"],
        "no-referrer",
        "a token in the URL must not leak"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sj_csrf="))
        .expect("the page sets a CSRF cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let value = cookie
        .trim_start_matches("sj_csrf=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (status, res.text().await.unwrap(), value)
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in\n{body}"))
        + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

async fn submit(
    app: &TestApp,
    path: &str,
    csrf_cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, String) {
    let body = serde_urlencoded::to_string(form).unwrap();
    let mut req = app
        .client
        .post(app.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .header("Accept-Language", "ru");
    if let Some(c) = csrf_cookie {
        req = req.header("Cookie", format!("sj_csrf={c}"));
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn email_verified(app: &TestApp, email: &str) -> bool {
    let (access, _) = app.sign_in(email, PASSWORD).await;
    let me: Value = app
        .get_as("/api/v1/me", &access)
        .await
        .json()
        .await
        .unwrap();
    me["email_verified"].as_bool().unwrap()
}

backend_tests! {
    async fn the_verification_link_opens_a_page_whose_button_confirms(backend: Backend) {
        let app = spawn_app(backend).await;
        assert_eq!(app.register("mother@example.kz", "seeker", "kk").await.status(), 202);
        let token = app.emailed_token("mother@example.kz", "verify_email").await;
        // The link opens the page in the email's language, whatever the browser prefers.
        let emails = app.emails_to("mother@example.kz").await;
        let link = emails.last().unwrap().2["link"].as_str().unwrap().to_owned();
        let parsed = url::Url::parse(&link).unwrap();
        let path = format!("{}?{}", parsed.path(), parsed.query().unwrap_or_default());
        assert!(path.starts_with("/verify-email?lang=kk&token="), "{link}");
        // A link scanner fetching the link confirms nothing.
        let (status, body, csrf) = page(&app, &path, Some("en-US,en;q=0.9")).await;
        assert_eq!(status, 200);
        assert!(body.contains("<html lang=\"kk\""), "{body}");
        assert!(body.contains("Растау"), "the Kazakh button: {body}");
        assert!(body.contains("method=\"post\""));
        assert!(!email_verified(&app, "mother@example.kz").await);
        assert_eq!(hidden(&body, "token"), token);
        let form_csrf = hidden(&body, "csrf");
        assert_eq!(form_csrf, csrf);
        // Without the CSRF cookie, or with another token, the form is refused.
        let (status, _) = submit(&app, "/verify-email", None, &[("csrf", &form_csrf), ("token", &token)]).await;
        assert_eq!(status, 403);
        let (status, _) = submit(&app, "/verify-email", Some(&csrf), &[("csrf", "forged"), ("token", &token)]).await;
        assert_eq!(status, 403);
        assert!(!email_verified(&app, "mother@example.kz").await);
        // The button confirms, once.
        let (status, body) = submit(&app, "/verify-email", Some(&csrf), &[("csrf", &form_csrf), ("token", &token)]).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("подтверждён"), "{body}");
        assert!(email_verified(&app, "mother@example.kz").await);
        let (status, body) = submit(&app, "/verify-email", Some(&csrf), &[("csrf", &form_csrf), ("token", &token)]).await;
        assert_eq!(status, 400);
        assert!(body.contains("недействительны"), "{body}");
    }

    async fn the_reset_link_opens_a_form_that_sets_the_new_password(backend: Backend) {
        let app = spawn_app(backend).await;
        app.verified_account("mother@example.kz", "seeker").await;
        // Asking for a link from the page (the same answer for an unknown address).
        let (_, body, csrf) = page(&app, "/password-reset", Some("en")).await;
        assert!(body.contains("Send the link"), "{body}");
        let form_csrf = hidden(&body, "csrf");
        for email in ["mother@example.kz", "nobody@example.kz"] {
            let (status, body) = submit(&app, "/password-reset/request", Some(&csrf), &[("csrf", &form_csrf), ("email", email)]).await;
            assert_eq!(status, 200, "{body}");
            assert!(body.contains("Если с этим адресом есть учётная запись"), "{body}");
        }
        let (status, _) = submit(&app, "/password-reset/request", Some(&csrf), &[("csrf", &form_csrf), ("email", "not an address")]).await;
        assert_eq!(status, 422);
        let token = app.emailed_token("mother@example.kz", "password_reset").await;
        let (status, body, csrf) = page(&app, &format!("/password-reset?token={token}&lang=ru"), None).await;
        assert_eq!(status, 200);
        assert!(body.contains("<html lang=\"ru\"") && body.contains("Новый пароль"), "{body}");
        assert!(body.contains("autocomplete=\"new-password\""));
        let form_csrf = hidden(&body, "csrf");
        let new_password = "Жаңа құпиясөз 2027";
        let form = |a: &'static str, b: &'static str| [("csrf", form_csrf.clone()), ("token", token.clone()), ("new_password", a.to_owned()), ("repeat_password", b.to_owned())];
        let send = |f: [(&'static str, String); 4]| {
            let (app, csrf) = (&app, csrf.clone());
            async move {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                submit(app, "/password-reset", Some(&csrf), &pairs).await
            }
        };
        // Two different passwords, then a weak one: refused with the reason, the token kept.
        let (status, body) = send(form("Жаңа құпиясөз 2027", "Жаңа құпиясөз 2028")).await;
        assert_eq!(status, 422);
        assert!(body.contains("Пароли не совпадают"), "{body}");
        let (status, body) = send(form("password1", "password1")).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(hidden(&body, "token"), token);
        // The right form sets it; the old password no longer works, the new one does.
        let (status, body) = send(form("Жаңа құпиясөз 2027", "Жаңа құпиясөз 2027")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(app.login("mother@example.kz", PASSWORD).await.status(), 401);
        app.sign_in("mother@example.kz", new_password).await;
        // The link is single use.
        let (status, _) = send(form("Другой пароль 2029", "Другой пароль 2029")).await;
        assert_eq!(status, 400);
    }

    async fn pages_switch_language_and_escape_what_they_echo(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, body, _) = page(&app, "/verify-email?token=%3Cscript%3Ex&lang=en", Some("kk")).await;
        assert!(body.contains("<html lang=\"en\""), "?lang= wins over Accept-Language");
        assert!(!body.contains("<script>"), "the token is echoed escaped: {body}");
        // Every language link keeps the token.
        for l in ["kk", "ru", "en"] {
            assert!(body.contains(&format!("&#x2f;verify-email?lang={l}&amp;token=%3Cscript%3Ex")), "{body}");
        }
        let css = app.get("/static/cabinet.css").await;
        assert_eq!(css.status(), 200);
        assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
        assert_eq!(app.get("/static/nothing.js").await.status(), 404);
        // The pages are light: a slow mobile network loads them at once.
        assert!(body.len() < 10_000, "{} bytes", body.len());
        let _ = json!({});
    }
}
