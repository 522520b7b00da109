//! Applications, matching rounds (seeker-proposing deferred acceptance with single lottery
//! tie-breaking), offers, and the placements and enrollments that accepting them creates.

pub mod algorithm;
pub mod applications;
pub mod enrollments;
pub mod explain;
pub mod handlers;
pub mod offers;
pub mod placements;
pub mod queries;
pub mod rounds;
