//! The case worker's day: the household queue (oldest first) with verify/reject and a note;
//! programmes and their rounds (start, watch, read the results with their explanations);
//! payouts by month, approving a batch, the bank file, the bank's confirmation and the
//! reconciliation. Admins see these pages too.

use actix_multipart::form::{MultipartForm, bytes::Bytes, text::Text};
use actix_web::{HttpResponse, get, post, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{PAGE_QUERY_LIMIT, Reply, Shown, W, Who, charts, provider::PageQuery};
use crate::{
    access::Caller,
    erasure::service as erasure,
    error::AppError,
    matching::rounds,
    messages::FieldMsg,
    openings::model::OpeningKind,
    payouts::{batches, service as payouts},
    programmes::service as programmes,
    reports::service::{self as reports, ReportQuery},
    seekers::service::{self as seekers, Decision, HouseholdStatus},
};

#[get("/households")]
async fn household_queue(w: W, who: Who, q: web::Query<PageQuery>) -> Reply {
    let who = &who.0;
    let page = seekers::list_households(
        w.db(),
        who,
        HouseholdStatus::Pending,
        q.into_inner().cursor,
        PAGE_QUERY_LIMIT,
    )
    .await;
    let page = w.ok(who, page)?;
    w.page(
        Some(who),
        "caseworker/households.html",
        "nav_households",
        Value::from_serialize(&page),
    )
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    decision: String,
    note: Option<String>,
}

#[post("/households/{id}/decision")]
async fn decide(w: W, who: Who, id: web::Path<String>, form: web::Form<DecisionForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let decision = match form.decision.as_str() {
        "verified" => Decision::Verified,
        "rejected" => Decision::Rejected,
        _ => return Err(w.refuse(Some(who), AppError::field("decision", FieldMsg::Invalid))),
    };
    let done = if decision == Decision::Verified {
        "household_verified"
    } else {
        "household_rejected"
    };
    w.ok(
        who,
        seekers::decide_household(w.db(), who, id.into_inner(), decision, form.note).await,
    )?;
    w.done("/households", done)
}

#[derive(Deserialize)]
struct PeopleSearch {
    q: Option<String>,
    cursor: Option<String>,
}

/// People found by name or IIN, with their household's status.
#[get("/people")]
async fn people(w: W, who: Who, q: web::Query<PeopleSearch>) -> Reply {
    let who = &who.0;
    let PeopleSearch { q, cursor } = q.into_inner();
    let q = q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let found = match &q {
        Some(q) => Some(
            w.ok(
                who,
                seekers::find_people(
                    w.db(),
                    who,
                    q.clone(),
                    cursor.filter(|c| !c.is_empty()),
                    PAGE_QUERY_LIMIT,
                )
                .await,
            )?,
        ),
        None => {
            // The page is the case workers' own even before a search.
            who.require(crate::access::Permission::VerifyHouseholds)
                .map_err(|e| w.refuse(Some(who), e))?;
            None
        }
    };
    w.page(
        Some(who),
        "caseworker/people.html",
        "nav_people",
        context! { q => q.unwrap_or_default(), found => Value::from_serialize(&found) },
    )
}

#[get("/programmes")]
async fn programme_list(w: W, who: Who) -> Reply {
    let who = &who.0;
    let list = w.ok(who, programmes::list(w.db()).await)?;
    w.page(
        Some(who),
        "caseworker/programmes.html",
        "nav_programmes",
        context! { programmes => Value::from_serialize(&list) },
    )
}

#[get("/programmes/{id}")]
async fn programme(w: W, who: Who, id: web::Path<String>, q: web::Query<PageQuery>) -> Reply {
    let who = &who.0;
    let id = id.into_inner();
    let p = w.ok(who, programmes::get(w.db(), id.clone()).await)?;
    let rules = serde_json::to_string_pretty(&p.rules).unwrap_or_default();
    let can_run = who.has(crate::access::Permission::RunMatching);
    let (rounds, versions) = if can_run {
        let rounds = w.ok(
            who,
            rounds::list(w.db(), who, Some(id.clone()), q.into_inner().cursor, 20).await,
        )?;
        let page = w.ok(who, programmes::versions(w.db(), who, id, None, 20).await)?;
        // Rules shown as the JSON the API gives (the templates have no JSON filter).
        let items: Vec<_> = page
            .items
            .iter()
            .map(|v| {
                context! {
                    version => v.version,
                    created_at => v.created_at.to_rfc3339(),
                    rules => serde_json::to_string_pretty(&v.rules).unwrap_or_default(),
                }
            })
            .collect();
        let versions = context! { items, next_cursor => page.next_cursor };
        (Some(rounds), Some(versions))
    } else {
        (None, None)
    };
    w.page(
        Some(who),
        "caseworker/programme.html",
        "programme_title",
        context! {
            programme => Value::from_serialize(&p),
            rules,
            rounds => Value::from_serialize(&rounds),
            versions,
            can_run,
        },
    )
}

#[derive(Deserialize)]
struct RoundForm {
    csrf: String,
    programme_id: String,
    kind: String,
}

#[post("/rounds")]
async fn start_round(w: W, who: Who, form: web::Form<RoundForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let kind = OpeningKind::parse(&form.kind)
        .ok_or_else(|| w.refuse(Some(who), AppError::field("kind", FieldMsg::Invalid)))?;
    let input = rounds::NewRound {
        programme_id: form.programme_id,
        kind,
    };
    let round = w.ok(who, rounds::start(w.db(), who, input).await)?;
    w.done(&format!("/rounds/{}", round.id), "round_started")
}

#[derive(Deserialize)]
struct ResultsQuery {
    cursor: Option<String>,
}

#[get("/rounds/{id}")]
async fn round_page(w: W, who: Who, id: web::Path<String>, q: web::Query<ResultsQuery>) -> Reply {
    let who = &who.0;
    let id = id.into_inner();
    let r = w.ok(who, rounds::get(w.db(), who, id.clone()).await)?;
    let results = if matches!(r.status, rounds::RoundStatus::Completed) {
        let cursor = match q.into_inner().cursor.filter(|c| !c.is_empty()) {
            Some(c) => Some(rounds::ResultCursor::decode(&c).ok_or_else(|| {
                w.refuse(Some(who), AppError::field("cursor", FieldMsg::Invalid))
            })?),
            None => None,
        };
        Some(w.ok(
            who,
            rounds::results(w.db(), who, id, cursor, PAGE_QUERY_LIMIT).await,
        )?)
    } else {
        None
    };
    let lang = w.locale().code();
    w.page(
        Some(who),
        "caseworker/round.html",
        "round_title",
        context! {
            round => Value::from_serialize(&r),
            results => Value::from_serialize(&results),
            text_lang => lang,
        },
    )
}

/// Payouts of a month with its batches: what to approve, what went to the bank.
pub(super) async fn payouts_by_month(
    w: &W,
    who: &Caller,
    period: Option<String>,
    cursor: Option<String>,
) -> Reply {
    let period = period.filter(|p| !p.is_empty());
    let list = payouts::list(w.db(), who, period.clone(), None, cursor, PAGE_QUERY_LIMIT).await;
    let list = w.ok(who, list)?;
    let batches = w.ok(
        who,
        batches::list(w.db(), who, period.clone(), None, 20).await,
    )?;
    w.page(
        Some(who),
        "caseworker/payouts.html",
        "nav_payouts",
        context! {
            period,
            payouts => Value::from_serialize(&list),
            batches => Value::from_serialize(&batches),
        },
    )
}

#[derive(Deserialize)]
struct BatchForm {
    csrf: String,
    period: String,
}

/// Approves the month's scheduled payouts into a batch for the bank.
#[post("/batches")]
async fn create_batch(w: W, who: Who, form: web::Form<BatchForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let input = batches::NewBatch {
        period: form.period,
    };
    let batch = w.ok(who, batches::create(w.db(), who, input).await)?;
    w.done(&format!("/batches/{}", batch.id), "batch_created")
}

#[get("/batches/{id}")]
async fn batch_page(w: W, who: Who, id: web::Path<String>) -> Reply {
    let who = &who.0;
    let b = w.ok(who, batches::get(w.db(), who, id.into_inner()).await)?;
    w.page(
        Some(who),
        "caseworker/batch.html",
        "batch_title",
        context! { batch => Value::from_serialize(&b) },
    )
}

/// The bank file, as a download (a POST: exporting marks the batch sent).
#[post("/batches/{id}/export")]
async fn export(
    w: W,
    who: Who,
    id: web::Path<String>,
    form: web::Form<super::CsrfForm>,
) -> Result<HttpResponse, Shown> {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    let id = id.into_inner();
    let csv = w.ok(who, batches::export(w.db(), who, id.clone()).await)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"batch-{id}.csv\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(csv))
}

#[derive(MultipartForm)]
struct ConfirmationUpload {
    csrf: Text<String>,
    // Bounded by `max_file_bytes` (the form's config in `web::routes`).
    file: Bytes,
}

/// The bank's confirmation file; the batch page then shows the reconciliation.
#[post("/batches/{id}/confirm")]
async fn confirm(
    w: W,
    who: Who,
    id: web::Path<String>,
    form: MultipartForm<ConfirmationUpload>,
) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    let text = String::from_utf8(form.file.data.to_vec())
        .ok()
        .filter(|t| !t.contains('\0'))
        .ok_or_else(|| w.refuse(Some(who), AppError::field("file", FieldMsg::Invalid)))?;
    let id = id.into_inner();
    let settings = &w.state().settings;
    w.ok(
        who,
        batches::confirm(w.db(), settings, who, id.clone(), text).await,
    )?;
    w.done(&format!("/batches/{id}"), "confirmation_read")
}

