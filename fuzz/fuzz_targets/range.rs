//! `Range` headers of single-file and zip downloads: the input is the body length in decimal
//! on the first line and the header after it. A partial answer lies within the body, and only
//! a `bytes=` range on a non-empty body can be unsatisfiable.

#![no_main]

use libfuzzer_sys::fuzz_target;
use regards_order::fuzzing::{RangeAnswer, range_answer};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (first, header) = text.split_once('\n').unwrap_or(("", &text));
    let length = first.trim().parse::<u64>().unwrap_or(data.len() as u64);
    assert_eq!(range_answer(None, length), RangeAnswer::Full);
    match range_answer(Some(header), length) {
        RangeAnswer::Full => {}
        RangeAnswer::Partial { start, end } => {
            assert!(start <= end, "{header:?} → {start}-{end}");
            assert!(end < length, "{header:?} → {start}-{end} of {length}");
        }
        RangeAnswer::Unsatisfiable => {
            assert!(length > 0, "{header:?} unsatisfiable on an empty body");
            assert!(header.trim().starts_with("bytes="), "{header:?}");
        }
    }
});
