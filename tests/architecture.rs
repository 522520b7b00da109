//! The domain knows nothing of HTTP (DESIGN.md §7, "Adapters and the domain"): services, queries,
//! models, rules, jobs and the CLI's helpers never see actix types or the API's state, so the API,
//! the web cabinet, the CLI and the jobs can all call the same functions. Only the adapters may:
//! `src/http/` (the API), `src/web/` (the cabinet), `src/startup.rs`, `src/main.rs` and each
//! capability's `handlers.rs`.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

/// What only an adapter may name: the web framework, the application's state, the API's
/// bearer-token extractor and its language negotiation (the domain uses `crate::locale`).
const FORBIDDEN: &[&str] = &[
    "actix",
    "startup::",
    "AppState",
    "HttpRequest",
    "HttpResponse",
    "web::Data",
    "http::auth",
    "http::locale",
    "FromRequest",
    // Nor anything else of the adapters: paging and messages live below them (`crate::paging`,
    // `crate::messages`).
    "crate::http",
    "crate::web",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `rel` is the path under `src/`.
fn is_adapter(rel: &Path) -> bool {
    rel.starts_with("http")
        || rel.starts_with("web")
        || rel == Path::new("startup.rs")
        || rel == Path::new("main.rs")
        || rel.file_name().is_some_and(|n| n == "handlers.rs")
}

/// The forbidden names a file's code mentions, with their line numbers. Comments are not code:
/// a doc comment may say "pure: no actix" or point at `startup::Application::build`.
fn violations(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for name in FORBIDDEN {
            if line.contains(name) {
                found.push((n + 1, *name));
            }
        }
    }
    found
}

fn src_files() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("a readable source file");
            let rel = p.strip_prefix(&src).expect("under src").to_path_buf();
            (rel, text)
        })
        .collect()
}

#[test]
fn the_domain_names_no_http_type_nor_the_api_state() {
    let files = src_files();
    let domain: Vec<_> = files.iter().filter(|(rel, _)| !is_adapter(rel)).collect();
    // The walk really reached the services (a wrong path would pass vacuously).
    for expected in [
        "access.rs",
        "error.rs",
        "accounts/service.rs",
        "attendance/service.rs",
        "matching/rounds.rs",
        "matching/offers.rs",
        "openings/service.rs",
        "payouts/batches.rs",
        "notifications/outbox.rs",
        "jobs/worker.rs",
        "demo/mod.rs",
    ] {
        assert!(
            domain.iter().any(|(rel, _)| rel == Path::new(expected)),
            "{expected} was not checked"
        );
    }
    let broken: Vec<String> = domain
        .iter()
        .flat_map(|(rel, text)| {
            violations(text)
                .into_iter()
                .map(move |(line, name)| format!("src/{}:{line} names `{name}`", rel.display()))
        })
        .collect();
    assert!(
        broken.is_empty(),
        "only src/http/, src/web/, src/startup.rs, src/main.rs and handlers.rs may use HTTP types or the \
         API's state; services take the database, the settings and a crate::access::Caller:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_looks_for() {
    // The adapters do use actix: the scanner finds it there, so an empty result above means
    // something.
    let files = src_files();
    let auth = files
        .iter()
        .find(|(rel, _)| rel == Path::new("http/auth.rs"))
        .expect("src/http/auth.rs");
    assert!(is_adapter(&auth.0));
    assert!(violations(&auth.1).iter().any(|(_, n)| *n == "actix"));
    assert!(is_adapter(Path::new("openings/handlers.rs")));
    assert!(is_adapter(Path::new("web/mod.rs")));
    assert!(!is_adapter(Path::new("openings/service.rs")));
    assert!(!is_adapter(Path::new("webhooks.rs")));
    assert_eq!(
        violations("    let l = crate::http::cursor::limit(None, 20, 100)?;\n"),
        vec![(1, "crate::http")]
    );
    let service = "use crate::{\n    http::auth::Caller,\n    startup::AppState,\n};\n\
                   // a comment about actix_web is fine\n\
                   pub async fn f(state: &actix_web::web::Data<AppState>) {}\n";
    assert_eq!(
        violations(service),
        vec![
            (2, "http::auth"),
            (3, "startup::"),
            (3, "AppState"),
            (6, "actix"),
            (6, "AppState"),
            (6, "web::Data"),
        ]
    );
}
