//! The demo programme pair. Values are examples drawn from public sources (2025–2026), not a decree:
//! the subsistence minimum, the 70 % low-income line, the 35 % wage subsidy for up to 12 months. No
//! public stipend amount or attendance condition was found, so those are invented examples.

use chrono::{Datelike, NaiveDate};

use super::{
    rules::{Condition, JobRules, ProgrammeKind, Proration, Rules, StipendRules, Tier, Weights},
    service::ProgrammeInput,
};

fn tiers() -> Vec<Tier> {
    vec![
        Tier {
            name: "Многодетные малообеспеченные семьи".into(),
            all_of: vec![Condition::LowIncome, Condition::LargeFamily],
        },
        Tier {
            name: "Малообеспеченные семьи с инвалидностью".into(),
            all_of: vec![Condition::LowIncome, Condition::DisabilityInHousehold],
        },
        Tier {
            name: "Одинокие родители".into(),
            all_of: vec![Condition::LowIncome, Condition::SingleParent],
        },
        Tier {
            name: "Другие малообеспеченные семьи".into(),
            all_of: vec![Condition::LowIncome],
        },
    ]
}

fn base() -> Rules {
    Rules {
        // 46 228 KZT: the 2025 national subsistence minimum (example).
        subsistence_minimum_tiyn: 4_622_800,
        low_income_percent: 70,
        require_low_income: true,
        large_family_min_minors: 4,
        tiers: tiers(),
        weights: Weights {
            per_minor: 10,
            disability: 20,
            income_gap: 100,
        },
        jobs: None,
        stipend: None,
    }
}

/// From 1 January of `today`'s year to 31 December of the next: the demo (and the tests) run on
/// any day without the programme having lapsed.
fn period(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let year = today.year();
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(year + 1, 12, 31).unwrap_or(today);
    (from, to)
}

pub fn social_jobs(today: NaiveDate) -> ProgrammeInput {
    let (valid_from, valid_to) = period(today);
    ProgrammeInput {
        kind: ProgrammeKind::Jobs,
        name: format!("Социальные рабочие места {} (пример)", valid_from.year()),
        valid_from,
        valid_to,
        rules: Rules {
            jobs: Some(JobRules {
                wage_subsidy_percent: 35,
                subsidy_months: 12,
                prorate_part_months: true,
            }),
            ..base()
        },
    }
}

pub fn short_courses(today: NaiveDate) -> ProgrammeInput {
    let (valid_from, valid_to) = period(today);
    ProgrammeInput {
        kind: ProgrammeKind::Courses,
        name: format!(
            "Краткосрочные курсы со стипендией {} (пример)",
            valid_from.year()
        ),
        valid_from,
        valid_to,
        rules: Rules {
            stipend: Some(StipendRules {
                monthly_tiyn: 3_000_000,
                attended_statuses: vec!["present".into(), "late".into()],
                min_attendance_percent: 80,
                proration: Proration::Linear,
            }),
            ..base()
        },
    }
}
