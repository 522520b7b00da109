//! Small-cell suppression for open data, as a pure rule: no published figure lets anyone learn
//! something about fewer than [`MIN_PEOPLE`] people, neither as shown nor by subtracting shown
//! figures from each other.
//!
//! - A count of people from 1 to 4 is hidden (0 is shown: it is about nobody).
//! - Session counts are about the people behind them (`stipend_months`): hidden with them, and
//!   when those are hidden or fewer than 5.
//! - Within a group whose first member is the sum (or a bound) of the others, a single hidden
//!   member could be computed from the rest, and two small hidden parts from the total: more are
//!   hidden (the smallest others first, then the total) until the hidden parts add up to 5 or
//!   more, or the total is hidden too.
//! - An amount of money is shown exactly when its count is.
//!
//! Published totals add up the shown figures only, so they give away nothing hidden either.

use std::collections::{BTreeMap, BTreeSet};

use super::tally::{MAX_TIER, Metric};

/// The fewest people a published figure may be about.
pub const MIN_PEOPLE: i64 = 5;

/// Groups of metrics that add up: the first is the sum of the others (applicants by tier) or
/// bounds them (offers and their outcomes).
pub fn groups() -> Vec<Vec<String>> {
    let mut eligible = vec![Metric::Applicants.key()];
    eligible.extend((1..=MAX_TIER).map(|t| Metric::Eligible(Some(t)).key()));
    eligible.push(Metric::Eligible(None).key());
    vec![
        eligible,
        vec![
            Metric::Offers.key(),
            Metric::OffersAccepted.key(),
            Metric::OffersDeclined.key(),
            Metric::OffersLapsed.key(),
        ],
    ]
}

fn small(n: i64) -> bool {
    (1..MIN_PEOPLE).contains(&n)
}

/// The metrics of one cell (period, programme, district) that open data must not show.
pub fn suppressed(counts: &BTreeMap<String, i64>) -> BTreeSet<String> {
    let value = |k: &str| counts.get(k).copied().unwrap_or(0);
    let sessions = [Metric::SessionsHeld.key(), Metric::SessionsAttended.key()];
    let mut hidden: BTreeSet<String> = counts
        .iter()
        .filter(|(k, n)| !sessions.contains(k) && small(**n))
        .map(|(k, _)| k.clone())
        .collect();
    let people = value(&Metric::StipendMonths.key());
    if people < MIN_PEOPLE {
        hidden.extend(sessions.iter().filter(|k| value(k) != 0).cloned());
    }
    loop {
        let mut more = None;
        for g in groups() {
            let (total, parts) = (&g[0], &g[1..]);
            let hidden_parts: Vec<&String> = parts.iter().filter(|k| hidden.contains(*k)).collect();
            let hidden_count = hidden_parts.len() + usize::from(hidden.contains(total));
            let hidden_sum: i64 = hidden_parts.iter().map(|k| value(k)).sum();
            let exposed = hidden_count == 1
                || (!hidden.contains(total) && hidden_count > 0 && small(hidden_sum));
            if !exposed {
                continue;
            }
            // The smallest shown part with people in it; else the total; else any shown part.
            let next = parts
                .iter()
                .filter(|k| !hidden.contains(*k) && value(k) > 0)
                .min_by_key(|k| (value(k), (*k).clone()))
                .or_else(|| (!hidden.contains(total)).then_some(total))
                .or_else(|| parts.iter().find(|k| !hidden.contains(*k)));
            if let Some(k) = next {
                more = Some(k.clone());
                break;
            }
        }
        match more {
            Some(k) => {
                hidden.insert(k);
            }
            None => return hidden,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cell(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn a_small_part_is_hidden_with_another_so_the_total_does_not_give_it_away() {
        let c = cell(&[
            ("applicants", 12),
            ("eligible_tier_1", 9),
            ("eligible_tier_2", 3),
            ("offers", 0),
        ]);
        let h = suppressed(&c);
        // 3 is small; 12 - 9 would give it back, so 9 goes too (the only other part).
        assert!(
            h.contains("eligible_tier_2") && h.contains("eligible_tier_1"),
            "{h:?}"
        );
        assert!(!h.contains("offers"));
    }

    #[test]
    fn two_small_hidden_parts_that_add_to_under_five_hide_a_third() {
        let c = cell(&[
            ("applicants", 20),
            ("eligible_tier_1", 1),
            ("eligible_tier_2", 1),
            ("eligible_tier_3", 18),
        ]);
        let h = suppressed(&c);
        assert!(
            h.contains("eligible_tier_3") || h.contains("applicants"),
            "{h:?}"
        );
    }

    #[test]
    fn sessions_are_shown_only_for_five_people_or_more() {
        let few = cell(&[
            ("stipend_months", 4),
            ("sessions_held", 40),
            ("sessions_attended", 31),
        ]);
        assert!(suppressed(&few).contains("sessions_held"));
        let enough = cell(&[
            ("stipend_months", 5),
            ("sessions_held", 40),
            ("sessions_attended", 31),
        ]);
        assert!(suppressed(&enough).is_empty());
    }

    fn metric_keys() -> Vec<String> {
        Metric::all().into_iter().map(Metric::key).collect()
    }

    proptest! {
        #[test]
        fn nothing_shown_is_about_fewer_than_five_people_even_by_subtraction(
            values in proptest::collection::vec(prop_oneof![Just(0i64), 1i64..5, 5i64..40], 31)
        ) {
            let keys = metric_keys();
            let counts: BTreeMap<String, i64> =
                keys.iter().cloned().zip(values.iter().copied()).collect();
            let hidden = suppressed(&counts);
            let value = |k: &str| counts.get(k).copied().unwrap_or(0);
            for (k, n) in &counts {
                if !k.starts_with("sessions_") && small(*n) {
                    prop_assert!(hidden.contains(k), "{k}={n} shown");
                }
            }
            if value("stipend_months") < MIN_PEOPLE || hidden.contains("stipend_months") {
                prop_assert!(value("sessions_held") == 0 || hidden.contains("sessions_held"));
            }
            for g in groups() {
                let in_group: Vec<&String> = g.iter().filter(|k| hidden.contains(*k)).collect();
                prop_assert!(in_group.len() != 1, "one hidden in {g:?} is the others' difference");
                if !hidden.contains(&g[0]) {
                    let sum: i64 = in_group.iter().map(|k| value(k)).sum();
                    prop_assert!(!small(sum), "hidden parts of {g:?} add to {sum}");
                }
            }
        }
    }
}
