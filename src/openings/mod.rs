//! Openings: social jobs posted by employers and courses posted by training providers; the public
//! browse with full-text and geo search; recommendations for a seeker.

pub mod cache;
pub mod calendar;
pub mod digest;
pub mod fit;
pub mod handlers;
pub mod model;
pub mod queries;
pub mod search;
pub mod service;
