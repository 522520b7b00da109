//! `GET /api/v1/openings` under load, on SQLite and PostgreSQL.
//!
//! `cargo bench --bench openings_browse` seeds a fresh database with `seed-demo`'s data at scale
//! (OPENINGS published openings, default 10,000; SEEKERS seekers, default 100,000), serves the real
//! application on loopback and drives it with `wrk` (apt install wrk) through a Lua script that
//! cycles through typical mobile filters. In the same run it drives a *bare* handler — a plain
//! actix server with no middleware whose handler runs the very same SQL (`browse_rows`) and returns
//! only the ids — so the difference shows what the full handler adds (middleware, validation,
//! organisation names, localisation, JSON shaping). DURATION (seconds, default 10), CONNECTIONS
//! (default 16), BACKENDS (`sqlite,postgres`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::{process::Command, time::Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use common::{Backend, TestDatabase, test_settings};
use social_jobs::{
    demo::{self, DemoScale},
    error::AppError,
    openings::{
        handlers::{BrowseQuery, parse_browse},
        service::browse_rows,
    },
    seekers::service::almaty_today,
    startup::{AppState, Application},
};

/// The filters a phone sends most: first page, a kind in her district, a word, courses with a
/// stipend by deadline, near her, a skill part time.
const CASES: &[(&str, &str)] = &[
    ("newest", "limit=20"),
    ("job+district", "kind=job&district=auezov&limit=20"),
    ("q=швея", "q=швея&limit=20"),
    (
        "course+stipend by deadline",
        "kind=course&has_stipend=true&sort=deadline&limit=20",
    ),
    (
        "near 3 km by distance",
        "near=43.2389,76.8897&radius_km=3&sort=distance&limit=20",
    ),
    ("skill+part time", "skill=тігін&schedule=part_time&limit=20"),
];

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn encode(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            format!(
                "{k}={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The same SQL as `GET /openings`, with nothing around it.
async fn bare(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let q: BrowseQuery =
        serde_urlencoded::from_str(req.query_string()).map_err(|e| AppError::Internal(e.into()))?;
    let browse = parse_browse(q)?;
    let (rows, next) = state
        .db
        .run(move |c| browse_rows(c, &browse, almaty_today()))
        .await?;
    let ids: Vec<&str> = rows.iter().map(|r| r.opening.id.as_str()).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "ids": ids, "next_cursor": next })))
}

struct Run {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: String,
}

fn millis(s: &str) -> f64 {
    let s = s.trim();
    let (n, scale) = if let Some(v) = s.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = s.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 1000.0)
    } else {
        (s, 1.0)
    };
    n.parse::<f64>().unwrap_or(f64::NAN) * scale
}

fn wrk(base: &str, paths: &[String], seconds: usize, connections: usize) -> Run {
    let script = std::env::temp_dir().join(format!("sj-wrk-{}.lua", std::process::id()));
    let list = paths
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        &script,
        format!(
            "local paths = {{ {list} }}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1], {{ [\"Accept-Language\"] = \"ru\" }})\nend\n"
        ),
    )
    .unwrap();
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
            script.to_str().unwrap(),
            base,
        ])
        .output()
        .expect("wrk is needed: apt install wrk");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let find = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
            .unwrap_or_default()
    };
    let errors = [find("Non-2xx or 3xx responses:"), find("Socket errors:")]
        .into_iter()
        .filter(|e| !e.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    Run {
        rps: find("Requests/sec:").parse().unwrap_or(0.0),
        p50_ms: millis(&find("50%")),
        p99_ms: millis(&find("99%")),
        errors,
    }
}

async fn run(backend: Backend, openings: u32, seekers: u32, seconds: usize, connections: usize) {
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    settings.log_level = "error".into();
    settings.http_workers = 2;
    let (state, _) = AppState::build(settings.clone(), social_jobs::clock::Clock::system())
        .await
        .unwrap();
    let started = Instant::now();
    let report = demo::seed(
        &state.db,
        &DemoScale {
            seekers,
            openings,
            ..DemoScale::default()
        },
        false,
    )
    .await
    .unwrap();
    println!(
        "{backend:?}: seeded {} openings and {} accounts in {:.0} s",
        report.openings,
        report.accounts,
        started.elapsed().as_secs_f64()
    );

    let app = Application::build(settings, social_jobs::clock::Clock::system())
        .await
        .unwrap();
    let full_port = app.port();
    tokio::spawn(app.run_until_stopped());
    // AppState::build hands out the state already wrapped for actix.
    let bare_state = state;
    let bare_server = HttpServer::new(move || {
        App::new()
            .app_data(bare_state.clone())
            .route("/bare", web::get().to(bare))
    })
    .workers(2)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let bare_port = bare_server.addrs()[0].port();
    tokio::spawn(bare_server.run());

    // Both answer each case with the same openings.
    let client = reqwest::Client::new();
    for (name, q) in CASES {
        let full: serde_json::Value = client
            .get(format!(
                "http://127.0.0.1:{full_port}/api/v1/openings?{}",
                encode(q)
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let bare: serde_json::Value = client
            .get(format!("http://127.0.0.1:{bare_port}/bare?{}", encode(q)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let full_ids: Vec<&str> = full["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        let bare_ids: Vec<&str> = bare["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap())
            .collect();
        assert_eq!(full_ids, bare_ids, "{name}");
        assert!(
            !full_ids.is_empty(),
            "{name} finds nothing in the seeded set"
        );
    }

    let full_paths: Vec<String> = CASES
        .iter()
        .map(|(_, q)| format!("/api/v1/openings?{}", encode(q)))
        .collect();
    let bare_paths: Vec<String> = CASES
        .iter()
        .map(|(_, q)| format!("/bare?{}", encode(q)))
        .collect();
    let line = |what: &str, r: &Run| {
        println!(
            "{:<8} {what:<34} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms{}",
            format!("{backend:?}"),
            r.rps,
            r.p50_ms,
            r.p99_ms,
            if r.errors.is_empty() {
                String::new()
            } else {
                format!("  ({})", r.errors)
            }
        );
    };
    let base_full = format!("http://127.0.0.1:{full_port}");
    let base_bare = format!("http://127.0.0.1:{bare_port}");
    let mix_full = wrk(&base_full, &full_paths, seconds, connections);
    line("GET /openings, mixed filters", &mix_full);
    let mix_bare = wrk(&base_bare, &bare_paths, seconds, connections);
    line("bare handler, same SQL, mixed", &mix_bare);
    for (i, (name, _)) in CASES.iter().enumerate() {
        let r = wrk(
            &base_full,
            &full_paths[i..=i],
            seconds.div_ceil(3),
            connections,
        );
        line(&format!("  GET /openings {name}"), &r);
    }
    drop(db);
}

fn main() {
    let openings = env_or("OPENINGS", 10_000) as u32;
    let seekers = env_or("SEEKERS", 100_000) as u32;
    let seconds = env_or("DURATION", 10);
    let connections = env_or("CONNECTIONS", 16);
    let backends = std::env::var("BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for b in backends.split(',') {
            let backend = match b.trim() {
                "sqlite" => Backend::Sqlite,
                "postgres" => Backend::Postgres,
                other => panic!("unknown backend {other}"),
            };
            run(backend, openings, seekers, seconds, connections).await;
        }
    });
}
