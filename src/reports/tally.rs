//! What the other capabilities count, in their own transactions: each event adds to the cell of
//! its month, programme and district, so the figures move with the data they describe (a rolled
//! back change rolls its count back too).
//!
//! A cell's district is the opening's: every counted event belongs to an opening, and a family
//! that moves does not rewrite last year's figures.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use crate::{db::DbConnection, error::AppError};

/// What is counted. Each is a number of people (one event per person) unless said otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// People who applied to the programme in the month (once a month, in the district of their
    /// first application of that month).
    Applicants,
    /// The same people by their priority tier then (`None`: eligible without a tier).
    Eligible(Option<u8>),
    Offers,
    OffersAccepted,
    OffersDeclined,
    /// Offers that expired unanswered.
    OffersLapsed,
    /// Placements whose work began in the month.
    PlacementsStarted,
    /// Placements that ended in the month, by the employer's reason.
    PlacementsEnded(&'static str),
    Enrollments,
    /// Enrollment-months whose stipend was computed (the month is final then): the people behind
    /// the attendance figures.
    StipendMonths,
    /// Course sessions held for them in those months (sessions, not people).
    SessionsHeld,
    /// Of those, attended (sessions, not people).
    SessionsAttended,
    /// Enrollments whose course ended in the month with her attendance at the programme's minimum.
    CoursesCompleted,
    /// Stipends computed to an amount (count and tenge), by the month they are for.
    StipendsScheduled,
    /// Stipends the bank confirmed paid, by the month they are for.
    StipendsPaid,
    StipendsFailed,
    SubsidiesScheduled,
    SubsidiesPaid,
    SubsidiesFailed,
}

/// Reasons a placement ends, as [`Metric::PlacementsEnded`] names them.
pub const END_REASONS: [&str; 5] = ["completed", "hired", "resigned", "dismissed", "other"];

/// Tiers a report names one by one; a programme's rules may not have more.
pub const MAX_TIER: u8 = 9;

impl Metric {
    pub fn key(self) -> String {
        use Metric::*;
        match self {
            Applicants => "applicants".into(),
            Eligible(Some(t)) => format!("eligible_tier_{t}"),
            Eligible(None) => "eligible_untiered".into(),
            Offers => "offers".into(),
            OffersAccepted => "offers_accepted".into(),
            OffersDeclined => "offers_declined".into(),
            OffersLapsed => "offers_lapsed".into(),
            PlacementsStarted => "placements_started".into(),
            PlacementsEnded(r) => format!("placements_ended_{r}"),
            Enrollments => "enrollments".into(),
            StipendMonths => "stipend_months".into(),
            SessionsHeld => "sessions_held".into(),
            SessionsAttended => "sessions_attended".into(),
            CoursesCompleted => "courses_completed".into(),
            StipendsScheduled => "stipends_scheduled".into(),
            StipendsPaid => "stipends_paid".into(),
            StipendsFailed => "stipends_failed".into(),
            SubsidiesScheduled => "subsidies_scheduled".into(),
            SubsidiesPaid => "subsidies_paid".into(),
            SubsidiesFailed => "subsidies_failed".into(),
        }
    }

    /// Every metric a report may hold, in the order reports list them.
    pub fn all() -> Vec<Metric> {
        use Metric::*;
        let mut all = vec![Applicants];
        all.extend((1..=MAX_TIER).map(|t| Eligible(Some(t))));
        all.extend([
            Eligible(None),
            Offers,
            OffersAccepted,
            OffersDeclined,
            OffersLapsed,
            PlacementsStarted,
        ]);
        all.extend(END_REASONS.iter().map(|r| PlacementsEnded(r)));
        all.extend([
            Enrollments,
            StipendMonths,
            SessionsHeld,
            SessionsAttended,
            CoursesCompleted,
            StipendsScheduled,
            StipendsPaid,
            StipendsFailed,
            SubsidiesScheduled,
            SubsidiesPaid,
            SubsidiesFailed,
        ]);
        all
    }

    /// Whether the metric carries an amount of money.
    pub fn has_amount(self) -> bool {
        use Metric::*;
        matches!(
            self,
            StipendsScheduled
                | StipendsPaid
                | StipendsFailed
                | SubsidiesScheduled
                | SubsidiesPaid
                | SubsidiesFailed
        )
    }

    /// Whether it counts sessions rather than people.
    pub fn counts_sessions(self) -> bool {
        matches!(self, Metric::SessionsHeld | Metric::SessionsAttended)
    }
}

