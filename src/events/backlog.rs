//! What operators see of the events: the outbox's newest id, the live streams, and each
//! durable channel's position behind it with the health of its other side.

use super::channel::ChannelHealth;
use super::feed::EventFeed;
use serde::Serialize;

/// The events' backlog, for `/admin/actors` and `/metrics`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventBacklog {
    /// The newest event id the feed has read from the outbox.
    pub head: i64,
    /// Live event streams (SSE) open now.
    pub live_streams: usize,
    pub channels: Vec<ChannelBacklog>,
}

/// One durable channel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelBacklog {
    pub name: String,
    /// The last event id the channel is done with.
    pub delivered_up_to: i64,
    /// Event ids between that and the head: what the channel still has to deliver (ids
    /// rolled back leave gaps, so this is an upper bound).
    pub behind: i64,
    #[serde(flatten)]
    pub health: ChannelHealth,
}

impl EventBacklog {
    /// The backlog as it stands.
    pub fn of(feed: &EventFeed) -> Self {
        let head = feed.head();
        let channels = feed
            .lags()
            .cursors()
            .into_iter()
            .map(|(name, cursor)| ChannelBacklog {
                health: feed.lags().health(&name),
                behind: (head - cursor).max(0),
                delivered_up_to: cursor,
                name,
            })
            .collect();
        EventBacklog {
            head,
            // The feed's own subscription is none: every receiver is a stream.
            live_streams: feed.live_readers(),
            channels,
        }
    }

    /// The Prometheus lines of the backlog.
    pub fn metrics(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        out.push_str(
            "# HELP regards_order_events_head Newest order event id read from the outbox.\n\
             # TYPE regards_order_events_head gauge\n",
        );
        let _ = writeln!(out, "regards_order_events_head {}", self.head);
        out.push_str(
            "# HELP regards_order_event_streams Live event streams (SSE) open.\n\
             # TYPE regards_order_event_streams gauge\n",
        );
        let _ = writeln!(out, "regards_order_event_streams {}", self.live_streams);
        out.push_str(
            "# HELP regards_order_event_channel_behind Event ids a channel has still to deliver.\n\
             # TYPE regards_order_event_channel_behind gauge\n",
        );
        for channel in &self.channels {
            let _ = writeln!(
                out,
                "regards_order_event_channel_behind{{channel=\"{}\"}} {}",
                escape(&channel.name),
                channel.behind
            );
        }
        out.push_str(
            "# HELP regards_order_event_channel_failing Deliveries of a channel failing now.\n\
             # TYPE regards_order_event_channel_failing gauge\n",
        );
        for channel in &self.channels {
            let _ = writeln!(
                out,
                "regards_order_event_channel_failing{{channel=\"{}\"}} {}",
                escape(&channel.name),
                channel.health.failing
            );
        }
        let connected: Vec<_> = self
            .channels
            .iter()
            .filter_map(|c| c.health.connected.map(|up| (&c.name, up)))
            .collect();
        if !connected.is_empty() {
            out.push_str(
                "# HELP regards_order_event_channel_connected 1 when a channel reaches its other side.\n\
                 # TYPE regards_order_event_channel_connected gauge\n",
            );
            for (name, up) in connected {
                let _ = writeln!(
                    out,
                    "regards_order_event_channel_connected{{channel=\"{}\"}} {}",
                    escape(name),
                    u8::from(up)
                );
            }
        }
        out
    }
}

/// A label value as the exposition format wants it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
