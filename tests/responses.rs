//! Real answers match the contract: on the demo data, every GET operation that answers JSON is
//! called as each role (and signed out) with ids taken from earlier answers, and every 2xx body
//! is validated against the schema `openapi.yaml` declares for that operation and status, with
//! `$ref`s resolved to the components. A schema describing another type (two types of one name
//! collapsed into one component), a required field missing or a wrong type fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{TestApp, spawn_app};
use serde_json::Value;
use social_jobs::demo::{DEMO_DOMAIN, DEMO_PASSWORD, DemoScale};

/// The committed contract, as served.
fn contract() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    yaml_serde::from_str(&text).unwrap()
}

/// Validators of the JSON answers of every GET operation: (template, status) → validator.
fn validators(api: &Value) -> BTreeMap<(String, String), jsonschema::Validator> {
    let mut out = BTreeMap::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        let Some(responses) = item["get"]["responses"].as_object() else {
            continue;
        };
        for (status, response) in responses {
            let mut response = response.clone();
            if let Some(r) = response["$ref"].as_str() {
                let name = r.trim_start_matches("#/components/responses/");
                response = api["components"]["responses"][name].clone();
            }
            let Some(schema) = response["content"]["application/json"]["schema"].as_object() else {
                continue;
            };
            // The operation's schema as the root of a document that also holds the components,
            // so that `#/components/schemas/…` resolves.
            let mut root = schema.clone();
            root.insert("components".into(), api["components"].clone());
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&Value::Object(root))
                .unwrap_or_else(|e| {
                    panic!("the schema of GET {path} {status} does not compile: {e}")
                });
            out.insert((path.clone(), status.clone()), validator);
        }
    }
    out
}

struct Checker {
    validators: BTreeMap<(String, String), jsonschema::Validator>,
    /// Operations (templates) with at least one 2xx answer validated.
    checked: BTreeSet<String>,
    answers: usize,
}

