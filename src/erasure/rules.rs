//! The erasure's rules, as pure functions: what stops an erasure now (money in flight, a place
//! still running), what must be kept (payment records), how her IIN is kept when it must be, and
//! how a personal value is found and replaced in stored text.

use serde::Serialize;

/// What stops an erasure until it is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockerCode {
    /// A course place with stipend months still to be computed (the course runs, or a month it
    /// ran has no payout yet): erasing now would leave the month unpaid.
    EnrollmentOpen,
    /// A job placement awaiting its start or running: its employer reports wages for it.
    PlacementOpen,
    /// A payout not final yet (scheduled, approved or sent to the bank): money in flight.
    PayoutInFlight,
}

/// One thing that stops the erasure, and the record it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Blocker {
    pub code: BlockerCode,
    /// The enrollment, placement or payout.
    pub id: String,
    /// Its status (placements and payouts).
    pub status: Option<String>,
    /// The months concerned: an enrollment's months still to be paid, a payout's month.
    pub periods: Vec<String>,
}

/// A payment record that stays after erasure (the law keeps payment records for years): its
/// amount and month, pseudonymised (no name, no IBAN; the person as an opaque id and, on the
/// request, a salted hash of her IIN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RetainedPayout {
    pub id: String,
    pub period: String,
    pub status: String,
    pub amount_tiyn: i64,
}

/// An active enrollment and the months of its course still owed a payout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentFact {
    pub id: String,
    pub months_to_come: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementFact {
    pub id: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutFact {
    pub id: String,
    pub period: String,
    pub status: String,
    pub amount_tiyn: i64,
}

/// What the decision needs to know of her, gathered from each capability.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub enrollments: Vec<EnrollmentFact>,
    pub placements: Vec<PlacementFact>,
    pub payouts: Vec<PayoutFact>,
}

/// The decision: what blocks (nothing, or the erasure waits), and what is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessment {
    pub blockers: Vec<Blocker>,
    pub retained_payouts: Vec<RetainedPayout>,
}

/// Payout statuses in which money is still moving. `paid`, `failed` and `cancelled` are final for
/// this purpose (a failed payout re-issued after erasure finds no IBAN and is held).
pub const IN_FLIGHT: [&str; 3] = ["scheduled", "approved", "sent"];

/// Placement statuses of a job still running or about to.
pub const PLACEMENT_OPEN: [&str; 2] = ["awaiting_start", "active"];

/// What blocks erasing her now, and which payment records stay.
pub fn assess(facts: &Facts) -> Assessment {
    let mut blockers = Vec::new();
    for e in &facts.enrollments {
        if !e.months_to_come.is_empty() {
            blockers.push(Blocker {
                code: BlockerCode::EnrollmentOpen,
                id: e.id.clone(),
                status: None,
                periods: e.months_to_come.clone(),
            });
        }
    }
    for p in &facts.placements {
        if PLACEMENT_OPEN.contains(&p.status.as_str()) {
            blockers.push(Blocker {
                code: BlockerCode::PlacementOpen,
                id: p.id.clone(),
                status: Some(p.status.clone()),
                periods: vec![],
            });
        }
    }
    let mut retained_payouts = Vec::new();
    for p in &facts.payouts {
        if IN_FLIGHT.contains(&p.status.as_str()) {
            blockers.push(Blocker {
                code: BlockerCode::PayoutInFlight,
                id: p.id.clone(),
                status: Some(p.status.clone()),
                periods: vec![p.period.clone()],
            });
        } else {
            retained_payouts.push(RetainedPayout {
                id: p.id.clone(),
                period: p.period.clone(),
                status: p.status.clone(),
                amount_tiyn: p.amount_tiyn,
            });
        }
    }
    Assessment {
        blockers,
        retained_payouts,
    }
}

