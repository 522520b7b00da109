//! `GET /api/v1/openings` under load, on SQLite and PostgreSQL.
//!
//! `cargo bench --bench openings_browse` seeds a fresh database with `seed-demo`'s data at scale
//! (OPENINGS published openings, default 10,000; SEEKERS seekers, default 20,000: the browse
//! reads no seeker) and drives three sides with `wrk` (apt install wrk) through a Lua script that
//! cycles through typical mobile filters:
//! - `cache on`: the real `serve` binary, as deployed (its own process, so its memory is its own:
//!   peak resident memory is read from `/proc/<pid>/status`);
//! - `cache off`: the same with `SJ_BROWSE_CACHE_BYTES=0`;
//! - `bare`: a plain actix server in this process with no middleware whose handler runs the very
//!   same SQL (`browse_rows`) and returns only the ids: what the database work alone allows.
//!
//! The sides alternate (on, off, bare, on, off, bare, …) ROUNDS times (default 2), each run being
//! the mix for DURATION seconds (default 10) then each filter alone for half that; the table gives
//! medians. CONNECTIONS (default 16), BACKENDS (`sqlite,postgres`), SIDES (`on,off,bare`).
//! SERVE_ENV adds environment to the served process (`MALLOC_ARENA_MAX=2
//! PGOPTIONS=-cplan_cache_mode=force_custom_plan`, say); SERVE_BIN runs another build of the
//! binary (an older one, to compare: with SIDES=on, as it knows no `SJ_BROWSE_CACHE_BYTES`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    collections::BTreeMap,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

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
    startup::AppState,
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

const MIX: &str = "mix of the six";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    CacheOn,
    CacheOff,
    Bare,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::CacheOn => "cache on",
            Side::CacheOff => "cache off",
            Side::Bare => "bare",
        }
    }
}

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
        errors,
    }
}

/// A field of `/proc/<pid>/status` in MB (`VmHWM`: peak resident memory so far; `VmRSS`).
fn status_mb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The `serve` binary on `url`, on a free port, until dropped.
struct Served {
    child: Child,
    port: u16,
}

