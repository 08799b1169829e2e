//! Decoding of the STAC `file:checksum` field: a hex-encoded multihash
//! (`<code varint><length varint><digest>`).

use regards_order_actors::domain::Checksum;

/// The hash functions the catalogue knows: multihash code, REGARDS name, digest length.
const ALGORITHMS: [(u64, &str, usize); 4] = [
    (0xd5, "MD5", 16),
    (0x11, "SHA-1", 20),
    (0x12, "SHA-256", 32),
    (0x13, "SHA-512", 64),
];

/// Decodes a hex multihash into an algorithm name and a lower-case hex digest; the error
/// says what is wrong with it.
pub(crate) fn parse(hex: &str) -> Result<Checksum, String> {
    let bytes = decode_hex(hex)?;
    let (code, rest) = read_varint(&bytes).ok_or("the hash code is truncated")?;
    let (length, digest) = read_varint(rest).ok_or("the digest length is truncated")?;
    let &(_, algorithm, expected) =
        ALGORITHMS
            .iter()
            .find(|(c, _, _)| *c == code)
            .ok_or_else(|| {
                format!(
                    "unsupported multihash code 0x{code:x} (MD5, SHA-1, SHA-256 and SHA-512 are)"
                )
            })?;
    if length != expected as u64 {
        return Err(format!(
            "declares a {length}-byte digest but {algorithm} digests have {expected} bytes"
        ));
    }
    if digest.len() != expected {
        return Err(format!(
            "declares a {expected}-byte digest but holds {} bytes",
            digest.len()
        ));
    }
    Ok(Checksum {
        algorithm: algorithm.to_owned(),
        value: digest.iter().map(|b| format!("{b:02x}")).collect(),
    })
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) {
        return Err("odd number of hex digits".to_owned());
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |c: u8| (c as char).to_digit(16);
            match (digit(pair[0]), digit(pair[1])) {
                (Some(hi), Some(lo)) => Ok((hi * 16 + lo) as u8),
                _ => Err("not hexadecimal".to_owned()),
            }
        })
        .collect()
}

/// Reads an unsigned LEB128 varint (at most 9 bytes, as multiformats allows).
fn read_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(9) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5: &str = "9e107d9d372bb6826bd81d3542a419d6";
    const SHA256: &str = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592";

    #[test]
    fn md5_uses_a_two_byte_code() {
        let c = parse(&format!("d50110{MD5}")).unwrap();
        assert_eq!(c.algorithm, "MD5");
        assert_eq!(c.value, MD5);
    }

    #[test]
    fn sha256_upper_case_hex_is_lowered() {
        let c = parse(&format!("1220{}", SHA256.to_uppercase())).unwrap();
        assert_eq!(c.algorithm, "SHA-256");
        assert_eq!(c.value, SHA256);
    }

    #[test]
    fn sha1_and_sha512_are_known() {
        assert_eq!(
            parse(&format!("1114{}", "ab".repeat(20)))
                .unwrap()
                .algorithm,
            "SHA-1"
        );
        assert_eq!(
            parse(&format!("1340{}", "cd".repeat(64)))
                .unwrap()
                .algorithm,
            "SHA-512"
        );
    }

    #[test]
    fn malformed_multihashes_are_explained() {
        assert!(parse("d5011").unwrap_err().contains("odd"));
        assert!(parse("zz").unwrap_err().contains("hexadecimal"));
        assert!(parse("d5").unwrap_err().contains("truncated"));
        assert!(parse(&format!("1220{MD5}")).unwrap_err().contains("32"));
        assert!(
            parse(&format!("d50120{SHA256}"))
                .unwrap_err()
                .contains("MD5")
        );
        assert!(
            parse(&format!("1e20{SHA256}"))
                .unwrap_err()
                .contains("0x1e")
        );
        assert!(parse("").unwrap_err().contains("truncated"));
    }
}
