//! A family's rights over its data: case workers' reads of a person's record are audit events
//! (who looked at whom, and where). Both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::spawn_app;
use serde_json::Value;

backend_tests! {
    async fn a_case_workers_reads_of_a_person_are_audit_events_under_her_name(backend: Backend) {
        let app = spawn_app(backend).await;
        let (admin_id, admin) = app.admin().await;
        let (mother, _) = app.eligible_seeker(&admin, 1, 4, "auezov").await;
        let (neighbour, _) = app.eligible_seeker(&admin, 2, 4, "auezov").await;
        let iin = common::api::iin(1).0;
        let found: Value = app.get_as(&format!("/api/v1/people?q={iin}"), &admin).await.json().await.unwrap();
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
        let views = |id: String| {
            let store = app.store.clone();
            async move {
                store.run(move |c| social_jobs::audit::for_entity(c, "account", &id).map_err(social_jobs::db::DbError::from)).await.unwrap()
                    .into_iter().filter(|e| e.action == "person.viewed").collect::<Vec<_>>()
            }
        };
        let hers = views(mother.clone()).await;
        assert_eq!(hers.len(), 1);
        assert_eq!(hers[0].actor_id.as_deref(), Some(admin_id.as_str()));
        assert!(hers[0].after_json.as_deref().unwrap().contains("people_search"));
        assert!(views(neighbour.clone()).await.is_empty(), "only whom she saw");
        // The household queue shows both: each is told.
        app.get_as("/api/v1/households?status=verified", &admin).await;
        assert_eq!(views(mother).await.len(), 2);
        assert_eq!(views(neighbour).await.len(), 1);
    }

    async fn her_data_export_holds_what_the_service_holds_about_her_and_nobody_elses(backend: Backend) {
        use common::api::job_opening;
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (mother_id, mother) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, neighbour) = app.eligible_seeker(&m.admin, 2, 4, "auezov").await;
        let opening = app.published(&m.employer, &job_opening(&m.jobs_programme)).await["id"].as_str().unwrap().to_owned();
        let accepted = app.matched(&m.admin, &m.jobs_programme, "job", &opening, &[mother.clone(), neighbour.clone()]).await;
        assert_eq!(accepted.len(), 2);
        let iin = common::api::iin(1).0;
        app.get_as(&format!("/api/v1/people?q={iin}"), &m.admin).await;
        assert_eq!(app.client.get(app.url("/api/v1/me/data-export")).send().await.unwrap().status(), 401);
        let res = app.client.get(app.url("/api/v1/me/data-export")).bearer_auth(&mother).header("Accept-Language", "kk").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let export: Value = res.json().await.unwrap();
        assert_eq!(export["lang"], "kk");
        assert_eq!(export["account"]["id"], mother_id.as_str());
        assert_eq!(export["profile"]["iin"], iin.as_str());
        assert!(export["household"]["members"].as_array().is_some_and(|m| !m.is_empty()), "{}", export["household"]);
        assert!(!export["eligibility"].as_array().unwrap().is_empty());
        // Her application, its outcome and the offer; every email written to her.
        let mine: Value = app.get_as("/api/v1/me/applications", &mother).await.json().await.unwrap();
        let ids = |v: &Value| v.as_array().unwrap().iter().map(|a| a["id"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&export["applications"]), ids(&mine));
        assert!(!export["offers"].as_array().unwrap().is_empty());
        let templates: Vec<&str> = export["emails"].as_array().unwrap().iter().map(|e| e["template"].as_str().unwrap()).collect();
        assert!(templates.contains(&"verify_email") && templates.contains(&"offer_update"), "{templates:?}");
        // Who looked at her: the case worker's search.
        let events = export["audit_events"].as_array().unwrap();
        assert!(events.iter().any(|e| e["action"] == "person.viewed" && e["entity_id"] == mother_id.as_str()), "{events:?}");
        // Nothing of the neighbour's.
        let text = export.to_string();
        assert!(!text.contains(&common::api::iin(2).0) && !text.contains("mother2@example.kz"));
        // Staff and employers get theirs too (their account, emails, what they did).
        let staff: Value = app.get_as("/api/v1/me/data-export", &m.admin).await.json().await.unwrap();
        assert!(staff["profile"].is_null() && staff["audit_events"].as_array().is_some_and(|e| !e.is_empty()));
    }
}
