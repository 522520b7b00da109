//! Every email, in every language and every variant, rendered with the data the service sends:
//! no template error or leftover tag, a subject, the key facts in the text part, data escaped in
//! the HTML part, and wording that assumes no gender of the reader or of anyone named. Each
//! rendering is also a snapshot (tests/snapshots/), so a change of wording is seen in review.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use social_jobs::{
    http::locale::Locale,
    notifications::{EmailTemplate, Templates},
};

/// One email as the service sends it: its data, and the facts its text must carry.
struct Case {
    name: String,
    template: EmailTemplate,
    data: Value,
    facts: Vec<String>,
}

const PUBLIC: &str = "https://jumys.almaty.kz";

fn case(name: &str, template: EmailTemplate, data: Value, facts: &[&str]) -> Case {
    Case {
        name: name.to_owned(),
        template,
        data,
        facts: facts.iter().map(|f| (*f).to_owned()).collect(),
    }
}

fn cases() -> Vec<Case> {
    let mut all = vec![
        case(
            "verify_email",
            EmailTemplate::VerifyEmail,
            json!({ "link": format!("{PUBLIC}/verify-email?token=Zq3xv9PbW1k"), "expires_hours": 48 }),
            &[
                "https://jumys.almaty.kz/verify-email?token=Zq3xv9PbW1k",
                "48",
            ],
        ),
        case(
            "account_exists",
            EmailTemplate::AccountExists,
            json!({ "link": format!("{PUBLIC}/password-reset") }),
            &["https://jumys.almaty.kz/password-reset"],
        ),
        case(
            "password_reset",
            EmailTemplate::PasswordReset,
            json!({ "link": format!("{PUBLIC}/password-reset?token=Yy81mQ0aB7c"), "expires_minutes": 60 }),
            &[
                "https://jumys.almaty.kz/password-reset?token=Yy81mQ0aB7c",
                "60",
            ],
        ),
        case(
            "household_decision.verified",
            EmailTemplate::HouseholdDecision,
            json!({ "decision": "verified", "note": null }),
            &[],
        ),
        case(
            "household_decision.rejected",
            EmailTemplate::HouseholdDecision,
            json!({ "decision": "rejected", "note": "Свидетельство о рождении Айбара не читается: загрузите скан & справку" }),
            &["Свидетельство о рождении Айбара не читается: загрузите скан & справку"],
        ),
        case(
            "wage_report_decision.confirmed",
            EmailTemplate::WageReportDecision,
            json!({ "decision": "confirmed", "period": "2027-02", "note": null, "link": format!("{PUBLIC}/wage-reports") }),
            &["2027-02", "https://jumys.almaty.kz/wage-reports"],
        ),
        case(
            "wage_report_decision.returned",
            EmailTemplate::WageReportDecision,
            json!({ "decision": "returned", "period": "2027-02", "note": "Приложите приказ & ведомость", "link": format!("{PUBLIC}/wage-reports") }),
            &[
                "Приложите приказ & ведомость",
                "https://jumys.almaty.kz/wage-reports",
            ],
        ),
        case(
            "attendance_warning",
            EmailTemplate::AttendanceWarning,
            json!({
                "course_title": "Кондитер \"Нан & Тоқаш\"", "period": "2027-02", "attended": 5,
                "held": 8, "min_percent": 80, "link": format!("{PUBLIC}/enrollments"),
            }),
            &[
                "Кондитер \"Нан & Тоқаш\"",
                "2027-02",
                "5",
                "8",
                "80",
                "https://jumys.almaty.kz/enrollments",
            ],
        ),
        case(
            "payout_scheduled",
            EmailTemplate::PayoutScheduled,
            json!({
                "course_title": "Кондитер \"Нан & Тоқаш\"", "period": "2027-02",
                "amount": social_jobs::payouts::tenge(2_083_333), "attended": 7, "held": 8,
                "link": format!("{PUBLIC}/payouts"),
            }),
            &[
                "Кондитер \"Нан & Тоқаш\"",
                "2027-02",
                "20833.33",
                "7",
                "8",
                "https://jumys.almaty.kz/payouts",
            ],
        ),
        // The last email to an erased person: nothing of hers in it.
        case(
            "erasure_done.payments_kept",
            EmailTemplate::ErasureDone,
            json!({ "payments_kept": true, "link": format!("{PUBLIC}/") }),
            &["https://jumys.almaty.kz/"],
        ),
        case(
            "erasure_done.nothing_kept",
            EmailTemplate::ErasureDone,
            json!({ "payments_kept": false, "link": format!("{PUBLIC}/") }),
            &["https://jumys.almaty.kz/"],
        ),
    ];
    for step in ["paid", "failed"] {
        all.push(case(
            &format!("payout_update.{step}"),
            EmailTemplate::PayoutUpdate,
            json!({
                "step": step, "period": "2027-02", "amount": social_jobs::payouts::tenge(2_500_000),
                "link": format!("{PUBLIC}/payouts"),
            }),
            &["2027-02", "25000.00", "https://jumys.almaty.kz/payouts"],
        ));
    }
    // To an employer, about a placed person's social job place.
    let title = "Швея \"Ақ & Көк\"";
    let person = "Айгүл Сейітқызы";
    let subsidies = format!("{PUBLIC}/subsidies");
    all.push(case(
        "subsidy_scheduled",
        EmailTemplate::SubsidyScheduled,
        json!({
            "opening_title": title, "person_name": person, "period": "2027-02",
            "amount": social_jobs::payouts::tenge(5_625_000),
            "wage_paid": social_jobs::payouts::tenge(7_500_000), "percent": 75, "link": subsidies,
        }),
        &[
            title, person, "2027-02", "56250.00", "75000.00", "75%", &subsidies,
        ],
    ));
    for (name, step, reason) in [
        ("paid", "paid", None),
        ("failed", "failed", Some("Счёт <закрыт> & перенесён")),
        ("failed.without_reason", "failed", None),
    ] {
        let mut facts = vec![title, person, "2027-02", "56250.00", subsidies.as_str()];
        if step == "failed" {
            facts.push("IBAN");
        }
        facts.extend(reason);
        all.push(case(
            &format!("subsidy_update.{name}"),
            EmailTemplate::SubsidyUpdate,
            json!({
                "step": step, "opening_title": title, "person_name": person, "period": "2027-02",
                "amount": social_jobs::payouts::tenge(5_625_000), "reason": reason,
                "link": subsidies,
            }),
            &facts,
        ));
    }
    let reports = format!("{PUBLIC}/wage-reports");
    for step in ["due", "overdue"] {
        all.push(case(
            &format!("wage_report_reminder.{step}"),
            EmailTemplate::WageReportReminder,
            json!({
                "step": step, "opening_title": title, "person_name": person, "period": "2027-02",
                "due_date": "2027-03-10", "link": reports,
            }),
            &[title, person, "2027-02", "2027-03-10", &reports],
        ));
    }
    // An email that may be turned off carries a one-click link that turns it off.
    let unsubscribe = format!("{PUBLIC}/unsubscribe?token=abc.reminders.sig");
    all.push(case(
        "wage_report_reminder.due.unsubscribe",
        EmailTemplate::WageReportReminder,
        json!({
            "step": "due", "opening_title": title, "person_name": person, "period": "2027-02",
            "due_date": "2027-03-10", "link": reports, "unsubscribe_link": unsubscribe,
        }),
        &[
            title,
            person,
            "2027-02",
            "2027-03-10",
            &reports,
            &unsubscribe,
        ],
    ));
    // To a seeker, weekly: the new openings that fit her.
    let job = format!("{PUBLIC}/openings/0193e0a4-7c1b-7d2e-9f00-5a1b2c3d4e5f");
    let course = format!("{PUBLIC}/openings/0193e0a4-7c1b-7d2e-9f00-5a1b2c3d4e60");
    let cabinet = format!("{PUBLIC}/cabinet");
    let unsubscribe = format!("{PUBLIC}/unsubscribe?token=abc.digest.sig");
    all.push(case(
        "openings_digest",
        EmailTemplate::OpeningsDigest,
        json!({
            "openings": [
                {
                    "title": title, "organisation_name": "ИП «Бақытты отбасы» тігін цехы",
                    "district": "auezov", "kind": "job", "link": job,
                },
                {
                    "title": "Кондитер курсы", "organisation_name": "«Болашақ» оқу орталығы",
                    "district": "almaly", "kind": "course", "link": course,
                },
            ],
            "count": 2, "link": cabinet, "unsubscribe_link": unsubscribe,
        }),
        &[
            title,
            "ИП «Бақытты отбасы» тігін цехы",
            "Кондитер курсы",
            "«Болашақ» оқу орталығы",
            &job,
            &course,
            &cabinet,
            &unsubscribe,
        ],
    ));
    for (kind, title, link) in [
        (
            "job",
            "Оператор швейного оборудования",
            "openings/0193e0a4-7c1b-7d2e-9f00-5a1b2c3d4e5f/placements",
        ),
        (
            "course",
            "Кондитер \"Нан & Тоқаш\"",
            "courses/0193e0a4-7c1b-7d2e-9f00-5a1b2c3d4e60/sessions",
        ),
    ] {
        let link = format!("{PUBLIC}/{link}");
        all.push(case(
            &format!("candidate_accepted.{kind}"),
            EmailTemplate::CandidateAccepted,
            json!({
                "seeker_name": "Айгүл Сейітқызы", "opening_title": title, "kind": kind,
                "start_date": "2027-01-15", "link": link,
            }),
            &["Айгүл Сейітқызы", title, "2027-01-15", &link],
        ));
        let org = "ТОО \"Әлем & K\"";
        let offers = format!("{PUBLIC}/offers");
        let base = json!({
            "kind": kind, "opening_title": title, "organisation_name": org,
            "start_date": "2027-01-15", "expires_at": "2026-12-04 18:00", "link": offers,
        });
        let with = |step: &str, extra: Value| {
            let mut d = base.clone();
            d["step"] = json!(step);
            if let (Some(d), Some(extra)) = (d.as_object_mut(), extra.as_object()) {
                d.extend(extra.clone());
            }
            d
        };
        let answerable: &[&str] = &[title, org, "2026-12-04 18:00", &offers];
        for step in ["made", "reminder"] {
            all.push(case(
                &format!("offer_update.{step}.{kind}"),
                EmailTemplate::OfferUpdate,
                with(step, json!({})),
                answerable,
            ));
        }
        all.push(case(
            &format!("offer_update.accepted.{kind}"),
            EmailTemplate::OfferUpdate,
            with("accepted", json!({})),
            &[title, org, "2027-01-15"],
        ));
        for step in ["declined", "expired"] {
            all.push(case(
                &format!("offer_update.{step}.{kind}"),
                EmailTemplate::OfferUpdate,
                with(step, json!({})),
                &[title, org],
            ));
        }
        let reason = "Все 12 мест получили семьи с более высоким приоритетом (4 и более детей).";
        all.push(case(
            &format!("offer_update.not_matched.{kind}"),
            EmailTemplate::OfferUpdate,
            with("not_matched", json!({ "reason": reason })),
            &[title, org, reason],
        ));
    }
    all
}