/// `YYYY-MM` of a date.
pub fn period_of_date(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The month an event happening now falls in (Asia/Almaty), read from the service's clock.
pub fn this_month() -> String {
    period_of_date(crate::db::today())
}

/// An opening's place in the reports.
#[derive(Debug, Clone)]
struct Where {
    programme_id: String,
    district: String,
    /// A course's last month.
    last_period: Option<String>,
}

type Cell = (String, String, String, String);

/// Counts gathered in one transaction and written at its end, one upsert per cell. Cells are
/// written in key order, so two transactions touching the same cells lock them in the same order.
#[derive(Debug, Default)]
pub struct Tally {
    cells: BTreeMap<Cell, (i64, i64)>,
    openings: HashMap<String, Where>,
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    /// Tells the tally an opening's facts the caller has loaded already, so counting for it asks
    /// the database nothing (a bulk job touches hundreds of openings per transaction).
    pub fn know(&mut self, f: &crate::openings::service::OpeningFacts) {
        if !self.openings.contains_key(&f.id) {
            self.openings.insert(
                f.id.clone(),
                Where {
                    programme_id: f.programme_id.clone(),
                    district: f.district.clone(),
                    last_period: f.end_date.map(period_of_date),
                },
            );
        }
    }

    fn place(&mut self, c: &mut DbConnection, opening_id: &str) -> Result<Where, AppError> {
        if let Some(w) = self.openings.get(opening_id) {
            return Ok(w.clone());
        }
        let f = crate::openings::service::facts_of(c, opening_id)?
            .ok_or_else(|| crate::error::internal(anyhow::anyhow!("counted an unknown opening")))?;
        let w = Where {
            programme_id: f.programme_id,
            district: f.district,
            last_period: f.end_date.map(period_of_date),
        };
        self.openings.insert(opening_id.to_owned(), w.clone());
        Ok(w)
    }

    /// Adds `count` (and `amount_tiyn`) to the metric of an opening's cell for `period`;
    /// negative values take back what was counted before.
    pub fn add(
        &mut self,
        c: &mut DbConnection,
        opening_id: &str,
        period: &str,
        metric: Metric,
        count: i64,
        amount_tiyn: i64,
    ) -> Result<(), AppError> {
        if count == 0 && amount_tiyn == 0 {
            return Ok(());
        }
        let w = self.place(c, opening_id)?;
        let cell = self
            .cells
            .entry((period.to_owned(), w.programme_id, w.district, metric.key()))
            .or_default();
        cell.0 += count;
        cell.1 += amount_tiyn;
        Ok(())
    }

    /// Counts a computed stipend month (`sign` -1 takes back one withdrawn for corrections).
    pub fn stipend_month(
        &mut self,
        c: &mut DbConnection,
        opening_id: &str,
        period: &str,
        month: &StipendMonth,
        sign: i64,
    ) -> Result<(), AppError> {
        use Metric::*;
        self.add(c, opening_id, period, StipendMonths, sign, 0)?;
        self.add(c, opening_id, period, SessionsHeld, sign * month.held, 0)?;
        self.add(
            c,
            opening_id,
            period,
            SessionsAttended,
            sign * month.attended,
            0,
        )?;
        if month.amount_tiyn > 0 {
            self.add(
                c,
                opening_id,
                period,
                StipendsScheduled,
                sign,
                sign * month.amount_tiyn,
            )?;
        }
        let last = self.place(c, opening_id)?.last_period;
        if month.met_minimum && last.as_deref() == Some(period) {
            self.add(c, opening_id, period, CoursesCompleted, sign, 0)?;
        }
        Ok(())
    }

    /// Writes what was gathered (in the caller's transaction).
    pub fn save(self, c: &mut DbConnection) -> Result<(), AppError> {
        for ((period, programme, district, metric), (count, amount)) in self.cells {
            if count == 0 && amount == 0 {
                continue;
            }
            super::queries::add(c, &period, &programme, &district, &metric, count, amount)?;
        }
        Ok(())
    }
}

/// A computed stipend month, as reports count it.
#[derive(Debug, Clone, Copy)]
pub struct StipendMonth {
    pub amount_tiyn: i64,
    pub held: i64,
    pub attended: i64,
    pub met_minimum: bool,
}

/// Counts one event now (a small use case's only count).
pub fn count(
    c: &mut DbConnection,
    opening_id: &str,
    period: &str,
    metric: Metric,
    amount_tiyn: i64,
) -> Result<(), AppError> {
    let mut t = Tally::new();
    t.add(c, opening_id, period, metric, 1, amount_tiyn)?;
    t.save(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_its_own_key() {
        let keys: std::collections::HashSet<String> =
            Metric::all().into_iter().map(Metric::key).collect();
        assert_eq!(keys.len(), Metric::all().len());
        assert!(keys.contains("eligible_tier_1") && keys.contains("placements_ended_hired"));
    }
}
