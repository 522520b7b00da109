//! Monthly wage reports: an employer reports each ended month of a placement of hers; a case
//! worker confirms or returns it. Each refusal, the flags, the queue and the audit trail, on both
//! backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    TestApp,
    api::{Market, job_opening},
    spawn_app,
};
use serde_json::{Value, json};

async fn answer(res: reqwest::Response, status: u16) -> Value {
    let got = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// A mother placed in a job (Mon/Wed/Fri, 120,000 ₸ declared) that began on day 40:
/// (market, placement id). The clock is then on the placement's first day.
async fn placed(app: &TestApp) -> (Market, String) {
    let m = app.market().await;
    let opening = app
        .published(&m.employer, &job_opening(&m.jobs_programme))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, mother) = app.eligible_seeker(&m.admin, 1, 4, "auezov").await;
    let accepted = app
        .matched(&m.admin, &m.jobs_programme, "job", &opening, &[mother])
        .await;
    let placement = accepted[0]["placement_id"].as_str().unwrap().to_owned();
    common::clock().advance(chrono::Duration::days(40));
    answer(
        app.post_json(
            &format!("/api/v1/placements/{placement}/start"),
            &json!({ "started_on": common::api::day(0) }),
            Some(&m.employer),
        )
        .await,
        200,
    )
    .await;
    (m, placement)
}

fn month(offset: i32) -> String {
    use chrono::Datelike;
    let today = common::api::today();
    let first = chrono::NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap();
    let m = if offset >= 0 {
        first + chrono::Months::new(offset as u32)
    } else {
        first - chrono::Months::new((-offset) as u32)
    };
    format!("{:04}-{:02}", m.year(), m.month())
}

fn report(period: &str, days: i64, gross: i64) -> Value {
    json!({ "period": period, "days_worked": days, "gross_wage_tiyn": gross, "payroll_reference": "ВЕД-0001" })
}

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

