//! Erasure requests (issue 16, Kazakhstan's Law on Personal Data): she asks; a case worker sees
//! the request and what cannot be erased yet (money in flight, a place still running) and what
//! must be kept (payment records); on approval her personal data are removed or irreversibly
//! pseudonymised everywhere in one transaction, each capability erasing its own part through its
//! own service, and she gets a last email.
//!
//! `rules.rs` holds the decision and the text scrubbing as pure functions; `service.rs` the use
//! cases; `queries.rs` the only code touching `erasure_requests`.

pub mod handlers;
pub mod queries;
pub mod rules;
pub mod service;
