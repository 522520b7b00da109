//! What production refuses, through the real command: demo data (public password) and weak JWT
//! secrets. Nothing here needs a database: the refusal comes first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn social_jobs(args: &[&str], secret: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_social-jobs"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SJ_ENV", "production")
        .env("SJ_JWT_SECRET", secret)
        .env("SJ_DATA_DIR", dir.path())
        .env("SJ_PORT", "0")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const STRONG: &str = "q8Vf2nR+Kx0ZtLw9mB4sYc7HdPj1EaU6-t3Gh";

#[test]
fn production_refuses_demo_data_and_never_prints_the_demo_password() {
    for args in [&["seed-demo"][..], &["serve", "--demo"][..]] {
        let (ok, text) = social_jobs(args, STRONG);
        assert!(!ok, "{args:?} started: {text}");
        assert!(text.contains("refused in production"), "{args:?}: {text}");
        assert!(
            !text.contains(social_jobs::demo::DEMO_PASSWORD),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn production_refuses_published_short_and_low_variety_secrets() {
    for weak in [
        social_jobs::config::DEV_JWT_SECRET.to_owned(),
        "change-me-to-a-long-random-secret-0123456789".to_owned(),
        "a".repeat(64),
        "0123".repeat(10),
    ] {
        let (ok, text) = social_jobs(&["migrate"], &weak);
        assert!(!ok, "{weak}: {text}");
        assert!(text.contains("SJ_JWT_SECRET"), "{weak}: {text}");
        assert!(!text.contains(&weak), "the secret is not echoed: {text}");
    }
}
