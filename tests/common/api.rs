//! Helpers that drive the API as a client would: register, read the emailed token, sign in.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use diesel::prelude::*;
use serde_json::{Value, json};
use social_jobs::db::{DbError, schema::jobs};

use super::TestApp;

pub const PASSWORD: &str = "Тау-самал 2026 көктем";

impl TestApp {
    pub async fn post_json(
        &self,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn register(&self, email: &str, role: &str, locale: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/register",
            &json!({ "email": email, "password": PASSWORD, "role": role, "locale": locale }),
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/login",
            &json!({ "email": email, "password": password }),
            None,
        )
        .await
    }

    /// Signs in and returns (access token, refresh token).
    pub async fn sign_in(&self, email: &str, password: &str) -> (String, String) {
        let res = self.login(email, password).await;
        assert_eq!(res.status(), 200, "sign-in of {email} failed");
        let body: Value = res.json().await.unwrap();
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// The emails queued for `to`, newest last: (template, locale, data).
    pub async fn emails_to(&self, to: &str) -> Vec<(String, String, Value)> {
        let payloads: Vec<String> = self
            .store
            .run(|c| {
                jobs::table
                    .filter(jobs::kind.eq("send_email"))
                    .order(jobs::id.asc())
                    .select(jobs::payload)
                    .load(c)
                    .map_err(DbError::from)
            })
            .await
            .unwrap();
        payloads
            .into_iter()
            .map(|p| serde_json::from_str::<Value>(&p).unwrap())
            .filter(|p| p["to"] == to)
            .map(|p| {
                (
                    p["template"].as_str().unwrap().to_owned(),
                    p["locale"].as_str().unwrap().to_owned(),
                    p["data"].clone(),
                )
            })
            .collect()
    }

    /// The token in the newest `template` email to `to`.
    pub async fn emailed_token(&self, to: &str, template: &str) -> String {
        let emails = self.emails_to(to).await;
        let (_, _, data) = emails
            .iter()
            .rev()
            .find(|(t, _, _)| t == template)
            .unwrap_or_else(|| panic!("no {template} email to {to}"));
        data["link"]
            .as_str()
            .unwrap()
            .split("token=")
            .nth(1)
            .unwrap()
            .to_owned()
    }

    /// Registers, verifies the email and signs in; returns (account id, access, refresh).
    pub async fn verified_account(&self, email: &str, role: &str) -> (String, String, String) {
        assert_eq!(self.register(email, role, "ru").await.status(), 202);
        let token = self.emailed_token(email, "verify_email").await;
        assert_eq!(
            self.post_json(
                "/api/v1/auth/verify-email",
                &json!({ "token": token }),
                None
            )
            .await
            .status(),
            200
        );
        let (access, refresh) = self.sign_in(email, PASSWORD).await;
        let me: Value = self
            .get_as("/api/v1/me", &access)
            .await
            .json()
            .await
            .unwrap();
        (me["id"].as_str().unwrap().to_owned(), access, refresh)
    }

    /// An admin made as `create-admin` does; returns (id, access token).
    pub async fn admin(&self) -> (String, String) {
        let email = format!("admin-{}@example.kz", uuid::Uuid::new_v4().simple());
        let parsed = social_jobs::notifications::EmailAddress::parse(&email).unwrap();
        let admin = social_jobs::accounts::service::create_first_admin(
            &self.store,
            parsed,
            PASSWORD.into(),
        )
        .await
        .unwrap();
        let (access, _) = self.sign_in(&email, PASSWORD).await;
        (admin.id, access)
    }
}

/// A valid BIN (resident legal entity) made from a serial.
pub fn bin(serial: u32) -> String {
    for extra in 0..10u32 {
        let body = format!("1503400{:04}", (serial * 10 + extra) % 10_000);
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        let first: [u8; 11] = digits.try_into().unwrap();
        if let Some(c) = social_jobs::kz::check_digit(&first) {
            return format!("{body}{c}");
        }
    }
    unreachable!("no valid check digit in ten tries")
}

pub fn organisation(kind: &str, serial: u32) -> Value {
    json!({
        "kind": kind,
        "name": format!("ТОО «Әлем {serial}»"),
        "bin": bin(serial),
        "district": "almaly",
        "contact_name": "Айгерім Сейітова",
        "contact_phone": "+7 701 234 56 78",
        "contact_email": format!("hr{serial}@alem.kz"),
    })
}

/// A valid seeker profile with the given IIN.
pub fn profile(iin: &str) -> Value {
    json!({
        "iin": iin,
        "full_name": "Айгүл Сейітқызы",
        "phone": "+7 701 234 56 78",
        "district": "auezov",
        "skills": ["тігін", "кассир"],
        "languages": ["kk", "ru"],
        "availability": { "employment": "part_time", "hours_per_week": 20, "needs_childcare": true },
        "iban": "KZ86125KZT5004100100",
    })
}

/// A household of a mother (born as her IIN says) and `children` minors, with her salary.
pub fn household(mother_birth: &str, children: usize, salary_tiyn: i64) -> Value {
    let mut members = vec![
        json!({ "relation": "self", "birth_date": mother_birth, "incomes": [{ "source": "salary", "monthly_tiyn": salary_tiyn }] }),
    ];
    for i in 0..children {
        members.push(json!({ "relation": "child", "birth_date": format!("{}-03-01", 2012 + i), "disability": i == 0 }));
    }
    json!({ "members": members })
}

/// The example jobs programme as a request body.
pub fn programme_body() -> Value {
    let p = social_jobs::programmes::examples::social_jobs(today());
    json!({ "kind": "jobs", "name": p.name, "valid_from": p.valid_from, "valid_to": p.valid_to, "rules": p.rules })
}

/// Today in Almaty, as the service counts deadlines.
pub fn today() -> chrono::NaiveDate {
    super::clock().today()
}

/// `today` plus `days`, as `YYYY-MM-DD`.
pub fn day(days: i64) -> String {
    (today() + chrono::Duration::days(days)).to_string()
}

/// An example programme of `kind` (`jobs` or `courses`) in force from a month ago for a year.
pub fn programme_in_force(kind: &str) -> Value {
    let p = match kind {
        "jobs" => social_jobs::programmes::examples::social_jobs(today()),
        _ => social_jobs::programmes::examples::short_courses(today()),
    };
    json!({ "kind": kind, "name": p.name, "valid_from": day(-30), "valid_to": day(400), "rules": p.rules })
}

/// A job opening body: deadline in 20 days, start in 40.
pub fn job_opening(programme_id: &str) -> Value {
    json!({
        "kind": "job",
        "programme_id": programme_id,
        "title": { "kk": "Тігінші", "ru": "Швея" },
        "description": { "ru": "Пошив школьной формы в цехе." },
        "district": "auezov",
        "schedule": { "employment": "part_time", "hours_per_week": 20, "days": ["mon", "wed", "fri"] },
        "skills": ["тігін"],
        "capacity": 3,
        "application_deadline": day(20),
        "start_date": day(40),
        "wage_monthly_tiyn": 12_000_000,
    })
}

/// A course opening body: weekly Tuesday and Thursday sessions for four weeks from day 40.
pub fn course_opening(programme_id: &str) -> Value {
    json!({
        "kind": "course",
        "programme_id": programme_id,
        "title": { "kk": "Кондитер курсы", "ru": "Курсы кондитера" },
        "description": { "kk": "Тәтті тағамдар дайындау.", "ru": "Приготовление десертов." },
        "district": "zhetysu",
        "schedule": { "employment": "part_time", "hours_per_week": 9, "days": ["tue", "thu"] },
        "skills": [],
        "capacity": 12,
        "application_deadline": day(20),
        "start_date": day(40),
        "end_date": day(68),
        "weekly": { "days": ["tue", "thu"], "start_time": "10:00", "end_time": "13:00" },
    })
}

/// What tests of openings need: an admin, both programmes, and a verified member of an approved
/// employer and of an approved provider.
pub struct Market {
    pub admin: String,
    pub jobs_programme: String,
    pub courses_programme: String,
    pub employer: String,
    pub employer_org: String,
    pub provider: String,
    pub provider_org: String,
}

impl TestApp {
    /// A verified member of a new organisation of `kind`, approved by `admin`: (access, org id).
    pub async fn approved_member(&self, admin: &str, kind: &str, serial: u32) -> (String, String) {
        let email = format!("{kind}{serial}@example.kz");
        let (_, access, _) = self.verified_account(&email, kind).await;
        let res = self
            .post_json(
                "/api/v1/organisations",
                &organisation(kind, serial),
                Some(&access),
            )
            .await;
        assert_eq!(res.status(), 201);
        let org: Value = res.json().await.unwrap();
        let id = org["id"].as_str().unwrap().to_owned();
        let res = self
            .post_json(
                &format!("/api/v1/organisations/{id}/approve"),
                &json!({}),
                Some(admin),
            )
            .await;
        assert_eq!(res.status(), 200);
        (access, id)
    }

