//! The service's foundation on both backends: health, readiness, docs, metrics, and every kind of
//! bad input answered with its status and an RFC 9457 problem.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use actix_web::{HttpResponse, test as atest, web};
use common::{Backend, TestDatabase, spawn_app, test_settings};
use serde_json::Value;
use social_jobs::{
    error::AppError,
    http::{app_with, extract::Json},
    startup::AppState,
};
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Household {
    name: String,
    minors: u8,
}

async fn echo(body: Json<Household>) -> HttpResponse {
    HttpResponse::Ok().json(&body.0)
}

async fn fail() -> Result<HttpResponse, AppError> {
    Err(AppError::Internal(anyhow::anyhow!(
        "secret cause: IIN 791028302728"
    )))
}

async fn hold_connection(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state
        .db
        .run(|_| {
            std::thread::sleep(Duration::from_millis(1500));
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(HttpResponse::Ok().finish())
}

async fn use_connection(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db.ping().await?;
    Ok(HttpResponse::Ok().finish())
}

fn probes(cfg: &mut ServiceConfig) {
    cfg.route("/probe/echo", web::post().to(echo))
        .route("/probe/fail", web::get().to(fail))
        .route("/probe/hold", web::get().to(hold_connection))
        .route("/probe/use", web::get().to(use_connection));
}

/// The real app stack with probe routes, on an in-process service.
macro_rules! probe_app {
    ($backend:expr, $settings:expr) => {{
        let db = TestDatabase::migrated($backend).await;
        let mut settings = test_settings(&db);
        $settings(&mut settings);
        let (state, _) = AppState::build(settings, common::clock().clone())
            .await
            .unwrap();
        (atest::init_service(app_with(state, probes)).await, db)
    }};
}

async fn problem<B: actix_web::body::MessageBody>(
    res: actix_web::dev::ServiceResponse<B>,
) -> (u16, Value) {
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ct, "application/problem+json", "status {status}");
    let body: Value = serde_json::from_slice(&atest::read_body(res).await).unwrap();
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().unwrap().starts_with("https://"));
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    (status, body)
}

fn no_settings(_: &mut social_jobs::config::Settings) {}

