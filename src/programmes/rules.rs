//! Programme rules as data, and the eligibility decision as a pure function of the rules and a
//! family's situation. No amount or threshold lives in code: every number comes from the rules.

use serde::{Deserialize, Serialize};

use crate::locale::Locale;
use crate::messages::FieldMsg;

/// A condition a priority tier can ask for. All are monotone: a poorer family or one with more
/// children never meets fewer of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Per-capita income below the low-income line.
    LowIncome,
    /// At least `large_family_min_minors` minor children.
    LargeFamily,
    /// Someone in the household has a disability.
    DisabilityInHousehold,
    /// The seeker raises children without a spouse in the household.
    SingleParent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Shown to people, e.g. "Large low-income families".
    pub name: String,
    /// All of these must hold (an empty list matches every eligible family).
    pub all_of: Vec<Condition>,
}

/// Points that order families within a tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub per_minor: i64,
    pub disability: i64,
    /// Points for an income of zero, falling linearly to 0 at the low-income line.
    pub income_gap: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Proration {
    /// Paid in proportion to attendance once the minimum is reached.
    Linear,
    /// Paid in full once the minimum is reached.
    Threshold,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobRules {
    /// Share of the wage the state pays, percent.
    pub wage_subsidy_percent: i64,
    pub subsidy_months: i64,
    /// Whether a month the placement covers only in part has its subsidy cap cut to the days it
    /// covers (otherwise the cap is the whole month's share of the declared wage).
    #[serde(default)]
    pub prorate_part_months: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StipendRules {
    pub monthly_tiyn: i64,
    /// Attendance statuses that count as attended, e.g. `present`, `late`.
    pub attended_statuses: Vec<String>,
    pub min_attendance_percent: i64,
    pub proration: Proration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Regional subsistence minimum per person per month, tiyn.
    pub subsistence_minimum_tiyn: i64,
    /// Per-capita income below this share of the subsistence minimum is low income, percent.
    pub low_income_percent: i64,
    /// Whether only low-income families are eligible.
    pub require_low_income: bool,
    pub large_family_min_minors: i32,
    /// Ordered: a family gets the first tier whose conditions it meets.
    pub tiers: Vec<Tier>,
    pub weights: Weights,
    /// For `jobs` programmes.
    pub jobs: Option<JobRules>,
    /// For `courses` programmes.
    pub stipend: Option<StipendRules>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProgrammeKind {
    Jobs,
    Courses,
}

impl ProgrammeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProgrammeKind::Jobs => "jobs",
            ProgrammeKind::Courses => "courses",
        }
    }

    pub fn parse(s: &str) -> Option<ProgrammeKind> {
        [ProgrammeKind::Jobs, ProgrammeKind::Courses]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Contradictions and impossible values in a set of rules, by field.
pub fn validate(kind: ProgrammeKind, r: &Rules) -> Vec<(String, FieldMsg)> {
    let mut e = Vec::new();
    let mut range = |field: &str, v: i64, min: i64, max: i64| {
        if !(min..=max).contains(&v) {
            e.push((field.to_owned(), FieldMsg::OutOfRange { min, max }));
        }
    };
    range(
        "rules.subsistence_minimum_tiyn",
        r.subsistence_minimum_tiyn,
        1,
        10_000_000_000,
    );
    range("rules.low_income_percent", r.low_income_percent, 1, 1000);
    range(
        "rules.large_family_min_minors",
        i64::from(r.large_family_min_minors),
        1,
        20,
    );
    range("rules.weights.per_minor", r.weights.per_minor, 0, 1000);
    range("rules.weights.disability", r.weights.disability, 0, 1000);
    range("rules.weights.income_gap", r.weights.income_gap, 0, 1000);
    if let Some(j) = &r.jobs {
        range(
            "rules.jobs.wage_subsidy_percent",
            j.wage_subsidy_percent,
            1,
            100,
        );
        range("rules.jobs.subsidy_months", j.subsidy_months, 1, 12);
    }
    if let Some(s) = &r.stipend {
        range(
            "rules.stipend.monthly_tiyn",
            s.monthly_tiyn,
            1,
            10_000_000_000,
        );
        range(
            "rules.stipend.min_attendance_percent",
            s.min_attendance_percent,
            0,
            100,
        );
    }
    if r.tiers.is_empty() || r.tiers.len() > 10 {
        e.push((
            "rules.tiers".into(),
            FieldMsg::OutOfRange { min: 1, max: 10 },
        ));
    }
    for (i, t) in r.tiers.iter().enumerate() {
        if t.name.trim().is_empty() {
            e.push((format!("rules.tiers[{i}].name"), FieldMsg::Required));
        }
        // Families get the first tier they meet, so a tier that asks for everything an earlier tier
        // asks for (and maybe more) is never reached.
        if r.tiers[..i]
            .iter()
            .any(|earlier| earlier.all_of.iter().all(|c| t.all_of.contains(c)))
        {
            e.push((format!("rules.tiers[{i}]"), FieldMsg::TierUnreachable));
        }
    }
    match kind {
        ProgrammeKind::Jobs if r.jobs.is_none() => {
            e.push(("rules.jobs".into(), FieldMsg::Required))
        }
        ProgrammeKind::Jobs if r.stipend.is_some() => {
            e.push(("rules.stipend".into(), FieldMsg::NotForThisKind))
        }
        ProgrammeKind::Courses if r.stipend.is_none() => {
            e.push(("rules.stipend".into(), FieldMsg::Required))
        }
        ProgrammeKind::Courses if r.jobs.is_some() => {
            e.push(("rules.jobs".into(), FieldMsg::NotForThisKind))
        }
        _ => {}
    }
    if let Some(s) = &r.stipend {
        let known = ["present", "late", "excused", "absent"];
        if s.attended_statuses.is_empty()
            || s.attended_statuses
                .iter()
                .any(|st| !known.contains(&st.as_str()))
        {
            e.push(("rules.stipend.attended_statuses".into(), FieldMsg::Invalid));
        }
        if s.attended_statuses.iter().any(|st| st == "absent") {
            e.push((
                "rules.stipend.attended_statuses".into(),
                FieldMsg::AbsentCannotCount,
            ));
        }
    }
    e
}

/// What eligibility is decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Situation {
    pub per_capita_income_tiyn: i64,
    pub minors: i32,
    pub has_disability: bool,
    pub single_parent: bool,
    /// Whether a case worker verified the household.
    pub verified: bool,
}

/// Why a decision is what it is: a stable code and text in each language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    LowIncome,
    NotLowIncome,
    LargeFamily,
    DisabilityInHousehold,
    SingleParent,
    VerificationPending,
    NoTierMatched,
    /// No household declared yet: nothing to decide from.
    NoHousehold,
}

