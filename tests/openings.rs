//! Openings: posting and its rules, the public browse (every filter, sort, full-text, geo, facets,
//! cursor paging under inserts), ETag/304, localised text, and recommendations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{
    TestApp,
    api::{Market, course_opening, day, job_opening},
    spawn_app,
};
use serde_json::{Value, json};

/// Almaty, the Abay Opera House: the centre of the geo tests.
const CENTRE: (f64, f64) = (43.2389, 76.8897);

struct Spec {
    kind: &'static str,
    kk: &'static str,
    ru: &'static str,
    description: &'static str,
    district: &'static str,
    skills: &'static [&'static str],
    employment: &'static str,
    at: Option<(f64, f64)>,
    deadline: i64,
}

/// The seeded set. Distances from CENTRE: Швея 0, Курсы кондитера 0.8 km, Повар 2.75 km, Кассир
/// 12.3 km; the others have no coordinates.
const SET: &[Spec] = &[
    Spec {
        kind: "job",
        kk: "Тігінші",
        ru: "Швея-мотористка",
        description: "Пошив школьной формы.",
        district: "auezov",
        skills: &["тігін"],
        employment: "part_time",
        at: Some(CENTRE),
        deadline: 20,
    },
    Spec {
        kind: "job",
        kk: "Аспаз",
        ru: "Повар",
        description: "Столовая школы, горячие блюда.",
        district: "almaly",
        skills: &["аспаз"],
        employment: "full_time",
        at: Some((43.25, 76.92)),
        deadline: 15,
    },
    Spec {
        kind: "job",
        kk: "Тазалықшы",
        ru: "Уборщица",
        description: "Уборка цеха, где работает швея.",
        district: "almaly",
        skills: &["тазалық"],
        employment: "part_time",
        at: None,
        deadline: 25,
    },
    Spec {
        kind: "job",
        kk: "Кассир",
        ru: "Кассир",
        description: "Супермаркет у дома.",
        district: "turksib",
        skills: &["кассир"],
        employment: "full_time",
        at: Some((43.34, 76.95)),
        deadline: 10,
    },
    Spec {
        kind: "course",
        kk: "Кондитер курсы",
        ru: "Курсы кондитера",
        description: "Приготовление десертов.",
        district: "zhetysu",
        skills: &[],
        employment: "part_time",
        at: Some((43.245, 76.895)),
        deadline: 30,
    },
    Spec {
        kind: "course",
        kk: "Тігін курсы",
        ru: "Курсы кройки и шитья",
        description: "Тігін машинасымен жұмыс.",
        district: "auezov",
        skills: &["тігін"],
        employment: "part_time",
        at: None,
        deadline: 12,
    },
];

fn body(m: &Market, s: &Spec) -> Value {
    let mut b = if s.kind == "job" {
        job_opening(&m.jobs_programme)
    } else {
        course_opening(&m.courses_programme)
    };
    b["title"] = json!({ "kk": s.kk, "ru": s.ru });
    b["description"] = json!({ "ru": s.description });
    b["district"] = json!(s.district);
    b["skills"] = json!(s.skills);
    b["schedule"]["employment"] = json!(s.employment);
    b["application_deadline"] = json!(day(s.deadline));
    if let Some((lat, lon)) = s.at {
        b["coordinates"] = json!({ "lat": lat, "lon": lon });
    }
    b
}

fn token<'a>(m: &'a Market, kind: &str) -> &'a str {
    if kind == "job" {
        &m.employer
    } else {
        &m.provider
    }
}

/// The market with the seeded set published (in SET order), plus a draft and a closed opening
/// that must never be listed.
async fn seeded(app: &TestApp) -> Market {
    let m = app.market().await;
    for s in SET {
        app.published(token(&m, s.kind), &body(&m, s)).await;
    }
    let mut draft = job_opening(&m.jobs_programme);
    draft["title"] = json!({ "ru": "Черновик швея" });
    assert_eq!(
        app.post_json("/api/v1/openings", &draft, Some(&m.employer))
            .await
            .status(),
        201
    );
    let mut closed = job_opening(&m.jobs_programme);
    closed["title"] = json!({ "ru": "Закрытая швея" });
    let c = app.published(&m.employer, &closed).await;
    let res = app
        .post_json(
            &format!("/api/v1/openings/{}/close", c["id"].as_str().unwrap()),
            &json!({}),
            Some(&m.employer),
        )
        .await;
    assert_eq!(res.status(), 200);
    m
}

async fn page(app: &TestApp, query: &str) -> Value {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/openings?{query}")))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{query}: {body}");
    body
}

