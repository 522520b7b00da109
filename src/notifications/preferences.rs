//! Which emails an account chooses to receive. Emails about her money, offers and account
//! security are essential and always sent; reminders, attendance warnings and the weekly digest
//! may be turned off — in the account's settings, or with one click on the email's unsubscribe
//! link (RFC 8058), which works without signing in and names one account and one kind of email,
//! signed so that it cannot be made for another.

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::EmailTemplate;
use crate::{
    access::Caller,
    audit::{self, Actor, AuditEvent},
    db::{Db, DbConnection, schema::email_preferences},
    error::AppError,
    messages::FieldMsg,
};

/// A kind of email an account may turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailCategory {
    /// Reminders of something due (an employer's wage reports).
    Reminders,
    /// A seeker's attendance falling below the programme's minimum.
    AttendanceWarnings,
    /// The weekly digest of new openings that fit her.
    Digest,
}

impl EmailCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailCategory::Reminders => "reminders",
            EmailCategory::AttendanceWarnings => "attendance_warnings",
            EmailCategory::Digest => "digest",
        }
    }

    pub fn parse(s: &str) -> Option<EmailCategory> {
        [
            EmailCategory::Reminders,
            EmailCategory::AttendanceWarnings,
            EmailCategory::Digest,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

impl EmailTemplate {
    /// The category an account may turn off, or `None`: essential, always sent.
    pub fn category(self) -> Option<EmailCategory> {
        match self {
            EmailTemplate::WageReportReminder => Some(EmailCategory::Reminders),
            EmailTemplate::AttendanceWarning => Some(EmailCategory::AttendanceWarnings),
            EmailTemplate::OpeningsDigest => Some(EmailCategory::Digest),
            _ => None,
        }
    }
}

/// What an account receives of the emails it may turn off.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Queryable, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct EmailPreferences {
    pub reminders: bool,
    pub attendance_warnings: bool,
    pub digest: bool,
}

impl Default for EmailPreferences {
    fn default() -> Self {
        EmailPreferences {
            reminders: true,
            attendance_warnings: true,
            digest: true,
        }
    }
}

impl EmailPreferences {
    pub fn allows(&self, category: EmailCategory) -> bool {
        match category {
            EmailCategory::Reminders => self.reminders,
            EmailCategory::AttendanceWarnings => self.attendance_warnings,
            EmailCategory::Digest => self.digest,
        }
    }

    fn without(mut self, category: EmailCategory) -> Self {
        match category {
            EmailCategory::Reminders => self.reminders = false,
            EmailCategory::AttendanceWarnings => self.attendance_warnings = false,
            EmailCategory::Digest => self.digest = false,
        }
        self
    }
}

/// An account's preferences (the defaults when it never chose).
pub fn of(c: &mut DbConnection, account_id: &str) -> QueryResult<EmailPreferences> {
    Ok(email_preferences::table
        .filter(email_preferences::account_id.eq(account_id))
        .select((
            email_preferences::reminders,
            email_preferences::attendance_warnings,
            email_preferences::digest,
        ))
        .first::<EmailPreferences>(c)
        .optional()?
        .unwrap_or_default())
}

/// Deletes the account's preferences (its erasure).
pub fn erase(c: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    diesel::delete(email_preferences::table.filter(email_preferences::account_id.eq(account_id)))
        .execute(c)
}

/// Whether the account at `address` (if any) receives emails of `template`.
pub fn wants(c: &mut DbConnection, address: &str, template: EmailTemplate) -> QueryResult<bool> {
    let Some(category) = template.category() else {
        return Ok(true);
    };
    let Some(account) = crate::accounts::service::account_of_address(c, address)? else {
        return Ok(true);
    };
    Ok(of(c, &account)?.allows(category))
}

/// Of the notices' (address, template) pairs whose template may be turned off, those whose
/// recipient's account turned it off: one query per thousand addresses and one for their choices.
pub fn refusing(
    c: &mut DbConnection,
    notices: &[super::Notice],
) -> QueryResult<std::collections::HashSet<(String, EmailTemplate)>> {
    let mut out = std::collections::HashSet::new();
    let addresses: Vec<String> = notices
        .iter()
        .filter(|n| n.template.category().is_some())
        .map(|n| n.to.as_str().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if addresses.is_empty() {
        return Ok(out);
    }
    let accounts = crate::accounts::service::accounts_of_addresses(c, &addresses)?;
    let ids: Vec<String> = accounts.values().cloned().collect();
    let mut chosen = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        for (id, reminders, attendance_warnings, digest) in email_preferences::table
            .filter(email_preferences::account_id.eq_any(chunk))
            .select((
                email_preferences::account_id,
                email_preferences::reminders,
                email_preferences::attendance_warnings,
                email_preferences::digest,
            ))
            .load::<(String, bool, bool, bool)>(c)?
        {
            chosen.insert(
                id,
                EmailPreferences {
                    reminders,
                    attendance_warnings,
                    digest,
                },
            );
        }
    }
    for n in notices {
        let Some(category) = n.template.category() else {
            continue;
        };
        let prefs = accounts
            .get(n.to.as_str())
            .and_then(|id| chosen.get(id))
            .copied()
            .unwrap_or_default();
        if !prefs.allows(category) {
            out.insert((n.to.as_str().to_owned(), n.template));
        }
    }
    Ok(out)
}

fn save(
    c: &mut DbConnection,
    actor: &Actor,
    account_id: &str,
    after: EmailPreferences,
) -> Result<EmailPreferences, AppError> {
    let before = of(c, account_id)?;
    if before == after {
        return Ok(after);
    }
    let now = crate::db::now();
    let row = (
        email_preferences::account_id.eq(account_id),
        email_preferences::reminders.eq(after.reminders),
        email_preferences::attendance_warnings.eq(after.attendance_warnings),
        email_preferences::digest.eq(after.digest),
        email_preferences::updated_at.eq(now),
    );
    crate::dispatch!(c, |c| diesel::insert_into(email_preferences::table)
        .values(row)
        .on_conflict(email_preferences::account_id)
        .do_update()
        .set((
            email_preferences::reminders.eq(after.reminders),
            email_preferences::attendance_warnings.eq(after.attendance_warnings),
            email_preferences::digest.eq(after.digest),
            email_preferences::updated_at.eq(now),
        ))
        .execute(c))?;
    audit::record(
        c,
        actor,
        AuditEvent {
            action: "email_preferences.changed",
            entity: "account",
            entity_id: account_id,
            before: serde_json::to_value(before).ok(),
            after: serde_json::to_value(after).ok(),
        },
    )?;
    Ok(after)
}

/// The caller's preferences.
pub async fn mine(db: &Db, user: &Caller) -> Result<EmailPreferences, AppError> {
    let id = user.account_id.clone();
    db.run(move |c| Ok(of(c, &id)?)).await
}

/// Sets the caller's preferences (audited when they change).
pub async fn set(
    db: &Db,
    user: &Caller,
    prefs: EmailPreferences,
) -> Result<EmailPreferences, AppError> {
    let user = user.clone();
    db.transaction(move |c| save(c, &user.actor, &user.account_id, prefs))
        .await
}

/// What a one-click unsubscribe did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unsubscribed {
    pub category: EmailCategory,
    pub preferences: EmailPreferences,
}

