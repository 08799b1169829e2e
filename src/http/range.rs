//! The HTTP `Range` header, single range only (download managers resume with one range):
//! the one parser of the service, used by the single-file and zip downloads. What it finds is
//! handed to the download service as a plain [`ByteRange`].

use regards_order_actors::ports::ByteRange;

/// What to answer for a `Range` header against a body of `length` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// No usable range: the whole body (200). Several ranges or bad syntax land here too, as
    /// RFC 9110 lets a server ignore them.
    Full,
    /// Bytes `start..=end` (206).
    Partial { start: u64, end: u64 },
    /// Nothing of the body is in the range (416).
    Unsatisfiable,
}

impl RangeAnswer {
    /// The bytes to serve: `None` for the whole body (and for an unsatisfiable range, which
    /// serves nothing and is answered before any byte is read).
    pub fn requested(self) -> Option<ByteRange> {
        match self {
            RangeAnswer::Partial { start, end } => Some(ByteRange {
                start,
                end: Some(end),
            }),
            RangeAnswer::Full | RangeAnswer::Unsatisfiable => None,
        }
    }
}

/// Interprets `header` (e.g. `bytes=100-199`, `bytes=100-`, `bytes=-50`) for `length` bytes.
pub fn answer(header: Option<&str>, length: u64) -> RangeAnswer {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAnswer::Full;
    };
    // An empty body has no byte to range over: it is simply sent.
    if length == 0 {
        return RangeAnswer::Full;
    }
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    let parsed = match (first.is_empty(), last.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match last.parse::<u64>() {
            Ok(0) => return RangeAnswer::Unsatisfiable,
            Ok(n) => Some((length.saturating_sub(n), length - 1)),
            Err(_) => None,
        },
        (false, true) => first
            .parse::<u64>()
            .ok()
            .map(|s| (s, length.saturating_sub(1))),
        (false, false) => match (first.parse::<u64>(), last.parse::<u64>()) {
            (Ok(s), Ok(e)) if e >= s => Some((s, e.min(length.saturating_sub(1)))),
            _ => None,
        },
        (true, true) => None,
    };
    match parsed {
        None => RangeAnswer::Full,
        Some((start, _)) if start >= length => RangeAnswer::Unsatisfiable,
        Some((start, end)) => RangeAnswer::Partial { start, end },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_are_served() {
        assert_eq!(
            answer(Some("bytes=0-9"), 100),
            RangeAnswer::Partial { start: 0, end: 9 }
        );
        assert_eq!(
            answer(Some("bytes=90-"), 100),
            RangeAnswer::Partial { start: 90, end: 99 }
        );
        assert_eq!(
            answer(Some("bytes=-10"), 100),
            RangeAnswer::Partial { start: 90, end: 99 }
        );
        assert_eq!(
            answer(Some("bytes=50-500"), 100),
            RangeAnswer::Partial { start: 50, end: 99 }
        );
        assert_eq!(
            answer(Some("bytes=-500"), 100),
            RangeAnswer::Partial { start: 0, end: 99 }
        );
    }

    #[test]
    fn out_of_range_is_416_and_nonsense_is_ignored() {
        assert_eq!(answer(Some("bytes=100-"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer(Some("bytes=-0"), 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer(None, 100), RangeAnswer::Full);
        assert_eq!(answer(Some("bytes=0-1,5-6"), 100), RangeAnswer::Full);
        assert_eq!(answer(Some("items=0-1"), 100), RangeAnswer::Full);
        assert_eq!(answer(Some("bytes=9-1"), 100), RangeAnswer::Full);
        assert_eq!(answer(Some("bytes=a-b"), 100), RangeAnswer::Full);
    }

    #[test]
    fn a_partial_answer_is_an_inclusive_byte_range() {
        let range = answer(Some("bytes=10-19"), 100).requested();
        assert_eq!(
            range,
            Some(ByteRange {
                start: 10,
                end: Some(19)
            })
        );
        assert_eq!(answer(None, 100).requested(), None);
    }
}
