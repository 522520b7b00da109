//! Applications, matching rounds with explanations, offers (accept, decline, lapse with a reminder,
//! a race for the last place) and placements.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    TestApp,
    api::{Market, job_opening},
    spawn_app,
};
use serde_json::{Value, json};
use social_jobs::config::Settings;

async fn problem(res: reqwest::Response, status: u16) -> Value {
    let got = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

async fn job(app: &TestApp, m: &Market, capacity: i64, title: &str) -> String {
    let mut b = job_opening(&m.jobs_programme);
    b["capacity"] = json!(capacity);
    b["title"] = json!({ "ru": title, "kk": title });
    app.published(&m.employer, &b).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn apply(app: &TestApp, token: &str, opening: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/me/applications",
        &json!({ "opening_id": opening }),
        Some(token),
    )
    .await
}

/// Starts a round as a case worker would and runs its job to the end; returns the round.
async fn round(app: &TestApp, m: &Market) -> Value {
    let res = app
        .post_json(
            "/api/v1/matching-rounds",
            &json!({ "programme_id": m.jobs_programme, "kind": "job" }),
            Some(&m.admin),
        )
        .await;
    let started = problem(res, 202).await;
    assert_eq!(started["status"], "running");
    let id = started["id"].as_str().unwrap().to_owned();
    social_jobs::matching::rounds::run(&app.store, &Settings::default(), &id)
        .await
        .unwrap();
    app.get_as(&format!("/api/v1/matching-rounds/{id}"), &m.admin)
        .await
        .json()
        .await
        .unwrap()
}

async fn offers(app: &TestApp, token: &str) -> Vec<Value> {
    app.get_as("/api/v1/me/offers", token)
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

async fn applications(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app
        .client
        .get(app.url("/api/v1/me/applications"))
        .bearer_auth(token)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    res.json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

async fn sql(app: &TestApp, statement: String) {
    use diesel::RunQueryDsl;
    app.store
        .run(move |c| {
            diesel::sql_query(statement)
                .execute(c)
                .map_err(social_jobs::db::DbError::from)
        })
        .await
        .unwrap();
}

backend_tests! {
    async fn applications_are_limited_ranked_reordered_and_withdrawn(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (_, mother) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let mut ids = Vec::new();
        for i in 0..6 {
            ids.push(job(&app, &m, 2, &format!("Место {i}")).await);
        }
        let mut apps = Vec::new();
        for o in &ids[..5] {
            apps.push(problem(apply(&app, &mother, o).await, 201).await["id"].as_str().unwrap().to_owned());
        }
        let limit = problem(apply(&app, &mother, &ids[5]).await, 409).await;
        assert!(limit["detail"].as_str().unwrap().contains('5'));
        problem(apply(&app, &mother, &ids[0]).await, 409).await;
        problem(app.post_json("/api/v1/me/applications", &json!({ "opening_id": "nope" }), Some(&mother)).await, 422).await;
        let ranks: Vec<(String, i64)> = applications(&app, &mother).await.iter().map(|a| (a["id"].as_str().unwrap().to_owned(), a["rank"].as_i64().unwrap())).collect();
        assert_eq!(ranks.iter().map(|r| r.1).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        // Reorder: last first.
        let mut order = apps.clone();
        order.rotate_right(1);
        let res = app.client.put(app.url("/api/v1/me/applications/order")).bearer_auth(&mother).json(&json!({ "programme_id": m.jobs_programme, "application_ids": order })).send().await.unwrap();
        let listed = problem(res, 200).await;
        let got: Vec<&str> = listed.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert_eq!(got, order.iter().map(String::as_str).collect::<Vec<_>>());
        let res = app.client.put(app.url("/api/v1/me/applications/order")).bearer_auth(&mother).json(&json!({ "programme_id": m.jobs_programme, "application_ids": order[..4] })).send().await.unwrap();
        problem(res, 422).await;
        // Withdraw the first choice: the rest close up, and a place in the limit frees.
        let res = app.client.delete(app.url(&format!("/api/v1/me/applications/{}", order[0]))).bearer_auth(&mother).send().await.unwrap();
        assert_eq!(res.status(), 204);
        let live: Vec<Value> = applications(&app, &mother).await.into_iter().filter(|a| a["status"] != "withdrawn").collect();
        assert_eq!(live.iter().map(|a| a["rank"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(live[0]["id"], order[1].as_str());
        let sixth = problem(app.post_json("/api/v1/me/applications", &json!({ "opening_id": ids[5], "rank": 1 }), Some(&mother)).await, 201).await;
        assert_eq!(sixth["rank"], 1);
        // Deadline passed: refused.
        sql(&app, format!("UPDATE openings SET application_deadline = '2020-01-01' WHERE id = '{}'", ids[0])).await;
        let other_mother = app.eligible_seeker(&m.admin, 2, 4, "almaly").await.1;
        problem(apply(&app, &other_mother, &ids[0]).await, 409).await;
        // Not eligible (household not verified): refused.
        let (_, unverified, _) = app.verified_account("unverified@example.kz", "seeker").await;
        problem(apply(&app, &unverified, &ids[1]).await, 403).await;
        // The employer sees its applicants' names and skills, never IIN, income or household.
        let seen = problem(app.get_as(&format!("/api/v1/openings/{}/applications", ids[1]), &m.employer).await, 200).await;
        let text = seen.to_string();
        assert!(text.contains("Айгүл Сейітқызы") && text.contains("тігін"), "{text}");
        assert!(!text.contains(&common::api::iin(1).0) && !text.contains("income") && !text.contains("household") && !text.contains("rank"), "{text}");
        let (other_employer, _) = app.approved_member(&m.admin, "employer", 7).await;
        problem(app.get_as(&format!("/api/v1/openings/{}/applications", ids[1]), &other_employer).await, 403).await;
    }

    async fn a_round_gives_places_by_priority_and_explains_every_outcome(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let one = job(&app, &m, 1, "Единственное место").await;
        let two = job(&app, &m, 1, "Второе место").await;
        // Tier 1 (large families) and tier 2 (a disability, fewer children).
        let (_, first) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, second) = app.eligible_seeker(&m.admin, 2, 5, "auezov").await;
        let (_, third) = app.eligible_seeker(&m.admin, 3, 1, "auezov").await;
        for t in [&first, &second, &third] {
            problem(apply(&app, t, &one).await, 201).await;
        }
        problem(apply(&app, &first, &two).await, 201).await;
        problem(apply(&app, &second, &two).await, 201).await;
        let r = round(&app, &m).await;
        assert_eq!((r["status"].as_str(), r["seekers"].as_i64(), r["applications"].as_i64(), r["offers"].as_i64()), (Some("completed"), Some(3), Some(5), Some(2)), "{r}");
        assert_eq!(r["progress"], 100);
        // Both tier-1 mothers put the first place first; the lottery decided it. The loser is
        // told her lottery position and gets her second choice; the winner's second choice says
        // she got a higher one; the tier-2 mother is told the place went to higher priority.
        let mut outcomes = Vec::new();
        for t in [&first, &second, &third] {
            let a = applications(&app, t).await;
            outcomes.push(a.iter().map(|x| (x["opening_id"].as_str().unwrap().to_owned(), x["status"].as_str().unwrap().to_owned(), x["last_round"]["outcome"].as_str().unwrap().to_owned(), x["last_round"]["text"].as_str().unwrap().to_owned())).collect::<Vec<_>>());
        }
        let third_outcome = &outcomes[2][0];
        assert_eq!((third_outcome.1.as_str(), third_outcome.2.as_str()), ("not_matched", "higher_tier"));
        assert_eq!(third_outcome.3, "All 1 places went to applicants of higher priority.");
        let winner = outcomes[..2].iter().position(|o| o.iter().any(|x| x.0 == one && x.1 == "offered")).unwrap();
        let find = |who: usize, opening: &str| outcomes[who].iter().find(|x| x.0 == opening).unwrap().clone();
        assert_eq!(find(winner, &two).2, "higher_choice_offered");
        assert_eq!(find(winner, &two).3, "You received an offer from an opening you ranked higher.");
        let lost = find(1 - winner, &one);
        assert_eq!((lost.1.as_str(), lost.2.as_str()), ("not_matched", "lottery"));
        assert!(lost.3.starts_with("Equal priority; lottery position 2 of 2 for 1 of the 1 places"), "{}", lost.3);
        assert_eq!(find(1 - winner, &two).1, "offered");
        // The case worker sees every application with texts in three languages.
        let results = problem(app.get_as(&format!("/api/v1/matching-rounds/{}/results?limit=2", r["id"].as_str().unwrap()), &m.admin).await, 200).await;
        assert_eq!(results["items"].as_array().unwrap().len(), 2);
        assert!(results["items"][0]["text"]["kk"].as_str().unwrap().len() > 10);
        let rest = problem(app.get_as(&format!("/api/v1/matching-rounds/{}/results?limit=2&cursor={}", r["id"].as_str().unwrap(), results["next_cursor"].as_str().unwrap()), &m.admin).await, 200).await;
        assert_eq!(rest["items"].as_array().unwrap().len(), 2);
        let last = problem(app.get_as(&format!("/api/v1/matching-rounds/{}/results?limit=2&cursor={}", r["id"].as_str().unwrap(), rest["next_cursor"].as_str().unwrap()), &m.admin).await, 200).await;
        assert_eq!(last["items"].as_array().unwrap().len(), 1);
        assert!(last["next_cursor"].is_null());
        // Offers were emailed, and so was the mother left without one.
        assert_eq!(offers(&app, &first).await.len() + offers(&app, &second).await.len(), 2);
        let steps: Vec<String> = app.emails_to("mother3@example.kz").await.into_iter().filter(|e| e.0 == "offer_update").map(|e| e.2["step"].as_str().unwrap().to_owned()).collect();
        assert_eq!(steps, ["not_matched"]);
        // Re-running the algorithm from the stored snapshot gives the same offers.
        let id = r["id"].as_str().unwrap().to_owned();
        let snapshot: social_jobs::matching::rounds::Snapshot = {
            let id = id.clone();
            let text = app.store.run(move |c| social_jobs::matching::queries::snapshot(c, &id).map_err(social_jobs::db::DbError::from)).await.unwrap().unwrap();
            serde_json::from_str(&text).unwrap()
        };
        let again = social_jobs::matching::algorithm::deferred_acceptance(&snapshot.market);
        let mut replayed: Vec<String> = again.assignment.iter().enumerate().filter_map(|(i, a)| a.map(|o| format!("{}:{}", snapshot.seeker_ids[i], snapshot.opening_ids[o]))).collect();
        let mut stored: Vec<String> = Vec::new();
        for t in [&first, &second, &third] {
            let me: Value = app.get_as("/api/v1/me", t).await.json().await.unwrap();
            for o in offers(&app, t).await {
                stored.push(format!("{}:{}", me["id"].as_str().unwrap(), o["opening_id"].as_str().unwrap()));
            }
        }
        replayed.sort();
        stored.sort();
        assert_eq!(replayed, stored);
        assert_eq!(snapshot.market.seekers.len(), 3);
    }

    async fn a_waiting_application_shows_the_latest_round_that_considered_it(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let place = job(&app, &m, 1, "Швея").await;
        let (_, first) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, second) = app.eligible_seeker(&m.admin, 2, 1, "auezov").await;
        problem(apply(&app, &first, &place).await, 201).await;
        problem(apply(&app, &second, &place).await, 201).await;
        let r1 = round(&app, &m).await;
        // The first mother holds her offer, so the second round considers only the second.
        let r2 = round(&app, &m).await;
        assert_eq!(r2["applications"], 1, "{r2}");
        let (_, late) = app.eligible_seeker(&m.admin, 3, 1, "auezov").await;
        problem(apply(&app, &late, &place).await, 201).await;
        let held = applications(&app, &first).await.remove(0);
        assert_eq!((held["status"].as_str(), held["last_round"]["round_id"].as_str()), (Some("offered"), r1["id"].as_str()), "{held}");
        let waiting = applications(&app, &second).await.remove(0);
        assert_eq!((waiting["status"].as_str(), waiting["last_round"]["round_id"].as_str()), (Some("not_matched"), r2["id"].as_str()), "{waiting}");
        let fresh = applications(&app, &late).await.remove(0);
        assert_eq!(fresh["status"], "submitted", "{fresh}");
        assert!(fresh["last_round"].is_null(), "{fresh}");
        // The employer sees the same three statuses.
        let listed = problem(app.get_as(&format!("/api/v1/openings/{place}/applications"), &m.employer).await, 200).await;
        let mut statuses: Vec<&str> = listed.as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
        statuses.sort();
        assert_eq!(statuses, ["not_matched", "offered", "submitted"], "{listed}");
    }

    async fn a_snapshot_stored_in_many_parts_reads_back_whole(backend: Backend) {
        use social_jobs::matching::{algorithm::{Application, Market, Seeker}, queries, rounds::{self, Snapshot}};
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let row = queries::RoundRow {
            id: uuid::Uuid::now_v7().to_string(), programme_id: m.jobs_programme.clone(), kind: "job".into(), status: "failed".into(),
            seed: 7, rules_version: 1, algorithm: rounds::ALGORITHM.into(), progress: 0, seekers: 0, applications: 0, offers: 0,
            error: None, started_by: "test".into(), created_at: app.store.now(), finished_at: None,
        };
        // Multi-byte text too: a part is cut where a character ends, never inside one.
        let snapshot = Snapshot {
            market: Market { capacities: vec![2, 1], seekers: (0..3).map(|i| Seeker { lottery: i, applications: vec![Application { opening: (i % 2) as usize, tier: 1, fit: 40 }] }).collect() },
            today: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            seeker_ids: vec!["Айгүл-1".into(), "Сәуле-2".into(), "Dana-3".into()],
            opening_ids: vec!["Өнер".into(), "Шеберхана".into()],
            application_ids: (0..3).map(|_| vec![uuid::Uuid::now_v7()]).collect(),
            ineligible: vec![(uuid::Uuid::now_v7(), "Гүлнар".into(), "Өнер".into())],
        };
        let (r, s) = (row.clone(), snapshot.clone());
        app.store.transaction(move |c| {
            queries::insert_round(c, &r)?;
            rounds::store_snapshot(c, &r.id, &s, 7).map_err(|e| social_jobs::db::DbError::Worker(format!("{e:?}")))
        }).await.unwrap();
        let id = row.id.clone();
        let text = app.store.run(move |c| queries::snapshot(c, &id).map_err(social_jobs::db::DbError::from)).await.unwrap().unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&text).unwrap(), snapshot);
        let id = row.id.clone();
        let parts: i64 = app.store.run(move |c| {
            use diesel::prelude::*;
            use social_jobs::db::schema::round_snapshot_parts as parts;
            parts::table.filter(parts::round_id.eq(id)).count().get_result(c).map_err(social_jobs::db::DbError::from)
        }).await.unwrap();
        assert!(parts as usize >= text.len() / 64, "{parts} parts for {} bytes", text.len());
    }

    async fn a_round_reads_the_same_waiting_applications_in_one_statement_or_in_chunks(backend: Backend) {
        use social_jobs::matching::queries;
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (first, second) = (job(&app, &m, 1, "Швея").await, job(&app, &m, 1, "Повар").await);
        let (a, one) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (b, two) = app.eligible_seeker(&m.admin, 2, 1, "auezov").await;
        for (token, opening) in [(&one, &first), (&one, &second), (&two, &first)] {
            problem(apply(&app, token, opening).await, 201).await;
        }
        // Only the first opening is in the round: her application to the second is not read.
        let (programme, ids) = (m.jobs_programme.clone(), vec![first.clone()]);
        let (single, chunked) = app.store.run(move |c| {
            Ok::<_, social_jobs::db::DbError>((
                queries::waiting_for_round_reading(c, &programme, &ids, usize::MAX)?,
                queries::waiting_for_round_reading(c, &programme, &ids, 1)?,
            ))
        }).await.unwrap();
        assert_eq!(single, chunked);
        let read: Vec<(&str, Vec<usize>)> = single.iter().map(|(s, w)| (s.as_str(), w.iter().map(|w| w.opening).collect())).collect();
        let mut expected = vec![(a.as_str(), vec![0]), (b.as_str(), vec![0])];
        expected.sort();
        assert_eq!(read, expected);
    }

    async fn accepting_makes_a_placement_declining_frees_the_place_for_the_next_round(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let place = job(&app, &m, 1, "Швея").await;
        let (_, first) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, second) = app.eligible_seeker(&m.admin, 2, 1, "auezov").await;
        problem(apply(&app, &first, &place).await, 201).await;
        problem(apply(&app, &second, &place).await, 201).await;
        let first_round = round(&app, &m).await;
        let offer = offers(&app, &first).await.remove(0);
        assert_eq!(offer["status"], "pending");
        assert!(offers(&app, &second).await.is_empty());
        // The round left hers waiting: she and the employer see it not matched, and why.
        let waiting = applications(&app, &second).await.remove(0);
        assert_eq!((waiting["status"].as_str(), waiting["last_round"]["round_id"].as_str(), waiting["last_round"]["outcome"].as_str()), (Some("not_matched"), first_round["id"].as_str(), Some("higher_tier")), "{waiting}");
        let listed = problem(app.get_as(&format!("/api/v1/openings/{place}/applications"), &m.employer).await, 200).await;
        let statuses: Vec<&str> = listed.as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == "not_matched").count(), 1, "{listed}");
        assert_eq!(statuses.iter().filter(|s| **s == "offered").count(), 1, "{listed}");
        // Withdrawing an offered application is refused: she declines the offer instead.
        problem(app.client.delete(app.url(&format!("/api/v1/me/applications/{}", offer["application_id"].as_str().unwrap()))).bearer_auth(&first).send().await.unwrap(), 409).await;
        // Someone else's offer is not hers to answer.
        problem(app.post_json(&format!("/api/v1/offers/{}/accept", offer["id"].as_str().unwrap()), &json!({}), Some(&second)).await, 404).await;
        let declined = problem(app.post_json(&format!("/api/v1/offers/{}/decline", offer["id"].as_str().unwrap()), &json!({}), Some(&first)).await, 200).await;
        assert_eq!(declined["status"], "declined");
        problem(app.post_json(&format!("/api/v1/offers/{}/accept", offer["id"].as_str().unwrap()), &json!({}), Some(&first)).await, 409).await;
        // The next round gives the freed place to the second mother.
        let r = round(&app, &m).await;
        assert_eq!(r["offers"], 1);
        // Her application now shows the later round's word, not the first's.
        let offered = applications(&app, &second).await.remove(0);
        assert_eq!((offered["status"].as_str(), offered["last_round"]["round_id"].as_str(), offered["last_round"]["outcome"].as_str()), (Some("offered"), r["id"].as_str(), Some("offered")), "{offered}");
        let offer = offers(&app, &second).await.remove(0);
        let accepted = problem(app.post_json(&format!("/api/v1/offers/{}/accept", offer["id"].as_str().unwrap()), &json!({}), Some(&second)).await, 200).await;
        assert_eq!(accepted["status"], "accepted");
        let placement_id = accepted["placement_id"].as_str().unwrap().to_owned();
        // Her list of offers shows the placement the acceptance made, not only the answer to it.
        let listed = offers(&app, &second).await.remove(0);
        assert_eq!((listed["status"].as_str(), listed["placement_id"].as_str()), (Some("accepted"), Some(placement_id.as_str())));
        assert!(listed["enrollment_id"].is_null());
        let opening: Value = app.get(&format!("/api/v1/openings/{place}")).await.json().await.unwrap();
        assert_eq!(opening["places_left"], 0);
        // The seeker and the employer are emailed.
        let steps: Vec<String> = app.emails_to("mother2@example.kz").await.into_iter().filter(|e| e.0 == "offer_update").map(|e| e.2["step"].as_str().unwrap().to_owned()).collect();
        assert_eq!(steps, ["not_matched", "made", "accepted"]);
        let org_mail = app.emails_to("hr1@alem.kz").await;
        assert!(org_mail.iter().any(|e| e.0 == "candidate_accepted" && e.2["seeker_name"] == "Айгүл Сейітқызы"));
        // The employer records the start and the end.
        let list = problem(app.get_as(&format!("/api/v1/openings/{place}/placements"), &m.employer).await, 200).await;
        assert_eq!(list[0]["status"], "awaiting_start");
        let p = problem(app.post_json(&format!("/api/v1/placements/{placement_id}/end"), &json!({ "ended_on": "2027-06-01", "reason": "completed" }), Some(&m.employer)).await, 409).await;
        assert!(p["detail"].is_string());
        problem(app.post_json(&format!("/api/v1/placements/{placement_id}/start"), &json!({ "started_on": "2027-02-01" }), Some(&m.provider)).await, 403).await;
        let started = problem(app.post_json(&format!("/api/v1/placements/{placement_id}/start"), &json!({ "started_on": "2027-02-01" }), Some(&m.employer)).await, 200).await;
        assert_eq!(started["status"], "active");
        problem(app.post_json(&format!("/api/v1/placements/{placement_id}/end"), &json!({ "ended_on": "2027-01-01", "reason": "completed" }), Some(&m.employer)).await, 422).await;
        let ended = problem(app.post_json(&format!("/api/v1/placements/{placement_id}/end"), &json!({ "ended_on": "2027-06-01", "reason": "hired" }), Some(&m.employer)).await, 200).await;
        assert_eq!((ended["status"].as_str(), ended["end_reason"].as_str()), (Some("ended"), Some("hired")));
    }

    async fn the_organisation_hears_of_an_acceptance_in_each_members_language_with_real_links(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        // The employer reads Kazakh, the course provider English.
        sql(&app, "UPDATE accounts SET locale = 'kk' WHERE email = 'employer1@example.kz'".into()).await;
        sql(&app, "UPDATE accounts SET locale = 'en' WHERE email = 'provider2@example.kz'".into()).await;
        let place = job(&app, &m, 1, "Тігінші").await;
        let course = app.published(&m.provider, &common::api::course_opening(&m.courses_programme)).await["id"].as_str().unwrap().to_owned();
        let (_, worker) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, student) = app.eligible_seeker(&m.admin, 2, 3, "auezov").await;
        problem(apply(&app, &worker, &place).await, 201).await;
        problem(apply(&app, &student, &course).await, 201).await;
        round(&app, &m).await;
        let started = problem(app.post_json("/api/v1/matching-rounds", &json!({ "programme_id": m.courses_programme, "kind": "course" }), Some(&m.admin)).await, 202).await;
        social_jobs::matching::rounds::run(&app.store, &Settings::default(), started["id"].as_str().unwrap()).await.unwrap();
        for token in [&worker, &student] {
            let offer = offers(&app, token).await.remove(0);
            problem(app.post_json(&format!("/api/v1/offers/{}/accept", offer["id"].as_str().unwrap()), &json!({}), Some(token)).await, 200).await;
        }
        let accepted = |to: &'static str| {
            let app = &app;
            async move { app.emails_to(to).await.into_iter().filter(|e| e.0 == "candidate_accepted").collect::<Vec<_>>() }
        };
        // Each member in their language; the contact address in its registrant's.
        let employer = accepted("employer1@example.kz").await;
        let provider = accepted("provider2@example.kz").await;
        assert_eq!(employer.len(), 1, "{employer:?}");
        assert_eq!(provider.len(), 1, "{provider:?}");
        assert_eq!((employer[0].1.as_str(), provider[0].1.as_str()), ("kk", "en"));
        let contact = accepted("hr1@alem.kz").await;
        assert_eq!(contact.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(), ["kk"]);
        assert_eq!(accepted("hr2@alem.kz").await[0].1, "en");
        // A job links to its placements (where the start is recorded), a course to its sessions
        // (the enrollment exists already; attendance is marked there): pages of real routes.
        let (job_mail, course_mail) = (&employer[0].2, &provider[0].2);
        assert_eq!(job_mail["kind"], "job");
        assert_eq!(course_mail["kind"], "course");
        assert!(job_mail["link"].as_str().unwrap().ends_with(&format!("/openings/{place}/placements")), "{job_mail}");
        assert!(course_mail["link"].as_str().unwrap().ends_with(&format!("/courses/{course}/sessions")), "{course_mail}");
        let api = social_jobs::http::openapi();
        for (data, id) in [(job_mail, &place), (course_mail, &course)] {
            let link = data["link"].as_str().unwrap();
            let path = url::Url::parse(link).unwrap().path().replace(id.as_str(), "{id}");
            let route = format!("/api/v1{path}");
            assert!(api.paths.paths.get(&route).is_some_and(|item| item.get.is_some()), "{link}: no GET {route}");
        }
        // The texts say what to do there, in the member's language, and nothing about the other kind.
        let templates = social_jobs::notifications::Templates::load().unwrap();
        let render = |data: &Value, locale| templates.render(social_jobs::notifications::EmailTemplate::CandidateAccepted, locale, data).unwrap();
        let kk = render(job_mail, social_jobs::http::locale::Locale::Kk);
        assert!(kk.text.contains("Айгүл Сейітқызы") && kk.text.contains("Тігінші") && kk.text.contains(job_mail["link"].as_str().unwrap()), "{}", kk.text);
        assert!(kk.subject.contains("жұмыс орны"), "{}", kk.subject);
        let en = render(course_mail, social_jobs::http::locale::Locale::En);
        assert!(en.text.contains("enrolled") && en.text.contains("attendance") && !en.text.contains("placement"), "{}", en.text);
        let ru = render(course_mail, social_jobs::http::locale::Locale::Ru);
        assert!(!ru.text.contains("принял") && !ru.text.contains("зачислен ") && ru.text.contains("посещаемость"), "{}", ru.text);
    }

    async fn unanswered_offers_get_a_reminder_then_lapse(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let place = job(&app, &m, 1, "Швея").await;
        let (_, mother) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        problem(apply(&app, &mother, &place).await, 201).await;
        round(&app, &m).await;
        let offer = offers(&app, &mother).await.remove(0);
        let id = offer["id"].as_str().unwrap().to_owned();
        let settings = Settings::default();
        let run = social_jobs::matching::offers::expire_and_remind(&app.store, &settings).await.unwrap();
        assert_eq!((run.expired, run.reminded), (0, 0), "five days left: nothing to do");
        let soon = (common::clock().now() + chrono::Duration::hours(12)).naive_utc().format("%Y-%m-%d %H:%M:%S");
        sql(&app, format!("UPDATE offers SET expires_at = '{soon}' WHERE id = '{id}'")).await;
        let run = social_jobs::matching::offers::expire_and_remind(&app.store, &settings).await.unwrap();
        assert_eq!((run.expired, run.reminded), (0, 1));
        let run = social_jobs::matching::offers::expire_and_remind(&app.store, &settings).await.unwrap();
        assert_eq!((run.expired, run.reminded), (0, 0), "one reminder only");
        sql(&app, format!("UPDATE offers SET expires_at = '2020-01-01 00:00:00' WHERE id = '{id}'")).await;
        problem(app.post_json(&format!("/api/v1/offers/{id}/accept"), &json!({}), Some(&mother)).await, 409).await;
        let run = social_jobs::matching::offers::expire_and_remind(&app.store, &settings).await.unwrap();
        assert_eq!((run.expired, run.reminded), (1, 0));
        assert_eq!(offers(&app, &mother).await[0]["status"], "expired");
        assert_eq!(applications(&app, &mother).await[0]["status"], "expired");
        let steps: Vec<String> = app.emails_to("mother1@example.kz").await.into_iter().filter(|e| e.0 == "offer_update").map(|e| e.2["step"].as_str().unwrap().to_owned()).collect();
        assert_eq!(steps, ["made", "reminder", "expired"]);
    }

    async fn of_two_acceptances_racing_for_the_last_place_exactly_one_wins(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let place = job(&app, &m, 2, "Швея").await;
        let (_, a) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let (_, b) = app.eligible_seeker(&m.admin, 2, 4, "auezov").await;
        problem(apply(&app, &a, &place).await, 201).await;
        problem(apply(&app, &b, &place).await, 201).await;
        round(&app, &m).await;
        // The employer cuts the places to one after the offers went out.
        let res = app.client.patch(app.url(&format!("/api/v1/openings/{place}"))).bearer_auth(&m.employer).json(&json!({ "capacity": 1 })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let oa = offers(&app, &a).await.remove(0)["id"].as_str().unwrap().to_owned();
        let ob = offers(&app, &b).await.remove(0)["id"].as_str().unwrap().to_owned();
        let (pa, pb, empty) = (format!("/api/v1/offers/{oa}/accept"), format!("/api/v1/offers/{ob}/accept"), json!({}));
        let (ra, rb) = tokio::join!(app.post_json(&pa, &empty, Some(&a)), app.post_json(&pb, &empty, Some(&b)));
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409]);
        let opening: Value = app.get(&format!("/api/v1/openings/{place}")).await.json().await.unwrap();
        assert_eq!((opening["capacity"].as_i64(), opening["places_left"].as_i64()), (Some(1), Some(0)));
        // The same offer accepted twice at once: one answer wins.
        let place2 = job(&app, &m, 1, "Повар").await;
        let (_, c) = app.eligible_seeker(&m.admin, 3, 4, "auezov").await;
        problem(apply(&app, &c, &place2).await, 201).await;
        round(&app, &m).await;
        let oc = offers(&app, &c).await.remove(0)["id"].as_str().unwrap().to_owned();
        let pc = format!("/api/v1/offers/{oc}/accept");
        let (r1, r2) = tokio::join!(app.post_json(&pc, &empty, Some(&c)), app.post_json(&pc, &empty, Some(&c)));
        let mut statuses = [r1.status().as_u16(), r2.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409]);
    }

    async fn a_round_runs_once_at_a_time_and_a_failed_one_leaves_nothing_and_can_be_run_again(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let place = job(&app, &m, 1, "Швея").await;
        let (_, mother) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
        let application = problem(apply(&app, &mother, &place).await, 201).await["id"].as_str().unwrap().to_owned();
        let body = json!({ "programme_id": m.jobs_programme, "kind": "job" });
        let started = problem(app.post_json("/api/v1/matching-rounds", &body, Some(&m.admin)).await, 202).await;
        problem(app.post_json("/api/v1/matching-rounds", &body, Some(&m.admin)).await, 409).await;
        problem(app.post_json("/api/v1/matching-rounds", &json!({ "programme_id": m.jobs_programme, "kind": "course" }), Some(&m.admin)).await, 422).await;
        // Sabotage the write of the results: the row the round will write is there already.
        let id = started["id"].as_str().unwrap().to_owned();
        sql(&app, format!("INSERT INTO round_results (round_id, application_id, seeker_id, opening_id, offered, explanation) VALUES ('{id}', '{application}', 'x', 'x', FALSE, '{{}}')")).await;
        let status = social_jobs::matching::rounds::run(&app.store, &Settings::default(), &id).await.unwrap();
        assert_eq!(status, social_jobs::matching::rounds::RoundStatus::Failed);
        let failed: Value = app.get_as(&format!("/api/v1/matching-rounds/{id}"), &m.admin).await.json().await.unwrap();
        assert_eq!(failed["status"], "failed");
        assert!(failed["error"].is_string());
        // No offer, no changed application, no email of it.
        assert!(offers(&app, &mother).await.is_empty());
        assert_eq!(applications(&app, &mother).await[0]["status"], "submitted");
        assert!(app.emails_to("mother1@example.kz").await.iter().all(|e| e.0 != "offer_update"));
        // A new round runs to the end.
        let r = round(&app, &m).await;
        assert_eq!((r["status"].as_str(), r["offers"].as_i64()), (Some("completed"), Some(1)));
        assert_eq!(offers(&app, &mother).await.len(), 1);
    }
}
