//! Conformance of the `OrderJournal` and `OrderQueries` ports: the same assertions on SQLite
//! and Postgres, calling the store directly on the test's database.

use crate::backend_tests;
use crate::helpers::{TENANT, TestApp};
use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::TryStreamExt;
use regards_order_actors::domain::order::{
    DatasetTask, FileState, OrderFile, OrderHeader, OrderKind, OrderStatus, SubOrder,
};
use regards_order_actors::domain::{
    Basket, BasketSelectionRequest, Checksum, DataType, DatasetSelection, FileTypeSummary,
    ItemsSelection, Tenant,
};
use regards_order_actors::ports::{
    FileFilter, FileOfOrder, FileSort, FileSummary, IdKind, LABEL_CONSTRAINT, OrderChange,
    OrderFilter, OrderRef, OrderSort, PageRequest, SUMMARY_PAGE_ROWS, StatusFilter, Store,
    StoreError,
};
use serde_json::json;
use std::sync::Arc;

backend_tests!(
    reserve_ids_gives_increasing_disjoint_blocks,
    create_order_archives_the_basket_and_rejects_a_duplicate_label,
    store_creation_is_loaded_back_and_replaced_when_redone,
    apply_changes_writes_headers_and_file_states,
    drop_files_keeps_the_dataset_tasks,
    search_filters_pages_and_sorts,
    search_escapes_like_wildcards_and_isolates_tenants,
    csv_export_lists_orders_by_id_with_sums,
    orders_to_recover_are_the_active_ones,
    orders_load_together_as_each_loads_alone,
    remove_order_frees_the_label_and_deletes_the_basket,
    settings_round_trip,
    file_of_order_gives_the_order_and_its_owner,
    files_page_filters_pages_and_sorts,
    order_files_streams_every_file_by_id,
    file_summaries_stream_every_file_by_id_in_pages,
    record_crcs_are_read_back,
);

const U: &str = "u@x.fr";

/// The files of a sub-order as stored, by id.
async fn suborder_files(
    store: &dyn Store,
    t: &Tenant,
    order: i64,
    suborder: i64,
) -> Vec<OrderFile> {
    let filter = file_filter(|f| f.suborder_id = Some(suborder));
    store
        .order_files(t, order, &filter)
        .map_ok(|(file, _)| file)
        .try_collect()
        .await
        .unwrap()
}

/// Writes `changes` in one transaction, as the persistence actor does.
async fn apply(store: &dyn Store, changes: &[OrderChange]) {
    let changes: Vec<&OrderChange> = changes.iter().collect();
    store.apply_changes(&changes).await.unwrap();
}

/// Removes an order for good, as the persistence actor does.
async fn remove(store: &dyn Store, tenant: &Tenant, order_id: i64) {
    let change = OrderChange::Remove {
        tenant: tenant.clone(),
        order_id,
    };
    apply(store, &[change]).await;
}

/// Records CRC-32s, as the persistence actor does.
async fn record_crcs(store: &dyn Store, tenant: &Tenant, crcs: &[(i64, u32)]) {
    let change = OrderChange::Crcs {
        tenant: tenant.clone(),
        crcs: crcs.to_vec(),
    };
    apply(store, &[change]).await;
}

/// A second store on the test's database, and the test tenant.
async fn open(app: &TestApp) -> (Arc<dyn Store>, Tenant) {
    let store = regards_order::db::connect(&app.database_url).await.unwrap();
    (store, Tenant::parse(TENANT).unwrap())
}

fn other_tenant() -> Tenant {
    Tenant::parse("project2").unwrap()
}

/// 2024-01-01 plus `days`.
fn day(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::days(days)
}

/// A new order `id` of `owner`, created on `day(id)`.
fn header(id: i64, owner: &str, label: &str) -> OrderHeader {
    OrderHeader {
        id,
        owner: owner.into(),
        label: label.into(),
        kind: OrderKind::User,
        creation_date: day(id),
        expiration_date: None,
        status: OrderStatus::Pending,
        status_date: day(id),
        percent_completed: 0,
        files_in_error: 0,
        available_count: 0,
        waiting_for_user: false,
        correlation_id: format!("corr-{id}"),
        frontend_url: Some("http://front".into()),
        message: None,
    }
}

fn request(dataset: &str) -> BasketSelectionRequest {
    BasketSelectionRequest {
        engine_type: "legacy".into(),
        dataset_urn: Some(dataset.into()),
        search_parameters: [("q".to_owned(), vec!["a:b".to_owned()])].into(),
        entity_ids_to_include: None,
        entity_ids_to_exclude: None,
        selection_date: Some(day(0)),
    }
}

fn task(id: i64, label: &str, files_count: i64, files_size: i64) -> DatasetTask {
    DatasetTask {
        id,
        dataset_urn: format!("URN:DATASET:{label}"),
        dataset_label: label.into(),
        objects_count: 1,
        files_count,
        files_size,
        selection_requests: vec![request(&format!("URN:DATASET:{label}"))],
        process: None,
        file_filter: None,
    }
}

fn suborder(id: i64, dataset_task_id: i64, external: bool) -> SubOrder {
    SubOrder {
        id,
        dataset_task_id,
        external,
    }
}

/// A pending file; every tenth one has no known size.
fn file(id: i64, suborder_id: i64, dataset_task_id: i64) -> OrderFile {
    OrderFile {
        id,
        suborder_id,
        dataset_task_id,
        state: FileState::Pending,
        filename: format!("f{id}.dat"),
        url: format!("file:///data/f{id}.dat"),
        mime_type: Some("application/octet-stream".into()),
        size: (id % 10 != 0).then_some(id),
        checksum: Some(Checksum {
            algorithm: "MD5".into(),
            value: format!("{id:032x}"),
        }),
        data_type: DataType::Rawdata,
        reference: false,
        object_urn: format!("URN:DATA:{id}"),
        provider_id: format!("P{id}"),
        version: 1,
        download_error: None,
    }
}

