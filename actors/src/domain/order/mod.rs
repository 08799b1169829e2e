//! Orders: statuses, the aggregate and its lifecycle, creation rules, sub-order splitting.

pub mod aggregate;
pub mod model;
pub mod refusal;
pub mod rules;
pub mod split;
pub mod status;

pub use aggregate::{Order, SubOrderProgress, may_manage};
pub use model::{DatasetTask, FileSlot, OrderFile, OrderHeader, OrderKind, SubOrder};
pub use refusal::Refusal;
pub use rules::{LabelError, expiration_date, hours, order_label};
pub use split::{Bucket, SplitLimits, Splitter};
pub use status::{FileState, OrderStatus};
