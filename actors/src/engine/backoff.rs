//! Capped exponential backoff: the pause before the next attempt doubles with each failure in
//! a row, up to a cap.

use std::time::Duration;

/// Failures in a row and the pause before the next attempt.
#[derive(Debug, Clone)]
pub struct Backoff {
    failures: u32,
    first: Duration,
    cap: Duration,
}

impl Backoff {
    /// Pauses of `first`, doubling per failure, at most `cap`.
    pub const fn new(first: Duration, cap: Duration) -> Self {
        Self {
            failures: 0,
            first,
            cap,
        }
    }

    /// One more failure in a row.
    pub fn failed(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }

    /// A success: the next failure starts from the first pause again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Failures in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Pause before the next attempt: `first` after one failure, doubling, at most `cap`.
    pub fn delay(&self) -> Duration {
        let doublings = self.failures.saturating_sub(1).min(16);
        self.first.saturating_mul(1 << doublings).min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_first_to_cap() {
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(5));
        let mut delays = Vec::new();
        for _ in 0..10 {
            backoff.failed();
            delays.push(backoff.delay().as_millis());
        }
        assert_eq!(
            delays,
            [50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]
        );
        backoff.reset();
        backoff.failed();
        assert_eq!(backoff.delay(), Duration::from_millis(50));
    }
}
