//! A seeker's profile as submitted, checked field by field (pure: no actix, no diesel).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    kz::{Iban, Iin, IinError, normalize_phone},
    messages::{FieldMsg, Msg},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Employment {
    FullTime,
    PartTime,
    Any,
}

impl Employment {
    pub fn as_str(self) -> &'static str {
        match self {
            Employment::FullTime => "full_time",
            Employment::PartTime => "part_time",
            Employment::Any => "any",
        }
    }

    pub fn parse(s: &str) -> Option<Employment> {
        [Employment::FullTime, Employment::PartTime, Employment::Any]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

/// When and how much a seeker can work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    pub employment: Employment,
    /// 1–60.
    #[schema(minimum = 1, maximum = 60)]
    pub hours_per_week: i32,
    /// Whether she needs childcare to take a job or course.
    pub needs_childcare: bool,
}

/// The profile as the seeker submits it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// 12 digits with a valid check digit; birth date and sex are read from it.
    #[schema(pattern = "^[0-9]{12}$")]
    pub iin: String,
    pub full_name: String,
    /// `+7` and ten digits (`8 7xx …` is accepted and normalised).
    pub phone: String,
    /// A district code, e.g. `auezov`.
    pub district: String,
    #[serde(default)]
    pub skills: Vec<String>,
    /// Two-letter language codes, e.g. `kk`, `ru`.
    #[serde(default)]
    pub languages: Vec<String>,
    pub availability: Availability,
    /// KZ IBAN for stipends (20 characters, mod-97 check); optional until a stipend is due.
    #[schema(pattern = "^KZ[0-9]{5}[0-9A-Za-z]{13}$")]
    pub iban: Option<String>,
}

/// A profile whose every field has been checked (the district's existence is checked against the
/// database by the service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub iin: Iin,
    pub full_name: String,
    pub phone: String,
    pub district: String,
    pub skills: Vec<String>,
    pub languages: Vec<String>,
    pub availability: Availability,
    pub iban: Option<Iban>,
}

const MAX_SKILLS: usize = 30;
const MAX_LANGUAGES: usize = 10;

/// Checks every field and reports all problems at once.
pub fn validate(input: ProfileInput, today: NaiveDate) -> Result<Profile, BTreeMap<String, Msg>> {
    let mut errors = BTreeMap::new();
    let mut err = |field: &str, m: FieldMsg| {
        errors.insert(field.to_owned(), Msg::Field(m));
    };
    let iin = Iin::parse(&input.iin, today)
        .map_err(|e| match e {
            IinError::FutureBirthDate => err("iin", FieldMsg::BirthDateInFuture),
            IinError::Format | IinError::BirthDate => err("iin", FieldMsg::IinInvalid),
        })
        .ok();
    if !crate::text::name_is_clean(&input.full_name) {
        err("full_name", FieldMsg::ForbiddenCharacters);
    }
    let full_name = input
        .full_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match full_name.chars().count() {
        0 => err("full_name", FieldMsg::Required),
        1 => err("full_name", FieldMsg::TooShort { min: 2 }),
        n if n > 200 => err("full_name", FieldMsg::TooLong { max: 200 }),
        _ => {}
    }
    let phone = normalize_phone(&input.phone);
    if phone.is_none() {
        err("phone", FieldMsg::PhoneInvalid);
    }
    let district = input.district.trim().to_lowercase();
    if district.is_empty() {
        err("district", FieldMsg::Required);
    }
    let mut skills: Vec<String> = Vec::new();
    for skill in &input.skills {
        let s = skill.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() || s.chars().count() > 60 {
            err("skills", FieldMsg::TooLong { max: 60 });
        } else if !crate::text::name_is_clean(&s) {
            err("skills", FieldMsg::ForbiddenCharacters);
        } else if !skills.iter().any(|k| k.to_lowercase() == s.to_lowercase()) {
            skills.push(s);
        }
    }
    if skills.len() > MAX_SKILLS {
        err(
            "skills",
            FieldMsg::OutOfRange {
                min: 0,
                max: MAX_SKILLS as i64,
            },
        );
    }
    let mut languages: Vec<String> = Vec::new();
    for lang in &input.languages {
        let l = lang.trim().to_lowercase();
        if l.len() != 2 || !l.chars().all(|c| c.is_ascii_lowercase()) {
            err("languages", FieldMsg::Invalid);
        } else if !languages.contains(&l) {
            languages.push(l);
        }
    }
    if languages.len() > MAX_LANGUAGES {
        err(
            "languages",
            FieldMsg::OutOfRange {
                min: 0,
                max: MAX_LANGUAGES as i64,
            },
        );
    }
    if !(1..=60).contains(&input.availability.hours_per_week) {
        err(
            "availability.hours_per_week",
            FieldMsg::OutOfRange { min: 1, max: 60 },
        );
    }
    let iban = match input
        .iban
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => {
            let parsed = Iban::parse(raw);
            if parsed.is_none() {
                err("iban", FieldMsg::IbanInvalid);
            }
            parsed
        }
    };
    match (iin, phone, errors.is_empty()) {
        (Some(iin), Some(phone), true) => Ok(Profile {
            iin,
            full_name,
            phone,
            district,
            skills,
            languages,
            availability: input.availability,
            iban,
        }),
        _ => Err(errors),
    }
}

