//! The pure pieces of downloads: zip archives laid out before their first byte, metalink
//! documents, the plan of an order's archive spilled to temporary files, and the stream
//! wrappers that check a body's length and tell how it ended. Who may download what, and what
//! a download changes, is the download service's (`app::downloads`).

pub mod completion;
pub mod exact;
pub mod metalink;
pub mod order_plan;
pub mod spill;
pub mod zip;
