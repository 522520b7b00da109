//! Programmes: configurable measures whose rules are versioned data, and the eligibility decision.

pub mod rules;
