//! When to renew and when to retry: pure arithmetic on times the caller passes in.

use std::time::{Duration, SystemTime};

/// Renew this long before expiry (Let's Encrypt's 90-day certificates: 60 days in)...
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);

/// ...or, for a certificate living less than 90 days, once two thirds of its life are over.
pub fn renewal_time(not_before: SystemTime, not_after: SystemTime) -> SystemTime {
    let lifetime = not_after
        .duration_since(not_before)
        .unwrap_or(Duration::ZERO);
    not_after - RENEW_BEFORE.min(lifetime / 3)
}

/// The wait after the `failures`-th failure in a row: `min` doubled per failure, capped at
/// `max`, then stretched by up to half again by `jitter` (in `[0, 1)`), so that many failing
/// domains do not retry in step, and never sooner than the nominal delay (Let's Encrypt
/// allows 5 failed validations per name per hour).
pub fn retry_delay(failures: u32, min: Duration, max: Duration, jitter: f64) -> Duration {
    let doublings = failures.saturating_sub(1).min(31);
    let nominal = min.saturating_mul(1 << doublings).min(max);
    nominal + nominal.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn at(days: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + DAY * u32::try_from(days).expect("days")
    }

    #[test]
    fn renewal_is_thirty_days_before_expiry_or_at_two_thirds_of_a_short_life() {
        // (lifetime in seconds, renew after this many seconds). Traefik's own table
        // (pkg/provider/acme/provider.go getCertificateRenewDurations) renews 90-day
        // certificates 30 days early too; for shorter ones it uses steps (2 days for >= 6
        // days, 6 hours for >= 1 day, 20 minutes below), where we use a third of the life.
        let cases = [
            (90 * 86_400, 60 * 86_400), // Let's Encrypt's classic certificate
            (365 * 86_400, 335 * 86_400),
            (6 * 86_400, 4 * 86_400), // Let's Encrypt's short-lived profile
            (86_400, 57_600),
            (3_600, 2_400), // pebble with certificateValidityPeriod = 3600
            (15, 10),
        ];
        for (lifetime, renew_after) in cases {
            let not_before = at(1000);
            let not_after = not_before + Duration::from_secs(lifetime);
            assert_eq!(
                renewal_time(not_before, not_after),
                not_before + Duration::from_secs(renew_after),
                "lifetime {lifetime} s"
            );
        }
    }

    #[test]
    fn an_inverted_validity_is_due_at_expiry() {
        assert_eq!(renewal_time(at(10), at(5)), at(5));
    }

    #[test]
    fn retries_double_up_to_the_cap_and_jitter_only_stretches() {
        let min = Duration::from_secs(120);
        let max = Duration::from_secs(3600);
        let nominal: Vec<u64> = (1..=7)
            .map(|failures| retry_delay(failures, min, max, 0.0).as_secs())
            .collect();
        assert_eq!(nominal, [120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_delay(1, min, max, 0.999).as_secs(), 179);
        assert_eq!(retry_delay(7, min, max, 1.0), Duration::from_secs(5400));
        assert_eq!(retry_delay(400, min, max, 0.5), Duration::from_secs(4500));
        assert_eq!(retry_delay(0, min, max, 0.0), min, "treated as the first");
    }
}
