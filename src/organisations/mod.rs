//! Employers and training providers: registered by a member, approved by an admin.

pub mod handlers;
pub mod queries;
pub mod service;