backend_tests! {
    async fn health_and_ready_answer_200(backend: Backend) {
        let app = spawn_app(backend).await;
        let res = app.get("/health").await;
        assert_eq!(res.status(), 200);
        assert!(res.headers().contains_key("x-request-id"));
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "ok");
        let res = app.get("/ready").await;
        assert_eq!(res.status(), 200);
        let expected = match backend { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" };
        assert_eq!(res.json::<Value>().await.unwrap()["database"], expected);
    }

    async fn docs_page_and_its_assets_are_served_by_the_binary(backend: Backend) {
        let app = spawn_app(backend).await;
        let page = app.get("/docs/").await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("swagger-ui"), "{html}");
        for asset in ["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/swagger-initializer.js"] {
            let res = app.get(asset).await;
            assert_eq!(res.status(), 200, "{asset}");
        }
        let init = app.get("/docs/swagger-initializer.js").await.text().await.unwrap();
        assert!(init.contains("/docs/openapi.json"), "{init}");
        let spec: Value = app.get("/docs/openapi.json").await.json().await.unwrap();
        assert!(spec["paths"]["/health"].is_object());
        let yaml = app.get("/openapi.yaml").await;
        assert_eq!(yaml.status(), 200);
        let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
        assert!(yaml.text().await.unwrap() == committed, "/openapi.yaml is not the committed openapi.yaml");
    }

    async fn metrics_count_requests_by_route_and_show_the_pool(backend: Backend) {
        let app = spawn_app(backend).await;
        app.get("/health").await;
        app.get("/ready").await;
        app.get("/no/such/route").await;
        let text = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth(common::TEST_METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(text.contains(r#"sj_http_requests_total{method="GET",route="/health",status="200"} 1"#), "{text}");
        assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
        assert!(text.contains("sj_http_request_duration_seconds_bucket"), "{text}");
        assert!(text.contains(r#"sj_db_pool_connections{state="idle"}"#), "{text}");
    }

    async fn metrics_are_served_only_to_the_configured_token(backend: Backend) {
        let app = spawn_app(backend).await;
        let metrics = |token: Option<&str>| {
            let mut req = app.client.get(app.url("/metrics"));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send()
        };
        assert_eq!(metrics(None).await.unwrap().status(), 401);
        assert_eq!(metrics(Some("test-metrics-token-012345678")).await.unwrap().status(), 401);
        // A signed-in admin's own token is not the scraper's.
        let (_, admin) = app.admin().await;
        let res = metrics(Some(&admin)).await.unwrap();
        assert_eq!(res.status(), 401);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        assert_eq!(metrics(Some(common::TEST_METRICS_TOKEN)).await.unwrap().status(), 200);

        // Without a configured token the route is not served at all.
        let db = common::TestDatabase::migrated(backend).await;
        let mut settings = common::test_settings(&db);
        settings.metrics_token = secrecy::SecretString::from(String::new());
        let bare = common::spawn_with(db, settings).await;
        assert_eq!(bare.get("/metrics").await.status(), 404);
        let res = bare.client.get(bare.url("/metrics")).bearer_auth(common::TEST_METRICS_TOKEN).send().await.unwrap();
        assert_eq!(res.status(), 404);
    }

    async fn unknown_route_is_404_problem(backend: Backend) {
        let app = spawn_app(backend).await;
        let res = app.client.get(app.url("/api/v1/nothing-here")).header("accept-language", "kk").send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["title"], "Табылмады");
    }

    async fn wrong_method_is_405_with_allow(backend: Backend) {
        let app = spawn_app(backend).await;
        let res = app.client.delete(app.url("/ready")).header("accept-language", "ru-RU,ru;q=0.9").send().await.unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "GET");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], 405);
        assert_eq!(body["title"], "Метод не разрешён");
    }

    async fn malformed_json_is_400(backend: Backend) {
        let (app, _db) = probe_app!(backend, no_settings);
        let req = atest::TestRequest::post().uri("/probe/echo")
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"name\": \"Айгүл\", ").to_request();
        let (status, body) = problem(atest::call_service(&app, req).await).await;
        assert_eq!(status, 400);
        assert!(body["detail"].as_str().unwrap().contains("line 1"), "{body}");
    }

    async fn wrong_content_type_is_415(backend: Backend) {
        let (app, _db) = probe_app!(backend, no_settings);
        let req = atest::TestRequest::post().uri("/probe/echo")
            .insert_header(("content-type", "text/plain"))
            .set_payload(r#"{"name":"A","minors":4}"#).to_request();
        let (status, body) = problem(atest::call_service(&app, req).await).await;
        assert_eq!(status, 415);
        assert!(body["detail"].as_str().unwrap().contains("application/json"));
        // No content type at all is the same problem.
        let req = atest::TestRequest::post().uri("/probe/echo").set_payload(r#"{"name":"A","minors":4}"#).to_request();
        assert_eq!(problem(atest::call_service(&app, req).await).await.0, 415);
    }

    async fn oversized_body_is_413(backend: Backend) {
        let (app, _db) = probe_app!(backend, |s: &mut social_jobs::config::Settings| s.max_body_bytes = 2048);
        let big = format!(r#"{{"name":"{}","minors":4}}"#, "а".repeat(4000));
        let req = atest::TestRequest::post().uri("/probe/echo")
            .insert_header(("content-type", "application/json"))
            .set_payload(big).to_request();
        let (status, body) = problem(atest::call_service(&app, req).await).await;
        assert_eq!(status, 413);
        assert!(body["detail"].as_str().unwrap().contains("2048"), "{body}");
        // Within the limit the same route works.
        let req = atest::TestRequest::post().uri("/probe/echo")
            .insert_header(("content-type", "application/json; charset=utf-8"))
            .set_payload(r#"{"name":"Айгүл","minors":4}"#).to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(res.status(), 200);
    }

    async fn invalid_fields_are_422_with_field_errors(backend: Backend) {
        let (app, _db) = probe_app!(backend, no_settings);
        let cases = [
            (r#"{"name":"A","minors":"791028302728"}"#, "minors", "The value has the wrong type or format."),
            (r#"{"name":"A"}"#, "minors", "This field is required."),
            (r#"{"name":"A","minors":4,"iin":"791028302728"}"#, "iin", "This field is not known."),
            (r#""just a string""#, "body", "The value has the wrong type or format."),
        ];
        for (payload, field, message) in cases {
            let req = atest::TestRequest::post().uri("/probe/echo")
                .insert_header(("content-type", "application/json"))
                .set_payload(payload).to_request();
            let (status, body) = problem(atest::call_service(&app, req).await).await;
            assert_eq!(status, 422, "{payload}");
            assert_eq!(body["errors"][field], message, "{payload}: {body}");
            assert!(!body.to_string().contains("791028302728"), "the value was echoed: {body}");
        }
        let req = atest::TestRequest::post().uri("/probe/echo")
            .insert_header(("content-type", "application/json"))
            .insert_header(("accept-language", "ru"))
            .set_payload(r#"{"name":"A"}"#).to_request();
        let (_, body) = problem(atest::call_service(&app, req).await).await;
        assert_eq!(body["errors"]["minors"], "Это поле обязательно.");
    }

    async fn internal_errors_are_opaque_500s_with_the_request_id(backend: Backend) {
        let (app, _db) = probe_app!(backend, no_settings);
        let req = atest::TestRequest::get().uri("/probe/fail").to_request();
        let res = atest::call_service(&app, req).await;
        let request_id = res.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
        let (status, body) = problem(res).await;
        assert_eq!(status, 500);
        let text = body.to_string();
        assert!(!text.contains("secret cause") && !text.contains("791028302728"), "{text}");
        assert!(body["detail"].as_str().unwrap().contains(&request_id), "{text}");
    }

    async fn exhausted_pool_answers_503_with_retry_after_quickly(backend: Backend) {
        let (app, _db) = probe_app!(backend, |s: &mut social_jobs::config::Settings| {
            s.db_pool_size = 1;
            s.db_acquire_timeout_ms = 300;
        });
        let hold = atest::call_service(&app, atest::TestRequest::get().uri("/probe/hold").to_request());
        let use_while_held = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let started = std::time::Instant::now();
            let res = atest::call_service(&app, atest::TestRequest::get().uri("/probe/use").to_request()).await;
            (res, started.elapsed())
        };
        let (held, (res, waited)) = futures_util::join!(hold, use_while_held);
        assert_eq!(res.headers().get("retry-after").unwrap(), "1");
        let (status, _) = problem(res).await;
        assert_eq!(status, 503);
        assert!(waited < Duration::from_secs(1), "waited {waited:?}");
        assert_eq!(held.status(), 200);
        // Once the connection is back, the same request succeeds.
        let res = atest::call_service(&app, atest::TestRequest::get().uri("/probe/use").to_request()).await;
        assert_eq!(res.status(), 200);
    }
}