/// Creates orders `ids` of `owner`, labelled `order <id>`.
async fn create(store: &dyn Store, tenant: &Tenant, owner: &str, ids: &[i64]) {
    for &id in ids {
        let h = header(id, owner, &format!("order {id}"));
        store.create_order(tenant, &h, owner).await.unwrap();
    }
}

fn header_change(tenant: &Tenant, header: OrderHeader) -> OrderChange {
    OrderChange::Header {
        tenant: tenant.clone(),
        header,
    }
}

fn states_change(
    tenant: &Tenant,
    order_id: i64,
    files: &[(i64, FileState, Option<&str>)],
) -> OrderChange {
    OrderChange::FileStates {
        tenant: tenant.clone(),
        order_id,
        files: files
            .iter()
            .map(|(id, state, error)| (*id, *state, error.map(str::to_owned)))
            .collect(),
    }
}

fn filter(set: impl FnOnce(&mut OrderFilter)) -> OrderFilter {
    let mut filter = OrderFilter::default();
    set(&mut filter);
    filter
}

fn page(page: u32, size: u32, sort: &[(OrderSort, bool)]) -> PageRequest {
    PageRequest {
        page,
        size,
        sort: sort.to_vec(),
    }
}

/// The ids of a page and the total.
async fn search(store: &dyn Store, filter: &OrderFilter, page: PageRequest) -> (Vec<i64>, u64) {
    let tenant = Tenant::parse(TENANT).unwrap();
    let found = store.search_orders(&tenant, filter, &page).await.unwrap();
    (
        found.orders.iter().map(|o| o.header.id).collect(),
        found.total,
    )
}

async fn reserve_ids_gives_increasing_disjoint_blocks(app: TestApp) {
    let (store, _) = open(&app).await;
    assert_eq!(store.reserve_ids(IdKind::File, 1000).await.unwrap(), 1);
    assert_eq!(store.reserve_ids(IdKind::File, 10).await.unwrap(), 1001);
    assert_eq!(store.reserve_ids(IdKind::File, 1).await.unwrap(), 1011);
    // Each kind has its own sequence.
    assert_eq!(store.reserve_ids(IdKind::Order, 1).await.unwrap(), 1);
    // Concurrent reservations never overlap.
    let reservations = (0..8).map(|_| store.reserve_ids(IdKind::SubOrder, 5));
    let mut firsts: Vec<i64> = futures::future::try_join_all(reservations).await.unwrap();
    firsts.sort_unstable();
    assert_eq!(firsts, (0..8).map(|i| 1 + 5 * i).collect::<Vec<_>>());
}

async fn create_order_archives_the_basket_and_rejects_a_duplicate_label(app: TestApp) {
    let (store, t) = open(&app).await;
    let basket = Basket {
        id: 0,
        owner: U.into(),
        selections: Vec::new(),
    };
    store.save_basket(&t, &basket).await.unwrap();
    store
        .create_order(&t, &header(7, U, "mine"), U)
        .await
        .unwrap();
    assert!(store.load_basket(&t, U).await.unwrap().is_none());
    let archived = store.archived_basket(&t, 7).await.unwrap().unwrap();
    assert_eq!(archived.owner, U);
    assert!(
        store.load_basket(&t, "ORDER_7").await.unwrap().is_none(),
        "no e-mail names an archived basket"
    );
    // A restart copies it; an order without an archived basket gives nothing to restart.
    assert!(
        store
            .create_order_from_archive(&t, &header(11, U, "again"), 7)
            .await
            .unwrap()
    );
    let copy = store.archived_basket(&t, 11).await.unwrap().unwrap();
    assert_ne!(copy.id, archived.id);
    assert!(store.archived_basket(&t, 7).await.unwrap().is_some());
    assert!(
        !store
            .create_order_from_archive(&t, &header(12, U, "none"), 99)
            .await
            .unwrap()
    );
    assert!(store.order_header(&t, 12).await.unwrap().is_none());
    let listed = store.order_header(&t, 7).await.unwrap().unwrap();
    assert_eq!(listed.header, header(7, U, "mine"));
    assert!(listed.tasks.is_empty());

    match store.create_order(&t, &header(8, U, "mine"), U).await {
        Err(StoreError::Constraint { constraint }) => assert_eq!(constraint, LABEL_CONSTRAINT),
        other => panic!("expected the label constraint, got {other:?}"),
    }
    assert!(store.order_header(&t, 8).await.unwrap().is_none());
    // Another owner, or another tenant, may use the label.
    let other = other_tenant();
    store
        .create_order(&t, &header(9, "v@x.fr", "mine"), "v@x.fr")
        .await
        .unwrap();
    store
        .create_order(&other, &header(10, U, "mine"), U)
        .await
        .unwrap();
    assert!(store.order_header(&other, 7).await.unwrap().is_none());
}

