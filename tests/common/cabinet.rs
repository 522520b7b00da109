//! A person using the web cabinet over HTTP: a client with its own cookies (session and CSRF),
//! following no redirects so tests see each 303, and sending forms with the CSRF token of the
//! last page it opened, as a browser would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use super::TestApp;

pub struct Visitor<'a> {
    pub app: &'a TestApp,
    pub client: reqwest::Client,
    /// The CSRF token of the last page opened (its forms' hidden `csrf`).
    pub csrf: String,
}

/// What came back: status, the body, the redirect target and the cookies set.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
}

impl Answer {
    /// The value of the hidden (or any) input `name` on the page.
    pub fn field(&self, name: &str) -> String {
        field(&self.body, name)
    }

    /// Every value of attribute `attr` on the page whose value starts with `prefix`.
    pub fn attrs(&self, attr: &str, prefix: &str) -> Vec<String> {
        // Values from the templates' variables are escaped (`/` as `&#x2f;`), literal ones not.
        let marker = format!(" {attr}=\"");
        let mut out = Vec::new();
        for piece in self.body.split(&marker).skip(1) {
            let value = unescape(piece.split('"').next().unwrap());
            if value.starts_with(prefix) && !out.contains(&value) {
                out.push(value);
            }
        }
        out
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(String::as_str)
    }
}

pub fn field(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in\n{body}"))
        + marker.len();
    unescape(body[start..].split('"').next().unwrap())
}

/// An attribute's value as the browser reads it (the templates escape `/`, `&`, quotes).
pub fn unescape(value: &str) -> String {
    value
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Visitor<'a> {
        Visitor {
            app,
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            csrf: String::new(),
        }
    }

    async fn read(&mut self, res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let set_cookies = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let body = res.text().await.unwrap();
        if let Some(i) = body.find("name=\"csrf\" value=\"") {
            self.csrf = body[i + 19..].split('"').next().unwrap().to_owned();
        }
        Answer {
            status,
            body,
            location,
            set_cookies,
        }
    }

    /// Opens a page (the answer is not followed if it redirects).
    pub async fn open(&mut self, path: &str) -> Answer {
        let res = self
            .client
            .get(self.app.url(path))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap();
        self.read(res).await
    }

    /// Opens a page that must answer 200, and returns its body.
    pub async fn page(&mut self, path: &str) -> Answer {
        let answer = self.open(path).await;
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        answer
    }

    /// Sends a form with the last page's CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.csrf.clone();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Sends a form exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let res = self
            .client
            .post(self.app.url(path))
            .header("Accept-Language", "en")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap())
            .send()
            .await
            .unwrap();
        self.read(res).await
    }

    /// Sends a form and follows its 303 to the page it leads to.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let answer = self.post(path, fields).await;
        assert_eq!(answer.status, 303, "{path} {fields:?}: {answer:?}");
        let to = answer.location.unwrap();
        self.open(&to).await
    }

    /// Signs in through the sign-in page; returns where it led.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> String {
        // She chose English with the switcher (the page's language stays hers after).
        self.page("/sign-in?lang=en").await;
        let answer = self
            .post("/sign-in", &[("email", email), ("password", password)])
            .await;
        assert_eq!(answer.status, 303, "signing in as {email}: {answer:?}");
        answer.location.unwrap()
    }
}

/// A course of the `market`'s provider with `n` mothers enrolled through a round, and the clock
/// moved into its run (day 100 of 40..140): (course id, the mothers' access tokens).
pub async fn course_with_enrolled(
    app: &TestApp,
    m: &super::api::Market,
    n: u32,
) -> (String, Vec<String>) {
    use serde_json::json;
    let mut course = super::api::course_opening(&m.courses_programme);
    course["end_date"] = json!(super::api::day(140));
    course["capacity"] = json!(n.max(1));
    let course = app.published(&m.provider, &course).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut mothers = Vec::new();
    for i in 0..n {
        let (_, mother) = app.eligible_seeker(&m.admin, 100 + i, 4, "zhetysu").await;
        mothers.push(mother);
    }
    app.matched(&m.admin, &m.courses_programme, "course", &course, &mothers)
        .await;
    super::clock().advance(chrono::Duration::days(100));
    (course, mothers)
}
