//! The order aggregate the order actor owns: every state change goes through its methods,
//! which keep the counters, `waitingForUser` and the final status right at once.

use crate::domain::Tenant;
use crate::domain::order::model::{DatasetTask, FileSlot, OrderHeader, SubOrder};
use crate::domain::order::refusal::Refusal;
use crate::domain::order::status::{ALL_FILE_STATES, FileState, OrderStatus};
use chrono::{DateTime, Utc};
use std::ops::Range;
use std::sync::Arc;

/// A sub-order with the position of its files and per-state counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubOrderProgress {
    pub suborder: SubOrder,
    range: Range<usize>,
    counts: [u32; ALL_FILE_STATES.len()],
}

impl SubOrderProgress {
    /// Files of the sub-order in this state.
    pub fn count(&self, state: FileState) -> u32 {
        self.counts[state.index()]
    }

    /// No file left to retrieve and at least one to download: the user is expected.
    pub fn waiting_for_user(&self) -> bool {
        self.count(FileState::Pending) == 0 && self.count(FileState::Available) > 0
    }

    /// Some file still has to be retrieved.
    pub fn has_pending(&self) -> bool {
        self.count(FileState::Pending) > 0
    }
}

/// An order with its files, in memory.
#[derive(Debug, Clone)]
pub struct Order {
    pub tenant: Tenant,
    /// Shared with the snapshots the actor publishes: a change copies it (`header_mut`) only
    /// while a snapshot still holds it.
    pub header: Arc<OrderHeader>,
    /// Shared with the snapshots the actor publishes (they change only with the content).
    pub tasks: Arc<[DatasetTask]>,
    suborders: Vec<SubOrderProgress>,
    /// Grouped by sub-order, sorted by id inside each group.
    files: Vec<FileSlot>,
    counts: [u64; ALL_FILE_STATES.len()],
    size_total: i64,
    size_done: i64,
    errors_sized: u64,
    /// Sub-orders waiting for the user, kept up to date so a file change costs O(log n).
    waiting_suborders: usize,
    /// True when ids increase along `files` (creation numbers files sub-order by sub-order):
    /// a file is then found by one binary search instead of one per sub-order.
    ids_sorted: bool,
}

/// The owner, or an admin, may manage an order (pause, resume, delete, restart, retry).
pub fn may_manage(owner: &str, caller: &str, caller_is_admin: bool) -> Result<(), Refusal> {
    if caller_is_admin || owner == caller {
        Ok(())
    } else {
        Err(Refusal::NotAllowed)
    }
}

impl Order {
    /// Assembles an order from its stored parts; counters are recomputed from the files.
    pub fn new(
        tenant: Tenant,
        header: OrderHeader,
        tasks: Vec<DatasetTask>,
        suborders: Vec<SubOrder>,
        files: Vec<FileSlot>,
    ) -> Self {
        let mut order = Self {
            tenant,
            header: Arc::new(header),
            tasks: resident(tasks),
            suborders: Vec::new(),
            files: Vec::new(),
            counts: [0; ALL_FILE_STATES.len()],
            size_total: 0,
            size_done: 0,
            errors_sized: 0,
            waiting_suborders: 0,
            ids_sorted: true,
        };
        order.set_content(suborders, files);
        order.update_counters();
        order
    }

    /// Replaces the dataset tasks (kept as `resident` makes them).
    pub(super) fn set_tasks(&mut self, tasks: Vec<DatasetTask>) {
        self.tasks = resident(tasks);
    }

    fn set_content(&mut self, mut suborders: Vec<SubOrder>, mut files: Vec<FileSlot>) {
        suborders.sort_by_key(|s| s.id);
        files.sort_by_key(|f| (f.suborder_id, f.id));
        // Read row by row, the vector has grown past its size: an active order keeps it.
        files.shrink_to_fit();
        self.counts = [0; ALL_FILE_STATES.len()];
        self.size_total = 0;
        self.size_done = 0;
        self.errors_sized = 0;
        let mut progress = Vec::with_capacity(suborders.len());
        let mut start = 0;
        for s in suborders {
            let len = files[start..]
                .iter()
                .take_while(|f| f.suborder_id == s.id)
                .count();
            let mut counts = [0; ALL_FILE_STATES.len()];
            for f in &files[start..start + len] {
                counts[f.state.index()] += 1;
            }
            progress.push(SubOrderProgress {
                suborder: s,
                range: start..start + len,
                counts,
            });
            start += len;
        }
        // Files of an unknown sub-order cannot be reached: drop them rather than miscount.
        files.truncate(start);
        for f in &files {
            self.count_file(f, 1);
        }
        self.waiting_suborders = progress.iter().filter(|s| s.waiting_for_user()).count();
        self.ids_sorted = files.windows(2).all(|w| w[0].id < w[1].id);
        self.suborders = progress;
        self.files = files;
    }

    fn count_file(&mut self, f: &FileSlot, sign: i64) {
        let delta = u64::from(sign > 0);
        if sign > 0 {
            self.counts[f.state.index()] += delta;
        } else {
            self.counts[f.state.index()] = self.counts[f.state.index()].saturating_sub(1);
        }
        if f.size >= 0 {
            self.size_total += sign * f.size;
            if f.state != FileState::Pending {
                self.size_done += sign * f.size;
            }
            if f.state == FileState::Error {
                if sign > 0 {
                    self.errors_sized += 1;
                } else {
                    self.errors_sized = self.errors_sized.saturating_sub(1);
                }
            }
        }
    }

