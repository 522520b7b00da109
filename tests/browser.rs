//! The pages in a real browser: headless Chromium through chromedriver (tests/common/browser.rs),
//! on a phone's screen, each page checked with axe-core and weighed; on both backends.
//! Needs Chromium, chromedriver and axe-core: `scripts/browser-deps.sh` installs them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    Backend, TestApp,
    api::PASSWORD,
    browser::{Browser, PAGE_BUDGET_BYTES, screenshot_dir},
    spawn_app,
};
use serde_json::Value;

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

fn label(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

backend_tests! {
    async fn a_mother_confirms_her_email_on_her_phone(backend: Backend) {
        let app = spawn_app(backend).await;
        assert_eq!(app.register("mother@example.kz", "seeker", "kk").await.status(), 202);
        let token = app.emailed_token("mother@example.kz", "verify_email").await;
        let browser = Browser::phone().await;
        browser.goto(&app.url(&format!("/verify-email?lang=kk&token={token}"))).await;
        // The page's `<meta name="viewport">` makes it as wide as the phone (without it a
        // mobile browser lays a page out 980 pixels wide).
        assert_eq!(browser.inner_size().await, (390, 844), "a phone's viewport");
        assert_eq!(browser.text_of("h1").await, "Электрондық поштаны растау");
        browser.axe("the verification page (kk, phone)").await;
        let weight = browser.page_weight().await;
        eprintln!("verification page: {weight}");
        assert!(weight.total < PAGE_BUDGET_BYTES, "too heavy for a phone: {weight}");
        assert!(weight.entries.iter().any(|(url, _)| url.ends_with("/static/cabinet.css")), "{weight}");
        browser
            .screenshot(screenshot_dir().join(format!("verify-email-phone-{}.png", label(backend))))
            .await;
        // Opening the link confirmed nothing; the button does.
        assert!(!email_verified(&app, "mother@example.kz").await);

        browser.click("form button[type=submit]").await;
        let text = browser.wait_for_text("Электрондық пошта расталды.").await;
        assert!(text.contains("Енді қосымшаға немесе кабинетке кіре аласыз."), "{text}");
        assert_eq!(browser.find_all("form").await.len(), 0, "no button left to press");
        browser.axe("the confirmed page (kk, phone)").await;
        let weight = browser.page_weight().await;
        eprintln!("confirmed page: {weight}");
        assert!(weight.total < PAGE_BUDGET_BYTES, "{weight}");
        assert!(email_verified(&app, "mother@example.kz").await);
    }

    async fn the_password_reset_page_is_accessible_in_every_language(backend: Backend) {
        let app = spawn_app(backend).await;
        let browser = Browser::phone().await;
        for (lang, heading) in [
            ("kk", "Құпиясөзді қалпына келтіру"),
            ("ru", "Восстановление пароля"),
            ("en", "Reset your password"),
        ] {
            browser.goto(&app.url(&format!("/password-reset?lang={lang}"))).await;
            assert_eq!(browser.text_of("h1").await, heading);
            assert_eq!(browser.find("html").await.attr("lang").await.unwrap().as_deref(), Some(lang));
            browser.axe(&format!("the password-reset page ({lang}, phone)")).await;
            let weight = browser.page_weight().await;
            eprintln!("password-reset page ({lang}): {weight}");
            assert!(weight.total < PAGE_BUDGET_BYTES, "{weight}");
        }
    }
}
