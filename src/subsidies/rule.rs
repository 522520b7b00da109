//! The subsidy rule: a programme's job rules, a placement's dates, the opening's declared wage and
//! what the employer paid in one month → the state's share in whole tiyn, with every input it
//! used. Pure.
//!
//! - Months are calendar months in Asia/Almaty; the placement's first month is month 1. Only
//!   months 1 to `subsidy_months` are subsidised, and none after the placement ended or before it
//!   began.
//! - The share is `wage_subsidy_percent` of the wage paid, capped by the same share of the
//!   declared monthly wage. With `prorate_part_months`, a month the placement covers only in part
//!   (it began or ended within it) has its cap cut to the days covered: `cap × covered ÷ days`.
//! - Rounding: down to the tiyn, once, at the end (128-bit intermediate, no floating point):
//!   `⌊min(paid × pct × days, declared × pct × covered) ÷ (100 × days)⌋`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::programmes::rules::JobRules;

/// Why a month gets nothing, when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoSubsidy {
    /// The month lies before the placement began or after it ended.
    OutsidePlacement,
    /// The placement's subsidised months are used up.
    MonthsExhausted,
}

/// What the rule looked at, stored with the payment so anyone can recompute it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubsidyInputs {
    pub wage_subsidy_percent: i64,
    pub subsidy_months: i64,
    pub prorate_part_months: bool,
    pub declared_wage_tiyn: i64,
    pub wage_paid_tiyn: i64,
    /// Which month of the placement this is (1 = the month it began).
    pub month_of_placement: i64,
    pub days_in_month: i64,
    /// Days of the month within the placement.
    pub days_covered: i64,
    pub rounding: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subsidy {
    pub amount_tiyn: i64,
    pub none_because: Option<NoSubsidy>,
    pub inputs: SubsidyInputs,
}