/// The salted hash an IIN is kept as when payment records must stay: HMAC-SHA256 under a key
/// derived from the service's secret for this one use, hex. The same IIN gives the same hash (an
/// auditor holding her IIN can find her payments), but the hash alone does not give the IIN back:
/// the 10⁹ possible IINs cannot be tried without the key.
pub fn iin_hash(secret: &str, iin: &str) -> String {
    use hmac::{Hmac, Mac};
    type HmacSha256 = Hmac<sha2::Sha256>;
    let mut key = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    key.update(b"social-jobs erased IIN v1");
    let key = key.finalize().into_bytes();
    let mut mac = <HmacSha256 as Mac>::new_from_slice(&key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(iin.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// What an erased value is replaced with in stored text.
pub const ERASED: &str = "(erased)";

/// The values worth looking for: at least four characters (a shorter one would match too much),
/// without duplicates.
pub fn needles(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = values
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| v.chars().count() >= 4)
        .collect();
    out.sort();
    out.dedup();
    // Longest first: a value inside another is replaced after it.
    out.sort_by_key(|v| std::cmp::Reverse(v.len()));
    out
}

/// Whether `text` holds any of `needles` (case-insensitively).
pub fn contains_any(text: &str, needles: &[String]) -> bool {
    let folded = text.to_lowercase();
    needles.iter().any(|n| folded.contains(&n.to_lowercase()))
}

/// `text` with every occurrence of each needle (in any case) replaced by [`ERASED`].
pub fn scrub_text(text: &str, needles: &[String]) -> String {
    let mut out = text.to_owned();
    for n in needles {
        let needle = n.to_lowercase();
        loop {
            let folded = out.to_lowercase();
            // Lower-casing may change lengths; only replace where the byte offsets agree.
            let Some(at) = folded.find(&needle) else {
                break;
            };
            if folded.len() != out.len() || !out.is_char_boundary(at + needle.len()) {
                // Fall back to an exact, case-sensitive replacement.
                out = out.replace(n.as_str(), ERASED);
                break;
            }
            out.replace_range(at..at + needle.len(), ERASED);
        }
    }
    out
}

/// A JSON document with every string (keys kept) scrubbed as [`scrub_text`] does.
pub fn scrub_json(value: &serde_json::Value, needles: &[String]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(scrub_text(s, needles)),
        Value::Array(a) => Value::Array(a.iter().map(|v| scrub_json(v, needles)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), scrub_json(v, needles)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Stored JSON text scrubbed: as JSON when it parses (so escaping stays valid), as text if not.
pub fn scrub_stored(text: &str, needles: &[String]) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => scrub_json(&v, needles).to_string(),
        Err(_) => scrub_text(text, needles),
    }
}

/// The IBAN a bank line keeps after erasure: its last four characters only.
pub fn iban_last_four(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().collect();
    let keep = chars.len().min(4);
    let hidden = chars.len() - keep;
    "*".repeat(hidden) + &chars[hidden..].iter().collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payout(id: &str, status: &str) -> PayoutFact {
        PayoutFact {
            id: id.into(),
            period: "2026-05".into(),
            status: status.into(),
            amount_tiyn: 1_000_000,
        }
    }

    #[test]
    fn nothing_running_nothing_blocks() {
        let a = assess(&Facts::default());
        assert!(a.blockers.is_empty() && a.retained_payouts.is_empty());
        let a = assess(&Facts {
            enrollments: vec![EnrollmentFact {
                id: "e".into(),
                months_to_come: vec![],
            }],
            placements: vec![PlacementFact {
                id: "p".into(),
                status: "ended".into(),
            }],
            payouts: vec![],
        });
        assert!(a.blockers.is_empty());
    }

    #[test]
    fn an_enrollment_with_months_to_come_and_a_running_placement_block() {
        let a = assess(&Facts {
            enrollments: vec![EnrollmentFact {
                id: "e".into(),
                months_to_come: vec!["2026-05".into(), "2026-06".into()],
            }],
            placements: vec![
                PlacementFact {
                    id: "p1".into(),
                    status: "awaiting_start".into(),
                },
                PlacementFact {
                    id: "p2".into(),
                    status: "active".into(),
                },
            ],
            payouts: vec![],
        });
        let codes: Vec<BlockerCode> = a.blockers.iter().map(|b| b.code).collect();
        assert_eq!(
            codes,
            [
                BlockerCode::EnrollmentOpen,
                BlockerCode::PlacementOpen,
                BlockerCode::PlacementOpen
            ]
        );
        assert_eq!(a.blockers[0].periods, ["2026-05", "2026-06"]);
    }

    #[test]
    fn money_in_flight_blocks_and_final_payouts_are_kept() {
        let all = [
            "scheduled",
            "approved",
            "sent",
            "paid",
            "failed",
            "cancelled",
        ];
        let a = assess(&Facts {
            payouts: all.iter().map(|s| payout(s, s)).collect(),
            ..Facts::default()
        });
        let blocked: Vec<&str> = a.blockers.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(blocked, ["scheduled", "approved", "sent"]);
        assert!(
            a.blockers
                .iter()
                .all(|b| b.code == BlockerCode::PayoutInFlight)
        );
        let kept: Vec<&str> = a.retained_payouts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(kept, ["paid", "failed", "cancelled"]);
        assert_eq!(a.retained_payouts[0].amount_tiyn, 1_000_000);
    }

    #[test]
    fn the_iin_hash_is_stable_keyed_and_not_the_iin() {
        let h = iin_hash("secret-a", "800101400123");
        assert_eq!(h, iin_hash("secret-a", "800101400123"));
        assert_ne!(h, iin_hash("secret-b", "800101400123"));
        assert_ne!(h, iin_hash("secret-a", "800101400124"));
        assert_eq!(h.len(), 64);
        assert!(!h.contains("800101400123"));
    }

    #[test]
    fn values_are_found_and_replaced_in_any_case_and_inside_json() {
        let n = needles([
            "Әсел Бекова".to_owned(),
            "asel@example.kz".to_owned(),
            "ab".to_owned(),
            " ".to_owned(),
        ]);
        assert_eq!(n.len(), 2, "short values are not searched: {n:?}");
        assert!(contains_any("Hello ӘСЕЛ БЕКОВА", &n));
        assert!(!contains_any("Hello Айгүл", &n));
        assert_eq!(
            scrub_text("to ASEL@example.kz and Әсел Бекова", &n),
            "to (erased) and (erased)"
        );
        let stored = r#"{"to":"asel@example.kz","data":{"seeker_name":"Әсел Бекова","n":3,"list":["Әсел Бекова!"]}}"#;
        let scrubbed = scrub_stored(stored, &n);
        assert!(!contains_any(&scrubbed, &n), "{scrubbed}");
        let v: serde_json::Value = serde_json::from_str(&scrubbed).unwrap_or_default();
        assert_eq!(v["data"]["n"], 3);
        assert_eq!(v["data"]["list"][0], "(erased)!");
        assert_eq!(
            scrub_stored("not json Әсел Бекова", &n),
            "not json (erased)"
        );
    }

    #[test]
    fn a_bank_line_keeps_the_last_four_characters_of_the_iban() {
        assert_eq!(
            iban_last_four("KZ86125KZT5004100100"),
            "****************0100"
        );
        assert_eq!(iban_last_four("abc"), "abc");
    }
}
