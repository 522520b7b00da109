//! Seeker-proposing deferred acceptance (Gale–Shapley) with capacities and single lottery
//! tie-breaking, and the explanation of every application's outcome. A pure function over plain
//! data: loading the snapshot and persisting the result are the round's business, not this
//! module's.
//!
//! Why this algorithm: the result is *stable* (no seeker is refused a place she wanted while
//! someone of lower priority holds it, and no place she wanted is left empty), it is the best
//! stable result for every seeker at once, and ranking openings honestly is each seeker's best
//! strategy — she never gains by leaving out or reordering what she really wants. That is why
//! school-choice systems such as New York's and Boston's adopted it.
//!
//! Why a *single* lottery: each opening ranks its applicants by tier, then fit score, and the
//! ties left must be broken for the priorities to be strict, which the properties above need.
//! One position per seeker, drawn once per round from the round's stored seed and used at every
//! opening, is simple to explain ("your number in this round was 412") and to audit (the round
//! replays from its seed). A separate draw per opening would make a seeker lucky at one opening
//! and unlucky at another, leaving trades that help both seekers undone; with New York's
//! school-match data a single draw gave more applicants their first choice.

use std::{cmp::Reverse, collections::BinaryHeap};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One application as the algorithm sees it. `opening` indexes `Market::capacities`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub opening: usize,
    /// Priority tier at this opening; 1 is the highest priority.
    pub tier: u32,
    /// Fit score at this opening; higher is better.
    pub fit: i32,
}

/// A seeker: her applications in her order of preference (most wanted first; no opening twice),
/// and her lottery position (0-based, lower is better; unique within a market).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seeker {
    pub lottery: u32,
    pub applications: Vec<Application>,
}

/// A round's input: the places each opening gives, and who applies where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Market {
    pub capacities: Vec<u32>,
    pub seekers: Vec<Seeker>,
}

/// Why an application ended as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Explanation {
    /// She is offered this place.
    Offered,
    /// She was offered a place she ranked higher, so this one was not considered for her.
    HigherChoiceOffered,
    /// The opening had no places to give this round.
    NoPlaces,
    /// All `places` went to applicants of a higher priority tier than hers.
    HigherTier { places: u32 },
    /// Same tier as the last admitted applicant, but a lower fit score (hers `fit`, the lowest
    /// admitted in her tier `cutoff_fit`).
    LowerFit {
        places: u32,
        fit: i32,
        cutoff_fit: i32,
    },
    /// Equal priority (same tier and fit as the last admitted applicant); lost on the lottery:
    /// her `position` (1-based) among the `of` applicants of that opening with exactly her tier
    /// and fit, when `admitted` of them got one of the `places`.
    Lottery {
        places: u32,
        position: u32,
        of: u32,
        admitted: u32,
    },
}

/// A round's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Per seeker (same order as `Market::seekers`): the opening she is offered, if any.
    pub assignment: Vec<Option<usize>>,
    /// Per seeker, per application (same order as her `applications`): the explanation.
    pub explanations: Vec<Vec<Explanation>>,
    /// Proposals made (for progress/metrics), counting those to openings without places.
    pub proposals: u64,
}

/// An opening's priority key for one applicant: tier ascending, then fit descending, then
/// lottery position ascending. Smaller is better; unique when lottery positions are.
pub type Priority = (u32, Reverse<i32>, u32);

/// The priority key of `application` for `seeker` at its opening: smaller is better.
pub fn priority(seeker: &Seeker, application: &Application) -> Priority {
    (application.tier, Reverse(application.fit), seeker.lottery)
}

/// Lottery positions 0..n in an order drawn from `seed`: a permutation, and position i is
/// seeker i's. A round stores only its seed, so the draw must replay identically on every
/// platform and release: the generator is named (ChaCha8; `StdRng` may change between `rand`
/// releases) and the Fisher–Yates shuffle is written here, drawing `u32` indices so that the
/// width of `usize` cannot matter. A test pins the draw for one seed; if it ever fails after a
/// dependency upgrade, stored rounds would no longer replay. `n` must fit in a `u32`.
pub fn lottery(seed: u64, n: usize) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut positions: Vec<u32> = (0..n).map(|i| i as u32).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i as u32) as usize;
        positions.swap(i, j);
    }
    positions
}

