//! Accounts, sign-in, tokens, password reset and staff. Organisations are their own capability.

pub mod handlers;
pub mod model;
pub mod password;
pub mod queries;
pub mod ratelimit;
pub mod service;
pub mod tokens;

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::config::Settings;

/// Keys and limits for authentication, built once per process.
pub struct AuthKeys {
    pub tokens: tokens::AccessTokens,
    /// Bounds concurrent password hashing (19 MiB and tens of milliseconds each) so a burst of
    /// sign-ins cannot exhaust memory or starve other work.
    pub hashing: Arc<Semaphore>,
    /// A real hash of a random password, verified against when the email is unknown, so that a
    /// sign-in takes as long whether or not the account exists.
    pub dummy_hash: String,
    pub devices: tokens::DeviceTokens,
}

impl AuthKeys {
    pub fn from_settings(s: &Settings, clock: crate::clock::Clock) -> anyhow::Result<AuthKeys> {
        let permits = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (random, _) = tokens::new_opaque();
        Ok(AuthKeys {
            tokens: tokens::AccessTokens::from_settings(s, clock)?,
            hashing: Arc::new(Semaphore::new(permits)),
            dummy_hash: password::hash(&random).map_err(|e| anyhow::anyhow!("hashing: {e}"))?,
            devices: tokens::DeviceTokens::from_settings(s),
        })
    }
}
