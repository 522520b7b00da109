//! Wage subsidies: the state's share of a social job's wage, paid to the employer once a month.
//! The subsidy rule (pure), the monthly wage reports with their confirmation queue and reminders,
//! and the subsidy cycle that pays each confirmed month once through the stipends' payment model.

pub mod cycle;
pub mod handlers;
pub mod queries;
pub mod reminders;
pub mod report;
pub mod rule;
pub mod service;