    pub async fn market(&self) -> Market {
        let (_, admin) = self.admin().await;
        let mut ids = Vec::new();
        for kind in ["jobs", "courses"] {
            let res = self
                .post_json(
                    "/api/v1/programmes",
                    &programme_in_force(kind),
                    Some(&admin),
                )
                .await;
            assert_eq!(res.status(), 201);
            let p: Value = res.json().await.unwrap();
            ids.push(p["id"].as_str().unwrap().to_owned());
        }
        let (employer, employer_org) = self.approved_member(&admin, "employer", 1).await;
        let (provider, provider_org) = self.approved_member(&admin, "provider", 2).await;
        Market {
            admin,
            courses_programme: ids.pop().unwrap(),
            jobs_programme: ids.pop().unwrap(),
            employer,
            employer_org,
            provider,
            provider_org,
        }
    }

    /// Each mother applies to `opening`; a round of `programme` (`kind`: `job` or `course`) runs;
    /// each accepts her first offer. Returns the acceptances (with `placement_id` or
    /// `enrollment_id`).
    pub async fn matched(
        &self,
        admin: &str,
        programme: &str,
        kind: &str,
        opening: &str,
        mothers: &[String],
    ) -> Vec<Value> {
        for mother in mothers {
            let res = self
                .post_json(
                    "/api/v1/me/applications",
                    &json!({ "opening_id": opening }),
                    Some(mother),
                )
                .await;
            assert_eq!(res.status(), 201);
        }
        let res = self
            .post_json(
                "/api/v1/matching-rounds",
                &json!({ "programme_id": programme, "kind": kind }),
                Some(admin),
            )
            .await;
        assert_eq!(res.status(), 202);
        let round: Value = res.json().await.unwrap();
        social_jobs::matching::rounds::run(
            &self.store,
            &social_jobs::config::Settings::default(),
            round["id"].as_str().unwrap(),
        )
        .await
        .unwrap();
        let mut accepted = Vec::new();
        for mother in mothers {
            let offers: Value = self
                .get_as("/api/v1/me/offers", mother)
                .await
                .json()
                .await
                .unwrap();
            let id = offers[0]["id"].as_str().unwrap();
            let res = self
                .post_json(
                    &format!("/api/v1/offers/{id}/accept"),
                    &json!({}),
                    Some(mother),
                )
                .await;
            assert_eq!(res.status(), 200);
            accepted.push(res.json().await.unwrap());
        }
        accepted
    }

