//! The one payment model: a payout is one month of one source, paid to one payee. A person's
//! stipend comes from an enrollment; an organisation's wage subsidy from a placement. Both go
//! through the same states, batches, bank file and confirmation; the database holds each source
//! to one payout a month (unique (enrollment, period) and (placement, period)) and each row to
//! exactly one kind of payee (`payouts_one_payee`).

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    db::{DbConnection, schema::payouts},
    dispatch,
    error::AppError,
};

/// Who a payout pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PayeeKind {
    /// A person (IIN): a stipend.
    Person,
    /// An organisation (BIN): a wage subsidy.
    Organisation,
}

impl PayeeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PayeeKind::Person => "person",
            PayeeKind::Organisation => "organisation",
        }
    }

    pub fn parse(s: &str) -> PayeeKind {
        if s == "organisation" {
            PayeeKind::Organisation
        } else {
            PayeeKind::Person
        }
    }
}

#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = payouts)]
// `None` is NULL (no nullable column has another default), so SQLite inserts many rows in one
// statement.
#[diesel(treat_none_as_default_value = false)]
pub struct PayoutRow {
    pub id: String,
    /// The stipend's enrollment (person payees only).
    pub enrollment_id: Option<String>,
    /// The person paid (person payees only).
    pub seeker_id: Option<String>,
    pub opening_id: String,
    pub period: String,
    pub amount_tiyn: i64,
    pub inputs: String,
    pub status: String,
    pub batch_id: Option<String>,
    pub bank_reference: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub payee_kind: String,
    /// The subsidy's placement (organisation payees only).
    pub placement_id: Option<String>,
    /// The organisation paid (organisation payees only).
    pub organisation_id: Option<String>,
}

impl PayoutRow {
    pub fn kind(&self) -> PayeeKind {
        PayeeKind::parse(&self.payee_kind)
    }
}

/// Inserts a payout unless its source has one for the month; true if this call made it.
pub fn insert_once(c: &mut DbConnection, row: &PayoutRow) -> QueryResult<bool> {
    let n = match row.kind() {
        PayeeKind::Person => dispatch!(c, |c| diesel::insert_into(payouts::table)
            .values(row)
            .on_conflict((payouts::enrollment_id, payouts::period))
            .do_nothing()
            .execute(c))?,
        PayeeKind::Organisation => dispatch!(c, |c| diesel::insert_into(payouts::table)
            .values(row)
            .on_conflict((payouts::placement_id, payouts::period))
            .do_nothing()
            .execute(c))?,
    };
    Ok(n == 1)
}

/// Inserts stipend payouts (person payees) unless their enrollment has one for the month, in a few
/// multi-row statements; returns the ids of the rows this call made. The unique (enrollment,
/// period) still decides: a row another worker made first is skipped, and only the rows found
/// under this call's own ids afterwards count as made here.
pub fn insert_stipends_once(
    c: &mut DbConnection,
    rows: &[PayoutRow],
) -> QueryResult<std::collections::HashSet<String>> {
    let mut made = std::collections::HashSet::with_capacity(rows.len());
    // 16 columns: 500 rows stay under both backends' bound-parameter limits.
    for chunk in rows.chunks(500) {
        let n = dispatch!(c, |c| diesel::insert_into(payouts::table)
            .values(chunk)
            .on_conflict((payouts::enrollment_id, payouts::period))
            .do_nothing()
            .execute(c))?;
        if n == chunk.len() {
            made.extend(chunk.iter().map(|r| r.id.clone()));
        } else {
            let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
            made.extend(
                payouts::table
                    .filter(payouts::id.eq_any(ids))
                    .select(payouts::id)
                    .load::<String>(c)?,
            );
        }
    }
    Ok(made)
}

/// A month computed to nothing is recorded, closed, with its reason: never batched, never
/// emailed as "0 ₸", never waiting in `scheduled`.
pub fn status_for(amount_tiyn: i64) -> &'static str {
    if amount_tiyn > 0 {
        "scheduled"
    } else {
        "cancelled"
    }
}

