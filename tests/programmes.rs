//! Programmes with versioned rules, and each seeker's eligibility, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    TestApp,
    api::{PASSWORD, household, profile, programme_body},
    spawn_app,
};
use serde_json::{Value, json};

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    res.json().await.unwrap()
}

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

backend_tests! {
    async fn admins_create_programmes_and_every_rule_change_is_a_new_version(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, admin) = app.admin().await;
        let res = app.post_json("/api/v1/programmes", &programme_body(), Some(&admin)).await;
        assert_eq!(res.status(), 201);
        let created: Value = res.json().await.unwrap();
        assert_eq!((created["version"].as_i64(), created["kind"].as_str()), (Some(1), Some("jobs")));
        let id = created["id"].as_str().unwrap().to_owned();
        let mut changed = programme_body();
        changed["rules"]["low_income_percent"] = json!(80);
        let res = put(&app, &admin, &format!("/api/v1/programmes/{id}"), &changed).await;
        assert_eq!(res.status(), 200);
        let public: Value = app.client.get(app.url(&format!("/api/v1/programmes/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!((public["version"].as_i64(), public["rules"]["low_income_percent"].as_i64()), (Some(2), Some(80)));
        let list: Value = app.client.get(app.url("/api/v1/programmes")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1);
        let events = app.store.run({ let id = id.clone(); move |c| social_jobs::audit::for_entity(c, "programme", &id).map_err(social_jobs::db::DbError::from) }).await.unwrap();
        assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["programme.created", "programme.rules_changed"]);
        assert!(events[1].before_json.as_deref().unwrap().contains(r#""low_income_percent":70"#));
        // Every version stays readable, newest first, paged.
        let versions: Value = app.get_as(&format!("/api/v1/programmes/{id}/versions"), &admin).await.json().await.unwrap();
        let items = versions["items"].as_array().unwrap();
        assert_eq!(items.iter().map(|v| v["version"].as_i64().unwrap()).collect::<Vec<_>>(), [2, 1], "{versions}");
        assert_eq!((items[0]["rules"]["low_income_percent"].as_i64(), items[1]["rules"]["low_income_percent"].as_i64()), (Some(80), Some(70)));
        let first: Value = app.get_as(&format!("/api/v1/programmes/{id}/versions?limit=1"), &admin).await.json().await.unwrap();
        let cursor = first["next_cursor"].as_str().unwrap();
        let next: Value = app.get_as(&format!("/api/v1/programmes/{id}/versions?limit=1&cursor={cursor}"), &admin).await.json().await.unwrap();
        assert_eq!(next["items"][0]["version"], 1);
        assert!(next["next_cursor"].is_null());
        assert_eq!(app.get_as("/api/v1/programmes/no-such/versions", &admin).await.status(), 404);
        // The kind is fixed.
        let mut courses = changed.clone();
        courses["kind"] = json!("courses");
        problem(put(&app, &admin, &format!("/api/v1/programmes/{id}"), &courses).await, 422).await;
    }

    async fn contradictory_rules_are_refused(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, admin) = app.admin().await;
        let mut shadowed = programme_body();
        let tiers = shadowed["rules"]["tiers"].as_array().unwrap().clone();
        shadowed["rules"]["tiers"] = json!([tiers[3], tiers[0]]);
        let mut backwards = programme_body();
        backwards["valid_to"] = json!("2025-01-01");
        let mut no_stipend = programme_body();
        no_stipend["kind"] = json!("courses");
        let mut subsidy = programme_body();
        subsidy["rules"]["jobs"]["wage_subsidy_percent"] = json!(140);
        let cases = [(shadowed, "rules.tiers[1]"), (backwards, "valid_to"), (no_stipend, "rules.stipend"), (subsidy, "rules.jobs.wage_subsidy_percent")];
        for (body, field) in cases {
            let p = problem(app.post_json("/api/v1/programmes", &body, Some(&admin)).await, 422).await;
            assert!(p["errors"][field].is_string(), "{field}: {p}");
        }
        let list: Value = app.client.get(app.url("/api/v1/programmes")).send().await.unwrap().json().await.unwrap();
        assert!(list.as_array().unwrap().is_empty());
    }

    async fn eligibility_follows_the_household_its_verification_and_the_current_rules(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, admin) = app.admin().await;
        let programme: Value = app.post_json("/api/v1/programmes", &programme_body(), Some(&admin)).await.json().await.unwrap();
        let (_, token, _) = app.verified_account("mother@example.kz", "seeker").await;
        let decisions: Value = app.get_as("/api/v1/me/eligibility", &token).await.json().await.unwrap();
        assert_eq!(decisions[0]["reasons"][0]["code"], "no_household");
        put(&app, &token, "/api/v1/me/profile", &profile("791028302728")).await;
        // 5 members on 150 000 KZT: 30 000 KZT each, below 70 % of 46 228 KZT.
        put(&app, &token, "/api/v1/me/household", &household("1979-10-28", 4, 15_000_000)).await;
        let d: Value = app.get_as("/api/v1/me/eligibility", &token).await.json().await.unwrap();
        let d = &d[0];
        assert_eq!((d["would_be_eligible"].as_bool(), d["eligible"].as_bool(), d["tier"].as_i64()), (Some(true), Some(false), Some(1)));
        assert_eq!(d["programme_id"], programme["id"]);
        assert_eq!(d["rules_version"], 1);
        let codes: Vec<&str> = d["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
        // The test household has no spouse: she is also a single parent.
        assert_eq!(codes, ["low_income", "large_family", "disability_in_household", "single_parent", "verification_pending"]);
        assert_eq!(d["reasons"][0]["text"]["kk"], "Жан басына шаққандағы табыс аз қамтылғандық шегінен төмен.");
        // Verified by a case worker, it counts.
        let h: Value = app.post_json("/api/v1/me/household/submit", &json!({}), Some(&token)).await.json().await.unwrap();
        app.post_json("/api/v1/admin/staff", &json!({ "email": "cw@almaty.kz", "password": PASSWORD, "role": "caseworker" }), Some(&admin)).await;
        let (cw, _) = app.sign_in("cw@almaty.kz", PASSWORD).await;
        app.post_json(&format!("/api/v1/households/{}/verify", h["id"].as_str().unwrap()), &json!({ "decision": "verified" }), Some(&cw)).await;
        let d: Value = app.get_as("/api/v1/me/eligibility", &token).await.json().await.unwrap();
        assert_eq!(d[0]["eligible"], true);
        // A new rule version (a lower line) is applied at once and named.
        let mut stricter = programme_body();
        stricter["rules"]["low_income_percent"] = json!(50);
        put(&app, &admin, &format!("/api/v1/programmes/{}", programme["id"].as_str().unwrap()), &stricter).await;
        let d: Value = app.get_as("/api/v1/me/eligibility", &token).await.json().await.unwrap();
        assert_eq!((d[0]["rules_version"].as_i64(), d[0]["eligible"].as_bool()), (Some(2), Some(false)));
        assert_eq!(d[0]["reasons"][0]["code"], "not_low_income");
    }
}
