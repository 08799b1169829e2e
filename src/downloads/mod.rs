//! Downloads: single files, streamed zips and metalinks, and the limits every stream is
//! held to.

pub mod completion;
pub mod coverage;
pub mod exact;
pub mod guard;
pub mod limits;
pub mod metalink;
pub mod order_metalink;
pub mod order_plan;
pub mod order_zip;
pub mod range;
pub mod single;
pub mod spill;
pub mod zip;
