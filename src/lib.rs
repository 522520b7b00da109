//! Social jobs and stipended short courses for low-income families: the service's library. `main`
//! and the tests both assemble it through [`startup::Application::build`].

pub mod access;
pub mod accounts;
pub mod attendance;
pub mod audit;
pub mod clock;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod districts;
pub mod erasure;
pub mod error;
pub mod http;
pub mod jobs;
pub mod kz;
pub mod locale;
pub mod matching;
pub mod messages;
pub mod metrics;
pub mod notifications;
pub mod openings;
pub mod organisations;
pub mod paging;
pub mod payouts;
pub mod privacy;
pub mod programmes;
pub mod reports;
pub mod seekers;
pub mod startup;
pub mod subsidies;
pub mod telemetry;
pub mod text;
pub mod web;