/// Turns off one kind of email for the account a signed link names (no sign-in: the link is the
/// proof). Doing it twice changes nothing.
pub async fn unsubscribe(
    db: &Db,
    secret: &[u8],
    token: &str,
    actor: Actor,
) -> Result<Unsubscribed, AppError> {
    let (account, category) =
        verify(secret, token).ok_or_else(|| AppError::field("token", FieldMsg::Invalid))?;
    db.transaction(move |c| {
        if crate::accounts::service::contact(c, &account)?.is_none() {
            return Err(AppError::field("token", FieldMsg::Invalid));
        }
        let actor = Actor {
            account_id: Some(account.clone()),
            ..actor
        };
        let prefs = of(c, &account)?.without(category);
        let preferences = save(c, &actor, &account, prefs)?;
        Ok(Unsubscribed {
            category,
            preferences,
        })
    })
    .await
}

type HmacSha256 = Hmac<Sha256>;

/// The key unsubscribe links are signed with: derived from the service's secret for this one use,
/// so a link's signature is worth nothing elsewhere.
pub fn link_key(secret: &str) -> Vec<u8> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"social-jobs unsubscribe link v1");
    mac.finalize().into_bytes().to_vec()
}

fn mac_of(key: &[u8], message: &str) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(message.as_bytes());
    mac
}

/// A token naming one account and one category: `account.category.signature`, URL-safe.
pub fn sign(key: &[u8], account_id: &str, category: EmailCategory) -> String {
    use base64::Engine;
    let message = format!("{account_id}.{}", category.as_str());
    let tag = mac_of(key, &message).finalize().into_bytes();
    format!(
        "{message}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag)
    )
}

/// The account and category a token names, if its signature is ours (checked in constant time).
pub fn verify(key: &[u8], token: &str) -> Option<(String, EmailCategory)> {
    use base64::Engine;
    if token.len() > 200 {
        return None;
    }
    let (message, tag) = token.rsplit_once('.')?;
    let (account, category) = message.rsplit_once('.')?;
    let category = EmailCategory::parse(category)?;
    if account.is_empty()
        || !account
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return None;
    }
    let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(tag)
        .ok()?;
    mac_of(key, message).verify_slice(&tag).ok()?;
    Some((account.to_owned(), category))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const CATEGORIES: [EmailCategory; 3] = [
        EmailCategory::Reminders,
        EmailCategory::AttendanceWarnings,
        EmailCategory::Digest,
    ];

    proptest! {
        #[test]
        fn a_token_names_its_account_and_category_and_nothing_else(
            account in "[0-9a-f-]{1,40}", other in "[0-9a-f-]{1,40}", c in 0usize..3, flip in 0usize..200,
        ) {
            let key = link_key("a secret of the service");
            let token = sign(&key, &account, CATEGORIES[c]);
            prop_assert_eq!(verify(&key, &token), Some((account.clone(), CATEGORIES[c])));
            // Another key, another account's name in it, or any byte changed: refused.
            prop_assert_eq!(verify(&link_key("another secret"), &token), None);
            if other != account {
                let forged = token.replacen(&account, &other, 1);
                prop_assert_eq!(verify(&key, &forged), None);
            }
            let mut bytes = token.clone().into_bytes();
            let i = flip % bytes.len();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            if let Ok(changed) = String::from_utf8(bytes)
                && changed != token
            {
                prop_assert_eq!(verify(&key, &changed), None);
            }
        }
    }

    #[test]
    fn essential_emails_have_no_category() {
        for t in EmailTemplate::ALL {
            let optional = matches!(
                t,
                EmailTemplate::WageReportReminder
                    | EmailTemplate::AttendanceWarning
                    | EmailTemplate::OpeningsDigest
            );
            assert_eq!(t.category().is_some(), optional, "{t:?}");
        }
        assert_eq!(verify(&link_key("k"), "garbage"), None);
    }
}
