//! Organisation use cases.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::queries::{self, Organisation};
use crate::access::{Caller, Permission};
use crate::db::Db;
use crate::locale::Locale;
use crate::{
    accounts::{model::Role, service::OrganisationSummary},
    audit::{self, AuditEvent},
    db::DbConnection,
    error::AppError,
    kz::Bin,
    messages::{FieldMsg, Msg},
    notifications::EmailAddress,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrganisationKind {
    Employer,
    Provider,
}

impl OrganisationKind {
    fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Employer => "employer",
            OrganisationKind::Provider => "provider",
        }
    }

    /// The kind of organisation an account of `role` registers.
    fn for_role(role: Role) -> Option<OrganisationKind> {
        match role {
            Role::Employer => Some(OrganisationKind::Employer),
            Role::Provider => Some(OrganisationKind::Provider),
            _ => None,
        }
    }
}

/// What a member submits; parsed into checked values by [`register`].
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub kind: OrganisationKind,
    pub name: String,
    /// Business identification number: 12 digits with a check digit.
    #[schema(pattern = "^[0-9]{12}$")]
    pub bin: String,
    /// A district code, e.g. `almaly`.
    pub district: String,
    pub contact_name: String,
    /// `+7` and ten digits.
    pub contact_phone: String,
    pub contact_email: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub bin: String,
    pub district: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    /// `pending` or `approved`.
    pub status: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Where it is paid (its members and staff see it).
    pub iban: Option<String>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        OrganisationView {
            id: o.id,
            kind: o.kind,
            name: o.name,
            bin: o.bin,
            district: o.district,
            contact_name: o.contact_name,
            contact_phone: o.contact_phone,
            contact_email: o.contact_email,
            status: o.status,
            approved_at: o.approved_at.map(|t| t.and_utc()),
            created_at: o.created_at.and_utc(),
            iban: o.iban,
        }
    }
}

fn text(
    errors: &mut std::collections::BTreeMap<String, Msg>,
    name: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim().to_owned();
    if v.is_empty() {
        errors.insert(name.into(), Msg::Field(FieldMsg::Required));
    } else if !crate::text::name_is_clean(&v) {
        errors.insert(name.into(), Msg::Field(FieldMsg::ForbiddenCharacters));
    } else if v.chars().count() > max {
        errors.insert(name.into(), Msg::Field(FieldMsg::TooLong { max }));
    }
    v
}

/// Registers the caller's organisation (pending until an admin approves it) and makes the caller its
/// first member.
pub async fn register(
    db: &Db,
    user: &Caller,
    input: NewOrganisation,
) -> Result<OrganisationView, AppError> {
    user.require(Permission::RegisterOrganisation)?;
    if OrganisationKind::for_role(user.role) != Some(input.kind) {
        return Err(AppError::Conflict(Msg::OrganisationKindMismatch));
    }
    let mut errors = std::collections::BTreeMap::new();
    let name = text(&mut errors, "name", &input.name, 200);
    let contact_name = text(&mut errors, "contact_name", &input.contact_name, 200);
    let bin = Bin::parse(&input.bin);
    if bin.is_err() {
        errors.insert("bin".into(), Msg::Field(FieldMsg::BinInvalid));
    }
    let phone = crate::kz::normalize_phone(&input.contact_phone);
    if phone.is_none() {
        errors.insert("contact_phone".into(), Msg::Field(FieldMsg::Invalid));
    }
    let email = EmailAddress::parse(&input.contact_email);
    if email.is_err() {
        errors.insert("contact_email".into(), Msg::Field(FieldMsg::Invalid));
    }
    let (Ok(bin), Ok(email), Some(phone), true) = (bin, email, phone, errors.is_empty()) else {
        return Err(AppError::Validation {
            detail: Msg::JsonBodyInvalid,
            errors,
        });
    };
    let (user_id, actor, kind) = (user.account_id.clone(), user.actor.clone(), input.kind);
    let district = input.district.trim().to_owned();
    db.transaction(move |c| {
        if crate::accounts::service::organisation_of(c, &user_id)?.is_some() {
            return Err(AppError::Conflict(Msg::AlreadyInOrganisation));
        }
        if !crate::districts::exists(c, &district)? {
            return Err(AppError::field("district", FieldMsg::DistrictUnknown));
        }
        if queries::bin_exists(c, bin.as_str())? {
            return Err(AppError::Conflict(Msg::BinAlreadyRegistered));
        }
        let now = crate::db::now();
        let org = Organisation {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.as_str().to_owned(),
            name,
            bin: bin.as_str().to_owned(),
            district,
            contact_name,
            contact_phone: phone,
            contact_email: email.as_str().to_owned(),
            status: "pending".into(),
            approved_at: None,
            approved_by: None,
            created_by: user_id.clone(),
            created_at: now,
            updated_at: now,
            iban: None,
            bank_changed_at: None,
        };
        queries::insert(c, &org)?;
        crate::accounts::service::join_organisation(c, &user_id, &org.id)?;
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: "organisation.registered",
                entity: "organisation",
                entity_id: &org.id,
                before: None,
                after: Some(
                    serde_json::json!({ "kind": org.kind, "name": org.name, "bin": org.bin }),
                ),
            },
        )?;
        Ok(OrganisationView::from(org))
    })
    .await
}

