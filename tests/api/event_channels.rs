//! The durable channel runner over a real outbox: a channel gets every event once, in id
//! order, from its stored cursor; a channel that stops part-way is given the rest again
//! after its wait; a channel started again resumes where it stood; a new channel starts at
//! the newest event. Operators see each channel's position in `/admin/actors` and `/metrics`.

use crate::backend_tests;
use crate::helpers::TestApp;
use async_trait::async_trait;
use chrono::Utc;
use regards_order::events::{Delivery, EventChannel, EventFeed, run_channel};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::events::{EventType, OrderEvent, StoredEvent};
use regards_order_actors::domain::order::{OrderHeader, OrderKind, OrderStatus};
use regards_order_actors::ports::OrderChange;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

backend_tests!(
    a_channel_gets_every_event_once_in_order_and_resumes_from_its_cursor,
    a_channel_that_stops_part_way_gets_the_rest_again,
    operators_see_the_outbox_and_its_channels,
    a_batch_written_twice_stores_its_events_once,
);

/// Records what it is given; refuses events whose order id is in `refuse` (once each).
struct Recorder {
    name: String,
    seen: Mutex<Vec<i64>>,
    refuse: Mutex<Vec<i64>>,
}

impl Recorder {
    fn new(name: &str) -> Arc<Self> {
        Arc::new(Recorder {
            name: name.into(),
            seen: Mutex::default(),
            refuse: Mutex::default(),
        })
    }

    fn seen(&self) -> Vec<i64> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl EventChannel for Recorder {
    fn name(&self) -> String {
        self.name.clone()
    }

    async fn deliver(&self, events: &[StoredEvent]) -> Delivery {
        for event in events {
            let mut refuse = self.refuse.lock().unwrap();
            if let Some(i) = refuse.iter().position(|o| *o == event.event.order_id) {
                refuse.remove(i);
                return Delivery::UpTo {
                    id: event.id - 1,
                    retry_in: Duration::from_millis(100),
                };
            }
            self.seen.lock().unwrap().push(event.event.order_id);
        }
        Delivery::Done
    }
}

/// Writes one event per order id in `orders`, each in its own transaction.
async fn tell(app: &TestApp, orders: std::ops::Range<i64>) {
    for id in orders {
        app.state
            .store
            .apply_changes(&[&OrderChange::Events(vec![event_of(id)])])
            .await
            .unwrap();
    }
}

/// An ORDER_STATUS event of order `id` with a key of its own.
fn event_of(id: i64) -> OrderEvent {
    let tenant = Tenant::parse("project1").unwrap();
    {
        let header = OrderHeader {
            id,
            owner: "u@x".into(),
            label: format!("order {id}"),
            kind: OrderKind::User,
            creation_date: Utc::now(),
            expiration_date: None,
            status: OrderStatus::Running,
            status_date: Utc::now(),
            percent_completed: 0,
            files_in_error: 0,
            available_count: 0,
            waiting_for_user: false,
            correlation_id: String::new(),
            frontend_url: None,
            message: None,
        };
        OrderEvent::of(
            EventType::OrderStatus,
            format!("test-{id}-{}", uuid::Uuid::new_v4()),
            &tenant,
            &header,
            Utc::now(),
        )
    }
}

/// Waits until the new channel `name` has stored where it starts (the newest event then).
async fn started(app: &TestApp, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.state.store.event_cursor(name).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "{name} never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_channel_gets_every_event_once_in_order_and_resumes_from_its_cursor(app: TestApp) {
    tell(&app, 1..4).await;
    let feed = EventFeed::start(app.state.store.clone()).await;
    let first = Recorder::new("recorder");
    let task = run_channel(&feed, first.clone());
    // A new channel starts at the newest event: 1..4 are history.
    started(&app, "recorder").await;
    tell(&app, 10..15).await;
    until("the channel gets the new events", || {
        first.seen().len() == 5
    })
    .await;
    assert_eq!(first.seen(), vec![10, 11, 12, 13, 14]);
    // Stopped once its cursor is stored (a channel stopped before that gets the batch again:
    // delivery is at least once), events meanwhile, started again: it resumes from there.
    let head = app.state.store.last_event_id().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.state.store.event_cursor("recorder").await.unwrap() != Some(head) {
        assert!(Instant::now() < deadline, "the cursor is never stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    drop(feed);
    tell(&app, 20..23).await;
    let feed = EventFeed::start(app.state.store.clone()).await;
    let again = Recorder::new("recorder");
    let _task = run_channel(&feed, again.clone());
    until("the channel resumes", || again.seen().len() == 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        again.seen(),
        vec![20, 21, 22],
        "nothing twice, nothing missed"
    );
}

async fn a_channel_that_stops_part_way_gets_the_rest_again(app: TestApp) {
    let feed = EventFeed::start(app.state.store.clone()).await;
    let channel = Recorder::new("picky");
    channel.refuse.lock().unwrap().extend([32, 32]);
    let _task = run_channel(&feed, channel.clone());
    started(&app, "picky").await;
    tell(&app, 30..35).await;
    until("every event delivered", || channel.seen().len() == 5).await;
    assert_eq!(channel.seen(), vec![30, 31, 32, 33, 34]);
}

async fn operators_see_the_outbox_and_its_channels(app: TestApp) {
    let view =
        crate::helpers::json(app.get("/admin/actors", &app.admin()).send().await.unwrap()).await;
    let events = &view["events"];
    assert!(events["head"].as_i64().is_some(), "{view}");
    assert_eq!(events["liveStreams"], 0);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("regards_order_events_head "), "{metrics}");
    assert!(
        metrics.contains("regards_order_event_streams 0"),
        "{metrics}"
    );
}

async fn a_batch_written_twice_stores_its_events_once(app: TestApp) {
    use regards_order_actors::ports::EventScope;
    // A batch whose commit succeeded but whose answer was lost is written again.
    let batch = OrderChange::Events(vec![event_of(40), event_of(41)]);
    app.state.store.apply_changes(&[&batch]).await.unwrap();
    app.state.store.apply_changes(&[&batch]).await.unwrap();
    let stored = app
        .state
        .store
        .events_after(0, &EventScope::All, 100)
        .await
        .unwrap();
    let orders: Vec<i64> = stored.iter().map(|e| e.event.order_id).collect();
    assert_eq!(orders, vec![40, 41]);
}