/// Puts a payout withdrawn for a correction (`cancelled` with `withdrawn_because`) back on the
/// schedule with its new amount; false if another worker did it a moment ago.
pub fn reissue(
    c: &mut DbConnection,
    id: &str,
    withdrawn_because: &str,
    amount_tiyn: i64,
    inputs: &str,
    reason: Option<&str>,
) -> QueryResult<bool> {
    diesel::update(
        payouts::table
            .filter(payouts::id.eq(id))
            .filter(payouts::status.eq("cancelled"))
            .filter(payouts::failure_reason.eq(withdrawn_because)),
    )
    .set((
        payouts::status.eq(status_for(amount_tiyn)),
        payouts::amount_tiyn.eq(amount_tiyn),
        payouts::inputs.eq(inputs),
        payouts::failure_reason.eq(reason),
        payouts::batch_id.eq(None::<String>),
        payouts::updated_at.eq(crate::db::now()),
    ))
    .execute(c)
    .map(|n| n == 1)
}

/// What a source's month has, as the cycles need to know it.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: String,
    pub status: String,
    pub failure_reason: Option<String>,
    pub amount_tiyn: i64,
    pub updated_at: chrono::NaiveDateTime,
}

/// Every subsidy payout, by (placement, period): one scan, whatever the planner thinks of the
/// table.
pub fn all_subsidies(
    c: &mut DbConnection,
) -> Result<HashMap<(String, String), Existing>, AppError> {
    let mut out = HashMap::new();
    {
        let rows = payouts::table
            .filter(payouts::payee_kind.eq(PayeeKind::Organisation.as_str()))
            .select((
                payouts::placement_id,
                payouts::period,
                payouts::id,
                payouts::status,
                payouts::failure_reason,
                payouts::amount_tiyn,
                payouts::updated_at,
            ))
            .load::<(
                Option<String>,
                String,
                String,
                String,
                Option<String>,
                i64,
                chrono::NaiveDateTime,
            )>(c)?;
        for (placement, period, id, status, failure_reason, amount_tiyn, updated_at) in rows {
            let Some(placement) = placement else { continue };
            out.insert(
                (placement, period),
                Existing {
                    id,
                    status,
                    failure_reason,
                    amount_tiyn,
                    updated_at,
                },
            );
        }
    }
    Ok(out)
}

/// The payouts a source's month holds (withdrawn ones too), for a reopening to withdraw.
pub fn of_placement_month(
    c: &mut DbConnection,
    placement_id: &str,
    period: &str,
) -> QueryResult<Vec<PayoutRow>> {
    payouts::table
        .filter(payouts::placement_id.eq(placement_id))
        .filter(payouts::period.eq(period))
        .select(PayoutRow::as_select())
        .load(c)
}

/// Counts (or with `sign` -1 takes back) what a computed payout adds to the city's figures, from
/// what it stored: a stipend month with its sessions, or a subsidy.
pub fn count_computed(
    c: &mut DbConnection,
    tally: &mut crate::reports::tally::Tally,
    p: &PayoutRow,
    sign: i64,
) -> Result<(), crate::error::AppError> {
    use crate::reports::tally::{Metric, StipendMonth};
    match p.kind() {
        PayeeKind::Person => {
            let i: super::stipend::StipendInputs =
                serde_json::from_str(&p.inputs).map_err(crate::error::internal)?;
            let month = StipendMonth {
                amount_tiyn: p.amount_tiyn,
                held: i.sessions_scheduled,
                attended: i.sessions_attended,
                met_minimum: i.sessions_scheduled > 0
                    && i.sessions_attended * 100 >= i.min_attendance_percent * i.sessions_scheduled,
            };
            tally.stipend_month(c, &p.opening_id, &p.period, &month, sign)
        }
        PayeeKind::Organisation => tally.add(
            c,
            &p.opening_id,
            &p.period,
            Metric::SubsidiesScheduled,
            sign * i64::from(p.amount_tiyn > 0),
            sign * p.amount_tiyn,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payee_kinds_read_back() {
        for k in [PayeeKind::Person, PayeeKind::Organisation] {
            assert_eq!(PayeeKind::parse(k.as_str()), k);
        }
        assert_eq!(status_for(0), "cancelled");
        assert_eq!(status_for(1), "scheduled");
    }
}
