//! Accounts and roles.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::accounts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Seeker,
    Employer,
    Provider,
    Caseworker,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Seeker,
        Role::Employer,
        Role::Provider,
        Role::Caseworker,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Seeker => "seeker",
            Role::Employer => "employer",
            Role::Provider => "provider",
            Role::Caseworker => "caseworker",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles anyone may register for themselves; staff are created by an admin.
    pub fn self_service(self) -> bool {
        matches!(self, Role::Seeker | Role::Employer | Role::Provider)
    }

    pub fn is_staff(self) -> bool {
        matches!(self, Role::Caseworker | Role::Admin)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub locale: String,
    pub organisation_id: Option<String>,
    pub email_verified_at: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub tokens_valid_after: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Account {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    pub fn locale(&self) -> crate::locale::Locale {
        crate::locale::Locale::parse(&self.locale).unwrap_or(crate::locale::Locale::Ru)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = accounts)]
// None is NULL (the column's default), so SQLite takes many rows a statement.
#[diesel(treat_none_as_default_value = false)]
pub struct NewAccount {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub locale: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub tokens_valid_after: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
