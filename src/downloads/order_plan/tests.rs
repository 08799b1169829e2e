//! A plan built from files as the order's rows give them, streamed and read back by Python's
//! zipfile; the files' outcomes read back in chunks.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{TimeZone, Utc};
use futures::TryStreamExt;
use regards_order_actors::domain::DataType;
use regards_order_actors::domain::catalog::Checksum;
use regards_order_actors::domain::order::{FileState, OrderFile};

use super::{OrderSources, Planner};
use crate::config::{StorageKind, StorageSettings};
use crate::downloads::zip::{crc32, stream_archive};
use crate::storage::Storages;

/// File `id` called `name` at `url`, with an MD5 `checksum`.
fn file(id: i64, name: &str, url: &str, checksum: &str) -> OrderFile {
    OrderFile {
        id,
        suborder_id: 1,
        dataset_task_id: 1,
        state: FileState::Available,
        filename: name.into(),
        url: url.into(),
        mime_type: None,
        size: None,
        checksum: Some(Checksum {
            algorithm: "MD5".into(),
            value: checksum.into(),
        }),
        data_type: DataType::Rawdata,
        reference: false,
        object_urn: format!("URN:DATA:{id}"),
        provider_id: format!("P{id}"),
        version: 1,
        download_error: None,
    }
}

/// An online storage rooted at `root`.
fn storages(root: &Path) -> Arc<Storages> {
    let settings = StorageSettings {
        name: "disk".into(),
        kind: StorageKind::Local,
        root: root.to_string_lossy().into_owned(),
        nearline: false,
        restore_delay_ms: 0,
        drives: 4,
        timeout_ms: 10_000,
    };
    Arc::new(Storages::from_settings(&[settings]).unwrap())
}

#[tokio::test]
async fn a_plan_streams_as_the_archive_of_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (1, "a.txt", "alpha", "c1"),
        (2, "other/a.txt", "alpha", "C1"),
        (3, "A.TXT", "beta", "c2"),
        (4, "empty.dat", "", "c3"),
    ];
    let date = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 10).unwrap();
    let mut planner = Planner::create(dir.path().to_owned(), date).await.unwrap();
    for (id, name, content, sum) in files {
        let path = dir.path().join(format!("f{id}"));
        std::fs::write(&path, content).unwrap();
        let found = Ok((crc32(content.as_bytes()), content.len() as u64));
        let url = path.to_string_lossy();
        planner
            .add(&file(id, name, &url, sum), found)
            .await
            .unwrap();
    }
    let gone = file(5, "gone.dat", "/nowhere/gone.dat", "c4");
    planner.add(&gone, Err("missing".into())).await.unwrap();
    let plan = planner.finish().await.unwrap().unwrap();
    assert_eq!(plan.layout.entry_count(), 4);

    let layout = Arc::new(plan.layout);
    let sources = OrderSources {
        storages: storages(dir.path()),
        notice: plan.notice,
    };
    let chunks: Vec<Bytes> = stream_archive(layout.archive(Arc::new(sources)), None)
        .try_collect()
        .await
        .unwrap();
    let zip = dir.path().join("plan.zip");
    std::fs::write(&zip, chunks.concat()).unwrap();
    assert_eq!(
        std::fs::metadata(&zip).unwrap().len(),
        layout.total_length()
    );
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  print(z.testzip())\n\
                  for i in z.infolist(): print(i.filename, i.date_time, repr(z.read(i).decode()))";
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&zip)
        .output()
        .unwrap();
    let expected = "None\n\
                    a.txt (2024, 5, 6, 7, 8, 10) 'alpha'\n\
                    A (1).TXT (2024, 5, 6, 7, 8, 10) 'beta'\n\
                    empty.dat (2024, 5, 6, 7, 8, 10) ''\n\
                    NOTICE.txt (2024, 5, 6, 7, 8, 10) 'Failed to download file (gone.dat): missing.'\n";
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);

    let chunks: Vec<Vec<_>> = plan.outcomes.chunks(2).try_collect().await.unwrap();
    let downloaded = |id| (id, FileState::Downloaded, None);
    let failed = (5, FileState::DownloadError, Some("missing".to_owned()));
    assert_eq!(
        chunks,
        [
            vec![downloaded(1), downloaded(2)],
            vec![downloaded(3), downloaded(4)],
            vec![failed]
        ]
    );
}

#[tokio::test]
async fn a_plan_without_files_is_none_and_a_failure_alone_is_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let date = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 10).unwrap();
    let planner = Planner::create(dir.path().to_owned(), date).await.unwrap();
    assert!(planner.finish().await.unwrap().is_none());

    let mut planner = Planner::create(dir.path().to_owned(), date).await.unwrap();
    for id in 1..=3 {
        let lost = file(id, &format!("f{id}"), "/x", "c");
        planner.add(&lost, Err("gone".into())).await.unwrap();
    }
    let plan = planner.finish().await.unwrap().unwrap();
    assert_eq!(plan.layout.entry_count(), 1);
    let text: Vec<Bytes> = plan.notice.unwrap().stream(0).try_collect().await.unwrap();
    let lines = (1..=3).map(|id| format!("Failed to download file (f{id}): gone."));
    assert_eq!(
        text.concat(),
        lines.collect::<Vec<_>>().join("\n").as_bytes()
    );
    assert_eq!(plan.outcomes.count(), 3);
    // The spill files are unlinked: nothing is left in the folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
