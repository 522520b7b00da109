//! Seeker profiles on both backends: IIN and IBAN checks, one account per IIN, owner-only access.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{api::profile, spawn_app};
use serde_json::{Value, json};

async fn put(app: &common::TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/me/profile"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    res.json().await.unwrap()
}

backend_tests! {
    async fn a_seeker_keeps_her_profile_with_iin_derived_birth_date(backend: Backend) {
        let app = spawn_app(backend).await;
        let (id, token, _) = app.verified_account("aigul@example.kz", "seeker").await;
        problem(app.get_as("/api/v1/me/profile", &token).await, 404).await;
        let res = put(&app, &token, &profile("061211600012")).await;
        assert_eq!(res.status(), 200);
        let saved: Value = res.json().await.unwrap();
        assert_eq!(saved["iin"], "061211600012");
        assert_eq!(saved["birth_date"], "2006-12-11");
        assert_eq!(saved["sex"], "female");
        assert_eq!(saved["phone"], "+77012345678");
        assert_eq!(saved["iban"], "KZ86125KZT5004100100");
        let got: Value = app.get_as("/api/v1/me/profile", &token).await.json().await.unwrap();
        assert_eq!(got, saved);
        // A change replaces it; the audit log keeps before and after without the full IIN or IBAN.
        let mut changed = profile("061211600012");
        changed["district"] = json!("turksib");
        changed["iban"] = Value::Null;
        let res = put(&app, &token, &changed).await;
        assert_eq!(res.status(), 200);
        let got: Value = res.json().await.unwrap();
        assert_eq!((got["district"].as_str(), got["iban"].is_null()), (Some("turksib"), true));
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "seeker_profile", &id).map_err(social_jobs::db::DbError::from)).await.unwrap();
        assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["profile.created", "profile.updated"]);
        let dump = format!("{events:?}");
        assert!(!dump.contains("061211600012") && !dump.contains("KZ86125KZT5004100100"), "{dump}");
        assert!(dump.contains("0612******12"));
    }

    async fn bad_profiles_get_field_problems(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, token, _) = app.verified_account("bad@example.kz", "seeker").await;
        let cases: [(&str, Value, &str); 6] = [
            ("iin", json!("061211600013"), "An IIN is 12 digits with a valid check digit and birth date."),
            ("iin", json!("7902303027"), "An IIN is 12 digits with a valid check digit and birth date."),
            ("iin", json!(common::api::iin_born_on(common::api::today() + chrono::Days::new(1))), "The birth date in the IIN is in the future."),
            ("iban", json!("KZ00125KZT5004100100"), "An IBAN here is KZ, 20 characters, with valid check digits."),
            ("phone", json!("555-12-12"), "A phone number is +7 and ten digits."),
            ("district", json!("atlantis"), "No such district."),
        ];
        for (field, value, message) in cases {
            let mut body = profile("061211600012");
            body[field] = value.clone();
            let body = problem(put(&app, &token, &body).await, 422).await;
            assert_eq!(body["errors"][field], message, "{field} = {value}");
        }
        let mut hours = profile("061211600012");
        hours["availability"]["hours_per_week"] = json!(90);
        let body = problem(put(&app, &token, &hours).await, 422).await;
        assert!(body["errors"]["availability.hours_per_week"].is_string());
        // Nothing was saved by any of them.
        problem(app.get_as("/api/v1/me/profile", &token).await, 404).await;
    }

    async fn declaring_an_iin_claims_nothing_and_reveals_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        let (_, first, _) = app.verified_account("first@example.kz", "seeker").await;
        let (_, second, _) = app.verified_account("second@example.kz", "seeker").await;
        assert_eq!(put(&app, &first, &profile("791028302728")).await.status(), 200);
        // A second account may declare it too (only a verified household holds an IIN), and its
        // answer is the same as the first's: nothing says the IIN was declared before.
        let res = put(&app, &second, &profile("791028302728")).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["iin"], "791028302728");
        assert_eq!(put(&app, &first, &profile("791028302728")).await.status(), 200);
        // Employers have no profile of this kind.
        let (_, employer, _) = app.verified_account("hr@example.kz", "employer").await;
        problem(put(&app, &employer, &profile("061211600012")).await, 403).await;
    }
}
