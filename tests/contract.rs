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

/// The name of every type deriving `ToSchema` in `src/` (or the name its `#[schema(as = …)]`
/// gives), with the file it is in. utoipa names a component after the bare type name, so two
/// types of one name in different modules silently become one component: the contract then
/// describes one of them for both.
fn schema_names() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            while let Some(at) = rest.find("#[derive(") {
                rest = &rest[at..];
                let end = rest.find(")]").unwrap();
                let derives = &rest[..end];
                rest = &rest[end..];
                if !derives.contains("ToSchema") {
                    continue;
                }
                // The item this derive is on: the next `struct` or `enum`.
                let item = ["struct ", "enum "]
                    .iter()
                    .filter_map(|k| rest.find(k).map(|i| (i, k.len())))
                    .min()
                    .unwrap();
                let attributes = &rest[..item.0];
                let name: String = rest[item.0 + item.1..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let renamed = attributes.find("as = ").map(|i| {
                    attributes[i + 5..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect::<String>()
                });
                out.push((renamed.unwrap_or(name), path.display().to_string()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&std::path::Path::new(ROOT).join("src"), &mut out);
    out
}

#[test]
fn every_schema_component_has_its_own_name() {
    let names = schema_names();
    assert!(
        names.iter().any(|(n, _)| n == "OpeningView"),
        "the scan found no schemas: {names:?}"
    );
    let mut seen = std::collections::BTreeMap::<&str, &str>::new();
    let mut clashes = Vec::new();
    for (name, file) in &names {
        if let Some(other) = seen.insert(name, file) {
            clashes.push(format!("{name} in {other} and {file}"));
        }
    }
    assert!(
        clashes.is_empty(),
        "schema components that share a name (rename one, or give it #[schema(as = …)]): {clashes:?}"
    );
    // The renamed calendar session is the contract's, not the attendance one.
    let api = social_jobs::http::openapi();
    let schemas = api.components.unwrap().schemas;
    assert!(schemas.contains_key("OpeningSession") && schemas.contains_key("SessionView"));
}

#[test]
fn common_answers_are_declared_on_every_operation_they_can_come_from() {
    let api = serde_json::to_value(social_jobs::http::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let has = |s: &str| responses.contains_key(s);
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path = params.iter().any(|p| p["in"] == "path");
            let in_query = params.iter().any(|p| p["in"] == "query");
            let body = op.get("requestBody").is_some();
            let signed_in = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let what = format!("{method} {path}");
            if signed_in {
                assert!(has("401") && has("403"), "{what} lacks 401/403");
            }
            if body {
                for s in ["400", "413", "415", "422"] {
                    assert!(has(s), "{what} lacks {s}");
                }
            }
            if in_path {
                assert!(has("404") && has("400"), "{what} lacks 404/400");
            }
            if in_query {
                assert!(has("422"), "{what} lacks 422");
            }
            if path.starts_with("/api/v1/") {
                assert!(has("503"), "{what} lacks 503");
            }
            checked += 1;
        }
    }
    assert!(checked > 60);
}

#[test]
fn request_schemas_are_closed_and_text_admits_no_nul() {
    let api = serde_json::to_value(social_jobs::http::openapi()).unwrap();
    let schemas = &api["components"]["schemas"];
    // The calendar change is a oneOf of closed objects (it was open).
    for variant in schemas["SessionChange"]["oneOf"].as_array().unwrap() {
        assert_eq!(variant["additionalProperties"], false, "{variant}");
    }
    // Anyone may register as a seeker, employer or provider, never as staff.
    let roles = &schemas["RegisterRequest"]["properties"]["role"]["enum"];
    assert_eq!(
        roles,
        &serde_json::json!(["seeker", "employer", "provider"])
    );
    assert_eq!(
        schemas["NewStaff"]["properties"]["role"]["enum"],
        serde_json::json!(["caseworker", "admin"])
    );
    // A free text field says it takes no NUL; a query parameter is never `null`.
    assert_eq!(
        schemas["LoginRequest"]["properties"]["email"]["pattern"],
        "^[^\\u0000]*$"
    );
    let browse = &api["paths"]["/api/v1/openings"]["get"]["parameters"];
    for p in browse.as_array().unwrap() {
        assert!(
            !p["schema"]["type"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "null")),
            "{p}"
        );
    }
}

/// Every `$ref` in the contract names something it defines: a type used only in a query
/// parameter is not collected by utoipa unless registered, and a client generator (or the
/// independent validator in CI) then refuses the whole document.
#[test]
fn every_reference_in_the_contract_resolves() {
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x.as_str()) {
                        ("$ref", Some(r)) => out.push(r.to_owned()),
                        _ => refs(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(social_jobs::http::openapi()).unwrap();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(
        found.len() > 100,
        "too few references found: {}",
        found.len()
    );
    let missing: BTreeSet<&String> = found
        .iter()
        .filter(|r| r.strip_prefix('#').is_none_or(|p| doc.pointer(p).is_none()))
        .collect();
    assert!(missing.is_empty(), "unresolved references: {missing:?}");
}