/// A proposal an opening holds for now. Ordered by priority key first, so the top of an
/// opening's max-heap is the worst applicant it holds — the one to evict when a better one
/// proposes. (Seeker and choice only break ties between equal keys, which unique lottery
/// positions rule out, and keep the order total and deterministic if they are not unique.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Held {
    key: Priority,
    seeker: usize,
    /// Index of the application in her list.
    choice: usize,
}

/// Seeker-proposing deferred acceptance. Deterministic: the same market gives the same outcome.
///
/// Every free seeker proposes to her most wanted opening not yet tried. An opening holds the best
/// proposals up to its capacity — tentatively, as "deferred" acceptances — and refuses the rest;
/// a refused or evicted seeker proposes to her next choice. When no one is free, what openings
/// hold is the result.
///
/// Cost: each seeker proposes at most once per application, and each proposal is one heap
/// operation at its opening, O(log capacity) — the held set of an opening is a max-heap on the
/// priority key so its worst applicant is found in O(1) and replaced in O(log capacity), where a
/// sorted list would cost O(capacity) per insertion. The order in which free seekers propose does
/// not change the result (it is the seeker-optimal stable matching whatever the order); a stack
/// is used so that a refused seeker proposes again at once, while her data is in cache.
///
/// Applications with an `opening` index out of range are treated like capacity 0 (`NoPlaces`),
/// never a panic.
pub fn deferred_acceptance(market: &Market) -> Outcome {
    let seekers = &market.seekers;
    let mut held: Vec<BinaryHeap<Held>> = market
        .capacities
        .iter()
        .map(|_| BinaryHeap::new())
        .collect();
    let mut next_choice = vec![0usize; seekers.len()];
    // Reversed so that seeker 0 proposes first: not needed for the result, but easier to follow.
    let mut free: Vec<usize> = (0..seekers.len()).rev().collect();
    let mut proposals = 0u64;

    while let Some(s) = free.pop() {
        let seeker = &seekers[s];
        // She proposes down her list until an opening holds her or her list runs out.
        while let Some(application) = seeker.applications.get(next_choice[s]) {
            let proposal = Held {
                key: priority(seeker, application),
                seeker: s,
                choice: next_choice[s],
            };
            next_choice[s] += 1;
            proposals += 1;
            let places = places(market, application.opening) as usize;
            let Some(holding) = held.get_mut(application.opening) else {
                continue; // no such opening: no places
            };
            if holding.len() < places {
                holding.push(proposal);
                break;
            }
            // Full (or no places at all): she displaces the worst held applicant if she is better.
            if let Some(mut worst) = holding.peek_mut()
                && proposal < *worst
            {
                // Replace the top; dropping `worst` sifts her down to her place: one
                // O(log capacity) step rather than a pop and a push.
                let evicted = std::mem::replace(&mut *worst, proposal);
                drop(worst);
                free.push(evicted.seeker);
                break;
            }
        }
    }

    let mut assignment = vec![None; seekers.len()];
    let mut offered_choice = vec![None; seekers.len()];
    for (opening, holding) in held.iter().enumerate() {
        for h in holding {
            assignment[h.seeker] = Some(opening);
            offered_choice[h.seeker] = Some(h.choice);
        }
    }

    let cutoffs = cutoffs(market, &held);
    let explanations = seekers
        .iter()
        .zip(&offered_choice)
        .map(|(seeker, &offered)| {
            seeker
                .applications
                .iter()
                .enumerate()
                .map(|(choice, application)| match offered {
                    Some(o) if o == choice => Explanation::Offered,
                    Some(o) if o < choice => Explanation::HigherChoiceOffered,
                    _ => explain_refusal(market, &cutoffs, seeker, application),
                })
                .collect()
        })
        .collect();

    Outcome {
        assignment,
        explanations,
        proposals,
    }
}

/// The places `opening` gives; none if there is no such opening.
fn places(market: &Market, opening: usize) -> u32 {
    market.capacities.get(opening).copied().unwrap_or(0)
}