async fn store_creation_is_loaded_back_and_replaced_when_redone(app: TestApp) {
    let (store, t) = open(&app).await;
    create(&*store, &t, U, &[1]).await;
    let tasks = [task(20, "Zeta", 6_000, 1), task(21, "Alpha", 4_000, 2)];
    let suborders = [
        suborder(30, 20, false),
        suborder(31, 20, true),
        suborder(32, 21, false),
    ];
    let mut files: Vec<OrderFile> = (1..=10_000)
        .map(|id| match (id - 1) / 3_000 {
            0 => file(id, 30, 20),
            1 => file(id, 31, 20),
            _ => file(id, 32, 21),
        })
        .collect();
    // Text a bulk format must escape comes back as written; absent values stay absent.
    let odd = &mut files[9_999];
    odd.filename = "tab\there \\N back\\slash\nnew line\rCR é.dat".into();
    odd.mime_type = None;
    odd.checksum = None;
    odd.download_error = Some("\\N".into());
    odd.reference = true;
    let mut running = header(1, U, "order 1");
    running.status = OrderStatus::Running;
    running.expiration_date = Some(day(30));
    for _ in 0..2 {
        // The second time is a creation redone after an interruption: replaced, not doubled.
        let stored = store.store_creation(&t, &running, &tasks, &suborders, &files, &[]);
        stored.await.unwrap();
    }

    let stored = store.load_order(&t, 1).await.unwrap().unwrap();
    assert_eq!(stored.header, running);
    assert_eq!(stored.tasks, [tasks[1].clone(), tasks[0].clone()]);
    assert_eq!(stored.suborders, suborders);
    assert_eq!(stored.files.len(), 10_000);
    assert_eq!(
        stored.files,
        files.iter().map(Into::into).collect::<Vec<_>>()
    );
    assert_eq!((stored.files[8].size, stored.files[9].size), (9, -1));
    assert_eq!(
        stored.files.iter().filter(|f| f.suborder_id == 31).count(),
        3_000
    );
    assert_eq!(suborder_files(&*store, &t, 1, 32).await, files[6_000..]);
    assert!(
        store
            .load_order(&other_tenant(), 1)
            .await
            .unwrap()
            .is_none()
    );
}

async fn apply_changes_writes_headers_and_file_states(app: TestApp) {
    let (store, t) = open(&app).await;
    create(&*store, &t, U, &[1, 2]).await;
    let files: Vec<_> = (1..=6).map(|id| file(id, 30, 20)).collect();
    let (h, tasks) = (header(1, U, "order 1"), [task(20, "A", 6, 21)]);
    store
        .store_creation(&t, &h, &tasks, &[suborder(30, 20, false)], &files, &[])
        .await
        .unwrap();

    let mut done = header(1, U, "renamed");
    done.status = OrderStatus::DoneWithWarning;
    done.status_date = day(5);
    done.expiration_date = Some(day(9));
    done.percent_completed = 100;
    done.files_in_error = 2;
    done.available_count = 3;
    done.waiting_for_user = true;
    done.message = Some("2 files in error".into());
    let mut paused = header(2, U, "order 2");
    paused.status = OrderStatus::Paused;
    let changes = [
        states_change(&t, 1, &[(1, FileState::DownloadError, Some("timeout"))]),
        header_change(&t, done.clone()),
        states_change(
            &t,
            1,
            &[
                (1, FileState::Available, None),
                (2, FileState::Available, None),
                (3, FileState::Downloaded, None),
                (4, FileState::Error, Some("checksum")),
                (5, FileState::DownloadError, Some("timeout")),
            ],
        ),
        header_change(&t, paused.clone()),
        // Another tenant's order 1 does not exist: ours is not touched.
        states_change(&other_tenant(), 1, &[(6, FileState::Error, Some("no"))]),
    ];
    apply(&*store, &changes).await;

    assert_eq!(
        store.order_header(&t, 1).await.unwrap().unwrap().header,
        done
    );
    assert_eq!(
        store.order_header(&t, 2).await.unwrap().unwrap().header,
        paused
    );
    let read = suborder_files(&*store, &t, 1, 30).await;
    let states: Vec<_> = read
        .iter()
        .map(|f| (f.state, f.download_error.as_deref()))
        .collect();
    assert_eq!(
        states,
        [
            (FileState::Available, None),
            (FileState::Available, None),
            (FileState::Downloaded, None),
            (FileState::Error, Some("checksum")),
            (FileState::DownloadError, Some("timeout")),
            (FileState::Pending, None),
        ]
    );
    assert_eq!(
        (&read[3].filename, &read[3].checksum),
        (&files[3].filename, &files[3].checksum)
    );
}

async fn drop_files_keeps_the_dataset_tasks(app: TestApp) {
    let (store, t) = open(&app).await;
    create(&*store, &t, U, &[1]).await;
    let files: Vec<_> = (1..=3).map(|id| file(id, 30, 20)).collect();
    let (h, tasks) = (header(1, U, "order 1"), [task(20, "A", 3, 6)]);
    store
        .store_creation(&t, &h, &tasks, &[suborder(30, 20, false)], &files, &[])
        .await
        .unwrap();
    let drop = OrderChange::DropFiles {
        tenant: t.clone(),
        order_id: 1,
    };
    apply(&*store, &[drop]).await;
    let stored = store.load_order(&t, 1).await.unwrap().unwrap();
    assert!(stored.files.is_empty() && stored.suborders.is_empty());
    assert_eq!(stored.tasks, tasks);
    assert!(suborder_files(&*store, &t, 1, 30).await.is_empty());
}

/// Orders 1 to 5 of the test tenant (created day 1 to 5), each with tasks `A` (id 200 + id,
/// 1 file of 1 byte) and `B` (id 100 + id, `id` files of 10 × id bytes); order 6 elsewhere.
///
/// | id | owner      | status  | waiting | % |
/// |----|------------|---------|---------|---|
/// | 1  | alice@x.fr | DONE    | no      | 10 |
/// | 2  | bob@y.fr   | RUNNING | yes     | 20 |
/// | 3  | alice@x.fr | FAILED  | no      | 30 |
/// | 4  | bob@y.fr   | DONE    | yes     | 40 |
/// | 5  | carol@x.fr | PENDING | no      | 0  |
async fn five_orders(store: &dyn Store, t: &Tenant) {
    create(store, t, "alice@x.fr", &[1, 3]).await;
    create(store, t, "bob@y.fr", &[2, 4]).await;
    create(store, t, "carol@x.fr", &[5]).await;
    create(store, &other_tenant(), "alice@x.fr", &[6]).await;
    let rows = [
        (1, OrderStatus::Done, false),
        (2, OrderStatus::Running, true),
        (3, OrderStatus::Failed, false),
        (4, OrderStatus::Done, true),
        (5, OrderStatus::Pending, false),
    ];
    for (id, status, waiting) in rows {
        let mut h = store.order_header(t, id).await.unwrap().unwrap().header;
        h.status = status;
        h.waiting_for_user = waiting;
        h.percent_completed = if id == 5 { 0 } else { id as i32 * 10 };
        let tasks = [task(100 + id, "B", id, 10 * id), task(200 + id, "A", 1, 1)];
        store
            .store_creation(t, &h, &tasks, &[], &[], &[])
            .await
            .unwrap();
    }
}

