//! SQL text that does not depend on the backend: columns, filters and sorts, batch sizes.

pub mod batches;
pub mod columns;
pub mod file_filter;
pub mod file_summary;
pub mod order_filter;