/// The first and last day of the month `(year, month)`.
pub fn month_bounds(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The subsidy for one placement and one month. `started_on`/`ended_on`: the placement's first
/// and (if ended) last day; `month`: the first day of the month reported.
pub fn subsidy(
    rules: &JobRules,
    declared_wage_tiyn: i64,
    wage_paid_tiyn: i64,
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    month: NaiveDate,
) -> Subsidy {
    let (first, last) = month_bounds(month.year(), month.month()).unwrap_or((month, month));
    let days = i64::from(last.day());
    let from = first.max(started_on);
    let to = ended_on.map_or(last, |e| e.min(last));
    let covered = if to >= from {
        (to - from).num_days() + 1
    } else {
        0
    };
    let month_of_placement = i64::from(month.year() - started_on.year()) * 12
        + i64::from(month.month())
        - i64::from(started_on.month())
        + 1;
    let pct = rules.wage_subsidy_percent.clamp(0, 100);
    let paid = wage_paid_tiyn.max(0);
    let declared = declared_wage_tiyn.max(0);
    let inputs = SubsidyInputs {
        wage_subsidy_percent: pct,
        subsidy_months: rules.subsidy_months,
        prorate_part_months: rules.prorate_part_months,
        declared_wage_tiyn: declared,
        wage_paid_tiyn: paid,
        month_of_placement,
        days_in_month: days,
        days_covered: covered,
        rounding: "down to the tiyn, once, at the end".into(),
    };
    let none_because = if covered == 0 {
        Some(NoSubsidy::OutsidePlacement)
    } else if month_of_placement > rules.subsidy_months {
        Some(NoSubsidy::MonthsExhausted)
    } else {
        None
    };
    let amount_tiyn = if none_because.is_some() {
        0
    } else {
        let cap_days = if rules.prorate_part_months {
            covered
        } else {
            days
        };
        let share_of_paid = i128::from(paid) * i128::from(pct) * i128::from(days);
        let cap = i128::from(declared) * i128::from(pct) * i128::from(cap_days);
        let amount = share_of_paid.min(cap) / (100 * i128::from(days));
        i64::try_from(amount).unwrap_or(i64::MAX)
    };
    Subsidy {
        amount_tiyn,
        none_because,
        inputs,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn rules(pct: i64, months: i64, prorate: bool) -> JobRules {
        JobRules {
            wage_subsidy_percent: pct,
            subsidy_months: months,
            prorate_part_months: prorate,
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn a_full_month_pays_the_share_of_the_wage_up_to_the_share_of_the_declared_wage() {
        let r = rules(35, 12, true);
        // 120,000 ₸ paid of 120,000 declared: 42,000 ₸.
        let s = subsidy(
            &r,
            12_000_000,
            12_000_000,
            d(2026, 1, 1),
            None,
            d(2026, 3, 1),
        );
        assert_eq!((s.amount_tiyn, s.none_because), (4_200_000, None));
        assert_eq!(s.inputs.month_of_placement, 3);
        // More paid than declared: capped at the declared wage's share.
        let s = subsidy(
            &r,
            12_000_000,
            20_000_000,
            d(2026, 1, 1),
            None,
            d(2026, 3, 1),
        );
        assert_eq!(s.amount_tiyn, 4_200_000);
        // Less paid: the share of what was paid, rounded down.
        let s = subsidy(
            &r,
            12_000_000,
            10_000_001,
            d(2026, 1, 1),
            None,
            d(2026, 3, 1),
        );
        assert_eq!(s.amount_tiyn, 3_500_000);
    }

    #[test]
    fn a_part_month_caps_by_the_days_covered_when_the_programme_says_so() {
        // Began on 16 June (15 of 30 days), paid a full month's wage by mistake.
        let s = subsidy(
            &rules(35, 12, true),
            12_000_000,
            12_000_000,
            d(2026, 6, 16),
            None,
            d(2026, 6, 1),
        );
        assert_eq!((s.inputs.days_covered, s.amount_tiyn), (15, 2_100_000));
        let s = subsidy(
            &rules(35, 12, false),
            12_000_000,
            12_000_000,
            d(2026, 6, 16),
            None,
            d(2026, 6, 1),
        );
        assert_eq!(s.amount_tiyn, 4_200_000);
        // Ended on 10 February 2028 (a leap year: 10 of 29 days).
        let s = subsidy(
            &rules(50, 12, true),
            2_900_000,
            2_900_000,
            d(2027, 12, 1),
            Some(d(2028, 2, 10)),
            d(2028, 2, 1),
        );
        assert_eq!(
            (s.inputs.days_in_month, s.inputs.days_covered, s.amount_tiyn),
            (29, 10, 500_000)
        );
    }

    #[test]
    fn nothing_outside_the_placement_or_beyond_its_months() {
        let r = rules(35, 3, true);
        let before = subsidy(
            &r,
            12_000_000,
            12_000_000,
            d(2026, 5, 10),
            None,
            d(2026, 4, 1),
        );
        assert_eq!(
            (before.amount_tiyn, before.none_because),
            (0, Some(NoSubsidy::OutsidePlacement))
        );
        let after = subsidy(
            &r,
            12_000_000,
            12_000_000,
            d(2026, 5, 10),
            Some(d(2026, 6, 5)),
            d(2026, 7, 1),
        );
        assert_eq!(after.none_because, Some(NoSubsidy::OutsidePlacement));
        // December → February across the year: month 3 is paid, month 4 is not.
        let third = subsidy(
            &r,
            12_000_000,
            12_000_000,
            d(2026, 12, 1),
            None,
            d(2027, 2, 1),
        );
        assert_eq!(
            (third.inputs.month_of_placement, third.none_because),
            (3, None)
        );
        let fourth = subsidy(
            &r,
            12_000_000,
            12_000_000,
            d(2026, 12, 1),
            None,
            d(2027, 3, 1),
        );
        assert_eq!(
            (fourth.amount_tiyn, fourth.none_because),
            (0, Some(NoSubsidy::MonthsExhausted))
        );
    }

    fn any_case() -> impl Strategy<Value = (JobRules, i64, i64, NaiveDate, Option<i64>, NaiveDate)>
    {
        (
            (0i64..=100, 1i64..=12, any::<bool>()),
            0i64..=100_000_000,
            0i64..=200_000_000,
            0u32..3000,
            proptest::option::of(0i64..800),
            0u32..3000,
        )
            .prop_map(
                |((pct, months, prorate), declared, paid, start, length, month)| {
                    let base = d(2024, 1, 1);
                    let started = base + chrono::Days::new(u64::from(start));
                    let m = base + chrono::Days::new(u64::from(month));
                    let m = d(m.year(), m.month(), 1);
                    (
                        rules(pct, months, prorate),
                        declared,
                        paid,
                        started,
                        length,
                        m,
                    )
                },
            )
    }

    proptest! {
        #[test]
        fn never_above_the_share_of_the_wage_paid_nor_of_the_declared_wage(
            (r, declared, paid, started, length, month) in any_case()
        ) {
            let ended = length.map(|l| started + chrono::Days::new(l as u64));
            let s = subsidy(&r, declared, paid, started, ended, month);
            prop_assert!(i128::from(s.amount_tiyn) * 100 <= i128::from(paid) * i128::from(r.wage_subsidy_percent));
            prop_assert!(i128::from(s.amount_tiyn) * 100 <= i128::from(declared) * i128::from(r.wage_subsidy_percent));
            prop_assert!(s.amount_tiyn >= 0);
        }

        #[test]
        fn never_beyond_the_months_nor_outside_the_placement(
            (r, declared, paid, started, length, month) in any_case()
        ) {
            let ended = length.map(|l| started + chrono::Days::new(l as u64));
            let s = subsidy(&r, declared, paid, started, ended, month);
            let (first, last) = month_bounds(month.year(), month.month()).unwrap();
            let outside = last < started || ended.is_some_and(|e| e < first);
            if outside || s.inputs.month_of_placement > r.subsidy_months {
                prop_assert_eq!(s.amount_tiyn, 0);
                prop_assert!(s.none_because.is_some());
            }
        }

        #[test]
        fn more_paid_never_means_less_subsidy(
            (r, declared, paid, started, length, month) in any_case(),
            more in 0i64..50_000_000,
        ) {
            let ended = length.map(|l| started + chrono::Days::new(l as u64));
            let a = subsidy(&r, declared, paid, started, ended, month);
            let b = subsidy(&r, declared, paid + more, started, ended, month);
            prop_assert!(b.amount_tiyn >= a.amount_tiyn);
        }

        #[test]
        fn equals_the_integer_formula(
            (r, declared, paid, started, length, month) in any_case()
        ) {
            let ended = length.map(|l| started + chrono::Days::new(l as u64));
            let s = subsidy(&r, declared, paid, started, ended, month);
            if s.none_because.is_none() {
                let i = &s.inputs;
                let cap_days = if i.prorate_part_months { i.days_covered } else { i.days_in_month };
                let expected = (i128::from(paid) * i128::from(i.wage_subsidy_percent) * i128::from(i.days_in_month))
                    .min(i128::from(declared) * i128::from(i.wage_subsidy_percent) * i128::from(cap_days))
                    / (100 * i128::from(i.days_in_month));
                prop_assert_eq!(i128::from(s.amount_tiyn), expected);
                prop_assert!(i.month_of_placement >= 1 && i.month_of_placement <= r.subsidy_months);
            }
        }
    }
}
