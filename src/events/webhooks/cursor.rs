//! How a callback's cursor moves: on past a delivered event, or after a failure either to a
//! retry later (the wait doubles from `webhooks.first_retry_secs`) or, after
//! `webhooks.max_attempts` attempts, on past the event, given up.

use chrono::{DateTime, TimeDelta, Utc};
use regards_order_actors::domain::webhook::WebhookCursor;
use std::time::Duration;

/// The longest wait between two attempts, whatever the doubling says.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);

/// When failed events are tried again, and how often.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_retry: Duration,
    pub max_attempts: u32,
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt (1 for the first).
    pub fn wait_after(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        self.first_retry
            .checked_mul(1u32 << doublings)
            .unwrap_or(LONGEST_WAIT)
            .min(LONGEST_WAIT)
    }
}

/// What a failure led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// The event is tried again at this time.
    RetryAt(DateTime<Utc>),
    /// The event is given up: the cursor moved past it.
    GivenUp,
}

/// The cursor past `event_id`, delivered (or not of the callback's types).
pub fn passed(cursor: &mut WebhookCursor, event_id: i64) {
    cursor.last_id = cursor.last_id.max(event_id);
    cursor.attempts = 0;
    cursor.next_attempt = None;
}

/// The cursor after a failed attempt of `event_id`.
pub fn failed(
    cursor: &mut WebhookCursor,
    event_id: i64,
    error: String,
    now: DateTime<Utc>,
    policy: &RetryPolicy,
) -> AfterFailure {
    cursor.attempts = cursor.attempts.saturating_add(1);
    cursor.last_error = Some(error);
    cursor.last_error_at = Some(now);
    if cursor.attempts >= policy.max_attempts.max(1) {
        passed(cursor, event_id);
        cursor.given_up += 1;
        return AfterFailure::GivenUp;
    }
    let wait = TimeDelta::from_std(policy.wait_after(cursor.attempts)).unwrap_or(TimeDelta::MAX);
    let at = now.checked_add_signed(wait).unwrap_or(now);
    cursor.next_attempt = Some(at);
    AfterFailure::RetryAt(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        first_retry: Duration::from_secs(30),
        max_attempts: 3,
    };

    #[test]
    fn waits_double_up_to_a_day() {
        assert_eq!(POLICY.wait_after(1), Duration::from_secs(30));
        assert_eq!(POLICY.wait_after(2), Duration::from_secs(60));
        assert_eq!(POLICY.wait_after(12), Duration::from_secs(30 * 2048));
        assert_eq!(POLICY.wait_after(40), LONGEST_WAIT);
    }

    #[test]
    fn an_event_is_given_up_after_the_last_attempt() {
        let now = Utc::now();
        let mut cursor = WebhookCursor {
            last_id: 4,
            ..Default::default()
        };
        let first = failed(&mut cursor, 7, "HTTP 500".into(), now, &POLICY);
        assert_eq!(first, AfterFailure::RetryAt(now + TimeDelta::seconds(30)));
        assert_eq!((cursor.last_id, cursor.attempts), (4, 1));
        assert!(cursor.failing());
        failed(&mut cursor, 7, "HTTP 500".into(), now, &POLICY);
        let last = failed(&mut cursor, 7, "timed out".into(), now, &POLICY);
        assert_eq!(last, AfterFailure::GivenUp);
        assert_eq!(
            (cursor.last_id, cursor.attempts, cursor.given_up),
            (7, 0, 1)
        );
        assert_eq!(cursor.last_error.as_deref(), Some("timed out"));
        assert!(!cursor.failing());
    }

    #[test]
    fn a_delivery_clears_the_attempts_and_keeps_the_last_error() {
        let mut cursor = WebhookCursor::default();
        failed(&mut cursor, 3, "HTTP 502".into(), Utc::now(), &POLICY);
        passed(&mut cursor, 3);
        assert_eq!((cursor.last_id, cursor.attempts), (3, 0));
        assert_eq!(cursor.next_attempt, None);
        assert_eq!(cursor.last_error.as_deref(), Some("HTTP 502"));
    }
}
