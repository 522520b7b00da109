//! Course calendars: weekly patterns expanded to dates, and Almaty wall-clock times turned into the
//! UTC instants the database keeps. Pure.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use serde::{Deserialize, Serialize};

use super::model::SessionSlot;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum WeekDay {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl WeekDay {
    pub fn of(d: NaiveDate) -> WeekDay {
        match d.weekday() {
            Weekday::Mon => WeekDay::Mon,
            Weekday::Tue => WeekDay::Tue,
            Weekday::Wed => WeekDay::Wed,
            Weekday::Thu => WeekDay::Thu,
            Weekday::Fri => WeekDay::Fri,
            Weekday::Sat => WeekDay::Sat,
            Weekday::Sun => WeekDay::Sun,
        }
    }

    pub fn is_weekend(self) -> bool {
        matches!(self, WeekDay::Sat | WeekDay::Sun)
    }
}

/// One session on every day from `start` to `end` (inclusive) whose weekday is in `days`.
pub fn expand_weekly(
    start: NaiveDate,
    end: NaiveDate,
    days: &[WeekDay],
    start_time: NaiveTime,
    end_time: NaiveTime,
) -> Vec<SessionSlot> {
    start
        .iter_days()
        .take_while(|d| *d <= end)
        .filter(|d| days.contains(&WeekDay::of(*d)))
        .map(|date| SessionSlot {
            date,
            start_time,
            end_time,
        })
        .collect()
}

/// The UTC instant of an Almaty wall-clock time, by the tz database (UTC+5 since March 2024, +6
/// before). `None` for a time that does not exist there.
pub fn almaty_to_utc(date: NaiveDate, time: NaiveTime) -> Option<NaiveDateTime> {
    chrono_tz::Asia::Almaty
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.naive_utc())
}

/// The Almaty date of a UTC instant.
pub fn almaty_date(at: NaiveDateTime) -> NaiveDate {
    at.and_utc()
        .with_timezone(&chrono_tz::Asia::Almaty)
        .date_naive()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day() -> impl Strategy<Value = NaiveDate> {
        (0i64..3000).prop_map(|n| {
            NaiveDate::from_ymd_opt(2024, 3, 1).unwrap() + chrono::Days::new(n as u64)
        })
    }

    fn weekdays() -> impl Strategy<Value = Vec<WeekDay>> {
        proptest::sample::subsequence(
            vec![
                WeekDay::Mon,
                WeekDay::Tue,
                WeekDay::Wed,
                WeekDay::Thu,
                WeekDay::Fri,
                WeekDay::Sat,
                WeekDay::Sun,
            ],
            0..=7,
        )
    }

    proptest! {
        #[test]
        fn weekly_expansion_gives_exactly_the_matching_days_in_range(
            start in day(), len in 0u64..120, days in weekdays()
        ) {
            let end = start + chrono::Days::new(len);
            let t = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
            let slots = expand_weekly(start, end, &days, t, t);
            // In range, on a chosen weekday, strictly increasing.
            for s in &slots {
                prop_assert!(s.date >= start && s.date <= end);
                prop_assert!(days.contains(&WeekDay::of(s.date)));
            }
            prop_assert!(slots.windows(2).all(|w| w[0].date < w[1].date));
            // None missed.
            let expected = start.iter_days().take_while(|d| *d <= end)
                .filter(|d| days.contains(&WeekDay::of(*d))).count();
            prop_assert_eq!(slots.len(), expected);
        }

        #[test]
        fn almaty_times_since_march_2024_are_utc_plus_five(d in day(), h in 0u32..24, m in 0u32..60) {
            let t = NaiveTime::from_hms_opt(h, m, 0).unwrap();
            let utc = almaty_to_utc(d, t).unwrap();
            prop_assert_eq!(utc + chrono::Duration::hours(5), d.and_time(t));
            prop_assert_eq!(almaty_date(utc), d);
        }
    }
}
