//! Course sessions and attendance: the calendar a provider keeps, attendance marked in bulk with
//! its corrections, months closed and reopened, and a seeker's view of her own.

pub mod handlers;
pub mod queries;
pub mod service;
