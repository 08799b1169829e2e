//! `file:checksum` multihashes: decoding never panics, and what decodes is the digest the
//! input ends with, of the length its algorithm has.

#![no_main]

use libfuzzer_sys::fuzz_target;
use regards_order::fuzzing::multihash;

fn digest_length(algorithm: &str) -> usize {
    match algorithm {
        "MD5" => 16,
        "SHA-1" => 20,
        "SHA-256" => 32,
        "SHA-512" => 64,
        other => panic!("unknown checksum algorithm {other}"),
    }
}

/// Checks a decoded `hex`: a lower-case digest that ends the input, after a short prefix.
fn check(hex: &str) {
    let Ok(checksum) = multihash(hex) else {
        return;
    };
    let digest = &checksum.value;
    assert_eq!(digest.len(), 2 * digest_length(&checksum.algorithm), "{hex}");
    assert!(digest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')), "{digest}");
    assert!(hex.to_ascii_lowercase().ends_with(digest.as_str()), "{hex} → {digest}");
    // Two varints of at most 9 bytes each precede the digest.
    assert!(hex.len() - digest.len() <= 36, "{hex}");
}

fuzz_target!(|data: &[u8]| {
    // The raw text, as a STAC document may hold anything, and the bytes as hex, to reach
    // the varints and digest lengths.
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
    check(&hex);
});