impl Reason {
    pub fn text(self, l: Locale) -> &'static str {
        use Locale::*;
        match (self, l) {
            (Reason::LowIncome, Kk) => "Жан басына шаққандағы табыс аз қамтылғандық шегінен төмен.",
            (Reason::LowIncome, Ru) => "Доход на члена семьи ниже черты малообеспеченности.",
            (Reason::LowIncome, En) => "Income per person is below the low-income line.",
            (Reason::NotLowIncome, Kk) => {
                "Жан басына шаққандағы табыс аз қамтылғандық шегінен жоғары."
            }
            (Reason::NotLowIncome, Ru) => "Доход на члена семьи выше черты малообеспеченности.",
            (Reason::NotLowIncome, En) => "Income per person is above the low-income line.",
            (Reason::LargeFamily, Kk) => "Көп балалы отбасы.",
            (Reason::LargeFamily, Ru) => "Многодетная семья.",
            (Reason::LargeFamily, En) => "A large family.",
            (Reason::DisabilityInHousehold, Kk) => "Отбасында мүгедектігі бар адам бар.",
            (Reason::DisabilityInHousehold, Ru) => "В семье есть человек с инвалидностью.",
            (Reason::DisabilityInHousehold, En) => "Someone in the household has a disability.",
            (Reason::SingleParent, Kk) => "Балаларды жалғыз тәрбиелейтін ата-ана.",
            (Reason::SingleParent, Ru) => "Один родитель воспитывает детей.",
            (Reason::SingleParent, En) => "A single parent raising children.",
            (Reason::VerificationPending, Kk) => {
                "Отбасы деректері әлі расталмаған: шешім алдын ала."
            }
            (Reason::VerificationPending, Ru) => {
                "Данные семьи ещё не подтверждены: решение предварительное."
            }
            (Reason::VerificationPending, En) => {
                "The household is not verified yet: this decision is provisional."
            }
            (Reason::NoTierMatched, Kk) => "Ешбір басымдық деңгейіне сәйкес келмейді.",
            (Reason::NoTierMatched, Ru) => "Не подходит ни под один уровень приоритета.",
            (Reason::NoTierMatched, En) => "No priority tier applies.",
            (Reason::NoHousehold, Kk) => "Отбасы туралы деректер әлі толтырылмаған.",
            (Reason::NoHousehold, Ru) => "Данные о семье ещё не заполнены.",
            (Reason::NoHousehold, En) => "The household has not been declared yet.",
        }
    }
}

