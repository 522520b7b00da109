//! Payout batches and the bank: a case worker approves a month's scheduled payouts into a batch
//! (those without a valid IBAN are held and listed, not lost), exports the bank file, and imports
//! the bank's confirmation. Every state change of a payout and a batch is an audit event.
//!
//! Reconciliation, shown on every batch: scheduled = approved + held; exported = paid + failed +
//! pending. A batch's figures come from its own lines, which keep what was sent and what the bank
//! said, so a failed payout re-issued into a later batch does not change the earlier one.

use crate::reports::tally::Metric;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::ledger::{PayeeKind, PayoutRow};
use crate::access::{Caller, Permission};
use crate::config::Settings;
use crate::db::Db;
use crate::{
    audit::{self, Actor, AuditEvent},
    db::{
        DbConnection,
        schema::{payout_batch_lines, payout_batches, payouts},
    },
    error::{AppError, internal},
    messages::{FieldMsg, Msg},
    notifications::{EmailTemplate, Notice, notify_many},
};

#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = payout_batches)]
pub struct BatchRow {
    pub id: String,
    pub period: String,
    pub status: String,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub exported_at: Option<chrono::NaiveDateTime>,
    pub settled_at: Option<chrono::NaiveDateTime>,
}

/// A payout as a batch holds it: what was approved and sent, and what the bank said of it.
#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = payout_batch_lines)]
// `None` is NULL, so SQLite inserts a batch's lines many rows a statement.
#[diesel(treat_none_as_default_value = false)]
pub struct LineRow {
    pub batch_id: String,
    pub payout_id: String,
    pub amount_tiyn: i64,
    /// As approved.
    pub iban: String,
    pub status: String,
    pub bank_reference: Option<String>,
    pub failure_reason: Option<String>,
    pub updated_at: chrono::NaiveDateTime,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBatch {
    /// `YYYY-MM`.
    #[schema(pattern = "^20[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub period: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub count: i64,
    pub amount_tiyn: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeldPayout {
    pub payout_id: String,
    pub payee_kind: PayeeKind,
    /// The person to pay (a stipend).
    pub seeker_id: Option<String>,
    /// The organisation to pay (a wage subsidy).
    pub organisation_id: Option<String>,
    pub amount_tiyn: i64,
    /// Why it was not approved (no valid IBAN on her profile, or on the organisation's account).
    pub reason: String,
}

/// What the bank needs of a payee: IIN (a person) or BIN (an organisation), name, and the IBAN
/// if a valid one was given.
#[derive(Debug, Clone)]
struct PayeeBank {
    tax_id: String,
    name: String,
    iban: Option<String>,
}

/// Who a payout pays, as a key: the kind and the account or organisation id.
fn payee_of(p: &PayoutRow) -> (PayeeKind, String) {
    match p.kind() {
        PayeeKind::Person => (PayeeKind::Person, p.seeker_id.clone().unwrap_or_default()),
        PayeeKind::Organisation => (
            PayeeKind::Organisation,
            p.organisation_id.clone().unwrap_or_default(),
        ),
    }
}

/// Bank details of every payee of these payouts, people and organisations, each kind from its
/// own capability in one query per thousand.
fn bank_of<'a>(
    c: &mut DbConnection,
    rows: impl Iterator<Item = &'a PayoutRow>,
) -> Result<HashMap<(PayeeKind, String), PayeeBank>, AppError> {
    let (mut people, mut organisations) = (Vec::new(), Vec::new());
    for p in rows {
        match payee_of(p) {
            (PayeeKind::Person, id) => people.push(id),
            (PayeeKind::Organisation, id) => organisations.push(id),
        }
    }
    people.sort_unstable();
    people.dedup();
    organisations.sort_unstable();
    organisations.dedup();
    let mut out = HashMap::new();
    for (id, (tax_id, name, iban)) in crate::seekers::service::bank_details(c, &people)? {
        out.insert((PayeeKind::Person, id), PayeeBank { tax_id, name, iban });
    }
    for (id, (tax_id, name, iban)) in
        crate::organisations::service::bank_details(c, &organisations)?
    {
        out.insert(
            (PayeeKind::Organisation, id),
            PayeeBank { tax_id, name, iban },
        );
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchView {
    pub id: String,
    pub period: String,
    /// `open` (approved, not exported), `exported` (sent to the bank), `settled` (every line
    /// confirmed).
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub exported_at: Option<DateTime<Utc>>,
    pub settled_at: Option<DateTime<Utc>>,
    /// Payouts in this batch by status: approved, sent (pending at the bank), paid, failed.
    pub by_status: BTreeMap<String, Totals>,
    /// The month's payouts held for want of a valid IBAN.
    pub held: Vec<HeldPayout>,
    pub reconciliation: Reconciliation,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    /// Payouts of the month that were scheduled when the batch was made = in the batch + held.
    pub in_batch: Totals,
    pub held: Totals,
    /// In the file the bank got = paid + failed + pending.
    pub exported: Totals,
    pub paid: Totals,
    pub failed: Totals,
    pub pending: Totals,
    /// Whether both equations hold.
    pub balanced: bool,
}

fn add(t: &mut Totals, amount: i64) {
    t.count += 1;
    t.amount_tiyn += amount;
}

fn lines_of(c: &mut DbConnection, batch: &str) -> QueryResult<Vec<LineRow>> {
    payout_batch_lines::table
        .filter(payout_batch_lines::batch_id.eq(batch))
        .order(payout_batch_lines::payout_id)
        .select(LineRow::as_select())
        .load(c)
}

fn set_line(
    c: &mut DbConnection,
    line: &LineRow,
    to: &str,
    reference: Option<&str>,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let n = diesel::update(
        payout_batch_lines::table
            .filter(payout_batch_lines::batch_id.eq(&line.batch_id))
            .filter(payout_batch_lines::payout_id.eq(&line.payout_id))
            .filter(payout_batch_lines::status.eq(&line.status)),
    )
    .set((
        payout_batch_lines::status.eq(to),
        payout_batch_lines::bank_reference.eq(reference),
        payout_batch_lines::failure_reason.eq(reason),
        payout_batch_lines::updated_at.eq(crate::db::now()),
    ))
    .execute(c)?;
    if n != 1 {
        // Moved by a concurrent import a moment ago: this one stops, rolled back whole.
        return Err(AppError::Conflict(Msg::PayoutChangedMeanwhile));
    }
    Ok(())
}

/// Takes an approved payout out of its open batch (nothing has gone to the bank yet).
pub(super) fn withdraw_line(c: &mut DbConnection, batch: &str, payout: &str) -> QueryResult<()> {
    diesel::delete(
        payout_batch_lines::table
            .filter(payout_batch_lines::batch_id.eq(batch))
            .filter(payout_batch_lines::payout_id.eq(payout))
            .filter(payout_batch_lines::status.eq("approved")),
    )
    .execute(c)
    .map(|_| ())
}

fn payouts_by_id(c: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, PayoutRow>> {
    let mut out = HashMap::with_capacity(ids.len());
    for part in ids.chunks(1000) {
        for p in payouts::table
            .filter(payouts::id.eq_any(part))
            .select(PayoutRow::as_select())
            .load(c)?
        {
            out.insert(p.id.clone(), p);
        }
    }
    Ok(out)
}

fn view(c: &mut DbConnection, b: BatchRow) -> Result<BatchView, AppError> {
    let lines = lines_of(c, &b.id)?;
    let mut by_status: BTreeMap<String, Totals> = BTreeMap::new();
    let (mut in_batch, mut paid, mut failed, mut pending, mut exported) = (
        Totals::default(),
        Totals::default(),
        Totals::default(),
        Totals::default(),
        Totals::default(),
    );
    for r in &lines {
        add(
            by_status.entry(r.status.clone()).or_default(),
            r.amount_tiyn,
        );
        add(&mut in_batch, r.amount_tiyn);
        match r.status.as_str() {
            "paid" => add(&mut paid, r.amount_tiyn),
            "failed" => add(&mut failed, r.amount_tiyn),
            "sent" => add(&mut pending, r.amount_tiyn),
            _ => {}
        }
        if r.status != "approved" {
            add(&mut exported, r.amount_tiyn);
        }
    }
    let held_rows: Vec<PayoutRow> = payouts::table
        .filter(payouts::period.eq(&b.period))
        .filter(payouts::status.eq("held"))
        .order(payouts::id)
        .select(PayoutRow::as_select())
        .load(c)?;
    let mut held = Totals::default();
    for r in &held_rows {
        add(&mut held, r.amount_tiyn);
    }
    let balanced = exported.count == paid.count + failed.count + pending.count
        && exported.amount_tiyn == paid.amount_tiyn + failed.amount_tiyn + pending.amount_tiyn;
    Ok(BatchView {
        held: held_rows
            .into_iter()
            .map(|r| HeldPayout {
                payee_kind: r.kind(),
                reason: match r.kind() {
                    PayeeKind::Person => "no valid IBAN on the seeker's profile",
                    PayeeKind::Organisation => "no valid IBAN on the organisation's account",
                }
                .into(),
                payout_id: r.id,
                seeker_id: r.seeker_id,
                organisation_id: r.organisation_id,
                amount_tiyn: r.amount_tiyn,
            })
            .collect(),
        reconciliation: Reconciliation {
            in_batch,
            held,
            exported,
            paid,
            failed,
            pending,
            balanced,
        },
        by_status,
        id: b.id,
        period: b.period,
        status: b.status,
        created_at: b.created_at.and_utc(),
        exported_at: b.exported_at.map(|t| t.and_utc()),
        settled_at: b.settled_at.map(|t| t.and_utc()),
    })
}

pub(super) fn set_status(
    c: &mut DbConnection,
    actor: &Actor,
    p: &PayoutRow,
    to: &str,
    batch: Option<&str>,
    reference: Option<&str>,
    reason: Option<&str>,
) -> Result<(), AppError> {
    move_payout(c, p, to, batch, reference, reason)?;
    audit::record(c, actor, status_event(p, to, batch, reference))?;
    Ok(())
}

/// Moves one payout on, conditional on the state the caller saw: a payout another action moved
/// meanwhile is not moved again from a stale picture (and the database's trigger refuses any
/// other move). The caller audits it ([`status_event`]).
fn move_payout(
    c: &mut DbConnection,
    p: &PayoutRow,
    to: &str,
    batch: Option<&str>,
    reference: Option<&str>,
    reason: Option<&str>,
) -> Result<(), AppError> {
    if !super::transition_allowed(&p.status, to) {
        return Err(AppError::Conflict(Msg::PayoutChangedMeanwhile));
    }
    let moved = diesel::update(
        payouts::table
            .filter(payouts::id.eq(&p.id))
            .filter(payouts::status.eq(&p.status)),
    )
    .set((
        payouts::status.eq(to),
        payouts::batch_id.eq(batch),
        payouts::bank_reference.eq(reference),
        payouts::failure_reason.eq(reason),
        payouts::updated_at.eq(crate::db::now()),
    ))
    .execute(c)?;
    if moved != 1 {
        return Err(AppError::Conflict(Msg::PayoutChangedMeanwhile));
    }
    Ok(())
}

/// The audit event of a payout's move.
fn status_event<'a>(
    p: &'a PayoutRow,
    to: &str,
    batch: Option<&str>,
    reference: Option<&str>,
) -> AuditEvent<'a> {
    AuditEvent {
        action: "payout.status_changed",
        entity: "payout",
        entity_id: &p.id,
        before: Some(serde_json::json!({ "status": p.status, "batch_id": p.batch_id })),
        after: Some(serde_json::json!({ "status": to, "batch_id": batch, "reference": reference })),
    }
}

/// [`set_status`] for many payouts at once: each moves only from the status the caller saw, or
/// nothing moves (409, and the caller's transaction rolls back); one audit event each.
fn set_status_many(
    c: &mut DbConnection,
    actor: &Actor,
    moving: &[&PayoutRow],
    to: &str,
    batch: Option<&str>,
) -> Result<(), AppError> {
    let mut by_status: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for p in moving {
        if !super::transition_allowed(&p.status, to) {
            return Err(AppError::Conflict(Msg::PayoutChangedMeanwhile));
        }
        by_status
            .entry(p.status.as_str())
            .or_default()
            .push(p.id.as_str());
    }
    let now = crate::db::now();
    for (from, ids) in by_status {
        for chunk in ids.chunks(5000) {
            let moved = diesel::update(
                payouts::table
                    .filter(payouts::id.eq_any(chunk))
                    .filter(payouts::status.eq(from)),
            )
            .set((
                payouts::status.eq(to),
                payouts::batch_id.eq(batch),
                payouts::bank_reference.eq(None::<String>),
                payouts::failure_reason.eq(None::<String>),
                payouts::updated_at.eq(now),
            ))
            .execute(c)?;
            if moved != chunk.len() {
                return Err(AppError::Conflict(Msg::PayoutChangedMeanwhile));
            }
        }
    }
    let events = moving
        .iter()
        .map(|p| status_event(p, to, batch, None))
        .collect();
    audit::record_many(c, actor, events)?;
    Ok(())
}

/// Approves a month's scheduled payouts (and failed or held ones, to re-issue) into a new batch;
/// those without a valid IBAN are held. A payout in an open or exported batch is not taken again.
pub async fn create(db: &Db, user: &Caller, input: NewBatch) -> Result<BatchView, AppError> {
    user.require(Permission::ViewPayouts)?;
    if crate::attendance::service::parse_period(&input.period).is_none() {
        return Err(AppError::field("period", FieldMsg::Invalid));
    }
    let user = user.clone();
    // A national batch is tens of thousands of lines: no request deadline (see Db::with_deadline).
    db.with_deadline(None)
        .transaction(move |c| create_in(c, &user.actor, &user.account_id, &input.period))
        .await
}

/// [`create`] inside the caller's transaction (also `seed-demo`'s).
pub fn create_in(
    c: &mut DbConnection,
    actor: &Actor,
    account_id: &str,
    period: &str,
) -> Result<BatchView, AppError> {
    let candidates: Vec<PayoutRow> = payouts::table
        .filter(payouts::period.eq(period))
        .filter(payouts::status.eq_any(["scheduled", "failed", "held"]))
        .filter(payouts::amount_tiyn.gt(0))
        .order(payouts::id)
        .select(PayoutRow::as_select())
        .load(c)?;
    let bank = bank_of(c, candidates.iter())?;
    let iban_of = |p: &PayoutRow| bank.get(&payee_of(p)).and_then(|b| b.iban.clone());
    let has_iban = |p: &PayoutRow| iban_of(p).is_some();
    if !candidates.iter().any(has_iban) {
        return Err(AppError::Conflict(Msg::NothingToApprove));
    }
    let batch = BatchRow {
        id: uuid::Uuid::now_v7().to_string(),
        period: period.to_owned(),
        status: "open".into(),
        created_by: account_id.to_owned(),
        created_at: crate::db::now(),
        exported_at: None,
        settled_at: None,
    };
    diesel::insert_into(payout_batches::table)
        .values(&batch)
        .execute(c)?;
    let now = crate::db::now();
    let mut approved = Vec::new();
    let mut held = Vec::new();
    let mut lines = Vec::new();
    for p in &candidates {
        if let Some(iban) = iban_of(p) {
            approved.push(p);
            lines.push(LineRow {
                batch_id: batch.id.clone(),
                payout_id: p.id.clone(),
                amount_tiyn: p.amount_tiyn,
                iban,
                status: "approved".into(),
                bank_reference: None,
                failure_reason: None,
                updated_at: now,
            });
        } else if p.status != "held" {
            held.push(p);
        }
    }
    // A national batch is tens of thousands of lines: moved and written many rows a statement.
    set_status_many(c, actor, &approved, "approved", Some(&batch.id))?;
    set_status_many(c, actor, &held, "held", None)?;
    // 8 columns: 1,000 rows stay under both backends' bound-parameter limits.
    for chunk in lines.chunks(1000) {
        crate::dispatch!(c, |c| diesel::insert_into(payout_batch_lines::table)
            .values(chunk)
            .execute(c))?;
    }
    audit::record(
        c,
        actor,
        AuditEvent {
            action: "payout_batch.created",
            entity: "payout_batch",
            entity_id: &batch.id,
            before: None,
            after: Some(serde_json::json!({ "period": batch.period })),
        },
    )?;
    view(c, batch)
}

fn find(c: &mut DbConnection, id: &str) -> Result<BatchRow, AppError> {
    payout_batches::table
        .filter(payout_batches::id.eq(id))
        .select(BatchRow::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// A batch in a list: what it is and where it stands (its totals are in `GET /payout-batches/{id}`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchSummary {
    pub id: String,
    pub period: String,
    /// `open`, `exported` or `settled`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub exported_at: Option<DateTime<Utc>>,
    pub settled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchPage {
    pub items: Vec<BatchSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Payout batches, newest first, optionally of one month (case workers): where the batch to
/// export or to confirm is found.
pub async fn list(
    db: &Db,
    user: &Caller,
    period: Option<String>,
    cursor: Option<String>,
    limit: i64,
) -> Result<BatchPage, AppError> {
    user.require(Permission::ViewPayouts)?;
    if let Some(p) = &period
        && crate::attendance::service::parse_period(p).is_none()
    {
        return Err(AppError::field("period", FieldMsg::Invalid));
    }
    let after = crate::paging::instant_and_id(cursor)?;
    let mut rows = db
        .run(move |c| {
            let mut q = payout_batches::table
                .select(BatchRow::as_select())
                .order((payout_batches::created_at.desc(), payout_batches::id.desc()))
                .limit(limit + 1)
                .into_boxed();
            if let Some(p) = period {
                q = q.filter(payout_batches::period.eq(p));
            }
            if let Some((at, id)) = after {
                q = q.filter(
                    payout_batches::created_at
                        .lt(at)
                        .or(payout_batches::created_at
                            .eq(at)
                            .and(payout_batches::id.lt(id))),
                );
            }
            q.load(c).map_err(AppError::from)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last())
        .flatten()
        .map(|b| crate::paging::of_instant_and_id(b.created_at, &b.id));
    let items = rows
        .into_iter()
        .map(|b| BatchSummary {
            id: b.id,
            period: b.period,
            status: b.status,
            created_at: b.created_at.and_utc(),
            exported_at: b.exported_at.map(|t| t.and_utc()),
            settled_at: b.settled_at.map(|t| t.and_utc()),
        })
        .collect();
    Ok(BatchPage { items, next_cursor })
}

pub async fn get(db: &Db, user: &Caller, id: String) -> Result<BatchView, AppError> {
    user.require(Permission::ViewPayouts)?;
    db.run(move |c| {
        let b = find(c, &id)?;
        view(c, b)
    })
    .await
}

/// The bank file: `batch_id,payout_id,payee_kind,iin_bin,name,iban,amount_kzt,purpose`, where
/// `payee_kind` is `person` (`iin_bin` is an IIN) or `organisation` (a BIN). Exporting marks the
/// approved payouts `sent`; exporting again gives the same file.
pub async fn export(db: &Db, user: &Caller, id: String) -> Result<String, AppError> {
    user.require(Permission::ViewPayouts)?;
    let user = user.clone();
    // A national batch is tens of thousands of lines: no request deadline (see Db::with_deadline).
    db.with_deadline(None)
        .transaction(move |c| export_in(c, &user.actor, &id))
        .await
}

/// [`export`] inside the caller's transaction.
pub fn export_in(c: &mut DbConnection, actor: &Actor, id: &str) -> Result<String, AppError> {
    let b = find(c, id)?;
    // The batch's own lines, so exporting again gives the same lines even after a failed payout
    // has gone on to a later batch.
    let lines = lines_of(c, &b.id)?;
    let ids: Vec<String> = lines.iter().map(|l| l.payout_id.clone()).collect();
    let rows = payouts_by_id(c, &ids)?;
    let bank = bank_of(c, rows.values())?;
    let mut cells = Vec::with_capacity(lines.len());
    let mut sending = Vec::new();
    for l in &lines {
        let p = rows
            .get(&l.payout_id)
            .ok_or_else(|| internal(anyhow::anyhow!("batch line without its payout")))?;
        let payee = match bank.get(&payee_of(p)) {
            Some(b) => b.clone(),
            // A person erased after the batch went (her payment records stay, pseudonymised):
            // the file is given again without her IIN and name.
            None if p.kind() == PayeeKind::Person => PayeeBank {
                tax_id: String::new(),
                name: crate::erasure::rules::ERASED.to_owned(),
                iban: None,
            },
            None => return Err(internal(anyhow::anyhow!("payout without its payee"))),
        };
        let purpose = match p.kind() {
            PayeeKind::Person => format!("Стипендия за {} / Stipend {}", p.period, p.period),
            PayeeKind::Organisation => format!(
                "Субсидия на оплату труда за {} / Wage subsidy {}",
                p.period, p.period
            ),
        };
        cells.push(vec![
            b.id.clone().into(),
            p.id.clone().into(),
            p.kind().as_str().into(),
            payee.tax_id.into(),
            payee.name.into(),
            l.iban.clone().into(),
            super::tenge(l.amount_tiyn).into(),
            purpose.into(),
        ]);
        if l.status == "approved" {
            sending.push(p);
        }
    }
    // Lines and payouts go to `sent` many rows a statement; any moved meanwhile stops it all.
    let sent: Vec<&str> = sending.iter().map(|p| p.id.as_str()).collect();
    for chunk in sent.chunks(5000) {
        let n = diesel::update(
            payout_batch_lines::table
                .filter(payout_batch_lines::batch_id.eq(&b.id))
                .filter(payout_batch_lines::payout_id.eq_any(chunk))
                .filter(payout_batch_lines::status.eq("approved")),
        )
        .set((
            payout_batch_lines::status.eq("sent"),
            payout_batch_lines::bank_reference.eq(None::<String>),
            payout_batch_lines::failure_reason.eq(None::<String>),
            payout_batch_lines::updated_at.eq(crate::db::now()),
        ))
        .execute(c)?;
        if n != chunk.len() {
            return Err(AppError::Conflict(Msg::PayoutChangedMeanwhile));
        }
    }
    set_status_many(c, actor, &sending, "sent", Some(&b.id))?;
    // Names are typed by seekers and the file is opened in spreadsheets: every text cell is
    // neutralised; the amount is ours.
    let out = crate::text::csv_file(
        &[
            "batch_id",
            "payout_id",
            "payee_kind",
            "iin_bin",
            "name",
            "iban",
            "amount_kzt",
            "purpose",
        ],
        &[false, false, false, false, false, false, true, false],
        cells,
    )
    .map_err(|e| internal(anyhow::anyhow!("writing the bank file: {e}")))?;
    if b.status == "open" {
        diesel::update(payout_batches::table.filter(payout_batches::id.eq(&b.id)))
            .set((
                payout_batches::status.eq("exported"),
                payout_batches::exported_at.eq(crate::db::now()),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            AuditEvent {
                action: "payout_batch.exported",
                entity: "payout_batch",
                entity_id: &b.id,
                before: Some(serde_json::json!({ "status": "open" })),
                after: Some(serde_json::json!({ "status": "exported", "lines": lines.len() })),
            },
        )?;
    }
    Ok(out)
}

/// One line of the bank's confirmation file: `payout_id,status,amount_kzt,reference,reason`.
struct Line {
    payout_id: String,
    paid: bool,
    amount: String,
    reference: String,
    reason: String,
}

fn parse_lines(text: &str) -> Result<Vec<Line>, BTreeMap<String, Msg>> {
    let mut errors = BTreeMap::new();
    let mut lines = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (n, record) in reader.records().enumerate() {
        let key = format!("line {}", n + 1);
        let Ok(record) = record else {
            errors.insert(key, Msg::Field(FieldMsg::Invalid));
            continue;
        };
        let col = |i: usize| record.get(i).unwrap_or("").to_owned();
        if record.iter().all(str::is_empty) || (n == 0 && col(0) == "payout_id") {
            continue;
        }
        let paid = match col(1).as_str() {
            "paid" => true,
            "failed" => false,
            _ => {
                errors.insert(key, Msg::Field(FieldMsg::Invalid));
                continue;
            }
        };
        if record.len() < 3 {
            errors.insert(key, Msg::Field(FieldMsg::Invalid));
            continue;
        }
        lines.push(Line {
            payout_id: col(0),
            paid,
            amount: col(2),
            reference: col(3),
            reason: col(4),
        });
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

/// Imports the bank's confirmation. All or nothing: a line for a payout not in this batch, with
/// another amount, or contradicting an earlier confirmation rejects the file. Lines already
/// applied are skipped, so importing the same file again changes nothing.
pub async fn confirm(
    db: &Db,
    settings: &Settings,
    user: &Caller,
    id: String,
    file: String,
) -> Result<BatchView, AppError> {
    user.require(Permission::ViewPayouts)?;
    let lines = parse_lines(&file).map_err(|errors| AppError::Validation {
        detail: Msg::BankFileRejected,
        errors,
    })?;
    let (user, public_url) = (user.clone(), settings.public_url.clone());
    // A national batch is tens of thousands of lines: no request deadline (see Db::with_deadline).
    db.with_deadline(None)
        .transaction(move |c| confirm_in(c, &user.actor, &id, &lines, &public_url))
        .await
}

/// Imports a confirmation file inside the caller's transaction (`seed-demo` settles its batch so).
pub fn confirm_text_in(
    c: &mut DbConnection,
    actor: &Actor,
    id: &str,
    file: &str,
    public_url: &str,
) -> Result<BatchView, AppError> {
    let lines = parse_lines(file).map_err(|errors| AppError::Validation {
        detail: Msg::BankFileRejected,
        errors,
    })?;
    confirm_in(c, actor, id, &lines, public_url)
}

/// [`confirm`] inside the caller's transaction, with the file already parsed.
fn confirm_in(
    c: &mut DbConnection,
    actor: &Actor,
    id: &str,
    lines: &[Line],
    public_url: &str,
) -> Result<BatchView, AppError> {
    let b = find(c, id)?;
    if b.status == "open" {
        return Err(AppError::Conflict(Msg::BatchNotExported));
    }
    let held: HashMap<String, LineRow> = lines_of(c, &b.id)?
        .into_iter()
        .map(|l| (l.payout_id.clone(), l))
        .collect();
    let mut errors = BTreeMap::new();
    // A file that names a payout twice (`paid`, then `failed`) says two things about one payment:
    // the bank must send a clean file; nothing of this one is applied.
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        let key = format!("line {}", i + 1);
        if let Some(first) = first_seen.insert(l.payout_id.as_str(), i + 1) {
            first_seen.insert(l.payout_id.as_str(), first);
            errors.insert(key, Msg::Field(FieldMsg::NamedTwice { first_line: first }));
            continue;
        }
        match held.get(&l.payout_id) {
            None => {
                errors.insert(key, Msg::Field(FieldMsg::Unknown));
            }
            Some(line) if super::tenge(line.amount_tiyn) != l.amount => {
                errors.insert(key, Msg::Field(FieldMsg::Invalid));
            }
            Some(line)
                if (line.status == "paid" && !l.paid) || (line.status == "failed" && l.paid) =>
            {
                errors.insert(key, Msg::Field(FieldMsg::Invalid));
            }
            Some(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation {
            detail: Msg::BankFileRejected,
            errors,
        });
    }
    let ids: Vec<String> = lines.iter().map(|l| l.payout_id.clone()).collect();
    let payouts = payouts_by_id(c, &ids)?;
    // The placed people's names for the employers' emails, in one query per thousand.
    let placement_ids: Vec<String> = payouts
        .values()
        .filter_map(|p| p.placement_id.clone())
        .collect();
    let placements: Vec<_> = crate::matching::placements::find_many(c, &placement_ids)?
        .into_values()
        .collect();
    let mut told = Told {
        people: crate::matching::placements::names_of(c, &placements)?,
        ..Told::default()
    };
    // People's addresses in one query per thousand; the emails and audit events of the whole file
    // are written a few statements at once. Each payout still moves by its own conditional update,
    // as each line carries its own bank reference.
    let people: Vec<String> = payouts
        .values()
        .filter(|p| p.kind() == PayeeKind::Person)
        .filter_map(|p| p.seeker_id.clone())
        .collect();
    told.contacts = crate::accounts::service::contacts(c, &people)?;
    // The bank's answers are counted for the month the money is for, once per file.
    let mut tally = crate::reports::tally::Tally::new();
    let mut events = Vec::new();
    let mut notices = Vec::new();
    for l in lines {
        let (Some(line), Some(p)) = (held.get(&l.payout_id), payouts.get(&l.payout_id)) else {
            continue;
        };
        if line.status != "sent" {
            continue; // applied before
        }
        let (to, reason) = if l.paid {
            ("paid", None)
        } else {
            ("failed", Some(l.reason.as_str()))
        };
        set_line(c, line, to, Some(&l.reference), reason)?;
        move_payout(c, p, to, Some(&b.id), Some(&l.reference), reason)?;
        events.push(status_event(p, to, Some(&b.id), Some(&l.reference)));
        let metric = match (p.kind(), l.paid) {
            (PayeeKind::Person, true) => Metric::StipendsPaid,
            (PayeeKind::Person, false) => Metric::StipendsFailed,
            (PayeeKind::Organisation, true) => Metric::SubsidiesPaid,
            (PayeeKind::Organisation, false) => Metric::SubsidiesFailed,
        };
        tally.add(c, &p.opening_id, &p.period, metric, 1, p.amount_tiyn)?;
        tell_payee(
            c,
            &mut told,
            &mut notices,
            p,
            to,
            line.amount_tiyn,
            reason,
            &b.id,
            public_url,
        )?;
    }
    audit::record_many(c, actor, events)?;
    notify_many(c, notices)?;
    tally.save(c)?;
    let still_sent = lines_of(c, &b.id)?.iter().any(|l| l.status == "sent");
    if !still_sent && b.status != "settled" {
        diesel::update(payout_batches::table.filter(payout_batches::id.eq(&b.id)))
            .set((
                payout_batches::status.eq("settled"),
                payout_batches::settled_at.eq(crate::db::now()),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            AuditEvent {
                action: "payout_batch.settled",
                entity: "payout_batch",
                entity_id: &b.id,
                before: Some(serde_json::json!({ "status": b.status })),
                after: Some(serde_json::json!({ "status": "settled" })),
            },
        )?;
    }
    let b = find(c, &b.id)?;
    view(c, b)
}

/// What the confirmation loads once for the employers' emails: placed people, openings, members.
#[derive(Default)]
struct Told {
    /// The placed person's name by placement.
    people: HashMap<String, String>,
    /// People's addresses, loaded once for the file.
    contacts: HashMap<String, (crate::notifications::EmailAddress, crate::locale::Locale)>,
    openings: HashMap<String, Option<crate::openings::service::OpeningFacts>>,
    members: HashMap<
        String,
        Vec<(
            String,
            crate::notifications::EmailAddress,
            crate::locale::Locale,
        )>,
    >,
}

/// The emails telling the payee that the bank paid, or could not: a person directly, every member
/// of an organisation in their language (queued by the caller, with the whole file's).
#[allow(clippy::too_many_arguments)]
fn tell_payee(
    c: &mut DbConnection,
    told: &mut Told,
    notices: &mut Vec<Notice>,
    p: &PayoutRow,
    step: &str,
    amount_tiyn: i64,
    reason: Option<&str>,
    batch: &str,
    public_url: &str,
) -> Result<(), AppError> {
    let base = public_url.trim_end_matches('/');
    match payee_of(p) {
        (PayeeKind::Person, seeker) => {
            if let Some((address, locale)) = told.contacts.get(&seeker) {
                notices.push(Notice {
                    to: address.clone(),
                    template: EmailTemplate::PayoutUpdate,
                    locale: *locale,
                    data: serde_json::json!({
                        "step": step, "period": p.period, "amount": super::tenge(amount_tiyn),
                        "link": format!("{base}/payouts"),
                    }),
                    dedup_key: format!("payout_{step}:{}:{batch}", p.id),
                });
            }
        }
        (PayeeKind::Organisation, organisation) => {
            if !told.openings.contains_key(&p.opening_id) {
                let facts = crate::openings::service::facts_of(c, &p.opening_id)?;
                told.openings.insert(p.opening_id.clone(), facts);
            }
            if !told.members.contains_key(&organisation) {
                let members = crate::accounts::service::member_contacts(c, &organisation)?;
                told.members.insert(organisation.clone(), members);
            }
            let person = p
                .placement_id
                .as_ref()
                .and_then(|id| told.people.get(id))
                .cloned()
                .unwrap_or_default();
            let facts = told.openings.get(&p.opening_id).cloned().flatten();
            for (member, to, locale) in told.members.get(&organisation).cloned().unwrap_or_default()
            {
                let title = facts
                    .as_ref()
                    .map(|f| crate::openings::service::title_in(f, locale))
                    .unwrap_or_default();
                notices.push(Notice {
                    to,
                    template: EmailTemplate::SubsidyUpdate,
                    locale,
                    data: serde_json::json!({
                        "step": step, "opening_title": title, "person_name": person,
                        "period": p.period, "amount": super::tenge(amount_tiyn), "reason": reason,
                        "link": format!("{base}/wage-reports"),
                    }),
                    dedup_key: format!("subsidy_{step}:{}:{batch}:{member}", p.id),
                });
            }
        }
    }
    Ok(())
}

// --- erasure ---

/// Her bank lines keep only the last four characters of the IBAN they were sent to, and a bank's
/// reason that names her loses her values (inside the erasure's transaction). The lines stay:
/// what the bank was told and what it answered are payment records.
pub fn erase_person(
    c: &mut DbConnection,
    payout_ids: &[String],
    values: &[String],
) -> Result<(), AppError> {
    use crate::erasure::rules;
    for chunk in payout_ids.chunks(1000) {
        let lines: Vec<(String, String, String, Option<String>)> = payout_batch_lines::table
            .filter(payout_batch_lines::payout_id.eq_any(chunk))
            .select((
                payout_batch_lines::batch_id,
                payout_batch_lines::payout_id,
                payout_batch_lines::iban,
                payout_batch_lines::failure_reason,
            ))
            .load(c)?;
        for (batch, payout, iban, reason) in lines {
            diesel::update(
                payout_batch_lines::table
                    .filter(payout_batch_lines::batch_id.eq(&batch))
                    .filter(payout_batch_lines::payout_id.eq(&payout)),
            )
            .set((
                payout_batch_lines::iban.eq(rules::iban_last_four(&iban)),
                payout_batch_lines::failure_reason
                    .eq(reason.map(|r| rules::scrub_text(&r, values))),
            ))
            .execute(c)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bank_lines_are_read_with_quotes_and_header() {
        let lines = parse_lines(
            "payout_id,status,amount_kzt,reference,reason\np1,paid,25000.00,HB-1,\np2,failed,100.00,,\"closed, moved\"\n\n",
        )
        .unwrap();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].paid && !lines[1].paid);
        assert_eq!(lines[1].reason, "closed, moved");
        assert!(parse_lines("p1,maybe,1.00\n").is_err());
        assert!(parse_lines("p1\n").is_err());
    }
}
