//! Creation rules: labels and expiration.

use chrono::{DateTime, Duration, Utc};

/// Longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 50;

/// Why a label is refused (422 with this code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error("TOO_MANY_CHARACTERS_IN_LABEL")]
    TooManyCharacters,
    #[error("LABEL_NOT_UNIQUE_FOR_OWNER")]
    NotUniqueForOwner,
}

/// The label of a new order: the given one (at most 50 characters) or, when absent or
/// blank, `Order of yyyy/MM/dd at HH:mm:ss`.
pub fn order_label(given: Option<&str>, now: DateTime<Utc>) -> Result<String, LabelError> {
    match given.map(str::trim).filter(|l| !l.is_empty()) {
        Some(label) if label.chars().count() > MAX_LABEL_CHARS => {
            Err(LabelError::TooManyCharacters)
        }
        Some(label) => Ok(label.to_owned()),
        None => Ok(now.format("Order of %Y/%m/%d at %H:%M:%S").to_string()),
    }
}

/// Expiration date: now + H, H = the sub-order duration when no file needs a storage,
/// else (storage sub-orders + 2) × duration; capped at `max`.
pub fn expiration_date(
    now: DateTime<Utc>,
    storage_suborders: usize,
    suborder_duration: Duration,
    max: Duration,
) -> DateTime<Utc> {
    let lifetime = if storage_suborders == 0 {
        suborder_duration
    } else {
        let n = i32::try_from(storage_suborders.saturating_add(2)).unwrap_or(i32::MAX);
        suborder_duration.checked_mul(n).unwrap_or(max)
    };
    now + lifetime.min(max)
}

/// A number of hours (fractions allowed) as a duration.
pub fn hours(value: f64) -> Duration {
    // Milliseconds keep sub-second precision for short test durations.
    Duration::milliseconds((value * 3_600_000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        match Utc.with_ymd_and_hms(2025, 1, 23, 14, 42, 27) {
            chrono::LocalResult::Single(d) => d,
            _ => panic!("valid date"),
        }
    }

    #[test]
    fn labels_are_checked_or_generated() {
        assert_eq!(order_label(Some("order1"), now()), Ok("order1".into()));
        let long = "this-label-has-too-many-characters-if-we-append(51)";
        assert_eq!(long.chars().count(), 51);
        assert_eq!(
            order_label(Some(long), now()),
            Err(LabelError::TooManyCharacters)
        );
        assert_eq!(
            order_label(None, now()),
            Ok("Order of 2025/01/23 at 14:42:27".into())
        );
        assert_eq!(
            order_label(Some("  "), now()),
            Ok("Order of 2025/01/23 at 14:42:27".into())
        );
        assert!(order_label(Some(&"é".repeat(50)), now()).is_ok());
    }

    #[test]
    fn expiration_follows_the_formula_and_the_cap() {
        let h = Duration::hours;
        assert_eq!(expiration_date(now(), 0, h(2), h(168)), now() + h(2));
        assert_eq!(expiration_date(now(), 1, h(2), h(168)), now() + h(6));
        assert_eq!(expiration_date(now(), 3, h(24), h(168)), now() + h(120));
        assert_eq!(expiration_date(now(), 1, h(240), h(168)), now() + h(168));
        assert_eq!(hours(0.5), Duration::minutes(30));
    }
}