/// As minijinja escapes HTML.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

/// Words that give the reader (or a person named) a gender: Russian past-tense verbs and short
/// participles in the singular, forms of address; English pronouns and titles; Kazakh titles.
fn gendered(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::Ru => &[
            "принял",
            "приняла",
            "получил",
            "получила",
            "подтвердил",
            "подтвердила",
            "смог",
            "смогла",
            "отказался",
            "отказалась",
            "посетил",
            "посетила",
            "ответил",
            "ответила",
            "зачислен",
            "зачислена",
            "зарегистрирован",
            "зарегистрирована",
            "зарегистрировался",
            "зарегистрировалась",
            "запросил",
            "запросила",
            "забыл",
            "забыла",
            "сообщил",
            "сообщила",
            "пропустил",
            "пропустила",
            "должен",
            "должна",
            "готов",
            "готова",
            "рад",
            "рада",
            "уважаемый",
            "уважаемая",
            "дорогой",
            "дорогая",
            "господин",
            "госпожа",
        ],
        Locale::En => &[
            "he", "she", "his", "her", "hers", "him", "himself", "herself", "mr", "mrs", "ms",
            "miss", "sir", "madam",
        ],
        Locale::Kk => &["мырза", "ханым"],
    }
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

#[test]
fn every_email_renders_in_every_language_with_its_facts_escaped_and_without_gender() {
    let templates = Templates::load().unwrap();
    let cases = cases();
    // Every template has at least one case.
    for template in EmailTemplate::ALL {
        assert!(
            cases.iter().any(|c| c.template == template),
            "{template:?} is not rendered here"
        );
    }
    for c in &cases {
        let mut subjects = Vec::new();
        for locale in Locale::ALL {
            let at = format!("{} in {}", c.name, locale.code());
            let mail = templates
                .render(c.template, locale, &c.data)
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            assert!(!mail.subject.trim().is_empty(), "{at}: empty subject");
            assert!(mail.text.trim().len() > 40, "{at}: no text");
            for (part, body) in [
                ("subject", &mail.subject),
                ("text", &mail.text),
                ("html", &mail.html),
            ] {
                for tag in ["{{", "}}", "{%", "%}", "{#"] {
                    assert!(!body.contains(tag), "{at}: {part} has a leftover {tag}");
                }
                assert!(!body.contains("undefined"), "{at}: {part}");
                let found: Vec<String> = words(body)
                    .filter(|w| gendered(locale).contains(&w.as_str()))
                    .collect();
                assert!(
                    found.is_empty(),
                    "{at}: {part} assumes a gender: {found:?}\n{body}"
                );
            }
            assert!(
                mail.html
                    .contains(&format!("<html lang=\"{}\"", locale.code())),
                "{at}"
            );
            for fact in &c.facts {
                // An amount ("20833.33") is written as the language writes money.
                let shown = social_jobs::notifications::templates::format_tenge(fact, locale);
                let fact = &shown;
                assert!(
                    mail.text.contains(fact.as_str()),
                    "{at}: the text lacks {fact:?}\n{}",
                    mail.text
                );
                assert!(
                    mail.html.contains(&escaped(fact)),
                    "{at}: the HTML lacks {fact:?} (escaped)\n{}",
                    mail.html
                );
            }
            insta::assert_snapshot!(
                format!("{}.{}", c.name, locale.code()),
                format!(
                    "subject: {}\n\n----- text -----\n{}\n----- html -----\n{}",
                    mail.subject, mail.text, mail.html
                )
            );
            subjects.push(mail.subject);
        }
        subjects.dedup();
        assert_eq!(
            subjects.len(),
            3,
            "{}: not translated: {subjects:?}",
            c.name
        );
    }
}

