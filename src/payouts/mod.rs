//! Stipend payouts: the stipend rule (pure) and, in later steps, the payout cycle, batches and the
//! bank's files.

pub mod stipend;
