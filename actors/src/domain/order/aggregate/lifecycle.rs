//! Lifecycle actions: the original's allowed-actions matrix, one method per action.

use super::Order;
use crate::domain::order::model::{DatasetTask, FileSlot, SubOrder};
use crate::domain::order::refusal::Refusal;
use crate::domain::order::status::{FileState, OrderStatus};
use chrono::{DateTime, Utc};

impl Order {
    /// Pause: PENDING or RUNNING → PAUSED at once (retrievals stop launching; the order is
    /// "effectively paused" once those in flight have ended, which the actor tracks).
    pub fn pause(&mut self, now: DateTime<Utc>) -> Result<(), Refusal> {
        match self.header.status {
            OrderStatus::Pending | OrderStatus::Running => {
                self.set_status(OrderStatus::Paused, now);
                Ok(())
            }
            _ => Err(Refusal::MustBePendingOrRunning),
        }
    }

    /// Resume: PAUSED and effectively paused → RUNNING (back to PENDING when creation has
    /// not finished yet).
    pub fn resume(&mut self, now: DateTime<Utc>, effectively_paused: bool) -> Result<(), Refusal> {
        if self.header.status != OrderStatus::Paused || !effectively_paused {
            return Err(Refusal::MustBePaused);
        }
        let next = if self.is_created() {
            OrderStatus::Running
        } else {
            OrderStatus::Pending
        };
        self.set_status(next, now);
        self.after_change(now);
        Ok(())
    }

    /// Delete (soft): the files and sub-orders go, the order row stays as DELETED.
    pub fn delete(&mut self, now: DateTime<Utc>) -> Result<(), Refusal> {
        match self.header.status {
            OrderStatus::Done
            | OrderStatus::DoneWithWarning
            | OrderStatus::Paused
            | OrderStatus::Expired
            | OrderStatus::Failed => {
                self.drop_files();
                self.set_status(OrderStatus::Deleted, now);
                Ok(())
            }
            _ => Err(Refusal::NotDeletable),
        }
    }

    /// Remove (hard) is only for DELETED orders.
    pub fn check_remove(&self) -> Result<(), Refusal> {
        match self.header.status {
            OrderStatus::Deleted => Ok(()),
            _ => Err(Refusal::MustBeDeleted),
        }
    }

    /// Restart creates a new order from this one's basket: only once this one has finished.
    pub fn check_restart(&self) -> Result<(), Refusal> {
        match self.header.status {
            s if s.is_finished() => Ok(()),
            _ => Err(Refusal::NotRestartable),
        }
    }

    /// Retry: files in ERROR or DOWNLOAD_ERROR go back to PENDING (external references, which
    /// need no restore, straight to AVAILABLE); the order runs again until `expiration`.
    /// Answers the files that changed.
    pub fn retry(
        &mut self,
        now: DateTime<Utc>,
        expiration: DateTime<Utc>,
    ) -> Result<Vec<(i64, FileState)>, Refusal> {
        if !matches!(
            self.header.status,
            OrderStatus::DoneWithWarning | OrderStatus::Failed
        ) {
            return Err(Refusal::NotRetryable);
        }
        if self.tasks.iter().any(|t| t.process.is_some()) {
            return Err(Refusal::HasProcessing);
        }
        let external: Vec<i64> = self
            .suborders
            .iter()
            .filter(|s| s.suborder.external)
            .map(|s| s.suborder.id)
            .collect();
        let retried: Vec<(i64, FileState)> = self
            .files
            .iter()
            .filter(|f| matches!(f.state, FileState::Error | FileState::DownloadError))
            .map(|f| {
                let next = if external.contains(&f.suborder_id) {
                    FileState::Available
                } else {
                    FileState::Pending
                };
                (f.id, next)
            })
            .collect();
        self.header_mut().expiration_date = Some(expiration);
        self.header_mut().message = None;
        self.set_status(OrderStatus::Running, now);
        for (id, state) in &retried {
            self.set_file_state(*id, *state, now);
        }
        self.after_change(now);
        Ok(retried)
    }

    /// True when the expiration date has passed and the order still has something to stop
    /// or to offer: PENDING, RUNNING, PAUSED, or finished with files still to download.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        let due = self.header.expiration_date.is_some_and(|d| d <= now);
        let eligible = match self.header.status {
            OrderStatus::Pending | OrderStatus::Running | OrderStatus::Paused => true,
            OrderStatus::Done | OrderStatus::DoneWithWarning => self.header.available_count > 0,
            _ => false,
        };
        due && eligible
    }

    /// Expires the order when due: its files and sub-orders go, status EXPIRED.
    pub fn expire(&mut self, now: DateTime<Utc>) -> bool {
        if !self.is_expired_at(now) {
            return false;
        }
        self.drop_files();
        self.set_status(OrderStatus::Expired, now);
        true
    }

    /// Ends asynchronous creation with the computed content. A pause requested meanwhile is
    /// kept; a deletion requested meanwhile wins (the content is not taken); no dataset task
    /// gives DONE_WITH_WARNING with `empty_message`.
    pub fn complete_creation(
        &mut self,
        tasks: Vec<DatasetTask>,
        suborders: Vec<SubOrder>,
        files: Vec<FileSlot>,
        expiration: DateTime<Utc>,
        empty_message: &str,
        now: DateTime<Utc>,
    ) {
        if self.header.status == OrderStatus::Deleted {
            return;
        }
        self.set_tasks(tasks);
        self.header_mut().expiration_date = Some(expiration);
        self.set_content(suborders, files);
        if self.tasks.is_empty() {
            self.header_mut().message = Some(empty_message.to_owned());
            self.set_status(OrderStatus::DoneWithWarning, now);
        } else if self.header.status != OrderStatus::Paused {
            self.set_status(OrderStatus::Running, now);
        }
        self.after_change(now);
    }

    /// Ends asynchronous creation in failure (a deletion requested meanwhile wins).
    pub fn fail_creation(&mut self, message: &str, expiration: DateTime<Utc>, now: DateTime<Utc>) {
        if self.header.status == OrderStatus::Deleted {
            return;
        }
        self.header_mut().expiration_date = Some(expiration);
        self.header_mut().message = Some(message.to_owned());
        self.set_status(OrderStatus::Failed, now);
        self.update_counters();
    }

    fn drop_files(&mut self) {
        self.set_content(Vec::new(), Vec::new());
        self.update_counters();
        self.header_mut().waiting_for_user = false;
        self.header_mut().available_count = 0;
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