    /// Number of files in `state`.
    pub fn count(&self, state: FileState) -> u64 {
        self.counts[state.index()]
    }

    /// All files.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The sub-orders, by id.
    pub fn suborders(&self) -> &[SubOrderProgress] {
        &self.suborders
    }

    /// The files of one sub-order.
    pub fn files_of(&self, suborder_id: i64) -> &[FileSlot] {
        self.suborders
            .iter()
            .find(|s| s.suborder.id == suborder_id)
            .and_then(|s| self.files.get(s.range.clone()))
            .unwrap_or(&[])
    }

    fn locate(&self, file_id: i64) -> Option<(usize, usize)> {
        if self.ids_sorted {
            let i = self.files.binary_search_by_key(&file_id, |f| f.id).ok()?;
            // Sub-order ranges are contiguous and in order: the one holding position i.
            let si = self.suborders.partition_point(|s| s.range.end <= i);
            return Some((si, i));
        }
        self.suborders.iter().enumerate().find_map(|(si, s)| {
            let slice = self.files.get(s.range.clone())?;
            let i = slice.binary_search_by_key(&file_id, |f| f.id).ok()?;
            Some((si, s.range.start + i))
        })
    }

    /// The file with this id.
    pub fn file(&self, file_id: i64) -> Option<&FileSlot> {
        self.locate(file_id).and_then(|(_, i)| self.files.get(i))
    }

    /// Moves a file to `state`; answers the previous state when it changed.
    pub fn set_file_state(
        &mut self,
        file_id: i64,
        state: FileState,
        now: DateTime<Utc>,
    ) -> Option<FileState> {
        let (si, fi) = self.locate(file_id)?;
        let old = *self.files.get(fi)?;
        if old.state == state {
            return None;
        }
        self.count_file(&old, -1);
        let new = FileSlot { state, ..old };
        self.count_file(&new, 1);
        self.files[fi] = new;
        let s = &mut self.suborders[si];
        let was_waiting = s.waiting_for_user();
        s.counts[old.state.index()] = s.counts[old.state.index()].saturating_sub(1);
        s.counts[state.index()] += 1;
        match (was_waiting, s.waiting_for_user()) {
            (false, true) => self.waiting_suborders += 1,
            (true, false) => self.waiting_suborders = self.waiting_suborders.saturating_sub(1),
            _ => {}
        }
        self.after_change(now);
        Some(old.state)
    }

    /// `percentCompleted`: share of the bytes no longer PENDING (100 only when nothing is).
    fn percent(&self) -> i32 {
        let pending = self.count(FileState::Pending) > 0;
        let percent = if self.size_total > 0 {
            (100 * i128::from(self.size_done) / i128::from(self.size_total)) as i32
        } else if pending {
            0
        } else {
            100
        };
        if pending { percent.min(99) } else { percent }
    }

    /// The header, to change it: copied first if a published snapshot still shares it.
    fn header_mut(&mut self) -> &mut OrderHeader {
        Arc::make_mut(&mut self.header)
    }

    fn update_counters(&mut self) {
        // An order still being created has no files yet: 0 %, not 100 %.
        let percent_completed = if self.is_created() { self.percent() } else { 0 };
        let errors = self.errors_sized + self.counts[FileState::ProcessingError.index()];
        let files_in_error = i32::try_from(errors).unwrap_or(i32::MAX);
        let available_count = i32::try_from(self.count(FileState::Available)).unwrap_or(i32::MAX);
        let waiting_for_user = self.waiting_suborders > 0;
        let h = &self.header;
        // Unchanged counters leave a shared header shared.
        if (
            h.percent_completed,
            h.files_in_error,
            h.available_count,
            h.waiting_for_user,
        ) != (
            percent_completed,
            files_in_error,
            available_count,
            waiting_for_user,
        ) {
            let header = self.header_mut();
            header.percent_completed = percent_completed;
            header.files_in_error = files_in_error;
            header.available_count = available_count;
            header.waiting_for_user = waiting_for_user;
        }
    }

    /// Counters and final status after any change of files.
    fn after_change(&mut self, now: DateTime<Utc>) {
        self.update_counters();
        let status = self.header.status;
        if matches!(status, OrderStatus::Running | OrderStatus::Paused)
            && self.count(FileState::Pending) == 0
        {
            let errors = i64::from(self.header.files_in_error);
            let expected: i64 = self.tasks.iter().map(|t| t.files_count).sum();
            let final_status = if errors == 0 {
                OrderStatus::Done
            } else if errors >= expected {
                OrderStatus::Failed
            } else {
                OrderStatus::DoneWithWarning
            };
            self.set_status(final_status, now);
        }
        if self.header.status == OrderStatus::Done && self.count(FileState::DownloadError) > 0 {
            self.set_status(OrderStatus::DoneWithWarning, now);
        }
    }

    fn set_status(&mut self, status: OrderStatus, now: DateTime<Utc>) {
        if self.header.status != status {
            let header = self.header_mut();
            header.status = status;
            header.status_date = now;
        }
    }

    /// True once asynchronous creation has filled the order (its expiration date is set).
    pub fn is_created(&self) -> bool {
        self.header.expiration_date.is_some()
    }
}

mod lifecycle;

/// The tasks as an active order keeps them: without their selection requests, which only
/// creation reads and the database keeps (an order picking ten items would otherwise hold
/// their ids twice in memory for its whole life).
fn resident(mut tasks: Vec<DatasetTask>) -> Arc<[DatasetTask]> {
    for task in &mut tasks {
        task.selection_requests = Vec::new();
    }
    tasks.into()
}
