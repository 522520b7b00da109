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
}