/// What explains a refusal at a full opening: its worst admitted applicant at the end, and for a
/// lottery explanation, everyone who applied there with exactly the cutoff's tier and fit. (Only
/// that one tie class can be decided by the lottery: an applicant with a better tier or fit than
/// the cutoff's was admitted, one with a worse tier or fit lost on those.)
struct Cutoff {
    places: u32,
    key: Priority,
    /// Lottery positions of all applicants to the opening in the cutoff's tie class, sorted.
    class_lotteries: Vec<u32>,
    /// How many of them are admitted.
    class_admitted: u32,
}

/// The cutoff of every opening that ends full with at least one place; `None` for the others
/// (an opening with places to spare refused no one, so no refusal needs its cutoff).
fn cutoffs(market: &Market, held: &[BinaryHeap<Held>]) -> Vec<Option<Cutoff>> {
    let same_class = |a: &Priority, b: &Priority| a.0 == b.0 && a.1 == b.1;
    let mut cutoffs: Vec<Option<Cutoff>> = held
        .iter()
        .enumerate()
        .map(|(opening, holding)| {
            let places = places(market, opening);
            let worst = holding
                .peek()
                .filter(|_| holding.len() == places as usize)?;
            Some(Cutoff {
                places,
                key: worst.key,
                class_lotteries: Vec::new(),
                class_admitted: holding
                    .iter()
                    .filter(|h| same_class(&h.key, &worst.key))
                    .count() as u32,
            })
        })
        .collect();
    for seeker in &market.seekers {
        for application in &seeker.applications {
            if let Some(Some(cutoff)) = cutoffs.get_mut(application.opening)
                && same_class(&priority(seeker, application), &cutoff.key)
            {
                cutoff.class_lotteries.push(seeker.lottery);
            }
        }
    }
    for cutoff in cutoffs.iter_mut().flatten() {
        cutoff.class_lotteries.sort_unstable();
    }
    cutoffs
}

