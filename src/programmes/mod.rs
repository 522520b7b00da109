//! Programmes: configurable measures whose rules are versioned data, and the eligibility decision.

pub mod examples;
pub mod handlers;
pub mod queries;
pub mod rules;
pub mod service;
