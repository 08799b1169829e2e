//! Logs (text or JSON, with a request id on every request, secrets masked) and Prometheus
//! metrics.

mod logs;
mod metrics;
mod redact;
mod request_id;
mod span;

pub use logs::init_logs;
pub use metrics::Metrics;
pub use redact::redact;
pub use request_id::observe;
pub use span::RedactedRootSpan;
