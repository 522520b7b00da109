//! The domain knows nothing of its adapters: outside the REST API (`src/http/`, each capability's
//! `handlers.rs`), the web cabinet (`src/web/`) and the wiring (`startup.rs`, `main.rs`), no source
//! file names actix or reaches into `http`, `web` or `startup`. Services take what they use (the
//! database, settings, the clock, the caller), so the API, the cabinet, the CLI and the jobs share
//! them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_domain_names_no_adapter() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let adapter = |p: &Path| {
        let rel = p
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        rel.starts_with("http/")
            || rel.starts_with("web/")
            || rel.ends_with("handlers.rs")
            || rel == "startup.rs"
            || rel == "main.rs"
    };
    let mut offences = Vec::new();
    let mut domain = 0;
    for file in files.iter().filter(|p| !adapter(p)) {
        domain += 1;
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for banned in [
                "actix",
                "crate::http",
                "crate::web",
                "crate::startup",
                "super::http",
            ] {
                if code.contains(banned) {
                    offences.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(domain > 40, "only {domain} domain files were read");
    assert!(
        offences.is_empty(),
        "the domain reaches an adapter:\n{}",
        offences.join("\n")
    );
}
