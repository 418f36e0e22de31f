//! A per-address limit on comment posts per hour, in memory. It counts every attempt, accepted
//! or not, so a bot cannot probe the other rules without bound. Each web process keeps its own
//! counts; the stored flood control is the rule that holds across processes.

use std::collections::HashMap;
use std::sync::Mutex;

const WINDOW: i64 = 3600;
/// Past this many tracked addresses, expired windows are swept before adding another.
const SWEEP_AT: usize = 10_000;

pub struct RateLimiter {
    per_hour: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    /// `per_hour == 0` allows everything.
    pub fn new(per_hour: u32) -> RateLimiter {
        RateLimiter {
            per_hour,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt from `who` at `now`; false when it is over the limit.
    pub fn allow(&self, who: &str, now: i64) -> bool {
        if self.per_hour == 0 {
            return true;
        }
        let mut windows = match self.windows.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| now - *start < WINDOW);
        }
        let entry = windows.entry(who.to_string()).or_insert((now, 0));
        if now - entry.0 >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.per_hour
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;

    #[test]
    fn limit_resets_after_an_hour() {
        let limiter = RateLimiter::new(2);
        assert!(limiter.allow("a", 0));
        assert!(limiter.allow("a", 10));
        assert!(!limiter.allow("a", 20));
        assert!(limiter.allow("b", 20));
        assert!(limiter.allow("a", 3600));
        assert!(RateLimiter::new(0).allow("a", 0));
    }
}
