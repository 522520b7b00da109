//! Seekers' own data: the profile (IIN, contact, district, skills, availability, IBAN). Households
//! and eligibility build on it.

pub mod handlers;
pub mod household;
pub mod profile;
pub mod queries;
pub mod service;
