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
    let p = social_jobs::programmes::examples::social_jobs();
    json!({ "kind": "jobs", "name": p.name, "valid_from": p.valid_from, "valid_to": p.valid_to, "rules": p.rules })
}