async fn search_filters_pages_and_sorts(app: TestApp) {
    let (store, t) = open(&app).await;
    five_orders(&*store, &t).await;
    let all = OrderFilter::default();
    // Newest first by default; pages with the total of the filter.
    assert_eq!(
        search(&*store, &all, page(0, 10, &[])).await,
        (vec![5, 4, 3, 2, 1], 5)
    );
    assert_eq!(
        search(&*store, &all, page(1, 2, &[])).await,
        (vec![3, 2], 5)
    );
    assert_eq!(search(&*store, &all, page(3, 2, &[])).await, (vec![], 5));
    // Sort keys, then the id.
    let by_status = page(0, 9, &[(OrderSort::Status, false)]);
    assert_eq!(search(&*store, &all, by_status).await.0, [1, 4, 3, 5, 2]);
    let by_owner = page(
        0,
        9,
        &[
            (OrderSort::Owner, true),
            (OrderSort::PercentCompleted, false),
        ],
    );
    assert_eq!(search(&*store, &all, by_owner).await.0, [5, 2, 4, 1, 3]);

    let done = || vec![OrderStatus::Done];
    let cases = [
        (
            filter(|f| f.owner_contains = Some("@X.fr".into())),
            vec![1, 3, 5],
        ),
        (filter(|f| f.owner = Some("bob@y.fr".into())), vec![2, 4]),
        (filter(|f| f.waiting_for_user = Some(true)), vec![2, 4]),
        (filter(|f| f.waiting_for_user = Some(false)), vec![1, 3, 5]),
        (
            filter(|f| f.statuses = Some(StatusFilter::Include(done()))),
            vec![1, 4],
        ),
        (
            filter(|f| f.statuses = Some(StatusFilter::Exclude(done()))),
            vec![2, 3, 5],
        ),
        (
            filter(|f| f.statuses = Some(StatusFilter::Include(vec![]))),
            vec![],
        ),
        (
            filter(|f| f.statuses = Some(StatusFilter::Exclude(vec![]))),
            vec![1, 2, 3, 4, 5],
        ),
        // Inclusive date bounds.
        (filter(|f| f.created_after = Some(day(2))), vec![2, 3, 4, 5]),
        (filter(|f| f.created_before = Some(day(2))), vec![1, 2]),
        (
            filter(|f| {
                f.owner_contains = Some("x.fr".into());
                f.statuses = Some(StatusFilter::Exclude(vec![OrderStatus::Failed]));
                f.created_before = Some(day(4));
            }),
            vec![1],
        ),
    ];
    for (filter, expected) in cases {
        let total = expected.len() as u64;
        let found = search(&*store, &filter, page(0, 10, &[(OrderSort::Id, false)])).await;
        assert_eq!(found, (expected, total), "{filter:?}");
    }
    // Every listed order comes with its tasks, by label.
    let listed = store
        .search_orders(&t, &all, &page(0, 2, &[]))
        .await
        .unwrap();
    let tasks: Vec<Vec<i64>> = listed
        .orders
        .iter()
        .map(|o| o.tasks.iter().map(|t| t.id).collect())
        .collect();
    assert_eq!(tasks, [[205, 105], [204, 104]]);
}

async fn search_escapes_like_wildcards_and_isolates_tenants(app: TestApp) {
    let (store, t) = open(&app).await;
    create(&*store, &t, "a_b%c\\d", &[1]).await;
    create(&*store, &t, "axbxcxd", &[2]).await;
    create(&*store, &other_tenant(), "a_b%c\\d", &[3]).await;
    for (text, expected) in [
        ("_", vec![1]),
        ("%", vec![1]),
        ("\\", vec![1]),
        ("", vec![1, 2]),
    ] {
        let contains = filter(|f| f.owner_contains = Some(text.into()));
        let found = search(&*store, &contains, page(0, 10, &[(OrderSort::Id, false)])).await;
        assert_eq!(found.0, expected, "{text}");
    }
    let all = OrderFilter::default();
    let other = store
        .search_orders(&other_tenant(), &all, &page(0, 10, &[]))
        .await
        .unwrap();
    assert_eq!(other.total, 1);
    assert_eq!(other.orders[0].header.id, 3);
}

async fn csv_export_lists_orders_by_id_with_sums(app: TestApp) {
    let (store, t) = open(&app).await;
    five_orders(&*store, &t).await;
    create(&*store, &t, "dave@x.fr", &[7]).await;
    let all = OrderFilter::default();
    let rows: Vec<_> = store.orders_for_csv(&t, &all).try_collect().await.unwrap();
    let sums: Vec<_> = rows
        .iter()
        .map(|(h, size, count)| (h.id, *size, *count))
        .collect();
    let expected = [
        (1, 11, 2),
        (2, 21, 3),
        (3, 31, 4),
        (4, 41, 5),
        (5, 51, 6),
        (7, 0, 0),
    ];
    assert_eq!(sums, expected);
    assert_eq!(rows[1].0.status, OrderStatus::Running);
    let waiting = filter(|f| f.waiting_for_user = Some(true));
    let rows: Vec<_> = store
        .orders_for_csv(&t, &waiting)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.iter().map(|r| r.0.id).collect::<Vec<_>>(), [2, 4]);
}