/// An organisation as its members and staff see it; 404 for everyone else.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankAccountInput {
    /// A KZ IBAN (20 characters, ISO 13616 check digits); spaces are ignored.
    #[schema(max_length = 40)]
    pub iban: String,
    /// The account holder's BIN: it must be the organisation's own.
    #[schema(max_length = 20)]
    pub holder_bin: String,
}

/// A member sets where her organisation is paid: a KZ IBAN of an account held under its own BIN.
/// Audited; applies from the next payment batch.
pub async fn set_bank_account(
    db: &Db,
    user: &Caller,
    input: BankAccountInput,
) -> Result<OrganisationView, AppError> {
    user.require(Permission::PostOpenings)?;
    let id = user.organisation_id.clone().ok_or(AppError::NotFound)?;
    let iban = crate::kz::Iban::parse(&input.iban)
        .ok_or_else(|| AppError::field("iban", FieldMsg::IbanInvalid))?;
    let holder: String = input
        .holder_bin
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let actor = user.actor.clone();
    db.transaction(move |c| {
        let before = queries::by_id(c, &id)?.ok_or(AppError::NotFound)?;
        if holder != before.bin {
            return Err(AppError::field(
                "holder_bin",
                FieldMsg::NotTheOrganisationBin,
            ));
        }
        let now = crate::db::now();
        queries::set_bank_account(c, &id, iban.as_str(), now)?;
        // The audit keeps which account, not the whole number: its last four characters.
        let tail = |i: &str| {
            i.chars()
                .skip(i.chars().count().saturating_sub(4))
                .collect::<String>()
        };
        audit::record(
            c,
            &actor,
            AuditEvent {
                action: "organisation.bank_account_changed",
                entity: "organisation",
                entity_id: &id,
                before: Some(serde_json::json!({ "iban_ends": before.iban.as_deref().map(tail) })),
                after: Some(serde_json::json!({ "iban_ends": tail(iban.as_str()) })),
            },
        )?;
        let after = queries::by_id(c, &id)?.ok_or(AppError::NotFound)?;
        Ok(OrganisationView::from(after))
    })
    .await
}

pub async fn get(db: &Db, user: &Caller, id: String) -> Result<OrganisationView, AppError> {
    let visible_to_all = user.has(Permission::ReadAnyOrganisation);
    let member_of = user.organisation_id.clone();
    db.run(move |c| {
        let org = queries::by_id(c, &id)?.ok_or(AppError::NotFound)?;
        if visible_to_all || member_of.as_deref() == Some(org.id.as_str()) {
            Ok(OrganisationView::from(org))
        } else {
            Err(AppError::NotFound)
        }
    })
    .await
}

