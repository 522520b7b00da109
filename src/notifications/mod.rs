//! Email notifications through an outbox. Domain code calls [`notify`] inside its own transaction;
//! that writes a `send_email` job, so an email is sent if and only if the change that caused it
//! committed. The job's worker renders the template and sends it with [`Mailer`].

pub mod handlers;
pub mod mailer;
pub mod outbox;
pub mod preferences;
pub mod templates;

use serde::{Deserialize, Serialize};

pub use mailer::Mailer;
pub use templates::{EmailTemplate, Templates};

use crate::{
    db::DbConnection,
    jobs::{Job, JobContext, JobError, JobRequest, enqueue},
    locale::Locale,
};

/// The job kind that sends one email.
pub const SEND_EMAIL: &str = "send_email";

/// An email address, trimmed and case-folded, checked by lettre's parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<EmailAddress, String> {
        let folded = raw.trim().to_lowercase();
        if folded.len() > 254 {
            return Err("too long".into());
        }
        folded
            .parse::<lettre::Address>()
            .map_err(|e| e.to_string())?;
        Ok(EmailAddress(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

/// What a `send_email` job carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailPayload {
    pub to: EmailAddress,
    pub template: EmailTemplate,
    pub locale: Locale,
    pub data: serde_json::Value,
}

/// Queues an email in the caller's transaction. `dedup_key` names the event (e.g.
/// `verify_email:<account id>:<token id>`): notifying the same event twice sends one email. An
/// email of a kind the recipient's account turned off is not queued (false).
pub fn notify(
    conn: &mut DbConnection,
    to: &EmailAddress,
    template: EmailTemplate,
    locale: Locale,
    data: serde_json::Value,
    dedup_key: &str,
) -> diesel::QueryResult<bool> {
    if template.category().is_some() && !preferences::wants(conn, to.as_str(), template)? {
        return Ok(false);
    }
    let payload = EmailPayload {
        to: to.clone(),
        template,
        locale,
        data,
    };
    let payload = serde_json::to_value(&payload)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    enqueue(
        conn,
        &JobRequest {
            kind: SEND_EMAIL.to_owned(),
            payload,
            dedup_key: format!("email:{dedup_key}"),
            run_at: None,
            scheduled_for: None,
        },
    )
}

/// One email to queue with [`notify_many`].
#[derive(Debug, Clone)]
pub struct Notice {
    pub to: EmailAddress,
    pub template: EmailTemplate,
    pub locale: Locale,
    pub data: serde_json::Value,
    /// As [`notify`]'s: the event, so that notifying it twice sends one email.
    pub dedup_key: String,
}

/// Queues many emails in the caller's transaction, as [`notify`] does one: each event once,
/// none of a kind its recipient turned off. A few statements for all of them (a payout cycle or a
/// matching round tells thousands of people at once). Returns how many were queued.
pub fn notify_many(conn: &mut DbConnection, notices: Vec<Notice>) -> diesel::QueryResult<usize> {
    let refusing = preferences::refusing(conn, &notices)?;
    let mut requests = Vec::with_capacity(notices.len());
    for n in notices {
        if n.template.category().is_some() && refusing.contains(&(n.to.0.clone(), n.template)) {
            continue;
        }
        let dedup_key = format!("email:{}", n.dedup_key);
        let payload = serde_json::to_value(EmailPayload {
            to: n.to,
            template: n.template,
            locale: n.locale,
            data: n.data,
        })
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        requests.push(JobRequest {
            kind: SEND_EMAIL.to_owned(),
            payload,
            dedup_key,
            run_at: None,
            scheduled_for: None,
        });
    }
    crate::jobs::enqueue_many(conn, &requests)
}

/// The `send_email` job: render, send, count.
pub async fn send_email_job(ctx: JobContext, job: Job) -> Result<(), JobError> {
    let payload: EmailPayload = serde_json::from_str(&job.payload)
        .map_err(|e| JobError::Permanent(format!("unreadable email payload: {e}")))?;
    // An email she may turn off carries a one-click link for her account and its kind, made
    // now and never stored; one queued before she turned them off is not sent.
    let mut data = payload.data.clone();
    let mut unsubscribe = None;
    if let Some(category) = payload.template.category() {
        let address = payload.to.as_str().to_owned();
        let found = ctx
            .db
            .run(move |c| {
                let account = crate::accounts::service::account_of_address(c, &address)?;
                let wants = match &account {
                    Some(a) => preferences::of(c, a)?.allows(category),
                    None => true,
                };
                Ok::<_, crate::error::AppError>((account, wants))
            })
            .await
            .map_err(|e| JobError::Retry(format!("{e:?}")))?;
        match found {
            (_, false) => return Ok(()),
            (Some(account), true) => {
                let key = preferences::link_key(secrecy::ExposeSecret::expose_secret(
                    &ctx.settings.jwt_secret,
                ));
                let token = preferences::sign(&key, &account, category);
                let base = ctx.settings.public_url.trim_end_matches('/');
                if let Some(d) = data.as_object_mut() {
                    d.insert(
                        "unsubscribe_link".into(),
                        format!("{base}/unsubscribe?token={token}").into(),
                    );
                }
                unsubscribe = Some(format!("{base}/api/v1/email/unsubscribe?token={token}"));
            }
            (None, true) => {}
        }
    }
    let mail = ctx
        .mailer
        .templates()
        .render(payload.template, payload.locale, &data)
        .map_err(|e| JobError::Permanent(format!("template {}: {e}", payload.template.name())))?;
    match ctx
        .mailer
        .send(&payload.to, mail, &job.id, unsubscribe.as_deref())
        .await
    {
        Ok(()) => {
            ctx.metrics.email_sent(payload.template.name());
            forget_secrets(&ctx, payload);
            Ok(())
        }
        Err(e) => {
            ctx.metrics.email_failed(payload.template.name());
            Err(match e {
                mailer::MailError::Invalid(m) => JobError::Permanent(m),
                other => JobError::Retry(other.to_string()),
            })
        }
    }
}

/// What a sent email's recipient becomes in its job when the template forgets it
/// ([`EmailTemplate::forgets_recipient`]): a reserved domain that never receives mail.
pub const FORGOTTEN_RECIPIENT: &str = "erased@erased.invalid";

/// Once sent, a job no longer holds the email's secrets (see [`EmailTemplate::secret_fields`]),
/// nor, for an erased person's last email, its recipient. Written with the job's done state (and
/// written even if the job's lease had passed: the email went).
fn forget_secrets(ctx: &JobContext, mut payload: EmailPayload) {
    let fields = payload.template.secret_fields();
    let forget_recipient = payload.template.forgets_recipient();
    if fields.is_empty() && !forget_recipient {
        return;
    }
    if forget_recipient {
        // The last email to an erased person: the job keeps no address of hers.
        if let Ok(nobody) = EmailAddress::parse(FORGOTTEN_RECIPIENT) {
            payload.to = nobody;
        }
    }
    if let Some(data) = payload.data.as_object_mut() {
        for f in fields {
            if data.contains_key(*f) {
                data.insert((*f).to_owned(), serde_json::Value::from("(sent)"));
            }
        }
    }
    if let Ok(text) = serde_json::to_string(&payload) {
        ctx.keep_when_done(text);
    }
}

// --- erasure ---

/// Erases a person from the outbox inside the erasure's transaction: every email job (queued,
/// sent or dead) to her `address` is deleted, and every other job whose payload or last error
/// holds one of her `values` (an employer told her name, say) has them replaced. Returns the
/// number of jobs changed. `values` include her address. Her email preferences go too.
pub fn erase_person(
    conn: &mut DbConnection,
    account_id: &str,
    address: Option<&str>,
    values: &[String],
) -> Result<usize, crate::error::AppError> {
    use crate::erasure::rules::{scrub_stored, scrub_text};
    preferences::erase(conn, account_id)?;
    let mut seen = std::collections::HashSet::new();
    let mut changed = 0;
    for value in values {
        for job in crate::jobs::queries::containing(conn, value)? {
            if !seen.insert(job.id.clone()) {
                continue;
            }
            let to_her = address.is_some_and(|a| {
                job.kind == SEND_EMAIL
                    && serde_json::from_str::<EmailPayload>(&job.payload)
                        .is_ok_and(|p| p.to.as_str() == a)
            });
            if to_her {
                crate::jobs::queries::delete(conn, &job.id)?;
            } else {
                let payload = scrub_stored(&job.payload, values);
                let error = job.last_error.as_deref().map(|e| scrub_text(e, values));
                crate::jobs::queries::replace_payload_and_error(
                    conn,
                    &job.id,
                    &payload,
                    error.as_deref(),
                )?;
            }
            changed += 1;
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_case_folded_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Aigul.K@Mail.KZ ").unwrap().as_str(),
            "aigul.k@mail.kz"
        );
        assert!(EmailAddress::parse("not an email").is_err());
        assert!(EmailAddress::parse("a@").is_err());
        assert!(EmailAddress::parse(&format!("{}@x.kz", "a".repeat(260))).is_err());
    }
}
