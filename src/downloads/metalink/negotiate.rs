//! Choice of the Metalink version from the request's `Accept` header.

use super::MetalinkVersion;

/// The Metalink 4 media type (RFC 5854 §7).
const METALINK4: &str = "application/metalink4+xml";
/// The Metalink 3 media type.
const METALINK3: &str = "application/metalink+xml";

/// Picks the version from an Accept header value (V4 when it names application/metalink4+xml).
///
/// Metalink 3 stays the default because it is what clients of the original service expect:
/// wildcards (`*/*`, `application/*`) never select V4, nor does `q=0` (an explicit refusal).
/// When both types are named, the one with the higher quality wins; a tie goes to V4, the
/// better-specified format, since the client asked for it by name.
pub fn negotiate(accept: Option<&str>) -> MetalinkVersion {
    let Some(accept) = accept else {
        return MetalinkVersion::V3;
    };
    let mut q4: Option<f32> = None;
    let mut q3: Option<f32> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim();
        let q = quality(parts);
        // Several ranges may name the same type with parameters: keep the best quality.
        if media.eq_ignore_ascii_case(METALINK4) {
            q4 = Some(q4.map_or(q, |old| old.max(q)));
        } else if media.eq_ignore_ascii_case(METALINK3) {
            q3 = Some(q3.map_or(q, |old| old.max(q)));
        }
    }
    match q4 {
        Some(q4) if q4 > 0.0 && q4 >= q3.unwrap_or(0.0) => MetalinkVersion::V4,
        _ => MetalinkVersion::V3,
    }
}

/// The `q` parameter among a media range's parameters: 1 when absent, 0 when unreadable (a
/// malformed preference must not select a format the client may not understand).
fn quality<'a>(params: impl Iterator<Item = &'a str>) -> f32 {
    for param in params {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        if key.trim().eq_ignore_ascii_case("q") {
            return match value.trim().parse::<f32>() {
                Ok(q) if q.is_finite() => q.clamp(0.0, 1.0),
                _ => 0.0,
            };
        }
    }
    1.0
}
