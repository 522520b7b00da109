//! The city's figures by programme, district and month: counted by the transactions that change
//! the data ([`tally`]), read by case workers ([`service::summary`]) and, with small cells hidden
//! ([`suppression`]), by anyone as open data.

pub mod handlers;
pub mod queries;
pub mod service;
pub mod suppression;
pub mod tally;