    /// Posts and publishes an opening; returns it as published.
    pub async fn published(&self, token: &str, body: &Value) -> Value {
        let res = self.post_json("/api/v1/openings", body, Some(token)).await;
        let status = res.status();
        let draft: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{draft}");
        let id = draft["id"].as_str().unwrap();
        let res = self
            .post_json(
                &format!("/api/v1/openings/{id}/publish"),
                &json!({}),
                Some(token),
            )
            .await;
        let status = res.status();
        let published: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "{published}");
        published
    }
}

/// A valid IIN of a woman born in the 1980s, distinct for each `n`, and her birth date.
pub fn iin(n: u32) -> (String, String) {
    let birth =
        chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + chrono::Days::new(u64::from(n) * 37);
    for k in 0..100u32 {
        let body = format!("{}4{:04}", birth.format("%y%m%d"), (n * 97 + k) % 10_000);
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        let first: [u8; 11] = digits.try_into().unwrap();
        if let Some(c) = social_jobs::kz::check_digit(&first) {
            return (format!("{body}{c}"), birth.to_string());
        }
    }
    unreachable!("no valid check digit")
}

/// A valid IIN of a woman born on `birth` (1900–2099).
pub fn iin_born_on(birth: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let century = if birth.year() >= 2000 { 6 } else { 4 };
    for k in 0..100u32 {
        let body = format!("{}{century}{:04}", birth.format("%y%m%d"), 1000 + k);
        let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        let first: [u8; 11] = digits.try_into().unwrap();
        if let Some(c) = social_jobs::kz::check_digit(&first) {
            return format!("{body}{c}");
        }
    }
    unreachable!("no valid check digit")
}

impl TestApp {
    /// A seeker with a confirmed email, a profile in `district`, and a household with `children`
    /// minors (4+ is a large family: tier 1; fewer, with the first child's disability: tier 2)
    /// verified by `admin`. Returns (account id, access token).
    pub async fn eligible_seeker(
        &self,
        admin: &str,
        n: u32,
        children: usize,
        district: &str,
    ) -> (String, String) {
        let (id, access, _) = self
            .verified_account(&format!("mother{n}@example.kz"), "seeker")
            .await;
        self.make_eligible(admin, &access, n, children, district)
            .await;
        (id, access)
    }

    /// Gives the seeker signed in as `access` a profile and a household as
    /// [`TestApp::eligible_seeker`] describes, verified by `admin`.
    pub async fn make_eligible(
        &self,
        admin: &str,
        access: &str,
        n: u32,
        children: usize,
        district: &str,
    ) {
        let (iin, birth) = iin(n);
        let mut p = profile(&iin);
        p["district"] = json!(district);
        let res = self
            .client
            .put(self.url("/api/v1/me/profile"))
            .bearer_auth(access)
            .json(&p)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let salary = if children >= 4 { 15_000_000 } else { 5_000_000 };
        let res = self
            .client
            .put(self.url("/api/v1/me/household"))
            .bearer_auth(access)
            .json(&household(&birth, children, salary))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let h: Value = self
            .post_json("/api/v1/me/household/submit", &json!({}), Some(access))
            .await
            .json()
            .await
            .unwrap();
        let res = self
            .post_json(
                &format!("/api/v1/households/{}/verify", h["id"].as_str().unwrap()),
                &json!({ "decision": "verified" }),
                Some(admin),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
}
