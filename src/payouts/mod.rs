//! Stipend payouts: the stipend rule (pure), the payout cycle that creates each payout once, and
//! what seekers and case workers see of them, batches and the bank's files.

pub mod batches;
pub mod cycle;
pub mod handlers;
pub mod ledger;
pub mod service;
pub mod stipend;

/// Whether a payout may move from `from` to `to`. The same table is a trigger in the database
/// (migration `payout_transitions`), so no code path can skip it; `paid` is final.
pub fn transition_allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("scheduled", "approved" | "held" | "cancelled")
            | ("held", "approved" | "held" | "cancelled")
            | ("approved", "sent" | "cancelled")
            | ("sent", "paid" | "failed")
            | ("failed", "approved" | "held")
            | ("cancelled", "scheduled" | "cancelled")
    )
}

/// Tiyn as tenge with two decimals (`2500000` → `25000.00`), as the bank file and emails show it.
pub fn tenge(tiyn: i64) -> String {
    let sign = if tiyn < 0 { "-" } else { "" };
    let t = tiyn.unsigned_abs();
    format!("{sign}{}.{:02}", t / 100, t % 100)
}

#[cfg(test)]
mod tests {
    const STATUSES: [&str; 7] = [
        "scheduled",
        "approved",
        "held",
        "sent",
        "paid",
        "failed",
        "cancelled",
    ];

    #[test]
    fn paid_is_final_and_money_reaches_the_bank_only_through_sent() {
        for to in STATUSES {
            assert!(!super::transition_allowed("paid", to), "paid → {to}");
            let into_bank = matches!(to, "paid" | "failed");
            for from in STATUSES {
                if into_bank && super::transition_allowed(from, to) {
                    assert_eq!(from, "sent", "{from} → {to}");
                }
            }
        }
        assert!(!super::transition_allowed("failed", "paid"));
        assert!(super::transition_allowed("failed", "approved"));
    }

    /// The trigger in both migrations allows exactly the pairs the rule allows.
    #[test]
    fn the_database_trigger_lists_the_same_transitions() {
        for backend in ["sqlite", "postgres"] {
            let sql = std::fs::read_to_string(format!(
                "{}/migrations/{backend}/2026-12-04-000013_payout_transitions/up.sql",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap_or_default();
            for from in STATUSES {
                for to in STATUSES {
                    let pair = format!("('{from}', '{to}')");
                    assert_eq!(
                        sql.contains(&pair),
                        super::transition_allowed(from, to),
                        "{backend}: {pair}"
                    );
                }
            }
        }
    }

    #[test]
    fn tenge_has_two_decimals() {
        assert_eq!(super::tenge(2_500_000), "25000.00");
        assert_eq!(super::tenge(5), "0.05");
        assert_eq!(super::tenge(-150), "-1.50");
    }
}
