//! What the engine's tests run against: an in-memory journal that can fail its next
//! transactions, a storage that makes files available after a delay (counted on tokio's
//! clock), and an engine started on them inside the test's actix System.

use crate::domain::Tenant;
use crate::domain::events::OrderEvent;
use crate::domain::order::{
    DatasetTask, FileSlot, FileState, OrderFile, OrderHeader, OrderKind, OrderStatus, SubOrder,
};
use crate::engine::{Engine, EngineConfig};
use crate::ports::{
    Admission, ByteRange, ChangeWriter, CreationError, CreationPlan, CreationWrite, DatabaseProbe,
    FileContent, ListedOrder, OrderBuilder, OrderChange, OrderJournal, OrderRef, Storage,
    StorageError, StorageResolver, StoreError, StoreResult, StoredOrder,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn tenant() -> Tenant {
    Tenant::parse("test").unwrap()
}

/// Orders as committed, and what the journal was asked to do.
#[derive(Default)]
pub struct Journal {
    orders: Mutex<BTreeMap<i64, StoredOrder>>,
    /// Transactions committed, and transactions attempted.
    pub commits: AtomicUsize,
    pub attempts: AtomicUsize,
    /// Transactions still to fail, as an outage would.
    failures_left: AtomicUsize,
    /// Events committed (once per key, as the outbox keeps them).
    pub events: Mutex<Vec<OrderEvent>>,
}

impl Journal {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Stores a RUNNING order of `owner` with one sub-order of `files` PENDING files (ids
    /// `id * 100 + n`), expiring at `expiration`.
    pub fn add_order(&self, id: i64, owner: &str, files: i64, expiration: DateTime<Utc>) {
        let suborder = SubOrder {
            id: id * 10,
            dataset_task_id: 1,
            external: false,
        };
        let files = (0..files)
            .map(|n| FileSlot {
                id: id * 100 + n,
                suborder_id: suborder.id,
                size: 10,
                state: FileState::Pending,
            })
            .collect();
        let order = StoredOrder {
            header: header(id, owner, expiration),
            tasks: Vec::new(),
            suborders: vec![suborder],
            files,
        };
        self.orders.lock().unwrap().insert(id, order);
    }

    /// The next `n` transactions fail for the database's availability.
    pub fn fail_next(&self, n: usize) {
        self.failures_left.store(n, Ordering::SeqCst);
    }

    /// Transactions still to fail.
    pub fn failures_left(&self) -> usize {
        self.failures_left.load(Ordering::SeqCst)
    }

    fn check_up(&self) -> StoreResult<()> {
        if self.failures_left() > 0 {
            return Err(StoreError::Unavailable("connection refused".into()));
        }
        Ok(())
    }

    /// The order's status as committed.
    pub fn status(&self, id: i64) -> Option<OrderStatus> {
        self.orders
            .lock()
            .unwrap()
            .get(&id)
            .map(|o| o.header.status)
    }

    /// How many of the order's files are committed in `state`.
    pub fn files_in(&self, id: i64, state: FileState) -> usize {
        let orders = self.orders.lock().unwrap();
        orders
            .get(&id)
            .map_or(0, |o| o.files.iter().filter(|f| f.state == state).count())
    }

    fn apply(&self, change: &OrderChange) {
        let mut orders = self.orders.lock().unwrap();
        match change {
            OrderChange::Header { header, .. } => {
                if let Some(o) = orders.get_mut(&header.id) {
                    o.header = header.clone();
                }
            }
            OrderChange::Events(events) => {
                let mut told = self.events.lock().unwrap();
                for event in events {
                    if !told.iter().any(|e| e.key == event.key) {
                        told.push(event.clone());
                    }
                }
            }
            OrderChange::FileStates {
                order_id, files, ..
            } => {
                let Some(o) = orders.get_mut(order_id) else {
                    return;
                };
                for (id, state, _) in files {
                    if let Some(f) = o.files.iter_mut().find(|f| f.id == *id) {
                        f.state = *state;
                    }
                }
            }
            OrderChange::Crcs { .. } => {}
            OrderChange::DropFiles { order_id, .. } => {
                if let Some(o) = orders.get_mut(order_id) {
                    o.files.clear();
                    o.suborders.clear();
                }
            }
            OrderChange::Remove { order_id, .. } => {
                orders.remove(order_id);
            }
        }
    }
}

fn header(id: i64, owner: &str, expiration: DateTime<Utc>) -> OrderHeader {
    let now = Utc::now();
    OrderHeader {
        id,
        owner: owner.to_owned(),
        label: format!("order {id}"),
        kind: OrderKind::User,
        creation_date: now,
        expiration_date: Some(expiration),
        status: OrderStatus::Running,
        status_date: now,
        percent_completed: 0,
        files_in_error: 0,
        available_count: 0,
        waiting_for_user: false,
        correlation_id: String::new(),
        frontend_url: None,
        message: None,
    }
}

#[async_trait]
impl ChangeWriter for Journal {
    async fn apply_changes(&self, changes: &[&OrderChange]) -> StoreResult<()> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        let failing = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(StoreError::Unavailable("connection refused".into()));
        }
        for change in changes {
            self.apply(change);
        }
        self.commits.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[async_trait]
impl OrderJournal for Journal {
    async fn store_creation(
        &self,
        _: &Tenant,
        _: &OrderHeader,
        _: &[DatasetTask],
        _: &[SubOrder],
        _: &[OrderFile],
        events: &[OrderEvent],
    ) -> StoreResult<CreationWrite> {
        self.events.lock().unwrap().extend(events.iter().cloned());
        Ok(CreationWrite::Written)
    }

    async fn load_order(&self, _: &Tenant, id: i64) -> StoreResult<Option<StoredOrder>> {
        Ok(self.orders.lock().unwrap().get(&id).cloned())
    }

    async fn order_header(&self, _: &Tenant, id: i64) -> StoreResult<Option<ListedOrder>> {
        Ok(self.orders.lock().unwrap().get(&id).map(|o| ListedOrder {
            header: o.header.clone(),
            tasks: o.tasks.clone(),
        }))
    }

    async fn suborder_locations(
        &self,
        _: &Tenant,
        order_id: i64,
        suborder_id: i64,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, String)>> {
        let orders = self.orders.lock().unwrap();
        let mut files = orders
            .get(&order_id)
            .map(|o| o.files.clone())
            .unwrap_or_default();
        files.sort_by_key(|f| f.id);
        Ok(files
            .iter()
            .filter(|f| f.suborder_id == suborder_id && f.id > after)
            .take(limit as usize)
            .map(|f| (f.id, format!("fake:{}", f.id)))
            .collect())
    }

    async fn orders_to_recover(&self) -> StoreResult<Vec<OrderRef>> {
        let orders = self.orders.lock().unwrap();
        Ok(orders
            .values()
            .filter(|o| o.header.status == OrderStatus::Running)
            .map(|o| OrderRef {
                tenant: tenant(),
                id: o.header.id,
            })
            .collect())
    }
}

#[async_trait]
impl DatabaseProbe for Journal {
    async fn ping(&self) -> StoreResult<()> {
        self.check_up()
    }

    async fn probe_write(&self) -> StoreResult<()> {
        self.check_up()
    }
}

/// Orders of these tests are stored created: creation never runs.
struct NoBuilder;

#[async_trait]
impl OrderBuilder for NoBuilder {
    async fn plan(&self, _: &Tenant, _: &OrderHeader) -> Result<CreationPlan, CreationError> {
        Err(CreationError {
            message: "no creation in these tests".into(),
            expiration: Utc::now(),
            transient: false,
        })
    }
}

/// A storage that makes a file available after `delay` (0: online, checked in batches), and
/// counts the calls under way.
pub struct FakeStorage {
    delay: Duration,
    /// Calls admitted at once, when limited (like a nearline storage's drives).
    admissions: Option<Arc<tokio::sync::Semaphore>>,
    pub in_flight: AtomicUsize,
    pub calls: AtomicUsize,
}

impl FakeStorage {
    pub fn new(delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            delay,
            admissions: None,
            in_flight: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
        })
    }

    /// A storage admitting `admitted` calls at once.
    pub fn limited(delay: Duration, admitted: usize) -> Arc<Self> {
        Arc::new(Self {
            delay,
            admissions: Some(Arc::new(tokio::sync::Semaphore::new(admitted))),
            in_flight: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl Storage for FakeStorage {
    fn name(&self) -> &str {
        "fake"
    }

    fn kind(&self) -> &'static str {
        "nearline"
    }

    fn cheap_to_read(&self) -> bool {
        false
    }

    fn online(&self) -> bool {
        false
    }

    fn checks_in_batches(&self) -> bool {
        // Online: the runs hand it batches, which the port's default takes one by one.
        self.delay.is_zero()
    }

    fn owns(&self, location: &str) -> bool {
        location.starts_with("fake:")
    }

    async fn admit(&self) -> Admission {
        match &self.admissions {
            Some(admissions) => Admission::held(admissions.clone().acquire_owned().await.unwrap()),
            None => Admission::immediate(),
        }
    }

    async fn make_available(&self, _: &str, _: Duration) -> Result<(), StorageError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }

    async fn open(
        &self,
        location: &str,
        _: Option<ByteRange>,
    ) -> Result<FileContent, StorageError> {
        Err(StorageError::NotFound {
            storage: "fake".into(),
            location: location.into(),
        })
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

struct OneStorage(Arc<FakeStorage>);

impl StorageResolver for OneStorage {
    fn resolve(&self, location: &str) -> Option<Arc<dyn Storage>> {
        let storage: Arc<dyn Storage> = self.0.clone();
        storage.owns(location).then_some(storage)
    }

    fn all(&self) -> Vec<Arc<dyn Storage>> {
        vec![self.0.clone()]
    }
}

/// Settings of the tests: order actors on the test's own arbiter (so that the paused clock
/// drives them), one writer.
pub fn config() -> EngineConfig {
    EngineConfig {
        arbiters: 0,
        persistence_shards: 1,
        flush_delay: Duration::from_secs(1),
        passivate_after: Duration::from_secs(10),
        max_suborders_per_user: 1,
        ..EngineConfig::default()
    }
}

/// An engine on `journal` and `storage`.
pub fn engine(config: EngineConfig, journal: &Arc<Journal>, storage: &Arc<FakeStorage>) -> Engine {
    Engine::start(
        config,
        journal.clone(),
        journal.clone(),
        Arc::new(NoBuilder),
        Arc::new(OneStorage(storage.clone())),
    )
}

/// Lets the engine run for `duration` of the paused clock.
pub async fn advance(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// In a day: far enough not to expire during a test.
pub fn tomorrow() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::days(1)
}
