//! Stipend payouts: the stipend rule (pure), the payout cycle that creates each payout once, and
//! what seekers and case workers see of them, batches and the bank's files.

pub mod batches;
pub mod cycle;
pub mod handlers;
pub mod service;
pub mod stipend;

/// Tiyn as tenge with two decimals (`2500000` → `25000.00`), as the bank file and emails show it.
pub fn tenge(tiyn: i64) -> String {
    let sign = if tiyn < 0 { "-" } else { "" };
    let t = tiyn.unsigned_abs();
    format!("{sign}{}.{:02}", t / 100, t % 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tenge_has_two_decimals() {
        assert_eq!(super::tenge(2_500_000), "25000.00");
        assert_eq!(super::tenge(5), "0.05");
        assert_eq!(super::tenge(-150), "-1.50");
    }
}
