//! Pages of an order's files: those of a dataset task (with whether each is online), and the
//! AVAILABLE ones of the order or of one sub-order; and the page of its sub-orders with their
//! files counted per state.

use super::DownloadService;
use crate::app::{AppError, AppResult, Requester};
use regards_order_actors::domain::order::{FileState, OrderFile};
use regards_order_actors::ports::{FileFilter, FileSort, SubOrderPage};

/// A requested page: 0-based number, size, and (property, descending) sort keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
    pub sort: Vec<(String, bool)>,
}

/// One page of files, and how many match in all.
#[derive(Debug)]
pub struct FilePage<T> {
    pub files: Vec<T>,
    pub total: u64,
}

/// A file of a dataset task, and whether it can be read at once (not on a nearline storage).
#[derive(Debug)]
pub struct DatasetFile {
    pub file: OrderFile,
    pub online: bool,
}

impl DownloadService {
    /// The files of a dataset task of an order the requester may read (404 when the task is
    /// not the order's).
    pub async fn dataset_files(
        &self,
        requester: &Requester,
        order_id: i64,
        task_id: i64,
        page: &PageRequest,
    ) -> AppResult<FilePage<DatasetFile>> {
        let order = self.readable_order(requester, order_id).await?;
        if !order.tasks.iter().any(|t| t.id == task_id) {
            return Err(AppError::NotFound(Some(format!(
                "Dataset task {task_id} is not in order {order_id}"
            ))));
        }
        let filter = FileFilter {
            dataset_task_id: Some(task_id),
            ..FileFilter::default()
        };
        let found = self.page_of(requester, order_id, filter, page).await?;
        let files = found
            .files
            .into_iter()
            .map(|file| {
                let online = self.storages.resolve(&file.url).is_none_or(|s| s.online());
                DatasetFile { file, online }
            })
            .collect();
        Ok(FilePage {
            files,
            total: found.total,
        })
    }

    /// The AVAILABLE files of an order the requester may read, or of one of its sub-orders.
    pub async fn available_files(
        &self,
        requester: &Requester,
        order_id: i64,
        suborder_id: Option<i64>,
        page: &PageRequest,
    ) -> AppResult<FilePage<OrderFile>> {
        self.readable_order(requester, order_id).await?;
        let filter = FileFilter {
            suborder_id,
            state: Some(FileState::Available),
            ..FileFilter::default()
        };
        self.page_of(requester, order_id, filter, page).await
    }

    /// The sub-orders of an order the requester may read, by id, with their files counted per
    /// state (what the engine shows now: the order is synchronised first).
    pub async fn suborders(
        &self,
        requester: &Requester,
        order_id: i64,
        page: &PageRequest,
    ) -> AppResult<SubOrderPage> {
        self.readable_order(requester, order_id).await?;
        Ok(self
            .store
            .suborders_page(&requester.tenant, order_id, page.page, page.size)
            .await?)
    }

    async fn page_of(
        &self,
        requester: &Requester,
        order_id: i64,
        filter: FileFilter,
        page: &PageRequest,
    ) -> AppResult<FilePage<OrderFile>> {
        let sort = sort_of(page)?;
        let found = self
            .store
            .files_page(
                &requester.tenant,
                order_id,
                &filter,
                page.page,
                page.size,
                &sort,
            )
            .await?;
        Ok(FilePage {
            files: found.files,
            total: found.total,
        })
    }
}

/// The sort keys of `page`, by id when none is given (400 for an unknown property).
fn sort_of(page: &PageRequest) -> AppResult<Vec<(FileSort, bool)>> {
    let mut sort = Vec::new();
    for (property, descending) in &page.sort {
        let key = FileSort::parse(property)
            .ok_or_else(|| AppError::Invalid(format!("Cannot sort by '{property}'")))?;
        sort.push((key, *descending));
    }
    if sort.is_empty() {
        sort.push((FileSort::Id, false));
    }
    Ok(sort)
}
