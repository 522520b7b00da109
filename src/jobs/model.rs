//! Rows of the job queue and the domain words for them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::jobs;

/// The life of a job: `queued → running → done | dead` (a failed attempt goes back to `queued`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub dedup_key: String,
    pub state: String,
    pub attempts: i32,
    pub run_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub scheduled_for: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// When the job last entered the queue afresh (enqueued, or requeued from `dead`); `None` in
    /// rows older than the column, where `created_at` stands for it.
    pub queued_at: Option<NaiveDateTime>,
    /// Times the job was taken over from a worker that stopped while running it.
    pub stalls: i32,
}

impl Job {
    pub fn state(&self) -> Option<JobState> {
        JobState::parse(&self.state)
    }

    /// Where a retry window is counted from.
    pub fn queued_since(&self) -> NaiveDateTime {
        self.queued_at.unwrap_or(self.created_at)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = jobs)]
// `None` is NULL (no column here has another default), so SQLite inserts many rows in one
// statement instead of one statement per row.
#[diesel(treat_none_as_default_value = false)]
pub struct NewJobRow {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub dedup_key: String,
    pub state: String,
    pub attempts: i32,
    pub run_at: NaiveDateTime,
    pub scheduled_for: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub queued_at: Option<NaiveDateTime>,
}
