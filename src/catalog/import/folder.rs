//! Importing files and folders: static catalogs are walked through their `child` and `item`
//! links, other folders file by file.

use super::convert::Ctx;
use super::document::{self, Input};
use super::stac::Link;
use super::stream::Mode;
use super::unowned::Unowned;
use super::{ImportError, ImportReport, href};
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::CatalogStore;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The files a folder's import starts from when it holds one, in order of preference.
const ROOT_DOCUMENTS: [&str; 2] = ["catalog.json", "collection.json"];

/// Imports a STAC file, or a folder (see [`super::import_path`]).
pub(super) async fn import_path(
    store: &dyn CatalogStore,
    tenant: &Tenant,
    path: &Path,
    unowned: &Arc<Unowned>,
) -> Result<ImportReport, ImportError> {
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(|source| io_error(path, source))?;
    let mut walk = Walk {
        store,
        tenant,
        visited: HashSet::new(),
        report: ImportReport::default(),
        unowned,
    };
    if !metadata.is_dir() {
        walk.run(path.to_path_buf(), Mode::Full).await?;
    } else if let Some(root) = root_document(path).await {
        walk.run(root, Mode::Full).await?;
    } else {
        let files = list_json(path.to_path_buf()).await?;
        // Collections first, so that datasets get their labels before objects refer to them.
        for file in &files {
            walk.run(file.clone(), Mode::CollectionsFirst).await?;
        }
        for file in files {
            walk.run(file, Mode::Full).await?;
        }
    }
    Ok(walk.report)
}

async fn root_document(dir: &Path) -> Option<PathBuf> {
    for name in ROOT_DOCUMENTS {
        let path = dir.join(name);
        if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()) {
            return Some(path);
        }
    }
    None
}

/// Every `*.json` file under `dir`, in path order.
async fn list_json(dir: PathBuf) -> Result<Vec<PathBuf>, ImportError> {
    let listing = tokio::task::spawn_blocking(move || {
        let mut files = Vec::new();
        collect_json(&dir, &mut files, &mut HashSet::new())?;
        files.sort();
        Ok(files)
    });
    listing
        .await
        .map_err(|e| io_error(Path::new("."), std::io::Error::other(e)))?
}

fn collect_json(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    seen_dirs: &mut HashSet<PathBuf>,
) -> Result<(), ImportError> {
    let canonical = std::fs::canonicalize(dir).map_err(|e| io_error(dir, e))?;
    // A symbolic link back to an ancestor would otherwise loop forever.
    if !seen_dirs.insert(canonical) {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let path = entry.map_err(|e| io_error(dir, e))?.path();
        if path.is_dir() {
            collect_json(&path, files, seen_dirs)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> ImportError {
    ImportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A document to import and the dataset its items belong to when they do not say.
struct Task {
    path: PathBuf,
    inherit: Option<String>,
    mode: Mode,
}

/// The state of one import: what it stored and which files it has already read.
struct Walk<'a> {
    store: &'a dyn CatalogStore,
    tenant: &'a Tenant,
    /// Canonical paths of imported documents: catalogs may link to each other in cycles.
    visited: HashSet<PathBuf>,
    report: ImportReport,
    unowned: &'a Arc<Unowned>,
}

impl Walk<'_> {
    /// Imports `root` and, depth first, what it links to. An explicit stack rather than
    /// recursion keeps deep catalogs from needing boxed futures.
    async fn run(&mut self, root: PathBuf, mode: Mode) -> Result<(), ImportError> {
        let mut stack = vec![Task {
            path: root,
            inherit: None,
            mode,
        }];
        while let Some(task) = stack.pop() {
            self.visit(task, &mut stack).await?;
        }
        Ok(())
    }

    async fn visit(&mut self, task: Task, stack: &mut Vec<Task>) -> Result<(), ImportError> {
        let path = tokio::fs::canonicalize(&task.path)
            .await
            .map_err(|source| io_error(&task.path, source))?;
        if self.visited.contains(&path) {
            return Ok(());
        }
        let ctx = file_ctx(&path, task.inherit, self.unowned)?;
        let input = Input::File(path.clone());
        let outcome = document::import(self.store, self.tenant, input, &ctx, task.mode).await?;
        self.report.add(&outcome.report);
        if outcome.skipped {
            return Ok(());
        }
        self.visited.insert(path);
        let inherit = outcome.dataset.or(ctx.inherit.clone());
        // Pushed in reverse so that links are imported in document order; a Collection is
        // stored before the items it links to since those are only pushed now.
        for link in outcome.links.iter().rev().filter(|l| l.is_followed()) {
            if let Some(path) = link_path(link, &ctx)? {
                let inherit = inherit.clone();
                stack.push(Task {
                    path,
                    inherit,
                    mode: Mode::Full,
                });
            }
        }
        Ok(())
    }
}

fn file_ctx(
    path: &Path,
    inherit: Option<String>,
    unowned: &Arc<Unowned>,
) -> Result<Ctx, ImportError> {
    let source = path.display().to_string();
    let dir = path.parent().unwrap_or(Path::new("/"));
    let base = href::dir_url(dir).map_err(|e| ImportError::Invalid(format!("{source}: {e}")))?;
    Ok(Ctx {
        source,
        base: Some(base),
        inherit,
        unowned: Arc::clone(unowned),
    })
}

/// The local file a link points to; `None` for a remote one, which is not fetched.
fn link_path(link: &Link, ctx: &Ctx) -> Result<Option<PathBuf>, ImportError> {
    let rel = link.rel.as_deref().unwrap_or_default();
    let Some(target) = link.href.as_deref() else {
        return Err(ctx.invalid(format!("a {rel} link has no href")));
    };
    let url = href::resolve(target, ctx.base.as_deref())
        .map_err(|e| ctx.invalid(format!("{rel} link: {e}")))?;
    if href::is_http(&url) {
        tracing::warn!(source = %ctx.source, %url, "remote STAC link not followed");
        return Ok(None);
    }
    href::to_path(&url)
        .map(Some)
        .ok_or_else(|| ctx.invalid(format!("{rel} link '{target}' is not a local file")))
}
