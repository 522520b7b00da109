//! Every list pages by one rule: `limit` outside the range the contract states is a 422 naming
//! `limit` (never clamped), an empty `cursor=` is the first page, cursors are opaque (they hold
//! no id a client could build one from) and one this service did not give is a 422 naming
//! `cursor`. Runs on the demo data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, spawn_app};
use serde_json::Value;
use social_jobs::demo::{DEMO_DOMAIN, DEMO_PASSWORD, DemoScale};

/// The contract's `limit` range of the GET operation at `path`: (minimum, maximum).
fn documented_range(path: &str) -> (i64, i64) {
    let api = serde_json::to_value(social_jobs::http::openapi()).unwrap();
    let params = api["paths"][path]["get"]["parameters"].as_array().unwrap();
    let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
    (
        limit["schema"]["minimum"].as_i64().unwrap(),
        limit["schema"]["maximum"].as_i64().unwrap(),
    )
}

async fn answer(app: &TestApp, token: Option<&str>, url: &str) -> (u16, Value) {
    let mut req = app.client.get(app.url(url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn with(url: &str, query: &str) -> String {
    format!("{url}{}{query}", if url.contains('?') { '&' } else { '?' })
}

/// The rule, checked on one list. `paged`: the list has cursors (and at least two items).
async fn check_list(app: &TestApp, token: Option<&str>, template: &str, url: &str, paged: bool) {
    let (min, max) = documented_range(template);
    assert_eq!(min, 1, "{template}");
    for bad in [0, -1, max + 1, i64::MAX] {
        let (status, body) = answer(app, token, &with(url, &format!("limit={bad}"))).await;
        assert_eq!(status, 422, "{url} limit={bad}: {body}");
        assert!(
            body["errors"]["limit"].is_string(),
            "{url} limit={bad}: {body}"
        );
    }
    let (status, body) = answer(app, token, &with(url, "limit=abc")).await;
    assert_eq!(status, 422, "{url} limit=abc: {body}");
    let (status, body) = answer(app, token, &with(url, &format!("limit={max}"))).await;
    assert_eq!(status, 200, "{url} limit={max}: {body}");
    if !paged {
        return;
    }
    let (status, first) = answer(app, token, url).await;
    assert_eq!(status, 200, "{url}: {first}");
    let (_, empty_cursor) = answer(app, token, &with(url, "cursor=")).await;
    assert_eq!(
        empty_cursor, first,
        "{url}: an empty cursor is the first page"
    );
    let (status, one) = answer(app, token, &with(url, "limit=1")).await;
    assert_eq!(status, 200);
    let items = one["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{url}: {one}");
    let cursor = one["next_cursor"]
        .as_str()
        .expect("a list of two has a next page");
    // Opaque: no id of what is listed shows through, and it is URL-safe as it is.
    let ids: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| {
            [
                "id",
                "application_id",
                "seeker_account_id",
                "account_id",
                "enrollment_id",
            ]
            .iter()
            .filter_map(|k| i[*k].as_str().map(str::to_owned))
            .collect::<Vec<_>>()
        })
        .collect();
    assert!(!ids.is_empty(), "{url}: {first}");
    assert!(
        ids.iter().all(|id| !cursor.contains(id.as_str())),
        "{url}: the cursor {cursor} shows an id"
    );
    assert!(
        cursor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{cursor}"
    );
    let (status, next) = answer(app, token, &with(url, &format!("limit=1&cursor={cursor}"))).await;
    assert_eq!(status, 200, "{url}: {next}");
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert_ne!(next["items"][0], items[0], "{url}: the next page moves on");
    assert_eq!(
        next["items"][0], first["items"][1],
        "{url}: pages follow the list's order"
    );
    // Cursors this service did not give: garbage, a bare id, and well-formed base64 of text
    // that is no position.
    let bare_id = ids[0].clone();
    for forged in ["not a cursor", bare_id.as_str(), "eHl6", "bnwxfHg"] {
        let (status, body) = answer(
            app,
            token,
            &with(url, &format!("cursor={}", urlencode(forged))),
        )
        .await;
        assert_eq!(status, 422, "{url} cursor={forged}: {body}");
        assert!(body["errors"]["cursor"].is_string(), "{url}: {body}");
    }
}

/// The provider's courses.
async fn mine_courses(app: &TestApp, token: &str) -> Vec<String> {
    let (_, page) = answer(app, Some(token), "/api/v1/me/openings?limit=100").await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "course")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

backend_tests! {
    async fn every_list_refuses_a_limit_out_of_range_and_pages_with_opaque_cursors(backend: Backend) {
        let app = spawn_app(backend).await;
        social_jobs::demo::seed(&app.store, &DemoScale { seekers: 12, openings: 12, ..Default::default() }, false).await.unwrap();
        let sign_in = |who: &'static str| {
            let app = &app;
            async move { app.sign_in(&format!("{who}@{DEMO_DOMAIN}"), DEMO_PASSWORD).await.0 }
        };
        let admin = sign_in("admin").await;
        let seeker = sign_in("seeker1").await;
        let provider = sign_in("provider.college").await;
        // Two emails in the outbox at least.
        for n in 1..=2 {
            assert_eq!(app.register(&format!("lists{n}@example.kz"), "seeker", "kk").await.status(), 202);
        }
        // Two erasure requests waiting.
        for who in ["seeker1", "seeker2"] {
            let t = sign_in(who).await;
            assert_eq!(app.post_json("/api/v1/me/erasure-request", &serde_json::json!({}), Some(&t)).await.status(), 201);
        }
        let mine: Value = app.get_as("/api/v1/me/applications", &seeker).await.json().await.unwrap();
        let round = mine.as_array().unwrap().iter().find_map(|a| a["last_round"]["round_id"].as_str()).unwrap().to_owned();

        let programmes: Value = app.get("/api/v1/programmes").await.json().await.unwrap();
        let programme = programmes[0]["id"].as_str().unwrap().to_owned();
        // A demo course with two people or more enrolled.
        let mut course = None;
        for c in mine_courses(&app, &provider).await {
            let (_, page) = answer(&app, Some(&provider), &format!("/api/v1/courses/{c}/enrollments")).await;
            if page["items"].as_array().is_some_and(|i| i.len() >= 2) {
                course = Some(c);
                break;
            }
        }
        let course = course.expect("a demo course with enrollments");
        let lists: Vec<(Option<&str>, &str, String, bool)> = vec![
            (Some(&provider), "/api/v1/courses/{id}/enrollments", format!("/api/v1/courses/{course}/enrollments"), true),
            (Some(&admin), "/api/v1/programmes/{id}/versions", format!("/api/v1/programmes/{programme}/versions"), false),
            (None, "/api/v1/openings", "/api/v1/openings".into(), true),
            (Some(&seeker), "/api/v1/me/recommendations", "/api/v1/me/recommendations".into(), false),
            (Some(&admin), "/api/v1/matching-rounds/{id}/results", format!("/api/v1/matching-rounds/{round}/results"), true),
            (Some(&admin), "/api/v1/admin/outbox", "/api/v1/admin/outbox".into(), true),
            (Some(&admin), "/api/v1/payouts", "/api/v1/payouts".into(), true),
            (Some(&admin), "/api/v1/households", "/api/v1/households?status=verified".into(), true),
            (Some(&admin), "/api/v1/organisations", "/api/v1/organisations".into(), true),
            (Some(&provider), "/api/v1/me/openings", "/api/v1/me/openings".into(), true),
            (Some(&admin), "/api/v1/payout-batches", "/api/v1/payout-batches".into(), false),
            (Some(&admin), "/api/v1/admin/staff", "/api/v1/admin/staff".into(), true),
            (Some(&admin), "/api/v1/matching-rounds", "/api/v1/matching-rounds".into(), false),
            (Some(&admin), "/api/v1/wage-reports", "/api/v1/wage-reports".into(), false),
            (Some(&admin), "/api/v1/wage-reports/overdue", "/api/v1/wage-reports/overdue".into(), false),
            (Some(&admin), "/api/v1/reports/summary", "/api/v1/reports/summary".into(), false),
            (None, "/api/v1/open-data/summary", "/api/v1/open-data/summary".into(), false),
            (Some(&admin), "/api/v1/people", "/api/v1/people?q=%D2%9B%D1%8B%D0%B7%D1%8B".into(), true),
            (Some(&admin), "/api/v1/erasure-requests", "/api/v1/erasure-requests".into(), true),
        ];
        // Every operation of the contract with a `limit` is here.
        let api = serde_json::to_value(social_jobs::http::openapi()).unwrap();
        let with_limit: Vec<&str> = api["paths"].as_object().unwrap().iter()
            .filter(|(_, item)| item["get"]["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "limit")))
            .map(|(path, _)| path.as_str())
            .collect();
        let tested: Vec<&str> = lists.iter().map(|l| l.1).collect();
        for path in &with_limit {
            assert!(tested.contains(path), "{path} has a limit and is not tested here");
        }
        for (token, template, url, paged) in &lists {
            check_list(&app, *token, template, url, *paged).await;
        }
    }
}
