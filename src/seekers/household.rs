//! A household as declared, checked, and what is derived from it (pure: no actix, no diesel).
//! Money is integer tiyn; ages are counted on the given day (Asia/Almaty).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::messages::{FieldMsg, Msg};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The seeker herself (exactly one member).
    #[serde(rename = "self")]
    Myself,
    Spouse,
    Child,
    Parent,
    Sibling,
    Grandchild,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncomeSource {
    Salary,
    Pension,
    Benefit,
    Alimony,
    SelfEmployment,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Income {
    pub source: IncomeSource,
    /// Monthly amount in tiyn (1 KZT = 100 tiyn), 0 or more.
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    pub monthly_tiyn: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub relation: Relation,
    pub birth_date: NaiveDate,
    #[serde(default)]
    pub disability: bool,
    #[serde(default)]
    pub incomes: Vec<Income>,
}

/// What is derived from the members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Derived {
    pub members: i32,
    /// Members under 18 on the day of computing.
    pub minors: i32,
    pub total_income_tiyn: i64,
    /// Total monthly income divided by members, rounded down to the tiyn.
    pub per_capita_income_tiyn: i64,
    pub has_disability: bool,
}

pub const MAX_MEMBERS: usize = 20;
/// An upper bound that no real monthly income reaches (100 million tenge), to catch typos and overflow.
pub const MAX_MONTHLY_TIYN: i64 = 10_000_000_000;

pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Checks the members; `self_birth_date` is the birth date from the seeker's IIN, if known.
pub fn validate(
    members: &[Member],
    today: NaiveDate,
    self_birth_date: Option<NaiveDate>,
) -> Result<Derived, BTreeMap<String, Msg>> {
    let mut errors = BTreeMap::new();
    if members.is_empty() || members.len() > MAX_MEMBERS {
        errors.insert(
            "members".into(),
            Msg::Field(FieldMsg::OutOfRange {
                min: 1,
                max: MAX_MEMBERS as i64,
            }),
        );
    }
    let selves: Vec<&Member> = members
        .iter()
        .filter(|m| m.relation == Relation::Myself)
        .collect();
    if selves.len() != 1 {
        errors.insert("members".into(), Msg::Field(FieldMsg::ExactlyOneSelf));
    }
    let oldest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today);
    for (i, m) in members.iter().enumerate() {
        if m.birth_date > today {
            errors.insert(
                format!("members[{i}].birth_date"),
                Msg::Field(FieldMsg::BirthDateInFuture),
            );
        } else if m.birth_date < oldest {
            errors.insert(
                format!("members[{i}].birth_date"),
                Msg::Field(FieldMsg::Invalid),
            );
        }
        if m.relation == Relation::Myself
            && let Some(expected) = self_birth_date
            && m.birth_date != expected
        {
            errors.insert(
                format!("members[{i}].birth_date"),
                Msg::Field(FieldMsg::NotTheIinBirthDate),
            );
        }
        for (j, income) in m.incomes.iter().enumerate() {
            if !(0..=MAX_MONTHLY_TIYN).contains(&income.monthly_tiyn) {
                errors.insert(
                    format!("members[{i}].incomes[{j}].monthly_tiyn"),
                    Msg::Field(FieldMsg::OutOfRange {
                        min: 0,
                        max: MAX_MONTHLY_TIYN,
                    }),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(derive(members, today))
}

/// Derived figures of (already valid) members.
pub fn derive(members: &[Member], today: NaiveDate) -> Derived {
    let total: i64 = members
        .iter()
        .flat_map(|m| &m.incomes)
        .map(|i| i.monthly_tiyn)
        .sum();
    let count = members.len().max(1) as i64;
    Derived {
        members: members.len() as i32,
        minors: members
            .iter()
            .filter(|m| age_on(m.birth_date, today) < 18)
            .count() as i32,
        total_income_tiyn: total,
        per_capita_income_tiyn: total.div_euclid(count),
        has_disability: members.iter().any(|m| m.disability),
    }
}

/// A seeker raising minor children with no spouse in the household.
pub fn single_parent(members: &[Member], today: NaiveDate) -> bool {
    let has_minor_child = members
        .iter()
        .any(|m| m.relation == Relation::Child && age_on(m.birth_date, today) < 18);
    has_minor_child && !members.iter().any(|m| m.relation == Relation::Spouse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn member(relation: Relation, birth: NaiveDate, income: i64) -> Member {
        Member {
            relation,
            birth_date: birth,
            disability: false,
            incomes: vec![Income {
                source: IncomeSource::Salary,
                monthly_tiyn: income,
            }],
        }
    }

    #[test]
    fn a_large_family_is_counted() {
        let today = d(2026, 11, 28);
        let mut family = vec![member(Relation::Myself, d(1990, 5, 1), 12_000_000)];
        for year in [2010, 2012, 2015, 2019] {
            family.push(member(Relation::Child, d(year, 3, 1), 0));
        }
        family.push(member(Relation::Child, d(2008, 11, 28), 0)); // 18 today: no longer a minor
        let derived = validate(&family, today, Some(d(1990, 5, 1))).unwrap();
        assert_eq!((derived.members, derived.minors), (6, 4));
        assert_eq!(derived.per_capita_income_tiyn, 2_000_000);
    }

    #[test]
    fn bad_members_are_reported_by_path() {
        let today = d(2026, 11, 28);
        let members = vec![
            member(Relation::Myself, d(1990, 5, 2), -1),
            member(Relation::Child, d(2027, 1, 1), 0),
        ];
        let errors = validate(&members, today, Some(d(1990, 5, 1))).unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "members[0].birth_date",
                "members[0].incomes[0].monthly_tiyn",
                "members[1].birth_date"
            ]
        );
        let errors =
            validate(&[member(Relation::Child, d(2010, 1, 1), 0)], today, None).unwrap_err();
        assert_eq!(errors["members"], Msg::Field(FieldMsg::ExactlyOneSelf));
    }

    proptest! {
        #[test]
        fn per_capita_is_the_floor_of_the_share(incomes in proptest::collection::vec(0i64..1_000_000_000, 1..10)) {
            let today = d(2026, 11, 28);
            let members: Vec<Member> = incomes.iter().enumerate().map(|(i, inc)| member(if i == 0 { Relation::Myself } else { Relation::Child }, d(2000, 1, 1), *inc)).collect();
            let derived = derive(&members, today);
            let total: i64 = incomes.iter().sum();
            prop_assert_eq!(derived.total_income_tiyn, total);
            prop_assert!(derived.per_capita_income_tiyn * members.len() as i64 <= total);
            prop_assert!((derived.per_capita_income_tiyn + 1) * members.len() as i64 > total);
        }
    }
}
