//! Contracts kept in files: openapi.yaml matches the routes and is valid OpenAPI; docker-compose.yml
//! sets only settings the service knows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn committed_openapi_matches_the_routes() {
    let generated = social_jobs::http::openapi().to_yaml().unwrap();
    let committed = std::fs::read_to_string(format!("{ROOT}/openapi.yaml")).unwrap_or_default();
    assert!(
        generated == committed,
        "openapi.yaml differs from the routes; regenerate it: cargo run -q -- openapi > openapi.yaml"
    );
}

#[test]
fn openapi_yaml_is_a_valid_openapi_3_document() {
    let text = std::fs::read_to_string(format!("{ROOT}/openapi.yaml")).unwrap();
    let spec = oas3::from_yaml(&text).expect("openapi.yaml is not a valid OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3."));
    let paths = spec.paths.unwrap_or_default();
    for path in ["/health", "/ready", "/metrics", "/openapi.yaml"] {
        assert!(paths.contains_key(path), "{path} is missing");
    }
    let mut operation_ids = BTreeSet::new();
    for (path, item) in &paths {
        for (method, op) in item.methods() {
            let id = op.operation_id.clone().unwrap_or_default();
            assert!(
                operation_ids.insert(id.clone()),
                "operationId {id} of {method} {path} is not unique"
            );
        }
    }
    for (path, item) in &paths {
        for (method, op) in item.methods() {
            assert!(
                !op.responses.as_ref().map(|r| r.is_empty()).unwrap_or(true),
                "{method} {path} has no responses"
            );
        }
    }
}

#[test]
fn docker_compose_sets_only_known_settings() {
    let text = std::fs::read_to_string(format!("{ROOT}/docker-compose.yml")).unwrap();
    let doc: serde_json::Value = yaml_serde::from_str(&text).unwrap();
    let env = doc["services"]["app"]["environment"]
        .as_object()
        .expect("services.app.environment is a map");
    let known: BTreeSet<String> = social_jobs::config::known_env_vars().into_iter().collect();
    assert!(!env.is_empty());
    for key in env.keys() {
        assert!(
            known.contains(key),
            "docker-compose.yml sets {key}, which the service does not read"
        );
    }
    assert!(env.contains_key("DATABASE_URL"));
    assert!(env.contains_key("SJ_JWT_SECRET"));
}

#[test]
fn readme_documents_every_setting() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    let missing: Vec<String> = social_jobs::config::known_env_vars()
        .into_iter()
        .filter(|v| !readme.contains(&format!("`{v}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README's configuration table lacks {missing:?}"
    );
}
