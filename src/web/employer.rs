//! The employer's day: her openings (drafts too), posting, editing, publishing and closing one;
//! its applicants (what the API shows them, nothing more) and placements (start, end).

use actix_web::{get, post, web};
use minijinja::{Value, context};
use serde::Deserialize;
use serde_json::json;

use super::{CsrfForm, PAGE_QUERY_LIMIT, Reply, W, Who, provider::PageQuery};
use crate::{
    error::AppError,
    http::{extract::parse_json, problem::FieldMsg},
    matching::{applications, placements},
    openings::{
        model::{OpeningInput, OpeningPatch},
        service as openings,
    },
};

pub(super) const DISTRICTS: [&str; 8] = [
    "alatau",
    "almaly",
    "auezov",
    "bostandyk",
    "zhetysu",
    "medeu",
    "nauryzbay",
    "turksib",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[get("/openings")]
async fn my_openings(w: W, who: Who, q: web::Query<PageQuery>) -> Reply {
    let who = &who.0;
    let page = openings::mine(
        w.db(),
        who,
        None,
        q.into_inner().cursor,
        PAGE_QUERY_LIMIT,
        w.locale(),
    )
    .await;
    let page = w.ok(who, page)?;
    w.page(
        Some(who),
        "employer/openings.html",
        "nav_openings",
        Value::from_serialize(&page),
    )
}

/// The opening form: empty for a new one, filled for a draft being edited.
#[get("/openings/new")]
async fn new_opening(w: W, who: Who) -> Reply {
    let who = &who.0;
    let course = is_provider(who);
    let programmes = w.ok(who, crate::programmes::service::list(w.db()).await)?;
    // An employer posts jobs under a jobs programme, a provider courses under a courses one.
    let programmes: Vec<_> = programmes
        .into_iter()
        .filter(|p| matches!(p.kind, crate::programmes::rules::ProgrammeKind::Courses) == course)
        .map(|p| (p.id, p.name))
        .collect();
    w.page(
        Some(who),
        "employer/opening_form.html",
        if course { "new_course" } else { "new_opening" },
        context! { programmes, districts => DISTRICTS, days => DAYS, opening => (), course },
    )
}

/// Providers post courses with the same form (a course has session times and no wage).
fn is_provider(who: &crate::access::Caller) -> bool {
    who.role == crate::accounts::model::Role::Provider
}

/// The form's fields as the API's request body, so the same checks apply to both.
#[derive(Deserialize)]
struct OpeningForm {
    csrf: String,
    programme_id: Option<String>,
    title_kk: String,
    title_ru: String,
    description_kk: String,
    description_ru: String,
    district: String,
    employment: String,
    hours_per_week: String,
    // One checkbox each: a form's repeated key does not read into a list.
    day_mon: Option<String>,
    day_tue: Option<String>,
    day_wed: Option<String>,
    day_thu: Option<String>,
    day_fri: Option<String>,
    day_sat: Option<String>,
    day_sun: Option<String>,
    skills: String,
    capacity: String,
    application_deadline: String,
    start_date: String,
    end_date: String,
    // Jobs only.
    wage_tenge: Option<String>,
    // Courses only: when each weekly session starts and ends.
    start_time: Option<String>,
    end_time: Option<String>,
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl OpeningForm {
    /// The body of a job, or of a course (`course`: session times and no wage).
    fn body(&self, course: bool) -> Result<serde_json::Value, AppError> {
        let wage = if course {
            None
        } else {
            Some(
                super::form_number("wage_tenge", self.wage_tenge.as_deref().unwrap_or_default())?
                    .checked_mul(100)
                    .ok_or_else(|| AppError::field("wage_tenge", FieldMsg::Invalid))?,
            )
        };
        let skills: Vec<String> = self
            .skills
            .split(',')
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        let days: Vec<&str> = [
            (&self.day_mon, "mon"),
            (&self.day_tue, "tue"),
            (&self.day_wed, "wed"),
            (&self.day_thu, "thu"),
            (&self.day_fri, "fri"),
            (&self.day_sat, "sat"),
            (&self.day_sun, "sun"),
        ]
        .into_iter()
        .filter(|(on, _)| on.is_some())
        .map(|(_, d)| d)
        .collect();
        let mut body = json!({
            "title": {"kk": opt(&self.title_kk), "ru": opt(&self.title_ru)},
            "description": {"kk": opt(&self.description_kk), "ru": opt(&self.description_ru)},
            "district": self.district,
            "schedule": {
                "employment": self.employment,
                "hours_per_week": super::form_number("hours_per_week", &self.hours_per_week)?,
                "days": days,
            },
            "skills": skills,
            "capacity": super::form_number("capacity", &self.capacity)?,
            "application_deadline": self.application_deadline,
            "start_date": self.start_date,
            "end_date": opt(&self.end_date),
        });
        if let Some(wage) = wage {
            body["wage_monthly_tiyn"] = json!(wage);
        }
        Ok(body)
    }

    /// A new course's weekly sessions: on the chosen days, at the given times.
    fn weekly(&self, body: &serde_json::Value) -> serde_json::Value {
        json!({
            "days": body["schedule"]["days"],
            "start_time": self.start_time.as_deref().map(str::trim).unwrap_or_default(),
            "end_time": self.end_time.as_deref().map(str::trim).unwrap_or_default(),
        })
    }
}

/// Reads a body built from a form exactly as the API reads a JSON body.
fn as_input<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> Result<T, AppError> {
    parse_json(body.to_string().as_bytes())
}

#[post("/openings")]
async fn post_opening(w: W, who: Who, form: web::Form<OpeningForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let course = is_provider(who);
    let mut body = w.ok(who, form.body(course))?;
    if course {
        body["weekly"] = form.weekly(&body);
    }
    body["kind"] = json!(if course { "course" } else { "job" });
    body["programme_id"] = json!(form.programme_id.clone().unwrap_or_default());
    let input: OpeningInput = w.ok(who, as_input(body))?;
    let settings = &w.state().settings;
    let created = w.ok(
        who,
        openings::post(w.db(), settings, who, input, w.locale()).await,
    )?;
    w.done(
        &format!("/openings/{}", created.summary.id),
        "opening_saved",
    )
}

#[get("/openings/{id}")]
async fn opening(w: W, who: Who, id: web::Path<String>) -> Reply {
    let who = &who.0;
    let id = id.into_inner();
    let o = w.ok(
        who,
        openings::get(w.db(), Some(who), id.clone(), w.locale()).await,
    )?;
    // A seeker (from her weekly digest) reads the opening; applying is in the app.
    if !who.has(crate::access::Permission::PostOpenings) {
        return w.page(
            Some(who),
            "seeker/opening.html",
            "opening_title",
            context! { opening => Value::from_serialize(&o) },
        );
    }
    let applicants = w.ok(who, applications::applicants(w.db(), who, id.clone()).await)?;
    let placed = w.ok(who, placements::of_opening(w.db(), who, id).await)?;
    w.page(
        Some(who),
        "employer/opening.html",
        "opening_title",
        context! {
            opening => Value::from_serialize(&o),
            applicants => Value::from_serialize(&applicants),
            placements => Value::from_serialize(&placed),
            districts => DISTRICTS,
            days => DAYS,
            today => w.db().today().to_string(),
            course => is_provider(who),
        },
    )
}

/// The email link to an opening's placements lands on the opening's page.
#[get("/openings/{id}/placements")]
async fn placements_link(id: web::Path<String>) -> actix_web::HttpResponse {
    super::see_other(&format!("/openings/{}#placements", id.into_inner()))
}

#[post("/openings/{id}")]
async fn edit_opening(
    w: W,
    who: Who,
    id: web::Path<String>,
    form: web::Form<OpeningForm>,
) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let patch: OpeningPatch = w.ok(who, form.body(is_provider(who)).and_then(as_input))?;
    let id = id.into_inner();
    let settings = &w.state().settings;
    w.ok(
        who,
        openings::change(w.db(), settings, who, id.clone(), patch, w.locale()).await,
    )?;
    w.done(&format!("/openings/{id}"), "opening_saved")
}

#[post("/openings/{id}/publish")]
async fn publish(w: W, who: Who, id: web::Path<String>, form: web::Form<CsrfForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    let id = id.into_inner();
    w.ok(
        who,
        openings::publish(w.db(), who, id.clone(), w.locale()).await,
    )?;
    w.done(&format!("/openings/{id}"), "opening_published")
}

#[post("/openings/{id}/close")]
async fn close(w: W, who: Who, id: web::Path<String>, form: web::Form<CsrfForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    let id = id.into_inner();
    w.ok(
        who,
        openings::close(w.db(), who, id.clone(), w.locale()).await,
    )?;
    w.done(&format!("/openings/{id}"), "opening_closed")
}

#[derive(Deserialize)]
struct PlacementForm {
    csrf: String,
    opening_id: String,
    date: String,
    reason: Option<String>,
}

#[post("/placements/{id}/start")]
async fn start_placement(
    w: W,
    who: Who,
    id: web::Path<String>,
    form: web::Form<PlacementForm>,
) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let input = w.ok(who, as_input(json!({ "started_on": form.date })))?;
    w.ok(
        who,
        placements::start(w.db(), who, id.into_inner(), input).await,
    )?;
    w.done(
        &format!("/openings/{}", form.opening_id),
        "placement_started",
    )
}

#[post("/placements/{id}/end")]
async fn end_placement(
    w: W,
    who: Who,
    id: web::Path<String>,
    form: web::Form<PlacementForm>,
) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let input = w.ok(
        who,
        as_input(json!({ "ended_on": form.date, "reason": form.reason.unwrap_or_default() })),
    )?;
    w.ok(
        who,
        placements::end(w.db(), who, id.into_inner(), input).await,
    )?;
    w.done(&format!("/openings/{}", form.opening_id), "placement_ended")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(my_openings)
        .service(new_opening)
        .service(post_opening)
        .service(placements_link)
        .service(opening)
        .service(edit_opening)
        .service(publish)
        .service(close)
        .service(start_placement)
        .service(end_placement);
}