/// The decision for one family and one set of rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Eligible on the declared data (counts only once verified).
    pub would_be_eligible: bool,
    /// Eligible and verified.
    pub eligible: bool,
    /// 1-based tier, if any.
    pub tier: Option<usize>,
    pub score: i64,
    pub reasons: Vec<Reason>,
}

/// The low-income line per person, in tiyn (rounded down).
pub fn low_income_line(r: &Rules) -> i64 {
    r.subsistence_minimum_tiyn
        .saturating_mul(r.low_income_percent)
        / 100
}

pub fn decide(r: &Rules, s: &Situation) -> Decision {
    let line = low_income_line(r);
    let low_income = s.per_capita_income_tiyn < line;
    let holds = |c: Condition| match c {
        Condition::LowIncome => low_income,
        Condition::LargeFamily => s.minors >= r.large_family_min_minors,
        Condition::DisabilityInHousehold => s.has_disability,
        Condition::SingleParent => s.single_parent,
    };
    let mut reasons = vec![if low_income {
        Reason::LowIncome
    } else {
        Reason::NotLowIncome
    }];
    for (c, reason) in [
        (Condition::LargeFamily, Reason::LargeFamily),
        (
            Condition::DisabilityInHousehold,
            Reason::DisabilityInHousehold,
        ),
        (Condition::SingleParent, Reason::SingleParent),
    ] {
        if holds(c) {
            reasons.push(reason);
        }
    }
    let qualifies = low_income || !r.require_low_income;
    let tier = if qualifies {
        r.tiers
            .iter()
            .position(|t| t.all_of.iter().all(|c| holds(*c)))
            .map(|i| i + 1)
    } else {
        None
    };
    if qualifies && tier.is_none() {
        reasons.push(Reason::NoTierMatched);
    }
    let would_be_eligible = tier.is_some();
    if would_be_eligible && !s.verified {
        reasons.push(Reason::VerificationPending);
    }
    let gap = if line > 0 {
        let below = (line - s.per_capita_income_tiyn.clamp(0, line)) as i128;
        (below * i128::from(r.weights.income_gap) / i128::from(line)) as i64
    } else {
        0
    };
    let score = r.weights.per_minor * i64::from(s.minors.max(0))
        + if s.has_disability {
            r.weights.disability
        } else {
            0
        }
        + gap;
    Decision {
        would_be_eligible,
        eligible: would_be_eligible && s.verified,
        tier,
        score,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub fn example() -> Rules {
        Rules {
            subsistence_minimum_tiyn: 4_622_800,
            low_income_percent: 70,
            require_low_income: true,
            large_family_min_minors: 4,
            tiers: vec![
                Tier {
                    name: "Large low-income families".into(),
                    all_of: vec![Condition::LowIncome, Condition::LargeFamily],
                },
                Tier {
                    name: "Disability in a low-income household".into(),
                    all_of: vec![Condition::LowIncome, Condition::DisabilityInHousehold],
                },
                Tier {
                    name: "Single parents".into(),
                    all_of: vec![Condition::LowIncome, Condition::SingleParent],
                },
                Tier {
                    name: "Other low-income families".into(),
                    all_of: vec![Condition::LowIncome],
                },
            ],
            weights: Weights {
                per_minor: 10,
                disability: 20,
                income_gap: 100,
            },
            jobs: Some(JobRules {
                wage_subsidy_percent: 35,
                subsidy_months: 12,
                prorate_part_months: true,
            }),
            stipend: None,
        }
    }

    fn situation() -> impl Strategy<Value = Situation> {
        (
            0i64..20_000_000,
            0i32..10,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(income, minors, d, sp, v)| Situation {
                per_capita_income_tiyn: income,
                minors,
                has_disability: d,
                single_parent: sp,
                verified: v,
            })
    }

    /// Lower tier numbers are better; no tier is worst.
    fn rank(d: &Decision) -> usize {
        d.tier.unwrap_or(usize::MAX)
    }

    #[test]
    fn the_example_rules_are_consistent() {
        assert!(validate(ProgrammeKind::Jobs, &example()).is_empty());
        assert!(
            !validate(ProgrammeKind::Courses, &example()).is_empty(),
            "jobs rules for a courses programme"
        );
    }

    #[test]
    fn a_shadowed_tier_is_a_contradiction() {
        let mut r = example();
        r.tiers.swap(0, 3);
        let problems = validate(ProgrammeKind::Jobs, &r);
        assert!(
            problems
                .iter()
                .any(|(f, m)| f == "rules.tiers[1]" && *m == FieldMsg::TierUnreachable),
            "{problems:?}"
        );
    }

    #[test]
    fn a_large_low_income_family_is_tier_one_and_provisional_until_verified() {
        let s = Situation {
            per_capita_income_tiyn: 1_000_000,
            minors: 4,
            has_disability: false,
            single_parent: false,
            verified: false,
        };
        let d = decide(&example(), &s);
        assert_eq!(
            (d.tier, d.would_be_eligible, d.eligible),
            (Some(1), true, false)
        );
        assert!(d.reasons.contains(&Reason::VerificationPending));
        let d = decide(
            &example(),
            &Situation {
                verified: true,
                ..s
            },
        );
        assert!(d.eligible);
        let rich = decide(
            &example(),
            &Situation {
                per_capita_income_tiyn: 9_000_000,
                ..s
            },
        );
        assert_eq!((rich.tier, rich.eligible), (None, false));
        assert!(rich.reasons.contains(&Reason::NotLowIncome));
    }

    proptest! {
        #[test]
        fn lowering_income_never_lowers_the_tier(s in situation(), cut in 0i64..20_000_000) {
            let r = example();
            let poorer = Situation { per_capita_income_tiyn: (s.per_capita_income_tiyn - cut).max(0), ..s };
            prop_assert!(rank(&decide(&r, &poorer)) <= rank(&decide(&r, &s)));
            prop_assert!(decide(&r, &poorer).score >= decide(&r, &s).score);
        }

        #[test]
        fn adding_a_minor_never_lowers_the_tier(s in situation()) {
            let r = example();
            let more = Situation { minors: s.minors + 1, ..s };
            prop_assert!(rank(&decide(&r, &more)) <= rank(&decide(&r, &s)));
        }

        #[test]
        fn every_decision_has_a_reason_and_verification_gates_eligibility(s in situation()) {
            let d = decide(&example(), &s);
            prop_assert!(!d.reasons.is_empty());
            prop_assert_eq!(d.eligible, d.would_be_eligible && s.verified);
            prop_assert!(d.score >= 0);
        }
    }
}
