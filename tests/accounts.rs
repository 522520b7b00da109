//! Accounts, tokens, password reset, abuse limits, staff and organisations, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::{
    TestDatabase,
    api::{PASSWORD, organisation},
    spawn_app, spawn_with, test_settings,
};
use serde_json::{Value, json};
use social_jobs::{accounts::tokens::AccessClaims, config::DEV_JWT_SECRET};

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    body
}

fn claims(sub: &str, exp_in: i64, typ: &str) -> AccessClaims {
    let now = common::clock().now();
    AccessClaims {
        iss: "social-jobs-almaty".into(),
        aud: "social-jobs-api".into(),
        sub: sub.into(),
        role: social_jobs::accounts::model::Role::Admin,
        iat: now.timestamp(),
        exp: now.timestamp() + exp_in,
        jti: "t".into(),
        typ: typ.into(),
        auth_time_ms: now.timestamp_millis(),
    }
}

fn sign(alg: jsonwebtoken::Algorithm, c: &AccessClaims, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        c,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

backend_tests! {
    async fn seekers_employers_and_providers_register_sign_in_refresh_and_sign_out(backend: Backend) {
        let app = spawn_app(backend).await;
        for role in ["seeker", "employer", "provider"] {
            let email = format!("Mother.{role}@Example.KZ");
            let res = app.register(&email, role, "kk").await;
            assert_eq!(res.status(), 202);
            let folded = email.to_lowercase();
            // Unverified accounts may sign in.
            let (access, refresh) = app.sign_in(&folded, PASSWORD).await;
            let me: Value = app.get_as("/api/v1/me", &access).await.json().await.unwrap();
            assert_eq!((me["role"].as_str(), me["email"].as_str(), me["email_verified"].as_bool()), (Some(role), Some(folded.as_str()), Some(false)));
            assert_eq!(me["locale"], "kk");
            let token = app.emailed_token(&folded, "verify_email").await;
            let res = app.post_json("/api/v1/auth/verify-email", &json!({ "token": token }), None).await;
            assert_eq!(res.status(), 200);
            let me: Value = app.get_as("/api/v1/me", &access).await.json().await.unwrap();
            assert_eq!(me["email_verified"], true);
            // Refresh rotates; logout ends the session.
            let res = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await;
            assert_eq!(res.status(), 200);
            let pair: Value = res.json().await.unwrap();
            let refresh2 = pair["refresh_token"].as_str().unwrap();
            assert_ne!(refresh2, refresh);
            assert_eq!(pair["expires_in"], common::TEST_ACCESS_TOKEN_TTL_SECS);
            assert_eq!(app.get_as("/api/v1/me", pair["access_token"].as_str().unwrap()).await.status(), 200);
            let res = app.post_json("/api/v1/auth/logout", &json!({ "refresh_token": refresh2 }), None).await;
            assert_eq!(res.status(), 204);
            problem(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh2 }), None).await, 401).await;
        }
        // The same email cannot be registered twice; the answer does not say so, an email does.
        assert_eq!(app.register("mother.seeker@example.kz", "seeker", "ru").await.status(), 202);
        let emails = app.emails_to("mother.seeker@example.kz").await;
        assert_eq!(emails.last().unwrap().0, "account_exists");
        assert_eq!(emails.last().unwrap().1, "kk", "the owner is written to in her own language");
        // Staff cannot be registered by themselves.
        let body = problem(app.post_json("/api/v1/auth/register", &json!({ "email": "x@example.kz", "password": PASSWORD, "role": "admin" }), None).await, 422).await;
        assert!(body["errors"]["role"].is_string());
    }

    async fn case_workers_and_admins_are_made_by_admins_and_disabling_ends_their_sessions(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, admin) = app.admin().await;
        for role in ["caseworker", "admin"] {
            let email = format!("staff.{role}@almaty.kz");
            let res = app.post_json("/api/v1/admin/staff", &json!({ "email": email, "password": PASSWORD, "role": role }), Some(&admin)).await;
            assert_eq!(res.status(), 201);
            let staff: Value = res.json().await.unwrap();
            let (access, refresh) = app.sign_in(&email, PASSWORD).await;
            let me: Value = app.get_as("/api/v1/me", &access).await.json().await.unwrap();
            assert_eq!(me["role"], role);
            let res = app.post_json(&format!("/api/v1/admin/staff/{}/disable", staff["id"].as_str().unwrap()), &json!({}), Some(&admin)).await;
            assert_eq!(res.status(), 200);
            // The session ends at once, not when the access token expires.
            problem(app.get_as("/api/v1/me", &access).await, 401).await;
            problem(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await, 401).await;
            problem(app.login(&email, PASSWORD).await, 401).await;
        }
        problem(app.post_json("/api/v1/admin/staff", &json!({ "email": "staff.caseworker@almaty.kz", "password": PASSWORD, "role": "caseworker" }), Some(&admin)).await, 409).await;
        problem(app.post_json("/api/v1/admin/staff", &json!({ "email": "n@almaty.kz", "password": PASSWORD, "role": "seeker" }), Some(&admin)).await, 422).await;
    }

    async fn a_reused_refresh_token_revokes_its_whole_family(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, _, r1) = app.verified_account("seeker@example.kz", "seeker").await;
        let (_, other_session) = app.sign_in("seeker@example.kz", PASSWORD).await;
        let pair: Value = app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await.json().await.unwrap();
        let r2 = pair["refresh_token"].as_str().unwrap().to_owned();
        // r1 presented again: someone else holds a copy. The family (r2 too) is revoked.
        problem(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r1 }), None).await, 401).await;
        problem(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": r2 }), None).await, 401).await;
        // Another sign-in's family is untouched.
        assert_eq!(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": other_session }), None).await.status(), 200);
    }

    async fn expired_tampered_unsigned_and_wrong_algorithm_tokens_are_401(backend: Backend) {
        let app = spawn_app(backend).await;
        let (id, access, refresh) = app.verified_account("who@example.kz", "seeker").await;
        assert_eq!(app.get_as("/api/v1/me", &access).await.status(), 200);
        let verify = app.emailed_token("who@example.kz", "verify_email").await;
        let good = claims(&id, 600, "access");
        let mut forged = access.split('.').map(str::to_owned).collect::<Vec<_>>();
        let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&forged[1]).unwrap()).unwrap();
        payload["role"] = json!("admin");
        forged[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
        let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#), URL_SAFE_NO_PAD.encode(serde_json::to_vec(&good).unwrap()));
        let cases = [
            ("expired", sign(jsonwebtoken::Algorithm::HS256, &claims(&id, -120, "access"), DEV_JWT_SECRET)),
            ("tampered", forged.join(".")),
            ("alg none", none),
            ("wrong algorithm", sign(jsonwebtoken::Algorithm::HS512, &good, DEV_JWT_SECRET)),
            ("wrong key", sign(jsonwebtoken::Algorithm::HS256, &good, "another-secret-another-secret-0000")),
            ("wrong purpose", sign(jsonwebtoken::Algorithm::HS256, &claims(&id, 600, "verify_email"), DEV_JWT_SECRET)),
            ("refresh token as bearer", refresh.clone()),
            ("verification token as bearer", verify.clone()),
            ("garbage", "x.y.z".into()),
        ];
        for (what, token) in cases {
            let res = app.get_as("/api/v1/me", &token).await;
            assert_eq!(res.headers().get("www-authenticate").map(|v| v.to_str().unwrap()), Some("Bearer"), "{what}");
            problem(res, 401).await;
        }
        let res = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
        problem(res, 401).await;
        // A signature made with the right key, algorithm and purpose works: the cases above failed
        // for their flaw alone.
        assert_eq!(app.get_as("/api/v1/me", &sign(jsonwebtoken::Algorithm::HS256, &good, DEV_JWT_SECRET)).await.status(), 200);
        // Tokens of one purpose do not stand in for another.
        problem(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": access }), None).await, 401).await;
        problem(app.post_json("/api/v1/auth/password-reset/confirm", &json!({ "token": verify, "new_password": "Жаңа құпиясөз 2027" }), None).await, 400).await;
    }

    async fn reset_tokens_are_single_use_and_end_every_session(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, access, refresh) = app.verified_account("reset@example.kz", "seeker").await;
        let res = app.post_json("/api/v1/auth/password-reset", &json!({ "email": "RESET@example.kz" }), None).await;
        assert_eq!(res.status(), 202);
        // Unknown emails get the same answer and no email.
        assert_eq!(app.post_json("/api/v1/auth/password-reset", &json!({ "email": "nobody@example.kz" }), None).await.status(), 202);
        // A malformed address is refused as everywhere else (it cannot have an account, so this
        // reveals nothing).
        for bad in ["", "not-an-address", "a@"] {
            let p = problem(app.post_json("/api/v1/auth/password-reset", &json!({ "email": bad }), None).await, 422).await;
            assert!(p["errors"]["email"].is_string(), "{p}");
        }
        assert!(app.emails_to("nobody@example.kz").await.is_empty());
        let token = app.emailed_token("reset@example.kz", "password_reset").await;
        // A reset token does not verify an email.
        problem(app.post_json("/api/v1/auth/verify-email", &json!({ "token": token }), None).await, 400).await;
        let weak = problem(app.post_json("/api/v1/auth/password-reset/confirm", &json!({ "token": token, "new_password": "password123" }), None).await, 422).await;
        assert!(weak["errors"]["new_password"].is_string());
        let new_password = "Жаңа құпиясөз 2027";
        let res = app.post_json("/api/v1/auth/password-reset/confirm", &json!({ "token": token, "new_password": new_password }), None).await;
        assert_eq!(res.status(), 204);
        problem(app.post_json("/api/v1/auth/password-reset/confirm", &json!({ "token": token, "new_password": "Тағы бір құпиясөз 1" }), None).await, 400).await;
        problem(app.login("reset@example.kz", PASSWORD).await, 401).await;
        assert_eq!(app.login("reset@example.kz", new_password).await.status(), 200);
        problem(app.get_as("/api/v1/me", &access).await, 401).await;
        problem(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await, 401).await;
    }

    async fn reset_tokens_expire(backend: Backend) {
        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.password_reset_ttl_minutes = 0;
        let app = spawn_with(db, settings).await;
        app.verified_account("late@example.kz", "seeker").await;
        app.post_json("/api/v1/auth/password-reset", &json!({ "email": "late@example.kz" }), None).await;
        let token = app.emailed_token("late@example.kz", "password_reset").await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        problem(app.post_json("/api/v1/auth/password-reset/confirm", &json!({ "token": token, "new_password": "Жаңа құпиясөз 2027" }), None).await, 400).await;
    }

    async fn changing_the_password_ends_every_session(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, access, refresh) = app.verified_account("change@example.kz", "provider").await;
        let wrong = problem(app.client.put(app.url("/api/v1/me/password")).bearer_auth(&access).json(&json!({ "current_password": "not-my-password", "new_password": "Жаңа құпиясөз 2027" })).send().await.unwrap(), 422).await;
        assert!(wrong["errors"]["current_password"].is_string());
        let res = app.client.put(app.url("/api/v1/me/password")).bearer_auth(&access).json(&json!({ "current_password": PASSWORD, "new_password": "Жаңа құпиясөз 2027" })).send().await.unwrap();
        assert_eq!(res.status(), 204);
        problem(app.get_as("/api/v1/me", &access).await, 401).await;
        problem(app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh }), None).await, 401).await;
        let (access, _) = app.sign_in("change@example.kz", "Жаңа құпиясөз 2027").await;
        assert_eq!(app.get_as("/api/v1/me", &access).await.status(), 200);
    }

    async fn failed_sign_ins_are_limited_per_account_and_per_address(backend: Backend) {
        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.login_failures_per_account = 3;
        settings.login_failures_per_address = 5;
        settings.reset_requests_per_email = 2;
        let app = spawn_with(db, settings).await;
        app.verified_account("target@example.kz", "seeker").await;
        app.verified_account("second@example.kz", "seeker").await;
        for _ in 0..3 {
            problem(app.login("target@example.kz", "wrong-password-1").await, 401).await;
        }
        // Even the right password waits now.
        let res = app.login("target@example.kz", PASSWORD).await;
        let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry), "{retry}");
        problem(res, 429).await;
        // Another account from the same address still works, until the address's limit.
        app.sign_in("second@example.kz", PASSWORD).await;
        problem(app.login("second@example.kz", "wrong-password-1").await, 401).await;
        problem(app.login("someone-else@example.kz", "wrong-password-1").await, 401).await;
        problem(app.login("second@example.kz", PASSWORD).await, 429).await;
        // Reset requests too.
        for _ in 0..2 {
            assert_eq!(app.post_json("/api/v1/auth/password-reset", &json!({ "email": "second@example.kz" }), None).await.status(), 202);
        }
        let res = app.post_json("/api/v1/auth/password-reset", &json!({ "email": "second@example.kz" }), None).await;
        assert!(res.headers().contains_key("retry-after"));
        problem(res, 429).await;
    }

    async fn a_device_that_signed_in_before_is_not_locked_out_by_someone_elses_guessing(backend: Backend) {
        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.login_failures_per_account = 3;
        settings.login_failures_per_address = 5;
        let app = spawn_with(db, settings).await;
        app.verified_account("mother@example.kz", "seeker").await;
        app.verified_account("neighbour@example.kz", "seeker").await;
        let with_device = |email: &'static str, password: &'static str, device: String| {
            let body = json!({ "email": email, "password": password, "device_token": device });
            let app = &app;
            async move { app.post_json("/api/v1/auth/login", &body, None).await }
        };
        // Her phone signed in before and kept the token it was given.
        let body: Value = app.login("mother@example.kz", PASSWORD).await.json().await.unwrap();
        let device = body["device_token"].as_str().unwrap().to_owned();
        // Someone behind the same carrier address guesses at her account, then at others.
        for _ in 0..3 {
            problem(app.login("mother@example.kz", "wrong-password-1").await, 401).await;
        }
        for i in 0..2 {
            problem(app.login(&format!("stranger{i}@example.kz"), "wrong-password-1").await, 401).await;
        }
        // Without a device token her account and the whole address wait...
        problem(app.login("mother@example.kz", PASSWORD).await, 429).await;
        problem(app.login("neighbour@example.kz", PASSWORD).await, 429).await;
        // ...but her phone gets in, and gets a fresh token.
        let res = with_device("mother@example.kz", PASSWORD, device.clone()).await;
        assert_eq!(res.status(), 200);
        let fresh: Value = res.json().await.unwrap();
        assert!(fresh["device_token"].is_string());
        // Her token opens only her account; a forged one opens nothing.
        problem(with_device("neighbour@example.kz", PASSWORD, device.clone()).await, 429).await;
        let mut forged = device.clone();
        forged.replace_range(forged.len() - 2.., "xx");
        problem(with_device("mother@example.kz", PASSWORD, forged).await, 429).await;
        // The device's own failures are limited too: a stolen phone cannot guess for ever.
        for _ in 0..3 {
            problem(with_device("mother@example.kz", "wrong-password-2", device.clone()).await, 401).await;
        }
        problem(with_device("mother@example.kz", PASSWORD, device.clone()).await, 429).await;
        // Ending her sessions (a password change) ends her devices' tokens too.
        let token = fresh["device_token"].as_str().unwrap().to_owned();
        let access = fresh["access_token"].as_str().unwrap();
        let res = app.client.put(app.url("/api/v1/me/password")).bearer_auth(access).json(&json!({ "current_password": PASSWORD, "new_password": "Жаңа құпиясөз 2027" })).send().await.unwrap();
        assert_eq!(res.status(), 204);
        problem(app.post_json("/api/v1/auth/login", &json!({ "email": "mother@example.kz", "password": "Жаңа құпиясөз 2027", "device_token": token }), None).await, 429).await;
    }

    async fn password_change_attempts_are_limited_like_sign_ins(backend: Backend) {
        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.login_failures_per_account = 3;
        let app = spawn_with(db, settings).await;
        let (_, access, _) = app.verified_account("change@example.kz", "seeker").await;
        let change = |current: String| {
            app.client.put(app.url("/api/v1/me/password")).bearer_auth(access.clone())
                .json(&json!({ "current_password": current, "new_password": "Жаңа құпиясөз 2027" })).send()
        };
        // Ten guesses at once with a stolen access token: three are judged, the rest wait.
        let guesses = (0..10).map(|i| change(format!("wrong-password-{i}")));
        let mut statuses: Vec<u16> = futures_util::future::join_all(guesses).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [vec![422; 3], vec![429; 7]].concat());
        // Even the right password waits now.
        let res = change(PASSWORD.to_owned()).await.unwrap();
        assert!(res.headers().contains_key("retry-after"));
        problem(res, 429).await;
    }

    async fn registrations_are_limited_per_address(backend: Backend) {
        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.registrations_per_address = 3;
        let app = spawn_with(db, settings).await;
        for i in 0..3 {
            assert_eq!(app.register(&format!("new{i}@example.kz"), "seeker", "kk").await.status(), 202);
        }
        let res = app.register("new3@example.kz", "seeker", "kk").await;
        assert!(res.headers().contains_key("retry-after"));
        problem(res, 429).await;
        // Nothing was created for the refused one.
        assert!(app.emails_to("new3@example.kz").await.is_empty());
    }

    async fn parallel_attempts_never_pass_a_limit(backend: Backend) {
        let db = TestDatabase::migrated(backend).await;
        let mut settings = test_settings(&db);
        settings.login_failures_per_account = 5;
        settings.login_failures_per_address = 1000;
        settings.reset_requests_per_email = 3;
        settings.reset_requests_per_address = 1000;
        settings.db_pool_size = 8;
        let app = spawn_with(db, settings).await;
        app.verified_account("target@example.kz", "seeker").await;
        // 30 wrong passwords at once: exactly 5 are judged, the rest wait.
        let guesses = (0..30).map(|i| { let app = &app; async move { app.login("target@example.kz", &format!("wrong-password-{i}")).await.status().as_u16() } });
        let mut statuses = futures_util::future::join_all(guesses).await;
        statuses.sort_unstable();
        assert_eq!((statuses.iter().filter(|s| **s == 401).count(), statuses.iter().filter(|s| **s == 429).count()), (5, 25), "{statuses:?}");
        // 20 reset requests at once: exactly 3 go out.
        let resets = (0..20).map(|_| { let app = &app; async move { app.post_json("/api/v1/auth/password-reset", &json!({ "email": "target@example.kz" }), None).await.status().as_u16() } });
        let statuses = futures_util::future::join_all(resets).await;
        assert_eq!((statuses.iter().filter(|s| **s == 202).count(), statuses.iter().filter(|s| **s == 429).count()), (3, 17), "{statuses:?}");
    }

    async fn organisations_are_registered_by_members_and_approved_by_admins(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, admin) = app.admin().await;
        let (_, employer, _) = app.verified_account("hr@alem.kz", "employer").await;
        let (_, other, _) = app.verified_account("hr@other.kz", "employer").await;
        let (_, provider, _) = app.verified_account("edu@college.kz", "provider").await;
        let mut bad = organisation("employer", 1);
        bad["bin"] = json!("150340012345");
        bad["contact_phone"] = json!("8 701");
        bad["district"] = json!("almaly");
        let body = problem(app.post_json("/api/v1/organisations", &bad, Some(&employer)).await, 422).await;
        assert!(body["errors"]["bin"].is_string() && body["errors"]["contact_phone"].is_string(), "{body}");
        let mut unknown_district = organisation("employer", 1);
        unknown_district["district"] = json!("atlantis");
        problem(app.post_json("/api/v1/organisations", &unknown_district, Some(&employer)).await, 422).await;
        problem(app.post_json("/api/v1/organisations", &organisation("employer", 2), Some(&provider)).await, 409).await;
        let res = app.post_json("/api/v1/organisations", &organisation("employer", 1), Some(&employer)).await;
        assert_eq!(res.status(), 201);
        let org: Value = res.json().await.unwrap();
        assert_eq!(org["status"], "pending");
        let id = org["id"].as_str().unwrap();
        problem(app.post_json("/api/v1/organisations", &organisation("employer", 3), Some(&employer)).await, 409).await;
        problem(app.post_json("/api/v1/organisations", &organisation("employer", 1), Some(&other)).await, 409).await;
        let me: Value = app.get_as("/api/v1/me", &employer).await.json().await.unwrap();
        assert_eq!(me["organisation"]["id"], id);
        assert_eq!(me["organisation"]["status"], "pending");
        problem(app.get_as(&format!("/api/v1/organisations/{id}"), &other).await, 404).await;
        problem(app.post_json(&format!("/api/v1/organisations/{id}/approve"), &json!({}), Some(&employer)).await, 403).await;
        // The admin finds it in the queue of organisations waiting for approval; members may not list.
        let queue: Value = app.get_as("/api/v1/organisations?status=pending", &admin).await.json().await.unwrap();
        let waiting: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
        assert_eq!(waiting, [id]);
        problem(app.get_as("/api/v1/organisations?status=pending", &employer).await, 403).await;
        let res = app.post_json(&format!("/api/v1/organisations/{id}/approve"), &json!({}), Some(&admin)).await;
        assert_eq!(res.status(), 200);
        let me: Value = app.get_as("/api/v1/me", &employer).await.json().await.unwrap();
        assert_eq!(me["organisation"]["status"], "approved");
        let queue: Value = app.get_as("/api/v1/organisations?status=pending", &admin).await.json().await.unwrap();
        assert!(queue["items"].as_array().unwrap().is_empty(), "{queue}");
        let approved: Value = app.get_as("/api/v1/organisations?status=approved", &admin).await.json().await.unwrap();
        assert_eq!(approved["items"][0]["id"], id);
        let audit = app.store.run({ let id = id.to_owned(); move |c| social_jobs::audit::for_entity(c, "organisation", &id).map_err(social_jobs::db::DbError::from) }).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(actions, ["organisation.registered", "organisation.approved"]);
    }

    async fn sign_ins_and_failures_are_audited_with_address_and_without_secrets(backend: Backend) {
        let app = spawn_app(backend).await;
        let (id, _, _) = app.verified_account("audit@example.kz", "seeker").await;
        problem(app.login("audit@example.kz", "wrong-password-1").await, 401).await;
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "account", &id).map_err(social_jobs::db::DbError::from)).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["account.registered", "account.email_verified", "auth.login_succeeded", "auth.login_failed"]);
        assert!(events.iter().all(|e| e.client_ip.as_deref() == Some("127.0.0.1")));
        let dump = format!("{events:?}");
        assert!(!dump.contains(PASSWORD) && !dump.contains("argon2"), "{dump}");
    }

    async fn seed_demo_makes_organisations_and_accounts_of_every_role(backend: Backend) {
        let app = spawn_app(backend).await;
        let report = social_jobs::demo::seed(&app.store, &social_jobs::demo::DemoScale { seekers: 25, openings: 30, ..Default::default() }, false).await.unwrap();
        assert_eq!((report.accounts, report.organisations, report.households), (35, 8, 25));
        let again = social_jobs::demo::seed(&app.store, &social_jobs::demo::DemoScale { seekers: 25, openings: 30, ..Default::default() }, false).await.unwrap();
        assert!(again.already_seeded);
        for (email, role, org_status) in [
            ("admin", "admin", None),
            ("caseworker", "caseworker", None),
            ("employer.tazalyq", "employer", Some("approved")),
            ("employer.pending", "employer", Some("pending")),
            ("provider.college", "provider", Some("approved")),
            ("seeker25", "seeker", None),
        ] {
            let address = format!("{email}@{}", social_jobs::demo::DEMO_DOMAIN);
            let (access, _) = app.sign_in(&address, social_jobs::demo::DEMO_PASSWORD).await;
            let me: Value = app.get_as("/api/v1/me", &access).await.json().await.unwrap();
            assert_eq!(me["role"], role, "{email}");
            assert_eq!(me["organisation"]["status"].as_str(), org_status, "{email}");
        }
        // Demo households span the tiers: seeker1 is a verified large low-income family.
        let (first, _) = app.sign_in(&format!("seeker1@{}", social_jobs::demo::DEMO_DOMAIN), social_jobs::demo::DEMO_PASSWORD).await;
        let decisions: Value = app.get_as("/api/v1/me/eligibility", &first).await.json().await.unwrap();
        assert_eq!(decisions.as_array().unwrap().len(), 2, "the example programme pair");
        assert_eq!((decisions[0]["eligible"].as_bool(), decisions[0]["tier"].as_i64()), (Some(true), Some(1)));
        let (third, _) = app.sign_in(&format!("seeker3@{}", social_jobs::demo::DEMO_DOMAIN), social_jobs::demo::DEMO_PASSWORD).await;
        let decisions: Value = app.get_as("/api/v1/me/eligibility", &third).await.json().await.unwrap();
        assert_eq!(decisions[0]["reasons"][0]["code"], "not_low_income");
        // Published jobs and courses in Kazakh and Russian across the districts, recommended to
        // the verified seeker.
        assert_eq!(report.openings, 30);
        let all: Value = app.client.get(app.url("/api/v1/openings?limit=100&facets=kind,district")).header("Accept-Language", "kk").send().await.unwrap().json().await.unwrap();
        // The course with places has been running for two months: past its deadline, not browsed.
        assert_eq!(all["items"].as_array().unwrap().len(), 29);
        assert_eq!(all["facets"]["kind"], serde_json::json!([{ "value": "job", "count": 18 }, { "value": "course", "count": 11 }]));
        assert_eq!(all["facets"]["district"].as_array().unwrap().len(), 8);
        assert!(all["items"].as_array().unwrap().iter().all(|i| i["lang"] == "kk"));
        let sewing: Value = app.get("/api/v1/openings?q=%D1%88%D0%B2%D0%B5%D1%8F").await.json().await.unwrap(); // швея
        assert!(!sewing["items"].as_array().unwrap().is_empty());
        let recommended: Value = app.get_as("/api/v1/me/recommendations", &first).await.json().await.unwrap();
        assert!(!recommended["items"].as_array().unwrap().is_empty());
        // Applications and a completed round: seeker1 sees her offer or why not, at once.
        assert!(report.applications >= 9 && report.offers >= 1, "{report:?}");
        let mine: Value = app.get_as("/api/v1/me/applications", &first).await.json().await.unwrap();
        // Three jobs and one course, each decided by its round.
        assert_eq!(mine.as_array().unwrap().len(), 4);
        assert!(mine.as_array().unwrap().iter().all(|a| a["last_round"]["text"].is_string()), "{mine}");
        // Course places with two months of attendance: the older month paid through a settled
        // batch, last month's stipends still scheduled.
        assert!(report.enrollments >= 1 && report.payouts == 2 * report.enrollments, "{report:?}");
        let (admin, _) = app.sign_in(&format!("admin@{}", social_jobs::demo::DEMO_DOMAIN), social_jobs::demo::DEMO_PASSWORD).await;
        let paid: Value = app.get_as("/api/v1/payouts?status=paid", &admin).await.json().await.unwrap();
        let scheduled: Value = app.get_as("/api/v1/payouts?status=scheduled", &admin).await.json().await.unwrap();
        let of_kind = |v: &Value, kind: &str| Value::Array(v["items"].as_array().unwrap().iter().filter(|p| p["payee_kind"] == kind).cloned().collect());
        let (paid_subsidies, scheduled_subsidies) = (of_kind(&paid, "organisation"), of_kind(&scheduled, "organisation"));
        let (paid, scheduled) = (&of_kind(&paid, "person"), &of_kind(&scheduled, "person"));
        assert_eq!((paid.as_array().unwrap().len(), scheduled.as_array().unwrap().len()), (report.enrollments, report.enrollments), "{paid} {scheduled}");
        // Job placements with their employers' wage reports: confirmed (the oldest month's
        // subsidies paid, the next month's scheduled), returned with a note, waiting, overdue.
        assert!(report.placements >= 3, "{report:?}");
        assert_eq!(paid_subsidies.as_array().unwrap().len(), report.placements, "{paid_subsidies}");
        assert!(!scheduled_subsidies.as_array().unwrap().is_empty());
        assert_eq!(report.subsidies, paid_subsidies.as_array().unwrap().len() + scheduled_subsidies.as_array().unwrap().len());
        for status in ["confirmed", "returned", "submitted"] {
            let reports: Value = app.get_as(&format!("/api/v1/wage-reports?status={status}"), &admin).await.json().await.unwrap();
            assert!(!reports["items"].as_array().unwrap().is_empty(), "no {status} report");
        }
        let overdue: Value = app.get_as("/api/v1/wage-reports/overdue", &admin).await.json().await.unwrap();
        assert!(!overdue["items"].as_array().unwrap().is_empty(), "{overdue}");
        let periods = |v: &Value| v.as_array().unwrap().iter().map(|p| p["period"].as_str().unwrap().to_owned()).collect::<std::collections::BTreeSet<_>>();
        let (older, last) = (periods(paid), periods(scheduled));
        assert!(older.len() == 1 && last.len() == 1 && older.first() < last.first(), "{older:?} {last:?}");
        assert!(scheduled.as_array().unwrap().iter().all(|p| p["amount_tiyn"].as_i64().unwrap() > 0));
        assert!(paid.as_array().unwrap().iter().all(|p| p["amount_tiyn"].as_i64().unwrap() > 0));
    }
}