async fn orders_to_recover_are_the_active_ones(app: TestApp) {
    let (store, t) = open(&app).await;
    create(&*store, &t, U, &[1, 2, 3, 4, 5, 6, 7, 8]).await;
    create(&*store, &other_tenant(), U, &[9]).await;
    let rows = [
        (2, OrderStatus::Running, 0),
        (3, OrderStatus::Paused, 0),
        (4, OrderStatus::Done, 2),
        (5, OrderStatus::Done, 0),
        (6, OrderStatus::DoneWithWarning, 1),
        (7, OrderStatus::Expired, 3),
        (8, OrderStatus::Failed, 0),
    ];
    let changes: Vec<_> = rows
        .into_iter()
        .map(|(id, status, available)| {
            let mut h = header(id, U, &format!("order {id}"));
            h.status = status;
            h.available_count = available;
            header_change(&t, h)
        })
        .collect();
    apply(&*store, &changes).await;
    let at = |tenant: &Tenant, id| OrderRef {
        tenant: tenant.clone(),
        id,
    };
    let expected = [
        at(&t, 1),
        at(&t, 2),
        at(&t, 3),
        at(&t, 4),
        at(&t, 6),
        at(&other_tenant(), 9),
    ];
    assert_eq!(store.orders_to_recover().await.unwrap(), expected);
}