impl Served {
    async fn start(url: &str, cache: bool) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bin = std::env::var("SERVE_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_social-jobs").to_owned());
        let data = tempfile::tempdir().unwrap().keep();
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", url)
            .env("SJ_PORT", port.to_string())
            .env("SJ_DATA_DIR", data)
            .env("SJ_HTTP_WORKERS", "2")
            .env("SJ_WORKERS", "0")
            .env("SJ_LOG_LEVEL", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if !cache {
            cmd.env("SJ_BROWSE_CACHE_BYTES", "0");
        }
        for pair in std::env::var("SERVE_ENV")
            .unwrap_or_default()
            .split_whitespace()
        {
            if let Some((k, v)) = pair.split_once('=') {
                cmd.env(k, v);
            }
        }
        let child = cmd.spawn().expect("starting the service");
        let served = Served { child, port };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let ok = client
                .get(format!("http://127.0.0.1:{port}/health"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return served;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the service did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

async fn ids(client: &reqwest::Client, url: String, field: &str) -> Vec<String> {
    let v: serde_json::Value = client.get(url).send().await.unwrap().json().await.unwrap();
    v[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let id = if field == "items" { &i["id"] } else { i };
            id.as_str().unwrap().to_owned()
        })
        .collect()
}

struct Opts {
    sides: Vec<Side>,
    openings: u32,
    seekers: u32,
    seconds: usize,
    connections: usize,
    rounds: usize,
}

async fn run(backend: Backend, o: &Opts) {
    let db = TestDatabase::migrated(backend).await;
    let mut settings = test_settings(&db);
    settings.log_level = "error".into();
    settings.http_workers = 2;
    // As the served process has by default.
    settings.db_pool_size = 8;
    let (state, _) = AppState::build(settings.clone(), social_jobs::clock::Clock::system())
        .await
        .unwrap();
    let started = Instant::now();
    let report = demo::seed(
        &state.db,
        &DemoScale {
            seekers: o.seekers,
            openings: o.openings,
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
    {
        let served = Served::start(&db.url, true).await;
        for (name, q) in CASES {
            let full = ids(
                &client,
                format!(
                    "http://127.0.0.1:{}/api/v1/openings?{}",
                    served.port,
                    encode(q)
                ),
                "items",
            )
            .await;
            let bare = ids(
                &client,
                format!("http://127.0.0.1:{bare_port}/bare?{}", encode(q)),
                "ids",
            )
            .await;
            assert_eq!(full, bare, "{name}");
            assert!(!full.is_empty(), "{name} finds nothing in the seeded set");
        }
    }

    let paths = |prefix: &str| -> Vec<String> {
        CASES
            .iter()
            .map(|(_, q)| format!("{prefix}?{}", encode(q)))
            .collect()
    };
    let (full_paths, bare_paths) = (paths("/api/v1/openings"), paths("/bare"));
    // (side, case) → req/s of each round; p50 latency likewise; peak memory per side.
    let mut rps: BTreeMap<(Side, &str), Vec<f64>> = BTreeMap::new();
    let mut p50: BTreeMap<(Side, &str), Vec<f64>> = BTreeMap::new();
    let mut peak: BTreeMap<Side, Vec<f64>> = BTreeMap::new();
    let mut errors = Vec::new();
    let case_seconds = o.seconds.div_ceil(2).max(2);
    for round in 1..=o.rounds {
        for &side in &o.sides {
            let served = match side {
                Side::Bare => None,
                _ => Some(Served::start(&db.url, side == Side::CacheOn).await),
            };
            let (base, paths) = match &served {
                Some(s) => (format!("http://127.0.0.1:{}", s.port), &full_paths),
                None => (format!("http://127.0.0.1:{bare_port}"), &bare_paths),
            };
            let mut record = |case: &'static str, r: Run| {
                rps.entry((side, case)).or_default().push(r.rps);
                p50.entry((side, case)).or_default().push(r.p50_ms);
                if !r.errors.is_empty() {
                    errors.push(format!("{backend:?} {} {case}: {}", side.name(), r.errors));
                }
            };
            record(MIX, wrk(&base, paths, o.seconds, o.connections));
            for (i, (name, _)) in CASES.iter().enumerate() {
                record(name, wrk(&base, &paths[i..=i], case_seconds, o.connections));
            }
            if let Some(s) = &served {
                let (hwm, rss) = (status_mb(s.pid(), "VmHWM:"), status_mb(s.pid(), "VmRSS:"));
                let (anon, file) = (
                    status_mb(s.pid(), "RssAnon:"),
                    status_mb(s.pid(), "RssFile:"),
                );
                peak.entry(side).or_default().push(hwm);
                println!(
                    "{backend:?} round {round} {}: mix {:.0} req/s, peak resident {hwm:.0} MB \
                     (now {rss:.0} MB: {anon:.0} MB anonymous, {file:.0} MB of files)",
                    side.name(),
                    rps[&(side, MIX)].last().unwrap()
                );
            } else {
                println!(
                    "{backend:?} round {round} bare: mix {:.0} req/s",
                    rps[&(Side::Bare, MIX)].last().unwrap()
                );
            }
        }
    }

    println!(
        "\n{backend:?}: medians of {} rounds, {} connections, mix {} s, each case {} s",
        o.rounds, o.connections, o.seconds, case_seconds
    );
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>8} {:>8} {:>9} {:>9} {:>9}",
        "req/s (p50 ms)",
        "cache on",
        "cache off",
        "bare",
        "on/off",
        "off/bare",
        "p50 on",
        "p50 off",
        "p50 bare"
    );
    let names: Vec<&str> = std::iter::once(MIX)
        .chain(CASES.iter().map(|(n, _)| *n))
        .collect();
    for case in names {
        let m = |side| rps.get(&(side, case)).map_or(f64::NAN, |v| median(v));
        let l = |side| p50.get(&(side, case)).map_or(f64::NAN, |v| median(v));
        let (on, off, bare) = (m(Side::CacheOn), m(Side::CacheOff), m(Side::Bare));
        println!(
            "{case:<28} {on:>10.0} {off:>10.0} {bare:>10.0} {:>7.1}× {:>7.2}× {:>9.2} {:>9.2} {:>9.2}",
            on / off,
            off / bare,
            l(Side::CacheOn),
            l(Side::CacheOff),
            l(Side::Bare),
        );
    }
    for side in [Side::CacheOn, Side::CacheOff] {
        let Some(p) = peak.get(&side) else { continue };
        println!(
            "{backend:?} serve, {}: peak resident memory {:.0} MB (median of runs; highest {:.0} MB)",
            side.name(),
            median(p),
            p.iter().copied().fold(f64::NAN, f64::max)
        );
    }
    for e in &errors {
        println!("errors: {e}");
    }
    drop(db);
}

fn main() {
    let sides = std::env::var("SIDES").unwrap_or_else(|_| "on,off,bare".into());
    let o = Opts {
        sides: sides
            .split(',')
            .map(|s| match s.trim() {
                "on" => Side::CacheOn,
                "off" => Side::CacheOff,
                "bare" => Side::Bare,
                other => panic!("unknown side {other}"),
            })
            .collect(),
        openings: env_or("OPENINGS", 10_000) as u32,
        seekers: env_or("SEEKERS", 20_000) as u32,
        seconds: env_or("DURATION", 10),
        connections: env_or("CONNECTIONS", 16),
        rounds: env_or("ROUNDS", 2).max(1),
    };
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
            run(backend, &o).await;
        }
    });
}
