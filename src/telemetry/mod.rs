//! Logs (text or JSON, with a request id on every request) and Prometheus metrics.

mod logs;
mod metrics;
mod request_id;

pub use logs::init_logs;
pub use metrics::Metrics;
pub use request_id::observe;
