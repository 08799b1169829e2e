//! Splitting an order's files into sub-orders, as the original does at creation.

use crate::domain::order::model::OrderFile;
use std::collections::HashSet;

/// External sub-orders close above this many files.
pub const MAX_EXTERNAL_FILES: usize = 1000;

/// Thresholds of storage sub-orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitLimits {
    /// A storage sub-order closes once its files reach this many bytes.
    pub bucket_bytes: i64,
    /// … or this many files.
    pub max_files: usize,
}

/// Files of one future sub-order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bucket {
    pub external: bool,
    pub files: Vec<OrderFile>,
    size: i64,
    /// (algorithm, checksum) of the files already in: the same file reached through two
    /// objects is ordered once.
    seen: HashSet<(String, String)>,
}

impl Bucket {
    fn new(external: bool) -> Self {
        Self {
            external,
            ..Self::default()
        }
    }

    fn push(&mut self, file: OrderFile) {
        if let Some(c) = &file.checksum
            && !self.seen.insert((c.algorithm.clone(), c.value.clone()))
        {
            return;
        }
        self.size += file.size.unwrap_or(0);
        self.files.push(file);
    }

    /// Total bytes of the bucket's files.
    pub fn size(&self) -> i64 {
        self.size
    }
}

/// Groups files into sub-orders object by object: the files of one object stay together,
/// and a bucket closes after the object that makes it reach a threshold.
#[derive(Debug)]
pub struct Splitter {
    limits: SplitLimits,
    storage: Bucket,
    external: Bucket,
    closed: Vec<Bucket>,
}

impl Splitter {
    /// An empty splitter.
    pub fn new(limits: SplitLimits) -> Self {
        Self {
            limits,
            storage: Bucket::new(false),
            external: Bucket::new(true),
            closed: Vec::new(),
        }
    }

    /// Adds the retained files of one object.
    pub fn add_object(&mut self, files: impl IntoIterator<Item = OrderFile>) {
        for file in files {
            if file.reference {
                self.external.push(file);
            } else {
                self.storage.push(file);
            }
        }
        if self.storage.files.len() >= self.limits.max_files
            || self.storage.size >= self.limits.bucket_bytes
        {
            self.closed
                .push(std::mem::replace(&mut self.storage, Bucket::new(false)));
        }
        if self.external.files.len() > MAX_EXTERNAL_FILES
            || self.external.files.len() >= self.limits.max_files
        {
            self.closed
                .push(std::mem::replace(&mut self.external, Bucket::new(true)));
        }
    }

    /// The buckets, the last partial ones included; empty buckets are dropped.
    pub fn finish(mut self) -> Vec<Bucket> {
        self.closed.push(self.storage);
        self.closed.push(self.external);
        self.closed.retain(|b| !b.files.is_empty());
        self.closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Checksum;
    use crate::domain::data_type::DataType;
    use crate::domain::order::status::FileState;

    fn file(name: &str, size: i64, reference: bool, md5: Option<&str>) -> OrderFile {
        OrderFile {
            id: 0,
            suborder_id: 0,
            dataset_task_id: 0,
            state: FileState::Pending,
            filename: name.into(),
            url: format!("file:///d/{name}"),
            mime_type: None,
            size: Some(size),
            checksum: md5.map(|v| Checksum {
                algorithm: "MD5".into(),
                value: v.into(),
            }),
            data_type: DataType::Rawdata,
            reference,
            object_urn: "o".into(),
            provider_id: "p".into(),
            version: 0,
            download_error: None,
        }
    }

    #[test]
    fn closes_storage_buckets_on_size_or_count_after_the_object() {
        let mut s = Splitter::new(SplitLimits {
            bucket_bytes: 100,
            max_files: 3,
        });
        s.add_object([file("a", 60, false, None), file("b", 60, false, None)]);
        s.add_object([file("c", 10, false, None)]);
        s.add_object([file("d", 1, false, None), file("e", 1, false, None)]);
        s.add_object([file("f", 1, false, None)]);
        let buckets = s.finish();
        let sizes: Vec<usize> = buckets.iter().map(|b| b.files.len()).collect();
        // a+b reach 120 bytes (closed with the object), c+d+e reach 3 files, f remains.
        assert_eq!(sizes, vec![2, 3, 1]);
        assert!(buckets.iter().all(|b| !b.external));
    }

    #[test]
    fn external_files_go_to_their_own_sub_orders() {
        let mut s = Splitter::new(SplitLimits {
            bucket_bytes: 1 << 40,
            max_files: 5000,
        });
        for i in 0..1001 {
            s.add_object([file(&format!("x{i}"), 1, true, None)]);
        }
        s.add_object([file("in", 1, false, None)]);
        let buckets = s.finish();
        assert_eq!(buckets.len(), 2);
        assert!(buckets[0].external);
        assert_eq!(buckets[0].files.len(), 1001);
        assert!(!buckets[1].external);
    }

    #[test]
    fn the_same_checksum_is_ordered_once_per_bucket() {
        let mut s = Splitter::new(SplitLimits {
            bucket_bytes: 1000,
            max_files: 10,
        });
        s.add_object([file("a", 5, false, Some("aa")), file("b", 5, false, None)]);
        s.add_object([
            file("a-again", 5, false, Some("aa")),
            file("c", 5, false, None),
        ]);
        let buckets = s.finish();
        assert_eq!(buckets.len(), 1);
        assert_eq!(buckets[0].files.len(), 3);
        assert_eq!(buckets[0].size(), 15);
    }
}
