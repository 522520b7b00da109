//! The admin's pages: organisations waiting for approval, staff (create, disable), and the
//! outbox's dead emails (retry). Programmes are shown by the case worker's pages.

use actix_web::{get, post, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{CsrfForm, PAGE_QUERY_LIMIT, Reply, W, Who, provider::PageQuery};
use crate::{
    accounts::{model::Role, service as accounts},
    error::AppError,
    messages::FieldMsg,
    notifications::{EmailAddress, outbox},
    organisations::service::{self as organisations, OrganisationStatus},
};

#[derive(Deserialize)]
struct OrgQuery {
    status: Option<String>,
    cursor: Option<String>,
}

#[get("/organisations")]
async fn organisation_list(w: W, who: Who, q: web::Query<OrgQuery>) -> Reply {
    let who = &who.0;
    let q = q.into_inner();
    let status = match q.status.as_deref().unwrap_or("pending") {
        "approved" => OrganisationStatus::Approved,
        _ => OrganisationStatus::Pending,
    };
    let page = organisations::list(w.db(), who, Some(status), q.cursor, PAGE_QUERY_LIMIT).await;
    let page = w.ok(who, page)?;
    w.page(
        Some(who),
        "admin/organisations.html",
        "nav_organisations",
        context! { page => Value::from_serialize(&page), status => status.as_str() },
    )
}

#[post("/organisations/{id}/approve")]
async fn approve(w: W, who: Who, id: web::Path<String>, form: web::Form<CsrfForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    w.ok(
        who,
        organisations::approve(w.db(), who, id.into_inner()).await,
    )?;
    w.done("/organisations", "organisation_approved")
}

#[get("/staff")]
async fn staff(w: W, who: Who, q: web::Query<PageQuery>) -> Reply {
    let who = &who.0;
    let page = w.ok(
        who,
        accounts::list_staff(w.db(), who, q.into_inner().cursor, PAGE_QUERY_LIMIT).await,
    )?;
    w.page(
        Some(who),
        "admin/staff.html",
        "nav_staff",
        Value::from_serialize(&page),
    )
}

#[derive(Deserialize)]
struct StaffForm {
    csrf: String,
    email: String,
    password: String,
    role: String,
}

#[post("/staff")]
async fn create_staff(w: W, who: Who, form: web::Form<StaffForm>) -> Reply {
    let who = &who.0;
    let form = form.into_inner();
    w.check_csrf(Some(who), &form.csrf)?;
    let email = EmailAddress::parse(form.email.trim())
        .map_err(|_| w.refuse(Some(who), AppError::field("email", FieldMsg::Invalid)))?;
    let role = match form.role.as_str() {
        "admin" => Role::Admin,
        "caseworker" => Role::Caseworker,
        _ => return Err(w.refuse(Some(who), AppError::field("role", FieldMsg::RoleNotAllowed))),
    };
    let ctx = w.state().ctx();
    w.ok(
        who,
        accounts::create_staff(&ctx, who, email, form.password, role, w.locale()).await,
    )?;
    w.done("/staff", "staff_created")
}

#[post("/staff/{id}/disable")]
async fn disable_staff(w: W, who: Who, id: web::Path<String>, form: web::Form<CsrfForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    w.ok(
        who,
        accounts::disable_staff(w.db(), who, id.into_inner()).await,
    )?;
    w.done("/staff", "staff_disabled")
}

#[get("/outbox")]
async fn dead_emails(w: W, who: Who, q: web::Query<PageQuery>) -> Reply {
    let who = &who.0;
    let page = outbox::list(
        w.db(),
        who,
        Some(outbox::OutboxStatus::Dead),
        q.into_inner().cursor,
        PAGE_QUERY_LIMIT,
    )
    .await;
    let page = w.ok(who, page)?;
    w.page(
        Some(who),
        "admin/outbox.html",
        "nav_outbox",
        Value::from_serialize(&page),
    )
}

#[post("/outbox/retry-dead")]
async fn retry_dead(w: W, who: Who, form: web::Form<CsrfForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    w.ok(who, outbox::retry_all_dead(w.db(), who).await)?;
    w.done("/outbox", "emails_requeued")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(organisation_list)
        .service(approve)
        .service(staff)
        .service(create_staff)
        .service(disable_staff)
        .service(dead_emails)
        .service(retry_dead);
}
