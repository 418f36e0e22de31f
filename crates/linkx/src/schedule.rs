//! When to check a source next: adaptive to its publishing rhythm and HTTP cache headers,
//! backing off exponentially on errors, never dropping it. Pure functions of their input.

use crate::fetch::CacheHints;

pub const MAX_INTERVAL: i64 = 24 * 3600;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub min_interval: i64,
    pub default_interval: i64,
    /// How long a worker holds a source it claimed for polling (`poll.lease`).
    pub lease: i64,
}

/// Seconds until the next check after a successful poll.
///
/// `publication_times` are the source's recent items (any order). Polling twice per average gap
/// between items catches most items soon after they appear without hammering quiet feeds.
pub fn interval_after_success(
    policy: Policy,
    configured: Option<i64>,
    publication_times: &[i64],
    hints: CacheHints,
) -> i64 {
    let adaptive = configured.unwrap_or_else(|| {
        let mut times: Vec<i64> = publication_times.to_vec();
        times.sort_unstable();
        times.dedup();
        match (times.first(), times.last()) {
            (Some(first), Some(last)) if times.len() >= 3 && last > first => {
                let mean_gap = (last - first) / (times.len() as i64 - 1);
                mean_gap / 2
            }
            _ => policy.default_interval,
        }
    });
    let floor = hints.max_age.unwrap_or(0).min(MAX_INTERVAL);
    adaptive
        .max(floor)
        .clamp(policy.min_interval, MAX_INTERVAL.max(policy.min_interval))
}

/// Seconds until the next try after `consecutive_errors` failures in a row (1 = the first):
/// doubling from the normal interval, at most a day, never sooner than the server's Retry-After.
pub fn interval_after_error(
    policy: Policy,
    configured: Option<i64>,
    consecutive_errors: i64,
    hints: CacheHints,
) -> i64 {
    let base = configured
        .unwrap_or(policy.default_interval)
        .max(policy.min_interval);
    let exponent = u32::try_from(consecutive_errors.clamp(1, 16) - 1).unwrap_or(0);
    let backoff = base.saturating_mul(1_i64 << exponent).min(MAX_INTERVAL);
    backoff.max(hints.retry_after.unwrap_or(0).min(7 * MAX_INTERVAL))
}

/// ±10 % jitter so sources added together do not stay in lockstep; deterministic in its inputs.
pub fn with_jitter(interval: i64, source_id: i64, now: i64) -> i64 {
    let mut x = (source_id as u64) ^ (now as u64).rotate_left(29) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    let spread = interval / 10;
    if spread == 0 {
        return interval;
    }
    let offset = (x % (2 * spread as u64 + 1)) as i64 - spread;
    interval + offset
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Policy = Policy {
        min_interval: 300,
        default_interval: 1800,
        lease: 600,
    };

    #[test]
    fn busy_feeds_are_polled_often_quiet_ones_rarely() {
        let busy: Vec<i64> = (0..20).map(|i| i * 600).collect();
        assert_eq!(
            interval_after_success(P, None, &busy, CacheHints::default()),
            300
        );
        let quiet: Vec<i64> = (0..5).map(|i| i * 3 * 86_400).collect();
        assert_eq!(
            interval_after_success(P, None, &quiet, CacheHints::default()),
            MAX_INTERVAL
        );
        assert_eq!(
            interval_after_success(P, None, &[], CacheHints::default()),
            1800
        );
    }

    #[test]
    fn cache_max_age_delays_but_never_past_a_day() {
        let hints = CacheHints {
            max_age: Some(7200),
            retry_after: None,
        };
        assert_eq!(interval_after_success(P, None, &[], hints), 7200);
        let hints = CacheHints {
            max_age: Some(10 * 86_400),
            retry_after: None,
        };
        assert_eq!(interval_after_success(P, None, &[], hints), MAX_INTERVAL);
    }

    #[test]
    fn errors_back_off_exponentially_and_honour_retry_after() {
        let none = CacheHints::default();
        assert_eq!(interval_after_error(P, None, 1, none), 1800);
        assert_eq!(interval_after_error(P, None, 3, none), 7200);
        assert_eq!(interval_after_error(P, None, 40, none), MAX_INTERVAL);
        let retry = CacheHints {
            max_age: None,
            retry_after: Some(20_000),
        };
        assert_eq!(interval_after_error(P, None, 1, retry), 20_000);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for id in 0..200 {
            let j = with_jitter(1000, id, 1_700_000_000);
            assert!((900..=1100).contains(&j), "{j}");
        }
    }
}