#[test]
fn markup_in_any_data_field_is_escaped_in_html_and_kept_in_text() {
    let templates = Templates::load().unwrap();
    let probe = "<b onclick=\"x()\">Ә</b>";
    for c in cases() {
        let Some(fields) = c.data.as_object() else {
            continue;
        };
        for (key, value) in fields {
            // Choices the templates branch on, not text shown.
            if !value.is_string() || ["step", "kind", "decision"].contains(&key.as_str()) {
                continue;
            }
            let mut data = c.data.clone();
            data[key] = json!(format!("{}{probe}", value.as_str().unwrap()));
            for locale in Locale::ALL {
                let mail = templates.render(c.template, locale, &data).unwrap();
                assert!(
                    !mail.html.contains("<b onclick"),
                    "{} {key} in {}: not escaped",
                    c.name,
                    locale.code()
                );
                if mail.text.contains(value.as_str().unwrap()) {
                    assert!(mail.text.contains(probe), "{} {key}", c.name);
                    assert!(mail.html.contains(&escaped(probe)), "{} {key}", c.name);
                }
            }
        }
    }
}

#[test]
fn the_digest_names_each_kind_and_district_in_the_reader_language() {
    let templates = Templates::load().unwrap();
    let data = json!({
        "openings": [
            { "title": "Швея", "organisation_name": "ТОО «Әлем»", "district": "auezov", "kind": "job", "link": "https://jumys.almaty.kz/openings/1" },
            { "title": "Кондитер", "organisation_name": "«Болашақ»", "district": "somewhere", "kind": "course", "link": "https://jumys.almaty.kz/openings/2" },
        ],
        "count": 2, "link": "https://jumys.almaty.kz/cabinet",
    });
    for (locale, district, job, course, count, stop) in [
        (
            Locale::Kk,
            "Әуезов ауданы",
            "Жұмыс орны: Швея",
            "Курс: Кондитер",
            "Барлығы: 2.",
            "алмау",
        ),
        (
            Locale::Ru,
            "Ауэзовский район",
            "Рабочее место: Швея",
            "Курс: Кондитер",
            "Всего: 2.",
            "получать",
        ),
        (
            Locale::En,
            "Auezov district",
            "Job: Швея",
            "Course: Кондитер",
            ": 2 in all.",
            "Stop",
        ),
    ] {
        let mail = templates
            .render(EmailTemplate::OpeningsDigest, locale, &data)
            .unwrap();
        for body in [&mail.text, &mail.html] {
            assert!(body.contains(district), "{}\n{body}", locale.code());
            // A code it does not know is shown as it came.
            assert!(body.contains("somewhere"), "{}", locale.code());
            assert!(!body.contains("auezov"), "{}", locale.code());
            assert!(body.contains(count), "{}\n{body}", locale.code());
            // Without an unsubscribe link there is no footer for it.
            assert!(!body.contains(stop), "{}\n{body}", locale.code());
        }
        assert!(
            mail.text.contains(job) && mail.text.contains(course),
            "{}",
            locale.code()
        );
    }
}