#[derive(Deserialize)]
struct ReportForm {
    from: Option<String>,
    to: Option<String>,
    programme_id: Option<String>,
    district: Option<String>,
}

impl ReportForm {
    /// An empty field of the form is no filter.
    fn query(self) -> ReportQuery {
        let given = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        ReportQuery {
            from: given(self.from),
            to: given(self.to),
            programme_id: given(self.programme_id),
            district: given(self.district),
        }
    }
}

/// The metrics the page charts and tabulates (the CSV holds every one).
const REPORT_LINES: [&str; 14] = [
    "applicants",
    "offers",
    "offers_accepted",
    "offers_declined",
    "offers_lapsed",
    "placements_started",
    "enrollments",
    "courses_completed",
    "stipends_scheduled",
    "stipends_paid",
    "stipends_failed",
    "subsidies_scheduled",
    "subsidies_paid",
    "subsidies_failed",
];

/// The city's figures: a filter, charts by month, tables by month and district, the CSV.
#[get("/reports")]
async fn reports_page(w: W, who: Who, q: web::Query<ReportForm>) -> Reply {
    let who = &who.0;
    let form = q.into_inner();
    let query = form.query();
    let overview = w.ok(who, reports::overview(w.db(), who, query.clone()).await)?;
    let months: Vec<String> = overview.by_month.iter().map(|(p, _)| p.clone()).collect();
    let series = |metrics: &[&str]| -> Vec<(String, Vec<i64>)> {
        metrics
            .iter()
            .map(|m| {
                let values = overview
                    .by_month
                    .iter()
                    .map(|(_, f)| f.counts.get(*m).copied().unwrap_or(0))
                    .collect();
                ((*m).to_owned(), values)
            })
            .collect()
    };
    let people_chart = charts::grouped_bars(
        &months,
        &series(&[
            "applicants",
            "offers_accepted",
            "placements_started",
            "enrollments",
        ]),
        |v| v.to_string(),
    );
    let paid: Vec<(String, Vec<i64>)> = ["stipends_paid", "subsidies_paid"]
        .iter()
        .map(|m| {
            let values = overview
                .by_month
                .iter()
                .map(|(_, f)| f.amounts_tiyn.get(*m).copied().unwrap_or(0))
                .collect();
            ((*m).to_owned(), values)
        })
        .collect();
    let money = charts::grouped_bars(&months, &paid, |v| {
        format!(
            "{} ₸",
            crate::payouts::tenge(v)
                .split('.')
                .next()
                .unwrap_or_default()
        )
    });
    let programmes = w.ok(who, programmes::list(w.db()).await)?;
    let csv_query = serde_urlencoded::to_string([
        ("from", overview.from.as_str()),
        ("to", overview.to.as_str()),
        (
            "programme_id",
            overview.programme_id.as_deref().unwrap_or(""),
        ),
        ("district", overview.district.as_deref().unwrap_or("")),
    ])
    .unwrap_or_default();
    w.page(
        Some(who),
        "caseworker/reports.html",
        "nav_reports",
        context! {
            report => Value::from_serialize(&overview),
            people => Value::from_serialize(&people_chart),
            money => Value::from_serialize(&money),
            lines => REPORT_LINES,
            programmes => Value::from_serialize(&programmes),
            districts => super::employer::DISTRICTS,
            csv_query,
        },
    )
}

