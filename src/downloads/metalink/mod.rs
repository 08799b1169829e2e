//! Metalink 3.0 and 4 (RFC 5854) documents, streamed.
//!
//! The original service only wrote Metalink 3.0, without checksums and without the `type`
//! attribute on URLs (so aria2 ignored them). Here both versions are written, with checksums,
//! and as a stream of chunks so that an order of any size costs the same memory.

mod document;
mod negotiate;
mod v3;
mod v4;
mod xml;

#[cfg(test)]
mod aria2_tests;
#[cfg(test)]
mod tests;

pub use document::stream;
pub use negotiate::negotiate;

/// One file of a metalink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetalinkFile {
    /// File name: the `name` attribute (and the v3 `identity`). Only its last path component
    /// is written, so a download manager cannot be led to write outside its directory.
    pub name: String,
    /// Size in bytes, when known.
    pub size: Option<u64>,
    /// MIME type, when known (Metalink 3 only: Metalink 4 has no such element).
    pub mime_type: Option<String>,
    /// (algorithm as stored by the catalogue: "MD5", "SHA-256", "SHA-1", "SHA-512"; lower-case
    /// hex digest). An algorithm the metalink format cannot name, or a digest that is not hex
    /// of the algorithm's length, is left out rather than making downloads fail verification.
    pub checksum: Option<(String, String)>,
    /// Absolute http(s) URL of the file.
    pub url: String,
}

/// The Metalink format a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetalinkVersion {
    /// Metalink 3.0 (`http://www.metalinker.org/`), the original service's format.
    V3,
    /// Metalink 4 (RFC 5854, `urn:ietf:params:xml:ns:metalink`).
    V4,
}

impl MetalinkVersion {
    /// The `Content-Type` of a document of this version.
    pub fn content_type(self) -> &'static str {
        match self {
            MetalinkVersion::V3 => "application/metalink+xml",
            MetalinkVersion::V4 => "application/metalink4+xml",
        }
    }

    /// The file extension (without the dot) of a document of this version.
    pub fn extension(self) -> &'static str {
        match self {
            MetalinkVersion::V3 => "metalink",
            MetalinkVersion::V4 => "meta4",
        }
    }
}
