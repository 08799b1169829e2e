//! A server-sent events client for the tests: reads frames off a streamed answer as a
//! browser's `EventSource` would (events with `id`/`event`/`data`, comment lines apart).

use bytes::Bytes;
use futures::{Stream, StreamExt};
use reqwest::RequestBuilder;
use serde_json::Value;
use std::pin::Pin;
use std::time::Duration;

/// One event of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub id: i64,
    pub kind: String,
    pub data: Value,
}

/// What a frame was.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Event(SseEvent),
    Comment(String),
}

/// An open stream.
pub struct SseClient {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    buffer: String,
}

impl SseClient {
    /// Sends `request`; answers the status, the content type and, on 200, the stream.
    pub async fn open(request: RequestBuilder) -> (u16, String, Option<Self>) {
        let response = request.send().await.expect("SSE request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if status != 200 {
            return (status, content_type, None);
        }
        let client = SseClient {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        };
        (status, content_type, Some(client))
    }

    /// The next frame, or None when the stream ended or nothing came within `within`.
    pub async fn next_frame(&mut self, within: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(&frame));
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??
                .ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event (comments skipped), or None as `next_frame`.
    pub async fn next_event(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await? {
                Frame::Event(event) => return Some(event),
                Frame::Comment(_) => {}
            }
        }
    }

    /// Events until one satisfies `last` (included); panics after `within`.
    pub async fn until(
        &mut self,
        within: Duration,
        last: impl Fn(&SseEvent) -> bool,
    ) -> Vec<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        let mut events = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Some(event) = self.next_event(left).await else {
                panic!("the awaited event never came; got {events:#?}");
            };
            let done = last(&event);
            events.push(event);
            if done {
                return events;
            }
        }
    }
}

fn parse(frame: &str) -> Frame {
    let mut id = None;
    let mut kind = String::from("message");
    let mut data = String::new();
    let mut comment = None;
    for line in frame.lines() {
        if let Some(text) = line.strip_prefix(':') {
            comment = Some(text.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("id: ") {
            id = value.parse().ok();
        } else if let Some(value) = line.strip_prefix("event: ") {
            kind = value.to_owned();
        } else if let Some(value) = line.strip_prefix("data: ") {
            data.push_str(value);
        }
    }
    match (id, comment) {
        (Some(id), _) => Frame::Event(SseEvent {
            id,
            kind,
            data: serde_json::from_str(&data).expect("event data is JSON"),
        }),
        (None, Some(text)) => Frame::Comment(text),
        (None, None) => Frame::Comment(String::new()),
    }
}
