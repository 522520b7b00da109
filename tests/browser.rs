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

        // The month ends; she closes it from the calendar.
        use chrono::Datelike;
        let today = common::api::today();
        let period = format!("{:04}-{:02}", today.year(), today.month());
        let next = (today.with_day(1).unwrap() + chrono::Months::new(1)).and_hms_opt(6, 0, 0).unwrap().and_utc();
        common::set_clock(&next.to_rfc3339());
        browser.click("a[href^='/courses/']").await;
        browser.wait_for_text("Календарь курса").await;
        browser.select("#period", &period).await;
        browser.click("form[action$='/periods/close'] button").await;
        browser.wait_for_text("Месяц закрыт.").await;
        check_page(&browser, "the calendar after closing a month (ru, phone)").await;
        let res = app.client.put(app.url(&format!("/api/v1/sessions/{session}/attendance"))).bearer_auth(&m.provider)
            .json(&serde_json::json!({ "entries": [{ "enrollment_id": ids[0], "status": "absent" }] })).send().await.unwrap();
        assert_eq!(res.status(), 409, "a closed month's register no longer changes");
    }

    async fn an_employer_posts_and_publishes_a_job_and_starts_a_placement(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let browser = Browser::desktop().await;
        sign_in(&browser, &app, "employer1@example.kz", PASSWORD, "en").await;
        browser.click("a[href='/openings/new']").await;
        browser.wait_for_text("New opening").await;
        check_page(&browser, "the new opening form (en, desktop)").await;
        browser.select("#programme_id", &m.jobs_programme).await;
        browser.fill("#title_ru", "Швея").await;
        browser.fill("#title_kk", "Тігінші").await;
        browser.fill("#description_ru", "Пошив школьной формы.").await;
        browser.select("#district", "auezov").await;
        browser.fill("#hours_per_week", "20").await;
        browser.fill("#capacity", "2").await;
        browser.fill("#skills", "тігін").await;
        browser.set_value("#application_deadline", &common::api::day(20)).await;
        browser.set_value("#start_date", &common::api::day(40)).await;
        browser.fill("#wage_tenge", "120000").await;
        browser.click("main form button[type=submit]").await;
        browser.wait_for_text("The opening is saved.").await;
        check_page(&browser, "a draft opening (en, desktop)").await;
        browser.click("form[action$='/publish'] button").await;
        browser.wait_for_text("The opening is published.").await;
        let opening = browser.current_url().await.split("/openings/").nth(1).unwrap().split('?').next().unwrap().to_owned();
        let public: Value = app.get(&format!("/api/v1/openings/{opening}")).await.json().await.unwrap();
        assert_eq!(public["status"], "published", "{public}");
        assert_eq!(public["wage_monthly_tiyn"], 12_000_000);

        // A mother applies, the round offers her the job, she accepts.
        let (_, mother) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        app.matched(&m.admin, &m.jobs_programme, "job", &opening, &[mother]).await;
        // On the first day of the job the employer records that she started.
        common::clock().advance(chrono::Duration::days(40));
        // Weeks later her session has ended (it lasts as long as a refresh token): she signs in.
        sign_in(&browser, &app, "employer1@example.kz", PASSWORD, "en").await;
        browser.goto(&app.url(&format!("/openings/{opening}"))).await;
        check_page(&browser, "an opening with its applicants and placements (en, desktop)").await;
        browser.click("form[action$='/start'] button").await;
        browser.wait_for_text("The start is recorded.").await;
        let placements: Value = app.get_as(&format!("/api/v1/openings/{opening}/placements"), &m.employer).await.json().await.unwrap();
        assert_eq!(placements[0]["status"], "active", "{placements}");
        assert_eq!(placements[0]["started_on"], common::api::day(0).as_str());
    }

    async fn a_case_worker_verifies_a_household_runs_a_round_and_settles_a_batch(backend: Backend) {
        let app = spawn_app(backend).await;
        social_jobs::demo::seed(&app.store, &DemoScale { seekers: 12, openings: 12, ..Default::default() }, false).await.unwrap();
        let (_, mother, _) = app.verified_account("waiting@example.kz", "seeker").await;
        let (iin, birth) = common::api::iin(42);
        app.client.put(app.url("/api/v1/me/profile")).bearer_auth(&mother).json(&common::api::profile(&iin)).send().await.unwrap();
        app.client.put(app.url("/api/v1/me/household")).bearer_auth(&mother).json(&common::api::household(&birth, 5, 10_000_000)).send().await.unwrap();
        let household: Value = app.post_json("/api/v1/me/household/submit", &serde_json::json!({}), Some(&mother)).await.json().await.unwrap();
        let household = household["id"].as_str().unwrap().to_owned();

        let browser = Browser::desktop().await;
        sign_in(&browser, &app, &format!("caseworker@{DEMO_DOMAIN}"), DEMO_PASSWORD, "en").await;
        browser.wait_for_text("Household queue").await;
        check_page(&browser, "the household queue (en, desktop)").await;
        browser.fill(&format!("#n-{household}"), "Справка о составе семьи сверена").await;
        browser.click(&format!("form[action='/households/{household}/decision'] button[value=verified]")).await;
        browser.wait_for_text("The household is verified.").await;
        let mine: Value = app.get_as("/api/v1/me/household", &mother).await.json().await.unwrap();
        assert_eq!(mine["status"], "verified", "{mine}");
        assert_eq!(mine["decision_note"], "Справка о составе семьи сверена");

        // A round of the jobs programme.
        browser.click("nav a[href='/programmes']").await;
        browser.wait_for_text("Programmes").await;
        check_page(&browser, "programmes (en, desktop)").await;
        let caseworker = app.sign_in(&format!("caseworker@{DEMO_DOMAIN}"), DEMO_PASSWORD).await.0;
        let programmes: Value = app.get_as("/api/v1/programmes", &caseworker).await.json().await.unwrap();
        let jobs = programmes.as_array().unwrap().iter().find(|p| p["kind"] == "jobs").unwrap()["id"].as_str().unwrap().to_owned();
        browser.click(&format!("a[href='/programmes/{jobs}']")).await;
        browser.wait_for_text("Start a matching round").await;
        check_page(&browser, "a programme with its rules and rounds (en, desktop)").await;
        browser.click("form[action='/rounds'] button").await;
        browser.wait_for_text("The round has started.").await;
        let round = browser.current_url().await.split("/rounds/").nth(1).unwrap().split('?').next().unwrap().to_owned();
        social_jobs::matching::rounds::run(&app.store, &social_jobs::config::Settings::default(), &round).await.unwrap();
        // She watches: the running round's page reloads itself until the round is done.
        browser.wait_for_text("Completed").await;
        check_page(&browser, "a completed round's results (en, desktop)").await;

        // Last month's stipends: approve the batch, take the bank's file, give its answer back.
        use chrono::Datelike;
        let last = common::api::today().with_day(1).unwrap() - chrono::Months::new(1);
        let period = format!("{:04}-{:02}", last.year(), last.month());
        browser.click("nav a[href='/payouts']").await;
        browser.fill("#period", &period).await;
        browser.click("form[action='/payouts'] button").await;
        browser.wait_for_text(&format!("Approve the batch for {period}")).await;
        check_page(&browser, "payouts of a month (en, desktop)").await;
        browser.click("form[action='/batches'] button").await;
        browser.wait_for_text("The batch is approved.").await;
        check_page(&browser, "a batch (en, desktop)").await;
        // The download, as the button sends it: the form's fields with the browser's cookies
        // (the page's own script could not fetch it: its policy allows no connections).
        let cookies: Vec<String> = browser.client().get_all_cookies().await.unwrap().iter().map(|c| format!("{}={}", c.name(), c.value())).collect();
        let form = browser.find("form[action$='/export']").await;
        let action = form.attr("action").await.unwrap().unwrap();
        let csrf = browser.find("form[action$='/export'] input[name=csrf]").await.attr("value").await.unwrap().unwrap();
        let res = app.client.post(app.url(&action)).header("Cookie", cookies.join("; ")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let csv = serde_json::Value::String(res.text().await.unwrap());
        let csv = csv.as_str().unwrap_or_else(|| panic!("the bank file: {csv}")).to_owned();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header = reader.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name} in the bank file:\n{csv}"));
        let (id_col, amount_col) = (col("payout_id"), col("amount_kzt"));
        let mut answer = String::from("payout_id,status,amount_kzt,reference,reason\n");
        for (n, record) in reader.records().enumerate() {
            let record = record.unwrap();
            answer.push_str(&format!("{},paid,{},HB-{n},\n", &record[id_col], &record[amount_col]));
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("confirmation.csv");
        std::fs::write(&file, answer).unwrap();
        browser.goto(browser.current_url().await.split('?').next().unwrap()).await;
        browser.upload("#file", &file).await;
        browser.click("form[action$='/confirm'] button").await;
        browser.wait_for_text("The bank's confirmation is read.").await;
        check_page(&browser, "a settled batch's reconciliation (en, desktop)").await;
        let batch = browser.current_url().await.split("/batches/").nth(1).unwrap().split('?').next().unwrap().to_owned();
        let b: Value = app.get_as(&format!("/api/v1/payout-batches/{batch}"), &caseworker).await.json().await.unwrap();
        assert_eq!(b["status"], "settled", "{b}");
    }

    async fn an_admin_approves_an_organisation(backend: Backend) {
        let app = spawn_app(backend).await;
        social_jobs::demo::seed(&app.store, &DemoScale { seekers: 12, openings: 12, ..Default::default() }, false).await.unwrap();
        let browser = Browser::desktop().await;
        sign_in(&browser, &app, &format!("admin@{DEMO_DOMAIN}"), DEMO_PASSWORD, "en").await;
        browser.goto(&app.url("/organisations?status=pending")).await;
        check_page(&browser, "organisations waiting (en, desktop)").await;
        let forms = browser.find_all("form[action$='/approve']").await;
        assert_eq!(forms.len(), 1);
        let action = forms[0].attr("action").await.unwrap().unwrap();
        browser.click("form[action$='/approve'] button").await;
        browser.wait_for_text("Approved").await;
        let admin = app.sign_in(&format!("admin@{DEMO_DOMAIN}"), DEMO_PASSWORD).await.0;
        let id = action.trim_start_matches("/organisations/").trim_end_matches("/approve");
        let org: Value = app.get_as(&format!("/api/v1/organisations/{id}"), &admin).await.json().await.unwrap();
        assert_eq!(org["status"], "approved", "{org}");
    }

    async fn every_persons_pages_are_accessible_and_light_on_a_phone(backend: Backend) {
        let app = spawn_app(backend).await;
        social_jobs::demo::seed(&app.store, &DemoScale { seekers: 12, openings: 12, ..Default::default() }, false).await.unwrap();
        let browser = Browser::phone().await;
        browser.goto(&app.url("/sign-in?lang=kk")).await;
        check_page(&browser, "sign-in (kk)").await;
        let mut heaviest = 0;
        let mut checked = 0;
        // Every page each person reaches by links from her first page (breadth first, up to 15
        // each), checked in her language.
        for (who, lang) in [
            ("seeker1", "kk"),
            ("provider.college", "ru"),
            ("employer.tazalyq", "ru"),
            ("caseworker", "ru"),
            ("admin", "en"),
        ] {
            sign_in(&browser, &app, &format!("{who}@{DEMO_DOMAIN}"), DEMO_PASSWORD, lang).await;
            let home = browser.current_url().await;
            let home = format!("/{}", home.split_once("://").unwrap().1.split_once('/').unwrap().1);
            let mut seen = std::collections::BTreeSet::new();
            let mut queue = std::collections::VecDeque::from([home]);
            while let Some(page) = queue.pop_front() {
                if seen.len() >= 15 || !seen.insert(page.clone()) {
                    continue;
                }
                browser.goto(&app.url(&page)).await;
                heaviest = heaviest.max(check_page(&browser, &format!("{who} {page} ({lang})")).await);
                checked += 1;
                // Nothing is wider than the phone (no sideways scrolling of the page).
                let width = browser.client().execute("return document.documentElement.scrollWidth;", vec![]).await.unwrap();
                assert!(width.as_u64().unwrap() <= 390, "{who} {page} is {width} pixels wide");
                let links = browser.client().execute("return [...document.querySelectorAll('a[href^=\"/\"]')].map(a => a.getAttribute('href'));", vec![]).await.unwrap();
                for link in links.as_array().unwrap().iter().filter_map(|l| l.as_str()) {
                    let skip = link == "/cabinet" || link.starts_with("/static/") || link.contains("lang=") || link.contains('#');
                    if !skip && !seen.contains(link) {
                        queue.push_back(link.to_owned());
                    }
                }
            }
            browser.screenshot(screenshot_dir().join(format!("{who}-phone-{}.png", label(backend)))).await;
            browser.click("form[action='/sign-out'] button").await;
        }
        // A refusal is a page too, and as accessible.
        sign_in(&browser, &app, &format!("seeker1@{DEMO_DOMAIN}"), DEMO_PASSWORD, "ru").await;
        browser.goto(&app.url("/households")).await;
        check_page(&browser, "a refusal (ru)").await;
        browser.goto(&app.url("/openings/no-such-opening")).await;
        check_page(&browser, "nothing here (ru)").await;
        eprintln!("pages checked: {checked}");
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

        // She becomes eligible, applies, and the round's email brings her to her offer.
        let m = app.market().await;
        let (access, _) = app.sign_in("mother@example.kz", PASSWORD).await;
        app.make_eligible(&m.admin, &access, 1, 4, "zhetysu").await;
        let course = app.published(&m.provider, &common::api::course_opening(&m.courses_programme)).await["id"].as_str().unwrap().to_owned();
        assert_eq!(app.post_json("/api/v1/me/applications", &serde_json::json!({ "opening_id": course }), Some(&access)).await.status(), 201);
        let round: Value = app.post_json("/api/v1/matching-rounds", &serde_json::json!({ "programme_id": m.courses_programme, "kind": "course" }), Some(&m.admin)).await.json().await.unwrap();
        social_jobs::matching::rounds::run(&app.store, &social_jobs::config::Settings::default(), round["id"].as_str().unwrap()).await.unwrap();
        let emails = app.emails_to("mother@example.kz").await;
        let link = emails.iter().rev().find_map(|(_, _, data)| data["link"].as_str().filter(|l| l.contains("/offers"))).expect("the offer email has a link").to_owned();
        let path = link.split_once("://").unwrap().1.split_once('/').map(|(_, p)| format!("/{p}")).unwrap();
        browser.goto(&app.url(&path)).await;
        // Signed out, the link asks her to sign in, then shows the offer.
        browser.fill("#email", "mother@example.kz").await;
        browser.fill("#password", PASSWORD).await;
        browser.click("main form button[type=submit]").await;
        browser.wait_for_text("Кондитер курсы").await;
        check_page(&browser, "her offers (kk, phone)").await;
        browser.click("form[action$='/accept'] button").await;
        browser.wait_for_text("Қабылданды").await;
        let offers: Value = app.get_as("/api/v1/me/offers", &access).await.json().await.unwrap();
        assert_eq!(offers[0]["status"], "accepted", "{offers}");
        browser.screenshot(screenshot_dir().join(format!("offer-accepted-phone-{}.png", label(backend)))).await;
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
