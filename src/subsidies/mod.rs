//! Wage subsidies: the state's share of a social job's wage, paid to the employer once a month.
//! So far: the subsidy rule (pure) and the monthly wage reports with their confirmation queue; the
//! subsidy cycle, payment through the batches and emails follow (issue 15).

pub mod handlers;
pub mod queries;
pub mod report;
pub mod rule;
pub mod service;
