//! Email templates: one folder per event with `subject`, `body.txt` and `body.html` in each of kk, ru
//! and en, embedded in the binary. HTML templates escape everything they are given.

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use serde::{Deserialize, Serialize};

use crate::locale::Locale;

#[derive(rust_embed::Embed)]
#[folder = "src/notifications/templates/"]
struct Files;

/// The events that send an email. Each has a folder under `templates/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// To an employer: a case worker confirmed or returned a wage report (`decision`, `period`,
    /// `note`, `link`).
    WageReportDecision,
    /// To an employer: the wage subsidy of a month was scheduled (`opening_title`, `person_name`,
    /// `period`, `amount`, `wage_paid`, `percent`, `link`).
    SubsidyScheduled,
    /// To an employer: the bank paid a wage subsidy, or could not (`step`: paid or failed;
    /// `opening_title`, `person_name`, `period`, `amount`, `reason`, `link`).
    SubsidyUpdate,
    /// To an employer: a month's wage report is due, or overdue (`step`: due or overdue;
    /// `opening_title`, `person_name`, `period`, `due_date`, `link`).
    WageReportReminder,
    /// To a seeker, weekly: new openings that fit her (`openings`: a list of `title`,
    /// `organisation_name`, `district`, `kind` (job or course), `link`; `count`; `link`).
    OpeningsDigest,
    /// To a person whose data were erased: the last email (`payments_kept`: whether payment
    /// records stay for the retention period; `link`: the service, to register anew). Holds nothing personal; once sent, its job does
    /// not keep her address either.
    ErasureDone,
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

    /// Whether the stored job forgets its recipient once sent: an email to a person who has just
    /// been erased must not keep her address in the outbox.
    pub fn forgets_recipient(self) -> bool {
        matches!(self, EmailTemplate::ErasureDone)
    }

    pub const ALL: [EmailTemplate; 15] = [
        EmailTemplate::VerifyEmail,
        EmailTemplate::PasswordReset,
        EmailTemplate::AccountExists,
        EmailTemplate::HouseholdDecision,
        EmailTemplate::OfferUpdate,
        EmailTemplate::CandidateAccepted,
        EmailTemplate::AttendanceWarning,
        EmailTemplate::PayoutScheduled,
        EmailTemplate::PayoutUpdate,
        EmailTemplate::WageReportDecision,
        EmailTemplate::SubsidyScheduled,
        EmailTemplate::SubsidyUpdate,
        EmailTemplate::WageReportReminder,
        EmailTemplate::OpeningsDigest,
        EmailTemplate::ErasureDone,
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
            EmailTemplate::WageReportDecision => "wage_report_decision",
            EmailTemplate::SubsidyScheduled => "subsidy_scheduled",
            EmailTemplate::SubsidyUpdate => "subsidy_update",
            EmailTemplate::WageReportReminder => "wage_report_reminder",
            EmailTemplate::OpeningsDigest => "openings_digest",
            EmailTemplate::ErasureDone => "erasure_done",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// "11250.00" as people read it: `11 250,00 ₸` in Kazakh and Russian (a narrow no-break space
/// between thousands, a decimal comma, the sign after the amount, as kk_KZ and ru_KZ write it),
/// `11,250.00 ₸` in English. Anything that is not such an amount is returned as it came.
pub fn format_tenge(amount: &str, locale: Locale) -> String {
    let (sign, digits) = match amount.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", amount),
    };
    let Some((whole, fraction)) = digits.split_once('.') else {
        return amount.to_owned();
    };
    if whole.is_empty()
        || fraction.len() != 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return amount.to_owned();
    }
    let (group, decimal) = match locale {
        Locale::En => (",", "."),
        Locale::Kk | Locale::Ru => ("\u{202F}", ","),
    };
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}{decimal}{fraction}\u{00A0}₸")
}

/// Adds every file of an embedded folder to `env` as a template named by its path.
pub fn add_embedded<F: rust_embed::RustEmbed>(
    env: &mut Environment<'static>,
) -> Result<(), minijinja::Error> {
    for name in F::iter() {
        let Some(file) = F::get(&name) else {
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
    Ok(())
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
        // Amounts come as "11250.00" (tenge); each language writes them its own way.
        env.add_filter("tenge", |state: &minijinja::State, amount: String| {
            let locale = state
                .lookup("locale")
                .and_then(|l| l.as_str().and_then(Locale::parse))
                .unwrap_or(Locale::Ru);
            format_tenge(&amount, locale)
        });
        add_embedded::<Files>(&mut env)?;
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

    #[test]
    fn tenge_are_written_as_each_language_writes_them() {
        assert_eq!(
            format_tenge("11250.00", Locale::Kk),
            "11\u{202F}250,00\u{00A0}₸"
        );
        assert_eq!(
            format_tenge("11250.00", Locale::Ru),
            "11\u{202F}250,00\u{00A0}₸"
        );
        assert_eq!(format_tenge("11250.00", Locale::En), "11,250.00\u{00A0}₸");
        assert_eq!(
            format_tenge("1234567.05", Locale::En),
            "1,234,567.05\u{00A0}₸"
        );
        assert_eq!(format_tenge("250.00", Locale::Kk), "250,00\u{00A0}₸");
        assert_eq!(format_tenge("0.50", Locale::Ru), "0,50\u{00A0}₸");
        assert_eq!(format_tenge("-1000.00", Locale::En), "-1,000.00\u{00A0}₸");
        // Not an amount: left alone rather than mangled.
        for odd in ["", "abc", "12", "1.5", ".50", "1,000.00"] {
            assert_eq!(format_tenge(odd, Locale::Kk), odd);
        }
    }

    proptest::proptest! {
        #[test]
        fn a_formatted_amount_keeps_every_digit_in_order(tiyn in 0i64..10_000_000_000_000) {
            let plain = crate::payouts::tenge(tiyn);
            for locale in Locale::ALL {
                let shown = format_tenge(&plain, locale);
                let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
                proptest::prop_assert_eq!(digits, plain.replace('.', ""));
                proptest::prop_assert!(shown.ends_with('₸'));
            }
        }
    }

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
            "min_percent": 80, "wage_paid": "25000.00", "percent": 75, "due_date": "2027-03-10",
            "amount": "25000.00",
            "openings": [{"title": "Швея", "organisation_name": "ТОО «Әлем»", "district": "auezov", "kind": "job", "link": "https://example.kz/openings/1"}],
            "count": 1,
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
