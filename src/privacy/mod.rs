//! A family's rights over its data (Kazakhstan's Law on Personal Data and their Protection): what
//! the service holds about a person, as one document she can take away.

pub mod handlers;
pub mod service;
