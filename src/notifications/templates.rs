//! Email templates: one folder per event with `subject`, `body.txt` and `body.html` in each of kk, ru
//! and en, embedded in the binary. HTML templates escape everything they are given.

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use serde::{Deserialize, Serialize};

use crate::http::locale::Locale;

#[derive(rust_embed::Embed)]
#[folder = "src/notifications/templates/"]
struct Files;

/// The events that send an email. Each has a folder under `templates/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailTemplate {
    VerifyEmail,
    PasswordReset,
    /// Someone registered with an email that has an account already.
    AccountExists,
    /// A case worker verified or rejected a household (`decision`, `note`).
    HouseholdDecision,
    /// A step of a place offer (`step`: made, reminder, accepted, declined, expired, not_matched;
    /// `kind`, `opening_title`, `organisation_name`, `expires_at`, `start_date`, `link`, `reason`).
    OfferUpdate,
    /// To an organisation: a seeker accepted its place (`seeker_name`, `opening_title`, `kind`,
    /// `start_date`, `link`).
    CandidateAccepted,
    /// A seeker's attendance this month fell below the programme's minimum (`course_title`,
    /// `period`, `attended`, `held`, `min_percent`).
    AttendanceWarning,
    /// A stipend was scheduled (`course_title`, `period`, `amount`, `attended`, `held`, `link`).
    PayoutScheduled,
    /// The bank paid a stipend, or could not (`step`: paid or failed; `period`, `amount`, `link`).
    PayoutUpdate,
}

impl EmailTemplate {
    /// Fields of its data that hold a secret (a sign-in link with its token): once the email has
    /// been sent they are removed from the stored job, as the token tables keep only hashes.
    pub fn secret_fields(self) -> &'static [&'static str] {
        match self {
            EmailTemplate::VerifyEmail | EmailTemplate::PasswordReset => &["link"],
            _ => &[],
        }
    }

    pub const ALL: [EmailTemplate; 9] = [
        EmailTemplate::VerifyEmail,
        EmailTemplate::PasswordReset,
        EmailTemplate::AccountExists,
        EmailTemplate::HouseholdDecision,
        EmailTemplate::OfferUpdate,
        EmailTemplate::CandidateAccepted,
        EmailTemplate::AttendanceWarning,
        EmailTemplate::PayoutScheduled,
        EmailTemplate::PayoutUpdate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EmailTemplate::VerifyEmail => "verify_email",
            EmailTemplate::PasswordReset => "password_reset",
            EmailTemplate::AccountExists => "account_exists",
            EmailTemplate::HouseholdDecision => "household_decision",
            EmailTemplate::OfferUpdate => "offer_update",
            EmailTemplate::CandidateAccepted => "candidate_accepted",
            EmailTemplate::AttendanceWarning => "attendance_warning",
            EmailTemplate::PayoutScheduled => "payout_scheduled",
            EmailTemplate::PayoutUpdate => "payout_update",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn load() -> Result<Templates, minijinja::Error> {
        let mut env = Environment::new();
        // Names end in the locale (body.html.kk), so escaping is chosen by the name, not the suffix.
        env.set_auto_escape_callback(|name| {
            if name.contains(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        for name in Files::iter() {
            let Some(file) = Files::get(&name) else {
                continue;
            };
            let source = String::from_utf8(file.data.into_owned()).map_err(|e| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("{name}: {e}"),
                )
            })?;
            env.add_template_owned(name.to_string(), source)?;
        }
        Ok(Templates { env })
    }

    pub fn render(
        &self,
        template: EmailTemplate,
        locale: Locale,
        data: &serde_json::Value,
    ) -> Result<RenderedEmail, minijinja::Error> {
        let ctx = context! { locale => locale.code(), ..Value::from_serialize(data) };
        let part = |file: &str| {
            self.env
                .get_template(&format!("{}/{file}.{}", template.name(), locale.code()))?
                .render(&ctx)
        };
        Ok(RenderedEmail {
            // A subject is one line whatever the data holds.
            subject: part("subject")?
                .replace(['\r', '\n'], " ")
                .trim()
                .to_owned(),
            text: part("body.txt")?,
            html: part("body.html")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> serde_json::Value {
        serde_json::json!({
            "name": "Айгүл <script>alert(1)</script>",
            "link": "https://app.example.kz/verify?token=abc&x=1",
            "expires_hours": 24,
            "expires_minutes": 60,
            "decision": "rejected",
            "note": "Айгүл <script>alert(1)</script>",
            "step": "made",
            "kind": "job",
            "opening_title": "Тігінші <b>",
            "organisation_name": "ТОО «Әлем»",
            "expires_at": "2026-12-04 18:00",
            "start_date": "2027-01-15",
            "reason": "All 12 places went to applicants of higher priority.",
            "seeker_name": "Айгүл <script>alert(1)</script>",
            "course_title": "Кондитер курсы",
            "period": "2027-02",
            "attended": 5,
            "held": 8,
            "min_percent": 80,
            "amount": "25000.00",
        })
    }

    #[test]
    fn every_template_renders_in_every_language_with_both_bodies() {
        let t = Templates::load().unwrap();
        for template in EmailTemplate::ALL {
            let mut subjects = Vec::new();
            for locale in Locale::ALL {
                let mail = t.render(template, locale, &data()).unwrap();
                assert!(!mail.subject.is_empty());
                let expected = if template == EmailTemplate::HouseholdDecision {
                    "Айгүл <script>" // the case worker's note
                } else {
                    "https://app.example.kz/verify?token=abc&x=1"
                };
                assert!(mail.text.contains(expected), "{template:?} {locale:?}");
                assert!(mail.html.contains("<html lang=\"") && mail.html.contains(locale.code()));
                subjects.push(mail.subject);
            }
            subjects.dedup();
            assert_eq!(
                subjects.len(),
                3,
                "{template:?} is not translated: {subjects:?}"
            );
        }
    }

    #[test]
    fn user_data_is_escaped_in_html_but_not_in_text() {
        let t = Templates::load().unwrap();
        let mail = t
            .render(EmailTemplate::VerifyEmail, Locale::Ru, &data())
            .unwrap();
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(mail.html.contains("token=abc&amp;x=1"));
        assert!(mail.text.contains("Айгүл <script>"));
    }

    #[test]
    fn a_missing_variable_is_an_error_not_an_empty_link() {
        let t = Templates::load().unwrap();
        let err = t.render(
            EmailTemplate::PasswordReset,
            Locale::En,
            &serde_json::json!({ "expires_minutes": 60 }),
        );
        assert!(err.is_err());
    }
}
