//! Downloads: single files, streamed zips and metalinks.

pub mod completion;
pub mod exact;
pub mod metalink;
pub mod order_metalink;
pub mod order_zip;
pub mod range;
pub mod single;
pub mod zip;
