//! Enrollments (course places accepted) as other capabilities see them.

use super::queries::{self, EnrollmentRow};
use crate::{db::DbConnection, error::AppError};

pub type Enrollment = EnrollmentRow;

pub fn find(c: &mut DbConnection, id: &str) -> Result<Option<Enrollment>, AppError> {
    Ok(queries::enrollment(c, id)?)
}

pub fn of_course(c: &mut DbConnection, opening_id: &str) -> Result<Vec<Enrollment>, AppError> {
    Ok(queries::enrollments_of_opening(c, opening_id)?)
}

/// A page of a course's enrollments, oldest first.
pub fn page_of_course(
    c: &mut DbConnection,
    opening_id: &str,
    after: Option<(chrono::NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Enrollment>, AppError> {
    Ok(queries::enrollments_of_opening_page(
        c, opening_id, after, limit,
    )?)
}

pub fn of_seeker(c: &mut DbConnection, seeker_id: &str) -> Result<Vec<Enrollment>, AppError> {
    Ok(queries::enrollments_of_seeker(c, seeker_id)?)
}

/// Every enrollment (for the payout cycle).
pub fn all_courses(c: &mut DbConnection) -> Result<Vec<Enrollment>, AppError> {
    Ok(queries::all_enrollments(c)?)
}
