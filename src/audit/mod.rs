//! The audit log: who did what to which object, when, from which address. Append-only; written in the
//! same transaction as the change it records, and never holding secrets.

use diesel::prelude::*;

use crate::db::{DbConnection, schema::audit_events};

/// Who acted and from where (taken from the request by the handler).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub account_id: Option<String>,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
}

/// One audit event. `before`/`after` hold the changed fields (never passwords, hashes or tokens).
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
// `None` is NULL, so SQLite writes many events in one statement.
#[diesel(treat_none_as_default_value = false)]
struct NewAuditRow<'a> {
    id: String,
    occurred_at: chrono::NaiveDateTime,
    actor_id: Option<&'a str>,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<&'a str>,
    client_ip: Option<&'a str>,
}

impl<'a> NewAuditRow<'a> {
    fn of(actor: &'a Actor, event: AuditEvent<'a>, at: chrono::NaiveDateTime) -> Self {
        NewAuditRow {
            id: uuid::Uuid::now_v7().to_string(),
            occurred_at: at,
            actor_id: actor.account_id.as_deref(),
            action: event.action,
            entity: event.entity,
            entity_id: event.entity_id,
            before_json: event.before.map(|v| v.to_string()),
            after_json: event.after.map(|v| v.to_string()),
            request_id: actor.request_id.as_deref(),
            client_ip: actor.client_ip.as_deref(),
        }
    }
}

pub fn record(conn: &mut DbConnection, actor: &Actor, event: AuditEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(NewAuditRow::of(actor, event, crate::db::now()))
        .execute(conn)?;
    Ok(())
}

/// Records many events by one actor at once (a bulk job's: a payout cycle schedules thousands of
/// payouts), in a few multi-row statements inside the caller's transaction.
pub fn record_many(
    conn: &mut DbConnection,
    actor: &Actor,
    events: Vec<AuditEvent<'_>>,
) -> QueryResult<()> {
    let now = crate::db::now();
    let rows: Vec<NewAuditRow<'_>> = events
        .into_iter()
        .map(|event| NewAuditRow::of(actor, event, now))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        DbConnection::Pg(c) => {
            diesel::copy_from(audit_events::table)
                .from_insertable(&rows)
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            // 10 columns: 1,000 rows stay under SQLite's bound-parameter limit.
            for chunk in rows.chunks(1000) {
                diesel::insert_into(audit_events::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// A stored audit event, for tests and (later) the audit view.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: chrono::NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// Events about an account or done by it (her data export: who saw or changed what), oldest
/// first; at most `limit`.
pub fn about(conn: &mut DbConnection, account_id: &str, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(
            audit_events::entity_id
                .eq(account_id)
                .or(audit_events::actor_id.eq(account_id)),
        )
        .order(audit_events::id.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)
}

pub fn for_entity(
    conn: &mut DbConnection,
    entity: &str,
    entity_id: &str,
) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(entity_id))
        .order(audit_events::id.asc())
        .select(AuditRow::as_select())
        .load(conn)
}

// --- erasure ---

/// What an erased event's before/after becomes.
pub const ERASED_CHANGE: &str = r#"{"erased":true}"#;

/// Erases a person from the audit log, inside the erasure's transaction. Events about her
/// (`entity_ids`: her account, her household) or whose before/after holds one of her `values`
/// keep who did what to which record and when — the log stays complete and counts stay — but what
/// changed is replaced by a marker. Events she did lose the client address she did them from.
/// The log is otherwise append-only: this is the one change the law requires of it.
pub fn erase_person(
    conn: &mut DbConnection,
    account_id: &str,
    entity_ids: &[String],
    values: &[String],
) -> QueryResult<usize> {
    let marker = (
        audit_events::before_json.eq(Some(ERASED_CHANGE)),
        audit_events::after_json.eq(Some(ERASED_CHANGE)),
    );
    let mut n = 0;
    for chunk in entity_ids.chunks(1000) {
        n += diesel::update(audit_events::table.filter(audit_events::entity_id.eq_any(chunk)))
            .set(marker)
            .execute(conn)?;
    }
    for v in values {
        let pattern = crate::db::like_containing(v);
        n += diesel::update(
            audit_events::table.filter(
                audit_events::before_json
                    .like(pattern.clone())
                    .escape('\\')
                    .or(audit_events::after_json.like(pattern).escape('\\')),
            ),
        )
        .set(marker)
        .execute(conn)?;
    }
    diesel::update(audit_events::table.filter(audit_events::actor_id.eq(account_id)))
        .set(audit_events::client_ip.eq(None::<String>))
        .execute(conn)?;
    Ok(n)
}
