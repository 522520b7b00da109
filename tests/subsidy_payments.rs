//! Wage subsidies as money: the subsidy cycle makes one payment per (placement, month) from each
//! confirmed report — under concurrent runs, re-runs and a run stopped halfway — pays the employer
//! through the stipends' batches and bank file, follows a returned confirmed report, and reminds
//! employers of months not reported. Both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, NaiveDate};
use common::{
    TestApp,
    api::{Market, job_opening},
    spawn_app,
};
use serde_json::{Value, json};
use social_jobs::{config::Settings, programmes::rules::JobRules, subsidies};

async fn answer(res: reqwest::Response, status: u16) -> Value {
    let got = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// `n` mothers placed in one job (120,000 ₸ declared) of `programme`, all starting on the same
/// day: (placement ids, the day they began).
async fn placed(
    app: &TestApp,
    m: &Market,
    programme: &str,
    n: u32,
) -> (Vec<String>, NaiveDate, Vec<String>) {
    let opening = app.published(&m.employer, &job_opening(programme)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut mothers = Vec::new();
    for i in 0..n {
        mothers.push(app.eligible_seeker(&m.admin, 1 + i, 4, "auezov").await.1);
    }
    let accepted = app
        .matched(&m.admin, programme, "job", &opening, &mothers)
        .await;
    common::clock().advance(chrono::Duration::days(40));
    let started = common::api::today();
    let mut ids = Vec::new();
    for a in &accepted {
        let placement = a["placement_id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/placements/{placement}/start");
        answer(
            app.post_json(
                &path,
                &json!({ "started_on": started.to_string() }),
                Some(&m.employer),
            )
            .await,
            200,
        )
        .await;
        ids.push(placement);
    }
    (ids, started, mothers)
}

/// `YYYY-MM` of the month `offset` months from today's.
fn month(offset: i32) -> String {
    let today = common::api::today();
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap();
    let m = if offset >= 0 {
        first + chrono::Months::new(offset as u32)
    } else {
        first - chrono::Months::new((-offset) as u32)
    };
    format!("{:04}-{:02}", m.year(), m.month())
}

/// Reports `period` of `placement` at `gross` tiyn and has a case worker confirm it: the report.
async fn confirmed(app: &TestApp, m: &Market, placement: &str, period: &str, gross: i64) -> Value {
    confirmed_days(app, m, placement, period, gross, 12).await
}

async fn confirmed_days(
    app: &TestApp,
    m: &Market,
    placement: &str,
    period: &str,
    gross: i64,
    days: i64,
) -> Value {
    let body = json!({ "period": period, "days_worked": days, "gross_wage_tiyn": gross, "payroll_reference": "ВЕД-0001" });
    let r = answer(
        app.post_json(
            &format!("/api/v1/placements/{placement}/wage-reports"),
            &body,
            Some(&m.employer),
        )
        .await,
        201,
    )
    .await;
    let path = format!(
        "/api/v1/wage-reports/{}/decision",
        r["id"].as_str().unwrap()
    );
    answer(
        app.post_json(&path, &json!({ "decision": "confirmed" }), Some(&m.admin))
            .await,
        200,
    )
    .await
}

async fn subsidies_of(app: &TestApp, m: &Market, period: &str) -> Vec<Value> {
    let page: Value = app
        .get_as(
            &format!("/api/v1/payouts?period={period}&limit=100"),
            &m.admin,
        )
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["payee_kind"] == "organisation")
        .cloned()
        .collect()
}

async fn cycle(app: &TestApp, stop_after: Option<usize>) -> subsidies::cycle::CycleRun {
    subsidies::cycle::run(&app.store, &Settings::default(), stop_after)
        .await
        .unwrap()
}

const RULES: JobRules = JobRules {
    wage_subsidy_percent: 35,
    subsidy_months: 12,
    prorate_part_months: true,
};

backend_tests! {
    async fn a_confirmed_month_is_paid_to_the_employer_once_through_the_bank(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (placements, _, mothers) = placed(&app, &m, &m.jobs_programme, 1).await;
        // 70 days on, last month is a whole month of the placement.
        common::clock().advance(chrono::Duration::days(70));
        let period = month(-1);
        confirmed(&app, &m, &placements[0], &period, 11_000_000).await;
        // A submitted (not confirmed) report is not paid from.
        let waiting = json!({ "period": month(-2), "days_worked": 5, "gross_wage_tiyn": 5_000_000, "payroll_reference": "ВЕД-0000" });
        answer(app.post_json(&format!("/api/v1/placements/{}/wage-reports", placements[0]), &waiting, Some(&m.employer)).await, 201).await;
        assert_eq!(cycle(&app, None).await.created, 1);
        assert!(subsidies_of(&app, &m, &month(-2)).await.is_empty());
        let paid = subsidies_of(&app, &m, &period).await;
        assert_eq!(paid.len(), 1, "{paid:?}");
        let s = &paid[0];
        // 35 % of 110,000 ₸ paid (under the cap of 35 % of the declared 120,000 ₸).
        assert_eq!((s["amount_tiyn"].as_i64(), s["status"].as_str()), (Some(3_850_000), Some("scheduled")));
        assert_eq!(s["organisation_id"], m.employer_org.as_str());
        assert_eq!(s["placement_id"], placements[0].as_str());
        assert!(s["enrollment_id"].is_null() && s["course_id"].is_null(), "{s}");
        assert_eq!((s["inputs"]["wage_paid_tiyn"].as_i64(), s["inputs"]["declared_wage_tiyn"].as_i64(), s["inputs"]["wage_subsidy_percent"].as_i64()), (Some(11_000_000), Some(12_000_000), Some(35)));
        // The employer is told the amount, in her language.
        let emails = app.emails_to("employer1@example.kz").await;
        let (_, locale, data) = emails.iter().find(|(t, _, _)| t == "subsidy_scheduled").expect("the employer is emailed");
        assert_eq!(locale, "ru");
        assert_eq!((data["amount"].as_str(), data["wage_paid"].as_str(), data["period"].as_str()), (Some("38500.00"), Some("110000.00"), Some(period.as_str())));
        assert_eq!(data["opening_title"], "Швея");
        // The employer sees it among her organisation's payments; another sees none of it.
        let hers: Value = app.get_as(&format!("/api/v1/payouts?period={period}"), &m.employer).await.json().await.unwrap();
        assert_eq!(hers["items"].as_array().unwrap().iter().map(|p| p["id"].clone()).collect::<Vec<_>>(), [s["id"].clone()]);
        let (outsider, _) = app.approved_member(&m.admin, "employer", 8).await;
        let theirs: Value = app.get_as(&format!("/api/v1/payouts?period={period}"), &outsider).await.json().await.unwrap();
        assert_eq!(theirs["items"], json!([]));
        let provider: Value = app.get_as("/api/v1/payouts", &m.provider).await.json().await.unwrap();
        assert_eq!(provider["items"], json!([]), "stipends are not the provider's to see");
        // Again: nothing new, no second email.
        assert_eq!(cycle(&app, None).await.created, 0);
        assert_eq!(app.emails_to("employer1@example.kz").await.iter().filter(|(t, _, _)| t == "subsidy_scheduled").count(), 1);

        // Without an account it is held, not lost.
        let batch = answer(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&m.admin)).await, 409).await;
        assert!(batch["detail"].is_string(), "{batch}");
        let org: Value = app.get_as(&format!("/api/v1/organisations/{}", m.employer_org), &m.employer).await.json().await.unwrap();
        let bin = org["bin"].as_str().unwrap().to_owned();
        let res = app.client.put(app.url("/api/v1/me/organisation/bank-account")).bearer_auth(&m.employer).json(&json!({ "iban": "KZ86125KZT5004100100", "holder_bin": bin })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let batch = answer(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&m.admin)).await, 201).await;
        let id = batch["id"].as_str().unwrap().to_owned();
        assert_eq!(batch["by_status"]["approved"]["amount_tiyn"], 3_850_000);
        // The bank's line says the payee is an organisation, with its BIN and account.
        let file = app.get_as(&format!("/api/v1/payout-batches/{id}/export"), &m.admin).await.text().await.unwrap();
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines[0], "batch_id,payout_id,payee_kind,iin_bin,name,iban,amount_kzt,purpose");
        let cells: Vec<&str> = lines[1].split(',').collect();
        assert_eq!((cells[2], cells[3], cells[5], cells[6]), ("organisation", bin.as_str(), "KZ86125KZT5004100100", "38500.00"), "{file}");
        assert!(cells[7].contains("Wage subsidy"), "{file}");
        let payout = cells[1].to_owned();
        let confirmation = format!("payout_id,status,amount_kzt,reference,reason\n{payout},paid,38500.00,HB-77,\n");
        let settled = answer(app.client.post(app.url(&format!("/api/v1/payout-batches/{id}/confirmation"))).bearer_auth(&m.admin).header("content-type", "text/csv").body(confirmation).send().await.unwrap(), 200).await;
        assert_eq!(settled["status"], "settled");
        assert_eq!(subsidies_of(&app, &m, &period).await[0]["status"], "paid");
        let emails = app.emails_to("employer1@example.kz").await;
        let (_, _, data) = emails.iter().find(|(t, _, _)| t == "subsidy_update").expect("the employer hears it is paid");
        assert_eq!((data["step"].as_str(), data["amount"].as_str()), (Some("paid"), Some("38500.00")));
        // A paid subsidy is final, and the placed mother's own payouts do not show it.
        assert_eq!(cycle(&app, None).await.created, 0);
        let mine: Value = app.get_as("/api/v1/me/payouts", &mothers[0]).await.json().await.unwrap();
        assert!(!mine.to_string().contains(&payout), "{mine}");
        // Every step is audited.
        let events = app.store.run(move |c| social_jobs::audit::for_entity(c, "payout", &payout).map_err(social_jobs::db::DbError::from)).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["payout.scheduled", "payout.status_changed", "payout.status_changed", "payout.status_changed"]);
    }

    async fn each_placement_month_is_paid_once_whether_cycles_race_rerun_or_stop_halfway(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (placements, _, _) = placed(&app, &m, &m.jobs_programme, 3).await;
        common::clock().advance(chrono::Duration::days(70));
        let (first, second) = (month(-2), month(-1));
        for p in &placements {
            confirmed(&app, &m, p, &first, 12_000_000).await;
            confirmed(&app, &m, p, &second, 13_000_000).await;
        }
        // A worker stopped after two reports; then two workers at once; then a re-run.
        let stopped = cycle(&app, Some(2)).await;
        assert_eq!(stopped.created, 2);
        let settings = Settings::default();
        let (a, b) = tokio::join!(
            subsidies::cycle::run(&app.store, &settings, None),
            subsidies::cycle::run(&app.store, &settings, None),
        );
        assert_eq!(a.unwrap().created + b.unwrap().created, 4);
        assert_eq!(cycle(&app, None).await.created, 0);
        for period in [&first, &second] {
            let paid = subsidies_of(&app, &m, period).await;
            let mut seen: Vec<&str> = paid.iter().map(|p| p["placement_id"].as_str().unwrap()).collect();
            seen.sort_unstable();
            let mut want: Vec<&str> = placements.iter().map(String::as_str).collect();
            want.sort_unstable();
            assert_eq!(seen, want, "one payment per placement for {period}");
        }
        // Above the declared wage: capped at 35 % of 120,000 ₸.
        assert!(subsidies_of(&app, &m, &second).await.iter().all(|p| p["amount_tiyn"] == 4_200_000));
        // One email per payment.
        assert_eq!(app.emails_to("employer1@example.kz").await.iter().filter(|(t, _, _)| t == "subsidy_scheduled").count(), 6);
    }

    async fn a_returned_confirmed_report_is_recomputed_unless_money_has_moved(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (placements, _, _) = placed(&app, &m, &m.jobs_programme, 1).await;
        common::clock().advance(chrono::Duration::days(70));
        let period = month(-1);
        let report = confirmed(&app, &m, &placements[0], &period, 11_000_000).await;
        let id = report["id"].as_str().unwrap().to_owned();
        cycle(&app, None).await;
        let decide = format!("/api/v1/wage-reports/{id}/decision");
        // Returned while scheduled: withdrawn, to be computed again.
        let back = answer(app.post_json(&decide, &json!({ "decision": "returned", "note": "Неверная сумма" }), Some(&m.admin)).await, 200).await;
        assert_eq!((back["subsidy"]["withdrawn"].as_i64(), back["subsidy"]["unchanged"].as_i64()), (Some(1), Some(0)), "{back}");
        let s = &subsidies_of(&app, &m, &period).await[0];
        assert_eq!((s["status"].as_str(), s["reason"].as_str()), (Some("cancelled"), Some("wage report returned for correction")));
        // Not recomputed while the report is out for correction.
        assert_eq!(cycle(&app, None).await.reissued, 0);
        let body = json!({ "period": period, "days_worked": 12, "gross_wage_tiyn": 10_000_000, "payroll_reference": "ВЕД-0002" });
        answer(app.client.put(app.url(&format!("/api/v1/wage-reports/{id}"))).bearer_auth(&m.employer).json(&body).send().await.unwrap(), 200).await;
        answer(app.post_json(&decide, &json!({ "decision": "confirmed" }), Some(&m.admin)).await, 200).await;
        let run = cycle(&app, None).await;
        assert_eq!((run.created, run.reissued), (0, 1));
        let subs = subsidies_of(&app, &m, &period).await;
        assert_eq!(subs.len(), 1, "the same payment, recomputed in place");
        assert_eq!((subs[0]["amount_tiyn"].as_i64(), subs[0]["status"].as_str()), (Some(3_500_000), Some("scheduled")));
        let amounts: Vec<String> = app.emails_to("employer1@example.kz").await.into_iter().filter(|(t, _, _)| t == "subsidy_scheduled").map(|(_, _, d)| d["amount"].as_str().unwrap().to_owned()).collect();
        assert_eq!(amounts, ["38500.00", "35000.00"], "each amount told once");

        // Paid: a later return leaves the payment as it is, for a manual adjustment.
        let org: Value = app.get_as(&format!("/api/v1/organisations/{}", m.employer_org), &m.employer).await.json().await.unwrap();
        let res = app.client.put(app.url("/api/v1/me/organisation/bank-account")).bearer_auth(&m.employer).json(&json!({ "iban": "KZ86125KZT5004100100", "holder_bin": org["bin"] })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let batch = answer(app.post_json("/api/v1/payout-batches", &json!({ "period": period }), Some(&m.admin)).await, 201).await;
        let bid = batch["id"].as_str().unwrap();
        app.get_as(&format!("/api/v1/payout-batches/{bid}/export"), &m.admin).await.text().await.unwrap();
        let line = format!("{},paid,35000.00,HB-1,\n", subs[0]["id"].as_str().unwrap());
        answer(app.client.post(app.url(&format!("/api/v1/payout-batches/{bid}/confirmation"))).bearer_auth(&m.admin).header("content-type", "text/csv").body(line).send().await.unwrap(), 200).await;
        let back = answer(app.post_json(&decide, &json!({ "decision": "returned", "note": "Перерасчёт" }), Some(&m.admin)).await, 200).await;
        assert_eq!((back["subsidy"]["withdrawn"].as_i64(), back["subsidy"]["unchanged"].as_i64()), (Some(0), Some(1)), "{back}");
        answer(app.client.put(app.url(&format!("/api/v1/wage-reports/{id}"))).bearer_auth(&m.employer).json(&body).send().await.unwrap(), 200).await;
        answer(app.post_json(&decide, &json!({ "decision": "confirmed" }), Some(&m.admin)).await, 200).await;
        assert_eq!(cycle(&app, None).await, subsidies::cycle::CycleRun { reports: 1, created: 0, reissued: 0 });
        let s = &subsidies_of(&app, &m, &period).await[0];
        assert_eq!((s["amount_tiyn"].as_i64(), s["status"].as_str()), (Some(3_500_000), Some("paid")));
    }

    async fn nothing_is_paid_beyond_the_subsidised_months_and_an_ended_month_is_pro_rated(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        // A programme that subsidises a placement's first month only.
        let mut body = common::api::programme_in_force("jobs");
        body["name"] = json!("Один месяц");
        body["rules"]["jobs"]["subsidy_months"] = json!(1);
        let short = answer(app.post_json("/api/v1/programmes", &body, Some(&m.admin)).await, 201).await;
        let (placements, started, _) = placed(&app, &m, short["id"].as_str().unwrap(), 1).await;
        common::clock().advance(chrono::Duration::days(70));
        let later = month(-1);
        confirmed(&app, &m, &placements[0], &later, 12_000_000).await;
        let first = format!("{:04}-{:02}", started.year(), started.month());
        confirmed_days(&app, &m, &placements[0], &first, 6_000_000, 1).await;
        cycle(&app, None).await;
        let s = &subsidies_of(&app, &m, &later).await[0];
        assert_eq!((s["amount_tiyn"].as_i64(), s["status"].as_str(), s["reason"].as_str()), (Some(0), Some("cancelled"), Some("no subsidy: the subsidised months are used up")));
        // Her first month, begun part way: the cap is cut to the days she was placed.
        let s = &subsidies_of(&app, &m, &first).await[0];
        let month_first = started.with_day(1).unwrap();
        let want = subsidies::rule::subsidy(&JobRules { subsidy_months: 1, ..RULES }, 12_000_000, 6_000_000, started, None, month_first);
        assert_eq!(s["amount_tiyn"].as_i64(), Some(want.amount_tiyn));
        assert!(want.amount_tiyn > 0 && want.amount_tiyn <= 2_100_000);
        // Only the month with money is emailed.
        assert_eq!(app.emails_to("employer1@example.kz").await.iter().filter(|(t, _, _)| t == "subsidy_scheduled").count(), 1);
    }

    async fn a_placement_ended_mid_month_is_paid_to_its_last_day(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (placements, started, _) = placed(&app, &m, &m.jobs_programme, 1).await;
        common::clock().advance(chrono::Duration::days(45));
        // She leaves on the 10th of this month; the month is reported once it is over.
        let today = common::api::today();
        let tenth = NaiveDate::from_ymd_opt(today.year(), today.month(), 10).unwrap();
        let period = month(0);
        common::clock().advance(chrono::Duration::days(i64::from(40 - today.day().min(39))));
        let end = json!({ "ended_on": tenth.to_string(), "reason": "resigned" });
        answer(app.post_json(&format!("/api/v1/placements/{}/end", placements[0]), &end, Some(&m.employer)).await, 200).await;
        let body = json!({ "period": period, "days_worked": 7, "gross_wage_tiyn": 4_000_000, "payroll_reference": "ВЕД-9" });
        let r = answer(app.post_json(&format!("/api/v1/placements/{}/wage-reports", placements[0]), &body, Some(&m.employer)).await, 201).await;
        answer(app.post_json(&format!("/api/v1/wage-reports/{}/decision", r["id"].as_str().unwrap()), &json!({ "decision": "confirmed" }), Some(&m.admin)).await, 200).await;
        cycle(&app, None).await;
        let s = &subsidies_of(&app, &m, &period).await[0];
        let want = subsidies::rule::subsidy(&RULES, 12_000_000, 4_000_000, started, Some(tenth), tenth.with_day(1).unwrap());
        assert_eq!(s["amount_tiyn"].as_i64(), Some(want.amount_tiyn));
        assert_eq!(s["inputs"]["days_covered"], 10);
        // The cap is 35 % of 120,000 ₸ for 10 days of the month; 35 % of 40,000 ₸ is 14,000 ₸.
        let days = i64::from(subsidies::rule::month_bounds(tenth.year(), tenth.month()).unwrap().1.day());
        assert_eq!(want.amount_tiyn, 1_400_000.min(4_200_000 * 10 / days));
        // No reminder for the months after she left.
        common::clock().advance(chrono::Duration::days(60));
        let overdue: Value = app.get_as("/api/v1/wage-reports/overdue", &m.admin).await.json().await.unwrap();
        assert!(overdue["items"].as_array().unwrap().iter().all(|i| i["period"].as_str().unwrap() <= period.as_str()), "{overdue}");
    }

    async fn employers_are_reminded_of_due_and_overdue_reports_and_case_workers_see_the_overdue(backend: Backend) {
        let app = spawn_app(backend).await;
        let m = app.market().await;
        let (placements, started, _) = placed(&app, &m, &m.jobs_programme, 1).await;
        // The 3rd of the month after next, 11:00 in Almaty: her first month is past its due day
        // (the 10th), the next is due.
        let first = started.with_day(1).unwrap();
        let third = (first + chrono::Months::new(2)).with_day(3).unwrap();
        common::clock().set(third.and_hms_opt(6, 0, 0).unwrap().and_utc());
        let (m1, m2) = (month(-2), month(-1));
        let settings = Settings::default();
        assert_eq!(subsidies::reminders::remind(&app.store, &settings).await.unwrap(), 2);
        let reminders: Vec<(String, String)> = app.emails_to("employer1@example.kz").await.into_iter().filter(|(t, _, _)| t == "wage_report_reminder").map(|(_, _, d)| (d["step"].as_str().unwrap().to_owned(), d["period"].as_str().unwrap().to_owned())).collect();
        assert_eq!(reminders, [("overdue".to_owned(), m1.clone()), ("due".to_owned(), m2.clone())]);
        // Daily runs do not repeat them.
        assert_eq!(subsidies::reminders::remind(&app.store, &settings).await.unwrap(), 0);
        // Case workers and the employer see the overdue month; another employer nothing.
        let list: Value = app.get_as("/api/v1/wage-reports/overdue", &m.admin).await.json().await.unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
        assert_eq!((list["items"][0]["placement_id"].as_str(), list["items"][0]["period"].as_str()), (Some(placements[0].as_str()), Some(m1.as_str())));
        let mine: Value = app.get_as("/api/v1/wage-reports/overdue", &m.employer).await.json().await.unwrap();
        assert_eq!(mine["items"], list["items"]);
        let (other, _) = app.approved_member(&m.admin, "employer", 7).await;
        let theirs: Value = app.get_as("/api/v1/wage-reports/overdue", &other).await.json().await.unwrap();
        assert_eq!(theirs["items"], json!([]));
        answer(app.get_as("/api/v1/wage-reports/overdue?cursor=bm90LWEtY3Vyc29y", &m.admin).await, 422).await;
        // Reported: no longer overdue. Past the 10th: the next month is overdue, told once.
        let body = json!({ "period": m1, "days_worked": 3, "gross_wage_tiyn": 1_000_000, "payroll_reference": "ВЕД-1" });
        answer(app.post_json(&format!("/api/v1/placements/{}/wage-reports", placements[0]), &body, Some(&m.employer)).await, 201).await;
        let list: Value = app.get_as("/api/v1/wage-reports/overdue", &m.admin).await.json().await.unwrap();
        assert_eq!(list["items"], json!([]));
        common::clock().advance(chrono::Duration::days(8));
        assert_eq!(subsidies::reminders::remind(&app.store, &settings).await.unwrap(), 1);
        let list: Value = app.get_as("/api/v1/wage-reports/overdue", &m.admin).await.json().await.unwrap();
        assert_eq!(list["items"][0]["period"], m2.as_str());
    }
}