/// The report as a CSV file (every metric, every row of the filter).
#[get("/reports.csv")]
async fn reports_csv(w: W, who: Who, q: web::Query<ReportForm>) -> Reply {
    let who = &who.0;
    let file = w.ok(
        who,
        reports::summary_csv(w.db(), who, q.into_inner().query()).await,
    )?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"report.csv\"",
        ))
        .body(file))
}

/// People's erasure requests, oldest first, each with what blocks it now and what will be kept.
#[get("/erasure-requests")]
async fn erasure_queue(w: W, who: Who, q: web::Query<PageQuery>) -> Reply {
    let who = &who.0;
    let page = erasure::list(
        w.db(),
        who,
        erasure::RequestStatus::Requested,
        q.into_inner().cursor,
        PAGE_QUERY_LIMIT,
    )
    .await;
    let page = w.ok(who, page)?;
    w.page(
        Some(who),
        "caseworker/erasure_requests.html",
        "nav_erasure",
        Value::from_serialize(&page),
    )
}

#[post("/erasure-requests/{id}/decision")]
async fn decide_erasure(
    w: W,
    who: Who,
    id: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let id = id.into_inner();
    match form.decision.as_str() {
        "approve" => {
            let settings = w.settings();
            w.ok(who, erasure::approve(w.db(), &settings, who, id).await)?;
            w.done("/erasure-requests", "erasure_approved")
        }
        "reject" => {
            let note = form.note.unwrap_or_default();
            w.ok(who, erasure::reject(w.db(), who, id, note).await)?;
            w.done("/erasure-requests", "erasure_rejected")
        }
        _ => Err(w.refuse(Some(who), AppError::field("decision", FieldMsg::Invalid))),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(erasure_queue)
        .service(decide_erasure)
        .service(reports_page)
        .service(reports_csv)
        .service(household_queue)
        .service(decide)
        .service(people)
        .service(programme_list)
        .service(programme)
        .service(start_round)
        .service(round_page)
        .service(create_batch)
        .service(batch_page)
        .service(export)
        .service(confirm);
}