async fn orders_load_together_as_each_loads_alone(app: TestApp) {
    let (store, t) = open(&app).await;
    let other = other_tenant();
    create(&*store, &t, U, &[1, 2, 3]).await;
    create(&*store, &other, U, &[4]).await;
    // Order 1: two tasks, two sub-orders, files in both; order 2: no content yet (PENDING);
    // order 3: one file; order 4 of another tenant: one file.
    let tasks = [task(20, "Zeta", 3, 1), task(21, "Alpha", 1, 2)];
    let suborders = [suborder(30, 20, false), suborder(31, 21, true)];
    let files = [file(1, 30, 20), file(2, 31, 21), file(3, 30, 20)];
    let mut running = header(1, U, "order 1");
    running.status = OrderStatus::Running;
    store
        .store_creation(&t, &running, &tasks, &suborders, &files, &[])
        .await
        .unwrap();
    let one = |id: i64, order: i64, t: &Tenant| {
        let (task, suborder) = (task(40 + id, "T", 1, 1), suborder(50 + id, 40 + id, false));
        let h = header(order, U, &format!("order {order}"));
        let store = store.clone();
        let t = t.clone();
        async move {
            let files = [file(id, 50 + id, 40 + id)];
            store
                .store_creation(&t, &h, &[task], &[suborder], &files, &[])
                .await
                .unwrap();
        }
    };
    one(10, 3, &t).await;
    one(11, 4, &other).await;
    let at = |tenant: &Tenant, id| OrderRef {
        tenant: tenant.clone(),
        id,
    };
    // Order 9 does not exist, order 4 is not the test tenant's.
    let asked = [at(&other, 4), at(&t, 3), at(&t, 9), at(&t, 1), at(&t, 2)];
    let mut together = store.load_orders(&asked).await.unwrap();
    together.sort_by_key(|(_, o)| o.header.id);
    let mut alone = Vec::new();
    for r in &asked {
        if let Some(o) = store.load_order(&r.tenant, r.id).await.unwrap() {
            alone.push((r.tenant.clone(), o));
        }
    }
    alone.sort_by_key(|(_, o)| o.header.id);
    assert_eq!(together, alone);
    let loaded: Vec<(&str, i64, usize)> = together
        .iter()
        .map(|(t, o)| (t.as_str(), o.header.id, o.files.len()))
        .collect();
    assert_eq!(
        loaded,
        [
            (TENANT, 1, 3),
            (TENANT, 2, 0),
            (TENANT, 3, 1),
            ("project2", 4, 1)
        ]
    );
    assert_eq!(together[0].1.tasks, [tasks[1].clone(), tasks[0].clone()]);
    assert!(
        store
            .load_orders(&[at(&other, 1)])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn remove_order_frees_the_label_and_deletes_the_basket(app: TestApp) {
    let (store, t) = open(&app).await;
    let item = ItemsSelection {
        date: day(0),
        request: request("URN:DATASET:A"),
        summary: FileTypeSummary::default(),
    };
    let selection = DatasetSelection {
        id: 0,
        dataset_urn: "URN:DATASET:A".into(),
        dataset_label: "A".into(),
        summary: FileTypeSummary::default(),
        process: None,
        file_filter: None,
        items: vec![item],
    };
    let basket = Basket {
        id: 0,
        owner: U.into(),
        selections: vec![selection],
    };
    store.save_basket(&t, &basket).await.unwrap();
    let h = header(1, U, "mine");
    store.create_order(&t, &h, U).await.unwrap();
    let (tasks, suborders) = ([task(20, "A", 1, 1)], [suborder(30, 20, false)]);
    store
        .store_creation(&t, &h, &tasks, &suborders, &[file(1, 30, 20)], &[])
        .await
        .unwrap();
    // Removing on another tenant touches nothing.
    remove(&*store, &other_tenant(), 1).await;
    assert_eq!(
        store.load_order(&t, 1).await.unwrap().unwrap().files.len(),
        1
    );
    assert!(store.archived_basket(&t, 1).await.unwrap().is_some());

    remove(&*store, &t, 1).await;
    assert!(store.load_order(&t, 1).await.unwrap().is_none());
    assert!(suborder_files(&*store, &t, 1, 30).await.is_empty());
    assert!(store.archived_basket(&t, 1).await.unwrap().is_none());
    // The label is free again.
    store
        .create_order(&t, &header(2, U, "mine"), U)
        .await
        .unwrap();
}

async fn settings_round_trip(app: TestApp) {
    let (store, t) = open(&app).await;
    assert_eq!(store.setting(&t, "expiration").await.unwrap(), None);
    store
        .put_setting(&t, "expiration", &json!({"days": 3}))
        .await
        .unwrap();
    store
        .put_setting(&t, "expiration", &json!({"days": 5}))
        .await
        .unwrap();
    store
        .put_setting(&t, "other", &json!([1, "x"]))
        .await
        .unwrap();
    assert_eq!(
        store.setting(&t, "expiration").await.unwrap(),
        Some(json!({"days": 5}))
    );
    assert_eq!(
        store.setting(&t, "other").await.unwrap(),
        Some(json!([1, "x"]))
    );
    assert_eq!(
        store.setting(&other_tenant(), "expiration").await.unwrap(),
        None
    );
    store.delete_setting(&t, "expiration").await.unwrap();
    assert_eq!(store.setting(&t, "expiration").await.unwrap(), None);
    assert_eq!(
        store.setting(&t, "other").await.unwrap(),
        Some(json!([1, "x"]))
    );
}

/// Order 1 of `U` with 12 files: 1-4 in sub-order 30 and 5-8 in 31 (task 20), 9-12 in 32
/// (task 21); named so that name order is the reverse of id order (`l.dat` … `a.dat`); 2, 5
/// and 9 are AVAILABLE, 3 is in ERROR, the others PENDING; file 10 has no size. Order 2 of
/// `v@x.fr` has file 13; the other tenant's order 3 has file 14.
async fn twelve_files(store: &dyn Store, t: &Tenant) -> Vec<OrderFile> {
    create(store, t, U, &[1]).await;
    create(store, t, "v@x.fr", &[2]).await;
    create(store, &other_tenant(), U, &[3]).await;
    let tasks = [task(20, "A", 8, 36), task(21, "B", 4, 32)];
    let suborders = [
        suborder(30, 20, false),
        suborder(31, 20, false),
        suborder(32, 21, false),
    ];
    let files: Vec<OrderFile> = (1..=12)
        .map(|id| {
            let mut f = match id {
                1..=4 => file(id, 30, 20),
                5..=8 => file(id, 31, 20),
                _ => file(id, 32, 21),
            };
            f.filename = format!("{}.dat", char::from(b'a' + (12 - id) as u8));
            f
        })
        .collect();
    let h = header(1, U, "order 1");
    let creation = store.store_creation(t, &h, &tasks, &suborders, &files, &[]);
    creation.await.unwrap();
    let h2 = header(2, "v@x.fr", "order 2");
    let (tasks2, suborders2) = ([task(22, "C", 1, 13)], [suborder(33, 22, false)]);
    let files2 = [file(13, 33, 22)];
    let creation = store.store_creation(t, &h2, &tasks2, &suborders2, &files2, &[]);
    creation.await.unwrap();
    let h3 = header(3, U, "order 3");
    let (tasks3, suborders3) = ([task(23, "D", 1, 14)], [suborder(34, 23, false)]);
    let (other, files3) = (other_tenant(), [file(14, 34, 23)]);
    let creation = store.store_creation(&other, &h3, &tasks3, &suborders3, &files3, &[]);
    creation.await.unwrap();
    let states = [
        (2, FileState::Available, None),
        (3, FileState::Error, Some("checksum")),
        (5, FileState::Available, None),
        (9, FileState::Available, None),
    ];
    apply(store, &[states_change(t, 1, &states)]).await;
    let mut read = Vec::new();
    for suborder in [30, 31, 32] {
        read.extend(suborder_files(store, t, 1, suborder).await);
    }
    read
}

/// Sort keys of a file listing (descending = true).
type FileSorts<'a> = &'a [(FileSort, bool)];

/// The ids of a page of order 1's files and the total.
async fn file_ids(
    store: &dyn Store,
    filter: &FileFilter,
    (page, size): (u32, u32),
    sort: &[(FileSort, bool)],
) -> (Vec<i64>, u64) {
    let tenant = Tenant::parse(TENANT).unwrap();
    let found = store
        .files_page(&tenant, 1, filter, page, size, sort)
        .await
        .unwrap();
    (found.files.iter().map(|f| f.id).collect(), found.total)
}

fn file_filter(set: impl FnOnce(&mut FileFilter)) -> FileFilter {
    let mut filter = FileFilter::default();
    set(&mut filter);
    filter
}

async fn file_of_order_gives_the_order_and_its_owner(app: TestApp) {
    let (store, t) = open(&app).await;
    let files = twelve_files(&*store, &t).await;
    assert_eq!(files[2].state, FileState::Error);
    let expected = FileOfOrder {
        order_id: 1,
        owner: U.into(),
        file: files[2].clone(),
        crc32: None,
    };
    assert_eq!(store.file_of_order(&t, 3).await.unwrap(), Some(expected));
    let of_v = store.file_of_order(&t, 13).await.unwrap().unwrap();
    assert_eq!((of_v.order_id, of_v.owner.as_str()), (2, "v@x.fr"));
    assert_eq!(of_v.file, file(13, 33, 22));
    assert_eq!(store.file_of_order(&t, 999).await.unwrap(), None);
    // Another tenant's file, and ours seen from another tenant, are unknown.
    assert_eq!(store.file_of_order(&t, 14).await.unwrap(), None);
    assert_eq!(store.file_of_order(&other_tenant(), 3).await.unwrap(), None);
    let theirs = store.file_of_order(&other_tenant(), 14).await.unwrap();
    assert_eq!(theirs.map(|f| (f.order_id, f.owner)), Some((3, U.into())));
}

async fn files_page_filters_pages_and_sorts(app: TestApp) {
    let (store, t) = open(&app).await;
    let files = twelve_files(&*store, &t).await;
    let all = FileFilter::default();
    // By id by default, pages with the total of the filter; other orders never show.
    assert_eq!(
        file_ids(&*store, &all, (0, 5), &[]).await,
        (vec![1, 2, 3, 4, 5], 12)
    );
    assert_eq!(
        file_ids(&*store, &all, (2, 5), &[]).await,
        (vec![11, 12], 12)
    );
    assert_eq!(file_ids(&*store, &all, (3, 5), &[]).await, (vec![], 12));
    let found = store.files_page(&t, 1, &all, 0, 12, &[]).await.unwrap();
    assert_eq!(found.files, files);
    // Each filter, and all of them.
    let cases = [
        (
            file_filter(|f| f.dataset_task_id = Some(21)),
            vec![9, 10, 11, 12],
        ),
        (file_filter(|f| f.suborder_id = Some(31)), vec![5, 6, 7, 8]),
        (
            file_filter(|f| f.state = Some(FileState::Available)),
            vec![2, 5, 9],
        ),
        (file_filter(|f| f.state = Some(FileState::Error)), vec![3]),
        (
            file_filter(|f| f.state = Some(FileState::Downloaded)),
            vec![],
        ),
        (
            file_filter(|f| {
                f.dataset_task_id = Some(20);
                f.suborder_id = Some(31);
                f.state = Some(FileState::Available);
            }),
            vec![5],
        ),
        (file_filter(|f| f.suborder_id = Some(33)), vec![]),
    ];
    for (filter, expected) in cases {
        let total = expected.len() as u64;
        let found = file_ids(&*store, &filter, (0, 20), &[]).await;
        assert_eq!(found, (expected, total), "{filter:?}");
    }
    let available = file_filter(|f| f.state = Some(FileState::Available));
    assert_eq!(
        file_ids(&*store, &available, (1, 2), &[]).await,
        (vec![9], 3)
    );
    // Sorts, then id in the direction of the last key.
    let sorts: [(FileSorts, Vec<i64>); 7] = [
        (&[(FileSort::Id, true)], (1..=12).rev().collect()),
        (&[(FileSort::Filename, false)], (1..=12).rev().collect()),
        (&[(FileSort::Filename, true)], (1..=12).collect()),
        (
            &[(FileSort::FilesTaskId, true)],
            vec![12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        ),
        (
            &[(FileSort::State, false)],
            vec![2, 5, 9, 3, 1, 4, 6, 7, 8, 10, 11, 12],
        ),
        // An unknown size is last ascending, first descending.
        (
            &[(FileSort::Size, false)],
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10],
        ),
        (
            &[(FileSort::State, true), (FileSort::Size, true)],
            vec![10, 12, 11, 8, 7, 6, 4, 1, 3, 9, 5, 2],
        ),
    ];
    for (sort, expected) in sorts {
        let found = file_ids(&*store, &all, (0, 20), sort).await;
        assert_eq!(found, (expected, 12), "{sort:?}");
    }
    let by_suborder = [(FileSort::FilesTaskId, false), (FileSort::Id, true)];
    assert_eq!(
        file_ids(&*store, &all, (1, 3), &by_suborder).await,
        (vec![1, 8, 7], 12)
    );
    let theirs = store
        .files_page(&other_tenant(), 1, &all, 0, 20, &[])
        .await
        .unwrap();
    assert_eq!((theirs.files.len(), theirs.total), (0, 0));
}

async fn order_files_streams_every_file_by_id(app: TestApp) {
    let (store, t) = open(&app).await;
    create(&*store, &t, U, &[1]).await;
    let tasks = [task(20, "A", 4_000, 1)];
    let suborders = [suborder(30, 20, false), suborder(31, 20, false)];
    // Stored out of id order, over two sub-orders.
    let mut files: Vec<OrderFile> = (1..=4_000)
        .map(|id| file(id, if id % 2 == 0 { 30 } else { 31 }, 20))
        .collect();
    files.reverse();
    let h = header(1, U, "order 1");
    let creation = store.store_creation(&t, &h, &tasks, &suborders, &files, &[]);
    creation.await.unwrap();
    files.reverse();
    let all = FileFilter::default();
    let streamed: Vec<_> = store.order_files(&t, 1, &all).try_collect().await.unwrap();
    assert_eq!(streamed.len(), 4_000);
    assert!(streamed.iter().all(|(_, crc)| crc.is_none()));
    let read: Vec<OrderFile> = streamed.into_iter().map(|(f, _)| f).collect();
    assert_eq!(read, files);
    // Filtered like pages.
    let even = file_filter(|f| f.suborder_id = Some(30));
    let ids: Vec<i64> = store
        .order_files(&t, 1, &even)
        .map_ok(|(f, _)| f.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (1..=2_000).map(|i| 2 * i).collect::<Vec<_>>());
    // What a retrieval run reads: ids and locations of one sub-order, by id, a page at a
    // time.
    let expected: Vec<(i64, String)> = files
        .iter()
        .filter(|f| f.suborder_id == 30)
        .map(|f| (f.id, f.url.clone()))
        .collect();
    let mut locations = Vec::new();
    let mut after = 0;
    loop {
        let page = store
            .suborder_locations(&t, 1, 30, after, 300)
            .await
            .unwrap();
        assert!(page.len() <= 300);
        let Some((last, _)) = page.last() else { break };
        after = *last;
        locations.extend(page);
    }
    assert_eq!(locations, expected);
    let from_the_middle = store.suborder_locations(&t, 1, 30, 1_000, 2).await.unwrap();
    assert_eq!(from_the_middle, expected[500..502]);
    assert!(
        store
            .suborder_locations(&other_tenant(), 1, 30, 0, 300)
            .await
            .unwrap()
            .is_empty()
    );
    let none = file_filter(|f| f.state = Some(FileState::Available));
    let found: Vec<_> = store.order_files(&t, 1, &none).try_collect().await.unwrap();
    assert!(found.is_empty());
    // Another order, another tenant.
    let other: Vec<_> = store.order_files(&t, 2, &all).try_collect().await.unwrap();
    assert!(other.is_empty());
    let other_tenant = other_tenant();
    let theirs: Vec<_> = store
        .order_files(&other_tenant, 1, &all)
        .try_collect()
        .await
        .unwrap();
    assert!(theirs.is_empty());
}

async fn file_summaries_stream_every_file_by_id_in_pages(app: TestApp) {
    let (store, t) = open(&app).await;
    create(&*store, &t, U, &[1]).await;
    // Two full pages and one more file, stored out of id order.
    let count = 2 * i64::from(SUMMARY_PAGE_ROWS) + 1;
    let tasks = [task(20, "A", count, 1)];
    let suborders = [suborder(30, 20, false)];
    let mut files: Vec<OrderFile> = (1..=count).map(|id| file(id, 30, 20)).collect();
    // Values a page must carry intact, whatever the way a backend reads it.
    files[0].filename = "quote\" \\ back<&>'\n\ttab é 中 🚀".into();
    files[1].mime_type = None;
    files[1].checksum = None;
    files[2].size = Some(-1);
    files[3].size = Some(i64::MAX);
    files[4].checksum = Some(Checksum {
        algorithm: String::new(),
        value: "[1, \"not json\"]".into(),
    });
    files.reverse();
    let h = header(1, U, "order 1");
    let creation = store.store_creation(&t, &h, &tasks, &suborders, &files, &[]);
    creation.await.unwrap();
    files.reverse();
    let expected: Vec<FileSummary> = files
        .iter()
        .map(|f| FileSummary {
            id: f.id,
            filename: f.filename.clone(),
            size: f.size,
            mime_type: f.mime_type.clone(),
            checksum: f.checksum.clone(),
        })
        .collect();
    let pages: Vec<Vec<FileSummary>> = store.file_summaries(&t, 1).try_collect().await.unwrap();
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    let full = SUMMARY_PAGE_ROWS as usize;
    assert_eq!(sizes, [full, full, 1]);
    assert_eq!(pages.concat(), expected);
    // One page from the middle.
    let page = store.file_summaries_page(&t, 1, Some(3), 2).await.unwrap();
    assert_eq!(page, expected[3..5]);
    let past_the_end = store.file_summaries_page(&t, 1, Some(count), 10).await;
    assert!(past_the_end.unwrap().is_empty());
    // Another order, another tenant.
    let other: Vec<_> = store.file_summaries(&t, 2).try_collect().await.unwrap();
    assert!(other.is_empty());
    let other_tenant = other_tenant();
    let theirs: Vec<_> = store
        .file_summaries(&other_tenant, 1)
        .try_collect()
        .await
        .unwrap();
    assert!(theirs.is_empty());
}

async fn record_crcs_are_read_back(app: TestApp) {
    let (store, t) = open(&app).await;
    create(&*store, &t, U, &[1]).await;
    let tasks = [task(20, "A", 2_500, 1)];
    let files: Vec<OrderFile> = (1..=2_500).map(|id| file(id, 30, 20)).collect();
    let h = header(1, U, "order 1");
    let suborders = [suborder(30, 20, false)];
    let creation = store.store_creation(&t, &h, &tasks, &suborders, &files, &[]);
    creation.await.unwrap();
    let crc = |id: i64| (id as u32).wrapping_mul(2_654_435_761);
    // Every file but the first ten, in more than one chunk, out of order; the last value of
    // a repeated id wins; u32::MAX fits.
    let mut crcs: Vec<(i64, u32)> = (11..=2_500).rev().map(|id| (id, crc(id))).collect();
    crcs.push((11, 7));
    crcs.push((12, u32::MAX));
    record_crcs(&*store, &t, &crcs).await;
    record_crcs(&*store, &t, &[]).await;
    // Another tenant's update touches nothing of ours.
    record_crcs(&*store, &other_tenant(), &[(1, 1)]).await;

    let all = FileFilter::default();
    let streamed: Vec<_> = store.order_files(&t, 1, &all).try_collect().await.unwrap();
    let read: Vec<(i64, Option<u32>)> = streamed.iter().map(|(f, c)| (f.id, *c)).collect();
    let expected: Vec<(i64, Option<u32>)> = (1..=2_500)
        .map(|id| match id {
            1..=10 => (id, None),
            11 => (id, Some(7)),
            12 => (id, Some(u32::MAX)),
            _ => (id, Some(crc(id))),
        })
        .collect();
    assert_eq!(read, expected);
    assert_eq!(streamed[1_999].0, files[1_999]);
    let one = store.file_of_order(&t, 12).await.unwrap().unwrap();
    assert_eq!((one.crc32, one.file), (Some(u32::MAX), files[11].clone()));
    let none = store.file_of_order(&t, 1).await.unwrap().unwrap();
    assert_eq!(none.crc32, None);
    // A new value replaces the old one.
    record_crcs(&*store, &t, &[(12, 42), (1, 0)]).await;
    let one = store.file_of_order(&t, 12).await.unwrap().unwrap();
    let first = store.file_of_order(&t, 1).await.unwrap().unwrap();
    assert_eq!((one.crc32, first.crc32), (Some(42), Some(0)));
}