impl Checker {
    /// GETs `url` (an instance of `template`) as `token` and validates a 2xx JSON answer;
    /// returns it.
    async fn get(
        &mut self,
        app: &TestApp,
        token: Option<&str>,
        template: &str,
        url: &str,
    ) -> Option<Value> {
        let mut req = app.client.get(app.url(url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let json = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !status.is_success() || !json {
            return None;
        }
        let body: Value = res.json().await.unwrap();
        let validator = self
            .validators
            .get(&(template.to_owned(), status.as_str().to_owned()))
            .unwrap_or_else(|| panic!("GET {template} answered {status}, which the contract does not describe with a JSON body"));
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(
            errors.is_empty(),
            "GET {url} ({status}) does not match the contract: {errors:#?}\n{body:#}"
        );
        self.checked.insert(template.to_owned());
        self.answers += 1;
        Some(body)
    }
}

/// Values of `key` anywhere in `v`.
fn all(v: &Value, key: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == key
                    && let Some(s) = x.as_str()
                {
                    out.insert(s.to_owned());
                }
                all(x, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| all(x, key, out)),
        _ => {}
    }
}

fn ids_of(v: &Value, key: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    all(v, key, &mut out);
    out
}

/// A body with one field no request has, and the tag of the first variant of a `oneOf` (so that
/// a tagged enum reads on to the unknown field).
fn body_with_unknown_field(api: &Value, schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(r) = schema["$ref"].as_str() {
        schema =
            api["components"]["schemas"][r.trim_start_matches("#/components/schemas/")].clone();
    }
    let mut body = serde_json::Map::new();
    if let Some(first) = schema["oneOf"].as_array().and_then(|v| v.first()) {
        for (name, p) in first["properties"].as_object().unwrap() {
            if let Some([tag]) = p["enum"].as_array().map(Vec::as_slice) {
                body.insert(name.clone(), tag.clone());
            }
        }
    }
    body.insert("zz_not_a_field".into(), Value::from(1));
    Value::Object(body)
}

backend_tests! {
    async fn every_json_request_body_refuses_a_field_the_contract_does_not_name(backend: Backend) {
        // The contract closes every request object (`additionalProperties: false`); the service
        // must hold to it, or clients would send misspelt fields that are silently dropped.
        let app = spawn_app(backend).await;
        let (_, admin) = app.admin().await;
        let api = contract();
        let mut checked = 0;
        for (path, item) in api["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema") else { continue };
                let url = app.url(&path.replace("{id}", "x").replace("{period}", "2026-01").replace("{name}", "x"));
                let body = body_with_unknown_field(&api, schema);
                let req = match method.as_str() {
                    "post" => app.client.post(url),
                    "put" => app.client.put(url),
                    "patch" => app.client.patch(url),
                    other => panic!("{other}"),
                };
                let res = req.bearer_auth(&admin).json(&body).send().await.unwrap();
                let status = res.status();
                let problem: Value = res.json().await.unwrap();
                assert_eq!(status, 422, "{method} {path} took {body}: {problem}");
                assert!(problem["errors"]["zz_not_a_field"].is_string(), "{method} {path}: {problem}");
                checked += 1;
            }
        }
        assert!(checked >= 20, "{checked}");
    }

    async fn every_json_answer_of_every_get_matches_the_contract(backend: Backend) {
        let app = spawn_app(backend).await;
        social_jobs::demo::seed(&app.store, &DemoScale { seekers: 10, openings: 12, ..Default::default() }, false).await.unwrap();
        let api = contract();
        let mut c = Checker { validators: validators(&api), checked: BTreeSet::new(), answers: 0 };
        let mut roles: Vec<(String, Option<String>)> = vec![("signed out".into(), None)];
        for who in ["admin", "caseworker", "employer.tazalyq", "provider.college", "provider.bolashak"] {
            roles.push((who.into(), Some(app.sign_in(&format!("{who}@{DEMO_DOMAIN}"), DEMO_PASSWORD).await.0)));
        }
        // Every demo seeker: some have offers, some enrollments and payouts.
        for n in 1..=10 {
            let who = format!("seeker{n}");
            roles.push((who.clone(), Some(app.sign_in(&format!("{who}@{DEMO_DOMAIN}"), DEMO_PASSWORD).await.0)));
        }
        // A seeker with no profile and no household yet.
        let (_, fresh, _) = app.verified_account("fresh@example.kz", "seeker").await;
        roles.push(("a new seeker".into(), Some(fresh)));

        let plain: Vec<String> = api["paths"].as_object().unwrap().iter()
            .filter(|(p, item)| !p.contains('{') && item["get"].is_object())
            .map(|(p, _)| p.clone())
            .collect();
        // What the answers name, to fill in the templates.
        let mut found: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let collect = |body: &Value, found: &mut BTreeMap<&str, BTreeSet<String>>| {
            for key in ["opening_id", "course_id", "round_id", "enrollment_id", "batch_id", "programme_id", "session_id"] {
                found.entry(key).or_default().extend(ids_of(body, key));
            }
        };
        for (_, token) in &roles {
            for path in &plain {
                let query = match path.as_str() {
                    "/api/v1/households" => "?status=verified",
                    "/api/v1/openings" => "?limit=100",
                    "/api/v1/people" => "?q=%D2%9B%D1%8B%D0%B7%D1%8B",
                    _ => "",
                };
                if let Some(body) = c.get(&app, token.as_deref(), path, &format!("{path}{query}")).await {
                    collect(&body, &mut found);
                    if path == "/api/v1/openings" {
                        found.entry("opening_id").or_default().extend(ids_of(&body["items"], "id"));
                    }
                    if path == "/api/v1/me/enrollments" {
                        found.entry("enrollment_id").or_default().extend(ids_of(&body, "id"));
                    }
                    if path == "/api/v1/programmes" {
                        found.entry("programme_id").or_default().extend(ids_of(&body, "id"));
                    }
                    if path == "/api/v1/me" {
                        found.entry("organisation_id").or_default().extend(ids_of(&body["organisation"], "id"));
                    }
                }
            }
        }
        // Courses' calendars name the sessions.
        for (_, token) in &roles {
            for course in found.get("course_id").cloned().unwrap_or_default() {
                if let Some(body) = c.get(&app, token.as_deref(), "/api/v1/courses/{id}/sessions", &format!("/api/v1/courses/{course}/sessions")).await {
                    found.entry("session_id").or_default().extend(ids_of(&body, "id"));
                }
            }
        }
        // The case worker's list of batches names them.
        let admin_token = roles.iter().find(|(who, _)| who == "admin").and_then(|(_, t)| t.clone()).unwrap();
        let page = c.get(&app, Some(&admin_token), "/api/v1/payout-batches", "/api/v1/payout-batches").await.unwrap();
        let batches = ids_of(&page["items"], "id");
        assert!(!batches.is_empty(), "the demo's batch is not listed: {page}");
        found.entry("batch_id").or_default().extend(batches);
        // A request to be erased (the demo has none), as she sees it.
        let asking = roles.iter().find(|(who, _)| who == "seeker2").and_then(|(_, t)| t.clone()).unwrap();
        let res = app.post_json("/api/v1/me/erasure-request", &serde_json::json!({ "reason": "leaving" }), Some(&asking)).await;
        assert_eq!(res.status(), 201);
        c.get(&app, Some(&asking), "/api/v1/me/erasure-request", "/api/v1/me/erasure-request").await.unwrap();
        c.get(&app, Some(&admin_token), "/api/v1/erasure-requests", "/api/v1/erasure-requests").await.unwrap();
        let templates: Vec<(&str, &str)> = vec![
            ("/api/v1/openings/{id}", "opening_id"),
            ("/api/v1/openings/{id}/applications", "opening_id"),
            ("/api/v1/openings/{id}/placements", "opening_id"),
            ("/api/v1/matching-rounds/{id}", "round_id"),
            ("/api/v1/matching-rounds/{id}/results", "round_id"),
            ("/api/v1/me/enrollments/{id}/attendance", "enrollment_id"),
            ("/api/v1/sessions/{id}/attendance", "session_id"),
            ("/api/v1/organisations/{id}", "organisation_id"),
            ("/api/v1/payout-batches/{id}", "batch_id"),
            ("/api/v1/programmes/{id}", "programme_id"),
            ("/api/v1/programmes/{id}/versions", "programme_id"),
            ("/api/v1/courses/{id}/enrollments", "course_id"),
        ];
        for (template, key) in &templates {
            let ids = found.get(key).cloned().unwrap_or_default();
            assert!(!ids.is_empty(), "no {key} was found for {template}");
            for (_, token) in &roles {
                for id in &ids {
                    c.get(&app, token.as_deref(), template, &template.replace("{id}", id)).await;
                }
            }
        }
        // Every GET operation that answers JSON was checked with a real answer, but for these:
        let unchecked: BTreeSet<&str> = [
            // Answers text (Prometheus, YAML, CSV), not JSON.
            "/metrics", "/openapi.yaml", "/api/v1/payout-batches/{id}/export",
        ].into_iter().collect();
        let every: Vec<&String> = api["paths"].as_object().unwrap().iter()
            .filter(|(_, item)| item["get"].is_object())
            .map(|(p, _)| p)
            .filter(|p| !unchecked.contains(p.as_str()))
            .collect();
        let missed: Vec<&&String> = every.iter().filter(|p| !c.checked.contains(p.as_str())).collect();
        assert!(missed.is_empty(), "GET operations with no answer checked: {missed:?}");
        assert!(c.answers > 200, "{}", c.answers);
    }
}
