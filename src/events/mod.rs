//! Order events after the outbox: the feed that follows it and fans it out to live streams,
//! the runner that drives each durable channel (webhooks, e-mail, AMQP) from its cursor, and
//! the pruning of old events. Nothing here uses actix-web: the routes use `app::events`.

pub mod backlog;
pub mod channel;
pub mod feed;
pub mod prune;
pub mod webhooks;

pub use backlog::EventBacklog;
pub use channel::{ChannelHealth, ChannelLags, Delivery, EventChannel, run_channel};
pub use feed::EventFeed;
pub use feed::WeakEventFeed;
pub use prune::run_pruning;
pub use webhooks::WebhookDelivery;
