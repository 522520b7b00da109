//! When to try a failed job again: exponential backoff with jitter, as a pure function.

use std::time::Duration;

/// The delay before retrying after failed attempt number `attempt` (1 for the first failure):
/// `base · 2^(attempt−1)`, capped at `max`, then spread by ±25 % with `jitter` ∈ [0, 1) so that jobs
/// failing together do not retry together; never above `max`.
pub fn retry_delay(attempt: i32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).clamp(0, 30) as u32;
    let raw = base.saturating_mul(2u32.saturating_pow(exponent)).min(max);
    let factor = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
    raw.mul_f64(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn delay_stays_within_the_jitter_band_and_the_cap(
            attempt in 1i32..100,
            base_ms in 1u64..60_000,
            max_s in 1u64..86_400,
            jitter in 0.0f64..1.0,
        ) {
            let (base, max) = (Duration::from_millis(base_ms), Duration::from_secs(max_s));
            let d = retry_delay(attempt, base, max, jitter);
            prop_assert!(d <= max);
            let raw = base.saturating_mul(2u32.saturating_pow((attempt - 1).min(30) as u32)).min(max);
            prop_assert!(d >= raw.mul_f64(0.75) - Duration::from_nanos(1));
            prop_assert!(d <= raw.mul_f64(1.25) + Duration::from_nanos(1));
        }

        #[test]
        fn delay_never_shrinks_as_attempts_grow(
            attempt in 1i32..60,
            base_ms in 1u64..10_000,
            jitter in 0.0f64..1.0,
        ) {
            let (base, max) = (Duration::from_millis(base_ms), Duration::from_secs(3600));
            prop_assert!(retry_delay(attempt + 1, base, max, jitter) >= retry_delay(attempt, base, max, jitter));
        }
    }

    #[test]
    fn doubles_per_attempt() {
        let base = Duration::from_secs(5);
        let max = Duration::from_secs(3600);
        assert_eq!(retry_delay(1, base, max, 0.5), Duration::from_secs(5));
        assert_eq!(retry_delay(2, base, max, 0.5), Duration::from_secs(10));
        assert_eq!(retry_delay(4, base, max, 0.5), Duration::from_secs(40));
        assert_eq!(retry_delay(30, base, max, 0.5), max);
        assert_eq!(retry_delay(0, base, max, 0.5), Duration::from_secs(5));
    }
}