/// Why she holds no place at this opening though she has none she ranked higher: she proposed
/// there and was refused, so the opening ended full with everyone admitted ahead of her; say on
/// what she lost to the last one admitted.
fn explain_refusal(
    market: &Market,
    cutoffs: &[Option<Cutoff>],
    seeker: &Seeker,
    application: &Application,
) -> Explanation {
    if places(market, application.opening) == 0 {
        return Explanation::NoPlaces;
    }
    let Some(Some(cutoff)) = cutoffs.get(application.opening) else {
        // Unreachable for a well-formed market: deferred acceptance never refuses anyone at an
        // opening that ends with places to spare. Never panic over it.
        return Explanation::HigherChoiceOffered;
    };
    let places = cutoff.places;
    let (tier, Reverse(fit), lottery) = priority(seeker, application);
    let (cutoff_tier, Reverse(cutoff_fit), cutoff_lottery) = cutoff.key;
    if tier > cutoff_tier {
        Explanation::HigherTier { places }
    } else if tier == cutoff_tier && fit < cutoff_fit {
        Explanation::LowerFit {
            places,
            fit,
            cutoff_fit,
        }
    } else if tier == cutoff_tier && fit == cutoff_fit && lottery > cutoff_lottery {
        let ahead = cutoff.class_lotteries.partition_point(|&l| l < lottery);
        Explanation::Lottery {
            places,
            position: ahead as u32 + 1,
            of: cutoff.class_lotteries.len() as u32,
            admitted: cutoff.class_admitted,
        }
    } else {
        // Unreachable for a well-formed market: she would have been admitted ahead of the cutoff.
        Explanation::HigherChoiceOffered
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use proptest::{collection::vec, prelude::*};

    use super::*;

    /// Small markets where ties are frequent: 0..=`max_openings` openings with 0–3 places,
    /// 0..=`max_seekers` seekers, each applying to up to 4 distinct openings in random order with
    /// tier 1–3 and fit 0–3; lottery positions a random permutation.
    fn markets(max_openings: usize, max_seekers: usize) -> impl Strategy<Value = Market> {
        (0..=max_openings, 0..=max_seekers).prop_flat_map(|(openings, seekers)| {
            let applications = (
                Just((0..openings).collect::<Vec<usize>>()).prop_shuffle(),
                0..=openings.min(4),
                vec((1u32..=3, 0i32..=3), 4),
            )
                .prop_map(|(order, count, priorities)| {
                    order
                        .into_iter()
                        .take(count)
                        .zip(priorities)
                        .map(|(opening, (tier, fit))| Application { opening, tier, fit })
                        .collect::<Vec<_>>()
                });
            (
                vec(0u32..=3, openings),
                vec(applications, seekers),
                Just((0..seekers as u32).collect::<Vec<u32>>()).prop_shuffle(),
            )
                .prop_map(|(capacities, applications, lotteries)| Market {
                    capacities,
                    seekers: applications
                        .into_iter()
                        .zip(lotteries)
                        .map(|(applications, lottery)| Seeker {
                            lottery,
                            applications,
                        })
                        .collect(),
                })
        })
    }

    /// Where `seeker` ranks `opening` in her list (0 is her first choice); no place ranks last.
    fn rank(seeker: &Seeker, opening: Option<usize>) -> usize {
        opening
            .and_then(|o| seeker.applications.iter().position(|a| a.opening == o))
            .unwrap_or(usize::MAX)
    }

    /// Her priority key at `opening`, if she applied there.
    fn key_at(seeker: &Seeker, opening: usize) -> Option<Priority> {
        seeker
            .applications
            .iter()
            .find(|a| a.opening == opening)
            .map(|a| priority(seeker, a))
    }

    /// Capacities respected, and every place goes to someone who applied for it.
    fn feasible(market: &Market, assignment: &[Option<usize>]) -> bool {
        let mut used = vec![0u32; market.capacities.len()];
        for (seeker, opening) in market.seekers.iter().zip(assignment) {
            if let Some(o) = *opening {
                if key_at(seeker, o).is_none() || o >= used.len() {
                    return false;
                }
                used[o] += 1;
            }
        }
        used.iter().zip(&market.capacities).all(|(u, c)| u <= c)
    }

    /// A seeker and an opening she prefers to what she got, which has a free place or holds
    /// someone of lower priority than her.
    fn blocking_pair(market: &Market, assignment: &[Option<usize>]) -> Option<(usize, usize)> {
        for (s, seeker) in market.seekers.iter().enumerate() {
            let mine = rank(seeker, assignment[s]);
            for application in seeker.applications.iter().take(mine) {
                let o = application.opening;
                let holders: Vec<Priority> = market
                    .seekers
                    .iter()
                    .zip(assignment)
                    .filter(|(_, a)| **a == Some(o))
                    .map(|(t, _)| key_at(t, o).unwrap())
                    .collect();
                let her = priority(seeker, application);
                if holders.len() < market.capacities[o] as usize
                    || holders.iter().any(|&k| k >= her)
                {
                    return Some((s, o));
                }
            }
        }
        None
    }

    /// Every way to give each seeker one of the openings she applied to, or none.
    fn all_assignments(market: &Market) -> Vec<Vec<Option<usize>>> {
        let mut all = vec![vec![]];
        for seeker in &market.seekers {
            let options: Vec<Option<usize>> = std::iter::once(None)
                .chain(seeker.applications.iter().map(|a| Some(a.opening)))
                .collect();
            all = all
                .into_iter()
                .flat_map(|partial: Vec<Option<usize>>| {
                    options.iter().map(move |&o| {
                        let mut next = partial.clone();
                        next.push(o);
                        next
                    })
                })
                .collect();
        }
        all
    }

    /// Every ordered list of any subset of her applications (the empty list included).
    fn misreports(applications: &[Application]) -> Vec<Vec<Application>> {
        let mut all = vec![vec![]];
        let mut frontier: Vec<Vec<Application>> = vec![vec![]];
        for _ in 0..applications.len() {
            frontier = frontier
                .iter()
                .flat_map(|list| {
                    applications
                        .iter()
                        .filter(|a| !list.contains(a))
                        .map(|a| {
                            let mut longer = list.clone();
                            longer.push(*a);
                            longer
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            all.extend(frontier.iter().cloned());
        }
        all
    }

    /// The explanation the rules give, computed the slow and obvious way from the assignment.
    fn expected_explanation(
        market: &Market,
        assignment: &[Option<usize>],
        s: usize,
        choice: usize,
    ) -> Explanation {
        let seeker = &market.seekers[s];
        let application = seeker.applications[choice];
        let o = application.opening;
        let mine = rank(seeker, assignment[s]);
        if mine == choice {
            return Explanation::Offered;
        }
        if mine < choice {
            return Explanation::HigherChoiceOffered;
        }
        let places = market.capacities[o];
        if places == 0 {
            return Explanation::NoPlaces;
        }
        let admitted: Vec<Priority> = market
            .seekers
            .iter()
            .zip(assignment)
            .filter(|(_, a)| **a == Some(o))
            .map(|(t, _)| key_at(t, o).unwrap())
            .collect();
        assert_eq!(
            admitted.len(),
            places as usize,
            "refused at a non-full opening"
        );
        let cutoff = *admitted.iter().max().unwrap();
        let her = priority(seeker, &application);
        assert!(her > cutoff, "refused though ahead of the cutoff");
        if her.0 > cutoff.0 {
            return Explanation::HigherTier { places };
        }
        if her.1 != cutoff.1 {
            return Explanation::LowerFit {
                places,
                fit: application.fit,
                cutoff_fit: cutoff.1.0,
            };
        }
        let class: Vec<u32> = market
            .seekers
            .iter()
            .filter_map(|t| key_at(t, o))
            .filter(|k| k.0 == her.0 && k.1 == her.1)
            .map(|k| k.2)
            .collect();
        Explanation::Lottery {
            places,
            position: class.iter().filter(|&&l| l < her.2).count() as u32 + 1,
            of: class.len() as u32,
            admitted: admitted
                .iter()
                .filter(|k| k.0 == her.0 && k.1 == her.1)
                .count() as u32,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn capacities_hold_and_places_go_only_to_applicants(market in markets(6, 8)) {
            let outcome = deferred_acceptance(&market);
            prop_assert_eq!(outcome.assignment.len(), market.seekers.len());
            prop_assert!(feasible(&market, &outcome.assignment));
        }

        #[test]
        fn the_result_has_no_blocking_pair(market in markets(6, 8)) {
            let outcome = deferred_acceptance(&market);
            prop_assert_eq!(blocking_pair(&market, &outcome.assignment), None);
        }

        #[test]
        fn every_seeker_weakly_prefers_it_to_any_other_stable_assignment(market in markets(4, 5)) {
            let outcome = deferred_acceptance(&market);
            for other in all_assignments(&market) {
                if !feasible(&market, &other) || blocking_pair(&market, &other).is_some() {
                    continue;
                }
                for (s, seeker) in market.seekers.iter().enumerate() {
                    prop_assert!(
                        rank(seeker, outcome.assignment[s]) <= rank(seeker, other[s]),
                        "seeker {} prefers stable {:?} to {:?}", s, other, outcome.assignment
                    );
                }
            }
        }

        #[test]
        fn no_seeker_gains_by_misreporting_her_ranking(market in markets(3, 4)) {
            let truth = deferred_acceptance(&market);
            for (s, seeker) in market.seekers.iter().enumerate() {
                let honest = rank(seeker, truth.assignment[s]);
                for lie in misreports(&seeker.applications) {
                    let mut misreported = market.clone();
                    misreported.seekers[s].applications = lie.clone();
                    let got = deferred_acceptance(&misreported).assignment[s];
                    // Judged by her true preferences.
                    prop_assert!(
                        rank(seeker, got) >= honest,
                        "seeker {} does better reporting {:?}", s, lie
                    );
                }
            }
        }

        #[test]
        fn the_same_market_and_seed_give_the_same_outcome(
            market in markets(6, 8),
            seed in any::<u64>(),
            n in 0usize..200,
        ) {
            prop_assert_eq!(deferred_acceptance(&market), deferred_acceptance(&market.clone()));
            let positions = lottery(seed, n);
            prop_assert_eq!(&positions, &lottery(seed, n));
            let mut sorted = positions.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..n as u32).collect::<Vec<u32>>());
        }

        #[test]
        fn every_application_is_explained_by_the_rules(market in markets(6, 8)) {
            let outcome = deferred_acceptance(&market);
            prop_assert_eq!(outcome.explanations.len(), market.seekers.len());
            for (s, seeker) in market.seekers.iter().enumerate() {
                let explanations = &outcome.explanations[s];
                prop_assert_eq!(explanations.len(), seeker.applications.len());
                let offered: Vec<usize> = seeker
                    .applications
                    .iter()
                    .zip(explanations)
                    .filter(|(_, e)| **e == Explanation::Offered)
                    .map(|(a, _)| a.opening)
                    .collect();
                prop_assert_eq!(offered, outcome.assignment[s].into_iter().collect::<Vec<_>>());
                for (choice, explanation) in explanations.iter().enumerate() {
                    match *explanation {
                        Explanation::Lottery { places, position, of, admitted } => {
                            prop_assert!(1 <= admitted && admitted < position && position <= of);
                            prop_assert!(admitted <= places);
                        }
                        Explanation::LowerFit { fit, cutoff_fit, .. } => {
                            prop_assert!(fit < cutoff_fit);
                        }
                        Explanation::HigherTier { places } => prop_assert!(places > 0),
                        _ => {}
                    }
                    prop_assert_eq!(
                        *explanation,
                        expected_explanation(&market, &outcome.assignment, s, choice),
                        "seeker {} choice {}", s, choice
                    );
                }
            }
        }

        #[test]
        fn an_opening_out_of_range_is_an_opening_without_places(market in markets(6, 8)) {
            prop_assume!(!market.capacities.is_empty());
            let mut without_places = market.clone();
            *without_places.capacities.last_mut().unwrap() = 0;
            let mut out_of_range = market;
            out_of_range.capacities.pop();
            prop_assert_eq!(
                deferred_acceptance(&out_of_range),
                deferred_acceptance(&without_places)
            );
        }
    }

    fn seeker(lottery: u32, applications: &[(usize, u32, i32)]) -> Seeker {
        Seeker {
            lottery,
            applications: applications
                .iter()
                .map(|&(opening, tier, fit)| Application { opening, tier, fit })
                .collect(),
        }
    }

    #[test]
    fn equal_priority_goes_to_the_better_lottery_position() {
        let market = Market {
            capacities: vec![1],
            seekers: vec![seeker(1, &[(0, 1, 2)]), seeker(0, &[(0, 1, 2)])],
        };
        let outcome = deferred_acceptance(&market);
        assert_eq!(outcome.assignment, vec![None, Some(0)]);
        assert_eq!(
            outcome.explanations,
            vec![
                vec![Explanation::Lottery {
                    places: 1,
                    position: 2,
                    of: 2,
                    admitted: 1
                }],
                vec![Explanation::Offered],
            ]
        );
    }

    #[test]
    fn a_higher_tier_wins_whatever_her_fit_and_lottery() {
        let market = Market {
            capacities: vec![1],
            seekers: vec![seeker(0, &[(0, 2, 3)]), seeker(1, &[(0, 1, 0)])],
        };
        let outcome = deferred_acceptance(&market);
        assert_eq!(outcome.assignment, vec![None, Some(0)]);
        assert_eq!(
            outcome.explanations[0],
            vec![Explanation::HigherTier { places: 1 }]
        );
    }

    #[test]
    fn a_lower_fit_in_the_same_tier_loses_whatever_her_lottery() {
        let market = Market {
            capacities: vec![1],
            seekers: vec![seeker(0, &[(0, 2, 1)]), seeker(1, &[(0, 2, 3)])],
        };
        let outcome = deferred_acceptance(&market);
        assert_eq!(outcome.assignment, vec![None, Some(0)]);
        assert_eq!(
            outcome.explanations[0],
            vec![Explanation::LowerFit {
                places: 1,
                fit: 1,
                cutoff_fit: 3
            }]
        );
    }

    #[test]
    fn her_first_choice_makes_the_rest_moot() {
        let market = Market {
            capacities: vec![1, 1],
            seekers: vec![seeker(0, &[(0, 1, 1), (1, 1, 1)])],
        };
        let outcome = deferred_acceptance(&market);
        assert_eq!(outcome.assignment, vec![Some(0)]);
        assert_eq!(
            outcome.explanations[0],
            vec![Explanation::Offered, Explanation::HigherChoiceOffered]
        );
        assert_eq!(outcome.proposals, 1);
    }

    #[test]
    fn an_evicted_seeker_moves_down_her_list() {
        // The lottery-1 seeker is held at opening 0 until the lottery-0 seeker proposes there.
        let market = Market {
            capacities: vec![1, 1],
            seekers: vec![seeker(1, &[(0, 1, 1), (1, 1, 1)]), seeker(0, &[(0, 1, 1)])],
        };
        let outcome = deferred_acceptance(&market);
        assert_eq!(outcome.assignment, vec![Some(1), Some(0)]);
        assert_eq!(
            outcome.explanations[0],
            vec![
                Explanation::Lottery {
                    places: 1,
                    position: 2,
                    of: 2,
                    admitted: 1
                },
                Explanation::Offered
            ]
        );
        assert_eq!(outcome.proposals, 3);
    }

    #[test]
    fn the_lottery_position_counts_every_applicant_of_her_tier_and_fit() {
        // The lottery-0 seeker got her first choice elsewhere yet still counts ahead of her.
        let market = Market {
            capacities: vec![1, 1],
            seekers: vec![
                seeker(0, &[(1, 1, 1), (0, 2, 2)]),
                seeker(1, &[(0, 2, 2)]),
                seeker(2, &[(0, 2, 2)]),
                seeker(3, &[(0, 2, 1)]),
            ],
        };
        let outcome = deferred_acceptance(&market);
        assert_eq!(outcome.assignment, vec![Some(1), Some(0), None, None]);
        assert_eq!(
            outcome.explanations[2],
            vec![Explanation::Lottery {
                places: 1,
                position: 3,
                of: 3,
                admitted: 1
            }]
        );
        assert_eq!(
            outcome.explanations[3],
            vec![Explanation::LowerFit {
                places: 1,
                fit: 1,
                cutoff_fit: 2
            }]
        );
    }

    #[test]
    fn an_opening_without_places_or_unknown_says_so_and_does_not_panic() {
        let market = Market {
            capacities: vec![0, 1],
            seekers: vec![seeker(0, &[(0, 1, 1), (7, 1, 1), (1, 1, 1)])],
        };
        let outcome = deferred_acceptance(&market);
        assert_eq!(outcome.assignment, vec![Some(1)]);
        assert_eq!(
            outcome.explanations[0],
            vec![
                Explanation::NoPlaces,
                Explanation::NoPlaces,
                Explanation::Offered
            ]
        );
        assert_eq!(outcome.proposals, 3);
    }

    #[test]
    fn an_empty_market_gives_an_empty_outcome() {
        let outcome = deferred_acceptance(&Market {
            capacities: vec![],
            seekers: vec![],
        });
        assert_eq!(
            outcome,
            Outcome {
                assignment: vec![],
                explanations: vec![],
                proposals: 0
            }
        );
        assert_eq!(lottery(5, 0), Vec::<u32>::new());
    }

    #[test]
    fn different_seeds_draw_different_lotteries() {
        assert_ne!(lottery(1, 50), lottery(2, 50));
    }

    #[test]
    fn the_lottery_for_a_stored_seed_never_changes() {
        // Stored rounds replay from their seed: this draw must not change with platform or
        // dependency upgrades.
        assert_eq!(lottery(20261129, 12), GOLDEN);
    }
    const GOLDEN: [u32; 12] = [9, 0, 11, 3, 2, 1, 6, 8, 4, 5, 7, 10];

    #[test]
    fn explanations_serialise_tagged_by_outcome() {
        let lost = Explanation::Lottery {
            places: 1,
            position: 2,
            of: 2,
            admitted: 1,
        };
        assert_eq!(
            serde_json::to_value(lost).unwrap(),
            serde_json::json!({"outcome": "lottery", "places": 1, "position": 2, "of": 2, "admitted": 1})
        );
        assert_eq!(
            serde_json::to_value(Explanation::HigherChoiceOffered).unwrap(),
            serde_json::json!({"outcome": "higher_choice_offered"})
        );
        let back: Explanation =
            serde_json::from_value(serde_json::to_value(lost).unwrap()).unwrap();
        assert_eq!(back, lost);
    }
}
