//! A seeker's pages that her emails link to: her offers (accept or decline), her enrollments and
//! her payouts. The app does the rest. `/payouts` shows case workers the payouts by month.

use actix_web::{get, post, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{CsrfForm, Reply, W, Who};
use crate::{
    access::Permission, attendance::service as attendance, matching::offers,
    payouts::service as payouts,
};

#[get("/offers")]
async fn my_offers(w: W, who: Who) -> Reply {
    let who = &who.0;
    let list = w.ok(who, offers::mine(w.db(), who, w.locale()).await)?;
    w.page(
        Some(who),
        "seeker/offers.html",
        "nav_offers",
        context! { offers => Value::from_serialize(&list) },
    )
}

#[post("/offers/{id}/accept")]
async fn accept(w: W, who: Who, id: web::Path<String>, form: web::Form<CsrfForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    let settings = &w.state().settings;
    w.ok(
        who,
        offers::accept(w.db(), settings, who, id.into_inner(), w.locale()).await,
    )?;
    w.done("/offers", "offer_accepted")
}

#[post("/offers/{id}/decline")]
async fn decline(w: W, who: Who, id: web::Path<String>, form: web::Form<CsrfForm>) -> Reply {
    let who = &who.0;
    w.check_csrf(Some(who), &form.csrf)?;
    let settings = &w.state().settings;
    w.ok(
        who,
        offers::decline(w.db(), settings, who, id.into_inner(), w.locale()).await,
    )?;
    w.done("/offers", "offer_declined")
}

#[get("/enrollments")]
async fn my_enrollments(w: W, who: Who) -> Reply {
    let who = &who.0;
    let list = w.ok(
        who,
        attendance::my_enrollments(w.db(), who, w.locale()).await,
    )?;
    w.page(
        Some(who),
        "seeker/enrollments.html",
        "nav_enrollments",
        context! { enrollments => Value::from_serialize(&list) },
    )
}

#[derive(Deserialize)]
struct PayoutQuery {
    period: Option<String>,
    cursor: Option<String>,
}

/// Her payouts; for case workers, the payouts of a month and its batches.
#[get("/payouts")]
async fn payouts_page(w: W, who: Who, q: web::Query<PayoutQuery>) -> Reply {
    let who = &who.0;
    if who.has(Permission::ViewPayouts) {
        return super::caseworker::payouts_by_month(&w, who, q.period.clone(), q.cursor.clone())
            .await;
    }
    let list = w.ok(who, payouts::mine(w.db(), who).await)?;
    w.page(
        Some(who),
        "seeker/payouts.html",
        "nav_payouts",
        context! { payouts => Value::from_serialize(&list) },
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(my_offers)
        .service(accept)
        .service(decline)
        .service(my_enrollments)
        .service(payouts_page);
}
