//! The one clock the service reads time from. Production runs on the system clock; tests start it
//! at a chosen instant (the 1st of a month, 31 December, 29 February…) and move it forward, so no
//! rule and no test depends on the day the suite happens to run.
//!
//! A set clock keeps running from the instant it was set to (it is the system clock plus an
//! offset), so leases, backoffs and timeouts behave as in production.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};

/// The first and last dates the service accepts anywhere (a course, a session, a placement, a
/// programme): a date outside them is a typing error, and would make month arithmetic run away.
pub const EARLIEST_DATE: NaiveDate = ymd(2000, 1, 1);
pub const LATEST_DATE: NaiveDate = ymd(2099, 12, 31);

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("not a date"), // evaluated at compile time
    }
}

/// Whether `d` is within [`EARLIEST_DATE`]..=[`LATEST_DATE`].
pub fn date_in_range(d: NaiveDate) -> bool {
    (EARLIEST_DATE..=LATEST_DATE).contains(&d)
}

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Microseconds added to the system clock; 0 for the real clock.
    offset_us: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `at` now and runs on from there.
    pub fn starting_at(at: DateTime<Utc>) -> Clock {
        let clock = Clock::default();
        clock.set(at);
        clock
    }

    /// From now on the clock reads `at` (and runs on from there).
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = (at - Utc::now()).num_microseconds().unwrap_or(0);
        self.offset_us.store(offset, Ordering::SeqCst);
    }

    /// Moves the clock forward (or back, for a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_us
            .fetch_add(by.num_microseconds().unwrap_or(0), Ordering::SeqCst);
    }

    /// The current instant, in microseconds (PostgreSQL keeps no more), so a value read back
    /// equals the one written on either backend.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::microseconds(self.offset_us.load(Ordering::SeqCst));
        (Utc::now() + offset).trunc_subsecs(6)
    }

    /// [`Clock::now`] as stored: a UTC timestamp without zone.
    pub fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc()
    }

    /// Today's date in Asia/Almaty, where periods, deadlines and schedules are counted.
    pub fn today(&self) -> NaiveDate {
        self.now()
            .with_timezone(&chrono_tz::Asia::Almaty)
            .date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_set_clock_reads_the_instant_it_was_set_to_and_runs_on() {
        let at = Utc.with_ymd_and_hms(2028, 2, 29, 18, 59, 0).unwrap();
        let clock = Clock::starting_at(at);
        let read = clock.now();
        assert!(read >= at && read - at < chrono::Duration::seconds(5));
        // 18:59 UTC is 23:59 in Almaty (UTC+5); an hour later it is 1 March there.
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
        clock.advance(chrono::Duration::hours(1));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2028, 3, 1).unwrap());
        let copy = clock.clone();
        copy.advance(chrono::Duration::days(1));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2028, 3, 2).unwrap());
    }

    #[test]
    fn the_system_clock_is_the_real_time() {
        let d = Clock::system().now() - Utc::now();
        assert!(d.num_seconds().abs() < 5);
    }
}