backend_tests! {
    async fn an_employer_reports_ended_months_of_her_placement_and_a_case_worker_confirms_or_returns_them(backend: Backend) {
        let app = spawn_app(backend).await;
        let (m, placement) = placed(&app).await;
        let first_month = month(0);
        let started = common::api::today();
        // Her first month has not ended yet.
        let path = format!("/api/v1/placements/{placement}/wage-reports");
        let refused = answer(app.post_json(&path, &report(&first_month, 1, 1_000_000), Some(&m.employer)).await, 422).await;
        assert!(refused["errors"]["period"].is_string(), "{refused}");
        // Two months on: the first two months are reportable, the third is not over. The clock
        // moves to the 10th of her third month (a fixed number of days from a start late in a
        // month would land in her third month, from one early in a month only in her second).
        use chrono::Datelike;
        let third_month = started.with_day(1).unwrap() + chrono::Months::new(2);
        common::clock().advance(third_month.with_day(10).unwrap() - started);
        let (second, third) = (month(-1), month(0));
        let before_start = answer(app.post_json(&path, &report(&month(-3), 1, 1), Some(&m.employer)).await, 422).await;
        let why = before_start["errors"]["period"].as_str().unwrap();
        assert!(["outside the placement", "вне срока", "мерзіміне кірмейді"].iter().any(|w| why.contains(w)), "before it began: {before_start}");
        let future = answer(app.post_json(&path, &report(&month(2), 1, 1), Some(&m.employer)).await, 422).await;
        assert!(future["errors"]["period"].is_string(), "{future}");
        answer(app.post_json(&path, &report(&third, 1, 1), Some(&m.employer)).await, 422).await;
        // Days beyond the part of the month she was placed are refused.
        let (_, last) = social_jobs::subsidies::rule::month_bounds(started.year(), started.month()).unwrap();
        let covered = (last - started).num_days() + 1;
        let too_many = answer(app.post_json(&path, &report(&first_month, covered + 1, 1_000_000), Some(&m.employer)).await, 422).await;
        assert!(too_many["errors"]["days_worked"].is_string(), "{too_many}");
        // Her first (part) month at a low wage: flagged for the case worker, not refused.
        let july = answer(app.post_json(&path, &report(&first_month, covered.min(3), 100_000), Some(&m.employer)).await, 201).await;
        assert_eq!(july["status"], "submitted");
        assert_eq!(july["flags"], json!(["below_minimum_wage"]), "{july}");
        // Twice for a month: refused; the first stays.
        answer(app.post_json(&path, &report(&first_month, 1, 5_000_000), Some(&m.employer)).await, 409).await;
        // A full month above the declared 120,000 ₸: flagged.
        let august = answer(app.post_json(&path, &report(&second, 13, 12_500_000), Some(&m.employer)).await, 201).await;
        assert_eq!(august["flags"], json!(["above_declared_wage"]), "{august}");
        // Another organisation neither reports, corrects nor sees them.
        let (other, _) = app.approved_member(&m.admin, "employer", 5).await;
        let res = app.post_json(&path, &report(&second, 1, 1), Some(&other)).await;
        assert!(matches!(res.status().as_u16(), 403 | 404), "{}", res.status());
        let res = put(&app, &other, &format!("/api/v1/wage-reports/{}", august["id"].as_str().unwrap()), &report(&second, 1, 1)).await;
        assert!(matches!(res.status().as_u16(), 403 | 404), "{}", res.status());
        let theirs: Value = app.get_as("/api/v1/wage-reports", &other).await.json().await.unwrap();
        assert_eq!(theirs["items"], json!([]), "{theirs}");
        let mine: Value = app.get_as("/api/v1/wage-reports", &m.employer).await.json().await.unwrap();
        assert_eq!(mine["items"].as_array().unwrap().len(), 2, "{mine}");

        // The case workers' queue: oldest first.
        let queue: Value = app.get_as("/api/v1/wage-reports?status=submitted", &m.admin).await.json().await.unwrap();
        let ids: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [july["id"].as_str().unwrap(), august["id"].as_str().unwrap()]);
        let decision = |id: &Value| format!("/api/v1/wage-reports/{}/decision", id.as_str().unwrap());
        // Returning needs a note saying what to correct.
        let no_note = answer(app.post_json(&decision(&august["id"]), &json!({ "decision": "returned" }), Some(&m.admin)).await, 422).await;
        assert!(no_note["errors"]["note"].is_string(), "{no_note}");
        let returned = answer(app.post_json(&decision(&august["id"]), &json!({ "decision": "returned", "note": "Зарплата выше заявленной: приложите приказ" }), Some(&m.admin)).await, 200).await;
        assert_eq!(returned["status"], "returned");
        // The employer hears of it in her language, with the note and where to correct it.
        let emails = app.emails_to("employer1@example.kz").await;
        let (_, locale, data) = emails.iter().rev().find(|(t, _, _)| t == "wage_report_decision").expect("the employer is emailed");
        assert_eq!(locale, "ru");
        assert_eq!((data["decision"].as_str(), data["period"].as_str()), (Some("returned"), Some(second.as_str())));
        assert_eq!(data["note"], "Зарплата выше заявленной: приложите приказ");
        assert!(data["link"].as_str().unwrap().ends_with("/wage-reports"));
        // The employer corrects it: back in the queue, flag gone; the audit keeps before and after.
        let corrected = answer(put(&app, &m.employer, &format!("/api/v1/wage-reports/{}", august["id"].as_str().unwrap()), &report(&second, 13, 12_000_000)).await, 200).await;
        assert_eq!((corrected["status"].as_str(), corrected["flags"].clone()), (Some("submitted"), json!([])));
        let another_month = answer(put(&app, &m.employer, &format!("/api/v1/wage-reports/{}", august["id"].as_str().unwrap()), &report(&first_month, 1, 1)).await, 422).await;
        assert!(another_month["errors"]["period"].is_string());
        let id = august["id"].as_str().unwrap().to_owned();
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "wage_report", &id).map_err(social_jobs::db::DbError::from)).await.unwrap();
        assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["wage_report.submitted", "wage_report.returned", "wage_report.corrected"]);
        assert!(events[2].before_json.as_deref().unwrap().contains("12500000"));
        assert!(events[2].after_json.as_deref().unwrap().contains("12000000"));
        // Confirmed: the employer cannot change it, nor can it be confirmed twice (a case worker may
        // return it for a correction: tests/subsidy_payments.rs).
        answer(app.post_json(&decision(&july["id"]), &json!({ "decision": "confirmed" }), Some(&m.admin)).await, 200).await;
        answer(app.post_json(&decision(&july["id"]), &json!({ "decision": "confirmed" }), Some(&m.admin)).await, 409).await;
        answer(put(&app, &m.employer, &format!("/api/v1/wage-reports/{}", july["id"].as_str().unwrap()), &report(&first_month, 1, 9_000_000)).await, 409).await;
        let confirmed: Value = app.get_as("/api/v1/wage-reports?status=confirmed", &m.employer).await.json().await.unwrap();
        assert_eq!(confirmed["items"][0]["gross_wage_tiyn"], 100_000);
        // A seeker has no list of them.
        let (_, seeker) = app.eligible_seeker(&m.admin, 9, 4, "auezov").await;
        answer(app.get_as("/api/v1/wage-reports", &seeker).await, 403).await;
    }

    async fn a_placement_that_ended_mid_month_is_reported_to_its_last_day_and_no_further(backend: Backend) {
        let app = spawn_app(backend).await;
        let (m, placement) = placed(&app).await;
        common::clock().advance(chrono::Duration::days(45));
        // She leaves on the 10th of this month.
        use chrono::Datelike;
        let today = common::api::today();
        let tenth = chrono::NaiveDate::from_ymd_opt(today.year(), today.month(), 10).unwrap();
        let this_month = month(0);
        common::clock().advance(chrono::Duration::days(i64::from(40 - today.day().min(39))));
        answer(app.post_json(&format!("/api/v1/placements/{placement}/end"), &json!({ "ended_on": tenth.to_string(), "reason": "resigned" }), Some(&m.employer)).await, 200).await;
        let path = format!("/api/v1/placements/{placement}/wage-reports");
        let eleven = answer(app.post_json(&path, &report(&this_month, 11, 1_000_000), Some(&m.employer)).await, 422).await;
        assert!(eleven["errors"]["days_worked"].is_string(), "10 days at most: {eleven}");
        answer(app.post_json(&path, &report(&this_month, 7, 4_000_000), Some(&m.employer)).await, 201).await;
        // A month later, the month after she left has ended too, and is not hers.
        common::clock().advance(chrono::Duration::days(31));
        let after = answer(app.post_json(&path, &report(&month(-1), 1, 1), Some(&m.employer)).await, 422).await;
        let why = after["errors"]["period"].as_str().unwrap();
        assert!(["outside the placement", "вне срока", "мерзіміне кірмейді"].iter().any(|w| why.contains(w)), "after it ended: {after}");
    }

    async fn the_cabinet_takes_a_report_from_the_employer_and_the_decision_from_the_case_worker(backend: Backend) {
        use common::cabinet::Visitor;
        let app = spawn_app(backend).await;
        let (m, placement) = placed(&app).await;
        common::clock().advance(chrono::Duration::days(40));
        let period = month(-1);
        let mut employer = Visitor::new(&app);
        employer.sign_in("employer1@example.kz", common::api::PASSWORD).await;
        let mine: Value = app.get_as("/api/v1/me/openings", &m.employer).await.json().await.unwrap();
        let opening = mine["items"][0]["id"].as_str().unwrap().to_owned();
        let page = employer.page(&format!("/openings/{opening}")).await;
        assert!(page.body.contains(&format!("/placements/{placement}/wage-reports")), "{}", page.body);
        // A mistake comes back on a page naming the field.
        let answer = employer.post(&format!("/placements/{placement}/wage-reports"), &[("back", "/wage-reports"), ("period", &period), ("days_worked", "40"), ("gross_wage_tenge", "120000"), ("payroll_reference", "ВЕД-7")]).await;
        assert_eq!(answer.status, 422, "{}", answer.body);
        assert!(answer.body.contains("days worked"), "{}", answer.body);
        let page = employer.submit(&format!("/placements/{placement}/wage-reports"), &[("back", "/wage-reports"), ("period", &period), ("days_worked", "13"), ("gross_wage_tenge", "125 000"), ("payroll_reference", "ВЕД-7")]).await;
        assert!(page.body.contains("The report is sent."), "{}", page.body);
        assert!(page.body.contains("Above the wage declared in the opening."), "{}", page.body);

        let res = app.post_json("/api/v1/admin/staff", &json!({ "email": "cw@almaty.kz", "password": common::api::PASSWORD, "role": "caseworker" }), Some(&m.admin)).await;
        assert_eq!(res.status(), 201);
        let mut cw = Visitor::new(&app);
        cw.sign_in("cw@almaty.kz", common::api::PASSWORD).await;
        let queue = cw.page("/wage-reports").await;
        let decide = queue.attrs("action", "/wage-reports/").into_iter().find(|a| a.ends_with("/decision")).expect("the report waits in the queue");
        let page = cw.submit(&decide, &[("decision", "returned"), ("note", "Приложите приказ о надбавке")]).await;
        assert!(page.body.contains("The report is returned to the employer."), "{}", page.body);
        // She corrects it from her list.
        let list = employer.page("/wage-reports").await;
        assert!(list.body.contains("Приложите приказ о надбавке"), "{}", list.body);
        let correct = decide.trim_end_matches("/decision").to_owned();
        let page = employer.submit(&correct, &[("period", &period), ("days_worked", "13"), ("gross_wage_tenge", "120000"), ("payroll_reference", "ВЕД-7")]).await;
        assert!(page.body.contains("The report is sent."), "{}", page.body);
        cw.page("/wage-reports").await;
        let page = cw.submit(&decide, &[("decision", "confirmed"), ("note", "")]).await;
        assert!(page.body.contains("The report is confirmed."), "{}", page.body);
        let confirmed: Value = app.get_as("/api/v1/wage-reports?status=confirmed", &m.employer).await.json().await.unwrap();
        assert_eq!((confirmed["items"][0]["gross_wage_tiyn"].as_i64(), confirmed["items"][0]["period"].as_str()), (Some(12_000_000), Some(period.as_str())));
        // Another employer's session cannot decide or correct it.
        app.approved_member(&m.admin, "employer", 6).await;
        let mut other = Visitor::new(&app);
        other.sign_in("employer6@example.kz", common::api::PASSWORD).await;
        other.page("/wage-reports").await;
        let answer = other.post(&correct, &[("period", &period), ("days_worked", "1"), ("gross_wage_tenge", "1"), ("payroll_reference", "x")]).await;
        assert!(matches!(answer.status, 403 | 404 | 409), "{}", answer.status);
        let answer = other.post(&decide, &[("decision", "returned"), ("note", "x")]).await;
        assert_eq!(answer.status, 403);
    }

    async fn an_employer_is_paid_only_into_an_account_under_her_own_bin(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let org: Value = app.get_as(&format!("/api/v1/organisations/{}", m.employer_org), &m.employer).await.json().await.unwrap();
        assert!(org["iban"].is_null());
        let bin = org["bin"].as_str().unwrap().to_owned();
        let path = "/api/v1/me/organisation/bank-account";
        let bad_iban = answer(put(&app, &m.employer, path, &json!({ "iban": "KZ00125KZT5004100100", "holder_bin": bin })).await, 422).await;
        assert!(bad_iban["errors"]["iban"].is_string(), "{bad_iban}");
        let other_bin = answer(put(&app, &m.employer, path, &json!({ "iban": "KZ86125KZT5004100100", "holder_bin": common::api::bin(77) })).await, 422).await;
        assert!(other_bin["errors"]["holder_bin"].is_string(), "{other_bin}");
        let set = answer(put(&app, &m.employer, path, &json!({ "iban": "kz86 125K ZT50 0410 0100", "holder_bin": bin })).await, 200).await;
        assert_eq!(set["iban"], "KZ86125KZT5004100100", "stored without spaces, upper case");
        // Staff see it; another organisation's member does not see this organisation at all.
        let staff: Value = app.get_as(&format!("/api/v1/organisations/{}", m.employer_org), &m.admin).await.json().await.unwrap();
        assert_eq!(staff["iban"], "KZ86125KZT5004100100");
        let res = app.get_as(&format!("/api/v1/organisations/{}", m.employer_org), &m.provider).await;
        assert!(matches!(res.status().as_u16(), 403 | 404), "{}", res.status());
        // Audited, without the whole number.
        let id = m.employer_org.clone();
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "organisation", &id).map_err(social_jobs::db::DbError::from)).await.unwrap();
        let changed = events.iter().find(|e| e.action == "organisation.bank_account_changed").expect("audited");
        assert!(changed.after_json.as_deref().unwrap().contains("0100"));
        assert!(!changed.after_json.as_deref().unwrap().contains("KZ86125KZT5004100100"));
        // A seeker has no organisation account to set.
        let (_, seeker) = app.eligible_seeker(&m.admin, 3, 4, "auezov").await;
        answer(put(&app, &seeker, path, &json!({ "iban": "KZ86125KZT5004100100", "holder_bin": bin })).await, 403).await;
    }
}
