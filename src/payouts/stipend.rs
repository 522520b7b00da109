//! The stipend rule: a programme's stipend rule and one period's sessions and attendance → an
//! amount in whole tiyn, with every input it used. Pure.
//!
//! - Periods are calendar months in Asia/Almaty. The monthly amount is for a *full* month: the
//!   course's busiest calendar month by scheduled sessions (`full_month_sessions`). A partial first
//!   or last month is pro-rated by its sessions: `monthly × scheduled ÷ full`.
//! - Below the programme's minimum attendance share (`attended × 100 < min% × scheduled`, exact
//!   integers) nothing is paid.
//! - `linear`: paid in proportion to the sessions attended: `monthly × attended ÷ full`.
//!   `threshold`: the whole (pro-rated) amount once the minimum is reached.
//! - Rounding: down to the tiyn, once, at the end (128-bit intermediate, no floating point).
//!
//! Cancelled sessions are not scheduled sessions; `excused` counts as attended only if the
//! programme says so (`attended_statuses`).

use serde::{Deserialize, Serialize};

use crate::programmes::rules::{Proration, StipendRules};

/// What the rule looked at, stored with the payout so anyone can recompute it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StipendInputs {
    pub monthly_tiyn: i64,
    pub proration: Proration,
    pub min_attendance_percent: i64,
    pub attended_statuses: Vec<String>,
    /// Sessions of this enrollment's course in the period (not cancelled).
    pub sessions_scheduled: i64,
    /// Of those, marked with a status that counts as attended.
    pub sessions_attended: i64,
    /// Sessions in the course's busiest month: what a full monthly stipend is for.
    pub full_month_sessions: i64,
    /// Attendance share, whole percent rounded down (for display; the check uses exact integers).
    pub attendance_percent: i64,
    pub rounding: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stipend {
    pub amount_tiyn: i64,
    pub inputs: StipendInputs,
}

/// The stipend for one enrollment and one period.
pub fn stipend(
    rules: &StipendRules,
    sessions_scheduled: i64,
    sessions_attended: i64,
    full_month_sessions: i64,
) -> Stipend {
    let scheduled = sessions_scheduled.max(0);
    let attended = sessions_attended.clamp(0, scheduled);
    let full = full_month_sessions.max(scheduled).max(1);
    let monthly = i128::from(rules.monthly_tiyn.max(0));
    let meets_minimum = scheduled > 0
        && i128::from(attended) * 100
            >= i128::from(rules.min_attendance_percent) * i128::from(scheduled);
    let amount = if !meets_minimum {
        0
    } else {
        let paid_sessions = match rules.proration {
            Proration::Linear => attended,
            Proration::Threshold => scheduled,
        };
        monthly * i128::from(paid_sessions) / i128::from(full)
    };
    Stipend {
        amount_tiyn: i64::try_from(amount).unwrap_or(0),
        inputs: StipendInputs {
            monthly_tiyn: rules.monthly_tiyn,
            proration: rules.proration,
            min_attendance_percent: rules.min_attendance_percent,
            attended_statuses: rules.attended_statuses.clone(),
            sessions_scheduled: scheduled,
            sessions_attended: attended,
            full_month_sessions: full,
            attendance_percent: if scheduled == 0 {
                0
            } else {
                attended * 100 / scheduled
            },
            rounding: "down to the tiyn".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn rules(monthly: i64, min: i64, proration: Proration) -> StipendRules {
        StipendRules {
            monthly_tiyn: monthly,
            attended_statuses: vec!["present".into(), "late".into()],
            min_attendance_percent: min,
            proration,
        }
    }

    fn proration() -> impl Strategy<Value = Proration> {
        prop_oneof![Just(Proration::Linear), Just(Proration::Threshold)]
    }

    proptest! {
        #[test]
        fn never_negative_never_above_the_monthly_amount(
            monthly in 0i64..10_000_000_000, min in 0i64..=100, p in proration(),
            scheduled in -3i64..60, attended in -3i64..70, full in -3i64..60,
        ) {
            let s = stipend(&rules(monthly, min, p), scheduled, attended, full);
            prop_assert!(s.amount_tiyn >= 0);
            prop_assert!(s.amount_tiyn <= monthly);
        }

        #[test]
        fn attending_one_more_session_never_lowers_it(
            monthly in 0i64..10_000_000_000, min in 0i64..=100, p in proration(),
            scheduled in 1i64..40, attended in 0i64..40, full in 1i64..40,
        ) {
            let r = rules(monthly, min, p);
            let a = attended.min(scheduled - 1);
            prop_assert!(stipend(&r, scheduled, a + 1, full).amount_tiyn >= stipend(&r, scheduled, a, full).amount_tiyn);
        }

        #[test]
        fn the_amount_is_the_documented_integer_formula(
            monthly in 0i64..10_000_000_000, min in 0i64..=100, p in proration(),
            scheduled in 1i64..40, attended in 0i64..40, extra in 0i64..10,
        ) {
            let attended = attended.min(scheduled);
            let full = scheduled + extra;
            let s = stipend(&rules(monthly, min, p), scheduled, attended, full);
            let expected = if attended * 100 < min * scheduled {
                0
            } else {
                let paid = if p == Proration::Linear { attended } else { scheduled };
                (i128::from(monthly) * i128::from(paid) / i128::from(full)) as i64
            };
            prop_assert_eq!(s.amount_tiyn, expected);
        }

        #[test]
        fn full_attendance_in_a_full_month_pays_exactly_the_monthly_amount(
            monthly in 0i64..10_000_000_000, min in 0i64..=100, p in proration(), n in 1i64..40,
        ) {
            prop_assert_eq!(stipend(&rules(monthly, min, p), n, n, n).amount_tiyn, monthly);
        }
    }

    #[test]
    fn worked_examples() {
        // 30,000 ₸ a month, 80 % minimum. 12 sessions in a full month.
        let linear = rules(3_000_000, 80, Proration::Linear);
        // 10 of 12: 83 % ≥ 80 % → 3,000,000 × 10 / 12 = 2,500,000.
        assert_eq!(stipend(&linear, 12, 10, 12).amount_tiyn, 2_500_000);
        // 9 of 12: 75 % < 80 % → nothing.
        assert_eq!(stipend(&linear, 12, 9, 12).amount_tiyn, 0);
        // A first month with 5 sessions, all attended: 3,000,000 × 5 / 12 = 1,250,000.
        assert_eq!(stipend(&linear, 5, 5, 12).amount_tiyn, 1_250_000);
        // Rounded down: 3,000,000 × 8 / 9 = 2,666,666.67… → 2,666,666.
        assert_eq!(stipend(&linear, 9, 8, 9).amount_tiyn, 2_666_666);
        let threshold = rules(3_000_000, 80, Proration::Threshold);
        assert_eq!(stipend(&threshold, 12, 10, 12).amount_tiyn, 3_000_000);
        assert_eq!(stipend(&threshold, 5, 4, 12).amount_tiyn, 1_250_000);
        let s = stipend(&linear, 12, 10, 12);
        assert_eq!(s.inputs.attendance_percent, 83);
        assert_eq!(s.inputs.full_month_sessions, 12);
    }
}
