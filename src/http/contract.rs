//! What the contract says beyond what each route declares: the statuses every operation of a kind
//! can answer, and the rules every request obeys (no NUL in any text, no unknown fields in any
//! body, query parameters that are absent rather than null). Applied once to the description
//! generated from the routes, so that no route can forget them.

use serde_json::{Value, json};
use utoipa::openapi::OpenApi;

use super::API_BASE;

/// The description generated from the routes, completed with what holds for all of them.
pub fn complete(mut api: OpenApi) -> OpenApi {
    utoipa::Modify::modify(&CommonResponses, &mut api);
    let Ok(mut doc) = serde_json::to_value(&api) else {
        return api;
    };
    tighten(&mut doc);
    match serde_json::from_value(doc) {
        Ok(done) => done,
        Err(e) => {
            // Cannot happen for what `tighten` writes; the contract test would show the loss.
            tracing::error!(error = %e, "the contract's request rules could not be applied");
            api
        }
    }
}

/// The answers any operation of a kind can give, declared once rather than by hand per route: a
/// route's own description of a status (more specific) is kept. Schemathesis's status-code
/// conformance is what keeps this honest.
///
/// - signed-in operations: 401 (no valid token), 403 (the caller's role or organisation may not);
/// - operations with path or query parameters or a body: 400 (a NUL in the address, or a body that
///   is not JSON), 422 (a parameter or field out of range or of the wrong form);
/// - operations with path parameters: 404 (nothing by that id, or one the caller may not see);
/// - operations with a body: 413 (larger than the limit), 415 (not the content type described);
/// - every operation on the database (`/api/v1/…`): 503 with `Retry-After`.
pub struct CommonResponses;

impl CommonResponses {
    const ALL: [(&'static str, &'static str, &'static str); 8] = [
        (
            "400",
            "BadRequest",
            "Malformed request: a body that is not valid JSON, or a NUL in the address",
        ),
        ("401", "Unauthorized", "No valid access token was sent"),
        (
            "403",
            "Forbidden",
            "The caller's role or organisation may not do this",
        ),
        (
            "404",
            "NotFound",
            "No such resource, or one the caller may not see",
        ),
        (
            "413",
            "PayloadTooLarge",
            "The body is larger than the service accepts",
        ),
        (
            "415",
            "UnsupportedMediaType",
            "The body is not of the content type described",
        ),
        (
            "422",
            "Unprocessable",
            "A parameter or field is missing, of the wrong form or out of range (`errors` names each)",
        ),
        (
            "503",
            "Unavailable",
            "The database cannot be reached now; try again after `Retry-After` seconds",
        ),
    ];
}

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            ContentBuilder, Ref, ResponseBuilder, header::HeaderBuilder, path::ParameterIn,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        for (status, name, description) in Self::ALL {
            let mut response = ResponseBuilder::new().description(description).content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ProblemBody")))
                    .build(),
            );
            if status == "503" {
                response = response.header(
                    "Retry-After",
                    HeaderBuilder::new()
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::Integer),
                        ))
                        .description(Some("Seconds to wait before trying again"))
                        .build(),
                );
            }
            components
                .responses
                .insert(name.to_owned(), response.build().into());
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with(API_BASE);
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let signed_in = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let params = op.parameters.iter().flatten();
                let (mut in_path, mut in_query) = (false, false);
                for p in params {
                    if let utoipa::openapi::RefOr::T(p) = p {
                        in_path |= p.parameter_in == ParameterIn::Path;
                        in_query |= p.parameter_in == ParameterIn::Query;
                    }
                }
                let body = op.request_body.is_some();
                for (status, name, _) in Self::ALL {
                    let applies = match status {
                        "400" => in_path || in_query || body,
                        "401" | "403" => signed_in,
                        "404" => in_path,
                        "413" | "415" => body,
                        "422" => in_query || body,
                        "503" => api,
                        _ => false,
                    };
                    if applies {
                        op.responses
                            .responses
                            .entry(status.to_owned())
                            .or_insert_with(|| Ref::from_response_name(name).into());
                    }
                }
            }
        }
    }
}

/// A text the service accepts: anything but NUL, which the service refuses in every field,
/// parameter and path (PostgreSQL cannot store it).
const NO_NUL: &str = "^[^\\u0000]*$";

/// The request rules, written into the schemas: strings hold no NUL; objects a client sends admit
/// no other fields (every request body is read with unknown fields refused); a query or path
/// parameter is a value or absent, never `null`.
fn tighten(doc: &mut Value) {
    let mut sent = std::collections::BTreeSet::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                let params = op.get_mut("parameters").and_then(Value::as_array_mut);
                for p in params.into_iter().flatten() {
                    let Some(schema) = p.get_mut("schema") else {
                        continue;
                    };
                    if let Some(types) = schema.get_mut("type").and_then(Value::as_array_mut) {
                        types.retain(|t| t != "null");
                        if types.len() == 1 {
                            let only = types[0].clone();
                            schema["type"] = only;
                        }
                    }
                    no_nul(schema);
                }
                let contents = op
                    .get_mut("requestBody")
                    .and_then(|b| b.get_mut("content"))
                    .and_then(Value::as_object_mut);
                for content in contents.into_iter().flat_map(|c| c.values_mut()) {
                    if let Some(schema) = content.get_mut("schema") {
                        refs(schema, &mut sent);
                        closed(schema);
                    }
                }
            }
        }
    }
    let Some(schemas) = doc.get_mut("components").and_then(|c| c.get_mut("schemas")) else {
        return;
    };
    // Every schema a request body reaches, through references.
    let mut todo: Vec<String> = sent.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let mut found = std::collections::BTreeSet::new();
        if let Some(schema) = schemas.get(&name) {
            refs(schema, &mut found);
        }
        for f in found {
            if sent.insert(f.clone()) {
                todo.push(f);
            }
        }
    }
    if let Some(all) = schemas.as_object_mut() {
        for (name, schema) in all.iter_mut() {
            no_nul_deep(schema);
            if sent.contains(name) {
                closed(schema);
            }
        }
    }
}

/// The component names `schema` refers to.
fn refs(schema: &Value, out: &mut std::collections::BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str)
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                out.insert(name.to_owned());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

fn is_string(schema: &Value) -> bool {
    schema["type"] == "string"
        || schema["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "string"))
}

/// A plain string schema (no format, enum or pattern of its own) admits no NUL.
fn no_nul(schema: &mut Value) {
    let plain = is_string(schema)
        && ["format", "enum", "pattern", "const"]
            .iter()
            .all(|k| schema.get(k).is_none());
    if plain {
        schema["pattern"] = json!(NO_NUL);
    }
}

fn no_nul_deep(schema: &mut Value) {
    no_nul(schema);
    match schema {
        Value::Object(map) => map.values_mut().for_each(no_nul_deep),
        Value::Array(items) => items.iter_mut().for_each(no_nul_deep),
        _ => {}
    }
}

/// Objects with named properties (and the variants of a `oneOf`) admit no other fields.
fn closed(schema: &mut Value) {
    if let Some(map) = schema.as_object_mut() {
        if map.contains_key("properties") && !map.contains_key("additionalProperties") {
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for v in map
                .get_mut(key)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                closed(v);
            }
        }
    }
}