/// Russian titles of every item over all pages, in order.
async fn titles(app: &TestApp, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&limit=2&cursor={c}"),
            None => format!("{query}&limit=2"),
        };
        let p = page(app, &q).await;
        out.extend(
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned()),
        );
        match p["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    res.json().await.unwrap()
}

backend_tests! {
    async fn every_filter_and_their_combinations_select_exactly_the_matching_openings(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = seeded(&app).await;
        let jobs = set(&["Швея-мотористка", "Повар", "Уборщица", "Кассир"]);
        let courses = set(&["Курсы кондитера", "Курсы кройки и шитья"]);
        let cases: Vec<(String, BTreeSet<String>)> = vec![
            ("".into(), jobs.union(&courses).cloned().collect()),
            ("kind=job".into(), jobs.clone()),
            ("kind=course".into(), courses.clone()),
            (format!("programme_id={}", m.jobs_programme), jobs.clone()),
            ("district=auezov".into(), set(&["Швея-мотористка", "Курсы кройки и шитья"])),
            ("skill=тігін".into(), set(&["Швея-мотористка", "Курсы кройки и шитья"])),
            ("skill=%D0%A2%D0%86%D0%93%D0%86%D0%9D".into(), set(&["Швея-мотористка", "Курсы кройки и шитья"])), // ТІГІН
            ("schedule=full_time".into(), set(&["Повар", "Кассир"])),
            ("schedule=part_time".into(), set(&["Швея-мотористка", "Уборщица", "Курсы кондитера", "Курсы кройки и шитья"])),
            ("has_stipend=true".into(), courses.clone()),
            ("has_stipend=false".into(), jobs.clone()),
            ("kind=job&district=almaly".into(), set(&["Повар", "Уборщица"])),
            ("kind=job&schedule=part_time&skill=тігін".into(), set(&["Швея-мотористка"])),
            ("q=курсы&has_stipend=true&district=zhetysu".into(), set(&["Курсы кондитера"])),
            (format!("near={},{}&radius_km=5&kind=course", CENTRE.0, CENTRE.1), set(&["Курсы кондитера"])),
            ("kind=course&schedule=full_time".into(), set(&[])),
            ("district=medeu".into(), set(&[])),
        ];
        for (query, expected) in cases {
            let got: BTreeSet<String> = titles(&app, &query).await.into_iter().collect();
            assert_eq!(got, expected, "{query}");
        }
        // Each item says how many places are left.
        let p = page(&app, "kind=course").await;
        assert!(p["items"].as_array().unwrap().iter().all(|i| i["places_left"] == 12 && i["has_stipend"] == true && i["stipend_monthly_tiyn"] == 3_000_000));
    }

    async fn sorts_order_by_deadline_newest_distance_and_relevance(backend: Backend) {
        let app = spawn_app(backend).await;
        seeded(&app).await;
        assert_eq!(titles(&app, "sort=deadline").await, ["Кассир", "Курсы кройки и шитья", "Повар", "Швея-мотористка", "Уборщица", "Курсы кондитера"]);
        let mut newest: Vec<String> = SET.iter().map(|s| s.ru.to_owned()).collect();
        newest.reverse();
        assert_eq!(titles(&app, "sort=newest").await, newest);
        assert_eq!(titles(&app, "").await, newest, "newest is the default");
        let near = format!("near={},{}", CENTRE.0, CENTRE.1);
        assert_eq!(titles(&app, &format!("{near}&radius_km=20&sort=distance")).await, ["Швея-мотористка", "Курсы кондитера", "Повар", "Кассир"]);
        let p = page(&app, &format!("{near}&radius_km=20&sort=distance")).await;
        let km: Vec<f64> = p["items"].as_array().unwrap().iter().map(|i| i["distance_km"].as_f64().unwrap()).collect();
        assert!(km[0] < 0.01 && (km[1] - 0.80).abs() < 0.05 && (km[2] - 2.75).abs() < 0.1 && (km[3] - 12.3).abs() < 0.3, "{km:?}");
        // Relevance: a title hit (3 points) before a description-only hit (1), whatever the age.
        assert_eq!(titles(&app, "q=швея").await, ["Швея-мотористка", "Уборщица"]);
        assert_eq!(titles(&app, "q=швея&sort=newest").await, ["Уборщица", "Швея-мотористка"]);
    }

    async fn full_text_finds_kazakh_and_russian_words_case_insensitively_by_prefix(backend: Backend) {
        let app = spawn_app(backend).await;
        seeded(&app).await;
        let q = |q: &str| format!("q={}", url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>());
        for (query, expected) in [
            ("ТІГІН", set(&["Швея-мотористка", "Курсы кройки и шитья"])),   // Kazakh, upper case, prefix of тігінші
            ("тігін машинасымен", set(&["Курсы кройки и шитья"])),          // all words must match
            ("ШВЕЯ", set(&["Швея-мотористка", "Уборщица"])),
            ("мотористка", set(&["Швея-мотористка"])),                      // part of a hyphenated word
            ("повар", set(&["Повар"])),
            ("Аспаз", set(&["Повар"])),
            ("курсы кондитера", set(&["Курсы кондитера"])),
            ("десерт", set(&["Курсы кондитера"])),
            ("ракета", set(&[])),
            ("швея ракета", set(&[])),
        ] {
            let got: BTreeSet<String> = titles(&app, &q(query)).await.into_iter().collect();
            assert_eq!(got, expected, "q={query}");
        }
        // Query syntax is not passed through: quotes, stars and operators are just separators.
        let got: BTreeSet<String> = titles(&app, &q("\"швея\" OR * NEAR(")).await.into_iter().collect();
        assert!(got.is_empty(), "{got:?}");
        let p = problem(app.get("/api/v1/openings?q=%21%21%21").await, 422).await;
        assert!(p["errors"]["q"].is_string());
    }

    async fn geo_radius_keeps_openings_within_the_circle(backend: Backend) {
        let app = spawn_app(backend).await;
        seeded(&app).await;
        let near = format!("near={},{}", CENTRE.0, CENTRE.1);
        for (radius, expected) in [
            ("0.5", set(&["Швея-мотористка"])),
            ("2", set(&["Швея-мотористка", "Курсы кондитера"])),
            ("5", set(&["Швея-мотористка", "Курсы кондитера", "Повар"])),
            ("20", set(&["Швея-мотористка", "Курсы кондитера", "Повар", "Кассир"])),
        ] {
            let got: BTreeSet<String> = titles(&app, &format!("{near}&radius_km={radius}")).await.into_iter().collect();
            assert_eq!(got, expected, "radius {radius}");
        }
        for bad in ["near=43.2", "near=91,76", "near=a,b", "radius_km=3", "sort=distance", &format!("{near}&radius_km=500")] {
            problem(app.get(&format!("/api/v1/openings?{bad}")).await, 422).await;
        }
    }

    async fn facets_count_everything_the_filters_match(backend: Backend) {
        let app = spawn_app(backend).await;
        seeded(&app).await;
        let p = page(&app, "kind=job&facets=district,kind,skill&limit=1").await;
        assert_eq!(p["items"].as_array().unwrap().len(), 1);
        let counts = |name: &str| -> BTreeMap<String, i64> {
            p["facets"][name].as_array().unwrap().iter().map(|c| (c["value"].as_str().unwrap().to_owned(), c["count"].as_i64().unwrap())).collect()
        };
        assert_eq!(counts("district"), BTreeMap::from([("almaly".into(), 2), ("auezov".into(), 1), ("turksib".into(), 1)]));
        assert_eq!(counts("kind"), BTreeMap::from([("job".into(), 4)]));
        assert_eq!(counts("skill"), BTreeMap::from([("аспаз".into(), 1), ("кассир".into(), 1), ("тазалық".into(), 1), ("тігін".into(), 1)]));
        let p = page(&app, "facets=kind").await;
        assert_eq!(p["facets"]["kind"], json!([{ "value": "job", "count": 4 }, { "value": "course", "count": 2 }]));
        assert!(p["facets"].get("district").is_none());
        assert!(page(&app, "").await.get("facets").is_none());
        problem(app.get("/api/v1/openings?facets=income").await, 422).await;
    }

    async fn cursor_pages_neither_skip_nor_repeat_while_openings_are_published(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = seeded(&app).await;
        let near = format!("near={},{}&radius_km=50", CENTRE.0, CENTRE.1);
        let mut extra = 0;
        for query in ["sort=newest".to_owned(), "sort=deadline".to_owned(), format!("{near}&sort=distance"), "q=курсы".to_owned()] {
            let before: Vec<String> = page(&app, &format!("{query}&limit=100")).await["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
            assert!(before.len() >= 2, "{query}");
            let mut seen: Vec<String> = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let q = match &cursor { Some(c) => format!("{query}&limit=2&cursor={c}"), None => format!("{query}&limit=2") };
                let p = page(&app, &q).await;
                seen.extend(p["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()));
                // Between pages, openings that sort first, last and in between are published.
                for (deadline, at) in [(1, CENTRE), (35, (43.5, 77.2)), (14, (43.25, 76.90))] {
                    extra += 1;
                    let mut b = course_opening(&m.courses_programme);
                    b["title"] = json!({ "ru": format!("Курсы новые {extra}") });
                    b["application_deadline"] = json!(day(deadline));
                    b["coordinates"] = json!({ "lat": at.0, "lon": at.1 });
                    app.published(&m.provider, &b).await;
                }
                match p["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
            let unique: BTreeSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{query}: an item was repeated");
            for id in &before {
                assert!(seen.contains(id), "{query}: {id} was skipped");
            }
        }
        let bad = problem(app.get("/api/v1/openings?cursor=not-a-cursor").await, 422).await;
        assert!(bad["errors"]["cursor"].is_string());
        // A cursor is tied to its sort.
        let p = page(&app, "sort=deadline&limit=1").await;
        let c = p["next_cursor"].as_str().unwrap();
        problem(app.get(&format!("/api/v1/openings?sort=newest&cursor={c}")).await, 422).await;
        problem(app.get("/api/v1/openings?limit=101").await, 422).await;
        problem(app.get("/api/v1/openings?limit=0").await, 422).await;
    }

    async fn an_opening_is_posted_as_a_draft_published_read_with_etag_and_closed(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let res = app.post_json("/api/v1/openings", &job_opening(&m.jobs_programme), Some(&m.employer)).await;
        assert_eq!(res.status(), 201);
        let draft: Value = res.json().await.unwrap();
        let id = draft["id"].as_str().unwrap().to_owned();
        assert_eq!(draft["status"], "draft");
        // Subsidy taken from the programme, not from the employer.
        assert_eq!(draft["subsidy_percent"], 35);
        assert_eq!(draft["subsidy_months"], 12);
        assert_eq!(draft["organisation"]["id"], m.employer_org.as_str());
        // A draft is not listed and not shown to others.
        assert!(page(&app, "").await["items"].as_array().unwrap().is_empty());
        assert_eq!(app.get(&format!("/api/v1/openings/{id}")).await.status(), 404);
        assert_eq!(app.get_as(&format!("/api/v1/openings/{id}"), &m.provider).await.status(), 404);
        assert_eq!(app.get_as(&format!("/api/v1/openings/{id}"), &m.employer).await.status(), 200);
        assert_eq!(app.get_as(&format!("/api/v1/openings/{id}"), &m.admin).await.status(), 200);
        // An invalid token is refused rather than ignored.
        assert_eq!(app.get_as(&format!("/api/v1/openings/{id}"), "not-a-token").await.status(), 401);

        let res = app.post_json(&format!("/api/v1/openings/{id}/publish"), &json!({}), Some(&m.employer)).await;
        assert_eq!(res.status(), 200);
        problem(app.post_json(&format!("/api/v1/openings/{id}/publish"), &json!({}), Some(&m.employer)).await, 409).await;
        assert_eq!(page(&app, "").await["items"].as_array().unwrap().len(), 1);

        // ETag and 304; the tag follows the language and every change.
        let url = app.url(&format!("/api/v1/openings/{id}"));
        let get = |lang: &'static str, etag: Option<String>| {
            let mut r = app.client.get(&url).header("Accept-Language", lang);
            if let Some(e) = etag { r = r.header("If-None-Match", e); }
            r.send()
        };
        let first = get("kk", None).await.unwrap();
        assert_eq!(first.status(), 200);
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let body: Value = first.json().await.unwrap();
        assert_eq!((body["title"].as_str(), body["lang"].as_str()), (Some("Тігінші"), Some("kk")));
        assert_eq!(body["title_i18n"], json!({ "kk": "Тігінші", "ru": "Швея" }));
        let again = get("kk", Some(etag.clone())).await.unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(get("kk", Some(format!("\"other\", W/{etag}"))).await.unwrap().status(), 304);
        let ru = get("ru", Some(etag.clone())).await.unwrap();
        assert_eq!(ru.status(), 200, "another language is another representation");
        // English was not given: Russian is the fallback.
        let en: Value = get("en", None).await.unwrap().json().await.unwrap();
        assert_eq!((en["title"].as_str(), en["lang"].as_str()), (Some("Швея"), Some("ru")));

        let res = app.client.patch(app.url(&format!("/api/v1/openings/{id}"))).bearer_auth(&m.employer).json(&json!({ "capacity": 5, "title": { "kk": "Тігінші-пішуші", "ru": "Швея-закройщица" } })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let changed = get("kk", Some(etag.clone())).await.unwrap();
        assert_eq!(changed.status(), 200);
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
        let changed: Value = changed.json().await.unwrap();
        assert_eq!((changed["title"].as_str(), changed["capacity"].as_i64(), changed["places_left"].as_i64()), (Some("Тігінші-пішуші"), Some(5), Some(5)));
        // The new title is what search finds.
        assert_eq!(titles(&app, "q=закройщица").await, ["Швея-закройщица"]);
        assert!(titles(&app, "q=тігінші-пішуші").await.len() == 1);

        let res = app.post_json(&format!("/api/v1/openings/{id}/close"), &json!({}), Some(&m.employer)).await;
        assert_eq!(res.status(), 200);
        assert!(page(&app, "").await["items"].as_array().unwrap().is_empty());
        assert_eq!(app.get(&format!("/api/v1/openings/{id}")).await.status(), 200, "a closed opening can still be read");
        problem(app.post_json(&format!("/api/v1/openings/{id}/close"), &json!({}), Some(&m.employer)).await, 409).await;
        let res = app.client.patch(app.url(&format!("/api/v1/openings/{id}"))).bearer_auth(&m.employer).json(&json!({ "capacity": 6 })).send().await.unwrap();
        problem(res, 409).await;
        // Every step is audited.
        let audit: Vec<String> = app.store.run(move |c| social_jobs::audit::for_entity(c, "opening", &id).map_err(social_jobs::db::DbError::from)).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(audit, ["opening.created", "opening.published", "opening.changed", "opening.closed"]);
    }

    async fn a_course_calendar_is_stored_as_almaty_times(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let course = app.published(&m.provider, &course_opening(&m.courses_programme)).await;
        let sessions = course["sessions"].as_array().unwrap();
        // Tuesdays and Thursdays over four weeks (29 days): eight or nine sessions.
        assert!((8..=9).contains(&sessions.len()), "{}", sessions.len());
        for s in sessions {
            let starts = chrono::DateTime::parse_from_rfc3339(s["starts_at"].as_str().unwrap()).unwrap();
            let local = starts.with_timezone(&chrono_tz::Asia::Almaty);
            assert_eq!(local.format("%H:%M").to_string(), "10:00");
            assert!(matches!(local.format("%a").to_string().as_str(), "Tue" | "Thu"));
        }
        assert_eq!(course["has_stipend"], true);
        assert!(course["wage_monthly_tiyn"].is_null());
        // Published: the calendar and dates are fixed; the capacity may grow or shrink to the
        // places already given, not below.
        let id = course["id"].as_str().unwrap();
        let patch = |b: Value| app.client.patch(app.url(&format!("/api/v1/openings/{id}"))).bearer_auth(&m.provider).json(&b).send();
        let p = problem(patch(json!({ "start_date": day(41), "sessions": [] })).await.unwrap(), 422).await;
        assert!(p["errors"]["start_date"].is_string() && p["errors"]["sessions"].is_string());
        set_places_given(&app, id, 4).await;
        let p = problem(patch(json!({ "capacity": 3 })).await.unwrap(), 422).await;
        assert!(p["errors"]["capacity"].as_str().unwrap().contains('4'));
        assert_eq!(patch(json!({ "capacity": 4 })).await.unwrap().status(), 200);
        let grown: Value = patch(json!({ "capacity": 20 })).await.unwrap().json().await.unwrap();
        assert_eq!((grown["capacity"].as_i64(), grown["places_left"].as_i64()), (Some(20), Some(16)));
    }

    async fn invalid_openings_get_field_problems_and_nothing_is_saved(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let job = job_opening(&m.jobs_programme);
        let course = course_opening(&m.courses_programme);
        let with = |base: &Value, changes: Value| {
            let mut b = base.clone();
            for (k, v) in changes.as_object().unwrap() {
                if v.is_null() { b.as_object_mut().unwrap().remove(k); } else { b[k] = v.clone(); }
            }
            b
        };
        let cases: Vec<(Value, &[&str])> = vec![
            (with(&job, json!({ "wage_monthly_tiyn": 8_000_000 })), &["wage_monthly_tiyn"]),
            (with(&job, json!({ "wage_monthly_tiyn": null })), &["wage_monthly_tiyn"]),
            (with(&job, json!({ "application_deadline": day(40) })), &["application_deadline", "start_date"]),
            (with(&job, json!({ "capacity": 0 })), &["capacity"]),
            (with(&job, json!({ "district": "atlantis" })), &["district"]),
            (with(&job, json!({ "title": { "en": "Seamstress" } })), &["title"]),
            (with(&job, json!({ "programme_id": m.courses_programme })), &["programme_id"]),
            (with(&job, json!({ "programme_id": "no-such-programme" })), &["programme_id"]),
            (with(&job, json!({ "coordinates": { "lat": 95.0, "lon": 76.9 } })), &["coordinates"]),
            (with(&job, json!({ "end_date": day(60) })), &["end_date"]),
            (with(&course, json!({ "end_date": day(30) })), &["end_date"]),
            (with(&course, json!({ "weekly": null })), &["sessions"]),
            (with(&course, json!({ "sessions": [{ "date": day(41), "start_time": "10:00", "end_time": "12:00" }] })), &["sessions"]),
            (with(&course, json!({ "weekly": null, "sessions": [{ "date": day(90), "start_time": "12:00", "end_time": "10:00" }] })), &["sessions[0].date", "sessions[0].end_time"]),
            (with(&course, json!({ "wage_monthly_tiyn": 100 })), &["wage_monthly_tiyn"]),
        ];
        for (body, fields) in cases {
            let token = if body["kind"] == "job" { &m.employer } else { &m.provider };
            let res = app.post_json("/api/v1/openings", &body, Some(token)).await;
            let p = problem(res, 422).await;
            let got: BTreeSet<&str> = p["errors"].as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(got, fields.iter().copied().collect::<BTreeSet<_>>(), "{body}");
        }
        // Outside the programme's period.
        let p = problem(app.post_json("/api/v1/openings", &with(&job, json!({ "application_deadline": day(420), "start_date": day(450) })), Some(&m.employer)).await, 422).await;
        assert!(p["errors"]["start_date"].is_string());
        // Wrong kinds of organisation.
        problem(app.post_json("/api/v1/openings", &job, Some(&m.provider)).await, 403).await;
        problem(app.post_json("/api/v1/openings", &course, Some(&m.employer)).await, 403).await;
        // Nothing was written.
        assert_eq!(count_openings(&app).await, 0);
        // A deadline already passed cannot be published.
        let mut late = with(&job, json!({ "application_deadline": day(-1) }));
        late["start_date"] = json!(day(10));
        let draft: Value = app.post_json("/api/v1/openings", &late, Some(&m.employer)).await.json().await.unwrap();
        problem(app.post_json(&format!("/api/v1/openings/{}/publish", draft["id"].as_str().unwrap()), &json!({}), Some(&m.employer)).await, 409).await;
    }

    async fn organisations_change_only_their_own_openings(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (other, _) = app.approved_member(&m.admin, "employer", 3).await;
        let mine = app.published(&m.employer, &job_opening(&m.jobs_programme)).await;
        let id = mine["id"].as_str().unwrap();
        let res = app.client.patch(app.url(&format!("/api/v1/openings/{id}"))).bearer_auth(&other).json(&json!({ "capacity": 1 })).send().await.unwrap();
        problem(res, 403).await;
        problem(app.post_json(&format!("/api/v1/openings/{id}/close"), &json!({}), Some(&other)).await, 403).await;
        // A member of an organisation not yet approved cannot post.
        let (_, pending, _) = app.verified_account("pending@example.kz", "employer").await;
        assert_eq!(app.post_json("/api/v1/organisations", &common::api::organisation("employer", 4), Some(&pending)).await.status(), 201);
        problem(app.post_json("/api/v1/openings", &job_opening(&m.jobs_programme), Some(&pending)).await, 403).await;
        let unchanged: Value = app.get(&format!("/api/v1/openings/{id}")).await.json().await.unwrap();
        assert_eq!(unchanged["capacity"], 3);
        assert_eq!(unchanged["status"], "published");
        // Each organisation lists its own openings, drafts too, and nobody else's.
        let draft: Value = app.post_json("/api/v1/openings", &job_opening(&m.jobs_programme), Some(&m.employer)).await.json().await.unwrap();
        let own: Value = app.get_as("/api/v1/me/openings", &m.employer).await.json().await.unwrap();
        let ids: Vec<&str> = own["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [draft["id"].as_str().unwrap(), id], "newest first");
        let drafts: Value = app.get_as("/api/v1/me/openings?status=draft", &m.employer).await.json().await.unwrap();
        assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
        let theirs: Value = app.get_as("/api/v1/me/openings", &other).await.json().await.unwrap();
        assert!(theirs["items"].as_array().unwrap().is_empty(), "{theirs}");
        problem(app.get_as("/api/v1/me/openings", &pending).await, 403).await;
    }

    async fn recommendations_rank_eligible_openings_by_fit_with_reasons(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = seeded(&app).await;
        // A seeker in Auezov who sews, part time, 20 h, needs childcare; large low-income family.
        let (_, seeker, _) = app.verified_account("aigul@example.kz", "seeker").await;
        let put = |path: &'static str, body: Value| app.client.put(app.url(path)).bearer_auth(&seeker).json(&body).send();
        assert_eq!(put("/api/v1/me/profile", common::api::profile("791028302728")).await.unwrap().status(), 200);
        assert_eq!(put("/api/v1/me/household", common::api::household("1979-10-28", 4, 15_000_000)).await.unwrap().status(), 200);
        // Until a case worker verifies her household, nothing is recommended.
        let r: Value = app.get_as("/api/v1/me/recommendations", &seeker).await.json().await.unwrap();
        assert!(r["items"].as_array().unwrap().is_empty());
        let h: Value = app.post_json("/api/v1/me/household/submit", &json!({}), Some(&seeker)).await.json().await.unwrap();
        let res = app.post_json(&format!("/api/v1/households/{}/verify", h["id"].as_str().unwrap()), &json!({ "decision": "verified" }), Some(&m.admin)).await;
        assert_eq!(res.status(), 200);
        let res = app.client.get(app.url("/api/v1/me/recommendations")).bearer_auth(&seeker).header("Accept-Language", "ru").send().await.unwrap();
        assert_eq!(res.status(), 200);
        let r: Value = res.json().await.unwrap();
        let items = r["items"].as_array().unwrap();
        assert_eq!(items.len(), SET.len());
        let scores: Vec<i64> = items.iter().map(|i| i["fit_score"].as_i64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        // Her district and her skill, part time: the sewing job and course lead.
        let top: BTreeSet<&str> = items[..2].iter().map(|i| i["opening"]["title"].as_str().unwrap()).collect();
        assert_eq!(top, BTreeSet::from(["Швея-мотористка", "Курсы кройки и шитья"]));
        let first = &items[0];
        let codes: Vec<&str> = first["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&"same_district") && codes.contains(&"skills_match"), "{codes:?}");
        assert!(first["reasons"].as_array().unwrap().iter().all(|r| !r["text"].as_str().unwrap().is_empty()));
        // The full-time cook's job needs a skill she lacks: last, and it says why.
        let last = items.last().unwrap();
        assert_eq!(last["opening"]["title"], "Повар");
        let codes: Vec<&str> = last["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&"hours_kind_differs") && codes.contains(&"hard_with_childcare") && codes.contains(&"neighbouring_district"), "{codes:?}");
        assert!(last["reasons"].as_array().unwrap().iter().any(|r| r["text"] == "У вас 0 из 1 нужных навыков."));
        assert_eq!(r["eligible_programme_ids"].as_array().unwrap().len(), 2);
        problem(app.get_as("/api/v1/me/recommendations?limit=51", &seeker).await, 422).await;
    }

    async fn near_bounds_longitude_without_losing_the_east_and_west_edges_far_north(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        // At 60° N a degree of longitude is half as long as one of latitude, at 80° N a sixth:
        // a box as wide in degrees of longitude as of latitude would cut the circle's sides.
        let km_per_degree = 111.194_926_644_558_73;
        let half_width = |lat: f64, radius: f64| radius / km_per_degree / lat.to_radians().cos();
        let (w60, w80) = (half_width(60.0, 10.0), half_width(80.0, 10.0));
        let dlat = 10.0 / km_per_degree;
        for (title, at) in [
            ("Восток", (60.0, 30.0 + 0.999 * w60)),
            ("Запад", (60.0, 30.0 - 0.999 * w60)),
            ("Северо-восток", (60.0 + 0.705 * dlat, 30.0 + 0.705 * w60)),
            ("Юго-запад", (60.0 - 0.705 * dlat, 30.0 - 0.705 * w60)),
            ("За восточным краем", (60.0, 30.0 + 1.002 * w60)),
            ("Крайний север", (80.0, 30.0 - 0.999 * w80)),
        ] {
            let mut b = job_opening(&m.jobs_programme);
            b["title"] = json!({ "ru": title });
            b["coordinates"] = json!({ "lat": at.0, "lon": at.1 });
            app.published(&m.employer, &b).await;
        }
        let inside = set(&["Восток", "Запад", "Северо-восток", "Юго-запад"]);
        for sort in ["newest", "distance", "deadline"] {
            let got: BTreeSet<String> = titles(&app, &format!("near=60,30&radius_km=10&sort={sort}")).await.into_iter().collect();
            assert_eq!(got, inside, "sort={sort}");
        }
        let far: BTreeSet<String> = titles(&app, "near=80,30&radius_km=10&sort=distance").await.into_iter().collect();
        assert_eq!(far, set(&["Крайний север"]));
        // The distances shown are the circle's (just under 10 km at the edges).
        let p = page(&app, "near=60,30&radius_km=10&sort=distance&limit=10").await;
        let km: Vec<f64> = p["items"].as_array().unwrap().iter().map(|i| i["distance_km"].as_f64().unwrap()).collect();
        assert!(km.len() == 4 && km.iter().all(|k| (9.9..=10.0).contains(k)), "{km:?}");
    }

    async fn a_kept_list_answer_never_outlives_a_committed_write(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = seeded(&app).await;
        let list = |q: &'static str| page(&app, q);
        let first = list("kind=job&limit=50").await;
        assert_eq!(list("kind=job&limit=50").await, first, "a repeated answer is the same");
        let item = |p: &Value, title: &str| p["items"].as_array().unwrap().iter().find(|i| i["title"] == title).cloned();
        let cook = item(&first, "Повар").unwrap();
        let id = cook["id"].as_str().unwrap().to_owned();

        // A change through the API.
        let res = app.client.patch(app.url(&format!("/api/v1/openings/{id}"))).bearer_auth(&m.employer).json(&json!({ "title": { "ru": "Повар-кондитер" } })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(item(&list("kind=job&limit=50").await, "Повар-кондитер").is_some());
        // A write straight to the database (as a bulk job makes): the triggers bump the version.
        set_places_given(&app, &id, 3).await;
        assert_eq!(item(&list("kind=job&limit=50").await, "Повар-кондитер").unwrap()["places_left"], cook["places_left"].as_i64().unwrap() - 3);
        // The organisation's name, shown in lists.
        let org = m.employer_org.clone();
        app.store.run(move |c| {
            use diesel::prelude::*;
            diesel::sql_query(format!("UPDATE organisations SET name = 'Новое имя' WHERE id = '{org}'")).execute(c).map_err(social_jobs::db::DbError::from)
        }).await.unwrap();
        assert_eq!(item(&list("kind=job&limit=50").await, "Повар-кондитер").unwrap()["organisation"]["name"], "Новое имя");
        // Skills (the skill filter reads them from their own table).
        assert!(titles(&app, "skill=кондитер").await.is_empty());
        let res = app.client.patch(app.url(&format!("/api/v1/openings/{id}"))).bearer_auth(&m.employer).json(&json!({ "skills": ["кондитер"] })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(titles(&app, "skill=кондитер").await, ["Повар-кондитер"]);
        // Publishing and closing.
        let mut b = job_opening(&m.jobs_programme);
        b["title"] = json!({ "ru": "Грузчик" });
        let new = app.published(&m.employer, &b).await;
        assert!(item(&list("kind=job&limit=50").await, "Грузчик").is_some());
        let res = app.post_json(&format!("/api/v1/openings/{}/close", new["id"].as_str().unwrap()), &json!({}), Some(&m.employer)).await;
        assert_eq!(res.status(), 200);
        assert!(item(&list("kind=job&limit=50").await, "Грузчик").is_none());
        // A new day: openings whose deadline passed leave the list with no write at all.
        assert!(item(&list("kind=job&limit=50").await, "Кассир").is_some());
        common::clock().advance(chrono::Duration::days(11));
        assert!(item(&list("kind=job&limit=50").await, "Кассир").is_none());
    }

    async fn a_list_has_an_etag_that_follows_the_data_the_query_and_the_language(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = seeded(&app).await;
        let get = |q: &str, lang: &'static str, etag: Option<&str>| {
            let mut r = app.client.get(app.url(&format!("/api/v1/openings?{q}"))).header("Accept-Language", lang);
            if let Some(e) = etag { r = r.header("If-None-Match", e.to_owned()); }
            r.send()
        };
        let first = get("kind=job&district=almaly", "ru", None).await.unwrap();
        assert_eq!(first.status(), 200);
        assert_eq!(first.headers()["vary"], "Accept-Language");
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        // The same query written otherwise (order, defaults) is the same answer.
        for q in ["kind=job&district=almaly", "district=almaly&kind=job", "district=almaly&kind=job&limit=20&sort=newest&q="] {
            let again = get(q, "ru", Some(&etag)).await.unwrap();
            assert_eq!(again.status(), 304, "{q}");
            assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        }
        assert_eq!(get("kind=job&district=almaly", "kk", Some(&etag)).await.unwrap().status(), 200, "another language");
        assert_eq!(get("kind=job", "ru", Some(&etag)).await.unwrap().status(), 200, "another query");
        // After a write the tag changes.
        let id = first.json::<Value>().await.unwrap()["items"][0]["id"].as_str().unwrap().to_owned();
        let res = app.client.patch(app.url(&format!("/api/v1/openings/{id}"))).bearer_auth(&m.employer).json(&json!({ "capacity": 40 })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let changed = get("kind=job&district=almaly", "ru", Some(&etag)).await.unwrap();
        assert_eq!(changed.status(), 200);
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    }
}

async fn set_places_given(app: &TestApp, id: &str, n: i32) {
    use diesel::prelude::*;
    use social_jobs::db::{DbError, schema::openings};
    let id = id.to_owned();
    app.store
        .run(move |c| {
            diesel::update(openings::table.filter(openings::id.eq(id)))
                .set(openings::places_given.eq(n))
                .execute(c)
                .map_err(DbError::from)
        })
        .await
        .unwrap();
}

async fn count_openings(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use social_jobs::db::{DbError, schema::openings};
    app.store
        .run(|c| openings::table.count().get_result(c).map_err(DbError::from))
        .await
        .unwrap()
}
