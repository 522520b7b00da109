//! The pages in a real browser: headless Chromium through chromedriver (tests/common/browser.rs),
//! on a phone's screen, each page checked with axe-core and weighed; on both backends.
//! Needs Chromium, chromedriver and axe-core: `scripts/browser-deps.sh` installs them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    Backend, TestApp,
    api::PASSWORD,
    browser::{Browser, PAGE_BUDGET_BYTES, screenshot_dir},
    cabinet::course_with_enrolled,
    spawn_app,
};
use serde_json::Value;
use social_jobs::demo::{DEMO_DOMAIN, DEMO_PASSWORD, DemoScale};

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

/// Signs in through the sign-in page, in `lang`.
async fn sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str, lang: &str) {
    browser
        .goto(&app.url(&format!("/sign-in?lang={lang}")))
        .await;
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
    browser.click("main form button[type=submit]").await;
    // The click returns once the form is sent; the next page may still be on its way.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut url = browser.current_url().await;
    while url.contains("/sign-in") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        url = browser.current_url().await;
    }
    assert!(
        !url.contains("/sign-in"),
        "{email} is still at {url}: {}",
        browser.text().await
    );
}

/// Checks the open page as every page must be: no serious accessibility fault, under the
/// weight budget; prints its weight (the README's figures come from here).
async fn check_page(browser: &Browser, name: &str) -> u64 {
    browser.axe(name).await;
    let weight = browser.page_weight().await;
    eprintln!("page weight {name}: {} bytes", weight.total);
    assert!(
        weight.total < PAGE_BUDGET_BYTES,
        "{name} is too heavy: {weight}"
    );
    weight.total
}

backend_tests! {
    async fn a_provider_keeps_the_register_of_25_on_her_phone_in_a_few_taps(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (course, _) = course_with_enrolled(&app, &m, 25).await;
        let session: Value = app.post_json(&format!("/api/v1/courses/{course}/sessions"), &serde_json::json!({ "action": "add", "date": common::api::day(0), "start_time": "08:00", "end_time": "10:00" }), Some(&m.provider)).await.json().await.unwrap();
        let session = session["id"].as_str().unwrap().to_owned();

        let browser = Browser::phone().await;
        sign_in(&browser, &app, "provider2@example.kz", PASSWORD, "ru").await;
        browser.goto(&app.url(&format!("/courses/{course}/sessions"))).await;
        check_page(&browser, "the course calendar (ru, phone)").await;
        let started = std::time::Instant::now();
        browser.click(&format!("a[href='/sessions/{session}/register']")).await;
        check_page(&browser, "the register of 25 (ru, phone)").await;
        let people = browser.find_all("fieldset.mark").await;
        assert_eq!(people.len(), 25);
        // Every choice is a target a thumb can hit (44 CSS pixels or more each way), and no
        // choice runs off a phone's screen.
        let sizes = browser.client().execute(
            "return [...document.querySelectorAll('.choices label')].map(l => { const r = l.getBoundingClientRect(); return [r.width, r.height, r.right]; });",
            vec![],
        ).await.unwrap();
        let sizes = sizes.as_array().unwrap();
        assert_eq!(sizes.len(), 100);
        for s in sizes {
            let (w, h, right) = (s[0].as_f64().unwrap(), s[1].as_f64().unwrap(), s[2].as_f64().unwrap());
            assert!(w >= 44.0 && h >= 44.0, "a choice of {w}×{h}");
            assert!(right <= 390.0, "a choice beyond the screen's edge at {right}");
        }
        browser.screenshot(screenshot_dir().join(format!("register-phone-{}.png", label(backend)))).await;
        // Two were absent and one late: three taps, then one for everyone else.
        let ids: Vec<String> = {
            let mut ids = Vec::new();
            for input in browser.find_all("fieldset.mark input[name=person]").await {
                ids.push(input.attr("value").await.unwrap().unwrap());
            }
            ids
        };
        let mut taps = 0;
        for (id, mark) in [(&ids[3], "absent"), (&ids[10], "absent"), (&ids[20], "late")] {
            browser.click(&format!("label[for='m-{id}-{mark}']")).await;
            taps += 1;
        }
        browser.click("button[name=rest][value=present]").await;
        taps += 1;
        let text = browser.wait_for_text("Журнал сохранён.").await;
        let elapsed = started.elapsed();
        eprintln!("register of 25: {taps} taps, {} ms in the browser from the calendar to saved", elapsed.as_millis());
        assert!(!text.is_empty());
        let sheet: Value = app.get_as(&format!("/api/v1/sessions/{session}/attendance"), &m.provider).await.json().await.unwrap();
        let entries = sheet["entries"].as_array().unwrap();
        let count = |s: &str| entries.iter().filter(|e| e["status"] == s).count();
        assert_eq!((count("present"), count("absent"), count("late")), (22, 2, 1), "{sheet}");
        // The saved register shows each mark as chosen.
        assert!(browser.find(&format!("#m-{}-absent", ids[3])).await.is_selected().await.unwrap());
        assert!(browser.find(&format!("#m-{}-present", ids[4])).await.is_selected().await.unwrap());
        browser.screenshot(screenshot_dir().join(format!("register-saved-phone-{}.png", label(backend)))).await;
    }

    async fn every_persons_pages_are_accessible_and_light_on_a_phone(backend: Backend) {
        let app = spawn_app(backend).await;
        social_jobs::demo::seed(&app.store, &DemoScale { seekers: 12, openings: 12, ..Default::default() }, false).await.unwrap();
        let browser = Browser::phone().await;
        browser.goto(&app.url("/sign-in?lang=kk")).await;
        check_page(&browser, "sign-in (kk)").await;
        let mut heaviest = 0;
        for (who, lang, pages) in [
            ("seeker1", "kk", &["/offers", "/enrollments", "/payouts"][..]),
            ("provider.college", "ru", &["/courses"][..]),
            ("employer.tazalyq", "ru", &["/openings", "/openings/new"][..]),
            ("caseworker", "ru", &["/households", "/programmes", "/payouts"][..]),
            ("admin", "en", &["/organisations?status=pending", "/staff", "/outbox"][..]),
        ] {
            sign_in(&browser, &app, &format!("{who}@{DEMO_DOMAIN}"), DEMO_PASSWORD, lang).await;
            for page in pages {
                browser.goto(&app.url(page)).await;
                heaviest = heaviest.max(check_page(&browser, &format!("{who} {page} ({lang})")).await);
                // Nothing is wider than the phone (no sideways scrolling).
                let width = browser.client().execute("return document.documentElement.scrollWidth;", vec![]).await.unwrap();
                assert!(width.as_u64().unwrap() <= 390, "{who} {page} is {width} pixels wide");
            }
            // The first link of her list opens too (a course calendar, an opening...).
            let first = browser.client().execute("const a = document.querySelector('main ul.rows a, main table a'); return a ? a.getAttribute('href') : null;", vec![]).await.unwrap();
            if let Some(href) = first.as_str() {
                browser.goto(&app.url(href)).await;
                heaviest = heaviest.max(check_page(&browser, &format!("{who} {href} ({lang})")).await);
            }
            browser.screenshot(screenshot_dir().join(format!("{who}-phone-{}.png", label(backend)))).await;
            browser.click("form[action='/sign-out'] button").await;
        }
        eprintln!("heaviest page: {heaviest} bytes");
    }

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