/// How a name is compared when a case worker looks for a person: single spaces, lower case
/// (Unicode: Қ and қ, Ә and ә are the same letter to her).
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What a case worker typed to find a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonQuery {
    /// Twelve digits: exactly this IIN.
    Iin(String),
    /// Anything else: a part of the name (already a [`name_key`]).
    Name(String),
}

/// Reads a search: 12 digits are an IIN; otherwise 2 to 100 letters of a name (no control or
/// invisible characters).
pub fn person_query(q: &str) -> Result<PersonQuery, FieldMsg> {
    let q = q.trim();
    if q.len() == 12 && q.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(PersonQuery::Iin(q.to_owned()));
    }
    if !crate::text::name_is_clean(q) {
        return Err(FieldMsg::ForbiddenCharacters);
    }
    let key = name_key(q);
    match key.chars().count() {
        n if n < 2 => Err(FieldMsg::TooShort { min: 2 }),
        n if n > 100 => Err(FieldMsg::TooLong { max: 100 }),
        _ => Ok(PersonQuery::Name(key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_an_iin_or_a_part_of_a_name() {
        assert_eq!(
            person_query(" 850202400536 "),
            Ok(PersonQuery::Iin("850202400536".into()))
        );
        assert_eq!(
            person_query("ӘБДІҚЫЗЫ  Гүлнар"),
            Ok(PersonQuery::Name("әбдіқызы гүлнар".into()))
        );
        assert_eq!(person_query("8502"), Ok(PersonQuery::Name("8502".into())));
        assert_eq!(person_query("a"), Err(FieldMsg::TooShort { min: 2 }));
        assert_eq!(
            person_query("Гүл\u{202E}нар"),
            Err(FieldMsg::ForbiddenCharacters)
        );
        assert_eq!(
            person_query(&"я".repeat(101)),
            Err(FieldMsg::TooLong { max: 100 })
        );
    }

    proptest::proptest! {
        #[test]
        fn a_name_is_found_by_any_case_of_itself(name in "[А-Яа-яӘәҚқҢңҒғҮүҰұӨөІі ]{2,40}") {
            let key = name_key(&name);
            proptest::prop_assert_eq!(name_key(&name.to_uppercase()), key.clone());
            proptest::prop_assert_eq!(name_key(&key), key);
        }
    }

    fn input() -> ProfileInput {
        ProfileInput {
            iin: "061211600012".into(),
            full_name: "  Айгүл   Сейітқызы ".into(),
            phone: "8 (701) 234-56-78".into(),
            district: "Auezov".into(),
            skills: vec!["тігін".into(), "Тігін".into(), "кассир".into()],
            languages: vec!["KK".into(), "ru".into(), "kk".into()],
            availability: Availability {
                employment: Employment::PartTime,
                hours_per_week: 20,
                needs_childcare: true,
            },
            iban: Some("kz86 125k zt50 0410 0100".into()),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn a_valid_profile_is_normalised() {
        let p = validate(input(), today()).unwrap();
        assert_eq!(p.full_name, "Айгүл Сейітқызы");
        assert_eq!(p.phone, "+77012345678");
        assert_eq!(p.district, "auezov");
        assert_eq!(p.skills, vec!["тігін", "кассир"]);
        assert_eq!(p.languages, vec!["kk", "ru"]);
        assert_eq!(p.iban.unwrap().as_str(), "KZ86125KZT5004100100");
        assert_eq!(
            p.iin.birth_date,
            NaiveDate::from_ymd_opt(2006, 12, 11).unwrap()
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut bad = input();
        bad.iin = "061211600013".into();
        bad.full_name = " ".into();
        bad.phone = "12345".into();
        bad.languages = vec!["russian".into()];
        bad.availability.hours_per_week = 0;
        bad.iban = Some("KZ00125KZT5004100100".into());
        let errors = validate(bad, today()).unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "availability.hours_per_week",
                "full_name",
                "iban",
                "iin",
                "languages",
                "phone"
            ]
        );
    }

    #[test]
    fn a_future_birth_date_has_its_own_message() {
        let mut future = input();
        future.iin = "061211600012".into();
        let errors = validate(future, NaiveDate::from_ymd_opt(2005, 1, 1).unwrap()).unwrap_err();
        assert_eq!(errors["iin"], Msg::Field(FieldMsg::BirthDateInFuture));
    }
}
