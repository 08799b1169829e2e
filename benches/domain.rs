//! File state changes of the order aggregate.
//!
//! **Measured:** `Order::set_file_state` on an order of 1 000 000 files split into 200
//! sub-orders of 5 000 files, cycling every file through PENDING → AVAILABLE → DOWNLOADED →
//! PENDING (each call is a real change: counters, sub-order counts, `waitingForUser`,
//! percentage and final status are all updated). Files are visited with a stride of 5 003
//! (a permutation of all files per pass, spread over every sub-order), in batches of 10 000
//! changes per iteration; the cursor carries over from one iteration to the next.
//!
//! **Baseline:** the same sequence of states written by index into a plain `Vec<u8>` of
//! 1 000 000 bytes: the cost floor of "changing a byte".
//!
//! The same changes are also measured on orders of the same 1 000 000 files in 20 and in 1
//! sub-orders, to show how the cost of one change depends on the number of sub-orders (finding
//! a file and recomputing `waitingForUser` walk them), against the same baseline.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{
    DatasetTask, FileSlot, FileState, Order, OrderHeader, OrderKind, OrderStatus, SubOrder,
};

/// Files of the order.
const FILES: usize = 1_000_000;
/// Sub-orders of the main order.
const SUBORDERS: usize = 200;
/// State changes per measured iteration.
const BATCH: usize = 10_000;
/// The states every file goes through, in turn.
const CYCLE: [FileState; 3] = [
    FileState::Pending,
    FileState::Available,
    FileState::Downloaded,
];

/// An order in progress (RUNNING, created) of `FILES` PENDING files of 1 KiB, in `suborders`
/// sub-orders of equal size. File ids are `0..FILES`, grouped by sub-order.
fn order(suborders: usize, now: DateTime<Utc>) -> Order {
    let Ok(tenant) = Tenant::parse("bench") else {
        unreachable!("\"bench\" is a valid tenant name");
    };
    let header = OrderHeader {
        id: 1,
        owner: "user@example.org".to_owned(),
        label: "bench".to_owned(),
        kind: OrderKind::User,
        creation_date: now,
        expiration_date: Some(now + chrono::Duration::days(3)),
        status: OrderStatus::Running,
        status_date: now,
        percent_completed: 0,
        files_in_error: 0,
        available_count: 0,
        waiting_for_user: false,
        correlation_id: "bench".to_owned(),
        frontend_url: None,
        message: None,
    };
    let task = DatasetTask {
        id: 1,
        dataset_urn: "URN:AIP:DATASET:bench:1:V1".to_owned(),
        dataset_label: "bench".to_owned(),
        objects_count: FILES as i64,
        files_count: FILES as i64,
        files_size: FILES as i64 * 1024,
        selection_requests: Vec::new(),
        process: None,
        file_filter: None,
    };
    let per_suborder = FILES / suborders;
    let subs = (0..suborders)
        .map(|s| SubOrder {
            id: s as i64,
            dataset_task_id: 1,
            external: false,
        })
        .collect();
    let files = (0..FILES)
        .map(|i| FileSlot {
            id: i as i64,
            suborder_id: (i / per_suborder) as i64,
            size: 1024,
            state: FileState::Pending,
        })
        .collect();
    let order = Order::new(tenant, header, vec![task], subs, files);
    assert_eq!(order.file_count(), FILES);
    assert_eq!(order.suborders().len(), suborders);
    order
}

/// Step between two files visited in a row: prime, hence coprime with `FILES`, so a pass
/// visits every file once, and a batch spreads over all sub-orders (as completions arriving
/// from many storages would) instead of staying in the first ones.
const STRIDE: usize = 5_003;

/// Walks the files pass after pass; each visit names a file and its next state.
#[derive(Default)]
struct Cursor {
    index: usize,
    visits: usize,
    pass: usize,
}

impl Cursor {
    /// The next (file index, target state).
    fn next(&mut self) -> (usize, FileState) {
        let item = (self.index, CYCLE[(self.pass + 1) % CYCLE.len()]);
        self.index += STRIDE;
        if self.index >= FILES {
            self.index -= FILES;
        }
        self.visits += 1;
        if self.visits == FILES {
            self.visits = 0;
            self.pass += 1;
        }
        item
    }
}

/// `BATCH` changes on `order`; every one must be a real change.
fn change_batch(order: &mut Order, cursor: &mut Cursor, now: DateTime<Utc>) {
    for _ in 0..BATCH {
        let (index, state) = cursor.next();
        let previous = order.set_file_state(black_box(index as i64), state, now);
        debug_assert!(previous.is_some());
        black_box(previous);
    }
}

/// The same `BATCH` states written into a byte per file.
fn baseline_batch(states: &mut [u8], cursor: &mut Cursor) {
    for _ in 0..BATCH {
        let (index, state) = cursor.next();
        states[black_box(index)] = state as u8;
    }
    black_box(states);
}

fn state_changes(c: &mut Criterion) {
    let now = Utc::now();
    let mut group = c.benchmark_group("domain/state_changes");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(BATCH as u64));

    let mut states = vec![FileState::Pending as u8; FILES];
    let mut cursor = Cursor::default();
    group.bench_function("baseline_vec_u8", |b| {
        b.iter(|| baseline_batch(&mut states, &mut cursor));
    });

    // The order the brief describes first, then fewer sub-orders of the same 1 000 000 files.
    for suborders in [SUBORDERS, 20, 1] {
        let mut order = order(suborders, now);
        let mut cursor = Cursor::default();
        group.bench_function(format!("order_1M_files_{suborders}_suborders"), |b| {
            b.iter(|| change_batch(&mut order, &mut cursor, now));
        });
        // The counters must still agree with the files after all those changes.
        let total: u64 = CYCLE.iter().map(|&s| order.count(s)).sum();
        assert_eq!(total, FILES as u64);
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots take longer than the measurements on a small machine: off unless asked for
    // (`-- --plotting-backend plotters`).
    config = Criterion::default().without_plots();
    targets = state_changes
}
criterion_main!(benches);