/// `pending` (waiting for an admin) or `approved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrganisationStatus {
    Pending,
    Approved,
}

impl OrganisationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationStatus::Pending => "pending",
            OrganisationStatus::Approved => "approved",
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<OrganisationView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Organisations by status, oldest registration first (staff): the admin's queue of employers
/// and providers waiting for approval.
pub async fn list(
    db: &Db,
    user: &Caller,
    status: Option<OrganisationStatus>,
    cursor: Option<String>,
    limit: i64,
) -> Result<OrganisationPage, AppError> {
    user.require(Permission::ReadAnyOrganisation)?;
    let after = crate::paging::instant_and_id(cursor)?;
    let mut rows = db
        .run(move |c| {
            queries::by_status(c, status.map(OrganisationStatus::as_str), after, limit + 1)
                .map_err(AppError::from)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last())
        .flatten()
        .map(|o| crate::paging::of_instant_and_id(o.created_at, &o.id));
    Ok(OrganisationPage {
        items: rows.into_iter().map(OrganisationView::from).collect(),
        next_cursor,
    })
}

pub async fn approve(db: &Db, user: &Caller, id: String) -> Result<OrganisationView, AppError> {
    user.require(Permission::ApproveOrganisation)?;
    let (admin, actor) = (user.account_id.clone(), user.actor.clone());
    db.transaction(move |c| {
        let org = queries::by_id(c, &id)?.ok_or(AppError::NotFound)?;
        if org.status != "approved" {
            queries::approve(c, &id, &admin, crate::db::now())?;
            audit::record(
                c,
                &actor,
                AuditEvent {
                    action: "organisation.approved",
                    entity: "organisation",
                    entity_id: &id,
                    before: Some(serde_json::json!({ "status": org.status })),
                    after: Some(serde_json::json!({ "status": "approved" })),
                },
            )?;
        }
        let org = queries::by_id(c, &id)?.ok_or(AppError::NotFound)?;
        Ok(OrganisationView::from(org))
    })
    .await
}

/// For `GET /me`: the member's organisation in brief.
pub fn summary(conn: &mut DbConnection, id: &str) -> Result<Option<OrganisationSummary>, AppError> {
    Ok(queries::by_id(conn, id)?.map(|o| OrganisationSummary {
        id: o.id,
        name: o.name,
        kind: o.kind,
        status: o.status,
    }))
}

/// What a bank needs to pay an organisation: (BIN, name, IBAN if it gave a valid one).
pub type BankDetails = (String, String, Option<String>);

/// Bank details by organisation, only for the payment file; never logged.
pub fn bank_details(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, BankDetails>, AppError> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        for o in queries::by_ids(conn, chunk)? {
            let iban = o
                .iban
                .as_deref()
                .and_then(crate::kz::Iban::parse)
                .map(|i| i.as_str().to_owned());
            out.insert(o.id.clone(), (o.bin, o.name, iban));
        }
    }
    Ok(out)
}

/// Organisation names by id, for lists that show who posted what.
pub fn names(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    Ok(queries::names(conn, ids)?.into_iter().collect())
}

/// Everyone to tell of an event of an organisation, each in their language: its members (their
/// account's locale), and its contact address unless a member has it, in the language of the
/// member who registered the organisation (Russian when there is none).
pub fn recipients(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Vec<(EmailAddress, Locale)>, AppError> {
    let Some(org) = queries::by_id(conn, id)? else {
        return Ok(Vec::new());
    };
    let members = crate::accounts::service::member_contacts(conn, id)?;
    let creator_locale = members
        .iter()
        .find(|(account, _, _)| *account == org.created_by)
        .or(members.first())
        .map_or(Locale::Ru, |(_, _, locale)| *locale);
    let mut out: Vec<(EmailAddress, Locale)> =
        members.into_iter().map(|(_, e, l)| (e, l)).collect();
    if let Ok(contact) = EmailAddress::parse(&org.contact_email)
        && !out.iter().any(|(e, _)| *e == contact)
    {
        out.push((contact, creator_locale));
    }
    Ok(out)
}
