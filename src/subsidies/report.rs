//! An employer's monthly wage report as submitted, and the checks it must pass (pure: no actix,
//! no diesel): a month that has ended and lies within the placement, days and wage in range, and
//! what a case worker should look at before it is paid.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::rule::month_bounds;
use crate::{
    messages::{FieldMsg, Msg},
    openings::calendar::WeekDay,
};

/// The most a month's gross wage may be: 1 billion tenge (a bound, not a rule).
pub const MAX_GROSS_TIYN: i64 = 100_000_000_000;
pub const MAX_REFERENCE: usize = 100;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// The month reported, `YYYY-MM` (Almaty); it must have ended.
    #[schema(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: String,
    /// Days she worked in the month, 0 to the days of the month within the placement.
    #[schema(minimum = 0, maximum = 31)]
    pub days_worked: i64,
    /// The gross wage paid for the month, in tiyn.
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub gross_wage_tiyn: i64,
    /// The employer's payroll reference (e.g. the payslip number), 1–100 characters.
    pub payroll_reference: String,
}

/// What a case worker should check before confirming: not refused, not silently paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFlag {
    /// Less than the minimum wage for the days worked.
    BelowMinimumWage,
    /// More than the opening's declared monthly wage.
    AboveDeclaredWage,
}

/// What the checks need to know beyond the input.
#[derive(Debug, Clone)]
pub struct ReportContext {
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub today: NaiveDate,
    pub declared_wage_tiyn: Option<i64>,
    pub minimum_wage_tiyn: i64,
    /// The opening's working days.
    pub work_days: Vec<WeekDay>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReport {
    pub period: String,
    pub month: NaiveDate,
    pub days_worked: i32,
    pub gross_wage_tiyn: i64,
    pub payroll_reference: String,
    pub flags: Vec<ReportFlag>,
}

/// `YYYY-MM` → the month's first day.
pub fn parse_period(p: &str) -> Option<NaiveDate> {
    let (y, m) = p.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

/// A month a placement owes a wage report for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReport {
    /// `YYYY-MM`.
    pub period: String,
    /// The day the report is due: `due_day` of the following month.
    pub due_on: NaiveDate,
    /// `today` is past `due_on`.
    pub overdue: bool,
}

/// The months a placement owes reports for on `today`: each subsidised month (the first
/// `subsidy_months`, at most 120) that has ended and that the placement reached (not after it
/// ended). Only these matter: a report is what a subsidy is paid from.
pub fn months_due(
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    subsidy_months: i64,
    today: NaiveDate,
    due_day: u32,
) -> Vec<DueReport> {
    let mut out = Vec::new();
    let Some(mut month) = started_on.with_day(1) else {
        return out;
    };
    for _ in 0..subsidy_months.clamp(0, 120) {
        let Some(next) = month.checked_add_months(chrono::Months::new(1)) else {
            break;
        };
        if next > today || ended_on.is_some_and(|e| e < month) {
            break; // not over yet, or the placement had ended before it
        }
        let due_on = next.with_day(due_day.clamp(1, 28)).unwrap_or(next);
        out.push(DueReport {
            period: format!("{:04}-{:02}", month.year(), month.month()),
            due_on,
            overdue: today > due_on,
        });
        month = next;
    }
    out
}

pub fn check(
    input: ReportInput,
    ctx: &ReportContext,
) -> Result<CheckedReport, BTreeMap<String, Msg>> {
    let mut errors = BTreeMap::new();
    let mut err = |field: &str, m: FieldMsg| {
        errors.insert(field.to_owned(), Msg::Field(m));
    };
    let reference = input.payroll_reference.trim().to_owned();
    if reference.is_empty() {
        err("payroll_reference", FieldMsg::Required);
    } else if reference.chars().count() > MAX_REFERENCE {
        err(
            "payroll_reference",
            FieldMsg::TooLong { max: MAX_REFERENCE },
        );
    } else if !crate::text::name_is_clean(&reference) {
        err("payroll_reference", FieldMsg::ForbiddenCharacters);
    }
    if !(0..=MAX_GROSS_TIYN).contains(&input.gross_wage_tiyn) {
        err(
            "gross_wage_tiyn",
            FieldMsg::OutOfRange {
                min: 0,
                max: MAX_GROSS_TIYN,
            },
        );
    }
    let month = parse_period(&input.period).filter(|m| crate::clock::date_in_range(*m));
    let mut covered = 31;
    let mut work_days_in_month = 0;
    match month {
        None => err("period", FieldMsg::Invalid),
        Some(month) => {
            let (first, last) = month_bounds(month.year(), month.month()).unwrap_or((month, month));
            if last >= ctx.today {
                err("period", FieldMsg::MonthNotEnded);
            } else {
                let from = ctx.started_on.map(|s| s.max(first));
                let to = ctx.ended_on.map_or(last, |e| e.min(last));
                match from {
                    Some(from) if from <= to => covered = (to - from).num_days() + 1,
                    _ => err("period", FieldMsg::OutsidePlacement),
                }
            }
            work_days_in_month = first
                .iter_days()
                .take_while(|d| *d <= last)
                .filter(|d| ctx.work_days.contains(&WeekDay::of(*d)))
                .count() as i64;
        }
    }
    if !(0..=covered).contains(&input.days_worked) {
        err(
            "days_worked",
            FieldMsg::OutOfRange {
                min: 0,
                max: covered,
            },
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut flags = Vec::new();
    // The minimum wage is for a full month of the opening's working days: her days worked earn
    // their share of it.
    if work_days_in_month > 0
        && i128::from(input.gross_wage_tiyn) * i128::from(work_days_in_month)
            < i128::from(ctx.minimum_wage_tiyn) * i128::from(input.days_worked)
    {
        flags.push(ReportFlag::BelowMinimumWage);
    }
    if ctx
        .declared_wage_tiyn
        .is_some_and(|d| input.gross_wage_tiyn > d)
    {
        flags.push(ReportFlag::AboveDeclaredWage);
    }
    Ok(CheckedReport {
        period: input.period,
        month: month.unwrap_or_default(),
        days_worked: i32::try_from(input.days_worked).unwrap_or(0),
        gross_wage_tiyn: input.gross_wage_tiyn,
        payroll_reference: reference,
        flags,
    })
}

#[cfg(test)]
mod due_tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_are_due_once_ended_and_overdue_after_the_due_day() {
        let due = months_due(d(2026, 11, 20), None, 6, d(2027, 1, 10), 10);
        let periods: Vec<(&str, bool)> =
            due.iter().map(|r| (r.period.as_str(), r.overdue)).collect();
        assert_eq!(periods, [("2026-11", true), ("2026-12", false)]);
        assert_eq!(due[1].due_on, d(2027, 1, 10));
        // Across a year end, on the last day of a month, and the 29th of February.
        let due = months_due(d(2027, 12, 31), None, 12, d(2028, 2, 29), 10);
        let periods: Vec<&str> = due.iter().map(|r| r.period.as_str()).collect();
        assert_eq!(periods, ["2027-12", "2028-01"]);
    }

    #[test]
    fn an_ended_placement_owes_its_last_part_month_and_nothing_after() {
        let due = months_due(d(2027, 1, 15), Some(d(2027, 3, 3)), 12, d(2027, 9, 1), 10);
        let periods: Vec<&str> = due.iter().map(|r| r.period.as_str()).collect();
        assert_eq!(periods, ["2027-01", "2027-02", "2027-03"]);
    }

    proptest! {
        #[test]
        fn never_beyond_the_subsidised_months_nor_today(
            start in 0i64..3000, len in 0i64..400, months in 0i64..30, ahead in 0i64..1500, due_day in 1u32..=28,
        ) {
            let started = d(2024, 1, 1) + chrono::Duration::days(start);
            let today = started + chrono::Duration::days(ahead);
            let ended = (len < 365).then(|| started + chrono::Duration::days(len));
            let due = months_due(started, ended, months, today, due_day);
            prop_assert!(due.len() as i64 <= months);
            for r in &due {
                let first = parse_period(&r.period).unwrap();
                prop_assert!(first <= today && first.with_day(1) <= Some(today));
                prop_assert!(first >= started.with_day(1).unwrap());
                if let Some(e) = ended { prop_assert!(first <= e); }
                prop_assert_eq!(r.overdue, today > r.due_on);
                prop_assert!(r.due_on > first);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn ctx() -> ReportContext {
        ReportContext {
            started_on: Some(d(2026, 3, 16)),
            ended_on: None,
            today: d(2026, 6, 16),
            declared_wage_tiyn: Some(12_000_000),
            minimum_wage_tiyn: 8_500_000,
            work_days: vec![
                WeekDay::Mon,
                WeekDay::Tue,
                WeekDay::Wed,
                WeekDay::Thu,
                WeekDay::Fri,
            ],
        }
    }

    fn input(period: &str, days: i64, gross: i64) -> ReportInput {
        ReportInput {
            period: period.into(),
            days_worked: days,
            gross_wage_tiyn: gross,
            payroll_reference: "PR-1".into(),
        }
    }

    fn refused(i: ReportInput, c: &ReportContext) -> Vec<String> {
        check(i, c)
            .err()
            .map(|e| e.into_keys().collect())
            .unwrap_or_default()
    }

    #[test]
    fn only_ended_months_within_the_placement() {
        assert!(check(input("2026-05", 21, 12_000_000), &ctx()).is_ok());
        assert_eq!(
            refused(input("2026-06", 10, 1), &ctx()),
            ["period"],
            "not ended"
        );
        assert_eq!(
            refused(input("2026-07", 10, 1), &ctx()),
            ["period"],
            "the future"
        );
        assert_eq!(
            refused(input("2026-02", 10, 1), &ctx()),
            ["period"],
            "before it began"
        );
        let ended = ReportContext {
            ended_on: Some(d(2026, 4, 10)),
            ..ctx()
        };
        assert_eq!(
            refused(input("2026-05", 1, 1), &ended),
            ["period"],
            "after it ended"
        );
        let never = ReportContext {
            started_on: None,
            ..ctx()
        };
        assert_eq!(
            refused(input("2026-05", 1, 1), &never),
            ["period"],
            "never started"
        );
        for bad in ["2026-13", "26-05", "2026-5", "x", "1899-01"] {
            assert_eq!(refused(input(bad, 1, 1), &ctx()), ["period"], "{bad}");
        }
    }

    #[test]
    fn days_and_wage_are_bounded() {
        // March from the 16th: 16 days within the placement.
        assert!(check(input("2026-03", 16, 1_000_000), &ctx()).is_ok());
        assert_eq!(refused(input("2026-03", 17, 1), &ctx()), ["days_worked"]);
        assert_eq!(refused(input("2026-05", -1, 1), &ctx()), ["days_worked"]);
        assert_eq!(
            refused(input("2026-05", 5, -1), &ctx()),
            ["gross_wage_tiyn"]
        );
        assert_eq!(
            refused(input("2026-05", 5, MAX_GROSS_TIYN + 1), &ctx()),
            ["gross_wage_tiyn"]
        );
        let mut blank = input("2026-05", 5, 1);
        blank.payroll_reference = "  ".into();
        assert_eq!(refused(blank, &ctx()), ["payroll_reference"]);
        let mut bidi = input("2026-05", 5, 1);
        bidi.payroll_reference = "PR\u{202E}1".into();
        assert_eq!(refused(bidi, &ctx()), ["payroll_reference"]);
    }

    #[test]
    fn a_wage_below_the_minimum_or_above_the_declared_one_is_flagged_not_refused() {
        // May 2026 has 21 working days (Mon–Fri); 21 days at less than 85,000 ₸.
        let low =
            check(input("2026-05", 21, 8_499_999), &ctx()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(low.flags, [ReportFlag::BelowMinimumWage]);
        // 10 of 21 days: 10/21 of the minimum is enough.
        let part =
            check(input("2026-05", 10, 4_047_620), &ctx()).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(part.flags.is_empty(), "{:?}", part.flags);
        let high =
            check(input("2026-05", 21, 12_000_001), &ctx()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(high.flags, [ReportFlag::AboveDeclaredWage]);
    }
}
