//! Demo data for `seed-demo` and `serve --demo`: realistic, in Kazakh and Russian, and scalable so
//! the same tool feeds the benchmarks. Each capability adds its step here as it arrives; today the
//! schema holds only reference data (Almaty's districts, loaded by the migrations), which this
//! checks and reports.

use diesel::{QueryDsl, RunQueryDsl};
use indicatif::{ProgressBar, ProgressStyle};

use crate::db::{Db, DbError, schema::districts};

/// How much demo data to make.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoScale {
    /// Number of demo seekers to create (used once seeker profiles exist).
    #[arg(long, default_value_t = 200)]
    pub seekers: u32,
    /// Random seed, so two runs make the same data.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub districts: i64,
}

/// Whether the database has no user data yet (`serve --demo` seeds only then).
pub async fn is_empty(db: &Db) -> Result<bool, DbError> {
    // No user tables exist yet; every capability that adds one extends this check.
    let _ = db;
    Ok(true)
}

pub async fn seed(db: &Db, scale: &DemoScale, show_progress: bool) -> Result<DemoReport, DbError> {
    let steps = 1u64;
    let bar = if show_progress {
        ProgressBar::new(steps).with_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    } else {
        ProgressBar::hidden()
    };
    bar.set_message("reference data");
    let districts = db
        .run(|conn| {
            districts::table
                .count()
                .get_result::<i64>(conn)
                .map_err(DbError::from)
        })
        .await?;
    bar.inc(1);
    bar.finish_with_message(format!(
        "done (seed {}, {} seekers requested)",
        scale.seed, scale.seekers
    ));
    Ok(DemoReport { districts })
}
